"""``graph_summary(t)``: how big the graph behind a tensor is and how much memory it keeps.

Useful to find tensors that keep a graph alive by accident, such as ``total_loss += loss``
in a training loop (``loss.item()`` is the fix): the summary grows with every step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._tensor import Tensor
from .node import _FREED, AccumulateGrad


@dataclass(frozen=True)
class GraphSummary:
    """Counts for the graph reachable from a tensor's ``grad_fn``."""

    nodes: int  # backward nodes, AccumulateGrad of the leaves included
    depth: int  # nodes on the longest path from the tensor's node to a leaf
    leaves: int  # leaf tensors that require grad (their AccumulateGrad nodes)
    saved_bytes: int  # bytes of the arrays the nodes saved for backward, each array once
    saved_arrays: int  # how many distinct arrays that is
    freed_nodes: int  # nodes whose saved values are released (by a backward pass, or by
    # checkpoint until its recomputation)

    def __str__(self) -> str:
        return (
            f"graph of {self.nodes} nodes (depth {self.depth}, {self.leaves} leaves) keeping "
            f"{_human(self.saved_bytes)} in {self.saved_arrays} saved arrays alive; "
            f"{self.freed_nodes} nodes with saved values released"
        )


def _human(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"  # pragma: no cover


def graph_summary(tensor: Tensor) -> GraphSummary:
    """Summarize the backward graph behind ``tensor``: node count, depth (longest path),
    leaves, and the bytes of saved tensors it keeps alive (an array and its views count
    once, by the memory they share). Iterative: graphs of any depth are fine."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"graph_summary expects a Tensor, got {type(tensor).__name__}")
    root = tensor.grad_fn
    if root is None:
        if tensor.requires_grad:
            return GraphSummary(1, 1, 1, 0, 0, 0)
        return GraphSummary(0, 0, 0, 0, 0, 0)
    nodes = _reachable(root)
    # Node numbers grow in creation order and every input's node is older than its
    # consumer's, so one pass from the newest node gives each node's longest path.
    depth = {id(root): 1}
    for node in sorted(nodes, key=lambda n: n._seq, reverse=True):
        d = depth[id(node)] + 1
        for fn in node._next:
            if fn is not None and depth.get(id(fn), 0) < d:
                depth[id(fn)] = d
    memory: dict = {}
    freed = 0
    for node in nodes:
        if _collect(node, memory):
            freed += 1
    return GraphSummary(
        nodes=len(nodes),
        depth=max(depth.values()),
        leaves=sum(isinstance(n, AccumulateGrad) for n in nodes),
        saved_bytes=sum(memory.values()),
        saved_arrays=len(memory),
        freed_nodes=freed,
    )


def _reachable(root) -> list:
    seen = {id(root)}
    out, stack = [], [root]
    while stack:
        node = stack.pop()
        out.append(node)
        for fn in node._next:
            if fn is not None and id(fn) not in seen:
                seen.add(id(fn))
                stack.append(fn)
    return out


def _collect(node, memory: dict) -> bool:
    """Add the arrays ``node`` saved into ``memory`` (keyed by the buffer that owns them);
    returns True if a backward already freed them."""
    values = []
    saved = getattr(node, "_saved", None)
    if saved is _FREED:
        return True
    if saved is not None:
        values.append(saved)
    for slot in ("_result", "_params", "_output_saved"):
        value = getattr(node, slot, None)
        if value is not None:
            values.append(value)
    ctx = getattr(node, "_ctx", None)
    if ctx is not None:
        if ctx._saved is _FREED:
            return True
        values.append(ctx._saved if ctx._saved is not None else ctx._to_save)
    stack = values
    while stack:
        value = stack.pop()
        if isinstance(value, Tensor):
            value = value._data
        if isinstance(value, np.ndarray):
            owner = value
            while isinstance(owner.base, np.ndarray):
                owner = owner.base
            memory[id(owner)] = owner.nbytes
        elif isinstance(value, (tuple, list)):
            stack.extend(value)
        elif isinstance(value, dict):
            stack.extend(value.values())
    return False
