"""The softmax family and the losses: stability at extreme logits and argument errors."""

import numpy as np
import pytest
import torch

import npgrad

EXTREME = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0]])


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: m.log_softmax(x, 1),
        lambda m, x: m.softmax(x, 1),
        lambda m, x: m.logsumexp(x, 1),
        lambda m, x: m.nn.functional.cross_entropy(x, m.tensor([0, 2])),
    ],
    ids=["log_softmax", "softmax", "logsumexp", "cross_entropy"],
)
def test_extreme_logits_stay_finite_and_match_torch(fn):
    results = []
    for m in (npgrad, torch):
        x = m.tensor(EXTREME, requires_grad=True)
        out = fn(m, x)
        (out * m.tensor(np.linspace(0.5, 1.5, out.numel()).reshape(out.shape))).sum().backward()
        results.append((out.detach().numpy(), x.grad.numpy()))
    (ours, our_grad), (theirs, their_grad) = results
    assert np.all(np.isfinite(ours)) and np.all(np.isfinite(our_grad))
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(our_grad, their_grad, rtol=1e-12, atol=1e-12)


def test_cross_entropy_float32_stays_float32():
    x = npgrad.randn(4, 3, requires_grad=True)
    loss = npgrad.nn.functional.cross_entropy(x, npgrad.tensor([0, 1, 2, 0]))
    loss.backward()
    assert loss.dtype == npgrad.float32 and x.grad.dtype == npgrad.float32


@pytest.mark.parametrize(
    "target, error",
    [
        ([0.0, 1.0], RuntimeError),  # float targets: class indices must be integers
        ([0, 5], IndexError),  # out of range
        ([0, 1, 2], ValueError),  # batch size mismatch
    ],
)
def test_nll_loss_rejects_bad_targets_like_torch(target, error):
    for m in (npgrad, torch):
        with pytest.raises(error):
            m.nn.functional.nll_loss(m.zeros(2, 3), m.tensor(target))


def test_nll_loss_rejects_unknown_reduction():
    with pytest.raises(ValueError, match="reduction"):
        npgrad.nn.functional.nll_loss(npgrad.zeros(2, 3), npgrad.tensor([0, 1]), reduction="avg")
