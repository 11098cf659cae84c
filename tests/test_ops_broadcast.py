"""Properties over random broadcastable shapes (Hypothesis), each checked against torch.

Every example also asserts that backward leaves the inputs and the cotangent unchanged and
that no two ``.grad`` arrays share memory with each other or with the cotangent.
"""

from __future__ import annotations

import itertools

import hypothesis.strategies as st
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import npgrad
from helpers import assert_same_grads, assert_same_tensor, leaves

TOL = {"rtol": 1e-10, "atol": 1e-10}
# 25 examples keep the default run fast; a profile asking for more (intense) gets its way.
SETTINGS = settings(max_examples=max(25, settings.default.max_examples // 4), deadline=None)

BINARY = {
    "add": lambda m, x, y: x + y,
    "add_alpha": lambda m, x, y: m.add(x, y, alpha=-2.5),
    "sub": lambda m, x, y: x - y,
    "sub_alpha": lambda m, x, y: m.sub(x, y, alpha=0.5),
    "mul": lambda m, x, y: x * y,
    "div": lambda m, x, y: x / y,
    "pow": lambda m, x, y: x**y,
    "where": lambda m, x, y: m.where(x > y, x, y),
    "reuse": lambda m, x, y: x * y + x * 2,
}


def _operands(rng, shapes, name):
    """Values at least 0.5 away from 0 (for div), with positive bases for pow."""
    magnitude = [rng.uniform(0.5, 2.0, size=s) for s in shapes]
    if name == "pow":
        return [magnitude[0], rng.uniform(-2.0, 2.0, size=shapes[1])]
    return [m * rng.choice([-1.0, 1.0], size=m.shape) for m in magnitude]


def _backward_in_both(fn, arrays, w):
    """Run ``fn`` and ``out.backward(w)`` in torch and npgrad; check invariants on npgrad."""
    results = {}
    for m in (torch, npgrad):
        xs = leaves(m, arrays)
        out = fn(m, *xs)
        cotangent = m.tensor(w.copy())
        out.backward(cotangent)
        results[m] = (out, xs, cotangent)
    out_n, xs_n, w_n = results[npgrad]
    out_t, xs_t, _ = results[torch]
    shapes = [a.shape for a in arrays]
    assert_same_tensor(out_n, out_t, f"value for shapes {shapes}", **TOL)
    assert_same_grads([x.grad for x in xs_n], [x.grad for x in xs_t], f"grad, shapes {shapes}", TOL)
    for i, (x, a) in enumerate(zip(xs_n, arrays)):
        np.testing.assert_array_equal(x.detach().numpy(), a, err_msg=f"input {i} was mutated")
    np.testing.assert_array_equal(w_n.numpy(), w, err_msg="the cotangent was mutated")
    grads = [x.grad.numpy() for x in xs_n if x.grad is not None]
    for (i, a), (j, b) in itertools.combinations(enumerate(grads), 2):
        assert not np.shares_memory(a, b), f".grad of inputs {i} and {j} share memory"
    for i, g in enumerate(grads):
        assert not np.shares_memory(g, w_n.numpy()), f".grad of input {i} aliases the cotangent"
        for j, x in enumerate(xs_n):
            assert not np.shares_memory(g, x.detach().numpy()), (
                f".grad of input {i} aliases input {j}"
            )


@pytest.mark.parametrize("name", BINARY)
@SETTINGS
@given(
    shapes=mutually_broadcastable_shapes(
        num_shapes=2, min_dims=0, max_dims=3, min_side=0, max_side=3
    ),
    seed=st.integers(0, 2**32 - 1),
)
def test_binary_op_broadcasting(name, shapes, seed):
    rng = np.random.default_rng(seed)
    arrays = [np.asarray(a) for a in _operands(rng, shapes.input_shapes, name)]
    w = rng.standard_normal(shapes.result_shape)
    _backward_in_both(BINARY[name], arrays, w)


@st.composite
def matmul_shapes(draw):
    """Operand shapes for matmul: vectors, matrices and broadcast batches of matrices."""
    batch = draw(
        mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, min_side=1, max_side=3)
    )
    n, k, p = (draw(st.integers(0, 3)) for _ in range(3))
    a_vector, b_vector = draw(st.booleans()), draw(st.booleans())
    a = (k,) if a_vector else (*batch.input_shapes[0], n, k)
    b = (k,) if b_vector else (*batch.input_shapes[1], k, p)
    return a, b


@SETTINGS
@given(shapes=matmul_shapes(), seed=st.integers(0, 2**32 - 1))
def test_matmul_broadcasting(shapes, seed):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes]
    out_shape = tuple(torch.matmul(*(torch.tensor(a) for a in arrays)).shape)
    w = rng.standard_normal(out_shape)
    _backward_in_both(lambda m, a, b: a @ b, arrays, w)


@st.composite
def reduction_args(draw):
    shape = draw(st.lists(st.integers(0, 3), min_size=0, max_size=3).map(tuple))
    ndim = len(shape)
    if ndim == 0 or draw(st.booleans()):
        dims = draw(st.one_of(st.none(), st.sampled_from([0, -1]))) if ndim == 0 else None
    else:
        axes = draw(
            st.lists(
                st.integers(-ndim, ndim - 1),
                min_size=1,
                max_size=ndim,
                unique_by=lambda d: d % ndim,
            )
        )
        dims = axes[0] if len(axes) == 1 and draw(st.booleans()) else tuple(axes)
    return shape, dims, draw(st.booleans())


@pytest.mark.parametrize("name", ["sum", "mean"])
@SETTINGS
@given(args=reduction_args(), seed=st.integers(0, 2**32 - 1))
def test_reduction_dims(name, args, seed):
    shape, dim, keepdim = args
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(shape)]

    def fn(m, x):
        if dim is None:
            return getattr(m, name)(x)
        return getattr(m, name)(x, dim=dim, keepdim=keepdim)

    out_shape = tuple(fn(torch, torch.tensor(arrays[0])).shape)
    _backward_in_both(fn, arrays, rng.standard_normal(out_shape))


def test_same_tensor_as_both_operands_gets_separate_grad():
    for m in (torch, npgrad):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        w = m.tensor([3.0, 5.0])
        (x + x).backward(w)
        assert x.grad.tolist() == [6.0, 10.0]
        assert w.tolist() == [3.0, 5.0]
        if m is npgrad:
            assert not np.shares_memory(x.grad.numpy(), w.numpy())
