"""nn.init (torch's distributions and fan computations, checked statistically) and nn.utils
(gradient clipping and parameter vectors) against torch."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import npgrad
from torch_oracle import raises_same, same

SHAPES = [(64, 32), (16, 8, 3, 3), (200, 5)]


def _fresh(m, shape):
    return m.nn.Parameter(m.zeros(*shape))


@pytest.mark.parametrize("shape", SHAPES + [(4, 6, 5)])
def test_fan_in_and_fan_out_match_torch(shape):
    got = npgrad.nn.init._calculate_fan_in_and_fan_out(npgrad.zeros(*shape))
    want = torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(*shape))
    assert got == want


@pytest.mark.parametrize(
    ("name", "param"),
    [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
     ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None)],
)  # fmt: skip
def test_calculate_gain_matches_torch(name, param):
    assert npgrad.nn.init.calculate_gain(name, param) == torch.nn.init.calculate_gain(name, param)


def _stats(m, init, shape, seed):
    m.manual_seed(seed)
    t = _fresh(m, shape)
    with m.no_grad():
        out = init(m, t)
    assert out is t
    values = t.detach().numpy().astype(np.float64).ravel()
    return values


INITS = {
    "uniform_": lambda m, t: m.nn.init.uniform_(t, -0.3, 0.7),
    "normal_": lambda m, t: m.nn.init.normal_(t, 0.5, 2.0),
    "xavier_uniform_": lambda m, t: m.nn.init.xavier_uniform_(t, gain=1.5),
    "xavier_normal_": lambda m, t: m.nn.init.xavier_normal_(t),
    "kaiming_uniform_": lambda m, t: m.nn.init.kaiming_uniform_(t, a=math.sqrt(5)),
    "kaiming_normal_": lambda m, t: m.nn.init.kaiming_normal_(t, mode="fan_out"),
    "kaiming_relu": lambda m, t: m.nn.init.kaiming_uniform_(t, nonlinearity="relu"),
    "trunc_normal_": lambda m, t: m.nn.init.trunc_normal_(t, 0.0, 1.0, -0.5, 1.5),
}


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", sorted(INITS))
def test_initialisation_has_torchs_distribution(name, shape):
    """Mean, standard deviation and range agree with torch's within sampling error."""
    ours = _stats(npgrad, INITS[name], shape, 0)
    theirs = _stats(torch, INITS[name], shape, 0)
    n = ours.size
    spread = max(theirs.std(), 1e-12)
    assert abs(ours.mean() - theirs.mean()) < 6 * spread / math.sqrt(n)
    assert abs(ours.std() / spread - 1) < 6 / math.sqrt(n) + 0.02
    if name.endswith("uniform_") or name in ("uniform_", "kaiming_relu", "trunc_normal_"):
        low, high = theirs.min(), theirs.max()
        slack = 0.05 * (high - low)
        assert low - slack <= ours.min() and ours.max() <= high + slack


def test_initialisation_is_repeatable_under_manual_seed():
    a = _stats(npgrad, INITS["kaiming_uniform_"], (8, 4), 3)
    b = _stats(npgrad, INITS["kaiming_uniform_"], (8, 4), 3)
    assert np.array_equal(a, b)


@pytest.mark.parametrize("shape", [(6, 6), (3, 8), (8, 3), (4, 2, 3)])
def test_orthogonal_gives_orthonormal_rows_or_columns(shape):
    t = _fresh(npgrad, shape)
    npgrad.nn.init.orthogonal_(t, gain=2.0)
    q = t.detach().numpy().reshape(shape[0], -1).astype(np.float64)
    gram = q @ q.T if q.shape[0] <= q.shape[1] else q.T @ q
    np.testing.assert_allclose(gram, 4.0 * np.eye(gram.shape[0]), atol=1e-5)


def test_constant_ones_zeros_eye():
    def body(m):
        t = _fresh(m, (2, 3))
        with m.no_grad():
            return (
                m.nn.init.constant_(t, 0.25).clone(),
                m.nn.init.ones_(t).clone(),
                m.nn.init.eye_(t).clone(),
                m.nn.init.zeros_(t).clone(),
            )

    same(body)


def test_init_records_no_graph_and_keeps_the_leaf():
    t = _fresh(npgrad, (3, 2))
    npgrad.nn.init.xavier_uniform_(t)
    assert t.is_leaf and t.grad_fn is None and t.requires_grad


@pytest.mark.parametrize(
    ("call", "exc", "key"),
    [
        (lambda m: m.nn.init.xavier_uniform_(m.zeros(3)), ValueError, "fewer than 2 dimensions"),
        (lambda m: m.nn.init.orthogonal_(m.zeros(3)), ValueError, "2 or more dimensions"),
        (lambda m: m.nn.init.calculate_gain("swish"), ValueError, "Unsupported nonlinearity"),
        (lambda m: m.nn.init.kaiming_normal_(m.zeros(2, 2), mode="fan"), ValueError, "fan"),
    ],
    ids=["fan-1d", "orthogonal-1d", "gain", "mode"],
)
def test_init_errors_match_torch(call, exc, key):
    raises_same(call, exc, key)


# --- nn.utils --------------------------------------------------------------------------------
def _with_grads(m, scale=1.0):
    rng = np.random.default_rng(5)
    params = [m.nn.Parameter(m.tensor(rng.standard_normal(s))) for s in ((3, 2), (4,), (2, 2))]
    params.append(m.nn.Parameter(m.zeros(2)))  # no grad
    for p in params[:3]:
        p.grad = m.tensor(rng.standard_normal(tuple(p.shape)) * scale)
    return params


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(max_norm, norm_type):
    def body(m):
        params = _with_grads(m)
        total = m.nn.utils.clip_grad_norm_(params, max_norm, norm_type=norm_type)
        return total, [p.grad for p in params]

    same(body)


def test_clip_grad_norm_of_a_single_tensor_and_of_no_grads():
    same(lambda m: m.nn.utils.clip_grad_norm_(_with_grads(m)[0], 0.1))
    same(lambda m: m.nn.utils.clip_grad_norm_([m.nn.Parameter(m.ones(2))], 0.1))


def test_clip_grad_norm_refuses_a_non_finite_norm_when_asked():
    def body(m):
        params = _with_grads(m)
        params[0].grad[0, 0] = float("inf")
        m.nn.utils.clip_grad_norm_(params, 1.0, error_if_nonfinite=True)

    raises_same(body, RuntimeError, "non-finite")


def test_clip_grad_value_matches_torch():
    def body(m):
        params = _with_grads(m, scale=2.0)
        m.nn.utils.clip_grad_value_(params, 0.7)
        return [p.grad for p in params]

    same(body)


def test_parameters_to_vector_and_back():
    def body(m):
        params = _with_grads(m)
        vec = m.nn.utils.parameters_to_vector(params)
        m.nn.utils.vector_to_parameters(vec.detach() * 2, params)
        return vec, [p.detach() for p in params]

    same(body)
