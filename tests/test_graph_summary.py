"""graph_summary: node count, depth, leaves and saved bytes of the graph behind a tensor; it
catches the ``total_loss += loss`` leak."""

from __future__ import annotations

import numpy as np
import pytest

import npgrad
from npgrad.autograd.summary import GraphSummary, graph_summary


def test_counts_of_a_small_graph():
    x = npgrad.ones(1000, dtype=npgrad.float64, requires_grad=True)
    w = npgrad.ones(1000, dtype=npgrad.float64, requires_grad=True)
    y = (x.exp() * w).sin().sum()
    s = graph_summary(y)
    # sum <- sin <- mul <- (exp <- x, w): 4 op nodes and 2 AccumulateGrad nodes
    assert (s.nodes, s.depth, s.leaves) == (6, 5, 2)
    # exp keeps its result, mul its inputs (exp's result again, and w), sin its input
    assert s.saved_arrays == 3 and s.saved_bytes == 3 * 8000
    assert s.freed_nodes == 0
    y.backward()
    after = graph_summary(y)
    assert (after.nodes, after.saved_bytes, after.freed_nodes) == (6, 0, 3)
    assert "6 nodes" in str(s) and "23.4 KiB" in str(s) and "2 leaves" in str(s)


def test_views_of_one_array_count_once():
    x = npgrad.ones(100, 100, dtype=npgrad.float64, requires_grad=True)
    base = x * 2  # its result is saved by the ops below through two views
    y = (base[:10].exp().sum() + base.t().exp().sum()).sum()
    s = graph_summary(y)
    # two exp results (10x100 and 100x100), mul's input x; base's array only once (x * 2
    # saves x and the number, exp saves results)
    assert s.saved_bytes == 8 * (10 * 100 + 100 * 100 + 100 * 100)


def test_custom_function_saved_tensors_are_counted():
    class Square(npgrad.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return 2 * a * g

    x = npgrad.ones(50, dtype=npgrad.float64, requires_grad=True)
    y = Square.apply(x).sum()
    assert graph_summary(y).saved_bytes == 400
    y.backward()
    assert graph_summary(y).saved_bytes == 0 and graph_summary(y).freed_nodes == 1


def test_leaf_and_constant():
    assert graph_summary(npgrad.ones(3, requires_grad=True)) == GraphSummary(1, 1, 1, 0, 0, 0)
    assert graph_summary(npgrad.ones(3)) == GraphSummary(0, 0, 0, 0, 0, 0)
    with pytest.raises(TypeError):
        graph_summary(1.0)


def test_deep_graph_without_recursion():
    x = npgrad.ones(2, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    s = graph_summary(y)
    assert s.nodes == 100_001 and s.depth == 100_001 and s.leaves == 1
    assert s.saved_arrays == 100_000  # each mul keeps its input


def _training_steps(steps: int, accumulate, validate: bool):
    """A small regression training loop; returns the summaries of the running total."""
    npgrad.manual_seed(0)
    model = npgrad.nn.Sequential(npgrad.nn.Linear(8, 16), npgrad.nn.Tanh(), npgrad.nn.Linear(16, 1))
    model.double()
    opt = npgrad.optim.SGD(model.parameters(), lr=0.01)
    rng = np.random.default_rng(0)
    total, summaries = 0.0, []
    for _ in range(steps):
        x = npgrad.tensor(rng.standard_normal((32, 8)))
        target = npgrad.tensor(rng.standard_normal((32, 1)))
        loss = npgrad.nn.functional.mse_loss(model(x), target)
        if not validate:
            opt.zero_grad()
            loss.backward()
            opt.step()
        total = accumulate(total, loss)
        summaries.append(graph_summary(total) if isinstance(total, npgrad.Tensor) else None)
    return summaries


def _add_tensor(total, loss):
    total += loss
    return total


def _add_item(total, loss):
    total += loss.item()
    return total


def test_accumulating_the_loss_tensor_leaks_the_graphs():
    # Training: every step's graph stays reachable from total_loss (its nodes grow); the
    # backward passes released their saved arrays.
    train = _training_steps(5, _add_tensor, validate=False)
    per_step = train[1].nodes - train[0].nodes
    assert per_step > 0 and all(b.nodes - a.nodes == per_step for a, b in zip(train, train[1:]))
    assert all(b.freed_nodes > a.freed_nodes for a, b in zip(train, train[1:]))
    assert all(b.depth > a.depth for a, b in zip(train, train[1:]))
    # Evaluation without no_grad(): nothing frees the saved arrays, they pile up too.
    val = _training_steps(5, _add_tensor, validate=True)
    assert all(b.saved_bytes > a.saved_bytes for a, b in zip(val, val[1:]))
    assert all(b.nodes > a.nodes for a, b in zip(val, val[1:]))
    assert val[-1].saved_bytes >= 4 * val[0].saved_bytes > 0


def test_accumulating_item_keeps_nothing():
    assert _training_steps(5, _add_item, validate=False) == [None] * 5
    assert _training_steps(5, _add_item, validate=True) == [None] * 5
