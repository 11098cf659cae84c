"""``autograd.graph``: the graph's node type and hooks on what nodes save for backward.

Inside ``saved_tensors_hooks(pack_hook, unpack_hook)``, every node created keeps
``pack_hook(t)`` instead of each tensor ``t`` it saves for backward, and calls
``unpack_hook`` on that when backward needs the tensor back. As in torch, a tensor saved
through hooks is not checked for in-place changes: the hooks decide what is kept.
"""

from __future__ import annotations

import weakref

from .._tensor import Tensor, wrap
from .grad_mode import state
from .node import AccumulateGrad, Node, bump_version, count_extras

__all__ = [
    "Node",
    "disable_saved_tensors_hooks",
    "increment_version",
    "save_on_cpu",
    "saved_tensors_hooks",
]


class saved_tensors_hooks:  # noqa: N801 - torch's name
    """Context manager: nodes created inside store ``pack_hook(tensor)`` for each tensor they
    save for backward, and get it back with ``unpack_hook(packed)`` (which must return a
    Tensor). Contexts nest; the innermost one's hooks apply."""

    def __init__(self, pack_hook, unpack_hook) -> None:
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self) -> None:
        if state.saved_hooks_disabled is not None:
            raise RuntimeError(state.saved_hooks_disabled)
        state.saved_hooks = state.saved_hooks + ((self.pack_hook, self.unpack_hook),)
        count_extras(1)

    def __exit__(self, *exc) -> None:
        state.saved_hooks = state.saved_hooks[:-1]
        count_extras(-1)


class save_on_cpu(saved_tensors_hooks):  # noqa: N801 - torch's name
    """Save tensors for backward in CPU memory. npgrad's tensors already live there, so each
    one is kept as itself, exactly as torch does for CPU tensors (``pin_memory`` and
    ``device_type`` are accepted for compatibility). Like any saved-tensor hooks, this turns
    off the check for in-place changes of the tensors saved inside."""

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        super().__init__(_keep, _keep)


def _keep(tensor):
    return tensor


class disable_saved_tensors_hooks:  # noqa: N801 - torch's name
    """Context manager: opening a ``saved_tensors_hooks`` context inside raises
    ``RuntimeError(error_message)``."""

    def __init__(self, error_message: str) -> None:
        self.error_message = error_message

    def __enter__(self) -> None:
        self._previous = state.saved_hooks_disabled
        if state.saved_hooks:
            raise RuntimeError(self.error_message)
        state.saved_hooks_disabled = self.error_message

    def __exit__(self, *exc) -> None:
        state.saved_hooks_disabled = self._previous


def increment_version(tensor) -> None:
    """Count an in-place change of ``tensor`` made outside npgrad (e.g. on its NumPy array),
    so that nodes that saved it refuse to use it."""
    for t in tensor if isinstance(tensor, (list, tuple)) else (tensor,):
        bump_version(t)


# --- packing and unpacking --------------------------------------------------------------------
class Packed:
    """A saved tensor as ``pack_hook`` returned it, and the graph edge the tensor had, which
    the unpacked tensor gets back (so a backward with create_graph differentiates through
    it as through the original)."""

    __slots__ = ("value", "unpack_hook", "edge")

    def __init__(self, value, unpack_hook, edge) -> None:
        self.value = value
        self.unpack_hook = unpack_hook
        self.edge = edge

    def unpack(self) -> Tensor:
        """The tensor ``unpack_hook`` gives back, relinked to its place in the graph."""
        out = self.unpack_hook(self.value)
        if not isinstance(out, Tensor):
            raise TypeError(
                "Output of saved tensor unpack_hook expected to be a Tensor but got result of "
                f"type {type(out).__name__}"
            )
        t = wrap(out._data)
        if self.edge is not None:
            fn, nr = self.edge
            t._requires_grad = True
            if type(fn) is AccumulateGrad:
                t._accumulator = weakref.ref(fn)
            else:
                t._grad_fn, t._output_nr = fn, nr
        return t


def pack_hooks():
    """The innermost ``(pack_hook, unpack_hook)`` in force, or None."""
    hooks = state.saved_hooks
    return hooks[-1] if hooks else None


def pack(tensor: Tensor, edge, hooks) -> Packed:
    """Run ``pack_hook`` on a tensor being saved (with grad mode off, as torch does)."""
    pack_hook, unpack_hook = hooks
    version = tensor._version_counter[0]
    previous, state.enabled = state.enabled, False
    try:
        value = pack_hook(tensor)
    finally:
        state.enabled = previous
    if tensor._version_counter[0] != version:
        raise RuntimeError(
            "A saved tensor pack hook is modifying its input in place. Tensors provided as "
            "input to pack hook cannot be modified by in-place operations as this can lead "
            "to unexpected side-effects. Return a modified copy instead."
        )
    return Packed(value, unpack_hook, edge)
