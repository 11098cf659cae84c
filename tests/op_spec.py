"""How an op-table entry is written: ``OpSpec`` and the shapes entries share.

Each op is one lambda ``fn(m, *inputs, **kwargs)`` run unchanged on ``m = npgrad`` and on
``m = torch``. Inputs are float tensors drawn uniformly from ``[low, high)``, at least
``KINK_MARGIN`` away from every point in ``kinks`` (where the op is not differentiable), so
every check sees a function that is smooth around its inputs. Every combination of
``shapes`` and ``kwargs_variants`` must be valid in torch; the oracle fails the case if not.

``second_order``: compare second derivatives with torch's. ``finite_differences``: the op is
smooth enough in float64 for finite differences (False where it rounds through float32).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable

import torch

import npgrad

KINK_MARGIN = 0.2


@dataclasses.dataclass(frozen=True)
class OpSpec:
    name: str
    fn: Callable
    shapes: tuple
    low: float = -2.0
    high: float = 2.0
    kinks: tuple = ()
    kwargs_variants: tuple = ({},)
    second_order: bool = True
    finite_differences: bool = True
    exact_vals: tuple = ()

    def __post_init__(self) -> None:
        for shapes in self.shapes:
            if not all(isinstance(s, tuple) and all(isinstance(n, int) for n in s) for s in shapes):
                raise ValueError(f"{self.name}: {shapes!r} is not a tuple of input shapes")

    @property
    def npgrad_fn(self) -> Callable:
        return functools.partial(self.fn, npgrad)

    @property
    def torch_fn(self) -> Callable:
        return functools.partial(self.fn, torch)


@dataclasses.dataclass(frozen=True)
class Case:
    """One (op, input shapes, keyword arguments) combination of the table."""

    spec: OpSpec
    shapes: tuple
    kwargs: dict

    @property
    def id(self) -> str:
        shapes = ",".join(str(s) for s in self.shapes).replace(" ", "")
        kwargs = ",".join(f"{k}={v}" for k, v in self.kwargs.items()).replace(" ", "")
        return f"{self.spec.name}-{shapes}" + (f"-{kwargs}" if kwargs else "")


UNARY = ((),), ((1,),), ((4,),), ((1, 3),), ((2, 3),), ((2, 1, 3),), ((0, 3),)
BINARY = (
    ((), ()),
    ((3,), ()),
    ((), (3,)),
    ((2, 3), (2, 3)),
    ((1, 3), (2, 1)),
    ((2, 3), (3,)),
    ((4, 1, 3), (2, 1)),
    ((1,), (2, 3)),
    ((0, 3), (1, 3)),
    ((2, 0), (1,)),
)
FEW_UNARY = ((),), ((1, 3),), ((2, 1, 3),), ((0, 3),)
FEW_BINARY = ((), (3,)), ((1, 3), (2, 1)), ((2, 3), (3,)), ((0, 3), (1, 3))
MATRIX = ((2, 3),), ((1, 3),), ((3, 1),), ((0, 3),)
BATCHED = ((2, 3, 4),), ((2, 1, 3),), ((1, 3, 1),), ((0, 2, 3),)
SIX = ((2, 3),), ((6,),), ((1, 2, 3),)
INDEXED = (((4, 3),),)
INDEXED_3D = (((3, 4, 2),),)


def _as_tensors(m, index):
    """Lists inside an index become index tensors of library ``m``."""
    parts = index if isinstance(index, tuple) else (index,)
    return tuple(m.tensor(i) if isinstance(i, list) else i for i in parts)
