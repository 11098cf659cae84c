"""autograd.explain / Tensor.explain_grad: a diagnosis for each way .grad ends up None."""

from __future__ import annotations

import warnings

import pytest

import npgrad
import npgrad.autograd.diagnosis as diagnosis
from npgrad.autograd import explain


def _leaf():
    return npgrad.ones(3, requires_grad=True)


def _says(t, *phrases):
    text = explain(t)
    assert text == t.explain_grad()
    for phrase in phrases:
        assert phrase in text, f"{phrase!r} not in: {text}"
    return text


def test_a_gradient_that_is_there():
    w = _leaf()
    (w * 2).sum().backward()
    _says(w, "holds a gradient of shape (3,)", "leaf")


def test_non_leaf():
    w = _leaf()
    y = w * 2
    y.sum().backward()
    _says(y, "not a leaf", "MulBackward0", "retain_grad()")


def test_the_non_leaf_warning_points_to_explain():
    y = _leaf() * 2
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        assert y.grad is None
    assert "npgrad.autograd.explain" in str(rec[0].message)


def test_a_tensor_created_without_requires_grad():
    _says(npgrad.ones(3), "does not require grad", "requires_grad=True", "requires_grad_()")


def test_an_integer_tensor():
    _says(npgrad.arange(3), "dtype int64", "floating-point", "t.float()")


def test_an_integer_conversion_of_a_tensor_in_the_graph():
    _says(_leaf().long(), "conversion to int64", "floating point")


def test_a_detached_copy():
    _says(_leaf().detach(), "made by detach()", "detached copy")


def test_detach_in_place():
    y = _leaf() * 2
    y.detach_()
    _says(y, "detach_()")


def test_a_result_computed_under_no_grad():
    w = _leaf()
    with npgrad.no_grad():
        z = w * 2
    _says(z, "no_grad()", "(Mul)")


@pytest.mark.parametrize(
    ("cut", "phrase"),
    [(lambda w: w.detach(), "through detach()"), (lambda w: w.data, "through .data")],
    ids=["detach", "data"],
)
def test_the_op_where_the_path_broke_is_named(cut, phrase):
    w, v = _leaf(), _leaf()
    loss = (cut(w) * v).sum()
    loss.backward()
    text = _says(w, "did not reach it", "MulBackward0", phrase)
    assert "SumBackward0" in text


def test_a_value_from_no_grad_in_the_graph_is_pointed_out():
    w, v = _leaf(), _leaf()
    with npgrad.no_grad():
        z = w.exp()
    loss = (z + v).sum()
    loss.backward()
    _says(w, "AddBackward0", "no_grad() (Exp)")


def test_a_graph_no_longer_alive():
    w, v = _leaf(), _leaf()
    (v * 3).sum().backward()  # the loss and its graph are gone at once
    _says(w, "did not reach it", "computed from this tensor")


def test_a_tensor_outside_the_graph():
    w, v = _leaf(), _leaf()
    loss = (v * 3).sum()
    loss.backward()
    _says(w, "not part of the graph", "SumBackward0", ".item()")


def test_backward_not_called_yet(monkeypatch):
    monkeypatch.setattr(diagnosis, "_last_run", [0, "", ()])
    _says(_leaf(), "no backward() has run yet")


@pytest.mark.parametrize("how", ["module", "optimizer", "assignment", "del"])
def test_grad_reset_by_zero_grad(how):
    model = npgrad.nn.Linear(2, 1)
    model(npgrad.ones(1, 2)).sum().backward()
    if how == "module":
        model.zero_grad()
    elif how == "optimizer":
        npgrad.optim.SGD(model.parameters(), lr=0.1).zero_grad()
    elif how == "assignment":
        model.weight.grad = None
    else:
        del model.weight.grad
    _says(model.weight, "set to None", "zero_grad()", "no backward() has run since")
    model(npgrad.ones(1, 2)).sum().backward()
    _says(model.weight, "holds a gradient")


def test_autograd_grad_does_not_fill_grad():
    w = _leaf()
    npgrad.autograd.grad((w * 2).sum(), w)
    _says(w, "autograd.grad()", "return value")


def test_backward_with_other_inputs():
    w, v = _leaf(), _leaf()
    (w * v).sum().backward(inputs=[v])
    assert v.grad is not None
    _says(w, "inputs=[...]")
