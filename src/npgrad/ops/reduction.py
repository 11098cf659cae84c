"""Reductions: ``sum`` and ``mean`` over all elements or over ``dim`` (int, tuple, negative).

Rules: the gradient of a reduction is the incoming gradient put back in the reduced
dimensions (``keepdim``) and broadcast to the input's shape (saved as ``shape``).
"""

from __future__ import annotations

import numpy as np

from .._dtype import to_numpy
from .._tensor import Tensor, _wrap_dim
from ._defop import apply, defop


def normalize_dims(dim, ndim: int) -> tuple:
    """``dim`` (None, int or sequence; negatives allowed) as a sorted tuple of axes."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, int):
        return (_wrap_dim(dim, ndim),) if ndim else ()
    dims = tuple(_wrap_dim(d, ndim) for d in dim) if ndim else ()
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"dim {dim} appears multiple times in the list of dims")
    return tuple(sorted(dims)) if dims or dim else tuple(range(ndim))


def _unreduce(g, dims: tuple, keepdim: bool, shape: tuple):
    """The gradient of a reduction over ``dims``, broadcast back to the input ``shape``."""
    if not keepdim and dims:
        g = g.reshape(tuple(1 if i in dims else n for i, n in enumerate(shape)))
    return np.broadcast_to(g, shape)


SumBackward0 = defop(
    "SumBackward0",
    lambda g, r, x, dims, keepdim, shape, dtype: _unreduce(g, dims, keepdim, shape),
    saves="none",
)
SumBackward1 = defop("SumBackward1", *SumBackward0._vjps, saves="none")
MeanBackward0 = defop(
    "MeanBackward0",
    lambda g, r, x, dims, keepdim, shape, dtype: (
        _unreduce(g, dims, keepdim, shape) / _count(shape, dims)
    ),
    saves="none",
)
MeanBackward1 = defop("MeanBackward1", *MeanBackward0._vjps, saves="none")


def _numpy_names(dim, keepdim, axis, keepdims):
    return (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)


def _count(shape: tuple, dims: tuple) -> int:
    n = 1
    for d in dims:
        n *= shape[d]
    return n


def _sum_kernel(x, dims, keepdim, shape, dtype):
    return np.sum(x, axis=dims, keepdims=keepdim, dtype=dtype)


def _mean_kernel(x, dims, keepdim, shape, dtype):
    return np.mean(x, axis=dims, keepdims=keepdim, dtype=dtype).astype(dtype or x.dtype, copy=False)


def sum(
    input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, axis=None, keepdims=None
) -> Tensor:
    """Sum of all elements, or over ``dim`` (keeping it as size 1 if ``keepdim``).

    NumPy's ``axis`` and ``keepdims`` are accepted too, so one formula can run on an array
    or a tensor (the VJP rules rely on it)."""
    dim, keepdim = _numpy_names(dim, keepdim, axis, keepdims)
    node = SumBackward0 if dim is None else SumBackward1
    dims = normalize_dims(dim, input.ndim)
    if dtype is None and input._data.dtype.kind in "bi" and input._data.dtype != np.int64:
        dtype = np.int64  # torch sums integers and bools as int64
    dtype = None if dtype is None else to_numpy(dtype)
    return apply(
        node, _sum_kernel, input, dims=dims, keepdim=keepdim, shape=input._data.shape, dtype=dtype
    )


def mean(
    input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, axis=None, keepdims=None
) -> Tensor:
    """Mean of all elements, or over ``dim``; floating tensors only (``axis`` and
    ``keepdims`` as in NumPy are accepted too)."""
    dim, keepdim = _numpy_names(dim, keepdim, axis, keepdims)
    kind = (to_numpy(dtype) if dtype is not None else input._data.dtype).kind
    if kind not in "fc":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {input.dtype}; convert it first, e.g. x.float().mean()"
        )
    node = MeanBackward0 if dim is None else MeanBackward1
    dims = normalize_dims(dim, input.ndim)
    dtype = None if dtype is None else to_numpy(dtype)
    return apply(
        node, _mean_kernel, input, dims=dims, keepdim=keepdim, shape=input._data.shape, dtype=dtype
    )


__all__ = ["mean", "sum"]
METHODS = {"sum": sum, "mean": mean}
NUMPY = {
    np.sum: lambda a, axis=None, dtype=None, keepdims=False: sum(
        a, dim=axis, keepdim=keepdims, dtype=dtype
    ),
    np.mean: lambda a, axis=None, dtype=None, keepdims=False: mean(
        a, dim=axis, keepdim=keepdims, dtype=dtype
    ),
}
