"""nn.Parameter: a leaf tensor that a Module registers as one of its parameters."""

from __future__ import annotations

from .._creation import empty
from .._tensor import Tensor, wrap


class Parameter(Tensor):
    """A tensor that is a module parameter: a leaf that requires grad by default and
    shares memory with the ``data`` it was made from."""

    __slots__ = ()

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(
                f"Parameter expects a Tensor as data, got {type(data).__name__}; wrap it with "
                "npgrad.tensor(...) first"
            )
        p = object.__new__(cls)
        p._data = data._data
        p._grad_fn = None
        p._output_nr = 0
        p._grad = None
        p._version_counter = data._version_counter
        p._base = None
        p._accumulator = None
        p._hooks = None
        p._retains_grad = False
        p._origin = None
        p._requires_grad = False
        p.requires_grad_(requires_grad)
        return p

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):
        return (Parameter, (wrap(self._data.copy()), self._requires_grad))

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = Parameter(wrap(self._data.copy()), self._requires_grad)
        return memo[id(self)]
