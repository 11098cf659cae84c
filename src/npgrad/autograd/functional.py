"""npgrad.autograd.functional: Jacobian-vector products, Jacobians and Hessians of a function,
with torch.autograd.functional's signatures and return structures.

Every transform here is built from reverse mode (``autograd.grad``): ``jvp`` and ``hvp`` use
the double-backward trick (the VJP is linear in the cotangent, so differentiating it with
respect to the cotangent gives the JVP). Inputs and outputs keep their structure: a Tensor in,
Tensors out; a tuple in, tuples out. Results are detached unless ``create_graph=True``.
"""

from __future__ import annotations

from .._tensor import Tensor
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
    """Inputs the transform can differentiate without touching the caller's tensors."""
    if create_graph:
        return tuple(
            x.view_as(x) if x.requires_grad else x.detach().requires_grad_() for x in inputs
        )
    return tuple(x.detach().requires_grad_(need_graph) for x in inputs)


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
    ``output.shape + input.shape`` (nested tuples follow the tuple-ness of both)."""
    if strategy not in ("reverse-mode", "forward-mode"):
        raise AssertionError(  # torch's type for this error
            'Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
            'function has more outputs than inputs, "forward-mode" tends to be more '
            'performant. Otherwise, prefer to use "reverse-mode".'
        )
    if strategy == "forward-mode":
        if not vectorize:
            raise NotImplementedError(
                'torch.autograd.functional.jacobian: `strategy="forward-mode"` is only '
                "implemented when `vectorize=True`."
            )
        raise NotImplementedError(
            "jacobian(strategy='forward-mode') needs forward-mode AD, which npgrad does not "
            "have yet; use the default strategy='reverse-mode' (same result)"
        )
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
    """The Hessian of a scalar function ``func`` at ``inputs`` (the Jacobian of its gradient)."""
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
