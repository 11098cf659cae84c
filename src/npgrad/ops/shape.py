"""Shape ops: views (reshape, transpose, permute, squeeze, unsqueeze, expand) and copies.

Views share memory and the version counter with their input, as in torch. Rules map the
gradient back to the input's layout: the inverse reshape or permutation. ``expand`` needs
no formula: the engine sums a gradient back over broadcast dimensions.
"""

from __future__ import annotations

import numpy as np

from .._dtype import to_numpy
from .._tensor import Tensor, _wrap_dim
from ._defop import apply, defop


def as_view(out: Tensor, input: Tensor, view_fn) -> Tensor:
    """Mark ``out`` as a view of ``input``: same version counter, same base, and
    ``view_fn`` (base -> view, on arrays or tensors) to replay it after an in-place op."""
    if np.may_share_memory(out._data, input._data):
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


def _reshape(x, shape, in_shape=None):
    try:
        return np.reshape(x, shape)
    except ValueError:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {x.size}") from None


UnsafeViewBackward0 = defop(
    "UnsafeViewBackward0", lambda g, r, x, shape, in_shape: np.reshape(g, in_shape), saves="none"
)
ViewBackward0 = defop(
    "ViewBackward0", lambda g, r, x, shape, in_shape: np.reshape(g, in_shape), saves="none"
)


def reshape(input: Tensor, *shape) -> Tensor:
    """The same elements in a new shape (a view when the layout allows; -1 is inferred)."""
    shape = _shape_arg(shape)
    data = _reshape(input._data, shape)
    # torch names the node after what happened: a view, or a copy then a view of it.
    is_view = data.size == 0 or np.may_share_memory(data, input._data)
    node = ViewBackward0 if is_view else UnsafeViewBackward0
    out = apply(
        node, lambda x, shape, in_shape: data, input, shape=shape, in_shape=input._data.shape
    )
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


PermuteBackward0 = defop("PermuteBackward0", _perm_grad, saves="none")
TransposeBackward0 = defop(
    "TransposeBackward0",
    lambda g, r, x, dim0, dim1: np.swapaxes(g, dim0, dim1) if dim0 != dim1 else g,
    saves="none",
)
TBackward0 = defop("TBackward0", lambda g, r, x: np.transpose(g), saves="none")


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
    "UnsqueezeBackward0", lambda g, r, x, dim: np.squeeze(g, dim), saves="none"
)
SqueezeBackward0 = defop(
    "SqueezeBackward0", lambda g, r, x, in_shape: np.reshape(g, in_shape), saves="none"
)
SqueezeBackward1 = defop("SqueezeBackward1", *SqueezeBackward0._vjps, saves="none")
SqueezeBackward2 = defop("SqueezeBackward2", *SqueezeBackward0._vjps, saves="none")


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


ExpandBackward0 = defop("ExpandBackward0", lambda g, r, x, shape: g, saves="none")


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
    target = tuple(shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes))
    try:
        np.broadcast_shapes(shape, target)
    except ValueError:
        raise RuntimeError(
            f"The expanded size of the tensor ({list(target)}) must match the existing size "
            f"({list(shape)}) at each non-singleton dimension"
        ) from None
    out = apply(ExpandBackward0, np.broadcast_to, input, shape=target)
    return as_view(out, input, lambda b: np.broadcast_to(b, target))


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    return expand(input, *other.shape)


def broadcast_to(input: Tensor, shape) -> Tensor:
    return expand(input, *shape)


CloneBackward0 = defop("CloneBackward0", lambda g, r, x: g, saves="none")
ToCopyBackward0 = defop("ToCopyBackward0", lambda g, r, x, dtype: g, saves="none")


def clone(input: Tensor, *, memory_format=None) -> Tensor:
    """A copy that is part of the graph (gradient passes through unchanged)."""
    return apply(CloneBackward0, np.copy, input)


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

        return wrap(input._data.astype(target))
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


__all__ = [
    "broadcast_to",
    "clone",
    "expand",
    "flatten",
    "permute",
    "reshape",
    "squeeze",
    "swapaxes",
    "swapdims",
    "t",
    "transpose",
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
    "clone": clone,
    "contiguous": contiguous,
    "to": to,
    "view_as": lambda self, other: view(self, *other.shape),
    "reshape_as": lambda self, other: reshape(self, *other.shape),
    "float": lambda self: to(self, np.float32),
    "double": lambda self: to(self, np.float64),
    "half": lambda self: to(self, np.float16),
    "long": lambda self: to(self, np.int64),
    "int": lambda self: to(self, np.int32),
    "bool": lambda self: to(self, np.bool_),
    "type_as": lambda self, other: to(self, other.dtype),
    "cpu": lambda self: self,
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
}
