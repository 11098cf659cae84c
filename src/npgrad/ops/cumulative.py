"""Cumulative ops along a dimension: cumsum and cumprod.

Rules: cumsum's gradient is the incoming gradient summed from the end (a reversed cumsum).
cumprod's is ``reversed_cumsum(result * grad) / input`` where the input has no zeros; with
zeros, every element's gradient is spelled out as a product of the others, so it is exact
(and, under ``create_graph``, differentiable) there too. JVPs: cumsum is linear; cumprod's is
``result * cumsum(tangent / input)``, or with zeros the Jacobian that exact gradient uses.
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor, _wrap_dim
from ._defop import LINEAR, apply, defop
from .reduction import _cast, _integer_dtype, _raw


def _flip(a, dim: int):
    """``a`` reversed along ``dim`` (by indexing when ``a`` is a Tensor, so it is recorded)."""
    if isinstance(a, Tensor):
        return a[(slice(None),) * dim + (np.arange(a.shape[dim] - 1, -1, -1),)]
    return np.flip(a, dim)


def _reversed_cumsum(a, dim: int):
    """Sums from each position to the end along ``dim``."""
    flipped = _flip(a, dim)
    summed = (
        np.cumsum(flipped, axis=dim) if isinstance(a, Tensor) else _run(np.cumsum, flipped, dim)
    )
    return _flip(summed, dim)


def _run(accumulate, x, dim: int):
    """``accumulate`` along ``dim``; like torch, float32 and float16 accumulate in float64."""
    if x.dtype.kind == "f" and x.dtype.itemsize < 8:
        return accumulate(x, axis=dim, dtype=np.float64).astype(x.dtype)
    return accumulate(x, axis=dim)


def _cumsum_grad(g, r, x, dim, dtype, input_dtype):
    g = _cast(g, input_dtype)  # torch sums the gradient in the input's dtype
    return g if g.ndim == 0 else _reversed_cumsum(g, dim)


def _cumprod_grad(g, r, x, dim, dtype, input_dtype):
    g = _cast(g, input_dtype)
    if _raw(x).size <= 1 or x.shape[dim] == 1:
        return g
    zero = _raw(x) == 0
    if not zero.any():
        return _reversed_cumsum(r * g, dim) / x
    if isinstance(g, Tensor):
        return _cumprod_grad_with_zeros_differentiable(g, x, dim)
    return _cumprod_grad_with_zeros(g, r, x, dim, zero)


def _cumprod_grad_with_zeros(g, r, x, dim, zero):
    """O(n): before the first zero of each slice, the usual formula; at the first zero, the
    sum over later outputs of the products that skip it; after it, zero."""
    seen = np.cumsum(zero, axis=dim)
    before = seen == 0
    first_zero = zero & (seen == 1)
    grad = np.where(before, _reversed_cumsum(np.where(before, r * g, 0), dim), 0)
    grad = grad / np.where(before, x, 1)
    skipped = np.cumprod(np.where(first_zero, 1, x), axis=dim)  # products without that zero
    return grad + np.where(first_zero, _reversed_cumsum(g * skipped, dim), 0)


def _cumprod_grad_with_zeros_differentiable(g, x, dim):
    """O(n²), differentiable (the O(n) formula masks terms whose derivatives are not zero)."""
    return (np.expand_dims(g, dim) * _cumprod_jacobian(x, dim)).sum(axis=dim + 1)


def _cumprod_jacobian(x, dim):
    """d out_j / d x_k = prod_{i <= j, i != k} x_i for j >= k (else 0), with a new axis k
    before dim; dim (now dim + 1) runs over j, or over i inside the cumprod."""
    n, trailing = x.shape[dim], (1,) * (x.ndim - dim - 1)
    eye = np.eye(n, dtype=bool).reshape((n, n) + trailing)
    skipping = np.cumprod(np.where(eye, 1.0, np.expand_dims(x, dim)), axis=dim + 1)  # [k, j]
    later = np.triu(np.ones((n, n), dtype=_raw(x).dtype)).reshape((n, n) + trailing)
    return skipping * later


def _cumprod_jvp(tangents, r, x, dim, dtype, input_dtype):
    t = tangents[0]
    if _raw(x).size <= 1 or x.shape[dim] == 1:
        return t
    if not (_raw(x) == 0).any():
        return r * np.cumsum(t / x, axis=dim)
    return (np.expand_dims(t, dim + 1) * _cumprod_jacobian(x, dim)).sum(axis=dim)


CumsumBackward0 = defop("CumsumBackward0", _cumsum_grad, saves="none", jvp=LINEAR)
CumprodBackward0 = defop("CumprodBackward0", _cumprod_grad, saves="both", jvp=_cumprod_jvp)


def _kernel(reduce):
    def kernel(x, dim, dtype, input_dtype):
        x = _cast(x, dtype)
        return x.copy() if x.ndim == 0 else _run(reduce, x, dim)

    return kernel


_cumsum, _cumprod = _kernel(np.cumsum), _kernel(np.cumprod)


def cumsum(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Running sums along ``dim`` (integers and bools sum as int64 unless ``dtype`` says)."""
    dim, dtype = _wrap_dim(dim, input.ndim), _integer_dtype(input, dtype)
    return apply(
        CumsumBackward0, _cumsum, input, dim=dim, dtype=dtype, input_dtype=input._data.dtype
    )


def cumprod(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Running products along ``dim`` (integers and bools as int64 unless ``dtype`` says)."""
    dim, dtype = _wrap_dim(dim, input.ndim), _integer_dtype(input, dtype)
    return apply(
        CumprodBackward0, _cumprod, input, dim=dim, dtype=dtype, input_dtype=input._data.dtype
    )


def _numpy(fn):
    def numpy_fn(a, axis=None, dtype=None):
        return fn(a.reshape(-1), 0, dtype=dtype) if axis is None else fn(a, axis, dtype=dtype)

    numpy_fn.__name__ = fn.__name__
    return numpy_fn


__all__ = ["cumprod", "cumsum"]
METHODS = {"cumsum": cumsum, "cumprod": cumprod}
NUMPY = {np.cumsum: _numpy(cumsum), np.cumprod: _numpy(cumprod)}
