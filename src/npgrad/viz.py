"""Pictures of the graph that ``backward()`` walks: Graphviz DOT text, rendered SVG/PNG, and a
plain-text outline that needs nothing installed.

The walk is iterative (no recursion), so graphs of any depth work. Long runs of identical
nodes, each feeding only the next (a 100,000-step chain, say), are drawn as one node with a
count.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

from ._tensor import Tensor
from .autograd.node import AccumulateGrad, Node

RUN_MIN = 4  # runs of at least this many identical nodes are collapsed


class GraphvizNotFound(RuntimeError):
    """Rendering needs the ``graphviz`` package and Graphviz's ``dot`` program; the DOT
    text is in the ``dot`` attribute (and was written beside the requested file)."""

    def __init__(self, message: str, dot: str) -> None:
        super().__init__(message)
        self.dot = dot


@dataclass
class _Box:
    """One drawn node: a grad_fn, or a run of identical grad_fns collapsed into one."""

    node: Node
    count: int = 1
    inputs: list = field(default_factory=list)  # (box id, output_nr)


def _walk(root: Node) -> tuple[dict, int]:
    """The boxes reachable from ``root`` by id, runs collapsed; and the root's box id."""
    consumers: dict[int, int] = {id(root): 0}
    order, stack, seen = [], [root], {id(root)}
    while stack:
        node = stack.pop()
        order.append(node)
        for nxt in node._next:
            if nxt is None:
                continue
            consumers[id(nxt)] = consumers.get(id(nxt), 0) + 1
            if id(nxt) not in seen:
                seen.add(id(nxt))
                stack.append(nxt)

    def chain_next(node):
        """The node a run continues into: the only input, of the same kind, used only here."""
        live = [n for n in node._next if n is not None]
        if len(live) == 1 and type(live[0]) is type(node) and consumers[id(live[0])] == 1:
            return live[0]
        return None

    boxes: dict[int, _Box] = {}
    owner: dict[int, int] = {}  # node id -> id of the box that draws it
    for node in order:
        if id(node) in owner:
            continue
        run = [node]
        while (nxt := chain_next(run[-1])) is not None and id(nxt) not in owner:
            run.append(nxt)
        if len(run) < RUN_MIN:
            run = [node]
        box = _Box(node, count=len(run))
        boxes[id(node)] = box
        for member in run:
            owner[id(member)] = id(node)
        last = run[-1]
        box.inputs = [(id(n), nr) for n, nr in zip(last._next, last._next_nr) if n is not None]
    for box in boxes.values():
        box.inputs = [(owner[i], nr) for i, nr in box.inputs]
    return boxes, owner[id(root)]


def _shape(shape) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ")"


def _label(box: _Box, names: dict, show_saved: bool) -> str:
    node = box.node
    if isinstance(node, AccumulateGrad):
        var = node.variable
        name = names.get(id(var), "")
        return f"{name}\n{_shape(var.shape)}" if name else f"leaf {_shape(var.shape)}"
    text = node.name().rsplit("::", 1)[-1]
    if box.count > 1:
        text += f" × {box.count:,}"
    if node._retained:
        text += "\n(retains grad)"
    if show_saved:
        text += "".join(f"\nsaved tensor {_shape(s.shape)}" for s in _saved_tensors(node))
    return text


def _saved_tensors(node: Node) -> list:
    saved = getattr(node, "_saved", None)
    tensors = [s for s in saved if isinstance(s, Tensor)] if isinstance(saved, tuple) else []
    result = getattr(node, "_result", None)
    if result is not None:
        tensors.append(result)
    return tensors


def _param_names(params) -> dict:
    if params is None:
        return {}
    items = params.items() if isinstance(params, dict) else params
    return {id(t): name for name, t in items}


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(tensor: Tensor, params=None, show_saved: bool = False) -> str:
    """Graphviz DOT text of the graph behind ``tensor``: a box per grad_fn (torch's names),
    leaves labelled with their parameter names (``params``: a dict or ``named_parameters()``)
    and shapes, retained tensors marked, saved tensors listed if ``show_saved``."""
    names = _param_names(params)
    lines = [
        "digraph npgrad {",
        '  node [shape=box, style="rounded,filled", fillcolor="#e8eef7", fontname="Helvetica"];',
        f"  output [label={_quote('output ' + _shape(tensor.shape))}, shape=oval, "
        'fillcolor="#c6e5c6"];',
    ]
    if tensor.grad_fn is None:
        what = "a leaf" if tensor.requires_grad else "not in any graph (requires_grad=False)"
        lines.append(f"  note [label={_quote('the tensor is ' + what)}, shape=note];")
        lines.append("}")
        return "\n".join(lines)
    boxes, root = _walk(tensor.grad_fn)
    number = {box_id: i for i, box_id in enumerate(boxes)}  # stable names: n0, n1, ...
    for box_id, box in boxes.items():
        leaf = isinstance(box.node, AccumulateGrad)
        color = ', fillcolor="#f7e3b5"' if leaf else ""
        label = _quote(_label(box, names, show_saved))
        lines.append(f"  n{number[box_id]} [label={label}{color}];")
    lines.append(f"  n{number[root]} -> output;")
    for box_id, box in boxes.items():
        for source, _ in box.inputs:
            lines.append(f"  n{number[source]} -> n{number[box_id]};")
    lines.append("}")
    return "\n".join(lines)


def render(tensor: Tensor, path, params=None, show_saved: bool = False) -> str:
    """Draw the graph behind ``tensor`` into ``path`` (``.svg`` or ``.png``) with Graphviz;
    returns the DOT text. Without Graphviz, writes the DOT text beside ``path`` and raises
    GraphvizNotFound saying how to install it."""
    dot = to_dot(tensor, params, show_saved)
    path = os.fspath(path)
    stem, ext = os.path.splitext(path)
    fmt = ext.lstrip(".").lower() or "svg"
    try:
        import graphviz

        missing: tuple = (OSError, graphviz.ExecutableNotFound)
    except ImportError:
        graphviz, missing = None, (OSError,)
    try:
        if graphviz is None:
            raise FileNotFoundError("the graphviz Python package is not installed")
        graphviz.Source(dot).render(outfile=path, format=fmt, cleanup=True)
        leftover = stem + ".gv"
        if os.path.exists(leftover):
            os.remove(leftover)
    except missing as e:
        with open(stem + ".dot", "w") as f:
            f.write(dot)
        raise GraphvizNotFound(
            f"can't render {path}: {e}. Install Graphviz's `dot` program (Debian/Ubuntu: "
            "`apt-get install graphviz`, macOS: `brew install graphviz`) and the Python "
            f"package (`pip install graphviz`). The DOT text was written to {stem}.dot.",
            dot,
        ) from None
    return dot


def print_graph(tensor: Tensor, params=None, file=None) -> None:
    """Print the graph behind ``tensor`` as an indented outline (no dependencies). A node
    reached again is printed once and referred to afterwards."""
    out = file or sys.stdout
    names = _param_names(params)
    if tensor.grad_fn is None:
        print(f"output {_shape(tensor.shape)}: a leaf, no graph", file=out)
        return
    boxes, root = _walk(tensor.grad_fn)
    numbers: dict[int, int] = {}
    print(f"output {_shape(tensor.shape)}", file=out)
    stack = [(root, 1)]
    while stack:
        box_id, depth = stack.pop()
        box = boxes[box_id]
        label = _label(box, names, show_saved=False).replace("\n", " ")
        pad = "  " * depth
        if box_id in numbers:
            print(f"{pad}└ {label}  (#{numbers[box_id]}, shown above)", file=out)
            continue
        numbers[box_id] = len(numbers) + 1
        print(f"{pad}└ {label}  #{numbers[box_id]}", file=out)
        for source, _ in reversed(box.inputs):
            stack.append((source, depth + 1))


__all__ = ["GraphvizNotFound", "print_graph", "render", "to_dot"]
