"""The inputs a transform differentiates, and what the graph recorded from them says.

A transform call makes its own differentiable copies of the inputs (fresh leaves, or views
of inputs already in a graph, so that an outer transform or autograd sees through it), then
inspects the nodes recorded after that point: node numbers grow in creation order, so every
node numbered below the start existed before the call.
"""

from __future__ import annotations

import weakref

from .._tensor import Tensor
from ..autograd import forward_ad
from ..autograd.node import AccumulateGrad, _sequence, accumulator

# Fresh leaves made by transform calls, with the number their call started at: a leaf of a
# call nested in another is internal to that other call, not something outside it.
# (Keyed by id: tensors compare elementwise, so they can't be keys of a WeakKeyDictionary.)
_FRESH: dict = {}


def _register(leaf: Tensor, start: int) -> None:
    key = id(leaf)

    def forget(ref) -> None:
        if _FRESH.get(key, (None,))[0] is ref:  # not a later tensor that reuses the id
            del _FRESH[key]

    _FRESH[key] = (weakref.ref(leaf, forget), start)


def _fresh_start(leaf: Tensor) -> int:
    entry = _FRESH.get(id(leaf))
    return entry[1] if entry is not None and entry[0]() is leaf else -1


def differentiable(t: Tensor) -> Tensor:
    """A tensor to differentiate ``t`` through: a view of it if it is in a graph already
    (gradients then flow on to its history), else a fresh leaf. Inside a forward-AD level
    the copy keeps the tangent of ``t``, so that a transform run on a dual tensor (the
    reverse-mode part of forward over reverse, ``jacfwd(jacrev(f))``) carries it through."""
    tangent = forward_ad.tangent_of(t) if forward_ad.active[0] else None
    if tangent is None:
        if t.requires_grad:
            return t.view_as(t)
        return t.detach().requires_grad_()
    if t.requires_grad:
        with forward_ad.paused():  # the view's tangent is the same tangent, set below
            made = t.view_as(t)
    else:
        made = t.detach().requires_grad_()  # detach drops the tangent: give it back
    forward_ad.set_tangent(made, tangent)
    return made


def detach(t: Tensor, keep_tangent_graph: bool = False) -> Tensor:
    """``t.detach()`` that keeps the tangent of ``t`` inside a forward-AD level (detached
    too, unless ``keep_tangent_graph``): a transform's results drop its internal graph, not
    the Jacobian-vector product an enclosing forward-mode transform asks for."""
    out = t.detach()
    if forward_ad.active[0]:
        tangent = forward_ad.tangent_of(t)
        if tangent is not None:
            forward_ad.set_tangent(out, tangent if keep_tangent_graph else tangent.detach())
    return out


class Recording:
    """The inputs of one transform call and the start of what it records."""

    def __init__(self, tensors, prepare=differentiable) -> None:
        self.originals = list(tensors)
        self.inputs = [prepare(t) for t in tensors]
        self.outer = any(t.requires_grad for t in self.originals)
        # The nodes gradients of the inputs arrive at; held so that they stay the same objects.
        self._source_nodes = [_node_of(t) for t in self.inputs]
        self.sources = {id(n) for n in self._source_nodes if n is not None}
        self.start = next(_sequence)
        for original, made in zip(self.originals, self.inputs):
            if made.grad_fn is None and made is not original:
                _register(made, self.start)

    def depends_on_outer(self, tensors) -> bool:
        """True if any of ``tensors`` has a gradient path to something other than this
        call's own inputs: an input that was in a graph, or a tensor the function captured."""
        roots = [t.grad_fn for t in tensors if isinstance(t, Tensor) and t.grad_fn is not None]
        if self.outer and roots:
            return True
        for node in walk(roots, self):
            if node._seq < self.start:
                return True
            if isinstance(node, AccumulateGrad) and _fresh_start(node.variable) < self.start:
                return True
        return False

    def nodes(self, tensors) -> list:
        """The nodes recorded in this call that ``tensors`` depend on, oldest first, each as
        (node, depends on the inputs)."""
        found = [n for n in walk([t.grad_fn for t in tensors if t.grad_fn is not None], self)]
        inner = sorted((n for n in found if n._seq > self.start), key=lambda n: n._seq)
        mapped: dict = {}
        for node in inner:
            mapped[id(node)] = any(
                fn is not None and (id(fn) in self.sources or mapped.get(id(fn), False))
                for fn in node._next
            )
        return [(n, mapped[id(n)]) for n in inner]

    def is_input_derived(self, tensor: Tensor, nodes: list) -> bool:
        fn = tensor.grad_fn if tensor.grad_fn is not None else _node_of(tensor)
        if fn is None:
            return False
        if id(fn) in self.sources:
            return True
        return any(n is fn and m for n, m in nodes)


def _node_of(t: Tensor):
    if t.grad_fn is not None:
        return t.grad_fn
    return accumulator(t) if t.requires_grad else None


def walk(roots, recording: Recording):
    """Every node reachable from ``roots`` without passing the call's inputs or going into
    what existed before the call (such nodes are yielded, not entered)."""
    seen: set = set()
    stack = [n for n in roots if n is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen or id(node) in recording.sources:
            continue
        seen.add(id(node))
        yield node
        if node._seq < recording.start:
            continue
        for fn in node._next:
            if fn is not None and id(fn) not in seen:
                stack.append(fn)
