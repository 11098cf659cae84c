"""autograd.functional against torch.autograd.functional: the same structures (Tensor or
tuple, nested for jacobian/hessian), values, requires_grad, and errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import npgrad
from torch_oracle import raises_same

RNG = np.random.default_rng(7)
X = RNG.uniform(0.5, 1.5, (2, 3))
Y = RNG.uniform(0.5, 1.5, (3,))
S = np.array(0.7)

# Each function is written once for both libraries (m is torch or npgrad).
FUNCTIONS = {
    "one_in_one_out": (lambda m: lambda x: (x.exp() * x).sum(1), (X,)),
    "tuple_in": (lambda m: lambda x, y: (x * y).sin().sum(0) + y, (X, Y)),
    "tuple_out": (lambda m: lambda x, y: ((x * y).sum(), x.tanh()), (X, Y)),
    "scalar": (lambda m: lambda x: (x**3).sum() * x.sum(), (X,)),
    "unused_input": (lambda m: lambda x, y: (x**2).sum(1), (X, Y)),
}


def _structure(obj):
    """Nested tuples of (shape, requires_grad, values) for comparing results (a list, as
    torch's forward-mode jacobian gives, starts with the marker "list")."""
    if isinstance(obj, tuple):
        return tuple(_structure(o) for o in obj)
    if isinstance(obj, list):
        return ("list", *(_structure(o) for o in obj))
    assert isinstance(obj, (torch.Tensor, npgrad.Tensor)), type(obj)
    return (tuple(obj.shape), obj.requires_grad, np.array(obj.detach().numpy(), copy=True))


def _compare(got, want, path="result"):
    if isinstance(want, str):
        assert got == want, f"{path}: {got!r} != {want!r}"
        return
    if isinstance(want, tuple) and len(want) == 3 and isinstance(want[2], np.ndarray):
        assert isinstance(got, tuple) and len(got) == 3 and isinstance(got[2], np.ndarray), path
        assert got[0] == want[0], f"{path}: shape {got[0]} != {want[0]}"
        assert got[1] == want[1], f"{path}: requires_grad {got[1]} != {want[1]}"
        np.testing.assert_allclose(got[2], want[2], rtol=1e-10, atol=1e-12, err_msg=path)
        return
    assert isinstance(got, tuple) and len(got) == len(want), f"{path}: structure differs"
    for i, (g, w) in enumerate(zip(got, want)):
        _compare(g, w, f"{path}[{i}]")


def _inputs(m, arrays, as_tuple, requires_grad=False):
    tensors = tuple(m.tensor(a, requires_grad=requires_grad) for a in arrays)
    return tensors if as_tuple else tensors[0]


def _run(transform, name, *, with_v, create_graph=False, **kwargs):
    results = []
    make, arrays = FUNCTIONS[name]
    for m in (torch, npgrad):
        fn = make(m)
        inputs = _inputs(m, arrays, as_tuple=len(arrays) > 1, requires_grad=create_graph)
        args = [inputs]
        if with_v is not None:
            v_arrays = with_v(m, fn, inputs)
            args.append(v_arrays)
        out = getattr(m.autograd.functional, transform)(
            fn, *args, create_graph=create_graph, **kwargs
        )
        results.append(_structure(out))
    _compare(results[1], results[0])


def _v_like_outputs(m, fn, inputs):
    outs = fn(*inputs) if isinstance(inputs, tuple) else fn(inputs)
    rng = np.random.default_rng(3)
    if isinstance(outs, tuple):
        return tuple(m.tensor(rng.standard_normal(tuple(o.shape))) for o in outs)
    return m.tensor(rng.standard_normal(tuple(outs.shape)))


def _v_like_inputs(m, fn, inputs):
    rng = np.random.default_rng(4)
    if isinstance(inputs, tuple):
        return tuple(m.tensor(rng.standard_normal(tuple(x.shape))) for x in inputs)
    return m.tensor(rng.standard_normal(tuple(inputs.shape)))


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_vjp(name, create_graph):
    _run("vjp", name, with_v=_v_like_outputs, create_graph=create_graph)


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_jvp(name, create_graph):
    _run("jvp", name, with_v=_v_like_inputs, create_graph=create_graph)


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_jacobian(name, create_graph):
    _run("jacobian", name, with_v=None, create_graph=create_graph)


def test_jacobian_vectorize_gives_the_same_result():
    _run("jacobian", "tuple_in", with_v=None, vectorize=True)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_jacobian_forward_mode(name):
    _run("jacobian", name, with_v=None, vectorize=True, strategy="forward-mode")


def test_hessian_forward_over_reverse():
    _run("hessian", "scalar", with_v=None, vectorize=True, outer_jacobian_strategy="forward-mode")


def test_hessian_forward_over_reverse_of_tuple_inputs():
    def body(m):
        x, y = m.tensor(X), m.tensor(Y)
        return m.autograd.functional.hessian(
            lambda a, b: (a.sin() @ b).sum() * b.sum(),
            (x, y),
            vectorize=True,
            outer_jacobian_strategy="forward-mode",
        )

    results = [_structure(body(m)) for m in (torch, npgrad)]
    _compare(results[1], results[0])


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("transform", ["hessian", "hvp", "vhp"])
def test_hessians(transform, create_graph):
    with_v = None if transform == "hessian" else _v_like_inputs
    _run(transform, "scalar", with_v=with_v, create_graph=create_graph)


def test_hessian_of_tuple_inputs():
    def body(m):
        x, y = m.tensor(X), m.tensor(Y)
        return m.autograd.functional.hessian(lambda a, b: (a.sin() @ b).sum() * b.sum(), (x, y))

    results = [_structure(body(m)) for m in (torch, npgrad)]
    _compare(results[1], results[0])


def test_v_may_be_omitted_for_a_single_element():
    for transform, fn in (
        ("vjp", lambda x: (x * x).sum()),
        ("jvp", lambda x: x * 3),
        ("hvp", lambda x: x**4),
    ):
        results = []
        for m in (torch, npgrad):
            out = getattr(m.autograd.functional, transform)(fn, m.tensor([1.5]))
            results.append(_structure(out))
        _compare(results[1], results[0], transform)


def test_results_are_differentiable_with_create_graph():
    grads = []
    for m in (torch, npgrad):
        x = m.tensor(X, requires_grad=True)
        _, g = m.autograd.functional.vjp(lambda x: (x**3).sum(), x, create_graph=True)
        (g * g).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-12)


def test_inputs_are_not_changed():
    x = npgrad.tensor(X)
    npgrad.autograd.functional.jacobian(lambda x: x.exp(), x)
    assert not x.requires_grad and x.grad is None and np.array_equal(x.numpy(), X)


# --- errors, as torch raises them ------------------------------------------------------------
def test_v_required_for_a_non_scalar_output():
    raises_same(
        lambda m: m.autograd.functional.vjp(lambda x: x * 2, m.tensor(X)),
        RuntimeError,
        "v can only be None",
    )


def test_v_of_the_wrong_shape():
    raises_same(
        lambda m: m.autograd.functional.vjp(lambda x: x * 2, m.tensor(X), m.ones(3)),
        RuntimeError,
        "invalid size",
    )


def test_v_tuple_of_the_wrong_length():
    raises_same(
        lambda m: m.autograd.functional.jvp(
            lambda x, y: x.sum() + y.sum(), (m.tensor(X), m.tensor(Y)), (m.tensor(X),)
        ),
        RuntimeError,
        "invalid length",
    )


def test_inputs_must_be_tensors():
    raises_same(
        lambda m: m.autograd.functional.jacobian(lambda x: x, [1.0, 2.0]),
        TypeError,
        "must be either a Tensor or a tuple of Tensors",
    )


def test_strict_mode_refuses_an_independent_input():
    raises_same(
        lambda m: m.autograd.functional.vjp(
            lambda x, y: (x * 2).sum(), (m.tensor(X), m.tensor(Y)), strict=True
        ),
        RuntimeError,
        "independent of input 1",
    )


def test_strict_mode_refuses_an_output_that_does_not_require_grad():
    raises_same(
        lambda m: m.autograd.functional.jacobian(lambda x: m.ones(2), m.tensor(X), strict=True),
        RuntimeError,
        "does not require gradients",
    )


def test_hessian_needs_a_single_element():
    raises_same(
        lambda m: m.autograd.functional.hessian(lambda x: x * 2, m.tensor(X)),
        RuntimeError,
        "single element",
    )


def test_forward_mode_needs_vectorize():
    raises_same(  # N06, torch's message word for word
        lambda m: m.autograd.functional.jacobian(
            lambda x: x.sin(), m.zeros(2), strategy="forward-mode"
        ),
        NotImplementedError,
        "Computing Jacobian using forward-AD or forward-over-reverse Hessian isonly implemented "
        "for `vectorize=True`.",
    )


def test_unknown_strategy():
    raises_same(
        lambda m: m.autograd.functional.jacobian(lambda x: x, m.tensor(X), strategy="sideways"),
        AssertionError,
        "reverse-mode",
    )
