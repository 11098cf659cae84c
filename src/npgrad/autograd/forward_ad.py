"""Forward-mode AD (``torch.autograd.forward_ad``): tensors that carry a tangent.

Inside ``dual_level()``, ``make_dual(x, t)`` gives a tensor whose tangent is ``t``; every op
run on it computes, next to its value, the tangent of its output, the Jacobian-vector product
``J t``, by the op's JVP rule (declared with its VJP in ``ops``). ``unpack_dual(y)`` reads
``(primal, tangent)`` back. One level at a time, as in torch.

Tangents live in a table keyed by the tensor's identity, never on the tensor itself, so that
tensors outside forward mode pay nothing; leaving the level clears the table. JVP rules are
ordinary npgrad expressions, recorded when grad mode is on, so a tangent can itself be
differentiated by ``backward()`` (reverse over forward), and the ops a backward pass runs
under ``create_graph=True`` carry tangents too (forward over reverse).
"""

from __future__ import annotations

import contextlib
import weakref
from typing import NamedTuple

from .._tensor import Tensor

# The number of the current level, or None outside every level.
_level: list = [None]
# id(tensor) -> (weak reference to the tensor, its tangent) for the current level.
_tangents: dict = {}
# True while some tensor of the current level has a tangent and no JVP rule is running:
# only then do ops look for tangents.
active = [False]
_pauses = [0]  # how many pause() calls are open


class UnpackedDualTensor(NamedTuple):
    """What ``unpack_dual`` returns: the primal and its tangent (None without one)."""

    primal: Tensor
    tangent: Tensor | None


def enter_dual_level() -> int:
    """Open a forward-AD level (there is at most one) and return its number."""
    if _level[0] is not None:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _level[0] = 0
    return 0


def exit_dual_level(*, level: int | None = None) -> None:
    """Close the current level: every tangent made inside it is dropped."""
    if level is not None and level != _level[0]:
        raise RuntimeError(
            f"Trying to exit a forward AD level ({level}) that is not the current one "
            f"({_level[0]}); exit levels in the reverse order of entering them"
        )
    _level[0] = None
    _tangents.clear()
    active[0] = False


class dual_level(contextlib.ContextDecorator):
    """Context manager (or decorator) for a forward-AD level: tangents exist only inside it.

    Example::

        with forward_ad.dual_level():
            x = forward_ad.make_dual(primal, tangent)
            jvp = forward_ad.unpack_dual(f(x)).tangent
    """

    def __enter__(self) -> int:
        return enter_dual_level()

    def __exit__(self, *exc) -> None:
        exit_dual_level()


def _check_level(level) -> None:
    if _level[0] is None:
        raise RuntimeError(
            "Trying to create a dual Tensor for forward AD but no level exists, make sure to "
            "enter_dual_level() first."
        )
    if level is not None and level != _level[0]:
        raise RuntimeError(f"Invalid level {level}: the current forward AD level is {_level[0]}")


def make_dual(tensor: Tensor, tangent: Tensor, *, level: int | None = None) -> Tensor:
    """A view of ``tensor`` whose tangent is ``tangent`` (same shape, floating point): ops on
    it compute Jacobian-vector products along ``tangent``."""
    _check_level(level)
    if not isinstance(tensor, Tensor) or not isinstance(tangent, Tensor):
        raise TypeError(
            "make_dual expects two Tensors (primal, tangent), got "
            f"{type(tensor).__name__} and {type(tangent).__name__}"
        )
    if tensor._data.dtype.kind not in "fc":
        raise ValueError(
            f"Expected primal to be floating point or complex, but got: {tensor.dtype}"
        )
    if tangent._data.dtype.kind not in "fc":
        raise ValueError(
            f"Expected tangent to be floating point or complex, but got: {tangent.dtype}"
        )
    if tangent._data.shape != tensor._data.shape:
        raise RuntimeError(
            "Trying to set a forward gradient that has a different size than that of the "
            f"original Tensor, this is not supported. Tensor is of size {list(tensor.shape)} "
            f"while the given forward gradient is of size {list(tangent.shape)}."
        )
    if tangent_of(tensor) is not None:
        raise RuntimeError(
            "Making a dual Tensor based on a Tensor that already has a forward gradient at the "
            f"same level {_level[0]} is not supported. unpack_dual(t).primal gives the tensor "
            "without its tangent."
        )
    dual = _alias(tensor)
    set_tangent(dual, tangent)
    return dual


def _alias(tensor: Tensor) -> Tensor:
    """A view of the whole of ``tensor`` (a ViewBackward0 node in the graph, as in torch)."""
    return tensor.view(tensor.shape)


def unpack_dual(tensor: Tensor, *, level: int | None = None) -> UnpackedDualTensor:
    """``(primal, tangent)`` of a dual tensor: the primal is a view without the tangent; the
    tangent is None where the tensor has none (or outside the level)."""
    # While paused (a custom Function's forward, a JVP rule) no tensor shows a tangent.
    tangent = tangent_of(tensor) if active[0] and isinstance(tensor, Tensor) else None
    if tangent is None:
        return UnpackedDualTensor(tensor, None)
    with paused():
        primal = _alias(tensor)
    return UnpackedDualTensor(primal, tangent)


def tangent_of(tensor: Tensor) -> Tensor | None:
    """The tangent of ``tensor`` at the current level, or None."""
    entry = _tangents.get(id(tensor))
    if entry is None:
        return None
    ref, tangent = entry
    return tangent if ref() is tensor else None


def set_tangent(tensor: Tensor, tangent: Tensor | None) -> None:
    """Give ``tensor`` a tangent (None removes it); forgotten when the tensor is freed."""
    key = id(tensor)
    if tangent is None:
        _tangents.pop(key, None)
        return
    _tangents[key] = (weakref.ref(tensor, lambda _, key=key: _forget(key)), tangent)
    if not _pauses[0]:
        active[0] = True


def _forget(key: int) -> None:
    entry = _tangents.get(key)
    if entry is not None and entry[0]() is None:
        del _tangents[key]


def pause() -> None:
    """From here until the matching ``resume()``, ops compute no tangents (JVP rules run
    so: they compute tangents, they do not carry them)."""
    _pauses[0] += 1
    active[0] = False


def resume() -> None:
    _pauses[0] -= 1
    active[0] = not _pauses[0] and bool(_tangents)


@contextlib.contextmanager
def paused():
    """``pause()`` for the body of a ``with`` statement."""
    pause()
    try:
        yield
    finally:
        resume()


__all__ = [
    "UnpackedDualTensor",
    "dual_level",
    "enter_dual_level",
    "exit_dual_level",
    "make_dual",
    "unpack_dual",
]
