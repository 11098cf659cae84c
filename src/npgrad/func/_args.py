"""Picking the differentiated arguments (``argnums``) out of a call, and putting them back."""

from __future__ import annotations

from .._tensor import Tensor
from ._pytree import tree_flatten, tree_unflatten


def check_argnums(argnums, n_args: int) -> tuple[int, ...]:
    """``argnums`` as a tuple of non-negative positions, checked as torch.func checks it."""
    if isinstance(argnums, int) and not isinstance(argnums, bool):
        numbers = (argnums,)
    elif isinstance(argnums, tuple) and all(
        isinstance(a, int) and not isinstance(a, bool) for a in argnums
    ):
        numbers = argnums
        if not numbers:
            raise RuntimeError("argnums must be non-empty")
        if len(set(numbers)) != len(numbers):
            raise RuntimeError(f"argnums elements must be unique, got {argnums}")
    else:
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    for a in numbers:
        if not -n_args <= a < n_args:
            raise RuntimeError(f"Got argnum={a}, but only {n_args} positional inputs")
    return tuple(a % n_args for a in numbers)


def split(args: tuple, argnums) -> tuple[list, object, tuple]:
    """(tensor leaves of the differentiated arguments, their tree spec, positions)."""
    positions = check_argnums(argnums, len(args))
    chosen = args[positions[0]] if isinstance(argnums, int) else tuple(args[i] for i in positions)
    leaves, spec = tree_flatten(chosen)
    for leaf in leaves:
        if not isinstance(leaf, Tensor):
            raise RuntimeError(
                f"Expected the differentiated arguments to be Tensors (or nested "
                f"tuples/lists/dicts of Tensors), got {type(leaf)}"
            )
    return leaves, spec, positions


def merge(args: tuple, argnums, positions: tuple, leaves: list, spec) -> tuple:
    """``args`` with the differentiated arguments replaced by the tree of ``leaves``."""
    chosen = tree_unflatten(leaves, spec)
    new = list(args)
    if isinstance(argnums, int):
        new[positions[0]] = chosen
    else:
        for i, value in zip(positions, chosen):
            new[i] = value
    return tuple(new)
