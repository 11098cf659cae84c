"""Shared test machinery: inputs, the torch oracle and an independent finite-difference check.

``check_against_torch`` runs one lambda ``fn(m, *inputs, **kwargs)`` on ``m = npgrad`` and on
``m = torch`` from the same NumPy inputs and compares, pass by pass:

- ``value``: output shape, dtype, ``requires_grad`` and values;
- ``grad_fn``: the name of the output's ``grad_fn`` (torch's ``MulBackward0`` etc.);
- ``grad``: every input's ``.grad`` after ``(out * w).sum().backward()`` for a random ``w``;
- ``gradgrad``: first gradients from ``autograd.grad(create_graph=True)`` and the gradient of
  a random projection of them, with respect to every input and to the cotangent ``w``.
"""

from __future__ import annotations

import zlib

import numpy as np
import torch

import npgrad

F64_TOL = {"rtol": 1e-10, "atol": 1e-10}
F32_TOL = {"rtol": 1e-4, "atol": 1e-5}
ALL_PASSES = ("value", "grad_fn", "grad", "gradgrad")


def seed_for(*parts) -> int:
    """A fixed seed derived from a description of the case (stable across runs)."""
    return zlib.crc32(repr(parts).encode())


def make_arrays(
    shapes, *, low=-2.0, high=2.0, kinks=(), margin=0.2, seed=0, dtype=np.float64
) -> list[np.ndarray]:
    """Uniform inputs in [low, high), moved at least ``margin`` away from every kink; with
    two elements or more, the first lies below the first kink and the second above it, so
    both branches of a kinked op (relu, abs, where, masks) are always exercised."""
    rng = np.random.default_rng(seed)
    arrays = []
    for shape in shapes:
        a = rng.uniform(low, high, size=shape)
        for k in kinks:
            near = np.abs(a - k) < margin
            a = np.where(near, a + np.where(a >= k, margin, -margin), a)
        if kinks and a.size >= 2:
            flat, k = a.reshape(-1), kinks[0]
            flat[0], flat[1] = k - abs(flat[0] - k), k + abs(flat[1] - k)
        arrays.append(np.asarray(a, dtype=dtype))
    return arrays


def to_numpy(t) -> np.ndarray:
    """A copy of a tensor's values, from either library."""
    return np.array(t.detach().numpy(force=True), copy=True)


def dtype_name(t) -> str:
    """``float32``, ``int64``…: the dtype name without the library prefix."""
    return str(t.dtype).rsplit(".", 1)[-1]


def grad_fn_name(t) -> str | None:
    return None if t.grad_fn is None else t.grad_fn.name()


def leaves(m, arrays, requires_grad=True) -> list:
    return [m.tensor(np.array(a), requires_grad=requires_grad) for a in arrays]


def assert_same_tensor(actual, expected, what: str, rtol: float, atol: float) -> None:
    """``actual`` (npgrad) has torch's shape, dtype and values (NaN equals NaN)."""
    assert isinstance(actual, npgrad.Tensor), f"{what}: got {type(actual).__name__}, not a Tensor"
    assert tuple(actual.shape) == tuple(expected.shape), (
        f"{what}: shape {tuple(actual.shape)}, torch gives {tuple(expected.shape)}"
    )
    assert dtype_name(actual) == dtype_name(expected), (
        f"{what}: dtype {dtype_name(actual)}, torch gives {dtype_name(expected)}"
    )
    np.testing.assert_allclose(
        to_numpy(actual), to_numpy(expected), rtol=rtol, atol=atol, equal_nan=True, err_msg=what
    )


def assert_same_grads(actual, expected, what: str, tol: dict, names=None) -> None:
    """Per input: both None, or equal tensors (``names`` label each input in messages)."""
    for i, (a, e) in enumerate(zip(actual, expected)):
        label = f"{what} input {i if names is None else names[i]}"
        if e is None or a is None:
            assert a is None and e is None, (
                f"{label}: gradient is {'None' if a is None else 'a tensor'}, torch gives "
                f"{'None' if e is None else 'a tensor'}"
            )
            continue
        assert_same_tensor(a, e, label, **tol)


def _run_value(m, fn, arrays, kwargs):
    xs = leaves(m, arrays)
    return fn(m, *xs, **kwargs)


def _run_grad(m, fn, arrays, kwargs, w):
    xs = leaves(m, arrays)
    out = fn(m, *xs, **kwargs)
    (out * m.tensor(w)).sum().backward()
    for i, (x, a) in enumerate(zip(xs, arrays)):
        np.testing.assert_array_equal(to_numpy(x), a, err_msg=f"backward mutated input {i}")
    return [x.grad for x in xs]


def _run_gradgrad(m, fn, arrays, kwargs, w, projections):
    xs = leaves(m, arrays)
    wt = m.tensor(w.copy(), requires_grad=True)
    out = fn(m, *xs, **kwargs)
    firsts = m.autograd.grad((out * wt).sum(), xs, create_graph=True, allow_unused=True)
    terms = [
        (g * m.tensor(u)).sum()
        for g, u in zip(firsts, projections)
        if g is not None and g.requires_grad
    ]
    if not terms:
        return list(firsts), [None] * (len(xs) + 1)
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    seconds = m.autograd.grad(total, [*xs, wt], allow_unused=True)
    return list(firsts), list(seconds)


def _materialize(grads, like) -> list:
    """None (an unused input) becomes zeros, so a zero tensor and None compare equal."""
    return [
        np.zeros(a.shape, dtype=a.dtype) if g is None else to_numpy(g) for g, a in zip(grads, like)
    ]


def check_against_torch(
    name: str, fn, arrays, kwargs=None, *, passes=ALL_PASSES, tol=None, seed=0
) -> None:
    """Run ``fn`` on npgrad and torch from ``arrays`` and compare the requested passes."""
    kwargs = {} if kwargs is None else kwargs
    tol = F64_TOL if tol is None else tol
    shapes = [a.shape for a in arrays]
    where = f"{name} (input shapes {shapes}, kwargs {kwargs})"

    try:
        out_t = _run_value(torch, fn, arrays, kwargs)
    except Exception as e:  # pragma: no cover - only fires for a bad table entry
        raise AssertionError(f"{where}: torch rejects this case, fix the table: {e}") from e
    out_n = _run_value(npgrad, fn, arrays, kwargs)

    if "value" in passes:
        assert_same_tensor(out_n, out_t, f"{where} [value] output", **tol)
        assert out_n.requires_grad == out_t.requires_grad, (
            f"{where} [value] output requires_grad={out_n.requires_grad}, torch gives "
            f"{out_t.requires_grad}"
        )
    if "grad_fn" in passes:
        assert grad_fn_name(out_n) == grad_fn_name(out_t), (
            f"{where} [grad_fn] output grad_fn is {grad_fn_name(out_n)}, torch gives "
            f"{grad_fn_name(out_t)}"
        )

    rng = np.random.default_rng(seed)
    w = rng.standard_normal(tuple(out_t.shape)).astype(to_numpy(out_t).dtype)
    if "grad" in passes:
        grads_t = _run_grad(torch, fn, arrays, kwargs, w)
        grads_n = _run_grad(npgrad, fn, arrays, kwargs, w)
        assert_same_grads(grads_n, grads_t, f"{where} [grad]", tol)
    if "gradgrad" in passes:
        projections = [rng.standard_normal(a.shape).astype(a.dtype) for a in arrays]
        firsts_t, seconds_t = _run_gradgrad(torch, fn, arrays, kwargs, w, projections)
        firsts_n, seconds_n = _run_gradgrad(npgrad, fn, arrays, kwargs, w, projections)
        assert_same_grads(firsts_n, firsts_t, f"{where} [gradgrad, first grad]", tol)
        like = [*arrays, w]
        names = [*range(len(arrays)), "w (cotangent)"]
        for i, (a, e) in enumerate(
            zip(_materialize(seconds_n, like), _materialize(seconds_t, like))
        ):
            np.testing.assert_allclose(
                a,
                e,
                **tol,
                equal_nan=True,
                err_msg=f"{where} [gradgrad, second grad] input {names[i]}",
            )


def check_vjp_numerically(
    name: str, fn, arrays, kwargs=None, *, order=1, seed=0, eps=1e-6, rtol=1e-5, atol=1e-7
) -> None:
    """``<u, Jᵀv> == <Ju, v>`` for random ``u, v``, with ``Ju`` by central differences.

    Independent of torch and of npgrad's gradcheck. ``order=2`` applies the same check to the
    scalar map ``xs -> <r, Jᵀv>`` (a first derivative built with ``create_graph=True``).
    """
    kwargs = {} if kwargs is None else kwargs
    rng = np.random.default_rng(seed)
    shapes = [a.shape for a in arrays]
    where = f"{name} [finite differences, order {order}] (input shapes {shapes}, kwargs {kwargs})"

    def f(*xs):
        return fn(npgrad, *xs, **kwargs)

    with npgrad.no_grad():
        out_shape = tuple(f(*leaves(npgrad, arrays, False)).shape)
    v = npgrad.tensor(rng.standard_normal(out_shape))
    if order == 2:
        r = [npgrad.tensor(rng.standard_normal(s)) for s in shapes]

        def scalar_map(*xs):
            grads = npgrad.autograd.grad(
                (f(*xs) * v).sum(), xs, create_graph=True, allow_unused=True
            )
            total = npgrad.zeros((), dtype=npgrad.float64)
            for g, ri in zip(grads, r):
                if g is not None:
                    total = total + (g * ri).sum()
            return total

        func, cotangent = scalar_map, npgrad.tensor(1.0)
    else:
        func, cotangent = f, v

    xs = leaves(npgrad, arrays)
    out = func(*xs)
    u = [rng.standard_normal(s) for s in shapes]
    if not any(a.size for a in arrays):
        return  # no input has an element, so there is no derivative to check
    if out.requires_grad:
        vjps = npgrad.autograd.grad((out * cotangent).sum(), xs, allow_unused=True)
    else:
        vjps = [None] * len(xs)
    lhs = sum(float((to_numpy(g) * ui).sum()) for g, ui in zip(vjps, u) if g is not None)

    def at(sign):
        shifted = [npgrad.tensor(np.asarray(a + sign * eps * ui)) for a, ui in zip(arrays, u)]
        if order == 2:
            shifted = [s.requires_grad_() for s in shifted]
        return to_numpy(func(*shifted))

    rhs = float(((at(1) - at(-1)) / (2 * eps) * to_numpy(cotangent)).sum())
    assert abs(lhs - rhs) <= atol + rtol * abs(rhs), (
        f"{where}: <u, J^T v> = {lhs!r} but finite differences give <Ju, v> = {rhs!r}"
    )
