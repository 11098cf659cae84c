"""nn.utils: gradient clipping and flattening parameters into one vector."""

from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor, wrap
from ..autograd.grad_mode import no_grad


def _as_list(parameters) -> list:
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def clip_grad_norm_(
    parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
    foreach=None,
) -> Tensor:  # fmt: skip
    """Scale the gradients in place so their total ``norm_type``-norm is at most
    ``max_norm``; returns the total norm before clipping."""
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return wrap(np.array(0.0, dtype=np.float32))
    norm_type = float(norm_type)
    arrays = [g._data for g in grads]
    if norm_type == math.inf:
        norms = [np.abs(a).max() if a.size else 0.0 for a in arrays]
        total = np.max(norms)
    else:
        norms = [np.linalg.norm(a.ravel(), ord=norm_type) for a in arrays]
        total = np.linalg.norm(np.array(norms), ord=norm_type)
    total = np.asarray(total, dtype=arrays[0].dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the gradients "
            "by the non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    coef = min(float(max_norm) / (float(total) + 1e-6), 1.0)
    with no_grad():
        for g in grads:
            g.mul_(coef)
    return wrap(total)


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """Clamp every gradient in place to [-clip_value, clip_value]."""
    clip_value = float(clip_value)
    with no_grad():
        for p in _as_list(parameters):
            if p.grad is not None:
                p.grad.clamp_(-clip_value, clip_value)


def parameters_to_vector(parameters) -> Tensor:
    """All parameters flattened and joined into one 1-D tensor (in the graph)."""
    from ..ops.join import cat

    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters) -> None:
    """Copy consecutive slices of the 1-D ``vec`` into the parameters' data."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected npgrad.Tensor, but got: {type(vec).__name__}")
    start = 0
    for p in parameters:
        n = p.numel()
        p.data = vec[start : start + n].view_as(p).data
        start += n


__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]
