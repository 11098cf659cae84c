"""The layers of npgrad.nn against torch.nn: with torch's weights loaded, the same outputs and
gradients (float64); the same repr; default initialisation from torch's distributions."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import npgrad
from torch_oracle import raises_same

RNG = np.random.default_rng(11)

# name: (constructor written once for both libraries, input shapes, integer input?)
LAYERS = {
    "Linear": (lambda nn: nn.Linear(5, 3), [(4, 5)]),
    "Linear-no-bias": (lambda nn: nn.Linear(5, 3, bias=False), [(2, 3, 5)]),
    "Bilinear": (lambda nn: nn.Bilinear(3, 4, 2), [(5, 3), (5, 4)]),
    "Conv1d": (lambda nn: nn.Conv1d(2, 4, 3, stride=2, padding=1), [(2, 2, 9)]),
    "Conv2d": (lambda nn: nn.Conv2d(3, 4, 3, padding=1), [(2, 3, 6, 6)]),
    "Conv2d-groups": (lambda nn: nn.Conv2d(4, 6, (3, 2), groups=2, bias=False), [(1, 4, 5, 5)]),
    "Conv2d-same": (lambda nn: nn.Conv2d(2, 2, 4, padding="same", dilation=2), [(1, 2, 7, 7)]),
    "Conv2d-reflect": (
        lambda nn: nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect"),
        [(1, 2, 5, 5)],
    ),  # fmt: skip
    "ConvTranspose2d": (
        lambda nn: nn.ConvTranspose2d(3, 2, 3, stride=2, output_padding=1),
        [(2, 3, 4, 4)],
    ),  # fmt: skip
    "MaxPool2d": (lambda nn: nn.MaxPool2d(2), [(2, 3, 6, 6)]),
    "MaxPool2d-stride": (lambda nn: nn.MaxPool2d(3, stride=2, padding=1), [(1, 2, 7, 7)]),
    "AvgPool2d": (lambda nn: nn.AvgPool2d(2, stride=1), [(2, 2, 5, 5)]),
    "AdaptiveAvgPool2d": (lambda nn: nn.AdaptiveAvgPool2d((2, 3)), [(2, 2, 7, 8)]),
    "Flatten": (lambda nn: nn.Flatten(), [(2, 3, 4)]),
    "Unflatten": (lambda nn: nn.Unflatten(1, (2, 3)), [(4, 6)]),
    "BatchNorm1d": (lambda nn: nn.BatchNorm1d(3), [(6, 3)]),
    "BatchNorm2d": (lambda nn: nn.BatchNorm2d(3), [(2, 3, 4, 4)]),
    "LayerNorm": (lambda nn: nn.LayerNorm((3, 4)), [(2, 3, 4)]),
    "GroupNorm": (lambda nn: nn.GroupNorm(2, 4), [(2, 4, 3, 3)]),
    "Identity": (lambda nn: nn.Identity(7, unused=1), [(3,)]),
    "ReLU": (lambda nn: nn.ReLU(), [(3, 4)]),
    "ReLU6": (lambda nn: nn.ReLU6(), [(3, 4)]),
    "LeakyReLU": (lambda nn: nn.LeakyReLU(0.2), [(3, 4)]),
    "ELU": (lambda nn: nn.ELU(alpha=0.5), [(3, 4)]),
    "SELU": (lambda nn: nn.SELU(), [(3, 4)]),
    "GELU": (lambda nn: nn.GELU(), [(3, 4)]),
    "GELU-tanh": (lambda nn: nn.GELU(approximate="tanh"), [(3, 4)]),
    "SiLU": (lambda nn: nn.SiLU(), [(3, 4)]),
    "Mish": (lambda nn: nn.Mish(), [(3, 4)]),
    "Softplus": (lambda nn: nn.Softplus(beta=2.0), [(3, 4)]),
    "Hardtanh": (lambda nn: nn.Hardtanh(-0.5, 0.5), [(3, 4)]),
    "Tanh": (lambda nn: nn.Tanh(), [(3, 4)]),
    "Sigmoid": (lambda nn: nn.Sigmoid(), [(3, 4)]),
    "Softmax": (lambda nn: nn.Softmax(dim=1), [(3, 4)]),
    "LogSoftmax": (lambda nn: nn.LogSoftmax(dim=-1), [(3, 4)]),
    "Sequential": (
        lambda nn: nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1),
            nn.BatchNorm2d(4),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(16, 3),
            nn.LogSoftmax(dim=1),
        ),  # fmt: skip
        [(2, 1, 4, 4)],
    ),
}


def _pair(name):
    make, shapes = LAYERS[name]
    theirs = make(torch.nn).double()
    ours = make(npgrad.nn).double()
    ours.load_state_dict(
        {k: npgrad.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()}
    )
    return ours, theirs, shapes


@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_matches_torch_with_the_same_weights(name, train):
    ours, theirs, shapes = _pair(name)
    ours.train(train)
    theirs.train(train)
    arrays = [RNG.standard_normal(s) for s in shapes]
    xs_t = [torch.tensor(a, requires_grad=True) for a in arrays]
    xs_n = [npgrad.tensor(a, requires_grad=True) for a in arrays]
    out_t, out_n = theirs(*xs_t), ours(*xs_n)
    np.testing.assert_allclose(
        out_n.detach().numpy(), out_t.detach().numpy(), rtol=1e-9, atol=1e-12
    )
    w = RNG.standard_normal(tuple(out_t.shape))
    out_t.backward(torch.tensor(w))
    out_n.backward(npgrad.tensor(w))
    for x_n, x_t in zip(xs_n, xs_t):
        np.testing.assert_allclose(x_n.grad.numpy(), x_t.grad.numpy(), rtol=1e-9, atol=1e-12)
    params_t = dict(theirs.named_parameters())
    for key, p in ours.named_parameters():
        np.testing.assert_allclose(
            p.grad.numpy(), params_t[key].grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=key
        )
    for key, b in theirs.state_dict().items():  # running statistics included
        np.testing.assert_allclose(
            ours.state_dict()[key].numpy(), b.numpy(), rtol=1e-9, atol=1e-12, err_msg=key
        )


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_repr_and_state_dict_keys_match_torch(name):
    make, _ = LAYERS[name]
    assert repr(make(npgrad.nn)) == repr(make(torch.nn))
    theirs = {k: tuple(v.shape) for k, v in make(torch.nn).state_dict().items()}
    ours = {k: tuple(v.shape) for k, v in make(npgrad.nn).state_dict().items()}
    assert ours == theirs


def test_batch_norm_tracks_running_statistics_over_steps_like_torch():
    ours, theirs, _ = _pair("BatchNorm2d")
    for m in (ours, theirs):
        m.momentum = None  # cumulative average over the steps
    for _ in range(3):
        a = RNG.standard_normal((4, 3, 2, 2)) * 3 + 1
        ours(npgrad.tensor(a))
        theirs(torch.tensor(a))
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), rtol=1e-12)


def test_dropout_layer_is_the_identity_in_eval_and_drops_in_training():
    layer = npgrad.nn.Dropout(0.5)
    x = npgrad.ones(1000)
    npgrad.manual_seed(0)
    dropped = layer(x)
    assert set(np.unique(dropped.numpy())) <= {0.0, 2.0}
    assert 350 < int((dropped.numpy() == 0).sum()) < 650
    layer.eval()
    assert np.array_equal(layer(x).numpy(), x.numpy())


def test_embedding_layer_with_padding_idx():
    theirs = torch.nn.Embedding(5, 3, padding_idx=1).double()
    ours = npgrad.nn.Embedding(5, 3, padding_idx=1).double()
    assert np.array_equal(ours.weight.detach().numpy()[1], np.zeros(3))
    ours.load_state_dict({"weight": npgrad.tensor(theirs.weight.detach().numpy().copy())})
    idx = [[0, 1, 1], [4, 1, 3]]
    out_t, out_n = theirs(torch.tensor(idx)), ours(npgrad.tensor(idx))
    np.testing.assert_allclose(out_n.detach().numpy(), out_t.detach().numpy())
    out_t.sum().backward()
    out_n.sum().backward()
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy())
    assert repr(ours) == repr(theirs)


LOSSES = {
    "CrossEntropyLoss": (lambda nn, w: nn.CrossEntropyLoss(weight=w, label_smoothing=0.1), "class"),
    "NLLLoss": (lambda nn, w: nn.NLLLoss(weight=w, reduction="sum"), "class"),
    "MSELoss": (lambda nn, w: nn.MSELoss(), "real"),
    "L1Loss": (lambda nn, w: nn.L1Loss(reduction="none"), "real"),
    "HuberLoss": (lambda nn, w: nn.HuberLoss(delta=0.5), "real"),
    "SmoothL1Loss": (lambda nn, w: nn.SmoothL1Loss(beta=0.5), "real"),
    "BCELoss": (lambda nn, w: nn.BCELoss(), "prob"),
    "BCEWithLogitsLoss": (lambda nn, w: nn.BCEWithLogitsLoss(pos_weight=w), "binary"),
    "KLDivLoss": (lambda nn, w: nn.KLDivLoss(reduction="batchmean"), "logprob"),
}


def _loss_inputs(kind):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((5, 4))
    if kind == "class":
        return x, rng.integers(0, 4, 5)
    if kind == "prob":
        return 1 / (1 + np.exp(-x)), rng.uniform(0, 1, (5, 4))
    if kind == "binary":
        return x, (rng.uniform(0, 1, (5, 4)) > 0.5).astype(np.float64)
    if kind == "logprob":
        p = rng.uniform(0.1, 1, (5, 4))
        return x - np.log(np.exp(x).sum(1, keepdims=True)), p / p.sum(1, keepdims=True)
    return x, rng.standard_normal((5, 4))


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_layer_matches_torch(name):
    make, kind = LOSSES[name]
    x, target = _loss_inputs(kind)
    weight = np.array([0.5, 1.0, 2.0, 1.5])
    results = []
    for m in (torch, npgrad):
        loss = make(m.nn, m.tensor(weight))
        xt = m.tensor(x, requires_grad=True)
        out = loss(xt, m.tensor(target))
        out.backward(m.ones_like(out))
        results.append((out.detach().numpy(), xt.grad.numpy(), repr(loss)))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-10)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-10, atol=1e-14)
    assert results[1][2] == results[0][2]


# --- default initialisation: torch's distributions --------------------------------------------
INITIALISED = {
    "Linear": lambda nn: nn.Linear(300, 200),
    "Conv2d": lambda nn: nn.Conv2d(16, 32, 3),
    "Conv1d": lambda nn: nn.Conv1d(8, 64, 5, groups=2),
    "ConvTranspose2d": lambda nn: nn.ConvTranspose2d(32, 16, 3),
    "Bilinear": lambda nn: nn.Bilinear(20, 30, 40),
    "Embedding": lambda nn: nn.Embedding(400, 30),
}


def _ks_statistic(a: np.ndarray, b: np.ndarray) -> float:
    """The two-sample Kolmogorov-Smirnov distance between the samples' distributions."""
    grid = np.sort(np.concatenate([a, b]))
    cdf_a = np.searchsorted(np.sort(a), grid, side="right") / a.size
    cdf_b = np.searchsorted(np.sort(b), grid, side="right") / b.size
    return float(np.abs(cdf_a - cdf_b).max())


@pytest.mark.parametrize("name", sorted(INITIALISED))
def test_default_initialisation_has_torchs_distribution(name):
    """Each parameter's values and torch's pass a two-sample KS test at the 0.1 % level."""
    torch.manual_seed(0)
    npgrad.manual_seed(0)
    theirs = dict(INITIALISED[name](torch.nn).named_parameters())
    for key, p in INITIALISED[name](npgrad.nn).named_parameters():
        ours = p.detach().numpy().astype(np.float64).ravel()
        ref = theirs[key].detach().numpy().astype(np.float64).ravel()
        critical = 1.95 * math.sqrt((ours.size + ref.size) / (ours.size * ref.size))
        assert _ks_statistic(ours, ref) < critical, f"{name}.{key}"


def test_the_distribution_test_can_tell_a_wrong_scale():
    rng = np.random.default_rng(0)
    a, b = rng.uniform(-1, 1, 2000), rng.uniform(-1.3, 1.3, 2000)
    assert _ks_statistic(a, b) > 1.95 * math.sqrt(2 / 2000)


# --- construction errors, as torch raises them --------------------------------------------
@pytest.mark.parametrize(
    ("make", "exc", "key"),
    [
        (lambda nn: nn.Conv2d(3, 4, 3, groups=2), ValueError, "in_channels must be divisible"),
        (lambda nn: nn.Conv2d(4, 3, 3, groups=2), ValueError, "out_channels must be divisible"),
        (lambda nn: nn.Conv2d(2, 2, 3, padding="full"), ValueError, "Invalid padding string"),
        (lambda nn: nn.Conv2d(2, 2, 3, stride=2, padding="same"), ValueError, "strided"),
        (lambda nn: nn.GroupNorm(3, 4), ValueError, "divisible by num_groups"),
        (lambda nn: nn.Dropout(1.5), ValueError, "between 0 and 1"),
    ],
    ids=["groups-in", "groups-out", "padding", "same-strided", "groupnorm", "dropout"],
)
def test_layer_construction_errors_match_torch(make, exc, key):
    raises_same(lambda m: make(m.nn), exc, key)


def test_batch_norm_refuses_the_wrong_number_of_dimensions():
    raises_same(lambda m: m.nn.BatchNorm2d(3)(m.ones(2, 3)), ValueError, "expected 4D input")


# --- a whole training run ------------------------------------------------------------------------
def _small_cnn(nn):
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.0), nn.Linear(4 * 3 * 3, 8), nn.Tanh(), nn.Linear(8, 3),
    )  # fmt: skip


@pytest.mark.parametrize(
    "make_optimizer",
    [
        lambda m, p: m.optim.Adam(p, lr=0.01, weight_decay=1e-3),
        lambda m, p: m.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
    ],
    ids=["Adam", "SGD-nesterov"],
)
def test_fifty_training_steps_follow_torchs_trajectory(make_optimizer):
    """Layers, loss and optimizer together: with torch's initial weights and the same data,
    every parameter agrees with torch's after each of 50 steps (float64)."""
    theirs = _small_cnn(torch.nn).double()
    ours = _small_cnn(npgrad.nn).double()
    ours.load_state_dict(
        {k: npgrad.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()}
    )
    opt_t = make_optimizer(torch, theirs.parameters())
    opt_n = make_optimizer(npgrad, ours.parameters())
    rng = np.random.default_rng(0)
    for step in range(50):
        images = rng.standard_normal((8, 1, 6, 6))
        labels = rng.integers(0, 3, 8)
        for m, model, opt in ((torch, theirs, opt_t), (npgrad, ours, opt_n)):
            opt.zero_grad()
            loss = m.nn.functional.cross_entropy(model(m.tensor(images)), m.tensor(labels))
            loss.backward()
            opt.step()
        for (key, p_t), p_n in zip(theirs.state_dict().items(), ours.state_dict().values()):
            np.testing.assert_allclose(
                p_n.numpy(), p_t.numpy(), rtol=1e-9, atol=1e-12, err_msg=f"step {step}: {key}"
            )
