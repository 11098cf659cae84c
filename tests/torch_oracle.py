"""Run one test body under torch and under npgrad, and compare what each did.

A body is a function of ``m``, the module (``torch`` or ``npgrad``); what it returns is
turned into plain data (values, dtype, requires_grad, is_leaf, grad_fn name) and compared;
exceptions and warnings are compared by type and key words.
"""

import warnings

import numpy as np
import pytest
import torch

import npgrad

MODULES = (torch, npgrad)


def canon(obj):
    """Plain, comparable data for what a test body returned under either library."""
    if isinstance(obj, (torch.Tensor, npgrad.Tensor)):
        fn = obj.grad_fn
        return {
            "values": np.array(obj.detach().numpy(), copy=True),
            "dtype": str(obj.dtype).split(".")[-1],
            "requires_grad": obj.requires_grad,
            "is_leaf": obj.is_leaf,
            "grad_fn": None if fn is None else fn.name(),
        }
    if isinstance(obj, (torch.dtype, npgrad.dtype)):
        return str(obj).split(".")[-1]
    if isinstance(obj, dict):
        return {k: canon(v) for k, v in obj.items()}
    if isinstance(obj, tuple):
        return ("tuple", [canon(v) for v in obj])
    if isinstance(obj, list):
        return ("list", [canon(v) for v in obj])
    return obj


def check_same(ref, got, path="result"):
    if isinstance(ref, dict):
        assert isinstance(got, dict), f"{path}: {got!r} is not a dict"
        assert ref.keys() == got.keys(), f"{path}: keys {got.keys()} != {ref.keys()}"
        for k in ref:
            check_same(ref[k], got[k], f"{path}[{k!r}]")
    elif isinstance(ref, tuple):
        assert isinstance(got, tuple) and got[0] == ref[0], f"{path}: {got!r} vs {ref!r}"
        assert len(got[1]) == len(ref[1]), f"{path}: length {len(got[1])} != {len(ref[1])}"
        for i, (r, g) in enumerate(zip(ref[1], got[1])):
            check_same(r, g, f"{path}[{i}]")
    elif isinstance(ref, np.ndarray):
        assert isinstance(got, np.ndarray), f"{path}: {got!r} is not an array"
        assert got.shape == ref.shape, f"{path}: shape {got.shape} != {ref.shape}"
        if ref.dtype.kind in "fc":
            np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6, err_msg=path)
        else:
            np.testing.assert_array_equal(got, ref, err_msg=path)
    elif isinstance(ref, float):
        assert got == pytest.approx(ref, rel=1e-5, abs=1e-6, nan_ok=True), f"{path}: {got}"
    else:
        assert got == ref, f"{path}: npgrad gave {got!r}, torch gave {ref!r}"


def same(fn):
    """Run ``fn(torch)`` and ``fn(npgrad)`` and check that they return the same things."""
    ref = canon(fn(torch))
    got = canon(fn(npgrad))
    check_same(ref, got)
    return got


def raises_same(fn, exc_type, *keys):
    """Both libraries raise exactly ``exc_type`` with a message holding every key term."""
    for m in MODULES:
        with pytest.raises(Exception) as info:
            fn(m)
        err = info.value
        assert type(err) is exc_type, f"{m.__name__} raised {type(err).__name__}: {err}"
        for key in keys:
            assert key.lower() in str(err).lower(), f"{m.__name__}: {key!r} not in {err}"


def warns_same(fn, category, *keys, torch_warns=True):
    """Both libraries emit a ``category`` warning whose message holds every key term.

    ``torch_warns=False`` is for warnings torch emits only once per process.
    """
    results = []
    for m in MODULES:
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            results.append(fn(m))
        texts = [str(w.message) for w in rec if issubclass(w.category, category)]
        if m is npgrad or torch_warns:
            assert any(all(k in t for k in keys) for t in texts), f"{m.__name__}: {texts}"
    check_same(canon(results[0]), canon(results[1]))


def silent_same(fn, category=UserWarning):
    """Both libraries return the same things and emit no ``category`` warning."""
    results = []
    for m in MODULES:
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            results.append(fn(m))
        texts = [str(w.message) for w in rec if issubclass(w.category, category)]
        assert not texts, f"{m.__name__} warned: {texts}"
    check_same(canon(results[0]), canon(results[1]))


def outcome(fn, m):
    """``("ok", result)`` or ``("error", exception type name)``: for comparing behaviours."""
    try:
        return ("ok", canon(fn(m)))
    except Exception as err:
        return ("error", type(err).__name__)


# --- tight comparison for transforms: values to 1e-10, structure exact ---------------------
def plain(obj):
    """Comparable data: containers kept (tuples told from lists), tensors as ("tensor",
    shape, requires_grad, dtype, values); grad_fn names are not compared."""
    if isinstance(obj, (torch.Tensor, npgrad.Tensor)):
        return (
            "tensor",
            tuple(obj.shape),
            obj.requires_grad,
            str(obj.dtype).split(".")[-1],
            np.array(obj.detach().numpy(), copy=True),
        )
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, (tuple, list)):
        return (type(obj).__name__, [plain(v) for v in obj])
    return obj


def check_plain(got, want, path="result"):
    """``got`` (npgrad's ``plain``) equals ``want`` (torch's): values to 1e-10."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and got.keys() == want.keys(), f"{path}: {got} vs {want}"
        for k in want:
            check_plain(got[k], want[k], f"{path}[{k!r}]")
    elif isinstance(want, tuple) and want[0] == "tensor":
        assert isinstance(got, tuple) and got[0] == "tensor", f"{path}: {got!r} is no tensor"
        assert got[1:4] == want[1:4], f"{path}: shape/requires_grad/dtype {got[1:4]} != {want[1:4]}"
        np.testing.assert_allclose(got[4], want[4], rtol=1e-10, atol=1e-12, err_msg=path)
    elif isinstance(want, tuple):
        assert isinstance(got, tuple) and got[0] == want[0], f"{path}: {got!r} vs {want!r}"
        assert len(got[1]) == len(want[1]), f"{path}: length differs"
        for i, (g, w) in enumerate(zip(got[1], want[1])):
            check_plain(g, w, f"{path}[{i}]")
    else:
        assert got == want, f"{path}: npgrad gave {got!r}, torch gave {want!r}"


def same_closely(fn):
    """``fn(npgrad)`` and ``fn(torch)`` give the same structure, shapes, requires_grad flags
    and dtypes, and values to 1e-10 (for transforms, whose graphs differ from torch's)."""
    check_plain(plain(fn(npgrad)), plain(fn(torch)))
