"""Convolutions, pooling and normalisation beyond the op table: running statistics, indices,
'same' padding, errors, a composite network's second derivatives, and a larger convolution."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import npgrad
from helpers import to_numpy
from torch_oracle import raises_same, same

RNG = np.random.default_rng(0)


def _f(m):
    return m.nn.functional


def _t(m, a, requires_grad=False):
    return m.tensor(np.array(a), requires_grad=requires_grad)


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (3, 3, 2, 4)])
@pytest.mark.parametrize("momentum", [0.1, 0.5])
def test_batch_norm_running_stats_over_steps(shape, momentum):
    batches = [RNG.standard_normal(shape) * (i + 1) + i for i in range(4)]
    w, b = RNG.standard_normal(3), RNG.standard_normal(3)

    def body(m):
        rm, rv = m.zeros(3, dtype=m.float64), m.ones(3, dtype=m.float64)
        weight, bias = _t(m, w, True), _t(m, b, True)
        seen = []
        for batch in batches:
            x = _t(m, batch, True)
            y = _f(m).batch_norm(x, rm, rv, weight, bias, training=True, momentum=momentum)
            (y * y).sum().backward()
            seen += [y, rm.clone(), rv.clone(), x.grad]
        eval_x = _t(m, batches[0], True)
        out = _f(m).batch_norm(eval_x, rm, rv, weight, bias, training=False)
        out.sum().backward()
        return [*seen, out, eval_x.grad, weight.grad, bias.grad, rm._version]

    same(body)


def test_batch_norm_updates_stats_without_grad_and_only_when_valid():
    def body(m):
        rm, rv = m.zeros(2), m.ones(2)
        with m.no_grad():
            _f(m).batch_norm(_t(m, [[1.0, 2.0], [3.0, 5.0]]).float(), rm, rv, training=True)
        return rm, rv

    same(body)
    for m in (torch, npgrad):
        rm = m.zeros(2)
        with pytest.raises(RuntimeError):
            _f(m).batch_norm(m.ones(3, 2), rm, m.ones(2), m.ones(3), training=True)
        assert to_numpy(rm).tolist() == [0.0, 0.0]


def test_batch_norm_eval_does_not_touch_stats_and_float32():
    x = RNG.standard_normal((5, 4, 3)).astype(np.float32)

    def body(m):
        rm = _t(m, np.linspace(-1, 1, 4).astype(np.float32))
        rv = _t(m, np.linspace(0.5, 2, 4).astype(np.float32))
        w = _t(m, np.ones(4, np.float32), True)
        inp = _t(m, x, True)
        y = _f(m).batch_norm(inp, rm, rv, w, None, False, 0.1, 1e-3)
        y.sum().backward()
        return y, rm, rv, inp.grad, w.grad

    same(body)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kernel_size": 2},
        {"kernel_size": 3, "stride": 1, "padding": 1},
        {"kernel_size": (3, 2), "stride": 2, "padding": (1, 0), "ceil_mode": True},
        {"kernel_size": 2, "stride": (1, 2), "padding": 1, "dilation": 2},
    ],
)
@pytest.mark.parametrize("shape", [(2, 3, 5, 6), (3, 7, 5)])
def test_max_pool2d_return_indices(shape, kwargs):
    x = RNG.standard_normal(shape)

    def body(m):
        inp = _t(m, x, True)
        out, idx = _f(m).max_pool2d(inp, return_indices=True, **kwargs)
        out.sum().backward()
        return out, idx, inp.grad

    same(body)


def test_max_pool_ties_and_minus_infinity_pick_torch_positions():
    x = np.full((1, 2, 4, 4), -np.inf)
    x[0, 1, 1:3, 1:3] = 1.0  # ties inside, -inf all around

    def body(m):
        inp = _t(m, x, True)
        out, idx = _f(m).max_pool2d(inp, 3, stride=1, padding=1, return_indices=True)
        out.backward(m.ones(*out.shape, dtype=m.float64))
        return out, idx, inp.grad

    same(body)


def test_max_pool1d_return_indices():
    x = RNG.standard_normal((2, 3, 9))

    def body(m):
        inp = _t(m, x, True)
        out, idx = _f(m).max_pool1d(inp, 3, 2, 1, 1, True, True)
        (out * out).sum().backward()
        return out, idx, inp.grad

    same(body)


@pytest.mark.parametrize("kernel", [1, 2, 3, 4])
@pytest.mark.parametrize("dilation", [1, 2])
def test_same_padding_keeps_the_size(kernel, dilation):
    x = RNG.standard_normal((2, 3, 6, 5))
    w = RNG.standard_normal((4, 3, kernel, kernel + 1))

    def body(m):
        inp, weight = _t(m, x, True), _t(m, w, True)
        y2 = _f(m).conv2d(inp, weight, padding="same", dilation=dilation)
        y1 = _f(m).conv1d(inp[:, :, 0], weight[:, :, 0], padding="same", dilation=dilation)
        (y2.sum() + (y1 * y1).sum()).backward()
        return tuple(y2.shape), tuple(y1.shape), y2, y1, inp.grad, weight.grad

    same(body)


def test_integer_convolution_and_pooling_keep_the_dtype():
    x = np.arange(2 * 3 * 4 * 4).reshape(2, 3, 4, 4) % 7
    w = np.arange(2 * 3 * 2 * 2).reshape(2, 3, 2, 2) % 3 - 1

    def body(m):
        xi, wi = _t(m, x), _t(m, w)
        return _f(m).conv2d(xi, wi, stride=2), _f(m).max_pool2d(xi, 3, 2, 1, ceil_mode=True)

    same(body)


def test_second_derivatives_of_a_small_network():
    x = RNG.standard_normal((2, 2, 6, 6))
    params = [
        RNG.standard_normal((3, 2, 3, 3)),
        RNG.standard_normal(3),
        RNG.standard_normal(3) + 1,
        RNG.standard_normal(3),
        RNG.standard_normal((3, 2, 2, 2)),
    ]

    def body(m):
        F = _f(m)
        inp = _t(m, x, True)
        w1, b1, g, beta, wt = (_t(m, p, True) for p in params)
        h = F.conv2d(inp, w1, b1, padding=1)
        h = F.batch_norm(h, None, None, g, beta, training=True)
        h = F.group_norm(F.tanh(h), 3)
        h = F.max_pool2d(h, 2) + F.avg_pool2d(h, 3, 2, 1)
        h = F.conv_transpose2d(h, wt, stride=2)
        h = F.layer_norm(F.adaptive_avg_pool2d(h, (3, 4)), [4])
        loss = (h * h).sum()
        grads = m.autograd.grad(loss, [inp, w1, g, wt], create_graph=True)
        total = sum((gr * gr).sum() for gr in grads)
        return list(m.autograd.grad(total, [inp, w1, b1, g, beta, wt]))

    same(body)


def test_larger_conv2d_matches_torch():
    x = RNG.standard_normal((16, 8, 20, 20)).astype(np.float32)
    w = RNG.standard_normal((16, 4, 3, 3)).astype(np.float32) * 0.1
    b = RNG.standard_normal(16).astype(np.float32)
    cot = RNG.standard_normal((16, 16, 10, 10)).astype(np.float32)
    results = []
    for m in (torch, npgrad):
        xs = [_t(m, a, True) for a in (x, w, b)]
        y = _f(m).conv2d(*xs, stride=2, padding=1, groups=2)
        (y * _t(m, cot)).sum().backward()
        results.append([to_numpy(y)] + [to_numpy(t.grad) for t in xs])
    for got, ref in zip(results[1], results[0]):
        np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-3)


X4 = np.zeros((2, 4, 5, 5))
W = np.zeros((6, 4, 3, 3))
ERRORS = [
    ("wrong channels", lambda m: _f(m).conv2d(_t(m, X4), _t(m, W[:, :3])), "channels"),
    ("groups", lambda m: _f(m).conv2d(_t(m, X4), _t(m, W[:, :2]), groups=3), "groups=3"),
    ("groups out", lambda m: _f(m).conv2d(_t(m, X4), _t(m, W[:5, :2]), groups=2), "divisible"),
    ("kernel", lambda m: _f(m).conv2d(_t(m, X4), m.zeros(1, 4, 7, 7).double()), "Kernel size"),
    ("input dims", lambda m: _f(m).conv2d(_t(m, X4[0, 0]), _t(m, W)), "conv2d"),
    ("conv1d dims", lambda m: _f(m).conv1d(_t(m, X4), _t(m, W)), "conv1d"),
    ("bias", lambda m: _f(m).conv2d(_t(m, X4), _t(m, W), _t(m, np.zeros(5))), "bias"),
    ("padding str", lambda m: _f(m).conv2d(_t(m, X4), _t(m, W), padding="full"), "padding"),
    ("negative pad", lambda m: _f(m).conv2d(_t(m, X4), _t(m, W), padding=-1), "negative"),
    ("stride 0", lambda m: _f(m).conv2d(_t(m, X4), _t(m, W), stride=0), "stride"),
    ("same strided", lambda m: _f(m).conv2d(_t(m, X4), _t(m, W), padding="same", stride=2), "same"),
    ("dtypes", lambda m: _f(m).conv2d(_t(m, X4), _t(m, W).float()), "scalar type"),
    ("stride len", lambda m: _f(m).conv2d(_t(m, X4), _t(m, W), stride=(1, 1, 1)), "stride"),
    ("ct channels", lambda m: _f(m).conv_transpose2d(_t(m, X4), _t(m, W)), "channels"),
    (
        "ct output_padding",
        lambda m: _f(m).conv_transpose2d(_t(m, X4), _t(m, W[:4]), output_padding=1),
        "output padding",
    ),
    ("pool pad", lambda m: _f(m).max_pool2d(_t(m, X4), 2, padding=2), "pad"),
    ("pool too small", lambda m: _f(m).max_pool2d(_t(m, X4), 7), "too small"),
    ("avg too small", lambda m: _f(m).avg_pool2d(_t(m, X4), 7), "too small"),
    ("pool dims", lambda m: _f(m).max_pool2d(_t(m, X4[0, 0]), 2), "3D or 4D"),
    ("divisor", lambda m: _f(m).avg_pool2d(_t(m, X4), 2, divisor_override=0), "divisor"),
    ("adaptive dims", lambda m: _f(m).adaptive_avg_pool2d(_t(m, X4[0, 0]), 2), "3D or 4D"),
    ("adaptive negative", lambda m: _f(m).adaptive_avg_pool2d(_t(m, X4), -1), "output_size"),
    ("adaptive len", lambda m: _f(m).adaptive_avg_pool2d(_t(m, X4), (1, 2, 3)), "output_size"),
    ("bn eval", lambda m: _f(m).batch_norm(_t(m, X4), None, None), "running_mean"),
    (
        "bn stats",
        lambda m: _f(m).batch_norm(_t(m, X4), m.zeros(3), m.ones(3)),
        "running_mean should contain 4 elements",
    ),
    (
        "bn weight",
        lambda m: _f(m).batch_norm(_t(m, X4), m.zeros(4), m.ones(4), m.ones(3)),
        "weight",
    ),
    ("ln shape", lambda m: _f(m).layer_norm(_t(m, X4), (4,)), "normalized_shape"),
    ("ln weight", lambda m: _f(m).layer_norm(_t(m, X4), (5,), m.ones(4).double()), "weight"),
    ("gn groups", lambda m: _f(m).group_norm(_t(m, X4), 3), "divisible by num_groups"),
    ("gn weight", lambda m: _f(m).group_norm(_t(m, X4), 2, m.ones(3)), "weight"),
    ("gn dims", lambda m: _f(m).group_norm(_t(m, X4[0, 0, 0]), 1), "2 dimensions"),
]


@pytest.mark.parametrize(("body", "key"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_errors_like_torch(body, key):
    raises_same(body, RuntimeError, key)


def test_other_error_types_like_torch():
    raises_same(
        lambda m: _f(m).batch_norm(m.ones(1, 3, 1), None, None, training=True),
        ValueError,
        "more than 1 value per channel",
    )
    raises_same(lambda m: _f(m).layer_norm(m.ones(2, 3), 3), TypeError, "normalized_shape")
    raises_same(
        lambda m: _f(m).batch_norm(m.ones(4, 3), m.zeros(3), m.ones(3), momentum=None),
        TypeError,
        "momentum",
    )


def test_exported_in_nn_functional():
    for name in (
        "conv1d",
        "conv2d",
        "conv_transpose2d",
        "max_pool1d",
        "max_pool2d",
        "avg_pool1d",
        "avg_pool2d",
        "adaptive_avg_pool2d",
        "batch_norm",
        "layer_norm",
        "group_norm",
    ):
        assert callable(getattr(npgrad.nn.functional, name)), name
