"""Tensor's methods and operators are the ops themselves; this module attaches them.

It also lets NumPy hand calls on tensors back to npgrad (``__array_ufunc__`` and
``__array_function__``): that is how a VJP rule written with ``np.*`` records the graph of
the backward pass under ``create_graph=True``.
"""

from __future__ import annotations

import numpy as np

from . import _creation as C
from ._tensor import Tensor
from .ops import arithmetic as A
from .ops import indexing as I
from .ops import inplace as P
from .ops import linalg as L
from .ops import nn_ops as N
from .ops import pointwise as E
from .ops import reduction as R
from .ops import shape as S


def _swap(op):
    return lambda self, other: op(other, self)


def _inplace(op):
    def method(self, *args, **kwargs):
        return P.inplace(self, op, *args, **kwargs)

    method.__name__ = op.__name__ + "_"
    return method


def _setitem(self, index, value):
    idx, _ = I.convert_index(index)
    if isinstance(value, Tensor) and value._data.dtype != self._data.dtype:
        value = value.to(self.dtype)
    P.inplace(self, I.index_put, idx, value)


def _new(factory):
    def method(self, *args, dtype=None, requires_grad=False, **kwargs):
        return factory(*args, dtype=dtype or self.dtype, requires_grad=requires_grad, **kwargs)

    method.__name__ = "new_" + factory.__name__
    return method


_METHODS = {
    "new_tensor": _new(C.tensor),
    "new_zeros": _new(C.zeros),
    "new_ones": _new(C.ones),
    "new_full": _new(C.full),
    "new_empty": _new(C.empty),
    # arithmetic and its operators
    "add": A.add,
    "sub": A.sub,
    "subtract": A.sub,
    "mul": A.mul,
    "multiply": A.mul,
    "div": A.div,
    "divide": A.div,
    "true_divide": A.div,
    "neg": A.neg,
    "negative": A.neg,
    "pow": A.pow,
    "reciprocal": A.reciprocal,
    "reciprocal_": _inplace(A.reciprocal),
    "__add__": A.add,
    "__radd__": A.add,
    "__sub__": A.sub,
    "__rsub__": A.rsub,
    "__mul__": A.mul,
    "__rmul__": A.mul,
    "__truediv__": A.div,
    "__rtruediv__": A.rdiv,
    "__neg__": A.neg,
    "__pow__": A.pow,
    "__rpow__": _swap(A.pow),
    "__matmul__": L.matmul,
    "__rmatmul__": _swap(L.matmul),
    "__pos__": lambda self: self,
    "__abs__": E.abs,
    # pointwise
    "exp": E.exp,
    "log": E.log,
    "sin": E.sin,
    "cos": E.cos,
    "tanh": E.tanh,
    "sigmoid": E.sigmoid,
    "relu": E.relu,
    "sqrt": E.sqrt,
    "abs": E.abs,
    "sign": E.sign,
    "clamp": E.clamp,
    "clip": E.clamp,
    "eq": E.eq,
    "ne": E.ne,
    "gt": E.gt,
    "ge": E.ge,
    "lt": E.lt,
    "le": E.le,
    "__eq__": E.eq,
    "__ne__": E.ne,
    "__gt__": E.gt,
    "__ge__": E.ge,
    "__lt__": E.lt,
    "__le__": E.le,
    "__and__": E.logical_and,
    "__or__": E.logical_or,
    "__xor__": E.logical_xor,
    "__invert__": E.logical_not,
    "logical_and": E.logical_and,
    "logical_or": E.logical_or,
    "logical_not": E.logical_not,
    # reductions
    "sum": R.sum,
    "logsumexp": N.logsumexp,
    "log_softmax": N.log_softmax,
    "softmax": N.softmax,
    "mean": R.mean,
    # shape
    "reshape": S.reshape,
    "view": S.view,
    "flatten": S.flatten,
    "permute": S.permute,
    "transpose": S.transpose,
    "swapaxes": S.transpose,
    "t": S.t,
    "unsqueeze": S.unsqueeze,
    "squeeze": S.squeeze,
    "expand": S.expand,
    "expand_as": S.expand_as,
    "clone": S.clone,
    "contiguous": S.contiguous,
    "to": S.to,
    "view_as": lambda self, other: S.view(self, *other.shape),
    "reshape_as": lambda self, other: S.reshape(self, *other.shape),
    "float": lambda self: S.to(self, np.float32),
    "double": lambda self: S.to(self, np.float64),
    "half": lambda self: S.to(self, np.float16),
    "long": lambda self: S.to(self, np.int64),
    "int": lambda self: S.to(self, np.int32),
    "bool": lambda self: S.to(self, np.bool_),
    "type_as": lambda self, other: S.to(self, other.dtype),
    "cpu": lambda self: self,
    # linear algebra
    "matmul": L.matmul,
    "mm": L.mm,
    "mv": L.mv,
    "dot": L.dot,
    "bmm": L.bmm,
    # indexing
    "__getitem__": I.getitem,
    "__setitem__": _setitem,
    # in place
    "add_": _inplace(A.add),
    "sub_": _inplace(A.sub),
    "mul_": _inplace(A.mul),
    "div_": _inplace(A.div),
    "pow_": _inplace(A.pow),
    "neg_": _inplace(A.neg),
    "exp_": _inplace(E.exp),
    "log_": _inplace(E.log),
    "sigmoid_": _inplace(E.sigmoid),
    "tanh_": _inplace(E.tanh),
    "relu_": _inplace(E.relu),
    "sqrt_": _inplace(E.sqrt),
    "clamp_": _inplace(E.clamp),
    "clip_": _inplace(E.clamp),
    "__iadd__": _inplace(A.add),
    "__isub__": _inplace(A.sub),
    "__imul__": _inplace(A.mul),
    "__itruediv__": _inplace(A.div),
    "__ipow__": _inplace(A.pow),
    "zero_": lambda self: P.inplace(self, P.zeros_of),
    "fill_": lambda self, value: P.inplace(self, P.filled, value),
    "copy_": lambda self, src, non_blocking=False: P.inplace(self, P.copied, src),
}

for _name, _fn in _METHODS.items():
    setattr(Tensor, _name, _fn)

Tensor.T = property(S.T)
Tensor.mT = property(S.mT)


# --- NumPy hands calls on tensors back to npgrad ------------------------------------------
_UFUNCS = {
    np.add: A.add,
    np.subtract: A.sub,
    np.multiply: A.mul,
    np.true_divide: A.div,
    np.negative: A.neg,
    np.power: A.pow,
    np.exp: E.exp,
    np.log: E.log,
    np.sin: E.sin,
    np.cos: E.cos,
    np.tanh: E.tanh,
    np.sqrt: E.sqrt,
    np.absolute: E.abs,
    np.sign: E.sign,
    np.matmul: L.matmul,
    np.equal: E.eq,
    np.not_equal: E.ne,
    np.greater: E.gt,
    np.greater_equal: E.ge,
    np.less: E.lt,
    np.less_equal: E.le,
    np.logical_and: E.logical_and,
    np.logical_or: E.logical_or,
    np.logical_not: E.logical_not,
    np.bitwise_and: E.logical_and,
    np.bitwise_or: E.logical_or,
    np.invert: E.logical_not,
}


def _array_ufunc(self, ufunc, method, *inputs, **kwargs):
    fn = _UFUNCS.get(ufunc)
    if fn is None or method != "__call__" or kwargs:
        return NotImplemented
    return fn(*inputs)


_FUNCTIONS = {
    np.sum: lambda a, axis=None, keepdims=False, dtype=None: R.sum(
        a, dim=axis, keepdim=keepdims, dtype=dtype
    ),
    np.mean: lambda a, axis=None, keepdims=False: R.mean(a, dim=axis, keepdim=keepdims),
    np.reshape: lambda a, shape, **_: S.reshape(a, shape),
    np.swapaxes: S.transpose,
    np.transpose: lambda a, axes=None: S.permute(
        a, *(reversed(range(a.ndim)) if axes is None else axes)
    ),
    np.expand_dims: lambda a, axis: _expand_dims(a, axis),
    np.squeeze: lambda a, axis=None: S.squeeze(a, axis),
    np.broadcast_to: lambda a, shape: S.expand(a, *shape),
    np.where: E.where,
    np.matmul: L.matmul,
    np.clip: lambda a, a_min=None, a_max=None: E.clamp(a, a_min, a_max),
}


def _expand_dims(a, axis):
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    ndim = a.ndim + len(axes)
    for d in sorted(x % ndim for x in axes):
        a = S.unsqueeze(a, d)
    return a


def _array_function(self, func, types, args, kwargs):
    fn = _FUNCTIONS.get(func)
    if fn is None:
        return NotImplemented
    return fn(*args, **kwargs)


Tensor.__array_ufunc__ = _array_ufunc
Tensor.__array_function__ = _array_function
