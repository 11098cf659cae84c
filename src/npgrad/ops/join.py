"""Joining and splitting tensors: cat, stack, hstack, vstack, split, chunk, unbind,
tensor_split.

``cat`` and ``stack`` take any number of inputs, so their node classes are made per arity;
each input's rule cuts its own slab out of the gradient. ``split``, ``chunk`` and ``unbind``
return views that share one node with several outputs (as torch's ``SplitBackward0``); its
rule joins the gradients of the outputs back together, with zeros for outputs that got none;
its JVP splits the input's tangent the same way.
"""

from __future__ import annotations

import functools

import numpy as np

from .._dtype import promote_types
from .._tensor import Tensor, _wrap_dim, wrap
from ..autograd.grad_mode import state
from ..autograd.node import _sequence, edge_of, inplace_epoch
from ._defop import LINEAR, OpNode, apply, defop, forward, forward_active
from .indexing import SliceBackward0, basic_view
from .shape import as_view, atleast_1d, atleast_2d

_FULL = slice(None)


def _tensor_list(tensors, name: str) -> list:
    if isinstance(tensors, Tensor) or not isinstance(tensors, list | tuple):
        raise TypeError(
            f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not "
            f"{type(tensors).__name__}"
        )
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}"
            )
    return list(tensors)


def _common_dtype(tensors) -> np.dtype:
    return functools.reduce(promote_types, (t._data.dtype for t in tensors))


# --- cat -----------------------------------------------------------------------------------
def _cat_rule(i: int):
    def rule(g, r, *inputs, dim, bounds):
        start, stop = bounds[i]
        if start is None:  # a skipped empty 1-D input
            return g.reshape(-1)[:0]
        return g[(_FULL,) * dim + (slice(start, stop),)]

    return rule


@functools.cache
def _cat_node(n: int) -> type:
    return defop("CatBackward0", *(_cat_rule(i) for i in range(n)), saves="none", jvp=LINEAR)


def cat(tensors, dim: int = 0) -> Tensor:
    """Join tensors along an existing dimension ``dim``; all other sizes must match (1-D
    empty tensors are skipped, as in torch)."""
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if t._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    kept = [t for t in tensors if t._data.shape != (0,)]
    dtype = _common_dtype(tensors)
    if not kept:
        d, bounds = _wrap_dim(dim, 1), [(None, None)] * len(tensors)
        return apply(_cat_node(len(tensors)), lambda *xs, **_: np.zeros(0, dtype), *tensors,
                     dim=d, bounds=bounds)  # fmt: skip
    first = kept[0]._data.shape
    d = _wrap_dim(dim, len(first))
    bounds, at = [], 0
    for i, t in enumerate(tensors):
        shape = t._data.shape
        if shape == (0,):
            bounds.append((None, None))
            continue
        if len(shape) != len(first):
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got {len(first)} and {len(shape)}"
            )
        for j, (a, b) in enumerate(zip(first, shape)):
            if j != d and a != b:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size {a} "
                    f"but got size {b} for tensor number {i} in the list."
                )
        bounds.append((at, at + shape[d]))
        at += shape[d]
    return apply(_cat_node(len(tensors)), _cat_kernel, *tensors, dim=d, bounds=bounds)


def _cat_kernel(*arrays, dim, bounds):
    dtype = functools.reduce(promote_types, (a.dtype for a in arrays))
    kept = [a for a, b in zip(arrays, bounds) if b[0] is not None]
    return np.concatenate(kept, axis=dim, dtype=dtype)


concat = cat


def concatenate(tensors, dim: int = 0, *, axis=None) -> Tensor:
    """``cat`` under NumPy's name (``axis`` is accepted as an alias of ``dim``)."""
    return cat(tensors, dim if axis is None else axis)


def _np_concatenate(arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    if out is not None or dtype is not None:
        raise TypeError("numpy.concatenate on npgrad tensors supports no out= or dtype=")
    tensors = [a if isinstance(a, Tensor) else wrap(np.asarray(a)) for a in arrays]
    if axis is None:
        from .shape import reshape

        tensors = [reshape(t, -1) for t in tensors]
        axis = 0
    return cat(tensors, axis)


# --- stack ---------------------------------------------------------------------------------
def _stack_rule(i: int):
    def rule(g, r, *inputs, dim):
        return g[(_FULL,) * dim + (i,)]

    return rule


@functools.cache
def _stack_node(n: int) -> type:
    return defop("StackBackward0", *(_stack_rule(i) for i in range(n)), saves="none", jvp=LINEAR)


def stack(tensors, dim: int = 0) -> Tensor:
    """Join tensors of equal shape along a new dimension ``dim``."""
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    first = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != first:
            raise RuntimeError(
                "stack expects each tensor to be equal size, but got "
                f"{list(first)} at entry 0 and {list(t._data.shape)} at entry {i}"
            )
    d = _wrap_dim(dim, len(first) + 1)
    return apply(_stack_node(len(tensors)), _stack_kernel, *tensors, dim=d)


def _stack_kernel(*arrays, dim):
    dtype = functools.reduce(promote_types, (a.dtype for a in arrays))
    return np.stack(arrays, axis=dim, dtype=dtype)


def _np_stack(arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    if out is not None or dtype is not None:
        raise TypeError("numpy.stack on npgrad tensors supports no out= or dtype=")
    return stack([a if isinstance(a, Tensor) else wrap(np.asarray(a)) for a in arrays], axis)


def hstack(tensors) -> Tensor:
    """Join tensors column-wise: along dim 0 for 1-D tensors, else along dim 1."""
    tensors = atleast_1d(_tensor_list(tensors, "hstack"))
    return cat(tensors, 0 if tensors and tensors[0]._data.ndim == 1 else 1)


def vstack(tensors) -> Tensor:
    """Join tensors row-wise (1-D tensors become rows)."""
    return cat(atleast_2d(_tensor_list(tensors, "vstack")), 0)


# --- split, chunk, unbind: one node, several view outputs ----------------------------------
class MultiOutputNode(OpNode):
    """A recorded op with several outputs; its rules get a list of output gradients (None
    for an output no gradient reached)."""

    __slots__ = ("_n_outputs",)
    _multi = True


def _link_views(cls, outs: list, input: Tensor, indexes: list, params: dict) -> tuple:
    """The outputs of a splitting op: views of ``input`` at the basic ``indexes``, recorded
    as outputs of one ``cls`` node when the graph needs it."""
    node = None
    if state.enabled and input._requires_grad:
        node = object.__new__(cls)
        fn, nr = edge_of(input)
        node._next, node._next_nr = (fn,), (nr,)
        node._seq = next(_sequence)
        node._shape = tuple(o.shape for o in outs)
        node._dtype = tuple(o.dtype for o in outs)
        node._n_outputs = len(outs)
        node._tensor_hooks = node._retained = None
        node._params = params
        node._saved = node._versions = None
        node._epoch = inplace_epoch[0]
        node._result = node._result_counter = None
        node._result_version = 0
    results = []
    for i, (o, index) in enumerate(zip(outs, indexes)):
        t = wrap(o, node)
        t._output_nr = i if node is not None else 0
        results.append(as_view(t, input, lambda b, index=index: b[index], always=True))
    results = tuple(results)
    if forward_active[0]:
        forward(cls, None, (input,), params, results)
    return results


def _fill(grads, shapes, dtypes):
    """The output gradients with zeros where none arrived."""
    like = next(g for g in grads if g is not None)
    return [
        g if g is not None else _zeros_as(like, shape, dtype)
        for g, shape, dtype in zip(grads, shapes, dtypes)
    ]


def _zeros_as(like, shape, dtype):
    z = np.zeros(shape, dtype=dtype)
    return wrap(z) if isinstance(like, Tensor) else z


def _split_grad(grads, r, x, dim, shapes, dtypes):
    return np.concatenate(_fill(grads, shapes, dtypes), axis=dim)


def _unbind_grad(grads, r, x, dim, shapes, dtypes):
    return np.stack(_fill(grads, shapes, dtypes), axis=dim)


def _split_jvp(tangents, results, x, dim, shapes, dtypes):
    return split(tangents[0], [s[dim] for s in shapes], dim)


def _unbind_jvp(tangents, results, x, dim, shapes, dtypes):
    return unbind(tangents[0], dim)


def _multi_node(name: str, rule, jvp) -> type:
    attrs = {
        "__slots__": (),
        "_vjps": (rule,),
        "_jvp": jvp,
        "_saves_inputs": False,
        "_saves_result": False,
    }
    return type(name, (MultiOutputNode,), attrs)


SplitBackward0 = _multi_node("SplitBackward0", _split_grad, _split_jvp)
SplitWithSizesBackward0 = _multi_node("SplitWithSizesBackward0", _split_grad, _split_jvp)
UnbindBackward0 = _multi_node("UnbindBackward0", _unbind_grad, _unbind_jvp)


def _split_sizes(input: Tensor, sizes: list, dim: int, cls: type) -> tuple:
    data = input._data
    indexes, at = [], 0
    for s in sizes:
        indexes.append((_FULL,) * dim + (slice(at, at + s), Ellipsis))
        at += s
    outs = [data[i] for i in indexes]
    params = {"dim": dim, "shapes": [o.shape for o in outs], "dtypes": [data.dtype] * len(outs)}
    return _link_views(cls, outs, input, indexes, params)


def split(tensor: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Views of consecutive pieces along ``dim``: of ``split_size_or_sections`` elements each
    (the last may be smaller), or of the listed sizes."""
    if not tensor._data.ndim:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = _wrap_dim(dim, tensor._data.ndim)
    n = tensor._data.shape[d]
    if isinstance(split_size_or_sections, list | tuple):
        sizes = [int(s) for s in split_size_or_sections]
        if any(s < 0 for s in sizes) or sum(sizes) != n:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's "
                f"size at dimension {d}), but got split_sizes={sizes}"
            )
        return _split_sizes(tensor, sizes, d, SplitWithSizesBackward0)
    size = int(split_size_or_sections)
    if size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={size}")
    if size == 0 and n:
        raise RuntimeError(
            f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}"
        )
    count = max(-(-n // size), 1) if size else 1
    sizes = [size] * (count - 1) + [n - size * (count - 1)]
    return _split_sizes(tensor, sizes, d, SplitBackward0)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """Split into ``chunks`` views of equal size along ``dim`` (the last may be smaller;
    fewer if the size does not allow as many)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if not input._data.ndim:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    d = _wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    if n == 0:
        return _split_sizes(input, [0] * chunks, d, SplitBackward0)
    return split(input, -(-n // chunks), d)


def unbind(input: Tensor, dim: int = 0) -> tuple:
    """The slices along ``dim``, as views, that dimension removed."""
    if not input._data.ndim:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    data = input._data
    d = _wrap_dim(dim, data.ndim)
    indexes = [(_FULL,) * d + (i, Ellipsis) for i in range(data.shape[d])]
    outs = [data[i] for i in indexes]
    params = {"dim": d, "shapes": [o.shape for o in outs], "dtypes": [data.dtype] * len(outs)}
    return _link_views(UnbindBackward0, outs, input, indexes, params)


def tensor_split(input: Tensor, indices_or_sections, dim: int = 0) -> tuple:
    """Views split along ``dim`` into that many near-equal sections, or at the given indices
    (NumPy's ``array_split``)."""
    if not input._data.ndim:
        raise RuntimeError(
            "tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims"
        )
    d = _wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    spec = indices_or_sections
    if isinstance(spec, Tensor):
        spec = spec.tolist()
    if isinstance(spec, int):
        if spec <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {spec}")
        small, extra = divmod(n, spec)
        cuts = list(np.cumsum([small + 1] * extra + [small] * (spec - extra))[:-1])
    else:
        cuts = [int(i) for i in spec]
    edges = [0, *cuts, None]
    return tuple(
        basic_view(input, (_FULL,) * d + (slice(a, b),), SliceBackward0)
        for a, b in zip(edges[:-1], edges[1:])
    )


def _np_array_split(ary, indices_or_sections, axis=0):
    if isinstance(indices_or_sections, int) and indices_or_sections <= 0:
        raise ValueError("number sections must be larger than 0.")
    return list(tensor_split(ary, indices_or_sections, axis))


def _np_split(ary, indices_or_sections, axis=0):
    if isinstance(indices_or_sections, int) and ary.shape[axis] % indices_or_sections:
        raise ValueError("array split does not result in an equal division")
    return _np_array_split(ary, indices_or_sections, axis)


__all__ = [
    "cat",
    "chunk",
    "concat",
    "concatenate",
    "hstack",
    "split",
    "stack",
    "tensor_split",
    "unbind",
    "vstack",
]
METHODS = {
    "split": split,
    "chunk": chunk,
    "unbind": unbind,
    "tensor_split": tensor_split,
}
NUMPY = {
    np.concatenate: _np_concatenate,
    np.stack: _np_stack,
    np.split: _np_split,
    np.array_split: _np_array_split,
}
