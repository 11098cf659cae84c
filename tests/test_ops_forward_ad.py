"""Forward mode on every case of the op table: each op's JVP against torch's forward AD and
against central differences, the JVP and the VJP as transposes of each other
(``<u, J v> == <Jᵀu, v>``), and second order: the JVP of a gradient (forward over reverse)
and the gradient of a tangent (reverse over forward), both against torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import npgrad
from helpers import F64_TOL, make_arrays, seed_for, to_numpy
from op_spec import KINK_MARGIN
from op_table import cases

CASES = cases()
FD_CASES = [c for c in CASES if c.spec.finite_differences]
SECOND_ORDER = [c for c in CASES if c.spec.second_order]
# Ops whose VJP is, by torch's design, not the transpose of their derivative.
NOT_TRANSPOSES = {
    "F.embedding_padding_idx": "the padding row gets no gradient, though the output reads it",
    "F.embedding_scale_grad_by_freq": "gradients are divided by how often each row is used",
    "F.cosine_similarity_eps": "where eps clamps the norms, torch's gradient (which npgrad's "
    "matches) departs from the derivative; its tangent agrees with finite differences",
}
# torch's forward rules for these hold something constant when a tangent is differentiated:
# the batch statistics (batch_norm, layer_norm) or the saved LU factors (det, slogdet, solve),
# as checked against second finite differences. There the oracle for the gradient of
# <u, J v> is torch's gradient of <Jᵀu, v>: the same number, by two backward passes.
TORCH_REVERSE_OVER_FORWARD_WRONG = {
    "batch_norm_train",
    "batch_norm_train_plain",
    "layer_norm",
    "layer_norm_plain",
    "det_torch",
    "det_method",
    "linalg_det",
    "linalg_det_of_product",
    "logdet",
    "logdet_method",
    "slogdet_torch",
    "slogdet_method",
    "linalg_slogdet_logabsdet",
    "linalg_slogdet_negative",
    "linalg_slogdet_both",
    "linalg_solve",
    "linalg_solve_right",
}


def _inputs(case, *extra):
    spec = case.spec
    seed = seed_for(case.id, *extra)
    arrays = make_arrays(
        case.shapes, low=spec.low, high=spec.high, kinks=spec.kinks, margin=KINK_MARGIN, seed=seed
    )
    rng = np.random.default_rng(seed + 1)
    tangents = [rng.standard_normal(a.shape) for a in arrays]
    return arrays, tangents, rng


def _where(case) -> str:
    return f"{case.spec.name} (input shapes {list(case.shapes)}, kwargs {case.kwargs})"


def _jvp(m, case, arrays, tangents):
    """``(f(x), J v)`` through library ``m``'s forward mode (a zero tangent where the output
    got none)."""
    fw = m.autograd.forward_ad
    with fw.dual_level():
        xs = [fw.make_dual(m.tensor(a), m.tensor(t)) for a, t in zip(arrays, tangents)]
        out = case.spec.fn(m, *xs, **case.kwargs)
        primal, tangent = fw.unpack_dual(out)
        value = to_numpy(primal)
        return value, np.zeros_like(value) if tangent is None else to_numpy(tangent)


def _torch_jvp(case, arrays, tangents):
    try:
        return _jvp(torch, case, arrays, tangents)
    except NotImplementedError as e:
        pytest.skip(f"torch has no forward-mode rule here ({e}); see the finite-difference test")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_jvp_matches_torch(case):
    arrays, tangents, _ = _inputs(case)
    value_t, tangent_t = _torch_jvp(case, arrays, tangents)
    value_n, tangent_n = _jvp(npgrad, case, arrays, tangents)
    where = _where(case)
    np.testing.assert_allclose(value_n, value_t, **F64_TOL, err_msg=f"{where} [primal]")
    if tangent_t.dtype != value_t.dtype:  # torch's prod(dtype=) leaves the tangent wider
        tangent_t = tangent_t.astype(value_t.dtype)
    assert tangent_n.shape == tangent_t.shape and tangent_n.dtype == tangent_t.dtype, (
        f"{where} [tangent] {tangent_n.shape} {tangent_n.dtype}, torch gives "
        f"{tangent_t.shape} {tangent_t.dtype}"
    )
    np.testing.assert_allclose(
        tangent_n, tangent_t, **F64_TOL, equal_nan=True, err_msg=f"{where} [tangent]"
    )


@pytest.mark.parametrize("case", FD_CASES, ids=lambda c: c.id)
def test_jvp_matches_finite_differences(case):
    arrays, tangents, _ = _inputs(case)
    _, tangent = _jvp(npgrad, case, arrays, tangents)
    eps = 1e-6

    def at(sign):
        with npgrad.no_grad():
            xs = [npgrad.tensor(a + sign * eps * t) for a, t in zip(arrays, tangents)]
            return to_numpy(case.spec.fn(npgrad, *xs, **case.kwargs))

    numeric = (at(1) - at(-1)) / (2 * eps)
    defined = np.isfinite(at(0))  # where the value is NaN (set by the op), so is its difference
    tangent, numeric = tangent[defined], numeric[defined]
    np.testing.assert_allclose(
        tangent, numeric, rtol=1e-5, atol=1e-6, err_msg=f"{_where(case)} [finite differences]"
    )


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_jvp_is_the_transpose_of_the_vjp(case):
    if case.spec.name in NOT_TRANSPOSES:
        pytest.skip(NOT_TRANSPOSES[case.spec.name])
    arrays, tangents, rng = _inputs(case)
    value, jv = _jvp(npgrad, case, arrays, tangents)
    u = rng.standard_normal(value.shape)
    u[~np.isfinite(jv)] = 0  # a NaN tangent (mean over nothing, as torch's) is left out
    jv = np.where(np.isfinite(jv), jv, 0)
    xs = [npgrad.tensor(a, requires_grad=True) for a in arrays]
    out = case.spec.fn(npgrad, *xs, **case.kwargs)
    grads = npgrad.autograd.grad(out, xs, npgrad.tensor(u), allow_unused=True)
    jtu_v = sum(float((to_numpy(g) * t).sum()) for g, t in zip(grads, tangents) if g is not None)
    u_jv = float((u * jv).sum())
    scale = float(np.abs(u * jv).sum()) + 1  # ops with a dtype= argument round via float32
    assert np.isclose(u_jv, jtu_v, rtol=0, atol=1e-6 * scale), (
        f"{_where(case)}: <u, Jv> = {u_jv} but <Jᵀu, v> = {jtu_v}"
    )


def _forward_over_reverse(m, case, arrays, tangents, w):
    """The JVP of the gradient of ``<w, f(x)>``: a Hessian-vector product (per input)."""
    fw = m.autograd.forward_ad
    with fw.dual_level():
        xs = [
            fw.make_dual(m.tensor(a, requires_grad=True), m.tensor(t))
            for a, t in zip(arrays, tangents)
        ]
        out = case.spec.fn(m, *xs, **case.kwargs)
        grads = m.autograd.grad((out * m.tensor(w)).sum(), xs, create_graph=True, allow_unused=True)
        result = []
        for g, a in zip(grads, arrays):
            tangent = None if g is None else fw.unpack_dual(g).tangent
            result.append(np.zeros_like(a) if tangent is None else to_numpy(tangent))
        return result


def _reverse_over_forward(m, case, arrays, tangents, u):
    """The gradient of ``<u, J v>`` with respect to each input (a mixed second derivative)."""
    fw = m.autograd.forward_ad
    xs = [m.tensor(a, requires_grad=True) for a in arrays]
    with fw.dual_level():
        duals = [fw.make_dual(x, m.tensor(t)) for x, t in zip(xs, tangents)]
        tangent = fw.unpack_dual(case.spec.fn(m, *duals, **case.kwargs)).tangent
        if tangent is None or not tangent.requires_grad:
            return [np.zeros_like(a) for a in arrays]
        grads = m.autograd.grad((tangent * m.tensor(u)).sum(), xs, allow_unused=True)
    return [np.zeros_like(a) if g is None else to_numpy(g) for g, a in zip(grads, arrays)]


@pytest.mark.parametrize("case", SECOND_ORDER, ids=lambda c: c.id)
def test_forward_over_reverse_matches_torch(case):
    arrays, tangents, rng = _inputs(case, "hvp")
    with torch.no_grad():
        shape = tuple(case.spec.fn(torch, *map(torch.tensor, arrays), **case.kwargs).shape)
    w = rng.standard_normal(shape)
    try:
        expected = _forward_over_reverse(torch, case, arrays, tangents, w)
    except NotImplementedError as e:
        pytest.skip(f"torch has no forward-mode rule here ({e})")
    actual = _forward_over_reverse(npgrad, case, arrays, tangents, w)
    for i, (a, e) in enumerate(zip(actual, expected)):
        np.testing.assert_allclose(
            a, e, **F64_TOL, equal_nan=True, err_msg=f"{_where(case)} [JVP of the gradient] {i}"
        )


def _reverse_over_reverse(case, arrays, tangents, u):
    """torch's gradient of ``<u, J v> = <Jᵀu, v>`` by two backward passes."""
    xs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = case.spec.fn(torch, *xs, **case.kwargs)
    vjps = torch.autograd.grad(out, xs, torch.tensor(u), create_graph=True, allow_unused=True)
    total = sum((g * torch.tensor(t)).sum() for g, t in zip(vjps, tangents) if g is not None)
    if not isinstance(total, torch.Tensor) or not total.requires_grad:
        return [np.zeros_like(a) for a in arrays]
    grads = torch.autograd.grad(total, xs, allow_unused=True)
    return [np.zeros_like(a) if g is None else to_numpy(g) for g, a in zip(grads, arrays)]


@pytest.mark.parametrize("case", SECOND_ORDER, ids=lambda c: c.id)
def test_reverse_over_forward_matches_torch(case):
    arrays, tangents, rng = _inputs(case, "rof")
    with torch.no_grad():
        shape = tuple(case.spec.fn(torch, *map(torch.tensor, arrays), **case.kwargs).shape)
    u = rng.standard_normal(shape)
    try:
        if case.spec.name in TORCH_REVERSE_OVER_FORWARD_WRONG:
            expected = _reverse_over_reverse(case, arrays, tangents, u)
        else:
            expected = _reverse_over_forward(torch, case, arrays, tangents, u)
    except NotImplementedError as e:
        pytest.skip(f"torch has no forward-mode rule here ({e})")
    except RuntimeError as e:  # torch's softmax family: its JVP overwrites a saved result
        if "modified by an inplace operation" not in str(e):
            raise
        expected = _reverse_over_reverse(case, arrays, tangents, u)
    actual = _reverse_over_forward(npgrad, case, arrays, tangents, u)
    for i, (a, e) in enumerate(zip(actual, expected)):
        np.testing.assert_allclose(
            a, e, **F64_TOL, equal_nan=True, err_msg=f"{_where(case)} [gradient of the JVP] {i}"
        )


def _node_classes(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _node_classes(sub)


def test_every_differentiable_node_declares_a_jvp():
    from npgrad.ops._defop import OpNode
    from npgrad.ops.join import MultiOutputNode

    missing = sorted(
        f"{c.__module__}.{c.__name__}"
        for c in _node_classes(OpNode)
        if c._jvp is None and c is not MultiOutputNode
    )
    assert not missing, f"node classes without a forward-mode rule: {missing}"


def test_an_op_without_a_derivative_says_so_in_forward_mode_too():
    fw = npgrad.autograd.forward_ad
    with fw.dual_level():
        x = fw.make_dual(npgrad.tensor([3.0, 4.0]), npgrad.tensor([1.0, 1.0]))
        with pytest.raises(NotImplementedError, match="forward AD with floor_divide"):
            npgrad.floor_divide(x, 2.0)
    with torch.autograd.forward_ad.dual_level():
        x = torch.autograd.forward_ad.make_dual(torch.tensor([3.0, 4.0]), torch.ones(2))
        with pytest.raises(NotImplementedError, match="forward AD with aten::floor_divide"):
            torch.floor_divide(x, 2.0)
