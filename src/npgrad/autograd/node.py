"""Nodes of the backward graph (``grad_fn``): recorded ops, ``AccumulateGrad``, hook handles.

A node knows the nodes of its inputs (``next_functions``) and what its backward needs, never
the tensor it produced: tensors point at nodes, not back, so dropping the last tensor of a
graph frees it by reference counting alone. Nodes are numbered in creation order (``_seq``);
an input's node is always older than its consumer's, which is the order backward relies on.
"""

from __future__ import annotations

import itertools
import linecache
import os
import sys
import weakref

from .grad_mode import state

_sequence = itertools.count()
_FREED = object()  # marks saved values released by a backward without retain_graph
# Counts in-place changes anywhere. A node created after the last one needs no check that
# its saved tensors are unchanged, which keeps that check off the usual backward path.
inplace_epoch = [0]
# Set once a node hook or a post-accumulate-grad hook is registered: from then on backward
# takes the path that looks for them, which the usual path never does.
hooks_used = [False]
# True while anomaly mode is on or a saved_tensors_hooks context is open (in any thread):
# only then do new nodes record where they were made, or pack what they save.
extras = [False]
_extras_reasons = [0]


def count_extras(delta: int) -> None:
    """One more (+1) or one fewer (-1) reason for new nodes to record extras."""
    _extras_reasons[0] += delta
    extras[0] = _extras_reasons[0] > 0


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_CHANGES_KEPT = 8


def bump_version(tensor, op: str | None = None) -> None:
    """Record an in-place change of ``tensor`` (and of every view sharing its counter) made
    by ``op`` (its name, e.g. ``"add_"``).

    A version counter is ``[version, changes]``. ``changes`` is None until a recorded node
    saves the tensor (``mark_saved``); from then on each change is noted there with the
    line of user code that made it (the last few), for the error a node raises on finding
    a tensor it saved changed.
    """
    counter = tensor._version_counter
    counter[0] += 1
    inplace_epoch[0] += 1
    if counter[1] is not None:
        note_change(counter, op)


def mark_saved(counter: list) -> None:
    """Note that a recorded node saved the tensor of this version counter."""
    if counter[1] is None:
        counter[1] = True


def user_frame(frame):
    """The innermost frame at or above ``frame`` that is not npgrad's own code, and the
    outermost npgrad frame below it (the entry point the user called), or None."""
    entry = None
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        entry, frame = frame, frame.f_back
    return frame, entry


def note_change(counter: list, op) -> None:
    """Note the change just made to a saved tensor: by ``op``, at the user's line of code."""
    frame, entry = user_frame(sys._getframe(1))
    if entry is not None and entry.f_code.co_name in ("__setitem__", "_setitem"):
        op = "an indexed assignment (x[...] = ...)"
    elif op is None:
        op = entry.f_code.co_qualname if entry is not None else "an in-place op"
    site = None if frame is None else (frame.f_code.co_filename, frame.f_lineno)
    changes = counter[1] if type(counter[1]) is list else []
    changes.append((counter[0], op, site))
    del changes[:-_CHANGES_KEPT]
    counter[1] = changes


def describe_change(counter: list, then: int) -> str:
    """Which in-place op first changed a saved tensor after version ``then``, and where:
    ``"changed by add_ at train.py:12:\n    w.add_(1)"``; empty if that was not recorded."""
    changes = counter[1] if type(counter[1]) is list else ()
    for version, op, site in changes:
        if version > then:
            what = f"{op} at {format_site(site)}" if site else op
            if version == then + 1:
                return f"changed by {what}"
            return f"changed in place more often than recorded; the earliest change kept is {what}"
    return ""


def format_site(site) -> str:
    """``file:line`` followed by that line of source, if it can be read."""
    filename, lineno = site
    line = linecache.getline(filename, lineno).strip()
    return f"{filename}:{lineno}" + (f":\n    {line}" if line else "")


class RemovableHandle:
    """Returned by the ``register_*hook`` methods; ``remove()`` unregisters (calling it twice
    is fine)."""

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
        "_extra",  # a NodeExtra once the node has hooks, metadata or a forward trace
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

    def _grad_input_positions(self):
        """Which entries of ``_next`` are the node's inputs as torch counts them."""
        return range(len(self._next))

    # --- hooks on the node itself, metadata, anomaly-mode trace ---------------------------
    def register_hook(self, fn) -> RemovableHandle:
        """Register ``fn(grad_inputs, grad_outputs)``, called after this node computed the
        gradients of its inputs; a tuple it returns replaces ``grad_inputs``."""
        return self._add_node_hook("post", fn)

    def register_prehook(self, fn) -> RemovableHandle:
        """Register ``fn(grad_outputs)``, called before this node runs; a tuple it returns
        replaces ``grad_outputs``."""
        return self._add_node_hook("pre", fn)

    def _add_node_hook(self, kind: str, fn) -> RemovableHandle:
        hooks_used[0] = True
        hooks = getattr(extra_of(self, create=True), kind)
        hooks.append(fn)
        return RemovableHandle(hooks, fn)

    @property
    def metadata(self) -> dict:
        """A dict for the user's notes on this node; in anomaly mode, ``"traceback_"`` holds
        the stack of the forward call that created it."""
        extra = extra_of(self, create=True)
        if extra.metadata is None:
            extra.metadata = {}
        if extra.trace is not None and "traceback_" not in extra.metadata:
            from .anomaly_mode import format_trace

            extra.metadata["traceback_"] = format_trace(extra.trace)
        return extra.metadata

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
    node._extra = None
    return node


class NodeExtra:
    """What few nodes have: hooks on the node, user metadata, the forward stack trace."""

    __slots__ = ("pre", "post", "trace", "metadata")

    def __init__(self) -> None:
        self.pre = []
        self.post = []
        self.trace = None
        self.metadata = None


def extra_of(node, create: bool = False):
    """The node's NodeExtra (made on demand with ``create``), or None."""
    extra = getattr(node, "_extra", None)  # nodes made outside this package may lack the slot
    if extra is None and create:
        extra = node._extra = NodeExtra()
    return extra


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
