"""Index-driven ops: gather, scatter, scatter_add, index_select, index_add, index_fill,
masked_fill, masked_select, take_along_dim, take.

``gather``-like ops read ``x[mesh]``, where ``mesh`` is the index tensor along ``dim`` and
a broadcast ``arange`` along every other dimension, so one NumPy advanced index does the
work; their rules scatter the gradient back with ``unindex`` (adding where an index
repeats), which records an op of its own under ``create_graph``.
"""

from __future__ import annotations

import numpy as np

from .._dtype import from_numpy
from .._tensor import Tensor, _wrap_dim
from ._defop import ELEMENTWISE, LINEAR, apply, defop, forward_active, no_forward
from .indexing import _type_name, unindex
from .inplace import inplace_method
from .shape import expand, reshape

_FULL = slice(None)


def _index_array(index, op: str, allow_int32: bool = True) -> np.ndarray:
    a = index._data if isinstance(index, Tensor) else np.asarray(index)
    if a.dtype != np.int64 and not (allow_int32 and a.dtype == np.int32):
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index")
    return a


def _mesh(index: np.ndarray, dim: int) -> tuple:
    """The NumPy index that reads ``x[i][j][index[i][j][k]]`` for every position of index."""
    ndim = index.ndim
    return tuple(
        index if d == dim else np.arange(n).reshape((1,) * d + (n,) + (1,) * (ndim - d - 1))
        for d, n in enumerate(index.shape)
    )


def _check_bounds(index: np.ndarray, n: int, dim: int, error=RuntimeError) -> None:
    if index.size:
        lo, hi = int(index.min()), int(index.max())
        if lo < 0 or hi >= n:
            raise error(
                f"index {lo if lo < 0 else hi} is out of bounds for dimension {dim} with size {n}"
            )


def _pad(g, shape: tuple):
    """``g`` in the leading block of zeros of ``shape`` (for a src larger than the index)."""
    if tuple(g.shape) == tuple(shape):
        return g
    return unindex(g, tuple(slice(0, n) for n in g.shape), shape, False)


# --- gather --------------------------------------------------------------------------------
GatherBackward0 = defop(
    "GatherBackward0",
    lambda g, r, x, mesh, shape: unindex(g, mesh, shape, True),
    saves="none",
    jvp=LINEAR,
)


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """``out[i][j] = input[index[i][j]][j]`` for ``dim=0`` (likewise for other dims)."""
    idx = _index_array(index, "gather")
    shape = input._data.shape
    d = _wrap_dim(dim, len(shape))
    if not shape:  # a 0-d input reads as one of shape (1,)
        _check_bounds(idx, 1, d)
        return apply(GatherBackward0, _gather, input, mesh=(idx,), shape=(1,))
    if idx.ndim != len(shape):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for k, (a, b) in enumerate(zip(idx.shape, shape)):
        if k != d and a > b:
            raise RuntimeError(
                f"Size does not match at dimension {k} expected index {list(idx.shape)} to be "
                f"no larger than self {list(shape)} apart from dimension {d}"
            )
    _check_bounds(idx, shape[d], d)
    return apply(GatherBackward0, _gather, input, mesh=_mesh(idx, d), shape=shape)


def _gather(x, mesh, shape):
    return x.reshape(shape)[mesh]


def take_along_dim(input: Tensor, indices: Tensor, dim=None) -> Tensor:
    """Values of ``input`` at ``indices`` along ``dim`` (other dims broadcast); with no dim,
    of the flattened tensor."""
    if dim is None:
        return gather(reshape(input, -1), 0, reshape(indices, -1))
    ndim = input._data.ndim
    if indices.ndim != ndim:
        raise RuntimeError(
            "torch.take_along_dim(): input and indices should have the same number of "
            f"dimensions, but got {ndim} dimensions for input, and {indices.ndim} dimensions "
            "for indices"
        )
    d = _wrap_dim(dim, ndim)
    a, b = list(input.shape), list(indices.shape)
    a[d] = b[d] = 1
    common = list(np.broadcast_shapes(tuple(a), tuple(b)))
    in_shape, idx_shape = list(common), list(common)
    in_shape[d], idx_shape[d] = input.shape[d], indices.shape[d]
    if list(input.shape) != in_shape:
        input = expand(input, *in_shape)
    if list(indices.shape) != idx_shape:
        indices = expand(indices, *idx_shape)
    return gather(input, d, indices)


def _np_take_along_axis(arr, indices, axis=-1):
    return take_along_dim(arr, indices, axis)


TakeBackward0 = defop(
    "TakeBackward0",
    lambda g, r, x, index, shape: unindex(g, (index,), (int(np.prod(shape)),), True).reshape(shape),
    saves="none",
    jvp=LINEAR,
)


def take(input: Tensor, index: Tensor) -> Tensor:
    """Elements of the flattened ``input`` at ``index`` (negative counts from the end)."""
    idx = _index_array(index, "take")
    n = input._data.size
    if idx.size:
        lo, hi = int(idx.min()), int(idx.max())
        if lo < -n or hi >= n:
            raise IndexError(
                f"out of range: tried to access index {lo if lo < -n else hi} on a tensor of "
                f"{n} elements."
            )
    return apply(TakeBackward0, _take, input, index=idx % max(n, 1), shape=input._data.shape)


def _take(x, index, shape):
    return x.reshape(-1)[index]


# --- scatter, scatter_add ------------------------------------------------------------------
def _scatter_checks(op: str, input: Tensor, dim: int, idx: np.ndarray, src) -> int:
    shape = input._data.shape
    d = _wrap_dim(dim, len(shape))
    if isinstance(src, Tensor) and src._data.dtype != input._data.dtype:
        raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype")
    if idx.ndim != len(shape) or (isinstance(src, Tensor) and src._data.ndim != len(shape)):
        raise RuntimeError(
            "Index tensor must have the same number of dimensions as self tensor"
            if idx.ndim != len(shape)
            else "Index tensor must have the same number of dimensions as src tensor"
        )
    sshape = src._data.shape if isinstance(src, Tensor) else None
    bad = any(k != d and a > b for k, (a, b) in enumerate(zip(idx.shape, shape))) or (
        sshape is not None and any(a > b for a, b in zip(idx.shape, sshape))
    )
    if bad:
        raise RuntimeError(
            f"Expected index {list(idx.shape)} to be no larger than self {list(shape)} apart "
            f"from dimension {d}"
            + (f" and to be no larger size than src {list(sshape)}" if sshape is not None else "")
        )
    _check_bounds(idx, shape[d] if shape else 1, d)
    return d


def _block(src: np.ndarray, index_shape: tuple) -> np.ndarray:
    return src[tuple(slice(0, n) for n in index_shape)]


ScatterBackward0 = defop(
    "ScatterBackward0",
    lambda g, r, x, src, mesh, keep, src_shape: g * keep,
    lambda g, r, x, src, mesh, keep, src_shape: _pad(g[mesh], src_shape),
    saves="none",
    jvp=LINEAR,
)
ScatterBackward1 = defop(
    "ScatterBackward1", lambda g, r, x, mesh, keep, value: g * keep, saves="none", jvp=ELEMENTWISE
)
ScatterAddBackward0 = defop(
    "ScatterAddBackward0",
    lambda g, r, x, src, mesh, src_shape: g,
    lambda g, r, x, src, mesh, src_shape: _pad(g[mesh], src_shape),
    saves="none",
    jvp=LINEAR,
)


def _scatter_reduce_unsupported(*_, **__):
    raise RuntimeError(
        "the derivative for 'scatter' with a reduce argument is not implemented; use "
        "scatter_add, or scatter_reduce with reduce='sum' or 'prod'"
    )


ScatterReduceNotImplemented = defop(
    "NotImplemented",
    _scatter_reduce_unsupported,
    _scatter_reduce_unsupported,
    saves="none",
    jvp=no_forward("scatter with a reduce argument"),
    qualified_name="torch::autograd::NotImplemented",
)


def _keep(shape, mesh, dtype):
    keep = np.ones(shape, dtype=dtype)
    keep[mesh] = 0
    return keep


def scatter(input: Tensor, dim: int, index: Tensor, src=None, value=None, *, reduce=None):
    """A copy of ``input`` with ``src`` (a tensor) or ``value`` (a number) written at
    ``index`` along ``dim``; ``reduce='add'`` or ``'multiply'`` combines instead."""
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter() missing required argument 'src' or 'value'")
    idx = _index_array(index, "scatter")
    d = _scatter_checks("scatter", input, dim, idx, src)
    shape = input._data.shape
    mesh = _mesh(idx, d) if shape else ()
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise RuntimeError("reduce argument must be either add or multiply.")
        return apply(ScatterReduceNotImplemented, _scatter_reduce, input, src, mesh=mesh,
                     reduce=reduce)  # fmt: skip
    dtype = input._data.dtype
    keep = _keep(shape, mesh, dtype) if input._requires_grad or forward_active[0] else None
    if isinstance(src, Tensor):
        return apply(
            ScatterBackward0, _scatter, input, src, mesh=mesh, keep=keep, src_shape=src.shape
        )
    return apply(ScatterBackward1, _scatter_value, input, mesh=mesh, keep=keep, value=src)


def _scatter(x, src, mesh, keep, src_shape):
    out = x.copy()
    out[mesh] = _block(src, np.broadcast_shapes(*(m.shape for m in mesh))) if mesh else src
    return out


def _scatter_value(x, mesh, keep, value):
    out = x.copy()
    out[mesh] = value
    return out


def _scatter_reduce(x, src, mesh, reduce):
    out = x.copy()
    ufunc = np.add if reduce == "add" else np.multiply
    shape = np.broadcast_shapes(*(m.shape for m in mesh)) if mesh else ()
    values = _block(src, shape) if isinstance(src, np.ndarray) and src.ndim else src
    ufunc.at(out, mesh, np.asarray(values, dtype=x.dtype))
    return out


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of ``input`` with ``src`` added at ``index`` along ``dim`` (repeats add up)."""
    idx = _index_array(index, "scatter_add")
    d = _scatter_checks("scatter_add", input, dim, idx, src)
    mesh = _mesh(idx, d) if input._data.shape else ()
    return apply(ScatterAddBackward0, _scatter_add, input, src, mesh=mesh, src_shape=src.shape)


def _scatter_add(x, src, mesh, src_shape):
    out = x.copy()
    shape = np.broadcast_shapes(*(m.shape for m in mesh)) if mesh else ()
    np.add.at(out, mesh, _block(src, shape) if mesh else src)
    return out


# --- index_select, index_add, index_fill ---------------------------------------------------
def _vector_index(index, op: str, error=IndexError) -> np.ndarray:
    a = index._data if isinstance(index, Tensor) else np.asarray(index)
    if a.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"{op}(): Expected dtype int32 or int64 for index")
    if a.ndim > 1:
        raise error(f"{op}(): Index is supposed to be a vector")
    return a.reshape(-1)


IndexSelectBackward0 = defop(
    "IndexSelectBackward0",
    lambda g, r, x, at, shape: unindex(g, at, shape, True),
    saves="none",
    jvp=LINEAR,
)


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The entries of ``input`` along ``dim`` at the positions in the 1-D ``index``."""
    idx = _vector_index(index, "index_select")
    shape = input._data.shape
    d = _wrap_dim(dim, len(shape))
    n = shape[d] if shape else 1
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError("index out of range in self")
    if not shape:  # a 0-d input reads as one of shape (1,)
        return apply(IndexSelectBackward0, _select0, input, at=(idx,), shape=(1,))
    at = (_FULL,) * d + (idx,)
    return apply(IndexSelectBackward0, _select, input, at=at, shape=shape)


def _select(x, at, shape):
    return x[at]


def _select0(x, at, shape):
    return x.reshape(1)[at].reshape(())


IndexAddBackward0 = defop(
    "IndexAddBackward0",
    lambda g, r, x, source, at, alpha: g,
    lambda g, r, x, source, at, alpha: g[at] * alpha if alpha != 1 else g[at],
    saves="none",
    jvp=LINEAR,
)


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """A copy of ``input`` with ``alpha * source`` added at ``index`` along ``dim``."""
    idx = _vector_index(index, "index_add_")
    shape, sshape = input._data.shape, source._data.shape
    d = _wrap_dim(dim, len(shape))
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(
            f"index_add_(): self ({_type_name(input)}) and source ({_type_name(source)}) must "
            "have the same scalar type"
        )
    n_src = sshape[d] if sshape else 1
    if idx.size != n_src:
        raise RuntimeError(
            f"index_add_(): Number of indices ({idx.size}) should be equal to "
            f"source.size(dim): ({n_src}), for dim: {d}"
        )
    if len(sshape) != len(shape) or any(
        a != b for k, (a, b) in enumerate(zip(shape, sshape)) if k != d
    ):
        raise RuntimeError(
            "source tensor shape must match self tensor shape, excluding the specified "
            f"dimension. Got self.shape = {list(shape)} source.shape = {list(sshape)}"
        )
    _check_bounds(idx, shape[d] if shape else 1, d)
    at = (_FULL,) * d + (idx,) if shape else (idx,)
    return apply(IndexAddBackward0, _index_add, input, source, at=at, alpha=alpha)


def _index_add(x, source, at, alpha):
    out = x.copy()
    if not x.ndim:
        return out + alpha * source
    np.add.at(out, at, source * alpha if alpha != 1 else source)
    return out


IndexFillBackward0 = defop(
    "IndexFillBackward0", lambda g, r, x, at, keep, value: g * keep, saves="none", jvp=ELEMENTWISE
)
IndexFillBackward1 = defop(
    "IndexFillBackward1",
    lambda g, r, x, value, at, keep: g * keep,
    lambda g, r, x, value, at, keep: g * (1 - keep),
    saves="none",
    jvp=ELEMENTWISE,
)


def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    """A copy of ``input`` with ``value`` at the positions ``index`` along ``dim``."""
    idx = _vector_index(index, "index_fill_", RuntimeError)
    shape = input._data.shape
    d = _wrap_dim(dim, len(shape))
    n = shape[d] if shape else 1
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = int(idx.min()) if idx.min() < -n else int(idx.max())
        raise IndexError(f"index {bad} is out of bounds for dimension {d} with size {n}")
    at = (_FULL,) * d + (idx,) if shape else (idx % 1,)
    keep = _keep(shape or (1,), at, input._data.dtype).reshape(shape)
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(
                "index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                f"{value._data.ndim} dimension(s)."
            )
        return apply(IndexFillBackward1, _index_fill_tensor, input, value, at=at, keep=keep)
    return apply(IndexFillBackward0, _index_fill, input, at=at, keep=keep, value=value)


def _index_fill(x, at, keep, value):
    return np.where(keep == 0, np.asarray(value).astype(x.dtype), x)


def _index_fill_tensor(x, value, at, keep):
    return np.where(keep == 0, value.astype(x.dtype), x)


# --- masked_fill, masked_select ------------------------------------------------------------
def _mask_array(mask, message: str) -> np.ndarray:
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(message.format(from_numpy(m.dtype).name.split(".")[-1]))
    return m


def _broadcast(a: tuple, b: tuple) -> tuple:
    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        for i in range(1, max(len(a), len(b)) + 1):
            x = a[-i] if i <= len(a) else 1
            y = b[-i] if i <= len(b) else 1
            if x != y and x != 1 and y != 1:
                raise RuntimeError(
                    f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                    f"non-singleton dimension {max(len(a), len(b)) - i}"
                ) from None
        raise


MaskedFillBackward0 = defop(
    "MaskedFillBackward0", lambda g, r, x, mask, value: g * ~mask, saves="none", jvp=ELEMENTWISE
)
MaskedFillBackward1 = defop(
    "MaskedFillBackward1",
    lambda g, r, x, value, mask: g * ~mask,
    lambda g, r, x, value, mask: g * mask,
    saves="none",
    jvp=ELEMENTWISE,
)


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """A copy of ``input`` with ``value`` (a number or 0-d tensor) where ``mask`` is True."""
    m = _mask_array(mask, "masked_fill_ only supports boolean masks, but got mask with dtype {}")
    _broadcast(m.shape, input._data.shape)
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(
                "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                f"{value._data.ndim} dimension(s)."
            )
        return apply(MaskedFillBackward1, _masked_fill_tensor, input, value, mask=m)
    return apply(MaskedFillBackward0, _masked_fill, input, mask=m, value=value)


def _masked_fill(x, mask, value):
    return np.where(mask, np.asarray(value).astype(x.dtype), x)


def _masked_fill_tensor(x, value, mask):
    return np.where(mask, value.astype(x.dtype), x)


MaskedSelectBackward0 = defop(
    "MaskedSelectBackward0",
    lambda g, r, x, mask: unindex(g, (mask,), mask.shape, True),
    saves="none",
    jvp=LINEAR,
)


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements of ``input`` where ``mask`` is True, as a 1-D tensor (both broadcast)."""
    m = _mask_array(mask, "masked_select: expected BoolTensor for mask")
    shape = _broadcast(m.shape, input._data.shape)
    m = np.broadcast_to(m, shape)
    return apply(MaskedSelectBackward0, _masked_select, input, mask=m)


def _masked_select(x, mask):
    return np.broadcast_to(x, mask.shape)[mask]


__all__ = [
    "gather",
    "index_add",
    "index_fill",
    "index_select",
    "masked_fill",
    "masked_select",
    "scatter",
    "scatter_add",
    "take",
    "take_along_dim",
]
METHODS = {
    "gather": gather,
    "scatter": scatter,
    "scatter_": inplace_method(scatter),
    "scatter_add": scatter_add,
    "scatter_add_": inplace_method(scatter_add),
    "index_select": index_select,
    "index_add": index_add,
    "index_add_": inplace_method(index_add),
    "index_fill": index_fill,
    "index_fill_": inplace_method(index_fill),
    "masked_fill": masked_fill,
    "masked_fill_": inplace_method(masked_fill),
    "masked_select": masked_select,
    "take_along_dim": take_along_dim,
    "take": take,
}
NUMPY = {np.take_along_axis: _np_take_along_axis}
