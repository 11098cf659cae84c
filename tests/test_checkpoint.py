"""npgrad.utils.checkpoint against torch.utils.checkpoint: gradients, both variants, warnings
and errors; dropout's mask replayed in the recomputation; and the memory it saves."""

from __future__ import annotations

import tracemalloc
import warnings

import numpy as np
import pytest
import torch
import torch.utils.checkpoint

import npgrad
import npgrad.utils.checkpoint
from npgrad.autograd.summary import graph_summary
from torch_oracle import raises_same, warns_same

RNG = np.random.default_rng(3)
X = RNG.standard_normal((5, 4))
W1 = RNG.standard_normal((4, 6))
W2 = RNG.standard_normal((6, 3))


def cp(m):
    return npgrad.utils.checkpoint if m is npgrad else torch.utils.checkpoint


def _setup(m):
    x = m.tensor(X, requires_grad=True)
    w1 = m.tensor(W1, requires_grad=True)
    w2 = m.tensor(W2, requires_grad=True)

    def block(a, scale=1.0):  # w1 and w2 are captured, as a module's parameters are
        return ((a @ w1).tanh() @ w2).sin() * scale

    return x, w1, w2, block


@pytest.mark.parametrize("use_reentrant", [True, False])
def test_backward_gradients_match_torch(use_reentrant):
    def run(m):
        x, w1, w2, block = _setup(m)
        out = cp(m).checkpoint(block, x, use_reentrant=use_reentrant)
        (out**2).sum().backward()
        return out, x.grad, w1.grad, w2.grad

    got, want = run(npgrad), run(torch)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.detach().numpy(), w.detach().numpy(), rtol=1e-10)
    assert got[0].requires_grad and got[0].grad_fn is not None


def test_non_reentrant_works_with_autograd_grad_and_kwargs():
    def run(m):
        x, w1, w2, block = _setup(m)
        out = cp(m).checkpoint(block, x, use_reentrant=False, scale=2.0)
        return m.autograd.grad(out.sum(), (x, w1, w2))

    got, want = run(npgrad), run(torch)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-10)


def test_non_reentrant_second_derivative():
    def run(m):
        x, w1, w2, block = _setup(m)
        out = cp(m).checkpoint(block, x, use_reentrant=False)
        (g,) = m.autograd.grad(out.sum(), x, create_graph=True)
        return m.autograd.grad((g**2).sum(), (x, w1))

    got, want = run(npgrad), run(torch)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-10)


def test_reentrant_refuses_autograd_grad():
    def run(m):
        x, _, _, block = _setup(m)
        out = cp(m).checkpoint(block, x, use_reentrant=True)
        m.autograd.grad(out.sum(), x)

    raises_same(run, RuntimeError, "use_reentrant=True", ".grad()")


def test_second_backward_without_retain_graph_raises():
    def run(m):
        x, _, _, block = _setup(m)
        out = cp(m).checkpoint(block, x, use_reentrant=False)
        out.sum().backward()
        out.sum().backward()

    raises_same(run, RuntimeError, "backward through the graph a second time")


def test_retain_graph_allows_a_second_backward():
    def run(m):
        x, w1, _, block = _setup(m)
        out = cp(m).checkpoint(block, x, use_reentrant=False)
        out.sum().backward(retain_graph=True)
        out.sum().backward()
        return x.grad, w1.grad

    got, want = run(npgrad), run(torch)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-10)


def test_warns_without_use_reentrant_and_defaults_to_reentrant():
    def run(m):
        x, _, _, block = _setup(m)
        out = cp(m).checkpoint(block, x)
        out.sum().backward()
        return x.grad

    warns_same(run, UserWarning, "use_reentrant parameter should be passed explicitly")

    def with_grad(m):
        x, _, _, block = _setup(m)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = cp(m).checkpoint(block, x)
        m.autograd.grad(out.sum(), x)

    raises_same(with_grad, RuntimeError, "use_reentrant=True")


def test_reentrant_warns_when_no_input_requires_grad():
    def run(m):
        _, _, _, block = _setup(m)
        out = cp(m).checkpoint(block, m.tensor(X), use_reentrant=True)
        return out.requires_grad

    warns_same(run, UserWarning, "None of the inputs have requires_grad=True")


def test_reentrant_rejects_keyword_arguments():
    raises_same(
        lambda m: cp(m).checkpoint(_setup(m)[3], _setup(m)[0], use_reentrant=True, scale=2.0),
        ValueError,
        "Unexpected keyword arguments: scale",
    )


@pytest.mark.parametrize("use_reentrant", [True, False])
@pytest.mark.parametrize("preserve", [True, False])
def test_dropout_mask_is_replayed(use_reentrant, preserve):
    """With preserve_rng_state (the default) the recomputation draws the same dropout mask,
    so gradients equal those of the plain run; without it they differ."""
    model = npgrad.nn.Sequential(
        npgrad.nn.Linear(4, 64), npgrad.nn.Dropout(0.5), npgrad.nn.Tanh(), npgrad.nn.Linear(64, 2)
    ).double()

    def grads(checkpointed):
        npgrad.manual_seed(123)
        model.zero_grad()
        x = npgrad.tensor(X, requires_grad=True)
        if checkpointed:
            out = npgrad.utils.checkpoint.checkpoint(
                model, x, use_reentrant=use_reentrant, preserve_rng_state=preserve
            )
        else:
            out = model(x)
        out.sum().backward()
        return np.concatenate([x.grad.numpy().ravel(), model[0].weight.grad.numpy().ravel()])

    plain, checkpointed = grads(False), grads(True)
    if preserve:
        np.testing.assert_allclose(checkpointed, plain, rtol=1e-12)
    else:
        assert not np.allclose(checkpointed, plain)


def test_checkpoint_sequential_matches_plain_run():
    model = npgrad.nn.Sequential(*[npgrad.nn.Linear(4, 4) for _ in range(6)]).double()
    x = npgrad.tensor(X, requires_grad=True)
    npgrad.utils.checkpoint.checkpoint_sequential(model, 3, x, use_reentrant=False).sum().backward()
    got = [p.grad.numpy().copy() for p in model.parameters()] + [x.grad.numpy().copy()]
    model.zero_grad()
    x.grad = None
    model(x).sum().backward()
    want = [p.grad.numpy() for p in model.parameters()] + [x.grad.numpy()]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12)


def _deep_mlp_run(mode: str):
    """Forward and backward of a 20-layer MLP (width 512, batch 256, float64): the memory
    traced after forward (what the graph keeps), the peak over forward and backward, and
    the gradients. Gradients exist before the measure and accumulate in place, so that the
    parameters' gradients do not hide the activations."""
    npgrad.manual_seed(0)
    layers = []
    for _ in range(20):
        layers += [npgrad.nn.Linear(512, 512), npgrad.nn.ReLU()]
    model = npgrad.nn.Sequential(*layers).double()
    x = npgrad.randn(256, 512, dtype=npgrad.float64).requires_grad_()
    model(x).sum().backward()
    model.zero_grad(set_to_none=False)
    x.grad = None
    tracemalloc.start()
    try:
        if mode == "plain":
            out = model(x)
        else:
            out = npgrad.utils.checkpoint.checkpoint_sequential(
                model, 5, x, use_reentrant=mode == "reentrant"
            )
        loss = out.pow(2).mean()
        kept = tracemalloc.get_traced_memory()[0]
        summary = graph_summary(loss)
        loss.backward()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    grads = [p.grad.numpy().copy() for p in model.parameters()] + [x.grad.numpy()]
    return kept, peak, summary, grads


def test_deep_mlp_memory_drops_and_gradients_are_equal():
    """Plain: every ReLU output (1 MiB each) stays until backward. Checkpointed in 5
    segments: only the segments' inputs and the last segment's values stay, and backward
    recomputes one segment at a time."""
    plain_kept, plain_peak, plain_summary, plain_grads = _deep_mlp_run("plain")
    assert plain_kept > 20 * 2**20 * 0.95
    for mode in ("non_reentrant", "reentrant"):
        kept, peak, summary, grads = _deep_mlp_run(mode)
        assert kept < plain_kept * 0.45, (mode, kept, plain_kept)
        assert peak < plain_peak * 0.75, (mode, peak, plain_peak)
        assert summary.saved_bytes < plain_summary.saved_bytes, (summary, plain_summary)
        for g, w in zip(grads, plain_grads):
            np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-14)
