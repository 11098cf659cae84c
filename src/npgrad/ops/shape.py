"""Shape ops: views (reshape, transpose, permute, squeeze, unsqueeze, expand) and copies.

Views share memory and the version counter with their input, as in torch. Rules map the
gradient back to the input's layout: the inverse reshape or permutation. ``expand`` needs
no formula: the engine sums a gradient back over broadcast dimensions.
"""

from __future__ import annotations

import numpy as np

from .._dtype import to_numpy
from .._tensor import Tensor, _wrap_dim
from ._defop import LINEAR, apply, defop
from .inplace import inplace_method


def as_view(out: Tensor, input: Tensor, view_fn, always: bool = False) -> Tensor:
    """Mark ``out`` as a view of ``input``: same version counter, same base, and
    ``view_fn`` (base -> view, on arrays or tensors) to replay it after an in-place op.
    Unless ``always``, only where the arrays share memory (an empty result shares none)."""
    if always or np.may_share_memory(out._data, input._data):
        out._version_counter = input._version_counter
        out._view_version = input._version_counter[0]
        if input._base is None:
            out._base, out._view_fn = input, view_fn
        else:
            inner = input._view_fn
            out._base, out._view_fn = input._base, lambda b: view_fn(inner(b))
    return out


def _shape_arg(shape: tuple) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], list | tuple):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def _reshapes_as_view(x, shape) -> bool:
    if x.flags.c_contiguous or x.size == 0:
        return True
    try:
        np.reshape(x, shape, copy=False)
    except ValueError:  # a copy is needed (or the shape is invalid: _reshape raises then)
        return False
    return True


def _reshape(x, shape, in_shape=None):
    try:
        return np.reshape(x, shape)
    except ValueError:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {x.size}") from None


def _unreshape(g, r, x, shape, in_shape):
    return np.reshape(g, in_shape)


UnsafeViewBackward0 = defop("UnsafeViewBackward0", _unreshape, saves="none", jvp=LINEAR)
ViewBackward0 = defop("ViewBackward0", _unreshape, saves="none", jvp=LINEAR)


def reshape(input: Tensor, *shape) -> Tensor:
    """The same elements in a new shape (a view when the layout allows; -1 is inferred)."""
    shape = _shape_arg(shape)
    x = input._data
    # torch names the node after what happened: a view, or a copy then a view of it.
    node = ViewBackward0 if _reshapes_as_view(x, shape) else UnsafeViewBackward0
    out = apply(node, _reshape, input, shape=shape, in_shape=x.shape)
    new_shape = out._data.shape
    return as_view(out, input, lambda b: np.reshape(b, new_shape))


def view(input: Tensor, *shape) -> Tensor:
    """Like ``reshape`` but always a view: raises where the memory layout does not allow it."""
    if len(shape) == 1 and not isinstance(shape[0], list | tuple | int):
        return input.to(shape[0])
    out = reshape(input, *shape)
    if out._base is None and out._data.size:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
        )
    return out


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions ``start_dim..end_dim`` into one."""
    shape = input._data.shape
    if not shape:
        return reshape(input, 1)
    start, end = _wrap_dim(start_dim, len(shape)), _wrap_dim(end_dim, len(shape))
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end:
        return input
    merged = int(np.prod(shape[start : end + 1]))
    return reshape(input, shape[:start] + (merged,) + shape[end + 1 :])


def _perm_grad(g, r, x, dims):
    return np.transpose(g, np.argsort(dims))


PermuteBackward0 = defop("PermuteBackward0", _perm_grad, saves="none", jvp=LINEAR)
TransposeBackward0 = defop(
    "TransposeBackward0",
    lambda g, r, x, dim0, dim1: np.swapaxes(g, dim0, dim1) if dim0 != dim1 else g,
    saves="none",
    jvp=LINEAR,
)
TBackward0 = defop("TBackward0", lambda g, r, x: np.transpose(g), saves="none", jvp=LINEAR)


def permute(input: Tensor, *dims) -> Tensor:
    """Reorder the dimensions: output dim i is input dim ``dims[i]``."""
    dims = _shape_arg(dims)
    ndim = input._data.ndim
    if len(dims) != ndim:
        raise RuntimeError(
            f"permute(): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {ndim} is not "
            f"equal to len(dims) = {len(dims)}"
        )
    dims = tuple(_wrap_dim(d, ndim) for d in dims)
    if len(set(dims)) != ndim:
        raise RuntimeError(f"permute(): duplicate dims are not allowed, got {list(dims)}")
    out = apply(PermuteBackward0, _permute, input, dims=dims)
    return as_view(out, input, lambda b: np.transpose(b, dims))


def _permute(x, dims):
    return np.transpose(x, dims)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dimensions."""
    ndim = input._data.ndim
    d0, d1 = _wrap_dim(dim0, ndim), _wrap_dim(dim1, ndim)
    if not ndim:
        return apply(TransposeBackward0, lambda x, dim0, dim1: x, input, dim0=0, dim1=0)
    out = apply(TransposeBackward0, _swapaxes, input, dim0=d0, dim1=d1)
    return as_view(out, input, lambda b: np.swapaxes(b, d0, d1))


def _swapaxes(x, dim0, dim1):
    return np.swapaxes(x, dim0, dim1)


swapaxes = swapdims = transpose


def t(input: Tensor) -> Tensor:
    """Transpose a tensor of at most 2 dimensions."""
    if input._data.ndim > 2:
        raise RuntimeError(
            f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D; use "
            "transpose(dim0, dim1) or mT"
        )
    return as_view(apply(TBackward0, np.transpose, input), input, np.transpose)


def T(input: Tensor) -> Tensor:
    """All dimensions reversed (``x.T``)."""
    return permute(input, *reversed(range(input._data.ndim)))


def mT(input: Tensor) -> Tensor:
    """The last two dimensions swapped (``x.mT``)."""
    if input._data.ndim < 2:
        raise RuntimeError(
            "tensor.mT is only supported on matrices or batches of matrices. "
            f"Got {input.ndim}-D tensor."
        )
    return transpose(input, -2, -1)


UnsqueezeBackward0 = defop(
    "UnsqueezeBackward0", lambda g, r, x, dim: np.squeeze(g, dim), saves="none", jvp=LINEAR
)
SqueezeBackward0 = defop(
    "SqueezeBackward0", lambda g, r, x, in_shape: np.reshape(g, in_shape), saves="none", jvp=LINEAR
)
SqueezeBackward1 = defop("SqueezeBackward1", *SqueezeBackward0._vjps, saves="none", jvp=LINEAR)
SqueezeBackward2 = defop("SqueezeBackward2", *SqueezeBackward0._vjps, saves="none", jvp=LINEAR)


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a dimension of size 1 at ``dim``."""
    d = _wrap_dim(dim, input._data.ndim + 1)
    out = apply(UnsqueezeBackward0, _unsqueeze, input, dim=d)
    return as_view(out, input, lambda b: np.expand_dims(b, d))


def _unsqueeze(x, dim):
    return np.expand_dims(x, dim)


def squeeze(input: Tensor, dim=None) -> Tensor:
    """Remove dimensions of size 1 (all, or those in ``dim`` that have size 1)."""
    shape = input._data.shape
    if dim is None:
        node, axes = SqueezeBackward0, tuple(i for i, s in enumerate(shape) if s == 1)
    else:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        node = SqueezeBackward1 if isinstance(dim, int) else SqueezeBackward2
        axes = tuple(d for d in (_wrap_dim(d, len(shape)) for d in dims) if shape and shape[d] == 1)
    new_shape = tuple(s for i, s in enumerate(shape) if i not in axes)
    out = apply(node, lambda x, in_shape: np.reshape(x, new_shape), input, in_shape=shape)
    return as_view(out, input, lambda b: np.reshape(b, new_shape))


ExpandBackward0 = defop("ExpandBackward0", lambda g, r, x, shape: g, saves="none", jvp=LINEAR)


def expand(input: Tensor, *sizes) -> Tensor:
    """A broadcast view with new sizes (-1 keeps a size); no memory is copied."""
    sizes = _shape_arg(sizes)
    shape = input._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to "
            f"the number of dimensions in the tensor ({len(shape)})"
        )
    lead = len(sizes) - len(shape)
    for i, s in enumerate(sizes[:lead]):
        if s < 0:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) isn't allowed in a leading, "
                f"non-existing dimension {i}"
            )
    target = tuple(shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes))
    for i, n in enumerate(shape):
        if n != 1 and n != target[lead + i]:
            raise RuntimeError(
                f"The expanded size of the tensor ({target[lead + i]}) must match the existing "
                f"size ({n}) at non-singleton dimension {lead + i}.  Target sizes: "
                f"{list(sizes)}.  Tensor sizes: {list(shape)}"
            )
    out = apply(ExpandBackward0, np.broadcast_to, input, shape=target)
    return as_view(out, input, lambda b: np.broadcast_to(b, target))


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    """``expand`` to the shape of ``other``."""
    return expand(input, *other.shape)


def broadcast_to(input: Tensor, shape) -> Tensor:
    """A broadcast view of ``input`` with ``shape`` (``expand``)."""
    return expand(input, *shape)


CloneBackward0 = defop("CloneBackward0", lambda g, r, x: g, saves="none", jvp=LINEAR)
ToCopyBackward0 = defop("ToCopyBackward0", lambda g, r, x, dtype: g, saves="none", jvp=LINEAR)


def clone(input: Tensor, *, memory_format=None) -> Tensor:
    """A copy that is part of the graph (gradient passes through unchanged)."""
    return apply(CloneBackward0, _clone, input)


def _clone(x):
    # Like torch: keep a dense layout (a transpose stays transposed), but an expanded
    # tensor, whose elements overlap, becomes contiguous.
    overlapping = any(st == 0 and n > 1 for st, n in zip(x.strides, x.shape))
    return np.array(x, order="C" if overlapping else "K", copy=True)


def to(input: Tensor, *args, **kwargs) -> Tensor:
    """Convert to a dtype (``to(npgrad.float64)``, ``to(other)``); a no-op returns self."""
    dtype = kwargs.get("dtype")
    copy = kwargs.get("copy", False)
    for a in args:
        if isinstance(a, Tensor):
            dtype = a.dtype
        elif a is not None and not isinstance(a, str):
            dtype = a
        elif isinstance(a, str) and a != "cpu":
            raise RuntimeError(f"npgrad runs on the CPU only; can't move a tensor to '{a}'")
    target = to_numpy(dtype) if dtype is not None else input._data.dtype
    if target == input._data.dtype and not copy:
        return input
    if input._requires_grad and target.kind not in "fc":
        # The result can't require grad: record nothing.
        from .._tensor import wrap

        out = wrap(input._data.astype(target))
        out._origin = f"conversion to {target.name} (.to(), .long(), .int(), .bool())"
        return out
    return apply(ToCopyBackward0, lambda x, dtype: x.astype(dtype), input, dtype=target)


def contiguous(input: Tensor, memory_format=None) -> Tensor:
    """Self if already C-contiguous, else a copy in C order."""
    if input._data.flags.c_contiguous:
        return input
    return apply(CloneBackward0, np.ascontiguousarray, input)


def _expand_dims(a, axis):
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    ndim = a.ndim + len(axes)
    for d in sorted(x % ndim for x in axes):
        a = unsqueeze(a, d)
    return a


def _dims_arg(dims: tuple) -> tuple:
    """``f(x, 0, 1)``, ``f(x, (0, 1))`` and ``f(x, [0, 1])`` all give ``(0, 1)``."""
    if len(dims) == 1 and isinstance(dims[0], list | tuple):
        return tuple(dims[0])
    return tuple(dims)


def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    """Split dimension ``dim`` into ``sizes`` (one of them may be -1)."""
    shape = input._data.shape
    d = _wrap_dim(dim, len(shape))
    sizes = tuple(int(s) for s in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    n = shape[d] if shape else 1
    known = int(np.prod([s for s in sizes if s != -1]))
    if sizes.count(-1) > 1 or (-1 not in sizes and known != n) or (known and n % known):
        raise RuntimeError(
            f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim "
            f"{dim} ({n}) in the input tensor"
        )
    sizes = tuple((n // known if known else 0) if s == -1 else s for s in sizes)
    return reshape(input, shape[:d] + sizes + shape[d + 1 :])


def movedim(input: Tensor, source, destination) -> Tensor:
    """Move dimensions ``source`` to positions ``destination``; the others keep their order."""
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    ndim = input._data.ndim
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(src)} dims) should "
            f"contain the same number of dims as destination ({list(dst)} dims)"
        )
    src = tuple(_wrap_dim(d, ndim) for d in src)
    dst = tuple(_wrap_dim(d, ndim) for d in dst)
    for name, dims in (("source", src), ("destination", dst)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(dims)})")
    order = [None] * ndim
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(d for d in range(ndim) if d not in src)
    return permute(input, *(o if o is not None else next(rest) for o in order))


moveaxis = movedim


def _repeat_grad(g, r, x, sizes, in_shape):
    padded = (1,) * (len(sizes) - len(in_shape)) + tuple(in_shape)
    split = [n for pair in zip(sizes, padded) for n in pair]
    return g.reshape(split).sum(axis=tuple(range(0, len(split), 2))).reshape(in_shape)


RepeatBackward0 = defop("RepeatBackward0", _repeat_grad, saves="none", jvp=LINEAR)


def repeat(input: Tensor, *sizes) -> Tensor:
    """Tile the tensor ``sizes[i]`` times along each dimension (leading dims are added)."""
    sizes = _shape_arg(sizes)
    shape = input._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions "
            "of tensor"
        )
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {list(sizes)}")
    return apply(RepeatBackward0, _tile, input, sizes=sizes, in_shape=shape)


def _tile(x, sizes, in_shape):
    return np.tile(x, sizes) if sizes else x.copy()


def tile(input: Tensor, *dims) -> Tensor:
    """Like ``repeat``, but ``dims`` shorter than the tensor's shape are padded with ones."""
    dims = _shape_arg(dims)
    return repeat(input, *((1,) * (input._data.ndim - len(dims)) + dims))


FlipBackward0 = defop(
    "FlipBackward0", lambda g, r, x, dims: np.flip(g, dims), saves="none", jvp=LINEAR
)


def flip(input: Tensor, *dims) -> Tensor:
    """Reverse the order of the elements along ``dims`` (a copy)."""
    ndim = input._data.ndim
    wrapped = tuple(_wrap_dim(d, ndim) for d in _dims_arg(dims))
    for d in wrapped:
        if wrapped.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    wrapped = wrapped if ndim else ()
    return apply(FlipBackward0, _flip, input, dims=wrapped)


def _flip(x, dims):
    return np.flip(x, dims).copy()


def fliplr(input: Tensor) -> Tensor:
    """Reverse the columns (dimension 1) of a tensor of 2 or more dimensions."""
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, 1)


def flipud(input: Tensor) -> Tensor:
    """Reverse the rows (dimension 0) of a tensor of 1 or more dimensions."""
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, 0)


RollBackward0 = defop(
    "RollBackward0",
    lambda g, r, x, shifts, dims: np.roll(g, _neg(shifts), dims),
    saves="none",
    jvp=LINEAR,
)


def _neg(shifts):
    return -shifts if isinstance(shifts, int) else tuple(-s for s in shifts)


def roll(input: Tensor, shifts, dims=None) -> Tensor:
    """Shift elements cyclically along ``dims`` (the flattened tensor if no dims are given)."""
    shifts = (shifts,) if isinstance(shifts, int) else tuple(int(s) for s in shifts)
    dims = () if dims is None else (dims,) if isinstance(dims, int) else tuple(dims)
    if not dims:
        if len(shifts) != 1:
            raise RuntimeError(
                f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}"
            )
        return apply(RollBackward0, _roll, input, shifts=shifts[0], dims=None)
    if len(shifts) != len(dims):
        raise RuntimeError(
            f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}"
        )
    ndim = input._data.ndim
    if not ndim:
        raise IndexError(f"Dimension specified as {dims[0]} but tensor has no dimensions")
    dims = tuple(_wrap_dim(d, ndim) for d in dims)
    return apply(RollBackward0, _roll, input, shifts=shifts, dims=dims)


def _roll(x, shifts, dims):
    return np.roll(x, shifts, dims)


TrilBackward0 = defop("TrilBackward0", lambda g, r, x, k: np.tril(g, k), saves="none", jvp=LINEAR)
TriuBackward0 = defop("TriuBackward0", lambda g, r, x, k: np.triu(g, k), saves="none", jvp=LINEAR)


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dimensions (elements above ``diagonal`` zeroed)."""
    if input._data.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return apply(TrilBackward0, _tril, input, k=int(diagonal))


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dimensions (elements below ``diagonal`` zeroed)."""
    if input._data.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return apply(TriuBackward0, _triu, input, k=int(diagonal))


def _tril(x, k):
    return np.tril(x, k)


def _triu(x, k):
    return np.triu(x, k)


def _diagonal_view(a, offset: int, dim1: int, dim2: int):
    """A writable NumPy view of a diagonal (``np.diagonal`` gives a read-only one)."""
    n1, n2 = a.shape[dim1], a.shape[dim2]
    length = max(0, min(n1, n2 - offset) if offset >= 0 else min(n1 + offset, n2))
    if length:
        start = [_FULL] * a.ndim
        start[dim1], start[dim2] = slice(max(-offset, 0), None), slice(max(offset, 0), None)
        a = a[tuple(start)]
    rest = [d for d in range(a.ndim) if d not in (dim1, dim2)]
    shape = tuple(a.shape[d] for d in rest) + (length,)
    strides = tuple(a.strides[d] for d in rest) + (a.strides[dim1] + a.strides[dim2],)
    return np.lib.stride_tricks.as_strided(a, shape, strides)


_FULL = slice(None)


def _undiagonal(g, shape, offset, dim1, dim2):
    """Zeros of ``shape`` with ``g`` on the diagonal (the adjoint of ``diagonal``)."""
    if isinstance(g, Tensor):
        return apply(
            DiagonalBackwardBackward0,
            _undiagonal,
            g,
            shape=shape,
            offset=offset,
            dim1=dim1,
            dim2=dim2,
        )
    out = np.zeros(shape, dtype=g.dtype)
    _diagonal_view(out, offset, dim1, dim2)[...] = g
    return out


def _diagonal_grad(g, r, x, shape, offset, dim1, dim2):
    return _undiagonal(g, shape, offset, dim1, dim2)


DiagonalBackward0 = defop("DiagonalBackward0", _diagonal_grad, saves="none", jvp=LINEAR)
DiagonalBackward0_copy = defop("DiagonalBackward0_copy", _diagonal_grad, saves="none", jvp=LINEAR)
DiagonalBackwardBackward0 = defop(
    "DiagonalBackwardBackward0",
    lambda g, r, x, shape, offset, dim1, dim2: np.diagonal(g, offset, dim1, dim2),
    saves="none",
    jvp=LINEAR,
)


def _diagonal_args(input: Tensor, offset, dim1, dim2):
    ndim = input._data.ndim
    if ndim < 2:
        _wrap_dim(max(dim1, dim2) if min(dim1, dim2) >= 0 else min(dim1, dim2), ndim)
        raise RuntimeError("diagonal dimensions requires ndim larger than 1")
    d1, d2 = _wrap_dim(dim1, ndim), _wrap_dim(dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return int(offset), d1, d2


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A view of the diagonal of dims ``dim1``, ``dim2`` (``offset`` > 0: above it), appended
    as the last dimension."""
    k, d1, d2 = _diagonal_args(input, offset, dim1, dim2)
    out = apply(
        DiagonalBackward0,
        _diagonal_kernel,
        input,
        shape=input._data.shape,
        offset=k,
        dim1=d1,
        dim2=d2,
    )
    return as_view(out, input, lambda b: _diagonal_of(b, k, d1, d2), always=True)


def _diagonal_kernel(x, shape, offset, dim1, dim2):
    return _diagonal_view(x, offset, dim1, dim2)


def _diagonal_of(b, offset, dim1, dim2):
    if isinstance(b, Tensor):
        return diagonal(b, offset, dim1, dim2)
    return _diagonal_view(b, offset, dim1, dim2)


DiagEmbedBackward0 = defop(
    "DiagEmbedBackward0", lambda g, r, x, k: np.diagonal(g, k), saves="none", jvp=LINEAR
)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A 1-D tensor as the ``diagonal``-th diagonal of a square matrix, or a matrix's
    ``diagonal``-th diagonal as a 1-D tensor (a copy)."""
    ndim = input._data.ndim
    k = int(diagonal)
    if ndim == 1:
        return apply(DiagEmbedBackward0, lambda x, k: np.diag(x, k), input, k=k)
    if ndim != 2:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {ndim}D")
    return apply(
        DiagonalBackward0_copy,
        lambda x, shape, offset, dim1, dim2: _diagonal_view(x, offset, 0, 1).copy(),
        input,
        shape=input._data.shape,
        offset=k,
        dim1=0,
        dim2=1,
    )


def narrow(input: Tensor, dim: int, start, length: int) -> Tensor:
    """A view of ``length`` elements of dimension ``dim`` from ``start``."""
    from .indexing import SliceBackward0, basic_view

    shape = input._data.shape
    if not shape:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, len(shape))
    n, start, length = shape[d], int(start), int(length)
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if not -n <= start <= n:
        raise IndexError(
            f"start out of range (expected to be in range of [{-n}, {n}], but got {start})"
        )
    if start < 0:
        start += n
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    index = (_FULL,) * d + (slice(start, start + length),)
    return basic_view(input, index, SliceBackward0)


def ravel(input: Tensor) -> Tensor:
    """The elements as a 1-D tensor (a view when the tensor is contiguous)."""
    return reshape(contiguous(input), -1)


def atleast_1d(*tensors):
    """Each tensor with at least one dimension (a 0-d tensor becomes shape (1,))."""
    out = tuple(reshape(t, 1) if t._data.ndim == 0 else t for t in _tensors_arg(tensors))
    return out[0] if len(out) == 1 and not isinstance(tensors[0], list | tuple) else out


def atleast_2d(*tensors):
    """Each tensor with at least two dimensions (new dimensions in front)."""
    out = tuple(
        reshape(t, 1, 1) if t._data.ndim == 0 else unsqueeze(t, 0) if t._data.ndim == 1 else t
        for t in _tensors_arg(tensors)
    )
    return out[0] if len(out) == 1 and not isinstance(tensors[0], list | tuple) else out


def _tensors_arg(tensors: tuple) -> tuple:
    if len(tensors) == 1 and isinstance(tensors[0], list | tuple):
        return tuple(tensors[0])
    return tensors


def repeat_interleave(input: Tensor, repeats, dim=None, *, output_size=None) -> Tensor:
    """Repeat each element ``repeats`` times (an int, or one count per element) along
    ``dim`` (the flattened tensor if None)."""
    from .gather import index_select

    if dim is None:
        input, dim = flatten(input), 0
    d = _wrap_dim(dim, input._data.ndim)
    if isinstance(repeats, int):
        if repeats < 0:
            raise RuntimeError("repeats can not be negative")
        shape = input._data.shape
        if not shape:
            input, shape = reshape(input, 1), (1,)
        wide = expand(unsqueeze(input, d + 1), *shape[: d + 1], repeats, *shape[d + 1 :])
        return flatten(clone(wide), d, d + 1)
    counts = repeats._data if isinstance(repeats, Tensor) else np.asarray(repeats)
    n = input._data.shape[d] if input._data.ndim else 1
    if counts.ndim > 1 or (counts.ndim == 1 and counts.shape[0] not in (1, n)):
        raise RuntimeError("repeats must have the same size as input along dim")
    if (counts < 0).any():
        raise RuntimeError("repeats can not be negative")
    index = np.repeat(np.arange(n), np.broadcast_to(counts, (n,)))
    from .._tensor import wrap

    return index_select(input, d, wrap(index))


def _np_repeat(a, repeats, axis=None):
    if not isinstance(repeats, int) and np.ndim(repeats) == 0:
        repeats = int(repeats)
    return repeat_interleave(a, repeats, axis)


def _np_tile(A, reps):
    reps = (reps,) if isinstance(reps, int) else tuple(reps)
    if len(reps) < A.ndim:
        reps = (1,) * (A.ndim - len(reps)) + reps
    return repeat(A, *reps)


def view_as(input: Tensor, other: Tensor) -> Tensor:
    """``view`` with the shape of ``other``."""
    return view(input, *other.shape)


def reshape_as(input: Tensor, other: Tensor) -> Tensor:
    """``reshape`` to the shape of ``other``."""
    return reshape(input, *other.shape)


def type_as(input: Tensor, other: Tensor) -> Tensor:
    """``input`` converted to ``other``'s dtype."""
    return to(input, other.dtype)


def cpu(input: Tensor, memory_format=None) -> Tensor:
    """The tensor itself: npgrad tensors always live on the CPU."""
    return input


def _converter(dtype, name: str):
    def convert(self: Tensor, memory_format=None) -> Tensor:
        return to(self, dtype)

    convert.__name__ = name
    convert.__doc__ = f"``self.to(npgrad.{name})``."
    return convert


__all__ = [
    "atleast_1d",
    "atleast_2d",
    "broadcast_to",
    "clone",
    "diag",
    "diagonal",
    "flatten",
    "flip",
    "fliplr",
    "flipud",
    "moveaxis",
    "movedim",
    "narrow",
    "permute",
    "ravel",
    "repeat_interleave",
    "reshape",
    "roll",
    "squeeze",
    "swapaxes",
    "swapdims",
    "t",
    "tile",
    "transpose",
    "tril",
    "triu",
    "unflatten",
    "unsqueeze",
]
METHODS = {
    "reshape": reshape,
    "view": view,
    "flatten": flatten,
    "permute": permute,
    "transpose": transpose,
    "swapaxes": transpose,
    "swapdims": transpose,
    "t": t,
    "unsqueeze": unsqueeze,
    "squeeze": squeeze,
    "expand": expand,
    "expand_as": expand_as,
    "broadcast_to": broadcast_to,
    "unflatten": unflatten,
    "movedim": movedim,
    "moveaxis": movedim,
    "repeat": repeat,
    "tile": tile,
    "flip": flip,
    "fliplr": fliplr,
    "flipud": flipud,
    "roll": roll,
    "tril": tril,
    "triu": triu,
    "tril_": inplace_method(tril),
    "triu_": inplace_method(triu),
    "diagonal": diagonal,
    "diag": diag,
    "narrow": narrow,
    "ravel": ravel,
    "repeat_interleave": repeat_interleave,
    "clone": clone,
    "contiguous": contiguous,
    "to": to,
    "view_as": view_as,
    "reshape_as": reshape_as,
    "float": _converter(np.float32, "float32"),
    "double": _converter(np.float64, "float64"),
    "half": _converter(np.float16, "float16"),
    "long": _converter(np.int64, "int64"),
    "int": _converter(np.int32, "int32"),
    "bool": _converter(np.bool_, "bool"),
    "type_as": type_as,
    "cpu": cpu,
    "T": property(T),
    "mT": property(mT),
}
NUMPY = {
    np.reshape: lambda a, shape, **_: reshape(a, shape),
    np.swapaxes: transpose,
    np.transpose: lambda a, axes=None: permute(
        a, *(reversed(range(a.ndim)) if axes is None else axes)
    ),
    np.expand_dims: _expand_dims,
    np.squeeze: lambda a, axis=None: squeeze(a, axis),
    np.broadcast_to: lambda a, shape: expand(a, *shape),
    np.moveaxis: movedim,
    np.flip: lambda m, axis=None: flip(m, *(range(m.ndim) if axis is None else _dims_arg((axis,)))),
    np.roll: lambda a, shift, axis=None: roll(a, shift, axis),
    np.tile: _np_tile,
    np.tril: lambda m, k=0: tril(m, k),
    np.triu: lambda m, k=0: triu(m, k),
    np.diagonal: lambda a, offset=0, axis1=0, axis2=1: diagonal(a, offset, axis1, axis2),
    np.diag: lambda v, k=0: diag(v, k),
    np.ravel: lambda a, order="C": ravel(a),
    np.atleast_1d: atleast_1d,
    np.repeat: _np_repeat,
}
