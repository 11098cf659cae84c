"""The tutorial's story of backward(), step by step, each checked against torch."""

import warnings

import numpy as np
import pytest
import torch

import npgrad


@pytest.fixture(params=["npgrad", "torch"])
def lib(request):
    return npgrad if request.param == "npgrad" else torch


def test_scalar_output_backward_gives_each_partial_derivative(lib):
    a = lib.tensor(10.0, requires_grad=True)
    b = lib.tensor(20.0, requires_grad=True)
    F = a * b
    F.backward()
    assert a.grad.item() == 20.0
    assert b.grad.item() == 10.0


def test_vector_output_needs_gradient_argument():
    a = npgrad.tensor([10.0, 10.0], requires_grad=True)
    b = npgrad.tensor([20.0, 20.0], requires_grad=True)
    F = a * b
    with pytest.raises(RuntimeError, match="implicitly created only for scalar outputs"):
        F.backward()
    with pytest.raises(RuntimeError, match="gradient="):
        F.backward()


def test_gradient_argument_is_the_vjp_vector():
    rng = np.random.default_rng(0)
    av, bv, v = rng.standard_normal((3, 4))
    results = {}
    for lib in (npgrad, torch):
        a = lib.tensor(av, requires_grad=True)
        b = lib.tensor(bv, requires_grad=True)
        (a * b).backward(gradient=lib.tensor(v))
        results[lib.__name__] = (a.grad.numpy(), b.grad.numpy())
    np.testing.assert_allclose(results["npgrad"][0], v * bv, rtol=1e-12)
    np.testing.assert_allclose(results["npgrad"][1], v * av, rtol=1e-12)
    for ours, theirs in zip(results["npgrad"], results["torch"]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_gradient_of_wrong_shape_names_both_shapes():
    a = npgrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    F = a * 2
    with pytest.raises(RuntimeError, match=r"Mismatch in shape.*\[2\].*\[3\]"):
        F.backward(gradient=npgrad.tensor([1.0, 1.0]))


def test_scalar_backward_equals_backward_with_gradient_one():
    a1 = npgrad.tensor(3.0, requires_grad=True)
    (a1 * a1).backward()
    a2 = npgrad.tensor(3.0, requires_grad=True)
    (a2 * a2).backward(gradient=npgrad.tensor(1.0))
    assert a1.grad.item() == a2.grad.item() == 6.0


def test_function_of_intermediate_result(lib):
    a = lib.tensor([10.0, 10.0], requires_grad=True)
    b = lib.tensor([20.0, 20.0], requires_grad=True)
    F = a * b
    G = 2 * F
    G.sum().backward()
    assert a.grad.tolist() == [40.0, 40.0]
    assert b.grad.tolist() == [20.0, 20.0]
    assert a.is_leaf and b.is_leaf and not F.is_leaf


def test_grad_of_non_leaf_is_none_and_warns(lib):
    a = lib.tensor([10.0, 10.0], requires_grad=True)
    F = a * 2
    (2 * F).sum().backward()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert F.grad is None
    assert len(caught) == 1
    assert caught[0].category is UserWarning
    message = str(caught[0].message)
    assert "not a leaf" in message and "retain_grad()" in message


def test_retain_grad_keeps_intermediate_gradient(lib):
    a = lib.tensor([10.0, 10.0], requires_grad=True)
    b = lib.tensor([20.0, 20.0], requires_grad=True)
    F = a * b
    F.retain_grad()
    G = 2 * F
    G.sum().backward()
    assert F.retains_grad
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert F.grad.tolist() == [2.0, 2.0]


def test_leaf_rules(lib):
    constant = lib.tensor([1.0, 2.0])
    assert constant.is_leaf and not constant.requires_grad
    derived = constant * 3
    assert derived.is_leaf and derived.grad_fn is None
    x = lib.tensor([1.0], requires_grad=True)
    assert x.is_leaf and x.grad_fn is None and x.grad is None
    assert not (x * 2).is_leaf


def test_seed_example_runs(capsys):
    import runpy
    from pathlib import Path

    runpy.run_path(str(Path(__file__).parents[1] / "examples" / "seed.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "a.grad = tensor(20.)" in out
    assert "F.retains_grad = True, F.grad = tensor([2., 2.])" in out
