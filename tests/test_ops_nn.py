"""nn.functional beyond the op table: errors and warnings against torch, dropout statistics,
stability at extreme inputs, integer inputs (one_hot, embedding), in-place activations."""

import math

import numpy as np
import pytest
import torch

import npgrad
from torch_oracle import raises_same, same, warns_same

EXTREME = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0], [1000.0, 1000.0, 3.0]])


def F(m):
    return m.nn.functional


# --- stability -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: F(m).log_softmax(x, 1),
        lambda m, x: F(m).softmax(x, 0),
        lambda m, x: m.logsumexp(x, 1),
        lambda m, x: F(m).cross_entropy(x, m.tensor([0, 2, 1])),
        lambda m, x: F(m).cross_entropy(x, m.tensor([0, 2, 1]), label_smoothing=0.1),
        lambda m, x: F(m).cross_entropy(x, F(m).softmax(x.detach() / 500, 1)),
        lambda m, x: F(m).softplus(x),
        lambda m, x: F(m).softplus(x, beta=2.0),
        lambda m, x: F(m).sigmoid(x),
        lambda m, x: F(m).logsigmoid(x),
        lambda m, x: F(m).silu(x),
        lambda m, x: F(m).gelu(x),
        lambda m, x: F(m).binary_cross_entropy_with_logits(x, m.ones(3, 3, dtype=x.dtype) / 3),
        lambda m, x: F(m).binary_cross_entropy_with_logits(
            x, m.ones(3, 3, dtype=x.dtype) / 4, pos_weight=m.tensor([2.0, 0.5, 1.0], dtype=x.dtype)
        ),
    ],
    ids=[
        "log_softmax",
        "softmax",
        "logsumexp",
        "cross_entropy",
        "cross_entropy_smoothing",
        "cross_entropy_probs",
        "softplus",
        "softplus_beta",
        "sigmoid",
        "logsigmoid",
        "silu",
        "gelu",
        "bce_with_logits",
        "bce_with_logits_pos_weight",
    ],
)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_extreme_inputs_stay_finite_and_match_torch(fn, dtype):
    results = []
    for m in (npgrad, torch):
        x = m.tensor(EXTREME, dtype=getattr(m, dtype), requires_grad=True)
        out = fn(m, x)
        w = m.tensor(np.linspace(0.5, 1.5, out.numel()).reshape(out.shape), dtype=out.dtype)
        (first,) = m.autograd.grad((out * w).sum(), x, create_graph=True)
        (second,) = m.autograd.grad((first * first).sum(), x)
        results.append([t.detach().numpy() for t in (out, first, second)])
    tol = {"rtol": 1e-12, "atol": 1e-12} if dtype == "float64" else {"rtol": 1e-5, "atol": 1e-6}
    for ours, theirs in zip(*results):
        assert np.all(np.isfinite(ours))
        np.testing.assert_allclose(ours, theirs, **tol)


def test_gelu_erf_matches_torch_over_a_wide_range():
    x = np.concatenate([np.linspace(-10, 10, 4001), [-1e-8, 1e-8, 0.0, 30.0, -30.0]])
    ours = F(npgrad).gelu(npgrad.tensor(x, requires_grad=True))
    theirs = F(torch).gelu(torch.tensor(x, requires_grad=True))
    np.testing.assert_allclose(
        ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-13, atol=1e-14
    )
    ours.sum().backward()
    theirs.sum().backward()


def test_binary_cross_entropy_clamps_logs_like_torch():
    def body(m):
        x = m.tensor([0.0, 1.0, 0.5, 1e-50], requires_grad=True, dtype=m.float64)
        loss = F(m).binary_cross_entropy(x, m.tensor([1.0, 0.0, 1.0, 0.5], dtype=m.float64))
        loss.backward()
        return loss, x.grad

    same(body)


# --- errors and warnings ---------------------------------------------------------------------
ERRORS = [
    (lambda m: F(m).nll_loss(m.zeros(2, 3), m.tensor([0, 1], dtype=m.int32)), RuntimeError),
    (lambda m: F(m).nll_loss(m.zeros(2, 3), m.tensor([0, 3])), IndexError),
    (lambda m: F(m).nll_loss(m.zeros(2, 3), m.tensor([-1, 0])), IndexError),
    (lambda m: F(m).nll_loss(m.zeros(2, 3, 2), m.tensor([[0, 5], [0, 0]])), IndexError),
    (lambda m: F(m).nll_loss(m.zeros(2, 3, 1, 2), m.tensor([[[0, 3]], [[0, 0]]])), IndexError),
    (lambda m: F(m).nll_loss(m.zeros(2, 3), m.tensor([[0], [1]])), RuntimeError),
    (lambda m: F(m).nll_loss(m.zeros(2, 3, 2), m.tensor([[0, 1, 1], [0, 0, 1]])), RuntimeError),
    (lambda m: F(m).nll_loss(m.zeros(2, 3, 2, 2), m.zeros(2, 2, 3, dtype=m.int64)), RuntimeError),
    (lambda m: F(m).nll_loss(m.zeros(2, 3, 2, 2), m.zeros(2, 2, dtype=m.int64)), RuntimeError),
    (lambda m: F(m).nll_loss(m.zeros(2, 3), m.tensor([0, 1]), weight=m.ones(4)), RuntimeError),
    (lambda m: F(m).nll_loss(m.zeros(()), m.tensor(0)), ValueError),
    (lambda m: F(m).nll_loss(m.zeros(3, 3), m.tensor([0, 1])), ValueError),
    (lambda m: F(m).nll_loss(m.zeros(2, 3), m.tensor([0, 1]), reduction="avg"), ValueError),
    (lambda m: F(m).cross_entropy(m.zeros(2, 3), m.zeros(2, 3, dtype=m.int64)), RuntimeError),
    (lambda m: F(m).cross_entropy(m.zeros(2, 3), m.zeros(2, 3), ignore_index=1), RuntimeError),
    (lambda m: F(m).cross_entropy(m.zeros(2, 3), m.zeros(2, 4)), RuntimeError),
    (lambda m: F(m).cross_entropy(m.zeros(2, 3), m.zeros(2, 3), weight=m.ones(2)), RuntimeError),
    (
        lambda m: F(m).cross_entropy(m.zeros(2, 3), m.tensor([0, 1]), label_smoothing=1.5),
        RuntimeError,
    ),
    (lambda m: F(m).cross_entropy(m.zeros(2, 3), m.tensor([0, 3])), IndexError),
    (lambda m: F(m).cross_entropy(m.zeros(2, 3), m.tensor([0, 1]), reduction="foo"), ValueError),
    (lambda m: F(m).mse_loss(m.zeros(2, 3), m.zeros(2, 3), reduction="foo"), ValueError),
    (lambda m: F(m).mse_loss(m.zeros(2, 3), m.zeros(2, 3), weight=m.ones(3)), ValueError),
    (lambda m: F(m).l1_loss(m.zeros(2, 3), m.zeros(2, 3), weight=m.ones(3)), ValueError),
    (lambda m: F(m).huber_loss(m.zeros(2, 3), m.zeros(2, 3), weight=m.ones(3)), ValueError),
    (lambda m: F(m).binary_cross_entropy(m.tensor([1.5]), m.tensor([1.0])), RuntimeError),
    (lambda m: F(m).binary_cross_entropy(m.tensor([-0.5]), m.tensor([1.0])), RuntimeError),
    (lambda m: F(m).binary_cross_entropy(m.tensor([0.5]), m.tensor([[1.0]])), ValueError),
    (
        lambda m: F(m).binary_cross_entropy_with_logits(m.tensor([0.5]), m.tensor([[1.0]])),
        ValueError,
    ),
    (lambda m: F(m).smooth_l1_loss(m.zeros(2), m.zeros(2), beta=-1.0), RuntimeError),
    (lambda m: F(m).huber_loss(m.zeros(2), m.zeros(2), delta=0.0), RuntimeError),
    (lambda m: F(m).kl_div(m.zeros(2), m.zeros(2), reduction="foo"), ValueError),
    (lambda m: F(m).one_hot(m.tensor([0, 3]), 3), RuntimeError),
    (lambda m: F(m).one_hot(m.tensor([0, -1])), RuntimeError),
    (lambda m: F(m).one_hot(m.tensor([0, 1], dtype=m.int32)), RuntimeError),
    (lambda m: F(m).one_hot(m.tensor([], dtype=m.int64)), RuntimeError),
    (lambda m: F(m).one_hot(m.tensor([0.0])), RuntimeError),
    (lambda m: F(m).embedding(m.tensor([0, 5]), m.zeros(3, 2)), IndexError),
    (lambda m: F(m).embedding(m.tensor([0, -1]), m.zeros(3, 2)), IndexError),
    (lambda m: F(m).embedding(m.tensor([0.0, 1.0]), m.zeros(3, 2)), RuntimeError),
    (lambda m: F(m).embedding(m.tensor([0, 1]), m.zeros(3, 2), padding_idx=3), AssertionError),
    (lambda m: F(m).embedding(m.tensor([0, 1]), m.zeros(3, 2), padding_idx=-4), AssertionError),
    (lambda m: F(m).dropout(m.zeros(3), 1.5), ValueError),
    (lambda m: F(m).dropout(m.zeros(3), -0.1), ValueError),
    (lambda m: F(m).pad(m.zeros(3), (1,)), RuntimeError),
    (lambda m: F(m).pad(m.zeros(3), (1, 1, 1, 1)), RuntimeError),
    (lambda m: F(m).pad(m.zeros(3), (1, 1), mode="reflect"), NotImplementedError),
    (lambda m: F(m).pad(m.zeros(1, 3), (3, 1), mode="reflect"), RuntimeError),
    (lambda m: F(m).pad(m.zeros(1, 3), (4, 1), mode="circular"), RuntimeError),
    (lambda m: F(m).pad(m.zeros(1, 3), (1, 1), mode="foo"), NotImplementedError),
    (lambda m: F(m).pad(m.zeros(2, 3), (-2, -2)), RuntimeError),
    (lambda m: F(m).linear(m.zeros(2, 3), m.zeros(4, 2), m.zeros(4)), RuntimeError),
    (lambda m: F(m).linear(m.zeros(()), m.zeros(4, 2)), RuntimeError),
    (lambda m: F(m).bilinear(m.zeros(2, 3), m.zeros(2, 2), m.zeros(4, 3, 3)), RuntimeError),
    (lambda m: F(m).gelu(m.zeros(2), approximate="foo"), RuntimeError),
    (lambda m: F(m).relu(m.zeros(2, requires_grad=True), inplace=True), RuntimeError),
    (lambda m: F(m).normalize(m.zeros(3)), IndexError),
    (
        lambda m: F(m).leaky_relu(m.zeros(2, requires_grad=True) * 1, -0.1, True).sum().backward(),
        RuntimeError,
    ),
]


@pytest.mark.parametrize("body, error", ERRORS, ids=range(len(ERRORS)))
def test_errors_match_torch(body, error):
    raises_same(body, error)


def test_errors_leave_inputs_unchanged():
    x = npgrad.tensor([[0.5, 1.5]])
    with pytest.raises(RuntimeError):
        F(npgrad).binary_cross_entropy(x, npgrad.ones(1, 2))
    np.testing.assert_array_equal(x.numpy(), [[0.5, 1.5]])


@pytest.mark.parametrize(
    "body",
    [
        lambda m: F(m).mse_loss(m.ones(3, 1), m.zeros(3)),
        lambda m: F(m).l1_loss(m.ones(3, 1), m.zeros(3)),
        lambda m: F(m).smooth_l1_loss(m.ones(2), m.zeros(1)),
        lambda m: F(m).huber_loss(m.ones(3, 1), m.zeros(3)),
    ],
    ids=["mse", "l1", "smooth_l1", "huber"],
)
def test_broadcasting_losses_warn_like_torch(body):
    warns_same(body, UserWarning, "target size", "different to the input size")


def test_kl_div_mean_warns_like_torch():
    warns_same(lambda m: F(m).kl_div(m.zeros(2, 3), m.ones(2, 3)), UserWarning, "batchmean")


def test_softmax_without_dim_warns_and_picks_torchs_dim():
    for shape in [(4,), (2, 3), (2, 3, 4), (2, 3, 4, 5)]:
        x = np.random.default_rng(0).standard_normal(shape)
        for name in ("softmax", "log_softmax", "softmin"):
            warns_same(
                lambda m, name=name, x=x: getattr(F(m), name)(m.tensor(x)),
                UserWarning,
                "Implicit dimension",
            )


def test_legacy_size_average_and_reduce():
    for kw in ({"size_average": False}, {"reduce": False}, {"size_average": True, "reduce": True}):
        same(lambda m, kw=kw: F(m).mse_loss(m.arange(4.0), m.ones(4), **kw))
        same(lambda m, kw=kw: F(m).nll_loss(m.zeros(2, 3), m.tensor([0, 2]), **kw))


# --- losses: ignore_index / weight combinations and empty batches -----------------------------
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_all_targets_ignored(reduction, smoothing, weighted):
    def body(m):
        x = m.tensor([[1.0, 2.0, 0.5], [0.1, 0.2, 0.3]], dtype=m.float64, requires_grad=True)
        weight = m.tensor([1.0, 2.0, 0.5], dtype=m.float64) if weighted else None
        loss = F(m).cross_entropy(
            x,
            m.tensor([-100, -100]),
            weight=weight,
            reduction=reduction,
            label_smoothing=smoothing,
        )
        loss.sum().backward()
        return loss, x.grad

    same(body)


@pytest.mark.parametrize("ignore_index", [-100, 0, 2, -1])
def test_nll_loss_ignore_index_and_weight_against_torch(ignore_index):
    target = [2, 0, -1, 2, 1] if ignore_index == -1 else [2, 0, 1, 2, 1]

    def body(m):
        x = m.tensor(np.linspace(-2, 1, 15).reshape(5, 3), requires_grad=True)
        loss = F(m).nll_loss(
            x,
            m.tensor(target),
            weight=m.tensor([0.5, 2.0, 4.0], dtype=m.float64),
            ignore_index=ignore_index,
        )
        loss.backward()
        return loss, x.grad

    same(body)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_losses_of_empty_batches(reduction):
    def body(m):
        x = m.zeros(0, 3, dtype=m.float64, requires_grad=True)
        out = F(m).cross_entropy(x, m.zeros(0, dtype=m.int64), reduction=reduction)
        out.sum().backward()
        return out, x.grad

    same(body)


def test_cross_entropy_float32_stays_float32():
    x = npgrad.randn(4, 3, requires_grad=True)
    loss = F(npgrad).cross_entropy(x, npgrad.tensor([0, 1, 2, 0]), label_smoothing=0.1)
    loss.backward()
    assert loss.dtype == npgrad.float32 and x.grad.dtype == npgrad.float32


def test_softmax_dtype_argument():
    def body(m):
        x = m.tensor([[1.0, 2.0, 3.0]], dtype=m.float64, requires_grad=True)
        out = F(m).softmax(x, 1, dtype=m.float32)
        out.sum().backward()
        return out, x.grad

    same(body)


# --- dropout ---------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_dropout_statistics_and_scaling(p):
    npgrad.manual_seed(0)
    x = npgrad.ones(200_000, dtype=npgrad.float64, requires_grad=True)
    out = F(npgrad).dropout(x, p)
    values = out.detach().numpy()
    kept = values != 0
    assert abs(kept.mean() - (1 - p)) < 5 * math.sqrt(p * (1 - p) / values.size)
    np.testing.assert_allclose(values[kept], 1 / (1 - p))
    assert abs(values.mean() - 1) < 0.02
    out.backward(npgrad.full((values.size,), 3.0, dtype=npgrad.float64))
    np.testing.assert_allclose(x.grad.numpy(), values * 3)  # the forward's mask, scaled
    assert out.grad_fn.name() == "MulBackward0"


def test_dropout_is_reproducible_under_manual_seed():
    draws = []
    for _ in range(2):
        npgrad.manual_seed(1234)
        draws.append(F(npgrad).dropout(npgrad.ones(50), 0.5).numpy())
    np.testing.assert_array_equal(*draws)
    assert not np.array_equal(draws[0], F(npgrad).dropout(npgrad.ones(50), 0.5).numpy())


@pytest.mark.parametrize(
    "call",
    [
        lambda m, x: F(m).dropout(x, 0.5, training=False),
        lambda m, x: F(m).dropout(x, 0.0),
        lambda m, x: F(m).dropout(x[:0], 0.5),
    ],
    ids=["eval", "p0", "empty"],
)
def test_dropout_identity_cases_return_the_input(call):
    for m in (npgrad, torch):
        x = m.ones(3, requires_grad=True)
        y = x * 2
        out = call(m, y)
        assert out is y or out.numel() == 0


def test_dropout_p1_and_inplace_match_torch():
    same(lambda m: F(m).dropout(m.ones(4, requires_grad=True), 1.0))

    def inplace(m):
        y = m.ones(1000, dtype=m.float64, requires_grad=True) * 1
        out = F(m).dropout(y, 0.5, inplace=True)
        return out is y, out.grad_fn.name(), sorted(set(out.detach().numpy().tolist()))

    same(inplace)


# --- one_hot and embedding ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [
        lambda m: F(m).one_hot(m.tensor([0, 2, 1])),
        lambda m: F(m).one_hot(m.tensor([[0, 2], [1, 1]]), 4),
        lambda m: F(m).one_hot(m.tensor(3), 5),
        lambda m: F(m).one_hot(m.zeros(0, dtype=m.int64), 3),
    ],
)
def test_one_hot_matches_torch(body):
    same(body)


@pytest.mark.parametrize("padding_idx", [None, 0, 2, -1])
def test_embedding_padding_idx_gets_no_gradient(padding_idx):
    def body(m):
        w = m.tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)
        idx = m.tensor([[0, 2, 2], [3, 1, 0]])
        out = F(m).embedding(idx, w, padding_idx=padding_idx)
        (out * m.arange(18.0, dtype=m.float64).reshape(2, 3, 3)).sum().backward()
        return out, w.grad

    got = same(body)
    if padding_idx is not None:
        assert not got[1][1]["values"][padding_idx].any()


def test_embedding_int32_indices_and_second_order():
    def body(m):
        w = m.tensor(np.linspace(-1, 1, 8).reshape(4, 2), requires_grad=True)
        out = F(m).embedding(m.tensor([1, 1, 3], dtype=m.int32), w, padding_idx=3)
        (g,) = m.autograd.grad((out**2).sum(), w, create_graph=True)
        (gg,) = m.autograd.grad((g**2).sum(), w)
        return out, g, gg

    same(body)


@pytest.mark.parametrize("norm_type", [2.0, 1.0])
def test_embedding_max_norm_renormalises_used_rows_in_place(norm_type):
    def body(m):
        w = m.tensor([[3.0, 4.0], [0.1, 0.1], [6.0, 8.0], [1.0, 0.0]], dtype=m.float64)
        w.requires_grad_()
        out = F(m).embedding(m.tensor([0, 1, 0]), w, max_norm=1.5, norm_type=norm_type)
        out.sum().backward()
        return out, w.detach().clone(), w.grad, w._version > 0

    same(body)


# --- in-place activations ----------------------------------------------------------------------
INPLACE = [
    lambda m, y: F(m).relu(y, inplace=True),
    lambda m, y: F(m).relu6(y, inplace=True),
    lambda m, y: F(m).hardtanh(y, -0.5, 0.5, inplace=True),
    lambda m, y: F(m).leaky_relu(y, 0.1, inplace=True),
    lambda m, y: F(m).elu(y, 1.5, inplace=True),
    lambda m, y: F(m).selu(y, inplace=True),
    lambda m, y: F(m).celu(y, 0.5, inplace=True),
    lambda m, y: F(m).silu(y, inplace=True),
    lambda m, y: F(m).mish(y, inplace=True),
]


@pytest.mark.parametrize("call", INPLACE, ids=range(len(INPLACE)))
def test_inplace_activations_write_into_the_input(call):
    def body(m):
        x = m.tensor([-2.0, -0.3, 0.4, 1.5], dtype=m.float64, requires_grad=True)
        y = x * 1
        out = call(m, y)
        out.backward(m.tensor([1.0, 2.0, 3.0, 4.0], dtype=m.float64))
        return out is y, y, x.grad, y._version

    same(body)
    with npgrad.no_grad():  # without grad the op simply overwrites
        t = npgrad.tensor([-1.0, 2.0])
        assert call(npgrad, t) is t
