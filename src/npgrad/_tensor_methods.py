"""Tensor's methods and operators are the ops themselves; this module attaches them.

Each op module lists its methods (``METHODS``) and the NumPy functions it stands in for
(``NUMPY``); see ``ops/__init__.py``. NumPy hands calls on tensors back to npgrad through
``__array_ufunc__`` and ``__array_function__``: that is how NumPy code on tensors stays in
the graph, and how a VJP rule written with ``np.*`` records the graph of the backward pass
under ``create_graph=True``.
"""

from __future__ import annotations

from . import _creation as C
from ._tensor import Tensor
from .ops import ALL_MODULES


def _new(factory):
    def method(self, *args, dtype=None, requires_grad=False, **kwargs):
        return factory(*args, dtype=dtype or self.dtype, requires_grad=requires_grad, **kwargs)

    method.__name__ = "new_" + factory.__name__
    method.__doc__ = f"A new tensor like ``npgrad.{factory.__name__}``, of self's dtype."
    return method


METHODS = {
    "new_tensor": _new(C.tensor),
    "new_zeros": _new(C.zeros),
    "new_ones": _new(C.ones),
    "new_full": _new(C.full),
    "new_empty": _new(C.empty),
}
NUMPY: dict = {}
for _module in ALL_MODULES:
    METHODS.update(_module.METHODS)
    NUMPY.update(_module.NUMPY)

for _name, _fn in METHODS.items():
    setattr(Tensor, _name, _fn)


def _array_ufunc(self, ufunc, method, *inputs, **kwargs):
    fn = NUMPY.get(ufunc)
    if fn is None or method != "__call__" or kwargs:
        call = f"numpy.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
        why = f" with {sorted(kwargs)}" if fn is not None and method == "__call__" else ""
        raise TypeError(
            f"{call}{why} is not supported on npgrad tensors: it would drop the autograd "
            f"graph. Use the npgrad op, or pass t.detach().numpy() to work on plain arrays."
        )
    return fn(*inputs)


def _array_function(self, func, types, args, kwargs):
    fn = NUMPY.get(func)
    if fn is None:
        raise TypeError(
            f"{func.__module__}.{func.__name__} is not supported on npgrad tensors: it would "
            "drop the autograd graph. Use the npgrad op, or pass t.detach().numpy() to work on "
            "plain arrays."
        )
    return fn(*args, **kwargs)


Tensor.__array_ufunc__ = _array_ufunc
Tensor.__array_function__ = _array_function
