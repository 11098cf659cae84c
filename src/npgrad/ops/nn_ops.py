"""The softmax family (torch-level: npgrad.softmax etc.), each one node with a fused, stable rule.

Rules (see ``_defop``): log_softmax's gradient is g - softmax * sum(g); softmax's is
r * (g - sum(g * r)); logsumexp's is g * exp(x - result). The row maximum is subtracted
before any exp, so inputs of ±1000 stay finite. JVPs: log_softmax's is t - sum(softmax * t);
softmax's Jacobian is symmetric, so its VJP serves; logsumexp's is read off its VJP.
"""

from __future__ import annotations

import numpy as np

from .._dtype import default_float
from .._tensor import Tensor, _wrap_dim
from ._defop import ELEMENTWISE, apply, defop
from .reduction import normalize_dims, reduced_jvp


def _float(x: np.ndarray) -> np.ndarray:
    """``x``, or a copy in the default float dtype if it is integer or bool."""
    return x if x.dtype.kind in "fc" else x.astype(default_float())


def _log_softmax(x, dim):
    x = _float(x)
    if x.size == 0:
        return x.copy()
    shifted = x - x.max(axis=dim, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))


def _softmax(x, dim):
    x = _float(x)
    if x.size == 0:
        return x.copy()
    e = np.exp(x - x.max(axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)


LogSoftmaxBackward0 = defop(
    "LogSoftmaxBackward0",
    lambda g, r, x, dim: g - np.exp(r) * g.sum(axis=dim, keepdims=True),
    saves="result",
    jvp=lambda tangents, r, x, dim: (
        tangents[0] - (np.exp(r) * tangents[0]).sum(axis=dim, keepdims=True)
    ),
)
SoftmaxBackward0 = defop(
    "SoftmaxBackward0",
    lambda g, r, x, dim: r * (g - (g * r).sum(axis=dim, keepdims=True)),
    saves="result",
    jvp=ELEMENTWISE,  # not elementwise, but the Jacobian is symmetric: the VJP is the JVP
)


def log_softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """log(softmax(input)) along ``dim``, computed stably in one step."""
    if dtype is not None:
        input = input.to(dtype)
    return apply(LogSoftmaxBackward0, _log_softmax, input, dim=_wrap_dim(dim, input.ndim))


def softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """exp(input) normalised to sum to 1 along ``dim``."""
    if dtype is not None:
        input = input.to(dtype)
    return apply(SoftmaxBackward0, _softmax, input, dim=_wrap_dim(dim, input.ndim))


def _logsumexp(x, dims, keepdim):
    x = _float(x)
    if x.size == 0:
        return np.log(np.sum(np.exp(x), axis=dims, keepdims=keepdim))
    top = np.max(x, axis=dims, keepdims=True)
    top = np.where(np.isfinite(top), top, 0)
    out = np.log(np.sum(np.exp(x - top), axis=dims, keepdims=True)) + top
    return out if keepdim else np.squeeze(out, axis=dims)


def _logsumexp_grad(g, r, x, dims, keepdim):
    if not keepdim:
        kept = tuple(1 if i in dims else n for i, n in enumerate(x.shape))
        g, r = g.reshape(kept), r.reshape(kept)
    return g * np.exp(x - r)


LogsumexpBackward0 = defop(
    "LogsumexpBackward0", _logsumexp_grad, saves="both", jvp=reduced_jvp(_logsumexp_grad)
)


def logsumexp(input: Tensor, dim, keepdim: bool = False) -> Tensor:
    """log(sum(exp(input))) over ``dim``, without overflow."""
    return apply(
        LogsumexpBackward0, _logsumexp, input, dims=normalize_dims(dim, input.ndim), keepdim=keepdim
    )


__all__ = ["log_softmax", "logsumexp", "softmax"]
METHODS = {"log_softmax": log_softmax, "logsumexp": logsumexp, "softmax": softmax}
NUMPY: dict = {}
