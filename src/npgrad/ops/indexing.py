"""Indexing: ``x[index]`` and ``x[index] = value``, with torch's rules for every index form.

torch indexes in two steps, and so does this module: first the basic part (ints select,
slices narrow, None inserts a dimension, Ellipsis skips dimensions) gives a view; then the
index tensors, if any, pick elements of that view (a copy). Index tensors next to each other
put their dimensions where they stand, otherwise in front, as in NumPy; but an int is always
a basic step (NumPy would treat it as an index array when mixed with arrays).

Rules: the gradient of ``x[index]`` is the incoming gradient scattered back into zeros of
x's shape, adding where an index repeats; that scatter is itself an op whose gradient is
indexing again, so double backward works.
"""

from __future__ import annotations

import operator
import warnings

import numpy as np

from .._tensor import Tensor, wrap
from ._defop import LINEAR, apply, defop

_FULL = slice(None)


class Index:
    """A parsed torch index: ``basic`` (a NumPy basic index) then ``adv`` (None, or a NumPy
    index of full slices and integer/bool arrays applied to the result of ``basic``)."""

    __slots__ = ("basic", "adv", "node", "noop", "basic_shape")

    def apply(self, a):
        a = a[self.basic]
        return a if self.adv is None else a[self.adv]


def _seq_as_tuple(index) -> bool:
    """torch (like old NumPy) reads a short list holding sequences, tensors, slices, None or
    Ellipsis as a tuple of indices: ``x[[[0, 1], [1, 2]]]`` is ``x[[0, 1], [1, 2]]``."""
    if not isinstance(index, list) or len(index) >= 32:
        return False
    return any(
        isinstance(i, list | tuple | Tensor | np.ndarray | slice) or i is None or i is Ellipsis
        for i in index
    )


def _as_array(i):
    """The array of an index tensor or sequence (None for ints, slices, None, Ellipsis)."""
    if isinstance(i, Tensor):
        return i._data
    if isinstance(i, np.ndarray):
        return i
    if isinstance(i, list | tuple):
        a = np.asarray([x._data if isinstance(x, Tensor) else x for x in i])
        if a.dtype == object:
            raise IndexError("an index sequence must be a (nested) list of integers or bools")
        return a.astype(np.int64) if a.size == 0 else a
    if isinstance(i, str):
        raise TypeError(f"new(): invalid data type '{type(i).__name__}'")
    return None


def parse(index, shape: tuple) -> Index:
    """Turn a torch index into an ``Index`` for a tensor of ``shape``; raise torch's errors."""
    if isinstance(index, tuple):
        items = index
    elif _seq_as_tuple(index):
        items = tuple(index)
    else:
        items = (index,)
    ndim = len(shape)
    parts = []  # (kind, value): int, slice, none, ellipsis, bool (a Python bool), array
    specified = 0
    for i in items:
        if i is None or i is Ellipsis:
            parts.append(("none" if i is None else "ellipsis", i))
            continue
        if isinstance(i, bool):
            parts.append(("bool", i))
            continue
        if isinstance(i, int | np.integer):
            parts.append(("int", int(i)))
            specified += 1
            continue
        if isinstance(i, slice):
            i = slice(
                *(None if b is None else operator.index(b) for b in (i.start, i.stop, i.step))
            )
            if i.step is not None and i.step <= 0:
                if i.step == 0:
                    raise ValueError("slice step cannot be zero")
                raise ValueError("step must be greater than zero")
            parts.append(("slice", i))
            specified += 1
            continue
        a = _as_array(i)
        if a is None:
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                f"Variables are valid indices (got {type(i).__name__})"
            )
        kind = a.dtype.kind
        if a.dtype == np.uint8:
            warnings.warn(
                "indexing with dtype torch.uint8 is now deprecated, please use a dtype "
                "torch.bool instead.",
                UserWarning,
                stacklevel=3,
            )
            a, kind = a.astype(bool), "b"
        if kind not in "iub" or a.dtype == np.int8 or a.dtype == np.int16:
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        if a.ndim == 0:
            if kind == "b":
                parts.append(("bool", bool(a)))
            else:
                parts.append(("int", int(a)))
                specified += 1
            continue
        parts.append(("array", a))
        specified += a.ndim if kind == "b" else 1
    if specified > ndim:
        if ndim == 0 and parts and parts[0][0] == "int":
            raise IndexError(
                "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number"
            )
        raise IndexError(f"too many indices for tensor of dimension {ndim}")

    basic, adv = [], []  # adv: (position in the basic result, array)
    src = dst = 0  # the next dimension of the input, and of the basic result
    steps = []  # what torch records for each basic step, for the node's name
    for kind, v in parts:
        if kind == "int":
            n = shape[src]
            if not -n <= v < n:
                raise IndexError(f"index {v} is out of bounds for dimension {src} with size {n}")
            basic.append(v)
            steps.append("select")
            src += 1
        elif kind == "slice":
            basic.append(v)
            steps.append(("slice", _is_full(v, shape[src])))
            src += 1
            dst += 1
        elif kind == "ellipsis":
            n = min(ndim - specified, ndim - src)
            basic.extend([_FULL] * n)
            src += n
            dst += n
        elif kind == "none":
            basic.append(None)
            steps.append("unsqueeze")
            dst += 1
        elif kind == "bool":
            basic.append(None)
            steps.append("unsqueeze")
            adv.append((dst, np.zeros(1 if v else 0, dtype=np.int64)))
            dst += 1
        else:  # an index array
            k = v.ndim if v.dtype.kind == "b" else 1
            if v.dtype.kind == "b":
                if v.shape != shape[src : src + k]:
                    raise IndexError(
                        f"The shape of the mask {list(v.shape)} at index {src} does not match "
                        f"the shape of the indexed tensor {list(shape)} at index {src}"
                    )
            elif v.size:
                n = shape[src]
                lo, hi = int(v.min()), int(v.max())
                if lo < -n or hi >= n:
                    bad = lo if lo < -n else hi
                    raise IndexError(
                        f"index {bad} is out of bounds for dimension {src} with size {n}"
                    )
            basic.extend([_FULL] * k)
            adv.append((dst, v))
            src += k
            dst += k

    out = Index()
    out.basic = (*basic, Ellipsis)  # the trailing Ellipsis keeps 0-d results views
    out.noop = all(s != "select" and s != "unsqueeze" and s[1] for s in steps)
    if adv:
        _check_broadcast([a for _, a in adv])
        index, at = [], 0
        for pos, a in adv:
            index.extend([_FULL] * (pos - at))
            index.append(a)
            at = pos + (a.ndim if a.dtype.kind == "b" else 1)
        out.adv = tuple(index)
        out.node = IndexBackward0
    else:
        out.adv = None
        out.node = _node_for(steps, single=not isinstance(index, tuple) and len(items) == 1)
    out.basic_shape = None
    return out


def _is_full(s: slice, n: int) -> bool:
    """torch skips a slice that starts at 0 (not -n), steps by 1 and stops at n or later."""
    return (
        (s.start is None or s.start == 0)
        and (s.step is None or s.step == 1)
        and (s.stop is None or s.stop >= n)
    )


def _check_broadcast(arrays: list) -> None:
    shapes = []
    for a in arrays:
        if a.dtype.kind == "b":
            shapes.extend([(int(a.sum()),)] * a.ndim)
        else:
            shapes.append(a.shape)
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        listed = ", ".join(str(list(s)) for s in shapes)
        raise IndexError(
            f"shape mismatch: indexing tensors could not be broadcast together with shapes {listed}"
        ) from None


def _node_for(steps: list, single: bool) -> type:
    """torch names the node after the last basic step; a full slice is no step (except as
    the whole index), and an index of no steps at all makes an alias."""
    node = AliasBackward0
    for s in steps:
        if s == "select":
            node = SelectBackward0
        elif s == "unsqueeze":
            node = UnsqueezeBackward0
        elif single or not s[1]:
            node = SliceBackward0
    return node


def unindex(g, index: tuple, shape: tuple, advanced: bool):
    """Zeros of ``shape`` with ``g`` added at the NumPy ``index`` (the adjoint of ``x[index]``)."""
    if isinstance(g, Tensor):
        return apply(
            IndexBackwardBackward0, _unindex, g, index=index, shape=shape, advanced=advanced
        )
    return _unindex(g, index, shape, advanced)


def _unindex(g, index, shape, advanced):
    out = np.zeros(shape, dtype=g.dtype)
    if advanced:
        np.add.at(out, index, g)
    else:
        out[index] = g
    return out


IndexBackwardBackward0 = defop(
    "IndexBackwardBackward0",
    lambda g, r, x, index, shape, advanced: g[index],
    saves="none",
    jvp=LINEAR,
)


def _getitem_grad(g, r, x, index, shape):
    if index.adv is not None:
        g = unindex(g, index.adv, index.basic_shape, True)
        if index.noop and index.basic_shape == shape:
            return g
    return unindex(g, index.basic, shape, False)


IndexBackward0 = defop("IndexBackward0", _getitem_grad, saves="none", jvp=LINEAR)
SliceBackward0 = defop("SliceBackward0", _getitem_grad, saves="none", jvp=LINEAR)
SelectBackward0 = defop("SelectBackward0", _getitem_grad, saves="none", jvp=LINEAR)
UnsqueezeBackward0 = defop("UnsqueezeBackward0", _getitem_grad, saves="none", jvp=LINEAR)
AliasBackward0 = defop("AliasBackward0", _getitem_grad, saves="none", jvp=LINEAR)


def _take(x, index, shape):
    out = x[index.basic]
    return out if index.adv is None else out[index.adv]


def getitem(input: Tensor, index) -> Tensor:
    """``input[index]``: basic indexing gives a view, index tensors and masks a copy."""
    idx = parse(index, input._data.shape)
    return index_with(input, idx)


def index_with(input: Tensor, idx: Index, node: type | None = None) -> Tensor:
    """``input`` indexed by a parsed index (a view when it is basic), recorded as ``node``."""
    if idx.adv is not None:
        idx.basic_shape = input._data[idx.basic].shape
    out = apply(node or idx.node, _take, input, index=idx, shape=input._data.shape)
    if idx.adv is not None:
        return out
    from .shape import as_view

    basic = idx.basic
    return as_view(out, input, lambda b: b[basic], always=True)


def basic_view(input: Tensor, index: tuple, node: type) -> Tensor:
    """A view of ``input`` by a NumPy basic ``index`` (ints, slices, None), named ``node``."""
    idx = Index()
    idx.basic, idx.adv, idx.noop, idx.basic_shape = (*index, Ellipsis), None, False, None
    return index_with(input, idx, node)


# --- x[index] = value ---------------------------------------------------------------------
def _index_put_grad_self(g, r, x, value, index, accumulate, keep):
    return g if accumulate else g * keep


IndexPutBackward0 = defop(
    "IndexPutBackward0",
    _index_put_grad_self,
    lambda g, r, x, value, index, accumulate, keep: g[index],
    saves="none",
    jvp=LINEAR,
)


def _index_put(input: Tensor, index: tuple, value, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``value`` written (or added) at the NumPy index ``index``."""
    target = np.empty(input._data.shape, dtype=bool)
    picked = target[index].shape
    if not isinstance(value, Tensor):
        value = wrap(np.asarray(value))  # a constant input: zero tangent, so the op is linear
    vshape = value._data.shape
    try:
        if np.broadcast_shapes(vshape, picked) != picked:
            raise ValueError
    except ValueError:
        raise RuntimeError(
            f"shape mismatch: value tensor of shape {list(vshape)} cannot be broadcast to "
            f"indexing result of shape {list(picked)}"
        ) from None
    keep = None
    if not accumulate and input._requires_grad:
        keep = np.ones(input._data.shape, dtype=input._data.dtype)
        keep[index] = 0
    return apply(
        IndexPutBackward0, _put, input, value, index=index, accumulate=accumulate, keep=keep
    )


def _put(x, value, index, accumulate, keep):
    out = x.copy()
    value = np.asarray(value).astype(x.dtype, copy=False)
    if accumulate:
        np.add.at(out, index, value)
    else:
        out[index] = value
    return out


def index_put(input: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``values`` put at ``input[indices]`` (``accumulate``: added)."""
    idx = parse(tuple(indices), input._data.shape)
    return _index_put(input, idx.adv if idx.adv is not None else idx.basic, values, accumulate)


def _check_value(value, self: Tensor):
    if isinstance(value, Tensor | bool | int | float | complex | np.number | np.bool_):
        return value
    kind = type(value)
    name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
    raise TypeError(f"can't assign a {name} to a tensor of dtype {self.dtype}")


def _setitem(self: Tensor, index, value) -> None:
    from .inplace import copied, filled, inplace
    from .shape import expand, reshape

    value = _check_value(value, self)
    idx = parse(index, self._data.shape)
    if index is False:  # torch writes nothing
        return
    target = self if idx.noop else basic_view(self, idx.basic[:-1], SliceBackward0)
    if idx.adv is not None:
        if isinstance(value, Tensor) and value._data.dtype != self._data.dtype:
            raise RuntimeError(
                "Index put requires the source and destination dtypes match, got "
                f"{_type_name(self)} for the destination and {_type_name(value)} for the "
                "source."
            )
        inplace(target, _index_put, idx.adv, value)
        return
    if isinstance(value, Tensor) and value._data.dtype != self._data.dtype:
        value = value.to(self.dtype)
    if isinstance(value, Tensor):
        shape, vshape = target._data.shape, value._data.shape
        lead = 0
        while len(vshape) - lead > len(shape) and vshape[lead] == 1:
            lead += 1
        if lead:
            value = reshape(value, vshape[lead:])
        if value._data.shape != shape:
            value = expand(value, *shape)
    if target is self:
        if isinstance(value, Tensor):
            inplace(self, copied, value)
        else:
            inplace(self, filled, wrap(np.asarray(value, dtype=self._data.dtype)))
    elif target._data.size or target._base is None:
        inplace(target, copied, value)


_TYPE_NAMES = {"float64": "Double", "float32": "Float", "float16": "Half", "int64": "Long"}


def _type_name(t: Tensor) -> str:
    """torch's scalar type names in messages: Double, Float, Long, ..."""
    return _TYPE_NAMES.get(t._data.dtype.name, t._data.dtype.name.capitalize())


def index_put_(self: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    """In-place version of ``index_put``."""
    from .inplace import inplace

    return inplace(self, index_put, indices, values, accumulate)


def nonzero(input: Tensor, *, as_tuple: bool = False):
    """Indices of the non-zero elements (a (n, ndim) tensor, or a tuple of 1-D tensors)."""
    idx = np.nonzero(input._data) if input._data.ndim else np.nonzero(input._data.reshape(1))
    if as_tuple:
        return tuple(wrap(i.astype(np.int64)) for i in idx)
    if not input._data.ndim:
        return wrap(np.zeros((int(input._data != 0), 0), dtype=np.int64))
    return wrap(np.stack(idx, axis=1).astype(np.int64))


__all__ = ["index_put", "nonzero"]
METHODS = {
    "__getitem__": getitem,
    "__setitem__": _setitem,
    "index_put": index_put,
    "index_put_": index_put_,
    "nonzero": nonzero,
}
NUMPY: dict = {}
