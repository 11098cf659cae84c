"""npgrad.autograd.functional: Jacobian-vector products, Jacobians and Hessians of a function,
with torch.autograd.functional's signatures and return structures.

The transforms are built from reverse mode (``autograd.grad``), as torch builds them: ``jvp``
and ``hvp`` use the double-backward trick (the VJP is linear in the cotangent, so
differentiating it with respect to the cotangent gives the JVP). The exceptions are
``jacobian(strategy="forward-mode")`` and ``hessian(outer_jacobian_strategy="forward-mode")``,
which take one forward-mode JVP (``autograd.forward_ad``) per input element. Inputs and
outputs keep their structure: a Tensor in, Tensors out; a tuple in, tuples out. Results are
detached unless ``create_graph=True``.
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor, wrap
from . import forward_ad
from .grad import grad as _grad
from .grad_mode import enable_grad, is_grad_enabled, set_grad_enabled


def _as_tuple(value, what: str, fn_name: str) -> tuple[bool, tuple]:
    """(was it a tuple, the tensors as a tuple), refusing anything but tensors."""
    is_tuple = isinstance(value, tuple | list)
    items = tuple(value) if is_tuple else (value,)
    for i, item in enumerate(items):
        if not isinstance(item, Tensor):
            where = f"the value at index {i}" if is_tuple else f"the given {what}"
            raise TypeError(
                f"The {what} given to {fn_name} must be either a Tensor or a tuple of Tensors "
                f"but {where} has type {type(item)}."
            )
    return is_tuple, items


def _prepare(inputs: tuple, create_graph: bool, need_graph: bool) -> tuple:
    """Inputs the transform can differentiate without touching the caller's tensors. As in
    torch, only the view made with ``create_graph=True`` of an input that requires grad
    keeps the input's forward-AD tangent (a detached copy has none)."""
    if create_graph:
        return tuple(_view(x) if x.requires_grad else x.detach().requires_grad_() for x in inputs)
    return tuple(x.detach().requires_grad_(need_graph) for x in inputs)


def _view(x: Tensor) -> Tensor:
    """``x.view_as(x)``, with the tangent of ``x`` inside a forward-AD level."""
    tangent = forward_ad.tangent_of(x) if forward_ad.active[0] else None
    if tangent is None:
        return x.view_as(x)
    with forward_ad.paused():
        view = x.view_as(x)
    forward_ad.set_tangent(view, tangent)
    return view


def _finish(tensors, create_graph: bool):
    """Detach results unless the caller asked for a differentiable result."""
    if isinstance(tensors, tuple):
        return tuple(_finish(t, create_graph) for t in tensors)
    return tensors if create_graph or tensors is None else tensors.detach()


def _unpack(tensors: tuple, was_tuple: bool):
    return tensors if was_tuple else tensors[0]


def _check_v(v: tuple, like: tuple, like_is_tuple: bool) -> None:
    if len(v) != len(like):
        if like_is_tuple:
            raise RuntimeError(
                f"v is a tuple of invalid length: should be {len(like)} but got {len(v)}."
            )
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (a, b) in enumerate(zip(v, like)):
        if a.shape != b.shape:
            where = f"Entry {i} in " if like_is_tuple else ""
            raise RuntimeError(f"{where}v has invalid size: should be {b.shape} but got {a.shape}.")


def _check_outputs_require_grad(outputs: tuple, strict: bool) -> None:
    if not strict:
        return
    for i, out in enumerate(outputs):
        if not out.requires_grad:
            raise RuntimeError(
                f"Output {i} of the user-provided function does not require gradients. The "
                "outputs must be computed in a differentiable manner from the input when "
                "running in strict mode."
            )


def _grads(outputs: tuple, inputs: tuple, cotangents: tuple, create_graph: bool) -> tuple:
    """``autograd.grad`` over the outputs that are in the graph; None for unused inputs."""
    pairs = [(o, c) for o, c in zip(outputs, cotangents) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    outs, cots = zip(*pairs)
    return tuple(
        _grad(outs, inputs, cots, retain_graph=True, create_graph=create_graph, allow_unused=True)
    )


def _zeros_for_none(grads: tuple, refs: tuple, strict: bool, message: str) -> tuple:
    filled = []
    for i, (g, ref) in enumerate(zip(grads, refs)):
        if g is None:
            if strict:
                raise RuntimeError(message.format(i=i))
            g = ref.new_zeros(ref.shape)
        filled.append(g)
    return tuple(filled)


_INDEPENDENT = (
    "The output of the user-provided function is independent of input {i}. This is not "
    "allowed in strict mode."
)


def _call(func, inputs: tuple, fn_name: str) -> tuple[bool, tuple]:
    return _as_tuple(func(*inputs), "outputs of the user-provided function", fn_name)


def _vector(v, like: tuple, like_is_tuple: bool, fn_name: str, create_graph: bool, of: str):
    """The ``v`` of a product as a tuple shaped like ``like``; None means 1 and is allowed
    only for a single one-element tensor (``of`` names what ``like`` is, for the error)."""
    if v is not None:
        _, v = _as_tuple(v, "v", fn_name)
        v = _prepare(v, create_graph, need_graph=False)
        _check_v(v, like, like_is_tuple)
        return v
    if len(like) != 1 or like[0].numel() != 1:
        raise RuntimeError(f"The vector v can only be None if {of} a single element.")
    return (like[0].new_ones(like[0].shape),)


_OF_OUTPUT = "the user-provided function returns a single Tensor with"
_OF_INPUT = "the input to the user-provided function is a single Tensor with"


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), vᵀ J): the vector-Jacobian product of ``func`` at ``inputs``."""
    with enable_grad():
        inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        outputs_tuple, outputs = _call(func, inputs, "vjp")
        _check_outputs_require_grad(outputs, strict)
        v = _vector(v, outputs, outputs_tuple, "vjp", create_graph, _OF_OUTPUT)
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        grads = _grads(outputs, inputs, v, create_graph)
        result = _zeros_for_none(grads, inputs, strict, _INDEPENDENT)
    return (
        _unpack(_finish(outputs, create_graph), outputs_tuple),
        _unpack(_finish(result, create_graph), inputs_tuple),
    )


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): the Jacobian-vector product, by the double-backward trick."""
    with enable_grad():
        inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        v = _vector(v, inputs, inputs_tuple, "jvp", create_graph, _OF_INPUT)
        outputs_tuple, outputs = _call(func, inputs, "jvp")
        _check_outputs_require_grad(outputs, strict)
        # The VJP is linear in its cotangent u, so d(Jᵀu)/du applied to v is J v; u's value
        # never matters, zeros keep NaN and inf out.
        cotangents = tuple(o.new_zeros(o.shape).requires_grad_() for o in outputs)
        grad_inputs = _grads(outputs, inputs, cotangents, create_graph=True)
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        used = [(g, w) for g, w in zip(grad_inputs, v) if g is not None and g.requires_grad]
        if strict and len(used) != len(grad_inputs):
            i = next(i for i, g in enumerate(grad_inputs) if g is None or not g.requires_grad)
            raise RuntimeError(
                f"The gradient with respect to input {i} is independent of the inputs of the "
                "user-provided function. This is not allowed in strict mode."
            )
        if used:
            gs, ws = zip(*used)
            raw = _grad(gs, cotangents, ws, create_graph=create_graph, allow_unused=True)
        else:
            raw = (None,) * len(outputs)
        result = _zeros_for_none(tuple(raw), outputs, strict, _INDEPENDENT)
    return (
        _unpack(_finish(outputs, create_graph), outputs_tuple),
        _unpack(_finish(result, create_graph), outputs_tuple),
    )


def jacobian(
    func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"
):
    """The Jacobian of ``func`` at ``inputs``: for each output and input, a tensor of shape
    ``output.shape + input.shape`` (nested tuples follow the tuple-ness of both). By default
    one VJP per output element; ``strategy="forward-mode"`` (with ``vectorize=True``, as in
    torch) takes one forward-mode JVP per input element instead."""
    if strategy not in ("reverse-mode", "forward-mode"):
        raise AssertionError(  # torch's type for this error
            'Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
            'function has more outputs than inputs, "forward-mode" tends to be more '
            'performant. Otherwise, prefer to use "reverse-mode".'
        )
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError(
                "torch.autograd.functional.jacobian: `create_graph=True` "
                'and `strategy="forward-mode"` are not supported together (yet). '
                "Please either set `create_graph=False` or "
                '`strategy="reverse-mode"`.'
            )
        return _jacfwd(func, inputs, strict, vectorize)
    with enable_grad():
        inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        outputs_tuple, outputs = _call(func, inputs, "jacobian")
        _check_outputs_require_grad(outputs, strict)
        # vectorize=True batches the rows in torch; here rows are computed one by one, with
        # the same result.
        blocks = []
        for i, out in enumerate(outputs):
            flat = out.reshape(-1)
            rows = [[] for _ in inputs]
            for j in range(flat.numel()):
                grads = _grads((flat[j],), inputs, (None,), create_graph)
                for k, (g, x) in enumerate(zip(grads, inputs)):
                    if g is None:
                        if strict:
                            raise RuntimeError(
                                f"Output {i} of the user-provided function is independent of "
                                f"input {k}. This is not allowed in strict mode."
                            )
                        g = x.new_zeros(x.shape)
                    rows[k].append(g)
            blocks.append(tuple(_stack_rows(r, out.shape, x.shape) for r, x in zip(rows, inputs)))
        blocks = _finish(tuple(blocks), create_graph)
    if not outputs_tuple:
        return _unpack(blocks[0], inputs_tuple)
    return tuple(_unpack(b, inputs_tuple) for b in blocks)


def _jacfwd(func, inputs, strict: bool, vectorize: bool):
    """The Jacobian by forward mode: one JVP per input element, along a basis vector (torch
    runs them as one vmap-batched JVP, which is why it needs ``vectorize=True``; a loop
    gives the same columns). Every input is a dual tensor in each JVP, with a zero tangent
    for the inputs other than the one whose element is the column's."""
    if strict:
        raise RuntimeError(
            "torch.autograd.functional.jacobian: `strict=True` "
            'and `strategy="forward-mode"` are not supported together (yet). '
            "Please either set `strict=False` or "
            '`strategy="reverse-mode"`.'
        )
    inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
    if not vectorize:
        raise NotImplementedError(  # torch's message, missing space included
            "Computing Jacobian using forward-AD or forward-over-reverse Hessian is"
            "only implemented for `vectorize=True`."
        )

    def run(k: int, j: int) -> tuple:
        """(outputs were a tuple, the outputs, their tangents) along input k's element j."""
        with forward_ad.dual_level():
            duals = tuple(
                forward_ad.make_dual(x, _one_hot(x, j) if i == k else _zeros_like(x))
                for i, x in enumerate(inputs)
            )
            outputs_tuple, outputs = _call(func, duals, "jacobian")
            tangents = []
            for out in outputs:
                tangent = forward_ad.tangent_of(out)
                tangents.append(_zeros_like(out) if tangent is None else tangent)
        return outputs_tuple, outputs, tangents

    columns = []  # per input: per element, the tangent of every output
    outputs_tuple = outputs = None
    for k, x in enumerate(inputs):
        columns.append([])
        for j in range(x.numel()):
            outputs_tuple, outputs, tangents = run(k, j)
            columns[k].append(tangents)
    if outputs is None:  # no input element at all: the outputs' shapes from a plain call
        outputs_tuple, outputs = _call(func, inputs, "jacobian")
    blocks = [
        [
            _stack_columns([c[i] for c in cols], out.shape, x.shape)
            for cols, x in zip(columns, inputs)
        ]
        for i, out in enumerate(outputs)
    ]
    # torch's forward-mode Jacobian keeps these as lists (its reverse mode gives tuples).
    if not inputs_tuple:
        blocks = tuple(b[0] for b in blocks)
    return blocks if outputs_tuple else blocks[0]


def _one_hot(like: Tensor, index: int) -> Tensor:
    e = np.zeros(like.shape, like._data.dtype)
    e.reshape(-1)[index] = 1
    return wrap(e)


def _zeros_like(like: Tensor) -> Tensor:
    return wrap(np.zeros(like.shape, like._data.dtype))


def _stack_columns(columns: list, out_shape: tuple, in_shape: tuple) -> Tensor:
    """The tangents along each input element, one per column, as a ``out + in`` block."""
    from .._creation import zeros
    from ..ops.join import stack

    if not columns:  # an input with no elements
        return zeros(*out_shape, *in_shape)
    return stack([c.reshape(-1) for c in columns], 1).reshape(*out_shape, *in_shape)


def _stack_rows(rows: list, out_shape: tuple, in_shape: tuple) -> Tensor:
    """The gradients of an output's elements, one per row, as a ``out + in`` shaped block."""
    from .._creation import zeros
    from ..ops.join import stack

    if not rows:  # an output with no elements
        return zeros(*out_shape, *in_shape)
    return stack([r.reshape(-1) for r in rows]).reshape(*out_shape, *in_shape)


def hessian(
    func,
    inputs,
    create_graph=False,
    strict=False,
    vectorize=False,
    outer_jacobian_strategy="reverse-mode",
):
    """The Hessian of a scalar function ``func`` at ``inputs``: the Jacobian of its gradient,
    taken by reverse mode, or with ``outer_jacobian_strategy="forward-mode"`` (and
    ``vectorize=True``) by forward mode over the reverse-mode gradient."""
    inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("reverse-mode", "forward-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def scalar(*xs):
        out = func(*xs)
        is_tuple, outs = _as_tuple(out, "outputs of the user-provided function", "hessian")
        if is_tuple or not isinstance(out, Tensor):
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.numel() != 1:
            raise RuntimeError(
                "The Tensor returned by the function given to hessian should contain a single "
                "element"
            )
        return out.squeeze()

    def gradient(*xs):
        if outer_jacobian_strategy == "forward-mode":
            # As torch: the dual inputs must require grad, or the inner jacobian detaches
            # them and their tangents are lost.
            xs = tuple(x.requires_grad_(True) for x in xs)
        return jacobian(scalar, xs, create_graph=True, strict=strict)

    result = jacobian(
        gradient,
        inputs,
        create_graph=create_graph,
        strict=strict,
        vectorize=vectorize,
        strategy=outer_jacobian_strategy,
    )
    return result if inputs_tuple else result[0][0]


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), vᵀ H): a vector times the Hessian of a scalar function."""
    return _hessian_product("vhp", func, inputs, v, create_graph, strict)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v): the Hessian of a scalar function times a vector."""
    return _hessian_product("hvp", func, inputs, v, create_graph, strict)


def _hessian_product(name, func, inputs, v, create_graph, strict):
    with enable_grad():
        inputs_tuple, inputs = _as_tuple(inputs, "inputs", name)
        inputs = _prepare(inputs, create_graph, need_graph=True)
        v = _vector(v, inputs, inputs_tuple, name, create_graph, _OF_INPUT)
        outputs_tuple, outputs = _call(func, inputs, name)
        if outputs_tuple or outputs[0].numel() != 1:
            raise RuntimeError(
                f"The function given to {name} should return a single Tensor with a single element"
            )
        _check_outputs_require_grad(outputs, strict)
        first = _grads(outputs, inputs, (None,), create_graph=True)
        first = _zeros_for_none(first, inputs, strict, _INDEPENDENT)
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        # For the twice-differentiable functions here H is symmetric, so vᵀH and Hv agree;
        # both are one more VJP through the gradient.
        result = _grads(first, inputs, v, create_graph)
        result = _zeros_for_none(
            result,
            inputs,
            strict,
            "The hessian of the user-provided function with respect to input {i} is "
            "independent of the input. This is not allowed in strict mode.",
        )
    return (
        _finish(outputs[0], create_graph),
        _unpack(_finish(result, create_graph), inputs_tuple),
    )
