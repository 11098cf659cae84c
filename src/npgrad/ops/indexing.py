"""Indexing: ``x[index]`` (ints, slices, None, Ellipsis, integer and boolean arrays) and
``x[index] = value``.

Rules: the gradient of ``x[index]`` is the incoming gradient scattered back into zeros of
x's shape, adding where an index repeats; that scatter is itself an op whose gradient is
indexing again, so double backward works.
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ._defop import apply, defop


def convert_index(index) -> tuple[tuple, bool]:
    """Turn a torch-style index into a NumPy one; also say whether it is advanced."""
    if not isinstance(index, tuple):
        index = (index,)
    out, advanced = [], False
    for i in index:
        if isinstance(i, Tensor):
            i = i._data
        elif isinstance(i, list):
            i = np.asarray(i)
        if isinstance(i, np.ndarray) and i.ndim == 0 and i.dtype.kind in "iu":
            i = int(i)  # a 0-d integer tensor selects, as a Python int does
        if isinstance(i, np.ndarray):
            if i.dtype.kind not in "iub":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            advanced = True
        elif not (i is None or i is Ellipsis or isinstance(i, int | slice | np.integer)):
            raise IndexError(
                f"only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                f"Variables are valid indices (got {type(i).__name__})"
            )
        out.append(i)
    return tuple(out), advanced


def _node_for(index: tuple, advanced: bool, single: bool) -> type:
    """torch indexes one dimension at a time and names the node after the last step; a full
    slice inside a tuple is no step at all, and an index with no step is an alias."""
    if advanced:
        return IndexBackward0
    node = AliasBackward0
    for i in index:
        if i is None:
            node = UnsqueezeBackward0
        elif isinstance(i, slice):
            if single or i != slice(None):
                node = SliceBackward0
        elif i is not Ellipsis:
            node = SelectBackward0
    return node


def unindex(g, index: tuple, shape: tuple, advanced: bool):
    """Zeros of ``shape`` with ``g`` added at ``index`` (the adjoint of ``x[index]``)."""
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


def _getitem_grad(g, r, x, index, shape, advanced):
    return unindex(g, index, shape, advanced)


IndexBackward0 = defop("IndexBackward0", _getitem_grad, saves="none")
SliceBackward0 = defop("SliceBackward0", _getitem_grad, saves="none")
SelectBackward0 = defop("SelectBackward0", _getitem_grad, saves="none")
UnsqueezeBackward0 = defop("UnsqueezeBackward0", _getitem_grad, saves="none")
AliasBackward0 = defop("AliasBackward0", _getitem_grad, saves="none")
IndexBackwardBackward0 = defop(
    "IndexBackwardBackward0", lambda g, r, x, index, shape, advanced: g[index], saves="none"
)


def getitem(input: Tensor, index) -> Tensor:
    """``input[index]``; basic indexing gives a view, advanced indexing a copy."""
    from .shape import as_view

    idx, advanced = convert_index(index)
    try:
        out = apply(
            _node_for(idx, advanced, not isinstance(index, tuple)),
            _take,
            input,
            index=idx,
            shape=input._data.shape,
            advanced=advanced,
        )
    except IndexError as e:
        raise IndexError(f"{e} (indexing a tensor of shape {list(input.shape)})") from None
    return out if advanced else as_view(out, input, lambda b: b[idx])


def _take(x, index, shape, advanced):
    return x[index]


# x[index] = value, recorded: the old values at index get no gradient, value gets theirs.
CopySlices = defop(
    "CopySlices",
    lambda g, r, x, value, index, keep: g * keep,
    lambda g, r, x, value, index, keep: g[index],
    saves="none",
    qualified_name="torch::autograd::CopySlices",
)


def index_put(input: Tensor, index: tuple, value) -> Tensor:
    """A copy of ``input`` with ``value`` written at ``index`` (out of place)."""
    keep = np.ones(input._data.shape, dtype=bool)
    keep[index] = False
    return apply(CopySlices, _put, input, value, index=index, keep=keep)


def _put(x, value, index, keep):
    out = x.copy()
    out[index] = value
    return out


def nonzero(input: Tensor, *, as_tuple: bool = False):
    """Indices of the non-zero elements (a (n, ndim) tensor, or a tuple of 1-D tensors)."""
    from .._tensor import wrap

    idx = np.nonzero(input._data)
    if as_tuple:
        return tuple(wrap(i.astype(np.int64)) for i in idx)
    return wrap(np.stack(idx, axis=1).astype(np.int64))


def _setitem(self, index, value):
    from .inplace import inplace

    idx, _ = convert_index(index)
    if isinstance(value, Tensor) and value._data.dtype != self._data.dtype:
        value = value.to(self.dtype)
    inplace(self, index_put, idx, value)


__all__ = ["nonzero"]
METHODS = {"__getitem__": getitem, "__setitem__": _setitem, "nonzero": nonzero}
NUMPY: dict = {}
