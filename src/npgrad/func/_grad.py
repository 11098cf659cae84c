"""torch.func's reverse- and forward-mode transforms: grad, grad_and_value, vjp, jvp.

``grad``, ``grad_and_value`` and ``vjp`` record the function on their own differentiable
copies of the inputs and take gradients with ``autograd.grad``. The results keep a graph only
where they depend on something outside the call (inputs already in a graph, as under an outer
transform, or captured tensors that require grad), so that transforms compose:
``grad(grad(f))``. ``jvp`` is forward mode (``autograd.forward_ad``): the primals become dual
tensors whose tangents are the given tangents.

Inside a forward-AD level (forward over reverse: ``jacfwd(jacrev(f))``, ``jvp(grad(f))``) the
reverse-mode transforms keep the tangents of their inputs on their copies and take gradients
with ``create_graph=True``, so that the backward pass runs on Tensors and computes the
tangents of the gradients too; their results keep those tangents when they are detached.
"""

from __future__ import annotations

import functools

from .._tensor import Tensor
from ..autograd import forward_ad
from ..autograd.grad import grad as _autograd_grad
from ..autograd.grad_mode import enable_grad, is_grad_enabled
from ._args import merge, split
from ._pytree import tree_flatten, tree_map, tree_unflatten
from ._trace import Recording, detach


def _forward_level_open() -> bool:
    """True inside a forward-AD level (npgrad has one level at a time)."""
    return forward_ad._level[0] is not None


def _graph_needed(keep: bool) -> bool:
    """Whether gradients must be computed with ``create_graph=True``: to keep the result
    differentiable, or because tangents are about (the backward pass on raw arrays would
    lose them)."""
    return keep or forward_ad.active[0]


def _detached(t: Tensor, recording: Recording, outer_enabled: bool) -> Tensor:
    """``t`` without the call's internal graph, with its tangent if it has one (detached
    unless it depends on something outside the call)."""
    tangent = forward_ad.tangent_of(t) if forward_ad.active[0] else None
    keep_tangent = (
        tangent is not None
        and tangent.requires_grad
        and outer_enabled
        and recording.depends_on_outer([tangent])
    )
    return detach(t, keep_tangent_graph=keep_tangent)


def _detach_unless(keep: bool, recording: Recording, tree):
    """Tensors of ``tree`` detached, except those that depend on the outside when ``keep``
    (the caller's grad mode)."""

    def fix(t):
        if not isinstance(t, Tensor) or not t.requires_grad:
            return t
        if keep and recording.depends_on_outer([t]):
            return t
        return _detached(t, recording, keep)

    return tree_map(fix, tree)


def _gradients(outputs, inputs, cotangents, create_graph: bool) -> list:
    """vᵀJ for each input (zeros where an input is unused), through the outputs in a graph."""
    pairs = [(o, c) for o, c in zip(outputs, cotangents) if o.requires_grad]
    grads = [None] * len(inputs)
    if pairs:
        outs, cots = zip(*pairs)
        grads = list(
            _autograd_grad(
                outs, inputs, cots, retain_graph=True, create_graph=create_graph, allow_unused=True
            )
        )
    return [x.new_zeros(x.shape) if g is None else g for g, x in zip(grads, inputs)]


def _split_aux(output, has_aux: bool, where: str):
    if not has_aux:
        return output, None
    if not (isinstance(output, tuple) and len(output) == 2):
        raise RuntimeError(
            f"{where}: output of function f should be a tuple: (output, aux) if has_aux is True"
        )
    return output


def grad_and_value(func, argnums=0, has_aux=False):
    """Like ``grad``, but the function returns ``(gradient, value)`` (``(gradient, (value,
    aux))`` with ``has_aux``)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        outer_enabled = is_grad_enabled()
        leaves, spec, positions = split(args, argnums)
        with enable_grad():
            rec = Recording(leaves)
            output = func(*merge(args, argnums, positions, rec.inputs, spec), **kwargs)
            where = "grad_and_value(f)(*args)"
            output, aux = _split_aux(output, has_aux, where)
            if not isinstance(output, Tensor):
                raise RuntimeError(
                    f"{where}: Expected f(*args) to return a Tensor, got {type(output)}"
                )
            if output.dim() != 0:
                raise RuntimeError(
                    f"{where}: Expected f(*args) to return a scalar Tensor, got tensor with "
                    f"{output.dim()} dims. Maybe you wanted to use the vjp or jacrev APIs instead?"
                )
            keep = outer_enabled and rec.depends_on_outer([output])
            grads = _gradients([output], rec.inputs, [None], create_graph=_graph_needed(keep))
            if not keep:
                grads = [_detached(g, rec, outer_enabled) for g in grads]
        grads = tree_unflatten(grads, spec)
        value = output if keep else _detached(output, rec, outer_enabled)
        if has_aux:
            return grads, (value, _detach_unless(outer_enabled, rec, aux))
        return grads, value

    return wrapper


def grad(func, argnums=0, has_aux=False):
    """The gradient of a function returning a scalar Tensor, with respect to the arguments at
    ``argnums`` (an int or a tuple of ints; an argument may be a tuple/list/dict of Tensors).
    With ``has_aux`` the function returns ``(output, aux)`` and the result is ``(grad, aux)``."""
    inner = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        grads, value = inner(*args, **kwargs)
        return (grads, value[1]) if has_aux else grads

    return wrapper


def vjp(func, *primals, has_aux=False):
    """``(func(*primals), vjp_fn)``: ``vjp_fn(cotangents)`` returns the vector-Jacobian
    product for every primal, as a tuple; with ``has_aux``, ``(output, vjp_fn, aux)``."""
    outer_enabled = is_grad_enabled()
    leaves, spec = tree_flatten(primals)
    with enable_grad():
        rec = Recording(leaves)
        output = func(*tree_unflatten(rec.inputs, spec))
        output, aux = _split_aux(output, has_aux, "vjp(f, *primals)")
        out_leaves, out_spec = tree_flatten(output)
        for o in out_leaves:
            if not isinstance(o, Tensor):
                raise RuntimeError(
                    f"vjp(f, *primals): Expected f to be a function that returns Tensors (or "
                    f"tuples/lists/dicts of them), got {type(o)}"
                )
        keep = outer_enabled and rec.depends_on_outer(out_leaves)

    def vjp_fn(cotangents, retain_graph=True, create_graph=None):
        cot_leaves, cot_spec = tree_flatten(cotangents)
        if cot_spec != out_spec:
            raise RuntimeError(
                "Expected pytree structure of cotangents to be the same as pytree structure of "
                f"outputs to the function. cotangents: {cot_spec}, primal output: {out_spec}"
            )
        create = keep or any(isinstance(c, Tensor) and c.requires_grad for c in cot_leaves)
        if create_graph is not None:
            create = create_graph
        with enable_grad():
            grads = _gradients(
                out_leaves, rec.inputs, cot_leaves, create_graph=_graph_needed(create)
            )
        if not create:
            grads = [_detached(g, rec, outer_enabled) for g in grads]
        return tree_unflatten(grads, spec)

    shown = tree_map(lambda t: t if keep else _detached(t, rec, outer_enabled), output)
    if has_aux:
        return shown, vjp_fn, _detach_unless(outer_enabled, rec, aux)
    return shown, vjp_fn


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """``(func(*primals), J·tangents)``: the Jacobian-vector product, by forward mode: inside
    a dual level each primal becomes a dual tensor whose tangent is the matching tangent,
    ``func`` runs once, and the tangents of its outputs are the product (zeros for an output
    that does not depend on the primals). With ``has_aux``, ``func`` returns ``(output,
    aux)`` and the result is ``(output, jvp_out, aux)``."""
    where = "jvp(f, primals, tangents)"
    p_leaves, p_spec, t_leaves = _check_jvp_args(primals, tangents, where)
    if _forward_level_open():
        return _jvp_by_double_backward(func, p_leaves, p_spec, t_leaves, has_aux, where)
    with forward_ad.dual_level():
        duals = [forward_ad.make_dual(p, t) for p, t in zip(p_leaves, t_leaves)]
        output = func(*tree_unflatten(duals, p_spec))
        output, aux = _split_aux(output, has_aux, where)
        out_leaves, out_spec = _output_leaves(output, where)
        tangents_out = [_tangent_or_zeros(o) for o in out_leaves]
    result = (output, tree_unflatten(tangents_out, out_spec))
    return (*result, aux) if has_aux else result


def _check_jvp_args(primals, tangents, where: str):
    if not isinstance(primals, tuple):
        raise RuntimeError(
            f"{where}: Expected primals to be a tuple. E.g. it should be valid to call f(*primals)."
        )
    p_leaves, p_spec = tree_flatten(primals)
    t_leaves, t_spec = tree_flatten(tangents)
    if p_spec != t_spec:
        raise RuntimeError(
            f"{where}: Expected primals and tangents to have the same python structure. For "
            "example, if primals is a tuple of 3 tensors, tangents also must be. Got primals "
            f"with structure {p_spec} and tangents with structure {t_spec}"
        )
    for p, t in zip(p_leaves, t_leaves):
        if not (isinstance(p, Tensor) and isinstance(t, Tensor)):
            raise RuntimeError(f"{where}: Expected primals and tangents to be Tensors")
        if p.shape != t.shape:
            raise RuntimeError(
                "Trying to set a forward gradient that has a different size than that of the "
                f"original Tensor, this is not supported. Tensor is of size {list(p.shape)} while "
                f"the given forward gradient is of size {list(t.shape)}."
            )
    return p_leaves, p_spec, t_leaves


def _output_leaves(output, where: str):
    out_leaves, out_spec = tree_flatten(output)
    for o in out_leaves:
        if not isinstance(o, Tensor):
            raise RuntimeError(
                f"{where}: Expected f(*primals) to return only tensors, got {type(o)}"
            )
    return out_leaves, out_spec


def _tangent_or_zeros(output: Tensor) -> Tensor:
    tangent = forward_ad.tangent_of(output)
    return output.new_zeros(output.shape) if tangent is None else tangent


def _jvp_by_double_backward(func, p_leaves, p_spec, t_leaves, has_aux, where):
    """``jvp`` inside a forward-AD level that is already open (``jvp(jvp(f))``,
    ``jacfwd(jacfwd(f))``): torch.func nests forward mode with a level per transform, npgrad
    has one level, so the inner product is taken by reverse mode instead, the double-backward
    trick: the VJP u ↦ Jᵀu is linear in u, and differentiating it with respect to u along
    the tangents gives J·tangents. Its ops run inside the open level, so the result carries
    the outer tangent as forward mode would."""
    outer_enabled = is_grad_enabled()
    with enable_grad():
        rec = Recording(p_leaves)
        output = func(*tree_unflatten(rec.inputs, p_spec))
        output, aux = _split_aux(output, has_aux, where)
        out_leaves, out_spec = _output_leaves(output, where)
        keep = outer_enabled and (
            rec.depends_on_outer(out_leaves) or any(t.requires_grad for t in t_leaves)
        )
        # u's value never matters (the VJP is linear in it); zeros keep NaN and inf out.
        us = [o.new_zeros(o.shape).requires_grad_() for o in out_leaves]
        vjps = _gradients(out_leaves, rec.inputs, us, create_graph=True)
        used = [(g, t) for g, t in zip(vjps, t_leaves) if g.requires_grad]
        if used:
            gs, ts = zip(*used)
            raw = _autograd_grad(gs, us, ts, create_graph=_graph_needed(keep), allow_unused=True)
        else:
            raw = [None] * len(us)
    tangents_out = [
        o.new_zeros(o.shape) if g is None else (g if keep else _detached(g, rec, outer_enabled))
        for g, o in zip(raw, out_leaves)
    ]
    shown = tree_map(lambda t: t if keep else _detached(t, rec, outer_enabled), output)
    result = (shown, tree_unflatten(tangents_out, out_spec))
    if has_aux:
        return (*result, _detach_unless(outer_enabled, rec, aux))
    return result
