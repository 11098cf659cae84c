"""torch.func's Jacobians: jacrev (one VJP per output element), jacfwd (one JVP per input
element, by forward mode) and hessian (``jacfwd(jacrev(f))``, forward over reverse)."""

from __future__ import annotations

import functools

import numpy as np

from .._tensor import Tensor, wrap
from ..autograd import forward_ad
from ..autograd.grad import grad as _autograd_grad
from ..autograd.grad_mode import enable_grad, is_grad_enabled
from ..ops.join import stack
from ._args import merge, split
from ._grad import (
    _detach_unless,
    _detached,
    _forward_level_open,
    _gradients,
    _graph_needed,
    _output_leaves,
    _split_aux,
    _tangent_or_zeros,
)
from ._pytree import tree_flatten, tree_unflatten
from ._trace import Recording


def _basis(like: Tensor, index: int) -> Tensor:
    """The one-hot tensor shaped like ``like`` with a 1 at flat position ``index``."""
    e = np.zeros(like.shape, like.detach().numpy().dtype)
    e.reshape(-1)[index] = 1
    return wrap(e)


def _block(columns: list, out: Tensor, x: Tensor, rows_first: bool) -> Tensor:
    """An ``out.shape + x.shape`` block from per-element gradients (rows: one per output
    element, each shaped like x; columns: one per input element, each shaped like out)."""
    if not columns:
        return out.new_zeros((*out.shape, *x.shape))
    flat = stack([c.reshape(-1) for c in columns])
    if not rows_first:
        flat = flat.t()
    return flat.reshape(*out.shape, *x.shape)


def _run(func, args, kwargs, argnums, has_aux, where):
    leaves, spec, positions = split(args, argnums)
    rec = Recording(leaves)
    output = func(*merge(args, argnums, positions, rec.inputs, spec), **kwargs)
    output, aux = _split_aux(output, has_aux, where)
    out_leaves, out_spec = tree_flatten(output)
    for o in out_leaves:
        if not isinstance(o, Tensor):
            raise RuntimeError(f"{where}: Expected f to return only Tensors, got {type(o)}")
    return rec, spec, aux, out_leaves, out_spec


def _assemble(blocks: list, in_spec, out_spec):
    """Per output, the tree of its blocks over the inputs; the whole in the outputs' tree."""
    return tree_unflatten([tree_unflatten(b, in_spec) for b in blocks], out_spec)


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None, _preallocate_and_copy=False):
    """The Jacobian of ``func`` with respect to the arguments at ``argnums``, by reverse mode:
    for an output of shape O and an input of shape I, a block of shape O + I. Outputs keep
    their tree; each output holds the tree of the differentiated arguments."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        outer_enabled = is_grad_enabled()
        with enable_grad():
            rec, spec, aux, outs, out_spec = _run(func, args, kwargs, argnums, has_aux, "jacrev")
            keep = outer_enabled and rec.depends_on_outer(outs)
            create = _graph_needed(keep)
            blocks = []
            for out in outs:
                rows = [
                    _gradients([out], rec.inputs, [_basis(out, j)], create_graph=create)
                    for j in range(out.numel())
                ]
                blocks.append(
                    [_block([r[k] for r in rows], out, x, True) for k, x in enumerate(rec.inputs)]
                )
            if not keep:
                blocks = [[_detached(b, rec, outer_enabled) for b in bs] for bs in blocks]
        jac = _assemble(blocks, spec, out_spec)
        return (jac, _detach_unless(outer_enabled, rec, aux)) if has_aux else jac

    return wrapper


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """The Jacobian of ``func``, column by column: one Jacobian-vector product per input
    element, by forward mode along a basis vector (``func`` runs once per column; torch
    batches the columns with vmap). Same structure as ``jacrev``'s result."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if _forward_level_open():
            return _jacfwd_by_double_backward(func, args, kwargs, argnums, has_aux)
        leaves, spec, positions = split(args, argnums)

        def run(duals):
            output = func(*merge(args, argnums, positions, duals, spec), **kwargs)
            output, aux = _split_aux(output, has_aux, "jacfwd")
            return (*_output_leaves(output, "jacfwd"), aux)

        columns = []  # per input: per element, the tangent of every output
        outs = out_spec = aux = None
        for k, x in enumerate(leaves):
            per_element = []
            for j in range(x.numel()):
                with forward_ad.dual_level():
                    duals = list(leaves)
                    duals[k] = forward_ad.make_dual(x, _basis(x, j))
                    outs, out_spec, aux = run(duals)
                    per_element.append([_tangent_or_zeros(o) for o in outs])
            columns.append(per_element)
        if outs is None:  # no input element at all: run once for the outputs' shapes
            outs, out_spec, aux = run(list(leaves))
        blocks = [
            [_block([c[i] for c in columns[k]], out, x, False) for k, x in enumerate(leaves)]
            for i, out in enumerate(outs)
        ]
        jac = _assemble(blocks, spec, out_spec)
        return (jac, aux) if has_aux else jac

    return wrapper


def _jacfwd_by_double_backward(func, args, kwargs, argnums, has_aux):
    """``jacfwd`` inside a forward-AD level that is already open (``jacfwd(jacfwd(f))``, a
    hessian under an outer ``jvp``): npgrad has a single level where torch.func has one per
    transform, so each column is the double-backward trick of ``jvp`` instead. Its ops run
    inside the open level and carry its tangents, so the result is the same."""
    outer_enabled = is_grad_enabled()
    with enable_grad():
        rec, spec, aux, outs, out_spec = _run(func, args, kwargs, argnums, has_aux, "jacfwd")
        keep = outer_enabled and rec.depends_on_outer(outs)
        create = _graph_needed(keep)
        us = [o.new_zeros(o.shape).requires_grad_() for o in outs]
        vjps = _gradients(outs, rec.inputs, us, create_graph=True)
        columns = []  # per input: per element, the tangent of every output
        for g, x in zip(vjps, rec.inputs):
            per_element = []
            for j in range(x.numel()):
                if g.requires_grad:
                    raw = _autograd_grad(
                        g,
                        us,
                        _basis(x, j),
                        retain_graph=True,
                        create_graph=create,
                        allow_unused=True,
                    )
                else:
                    raw = [None] * len(us)
                per_element.append(
                    [o.new_zeros(o.shape) if t is None else t for t, o in zip(raw, outs)]
                )
            columns.append(per_element)
        blocks = [
            [_block([c[i] for c in columns[k]], out, x, False) for k, x in enumerate(rec.inputs)]
            for i, out in enumerate(outs)
        ]
        if not keep:
            blocks = [[_detached(b, rec, outer_enabled) for b in bs] for bs in blocks]
    jac = _assemble(blocks, spec, out_spec)
    return (jac, _detach_unless(outer_enabled, rec, aux)) if has_aux else jac


def hessian(func, argnums=0):
    """The Hessian of a function returning a scalar: ``jacfwd(jacrev(func))``, forward over
    reverse, as in torch: ``jacrev`` runs on dual inputs and its gradients carry tangents."""
    return jacfwd(jacrev(func, argnums), argnums)


__all__ = ["hessian", "jacfwd", "jacrev"]
