"""NumPy and npgrad tensors: conversion shares memory as torch's does, and NumPy functions
called on tensors run npgrad's ops, so NumPy code stays in the graph and is differentiable."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import npgrad
from torch_oracle import raises_same, same


def _leaf(m, values, dtype=None):
    return m.tensor(np.array(values, dtype=dtype or np.float64), requires_grad=True)


# --- conversion ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "convert",
    [np.asarray, np.array, lambda t: t.numpy()],
    ids=["asarray", "array", "numpy"],
)
def test_conversion_refuses_a_tensor_that_requires_grad(convert):
    raises_same(lambda m: convert(_leaf(m, [1.0, 2.0])), RuntimeError, "requires grad", "detach()")


def test_asarray_and_numpy_share_memory_and_array_copies():
    for m in (torch, npgrad):
        t = m.zeros(3)
        np.asarray(t)[0] = 5.0
        t.numpy()[1] = 6.0
        np.array(t)[2] = 7.0
        assert t.tolist() == [5.0, 6.0, 0.0], m.__name__


def test_detached_tensor_converts_and_keeps_dtype():
    def body(m):
        x = _leaf(m, [1.5, 2.5]).float()
        a = np.asarray(x.detach())
        return str(a.dtype), a.tolist(), np.asarray(x.detach(), dtype=np.float64).dtype.name

    assert same(body) == same(body)


def test_asarray_with_dtype_converts_without_touching_the_tensor():
    t = npgrad.tensor([1.25, 2.5])
    a = np.asarray(t, dtype=np.int64)
    assert a.tolist() == [1, 2]
    assert t.tolist() == [1.25, 2.5]


def test_from_numpy_shares_memory_both_ways():
    for m in (torch, npgrad):
        a = np.zeros(2)
        t = m.from_numpy(a)
        a[0] = 3.0
        t.numpy()[1] = 4.0
        assert t.tolist() == [3.0, 4.0] and a.tolist() == [3.0, 4.0], m.__name__


@pytest.mark.parametrize("scalar", [np.float64(0.3), np.float32(0.3), np.int32(3), np.bool_(True)])
def test_tensor_of_a_numpy_scalar_is_a_0d_tensor_that_ops_accept(scalar):
    t, e = npgrad.tensor(scalar), torch.tensor(scalar)
    assert (t.shape, str(t.dtype)[7:]) == (tuple(e.shape), str(e.dtype)[6:])
    loss_n = npgrad.nn.functional.mse_loss(t.double(), npgrad.tensor(0.7).double())
    loss_t = torch.nn.functional.mse_loss(e.double(), torch.tensor(0.7).double())
    assert loss_n.item() == pytest.approx(loss_t.item())


# --- NumPy scalars are weakly typed, as Python numbers --------------------------------------
@pytest.mark.parametrize(
    "expr",
    [
        lambda x: x * np.float64(2),
        lambda x: np.float64(2) * x,
        lambda x: x + np.float32(1),
        lambda x: x - np.int64(3),
        lambda x: np.int64(3) / x,
        lambda x: x ** np.float64(2),
        lambda x: np.float64(2) ** x,
    ],
    ids=["mul", "rmul", "add", "sub", "rdiv", "pow", "rpow"],
)
def test_numpy_scalars_do_not_promote_like_torch(expr):
    same(lambda m: expr(_leaf(m, [1.0, 2.0], np.float32)))


# --- NumPy functions on tensors stay in the graph -----------------------------------------
def test_numpy_ufunc_returns_a_tensor_in_the_graph():
    x = _leaf(npgrad, [0.5, 1.0])
    y = np.sin(x)
    assert isinstance(y, npgrad.Tensor)
    assert y.grad_fn.name() == "SinBackward0"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.cos([0.5, 1.0]))


def _numpy_model(x, w, b):
    """A small model written in NumPy only."""
    h = np.tanh(np.matmul(x, w) + b)
    return np.sum(np.exp(-h) * h, axis=0)


def _torch_model(x, w, b):
    h = torch.tanh(torch.matmul(x, w) + b)
    return torch.sum(torch.exp(-h) * h, dim=0)


def test_gradients_flow_through_numpy_code_as_through_torch():
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in ((4, 3), (3, 2), (2,))]
    cotangent = rng.standard_normal(2)
    grads = {}
    for m, model in ((npgrad, _numpy_model), (torch, _torch_model)):
        leaves = [m.tensor(a, requires_grad=True) for a in arrays]
        out = model(*leaves)
        assert isinstance(out, m.Tensor)
        out.backward(m.tensor(cotangent))
        grads[m] = [leaf.grad.numpy() for leaf in leaves]
    for got, want in zip(grads[npgrad], grads[torch]):
        np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize(
    ("numpy_fn", "torch_fn"),
    [
        (lambda x: np.exp(x) * np.float64(2), lambda x: torch.exp(x) * 2),
        (lambda x: np.sum(x, axis=0), lambda x: torch.sum(x, dim=0)),
        (lambda x: np.mean(x, axis=1, keepdims=True), lambda x: torch.mean(x, 1, keepdim=True)),
        (lambda x: np.where(x > 0, x, -2 * x), lambda x: torch.where(x > 0, x, -2 * x)),
        (lambda x: np.concatenate([x, x * 3], axis=0), lambda x: torch.cat([x, x * 3], 0)),
        (lambda x: np.transpose(x) @ x, lambda x: x.T @ x),
        (lambda x: np.reshape(x, (3, 2)), lambda x: torch.reshape(x, (3, 2))),
        (lambda x: np.sqrt(np.abs(x) + 1), lambda x: torch.sqrt(torch.abs(x) + 1)),
        (lambda x: np.clip(x, -0.5, 0.5), lambda x: torch.clip(x, -0.5, 0.5)),
    ],
    ids=["exp", "sum", "mean", "where", "concatenate", "transpose", "reshape", "sqrt", "clip"],
)
def test_numpy_function_matches_torch_in_value_and_gradient(numpy_fn, torch_fn):
    rng = np.random.default_rng(1)
    a = rng.uniform(0.3, 1.0, (2, 3)) * rng.choice([-1.0, 1.0], (2, 3))
    x_n, x_t = _leaf(npgrad, a), _leaf(torch, a)
    out_n, out_t = numpy_fn(x_n), torch_fn(x_t)
    assert isinstance(out_n, npgrad.Tensor)
    np.testing.assert_allclose(out_n.detach().numpy(), out_t.detach().numpy(), rtol=1e-12)
    w = rng.standard_normal(tuple(out_t.shape))
    out_n.backward(npgrad.tensor(w))
    out_t.backward(torch.tensor(w))
    np.testing.assert_allclose(x_n.grad.numpy(), x_t.grad.numpy(), rtol=1e-12)


def test_numpy_code_is_differentiable_twice():
    x = _leaf(npgrad, [0.3, -0.7])
    (g,) = npgrad.autograd.grad(np.sum(np.sin(x) ** 3), x, create_graph=True)
    (gg,) = npgrad.autograd.grad(np.sum(g), x)
    xt = _leaf(torch, [0.3, -0.7])
    (gt,) = torch.autograd.grad((torch.sin(xt) ** 3).sum(), xt, create_graph=True)
    (ggt,) = torch.autograd.grad(gt.sum(), xt)
    np.testing.assert_allclose(gg.numpy(), ggt.numpy(), rtol=1e-12)


# --- what npgrad can't follow is refused, never silently detached ------------------------
@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda x: np.median(x), "numpy.median"),
        (lambda x: np.fft.fft(x), "numpy.fft.fft"),
        (lambda x: np.add.reduce(x), "numpy.add.reduce"),
        (lambda x: np.sin(x, out=np.empty(2)), "numpy.sin"),
        (lambda x: np.gcd(x.long(), x.long()), "numpy.gcd"),
    ],
    ids=["median", "fft", "ufunc-reduce", "ufunc-out", "gcd"],
)
def test_unsupported_numpy_call_raises_type_error_naming_it(call, named):
    x = _leaf(npgrad, [1.0, 2.0])
    with pytest.raises(TypeError) as info:
        call(x)
    message = str(info.value)
    assert named.split(".")[-1] in message and "npgrad" in message
    assert "detach().numpy()" in message
    assert x.grad is None and x.tolist() == [1.0, 2.0]
