"""``npgrad.autograd.explain(t)``: why is ``t.grad`` None (or what it holds), in plain English.

The diagnosis uses what autograd already knows (is ``t`` a leaf, does it require grad, its
dtype) plus three cheap records kept for this purpose:
- where a tensor left the graph: ``detach()``, ``.data``, ``detach_()``, an op run under
  ``no_grad()``, a conversion to an integer dtype (``Tensor._origin``, set only on those paths);
- which such cut-off tensors an op used as inputs (recorded only for tensors carrying an origin);
- the roots of the last ``backward()``/``autograd.grad()`` and when ``.grad`` was last reset.
"""

from __future__ import annotations

import weakref

import numpy as np

# node -> the cut-off tensors (with an _origin) it took as inputs, kept while the node lives.
_cut_inputs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


# The last backward()/grad() call: [how many calls so far, its kind, weak references to its
# root nodes]. A list, not class attributes: assigning to a class invalidates CPython's caches.
_last_run: list = [0, "", ()]


def record_cut_input(node, tensor) -> None:
    """Remember that ``node`` used ``tensor``, which carries no history (see ``_origin``)."""
    _cut_inputs.setdefault(node, []).append(tensor)


def record_run(root_nodes, kind: str) -> None:
    """Called at the start of every backward pass; ``kind`` is "backward", "inputs"
    (backward with inputs=) or "grad"."""
    _last_run[0] += 1
    _last_run[1] = kind
    _last_run[2] = root_nodes


def runs() -> int:
    return _last_run[0]


def explain(tensor) -> str:
    """Say in plain English why ``tensor.grad`` is None, or what it holds, and how to fix it."""
    if tensor._grad is not None:
        return (
            f"its .grad holds a gradient of shape {tuple(tensor._grad.shape)}: "
            f"{'it retains its grad' if tensor._grad_fn is not None else 'it is a leaf'} and a "
            "backward() pass reached it."
        )
    if not tensor._requires_grad:
        return _no_requires_grad(tensor)
    if tensor._grad_fn is not None and not tensor._retains_grad:
        return (
            f"the tensor is not a leaf: it was computed by {tensor._grad_fn.name()}, and only "
            "leaves (tensors you created with requires_grad=True) keep .grad after backward(). "
            "Call t.retain_grad() before backward() to keep this one, or read .grad on the leaf "
            "it was computed from."
        )
    return _not_reached(tensor)


def _no_requires_grad(tensor) -> str:
    origin = tensor._origin
    if origin is not None:
        return (
            f"the tensor does not require grad: it was made by {origin}, which cuts it out of "
            "the graph, so backward() never reaches it. " + _FIX.get(origin.split(" ")[0], "")
        )
    dtype = tensor._data.dtype
    if dtype.kind not in "fc":
        return (
            f"the tensor has dtype {dtype.name}: only floating-point and complex tensors can "
            "require gradients, so .grad stays None. Make it float (t.float()) before the "
            "computation if you need its gradient."
        )
    return (
        "the tensor does not require grad, so autograd does not track it and .grad stays None. "
        "Create it with requires_grad=True, or call t.requires_grad_() before using it."
    )


_FIX = {
    "detach()": "Use the tensor itself instead of its detached copy where you need gradients.",
    ".data": "Use the tensor itself, not .data, where you need gradients.",
    "detach_()": "detach_() removed its history in place; compute it again without detach_().",
    "an": "Run that computation outside `with npgrad.no_grad():` (or inference_mode).",
    "conversion": "Integer results carry no gradient; keep the computation in floating point.",
}


def _not_reached(tensor) -> str:
    kind = "retains its grad" if tensor._grad_fn is not None else "is a leaf that requires grad"
    reset = getattr(tensor, "_grad_reset", None)
    if _last_run[0] == 0:
        return (
            f"the tensor {kind}, but no backward() has run yet: call loss.backward() on a "
            "result computed from it."
        )
    if reset is not None and reset == _last_run[0]:
        return (
            f"the tensor {kind}, but its .grad was set to None (by zero_grad(), or by "
            "assigning None) and no backward() has run since. Call backward() after zero_grad()."
        )
    if _last_run[1] == "inputs":
        return (
            f"the tensor {kind}, but the last backward() was given inputs=[...] without it, "
            "and only the tensors in inputs accumulate .grad. Add it to inputs, or leave "
            "inputs out."
        )
    if _last_run[1] == "grad":
        return (
            f"the tensor {kind}, but the last differentiation was autograd.grad(), which returns "
            "gradients instead of storing them in .grad. Use its return value, or call "
            "backward()."
        )
    roots = [r() for r in _last_run[2]]
    roots = [r for r in roots if r is not None]
    if not roots:
        return (
            f"the tensor {kind}, but the last backward() did not reach it. Make sure the value "
            "you called backward() on was computed from this tensor with recorded ops."
        )
    nodes = _nodes_of(roots)
    target = tensor._grad_fn if tensor._grad_fn is not None else tensor._accumulator
    target = target() if isinstance(target, weakref.ref) else target
    if target is not None and target in nodes:
        return (
            f"the tensor {kind} and the last backward() went through it, but its .grad was "
            "reset afterwards (by zero_grad(), or by assigning None)."
        )
    return _where_it_broke(tensor, kind, nodes, roots)


def _nodes_of(roots) -> set:
    seen, stack = set(roots), list(roots)
    while stack:
        node = stack.pop()
        for nxt in node._next:
            if nxt is not None and nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def _where_it_broke(tensor, kind: str, nodes: set, roots) -> str:
    """Look in the last graph for a copy of ``tensor`` that carries no history."""
    start = roots[0].name()
    suspects = []
    for node in nodes:
        for cut in _cut_inputs.get(node, ()):
            suspects.append((cut, node))
        saved = getattr(node, "_saved", None)
        if isinstance(saved, tuple):
            suspects.extend((s, node) for s in saved if _is_tensor(s) and not s._requires_grad)
    for cut, node in suspects:
        if cut is not tensor and np.shares_memory(cut._data, tensor._data):
            how = cut._origin or "a copy that shares its memory but not its history"
            return (
                f"the tensor {kind}, but the last backward() (from {start}) did not reach it: "
                f"{node.name()} used its values through {how}, which cuts the graph there. "
                + _FIX.get(how.split(" ")[0], "Use the tensor itself in the computation.")
            )
    for cut, node in suspects:
        if cut._origin is not None and cut._origin.startswith("an op"):
            return (
                f"the tensor {kind}, but the last backward() (from {start}) did not reach it. "
                f"{node.name()} used a value made by {cut._origin}; if that value came from "
                "this tensor, the graph was cut there. " + _FIX["an"]
            )
    return (
        f"the tensor {kind}, but it is not part of the graph the last backward() walked (from "
        f"{start}). Check that the value you called backward() on is computed from this "
        "tensor by npgrad ops: .item(), .tolist(), .numpy() and npgrad.tensor(...) copies cut "
        "the graph."
    )


def _is_tensor(obj) -> bool:
    from .._tensor import Tensor

    return isinstance(obj, Tensor)


__all__ = ["explain"]
