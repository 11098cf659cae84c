"""How an op is declared and recorded: a NumPy forward plus one VJP rule per input.

``defop(name, *vjps, saves=...)`` makes the op's node class (named as torch names it, e.g.
``MulBackward0``); ``apply(node_cls, kernel, *args, **params)`` runs the kernel on the arrays
and, when grad mode is on and an input requires grad, records a node.

The rule contract, used by every op file:
- ``vjp(grad, result, *inputs, **params)`` returns the gradient for one input, in the shape of
  the *output*; the engine sums it back over broadcast dimensions. No rule mentions broadcasting.
- Rules are NumPy expressions. In a plain backward they run on arrays (the fast path); under
  ``create_graph=True`` they receive Tensors, and NumPy hands each call back to npgrad's own
  op through ``Tensor.__array_ufunc__``/``__array_function__``, so the same formula records the
  graph of the backward pass. Every formula is therefore written once and is differentiable.
  Array methods both types share (``g.sum(axis=…, keepdims=…)``, ``g.reshape(…)``) are
  preferred to NumPy's function wrappers, which cost microseconds per call.
- ``grad`` is the incoming gradient, ``result`` the forward output, ``x, y`` tensor inputs,
  ``a, b`` matmul operands. Inputs or result not saved by the op arrive as None.

Forward mode (``autograd.forward_ad``) needs the op's JVP, declared with ``jvp=``:
- ``ELEMENTWISE``: the Jacobian is diagonal, so the VJP rules are the JVP rules: the output
  tangent is the sum of ``vjp(tangent, result, *inputs)`` over the inputs with tangents;
- ``LINEAR``: the op is linear in its differentiable inputs jointly (a view, a sum, cat), so
  the output tangent is the op itself run on the tangents (zeros for inputs without one);
- ``MULTILINEAR``: linear in each input separately (mul, matmul, conv): the sum over inputs
  with tangents of the op run with that one input replaced by its tangent;
- a function ``jvp(tangents, result, *inputs, **params)``: ``tangents`` holds one tangent
  (or None) per input; it returns the output's tangent (a tuple for several outputs).
Rules run on Tensors, so a tangent is itself differentiable.
"""

from __future__ import annotations

import re

import numpy as np

from .._dtype import result_type
from .._tensor import Tensor, wrap
from ..autograd import forward_ad
from ..autograd.diagnosis import record_cut_input
from ..autograd.grad_mode import state
from ..autograd.graph import Packed, pack, pack_hooks
from ..autograd.node import (
    _FREED,
    Node,
    _sequence,
    accumulator,
    describe_change,
    extras,
    inplace_epoch,
    refresh_view,
)

_ndarray = np.ndarray
_new = object.__new__
forward_active = forward_ad.active
_asarray = np.asarray


class OpNode(Node):
    """The node of a built-in op; its class carries the op's VJP rules."""

    __slots__ = (
        "_saved",
        "_versions",
        "_result",
        "_result_counter",
        "_result_version",
        "_params",
        "_epoch",
    )
    _vjps: tuple = ()
    _jvp = None
    _differentiable: tuple = ()
    _saves_inputs = False
    _saves_result = False
    _fresh_grads = True  # rules build new arrays, except where they pass `grad` through

    def _apply(self, grad, create_graph: bool) -> list:
        saved = self._saved
        if saved is _FREED:
            raise RuntimeError(SECOND_BACKWARD)
        result = self._result
        if self._epoch != inplace_epoch[0]:  # also always true for a node with packed saves
            saved, result = _saved_values(self)
        if create_graph and result is not None:
            result = wrap(result, self)  # the output again, so its uses get recorded
            if forward_active[0]:  # forward over reverse: the result's tangent too
                _set(result, forward_ad.tangent_of(self))
        if saved is None:
            inputs = _UNSAVED[len(self._next)]
        elif create_graph:
            inputs = saved
        else:
            inputs = [s._data if isinstance(s, Tensor) else s for s in saved]
        params = self._params
        if params:
            return [
                None if fn is None else vjp(grad, result, *inputs, **params)
                for fn, vjp in zip(self._next, self._vjps)
            ]
        return [
            None if fn is None else vjp(grad, result, *inputs)
            for fn, vjp in zip(self._next, self._vjps)
        ]

    def _release(self) -> None:
        if self._saved is not None or self._result is not None:
            self._saved = _FREED
            self._result = None


_UNSAVED = [(None,) * n for n in range(8)]  # what rules get for inputs the op did not save

SECOND_BACKWARD = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward."
)


def _saved_values(node: OpNode) -> tuple:
    """The node's saved inputs and result: unpacked if saved through saved_tensors_hooks,
    else checked for in-place changes since they were saved."""
    saved, result = node._saved, node._result
    if node._epoch != _PACKED:
        _check_versions(node)
        return saved, result
    if saved is not None:
        saved = [s.unpack() if type(s) is Packed else s for s in saved]
    if result is not None:
        result = result.unpack()._data
    return saved, result


_PACKED = -1  # the _epoch of a node whose saves are packed: never the current epoch


def _check_versions(node: OpNode) -> None:
    """Raise if a tensor saved for this node was modified in place after it was saved."""
    saved = node._saved if node._versions is not None else ()
    for i, (tensor, version) in enumerate(zip(saved, node._versions or ())):
        if version is not None and tensor._version_counter[0] != version:
            fn = node._next[i]
            producer = (
                None if fn is None or fn.name().startswith("torch::") else (fn, node._next_nr[i])
            )
            _raise_modified(
                tensor._data,
                tensor._version_counter,
                version,
                producer,
                f"saved by {node.name()} (its input {i})",
            )
    counter = node._result_counter
    if counter is not None and counter[0] != node._result_version:
        _raise_modified(
            node._result,
            counter,
            node._result_version,
            (node, 0),
            f"saved by {node.name()} (its output)",
        )


def _raise_modified(array, counter: list, then: int, producer, saved_by: str = "") -> None:
    from .._dtype import from_numpy

    now = counter[0]
    what = f"[{from_numpy(array.dtype).name} tensor of shape {list(array.shape)}]"
    if producer is not None:
        node, nr = producer
        what += f", which is output {nr} of {_forward_name(node.name())},"
    where = ""
    if saved_by:
        change = describe_change(counter, then)
        where = f" It was {saved_by}" + (f", then {change}" if change else ".")
    raise RuntimeError(
        "one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: {what} is at version {now}; expected version {then} instead."
        f"{where}\nHint: an in-place op (add_, mul_, x[i] = ..., +=) changed a tensor after an "
        "op saved it for backward; use the out-of-place op (x = x + 1) or clone() the tensor "
        "first."
    )


def _forward_name(node_name: str) -> str:
    """``ExpBackward0`` -> ``Exp``: the op a node belongs to, as torch's messages name it."""
    return re.sub(r"Backward\d*$", "", node_name.rsplit("::", 1)[-1])


ELEMENTWISE = "elementwise"
LINEAR = "linear"
MULTILINEAR = "multilinear"


def defop(name: str, *vjps, saves: str = "inputs", jvp=None, qualified_name: str = "") -> type:
    """Declare an op's node class: its torch name, one VJP per input (None: not
    differentiable), what the rules need saved ("inputs", "result", "both" or "none") and
    its JVP for forward mode (see the module docstring)."""
    attrs = {
        "_qualified_name": qualified_name,
        "_jvp": jvp,
        "_differentiable": tuple(v is not None for v in vjps),
        "__slots__": (),
        "_vjps": tuple(
            v if v is not None else _not_differentiable(name, i) for i, v in enumerate(vjps)
        ),
        "_saves_inputs": saves in ("inputs", "both"),
        "_saves_result": saves in ("result", "both"),
    }
    return type(name, (OpNode,), attrs)


def _not_differentiable(name: str, index: int):
    def rule(*_, **__):
        raise NotImplementedError(
            f"the derivative of {_forward_name(name)} with respect to input {index} "
            "is not implemented; detach() that input if it needs no gradient"
        )

    return rule


def apply(cls: type, kernel, *args, **params) -> Tensor:
    """Run ``kernel`` on the arrays of ``args`` and record a ``cls`` node if grad is needed.

    Tensors among ``args`` are the op's differentiable inputs; anything else is a constant.
    """
    arrays = []
    needs_grad = False
    for a in args:
        if isinstance(a, Tensor):
            arrays.append(a._data)
            if a._requires_grad:
                needs_grad = True
        else:
            arrays.append(a)
    out = kernel(*arrays, **params)
    if type(out) is not _ndarray:
        out = _asarray(out)
    if needs_grad:
        result = link(cls, out, args, params) if state.enabled else _cut(wrap(out), cls)
    else:
        result = wrap(out)
    if forward_active[0]:
        forward(cls, kernel, args, params, result)
    return result


def _cut(result: Tensor, cls: type) -> Tensor:
    """The result of an op on tensors that require grad, run with grad mode off: note how it
    left the graph, for ``autograd.explain``."""
    result._origin = f"an op run under no_grad() ({_forward_name(cls.__name__)})"
    return result


def binary(cls: type, kernel, x, y) -> Tensor:
    """``apply`` for elementwise ops of two operands, with torch's type promotion."""
    xa = x._data if isinstance(x, Tensor) else x
    ya = y._data if isinstance(y, Tensor) else y
    if type(xa) is _ndarray:
        if type(ya) is _ndarray:
            if xa.dtype is not ya.dtype:
                xa, ya = promote(xa, ya)
        elif not _weak_fits(ya, xa):
            xa, ya = promote(xa, ya)
    elif type(ya) is not _ndarray or not _weak_fits(xa, ya):
        xa, ya = promote(xa, ya)
    out = kernel(xa, ya)
    if type(out) is not _ndarray:
        out = _asarray(out)
    if (isinstance(x, Tensor) and x._requires_grad) or (isinstance(y, Tensor) and y._requires_grad):
        result = link(cls, out, (x, y), _NO_PARAMS) if state.enabled else _cut(wrap(out), cls)
    else:
        result = wrap(out)
    if forward_active[0]:
        forward(cls, kernel, (x, y), _NO_PARAMS, result, binary_op=True)
    return result


def _weak_fits(scalar, array: _ndarray) -> bool:
    """True when NumPy already gives torch's dtype for ``array`` op ``scalar`` (a Python
    float with a floating array, a Python int with an integer or floating array)."""
    kind = array.dtype.kind
    t = type(scalar)
    return (t is float and kind in "fc") or (t is int and kind in "iufc")


def promote(xa, ya):
    """Cast array operands to the dtype torch's promotion gives (Python numbers stay weak)."""
    if not isinstance(xa, _ndarray):
        xa = _constant(xa)
    if not isinstance(ya, _ndarray):
        ya = _constant(ya)
    dtype = result_type(xa, ya)
    if isinstance(xa, _ndarray) and xa.dtype != dtype:
        xa = xa.astype(dtype)
    if isinstance(ya, _ndarray) and ya.dtype != dtype:
        ya = ya.astype(dtype)
    return xa, ya


def _constant(value):
    """Python numbers pass through (NumPy treats them as weakly typed, as torch does)."""
    if isinstance(value, np.generic):
        return value.item()  # torch treats NumPy scalars as weakly typed, like Python numbers
    if isinstance(value, (bool, int, float, complex)):
        return value
    if isinstance(value, (list, tuple)):
        raise TypeError(
            f"expected a Tensor or a number as operand, got {type(value).__name__}; "
            "wrap it with npgrad.tensor(...)"
        )
    array = _asarray(value)
    if array.dtype.kind == "O":
        raise TypeError(f"expected a Tensor or a number as operand, got {type(value).__name__}")
    return array


_NO_PARAMS: dict = {}


def link(cls: type, out: _ndarray, inputs: tuple, params: dict) -> Tensor:
    """Make the output tensor of a recorded op together with its node."""
    node = _new(cls)
    next_nodes = []
    next_nr = []
    cut_inputs = None
    versions = [] if cls._saves_inputs else None
    for t in inputs:  # node.edge_of, inlined: this loop runs for every input of every op
        if isinstance(t, Tensor):
            if t._base is not None and t._view_version != t._version_counter[0]:
                refresh_view(t)
            fn = t._grad_fn
            if fn is not None:
                next_nodes.append(fn)
                next_nr.append(t._output_nr)
            elif t._requires_grad:
                next_nodes.append(accumulator(t))
                next_nr.append(0)
            else:
                next_nodes.append(None)
                next_nr.append(0)
                if t._origin is not None:  # a tensor cut out of the graph: for explain()
                    cut_inputs = [*(cut_inputs or ()), t]
            if versions is not None:
                counter = t._version_counter
                versions.append(counter[0])
                if counter[1] is None:  # node.mark_saved, inlined
                    counter[1] = True
        else:
            next_nodes.append(None)
            next_nr.append(0)
            if versions is not None:
                versions.append(None)
    # Tuples of numbers only are dropped by the cycle collector; lists never are.
    node._next = tuple(next_nodes)
    node._next_nr = tuple(next_nr)
    node._seq = next(_sequence)
    node._shape = out.shape
    node._dtype = out.dtype
    node._tensor_hooks = None
    node._retained = None
    node._params = params
    node._saved = inputs if versions is not None else None
    node._versions = None if versions is None else tuple(versions)
    node._epoch = inplace_epoch[0]
    if cut_inputs is not None:
        for t in cut_inputs:
            record_cut_input(node, t)
    result = wrap(out, node)
    node._result_version = 0
    if cls._saves_result:
        node._result = out
        node._result_counter = result._version_counter
        result._version_counter[1] = True  # node.mark_saved: the counter is new
    else:
        node._result = None
        node._result_counter = None
    if extras[0]:
        _record_extras(node, result)
    return result


def _record_extras(node: OpNode, result: Tensor) -> None:
    """In anomaly mode, note where ``node`` was created; inside saved_tensors_hooks, pack
    what it saves. A packed node always goes through ``_saved_values``."""
    from ..autograd.anomaly_mode import anomaly, capture_trace
    from ..autograd.node import extra_of

    if anomaly.enabled:
        extra_of(node, create=True).trace = capture_trace()
    hooks = pack_hooks()
    if hooks is None or (node._saved is None and node._result is None):
        return
    if node._saved is not None:
        edges = zip(node._next, node._next_nr)
        node._saved = tuple(
            pack(t, None if fn is None else (fn, nr), hooks) if isinstance(t, Tensor) else t
            for t, (fn, nr) in zip(node._saved, edges)
        )
    if node._result is not None:
        node._result = pack(result, (node, result._output_nr), hooks)
    node._epoch = _PACKED


# --- forward mode ---------------------------------------------------------------------------
def forward(cls: type, kernel, args: tuple, params: dict, result, binary_op=False) -> None:
    """Give ``result`` (a Tensor, or a tuple of them) its tangent: the op's JVP along the
    tangents of ``args``. Nothing happens when no input has a tangent."""
    table = forward_ad._tangents
    tangents = []
    found = needs_graph = False
    for a in args:
        tangent = None
        if isinstance(a, Tensor):
            entry = table.get(id(a))
            if entry is not None and entry[0]() is a:
                tangent = entry[1]
                found = True
                needs_graph = needs_graph or tangent._requires_grad
            needs_graph = needs_graph or a._requires_grad
        tangents.append(tangent)
    if not found:
        return
    # Record the tangent's own graph only for reverse over forward.
    needs_graph = needs_graph and state.enabled
    if type(result) is tuple:
        outputs = result
        if not any(o._data.dtype.kind in "fc" for o in outputs):
            return
    elif result._data.dtype.kind in "fc":
        outputs = (result,)
    else:
        return  # integer and bool outputs (argmax, comparisons) have no tangent
    rule = cls._jvp
    if rule is None:
        raise NotImplementedError(
            f"forward-mode AD (a JVP rule) is not implemented for {_forward_name(cls.__name__)}; "
            "use reverse mode (backward(), autograd.grad, func.jacrev) for this op"
        )
    forward_ad.pause()
    try:
        if rule is ELEMENTWISE and not needs_graph:
            _set(result, _elementwise_jvp_on_arrays(cls, tangents, result, args, params))
            return
        if rule is ELEMENTWISE:
            out = _elementwise_jvp(cls, tangents, result, args, params)
        elif rule is LINEAR:
            replaced = [
                (t if t is not None else _zeros(a)) if _is_input(cls, i, a) else a
                for i, (a, t) in enumerate(zip(args, tangents))
            ]
            out = (
                binary(cls, kernel, *replaced)
                if binary_op
                else apply(cls, kernel, *replaced, **params)
            )
        elif rule is MULTILINEAR:
            out = None
            for i, t in enumerate(tangents):
                if t is None:
                    continue
                replaced = (*args[:i], t, *args[i + 1 :])
                term = (
                    binary(cls, kernel, *replaced)
                    if binary_op
                    else apply(cls, kernel, *replaced, **params)
                )
                out = term if out is None else out + term
        else:
            out = rule(tangents, result, *args, **params)
        out = [_fit(o, t) for o, t in zip(outputs, out if isinstance(result, tuple) else [out])]
        # A rule that passes a tangent through (add's is ``g``) must not let an in-place op on
        # the output change the input's tangent too: tensors share tangents only as views.
        out = [t.clone() if any(t is s for s in tangents) else t for t in out]
    finally:
        forward_ad.resume()
    for o, t in zip(outputs, out):
        _set(o, t)


def _elementwise_jvp_on_arrays(cls, tangents, result, args, params) -> Tensor:
    """``_elementwise_jvp`` with the rules run on arrays: the fast path when nothing about
    the tangent needs recording."""
    data = result._data
    arrays = [a._data if isinstance(a, Tensor) else a for a in args]
    raw = [None if t is None else t._data for t in tangents]
    out = _elementwise_jvp(cls, raw, data, arrays, params)
    if type(out) is not _ndarray or out.base is not None or out.shape != data.shape:
        out = np.array(np.broadcast_to(out, data.shape))  # its own memory, never an input's
    else:
        for t in tangents:
            if t is not None and out is t._data:
                out = out.copy()
                break
    if out.dtype != data.dtype:
        out = out.astype(data.dtype)
    return wrap(out)


def no_forward(op: str):
    """The ``jvp=`` of an op that has no derivative at all (torch's NotImplemented nodes)."""

    def rule(*_, **__):
        raise NotImplementedError(
            f"Trying to use forward AD with {op} that does not support it; it has no "
            "derivative in either mode, so detach() its input or use a differentiable op"
        )

    return rule


def _is_input(cls: type, i: int, a) -> bool:
    flags = cls._differentiable
    return isinstance(a, Tensor) and (i >= len(flags) or flags[i])


def _zeros(a: Tensor) -> Tensor:
    return wrap(np.zeros_like(a._data))


def _elementwise_jvp(cls, tangents, result, args, params):
    """The sum over inputs with a tangent of ``vjp(tangent, result, *inputs)``, the tangent
    broadcast to the output: on Tensors (recorded) or on arrays alike."""
    out = None
    shape = result.shape
    for i, t in enumerate(tangents):
        if t is None:
            continue
        if t.shape != shape:
            t = np.broadcast_to(t, shape)
        term = cls._vjps[i](t, result, *args, **params)
        out = term if out is None else out + term
    return out


def _fit(output: Tensor, tangent):
    """``tangent`` in the shape and dtype of ``output`` (None for a non-floating output)."""
    data = output._data
    if tangent is None or data.dtype.kind not in "fc":
        return None
    if not isinstance(tangent, Tensor):
        tangent = wrap(_asarray(tangent))
    if tangent._data.shape != data.shape:
        tangent = tangent.expand(data.shape)
    if tangent._data.dtype != data.dtype:
        tangent = tangent.to(output.dtype)
    return tangent


def _set(output: Tensor, tangent) -> None:
    """Store ``tangent`` as the tangent of ``output``."""
    if tangent is None:
        return
    forward_ad.set_tangent(output, tangent)
    node = output._grad_fn
    if node is not None and getattr(node, "_saves_result", False) and output._output_nr == 0:
        forward_ad.set_tangent(node, tangent)  # for rules that use the result (see _apply)
