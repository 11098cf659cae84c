"""Nested tuples, lists and dicts of values ("pytrees"), flattened to a list of leaves."""

from __future__ import annotations


class TreeSpec:
    """The shape of a pytree: its containers, without the leaves."""

    __slots__ = ("kind", "keys", "children")

    def __init__(self, kind: str, keys=None, children=()) -> None:
        self.kind = kind  # "leaf", "tuple", "list" or "dict"
        self.keys = keys
        self.children = tuple(children)

    def __eq__(self, other) -> bool:
        return isinstance(other, TreeSpec) and (self.kind, self.keys, self.children) == (
            other.kind,
            other.keys,
            other.children,
        )

    def __hash__(self) -> int:
        return hash((self.kind, self.keys, self.children))

    def __repr__(self) -> str:
        if self.kind == "leaf":
            return "*"
        inner = ", ".join(repr(c) for c in self.children)
        if self.kind == "dict":
            inner = ", ".join(f"{k!r}: {c!r}" for k, c in zip(self.keys, self.children))
            return "{" + inner + "}"
        return f"({inner})" if self.kind == "tuple" else f"[{inner}]"

    @property
    def num_leaves(self) -> int:
        if self.kind == "leaf":
            return 1
        return sum(c.num_leaves for c in self.children)


LEAF = TreeSpec("leaf")


def tree_flatten(tree) -> tuple[list, TreeSpec]:
    """(the leaves in order, the spec to rebuild the tree with ``tree_unflatten``)."""
    leaves: list = []
    return leaves, _flatten(tree, leaves)


def _flatten(tree, leaves: list) -> TreeSpec:
    if isinstance(tree, dict):
        keys = tuple(tree)
        return TreeSpec("dict", keys, [_flatten(tree[k], leaves) for k in keys])
    if isinstance(tree, (tuple, list)) and not hasattr(tree, "_fields"):
        kind = "tuple" if isinstance(tree, tuple) else "list"
        return TreeSpec(kind, None, [_flatten(v, leaves) for v in tree])
    leaves.append(tree)
    return LEAF


def tree_unflatten(leaves, spec: TreeSpec):
    """The tree of shape ``spec`` holding ``leaves`` in order."""
    it = iter(leaves)
    return _unflatten(it, spec)


def _unflatten(it, spec: TreeSpec):
    if spec.kind == "leaf":
        return next(it)
    values = [_unflatten(it, c) for c in spec.children]
    if spec.kind == "dict":
        return dict(zip(spec.keys, values))
    return tuple(values) if spec.kind == "tuple" else values


def tree_map(fn, tree):
    leaves, spec = tree_flatten(tree)
    return tree_unflatten([fn(x) for x in leaves], spec)


def broadcast_prefix(prefix, spec: TreeSpec):
    """Leaves of ``prefix`` repeated over ``spec``: a leaf of the prefix covers a subtree.
    Returns None where ``prefix`` does not match the structure."""
    out: list = []
    return out if _broadcast(prefix, spec, out) else None


def _broadcast(prefix, spec: TreeSpec, out: list) -> bool:
    if not isinstance(prefix, (tuple, list, dict)):
        out.extend([prefix] * spec.num_leaves)
        return True
    if isinstance(prefix, dict):
        if spec.kind != "dict" or set(prefix) != set(spec.keys):
            return False
        return all(_broadcast(prefix[k], c, out) for k, c in zip(spec.keys, spec.children))
    kind = "tuple" if isinstance(prefix, tuple) else "list"
    if spec.kind != kind or len(prefix) != len(spec.children):
        return False
    return all(_broadcast(p, c, out) for p, c in zip(prefix, spec.children))
