"""Nodes of the backward graph (``grad_fn``): recorded ops, ``AccumulateGrad``, hook handles.

A node knows the nodes of its inputs (``next_functions``) and what its backward needs, never
the tensor it produced: tensors point at nodes, not back, so dropping the last tensor of a
graph frees it by reference counting alone. Nodes are numbered in creation order (``_seq``);
an input's node is always older than its consumer's, which is the order backward relies on.
"""

from __future__ import annotations

import itertools
import weakref

from .grad_mode import state

_sequence = itertools.count()
_FREED = object()  # marks saved values released by a backward without retain_graph
# Counts in-place changes anywhere. A node created after the last one needs no check that
# its saved tensors are unchanged, which keeps that check off the usual backward path.
inplace_epoch = [0]


def bump_version(tensor) -> None:
    """Record an in-place change of ``tensor`` (and of every view sharing its counter)."""
    tensor._version_counter[0] += 1
    inplace_epoch[0] += 1


class RemovableHandle:
    """Returned by ``register_hook``; ``remove()`` unregisters (calling it twice is fine)."""

    __slots__ = ("_hooks", "_entry")

    def __init__(self, hooks: list, entry) -> None:
        self._hooks = hooks
        self._entry = entry

    def remove(self) -> None:
        if self._entry in self._hooks:
            self._hooks.remove(self._entry)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


class Node:
    """Base of every ``grad_fn``: one backward step of the graph."""

    # The edges to the inputs' nodes are two parallel tuples, `_next` (a node or None per
    # input) and `_next_nr` (which output of it), rather than one (node, nr) pair per input:
    # fewer objects for the cycle collector to walk in graphs of millions of nodes.
    __slots__ = (
        "_next",
        "_next_nr",
        "_seq",
        "_shape",
        "_dtype",
        "_tensor_hooks",
        "_retained",
        "__weakref__",
    )
    _multi = False  # True where the node has several outputs and buffers a list of grads
    _fresh_grads = False  # True where every gradient it returns is a new array of its own

    _qualified_name = ""  # torch prefixes a few built-in nodes with their C++ namespace

    def name(self) -> str:
        """The node's name as torch spells it (``MulBackward0``)."""
        return self._qualified_name or type(self).__name__

    @property
    def next_functions(self) -> tuple:
        """``(node, output_nr)`` per differentiable input; ``(None, 0)`` where none is needed."""
        return tuple((fn, nr if fn is not None else 0) for fn, nr in zip(self._next, self._next_nr))

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self):#x}>"

    def _apply(self, grad, create_graph: bool) -> tuple:  # pragma: no cover - abstract
        raise NotImplementedError

    def _release(self) -> None:
        """Drop saved values after a backward that did not ask to retain the graph."""

    # --- hooks registered on the tensor this node produced (see Tensor.register_hook) ---
    def _add_tensor_hook(self, output_nr: int, fn) -> RemovableHandle:
        if self._tensor_hooks is None:
            self._tensor_hooks = []
        entry = (output_nr, fn)
        self._tensor_hooks.append(entry)
        return RemovableHandle(self._tensor_hooks, entry)

    def _retain_for(self, output_nr: int, tensor) -> None:
        if self._retained is None:
            self._retained = {}
        self._retained[output_nr] = weakref.ref(tensor)


def new_node(cls, next_nodes: tuple, next_nr: tuple, shape, dtype):
    node = object.__new__(cls)
    node._next = next_nodes
    node._next_nr = next_nr
    node._seq = next(_sequence)
    node._shape = shape
    node._dtype = dtype
    node._tensor_hooks = None
    node._retained = None
    return node


class AccumulateGrad(Node):
    """The node that adds the gradient reaching a leaf into its ``.grad``."""

    __slots__ = ("variable",)
    _qualified_name = "torch::autograd::AccumulateGrad"


def accumulator(tensor) -> AccumulateGrad:
    """The leaf's AccumulateGrad node, shared by every op that uses it while a graph is alive."""
    ref = tensor._accumulator
    node = ref() if ref is not None else None
    if node is None:
        node = new_node(AccumulateGrad, (), (), tensor._data.shape, tensor._data.dtype)
        node.variable = tensor
        node._tensor_hooks = tensor._hooks
        tensor._accumulator = weakref.ref(node)
    return node


def edge_of(tensor):
    """The ``(node, output_nr)`` a gradient for ``tensor`` flows into, or None."""
    if tensor._base is not None and tensor._view_version != tensor._version_counter[0]:
        refresh_view(tensor)
    if tensor._grad_fn is not None:
        return (tensor._grad_fn, tensor._output_nr)
    if tensor._requires_grad:
        return (accumulator(tensor), 0)
    return None


def refresh_view(view) -> None:
    """Re-derive a view from its base after an in-place op changed the base's history (as
    torch does), so that gradients reaching the view flow through the base's new node."""
    if view._requires_grad:
        previous, state.enabled = state.enabled, True
        try:
            fresh = view._view_fn(view._base)
        finally:
            state.enabled = previous
        view._grad_fn = fresh._grad_fn
        view._output_nr = fresh._output_nr
    view._view_version = view._version_counter[0]
