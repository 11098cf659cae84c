"""Normalisation layers' functions: batch_norm, layer_norm, group_norm, each one fused node.

Rules: with x̂ = (x - mean) * invstd over the normalised axes and gw = g * weight,
dx = invstd * (gw - mean(gw) - x̂ * mean(gw * x̂)), dweight = sum(g * x̂), dbias = sum(g).
The statistics are recomputed from x inside the rules, so under ``create_graph=True`` they
are recorded too and the second derivatives follow. In eval mode batch_norm normalises
with the running statistics (constants), so dx = gw * invstd.

Forward mode: x̂'s Jacobian is symmetric, so dx̂ is the VJP above run on the tangent of x
without weight; the tangent of y = x̂ * weight + bias is then dx̂ * weight + x̂ * tw + tb.
"""

from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ._defop import apply, defop


def _stats(x, axes, eps):
    """Mean and 1 / sqrt(biased variance + eps) over ``axes``, kept for broadcasting."""
    mean = x.mean(axis=axes, keepdims=True)
    centered = x - mean
    return mean, 1 / np.sqrt((centered * centered).mean(axis=axes, keepdims=True) + eps)


def _scaled(g, w, shape):
    return g if w is None else g * _per_channel(w, shape)


def _per_channel(t, shape):
    """A weight or bias (or its tangent) shaped to broadcast against x: per channel where
    the op has a ``shape`` (batch_norm, group_norm), else of x's trailing shape as it is."""
    return t if shape is None else t.reshape(shape)


def _normalized_grad(gw, xhat, invstd, axes):
    return invstd * (
        gw - gw.mean(axis=axes, keepdims=True) - xhat * (gw * xhat).mean(axis=axes, keepdims=True)
    )


def _affine_jvp(norm, grad_x):
    """The JVP of ``norm`` (x̂ * weight + bias) from its VJP for x; ``norm`` itself run with
    tw as the weight and no bias gives x̂ * tw."""

    def jvp(tangents, r, x, w, b, **params):
        tx, tw, tb = tangents
        shape = params.get("shape")
        terms = []
        if tx is not None:
            terms.append(_scaled(grad_x(tx, r, x, None, None, **params), w, shape))
        if tw is not None:
            terms.append(norm(x, tw, None, **params))
        if tb is not None:
            terms.append(_per_channel(tb, shape))
        return sum(terms[1:], terms[0])

    return jvp


# --- batch_norm: statistics per channel over (N, *spatial) ---------------------------------
def _bn_stats(x, axes, shape, eps, running):
    if running is None:
        return _stats(x, axes, eps)
    mean, var = running
    return mean.reshape(shape), 1 / np.sqrt(var.reshape(shape) + eps)


def _bn(x, w, b, axes, shape, eps, running):
    mean, invstd = _bn_stats(x, axes, shape, eps, running)
    y = (x - mean) * invstd
    if w is not None:
        y = y * w.reshape(shape)
    if b is not None:
        y = y + b.reshape(shape)
    return y


def _bn_grad_x(g, r, x, w, b, axes, shape, eps, running):
    mean, invstd = _bn_stats(x, axes, shape, eps, running)
    gw = _scaled(g, w, shape)
    if running is not None:
        return gw * invstd
    return _normalized_grad(gw, (x - mean) * invstd, invstd, axes)


def _bn_grad_w(g, r, x, w, b, axes, shape, eps, running):
    mean, invstd = _bn_stats(x, axes, shape, eps, running)
    return (g * ((x - mean) * invstd)).sum(axis=axes)


NativeBatchNormBackward0 = defop(
    "NativeBatchNormBackward0",
    _bn_grad_x,
    _bn_grad_w,
    lambda g, r, x, w, b, axes, shape, eps, running: g.sum(axis=axes),
    jvp=_affine_jvp(_bn, _bn_grad_x),
)


def _check_channels(what: str, t, channels: int) -> None:
    if t is not None and t.numel() != channels:
        raise RuntimeError(
            f"{what} should contain {channels} elements not {t.numel()}: it holds one value per "
            "channel (input.shape[1])"
        )


def batch_norm(
    input,
    running_mean,
    running_var,
    weight=None,
    bias=None,
    training=False,
    momentum=0.1,
    eps=1e-05,
):
    """Normalise each channel (dim 1) of ``input`` (N, C) or (N, C, *); in training with the
    batch's statistics (and update ``running_mean``/``running_var`` in place), in eval mode
    with the running statistics; then scale by ``weight`` and shift by ``bias``."""
    if input.ndim < 2:
        raise RuntimeError(
            f"batch_norm expects an input of shape (N, C) or (N, C, *), got {list(input.shape)}"
        )
    if not isinstance(momentum, (int, float)):
        raise TypeError(
            f"batch_norm(): argument 'momentum' must be float, not {type(momentum).__name__}"
        )
    channels = input.shape[1]
    for what, t in (
        ("running_mean", running_mean),
        ("running_var", running_var),
        ("weight", weight),
        ("bias", bias),
    ):
        _check_channels(what, t, channels)
    axes = (0, *range(2, input.ndim))
    shape = (1, channels) + (1,) * (input.ndim - 2)
    x = input._data
    if training:
        count = x.size // channels if channels else 0
        if count <= 1:
            raise ValueError(
                "Expected more than 1 value per channel when training, got input size "
                f"{list(input.shape)}; use a batch of more than one sample, or eval mode"
            )
        for stat in (running_mean, running_var):
            if stat is not None:
                _update(stat, x, axes, momentum, count, stat is running_var)
        running = None
    else:
        if running_mean is None or running_var is None:
            which = "running_mean" if running_mean is None else "running_var"
            raise RuntimeError(
                f"{which} must be defined in evaluation mode; pass the running statistics or "
                "training=True"
            )
        running = (running_mean._data.copy(), running_var._data.copy())
    return apply(
        NativeBatchNormBackward0,
        _bn,
        input,
        weight,
        bias,
        axes=axes,
        shape=shape,
        eps=eps,
        running=running,
    )


def _update(stat: Tensor, x, axes, momentum: float, count: int, variance: bool) -> None:
    """running = (1 - momentum) * running + momentum * batch statistic (the variance
    unbiased), in place and without bumping the version counter, as torch does."""
    value = x.var(axis=axes, ddof=1) if variance else x.mean(axis=axes)
    data = stat._data
    data[...] = (1 - momentum) * data + momentum * value.reshape(data.shape)


# --- layer_norm: statistics per sample over the trailing normalized_shape ------------------
def _ln(x, w, b, axes, eps):
    mean, invstd = _stats(x, axes, eps)
    y = (x - mean) * invstd
    if w is not None:
        y = y * w
    if b is not None:
        y = y + b
    return y


def _ln_grad_x(g, r, x, w, b, axes, eps):
    mean, invstd = _stats(x, axes, eps)
    return _normalized_grad(g if w is None else g * w, (x - mean) * invstd, invstd, axes)


def _ln_grad_w(g, r, x, w, b, axes, eps):
    mean, invstd = _stats(x, axes, eps)
    return g * ((x - mean) * invstd)  # the engine sums the leading dimensions


NativeLayerNormBackward0 = defop(
    "NativeLayerNormBackward0",
    _ln_grad_x,
    _ln_grad_w,
    lambda g, r, x, w, b, axes, eps: g,
    jvp=_affine_jvp(_ln, _ln_grad_x),
)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05):
    """Normalise ``input`` over its trailing ``normalized_shape`` dims, then scale by
    ``weight`` and shift by ``bias`` (both of shape ``normalized_shape``)."""
    if not isinstance(normalized_shape, (tuple, list)):
        raise TypeError(
            "layer_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not "
            f"{type(normalized_shape).__name__}; write ({normalized_shape},)"
        )
    norm = tuple(int(n) for n in normalized_shape)
    k = len(norm)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k :]) != norm:
        raise RuntimeError(
            f"Given normalized_shape={list(norm)}, expected input with shape [*, "
            f"{', '.join(str(n) for n in norm)}], but got input of size{list(input.shape)}"
        )
    for what, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != norm:
            raise RuntimeError(
                f"Expected {what} to be of same shape as normalized_shape, but got {what} of "
                f"shape {list(t.shape)} and normalized_shape = {list(norm)}"
            )
    axes = tuple(range(input.ndim - k, input.ndim))
    return apply(NativeLayerNormBackward0, _ln, input, weight, bias, axes=axes, eps=eps)


# --- group_norm: statistics per sample and group of channels -------------------------------
def _gn_stats(x, groups, eps):
    xr = x.reshape(x.shape[0], groups, math.prod(x.shape[1:]) // groups)
    mean, invstd = _stats(xr, (2,), eps)
    return xr, (xr - mean) * invstd, invstd


def _gn(x, w, b, groups, shape, eps):
    _, xhat, _ = _gn_stats(x, groups, eps)
    y = xhat.reshape(x.shape)
    if w is not None:
        y = y * w.reshape(shape)
    if b is not None:
        y = y + b.reshape(shape)
    return y


def _gn_grad_x(g, r, x, w, b, groups, shape, eps):
    _, xhat, invstd = _gn_stats(x, groups, eps)
    gw = _scaled(g, w, shape).reshape(xhat.shape)
    return _normalized_grad(gw, xhat, invstd, (2,)).reshape(x.shape)


def _gn_grad_w(g, r, x, w, b, groups, shape, eps):
    _, xhat, _ = _gn_stats(x, groups, eps)
    return (g * xhat.reshape(x.shape)).sum(axis=(0, *range(2, len(x.shape))))


NativeGroupNormBackward0 = defop(
    "NativeGroupNormBackward0",
    _gn_grad_x,
    _gn_grad_w,
    lambda g, r, x, w, b, groups, shape, eps: g.sum(axis=(0, *range(2, g.ndim))),
    jvp=_affine_jvp(_gn, _gn_grad_x),
)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05):
    """Normalise ``input`` (N, C, *) over each group of C / num_groups channels (and all
    spatial positions), then scale and shift each channel by ``weight`` and ``bias``."""
    if input.ndim < 2:
        raise RuntimeError(
            f"Expected at least 2 dimensions for input tensor but received {input.ndim}"
        )
    channels = input.shape[1]
    if num_groups <= 0 or channels % num_groups:
        raise RuntimeError(
            "Expected number of channels in input to be divisible by num_groups, but got input "
            f"of shape {list(input.shape)} and num_groups={num_groups}"
        )
    for what, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.ndim != 1 or t.numel() != channels):
            raise RuntimeError(
                f"Expected {what} to be a vector of size equal to the number of channels in "
                f"input, but got {what} of shape {list(t.shape)} and input of shape "
                f"{list(input.shape)}"
            )
    shape = (1, channels) + (1,) * (input.ndim - 2)
    return apply(
        NativeGroupNormBackward0,
        _gn,
        input,
        weight,
        bias,
        groups=num_groups,
        shape=shape,
        eps=eps,
    )


__all__ = ["batch_norm", "group_norm", "layer_norm"]
METHODS: dict = {}
NUMPY: dict = {}
