"""In-place ops (``add_``, ``mul_``, ``x[i] = v``, ``+=`` …) as torch records them.

An in-place op runs its out-of-place twin on the tensor's current value, writes the result
into the tensor's memory (so views see it), bumps the shared version counter, and, when the
graph is being recorded, makes the tensor the output of the new node. A node that saved the
old value before the change then refuses to run (see ``_defop._check_versions``).

In forward mode the tensor also takes the tangent of the twin's result, written into the
memory of the tangent it had, as torch does: the tangent of a view is a view of its base's
tangent, so views and base stay consistent.
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor, wrap
from ..autograd import forward_ad
from ..autograd.grad_mode import state
from ..autograd.node import bump_version, refresh_view
from ._defop import ELEMENTWISE, LINEAR, apply, defop, forward_active


def inplace(self: Tensor, op, *args, **kwargs) -> Tensor:
    """Apply ``op(self, *args, **kwargs)`` and store the result in ``self``."""
    if state.enabled and self._requires_grad:
        _check_not_leaf(self)
    recording = state.enabled and (
        self._requires_grad or any(isinstance(a, Tensor) and a._requires_grad for a in args)
    )
    forward_mode = forward_active[0]
    if forward_mode:
        held = _tangent_before(self)
    if not recording:
        result = op(self, *args, **kwargs)
        _write(self, result._data)
        bump_version(self, _op_name(op))
    elif self._base is not None:
        result = _inplace_on_view(self, op, *args, **kwargs)
    else:
        result = op(_before(self), *args, **kwargs)
        _write(self, result._data)
        _become_output_of(self, result._grad_fn, _op_name(op))
    if forward_mode:
        _take_tangent(self, result, held)
    return self


def _op_name(op) -> str:
    """The in-place method's name for an out-of-place ``op`` (for error messages)."""
    name = getattr(op, "__name__", "")
    return _NAMES.get(name, name + "_")


def _inplace_on_view(view: Tensor, op, *args, **kwargs) -> Tensor:
    """An in-place op on a view rewrites its base: the base becomes the output of a
    CopySlices node (old base outside the view, op result inside), and the view is
    re-derived from the new base. Returns the op's result."""
    base, view_fn = view._base, view._view_fn
    old_base = _before(base)
    old_values = view_fn(old_base)
    if forward_active[0]:  # the view's tangent (it may have one of its own, as a dual does)
        forward_ad.set_tangent(old_values, forward_ad.tangent_of(view))
    new_values = op(old_values, *args, **kwargs)
    keep = np.ones(base._data.shape, dtype=bool)
    region = view_fn(keep)
    if not np.shares_memory(region, keep):
        raise RuntimeError(
            "this in-place op on a view can't be recorded (the view is not a simple region of "
            "its base); clone() the view or use the out-of-place op"
        )
    region[...] = False
    new_base = apply(CopySlicesView, _paste, old_base, new_values, view_fn=view_fn, keep=keep)
    _write(view, new_values._data)
    _become_output_of(base, new_base._grad_fn, _op_name(op))
    view._requires_grad = True
    refresh_view(view)
    return new_values


def _paste(base, values, view_fn, keep):
    out = base.copy()
    view_fn(out)[...] = values
    return out


CopySlicesView = defop(
    "CopySlices",
    lambda g, r, base, values, view_fn, keep: g * keep,
    lambda g, r, base, values, view_fn, keep: view_fn(g),
    saves="none",
    jvp=LINEAR,
    qualified_name="torch::autograd::CopySlices",
)


def _check_not_leaf(t: Tensor) -> None:
    if t._grad_fn is None:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation. "
            "Wrap the update in `with npgrad.no_grad():` (as optimizers do) or use the "
            "out-of-place op."
        )
    base = t._base
    if base is not None and base._grad_fn is None and base._requires_grad:
        raise RuntimeError(
            "a view of a leaf Variable that requires grad is being used in an in-place "
            "operation. Wrap the update in `with npgrad.no_grad():` or clone() the leaf first."
        )


def _before(t: Tensor) -> Tensor:
    """A twin of ``t`` holding its value before the op, linked to the same node."""
    twin = wrap(t._data.copy(), t._grad_fn)
    twin._output_nr = t._output_nr
    twin._requires_grad = t._requires_grad
    if t._grad_fn is None and t._requires_grad:  # a leaf inside enable_grad under no check
        twin._accumulator = t._accumulator
    if forward_active[0]:
        forward_ad.set_tangent(twin, forward_ad.tangent_of(t))
    return twin


# --- forward mode: the tangent of the new value --------------------------------------------
def _tangent_before(self: Tensor) -> Tensor | None:
    """The tangent that ``self``'s new one is to be written into (for a view, its region of
    the base's tangent); the op itself sees a copy when grad mode is on, as in torch, so
    that a graph built from the old tangent never sees it overwritten."""
    base = self._base
    with forward_ad.paused():
        if base is not None and forward_ad.tangent_of(base) is not None:
            forward_ad.set_tangent(self, self._view_fn(_writable_tangent(base)))
        held = _writable_tangent(self)
        if held is not None and state.enabled:
            forward_ad.set_tangent(self, held.clone())
    return held


def _writable_tangent(t: Tensor) -> Tensor | None:
    held = forward_ad.tangent_of(t)
    if held is not None and not held._data.flags.writeable:  # an expanded tangent
        held = held.clone()
        forward_ad.set_tangent(t, held)
    return held


def _take_tangent(self: Tensor, result: Tensor, held: Tensor | None) -> None:
    """Write the tangent of ``result`` (zero where it has none) into ``held``, the tangent
    ``self`` had; without one, ``self``, or the base of a view, gets a zero tangent first."""
    new = forward_ad.tangent_of(result)
    if held is None and new is None:
        return
    with forward_ad.paused():
        if held is None:
            owner = self if self._base is None else self._base
            held = wrap(np.zeros_like(owner._data))
            forward_ad.set_tangent(owner, held)
            if owner is not self:
                held = self._view_fn(held)
        if new is None:
            held.zero_()
        elif new is not held:
            held.copy_(new)
    forward_ad.set_tangent(self, held)


def _write(t: Tensor, data: np.ndarray) -> None:
    dst = t._data
    if data.shape != dst.shape:
        try:
            shape = np.broadcast_shapes(data.shape, dst.shape)
        except ValueError:
            shape = data.shape
        if shape != dst.shape:
            raise RuntimeError(
                f"output with shape {list(dst.shape)} doesn't match the broadcast shape "
                f"{list(shape)}: an in-place op can't change the shape of the tensor it writes"
            )
    if data.dtype != dst.dtype and not np.can_cast(data.dtype, dst.dtype, "same_kind"):
        raise RuntimeError(
            f"result type {data.dtype} can't be cast to the desired output type {dst.dtype}; "
            "convert the tensor first (x = x.float()) or use the out-of-place op"
        )
    if not dst.flags.writeable:
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to "
            "a single memory location (an expanded tensor). Please clone() the tensor before "
            "performing the operation."
        )
    np.copyto(dst, data, casting="same_kind")


def _become_output_of(t: Tensor, node, op_name: str) -> None:
    """Rebase ``t`` onto the node of its in-place op, carrying retain_grad() along."""
    old, old_nr = t._grad_fn, t._output_nr
    bump_version(t, op_name)
    t._grad_fn = node
    t._output_nr = 0
    t._requires_grad = True
    if getattr(node, "_result_counter", None) is not None:  # it saved its output, now t
        node._result_counter = t._version_counter
        node._result_version = t._version_counter[0]
    if t._retains_grad:
        if old is not None and old._retained is not None:
            old._retained.pop(old_nr, None)
        node._retain_for(0, t)


# --- the out-of-place twins of zero_, fill_ and copy_: the old values get no gradient -------
ZeroBackward0 = defop("ZeroBackward0", lambda g, r, x: g * 0, saves="none", jvp=LINEAR)
FillBackward2 = defop("FillBackward2", lambda g, r, x, value: g * 0, saves="none", jvp=ELEMENTWISE)
FillBackward3 = defop(
    "FillBackward3", lambda g, r, x, v: g * 0, lambda g, r, x, v: g, saves="none", jvp=ELEMENTWISE
)
CopyBackwards = defop(
    "CopyBackwards",
    lambda g, r, x, src: g * 0,
    lambda g, r, x, src: g,
    saves="none",
    jvp=ELEMENTWISE,
    qualified_name="torch::autograd::CopyBackwards",
)


def zeros_of(x: Tensor) -> Tensor:
    return apply(ZeroBackward0, np.zeros_like, x)


def filled(x: Tensor, value) -> Tensor:
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(
                "fill_ only supports 0-dimension value tensor but got tensor with "
                f"{value.ndim} dimensions."
            )
        return apply(FillBackward3, _full_like, x, value)
    return apply(FillBackward2, lambda x, value: np.full_like(x, value), x, value=value)


def _full_like(x, value):
    return np.full_like(x, value)


def copied(x: Tensor, src) -> Tensor:
    src_data = src._data if isinstance(src, Tensor) else np.asarray(src)
    try:
        np.broadcast_to(src_data, x._data.shape)
    except ValueError:
        raise RuntimeError(
            f"copy_: the source of shape {list(src_data.shape)} doesn't broadcast to the "
            f"destination of shape {list(x.shape)}"
        ) from None
    return apply(CopyBackwards, _copy_kernel, x, src)


def _copy_kernel(x, src):
    return np.broadcast_to(np.asarray(src, dtype=x.dtype), x.shape).copy()


def inplace_method(op):
    """The in-place Tensor method of an out-of-place op: ``x.add_(y)`` from ``add``."""

    def method(self, *args, **kwargs):
        return inplace(self, op, *args, **kwargs)

    method.__name__ = op.__name__ + "_"
    method.__doc__ = f"In-place version of ``{op.__name__}``."
    return method


def zero_(self: Tensor) -> Tensor:
    """Fill with zeros, in place."""
    return inplace(self, zeros_of)


def fill_(self: Tensor, value) -> Tensor:
    """Fill with ``value`` (a number or a 0-d tensor), in place."""
    return inplace(self, filled, value)


def copy_(self: Tensor, src, non_blocking: bool = False) -> Tensor:
    """Copy ``src``'s values (broadcast, converted to self's dtype) into self, in place."""
    return inplace(self, copied, src)


_NAMES = {"zeros_of": "zero_", "filled": "fill_", "copied": "copy_", "_index_put": "index_put_"}
METHODS = {"zero_": zero_, "fill_": fill_, "copy_": copy_}
__all__: list = []
NUMPY: dict = {}
