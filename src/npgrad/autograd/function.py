"""Custom ops: subclass ``Function`` with static ``forward`` and ``backward``, call ``apply``.
A static ``jvp`` (with ``ctx.save_for_forward``) makes the op usable in forward mode."""

from __future__ import annotations

import contextlib

import numpy as np

from .._tensor import Tensor, wrap
from . import forward_ad
from .grad_mode import no_grad, state
from .graph import Packed, pack, pack_hooks
from .node import _FREED, Node, _sequence, bump_version, edge_of, extra_of, extras, mark_saved


def _second_backward_message() -> str:
    from ..ops._defop import SECOND_BACKWARD

    return SECOND_BACKWARD


class FunctionCtx:
    """The ``ctx`` handed to ``forward`` and ``backward`` of a custom Function."""

    def __init__(self) -> None:
        self._to_save = ()
        self._saved = None
        self._for_forward = ()
        self._in_jvp = False
        self._non_differentiable = ()
        self._dirty = ()
        self._saved_by = ""
        self.materialize_grads = True
        self.needs_input_grad = ()

    def save_for_backward(self, *tensors) -> None:
        """Keep tensors for ``backward`` (read them back from ``ctx.saved_tensors``)."""
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    f"save_for_backward can only save variables, but argument {i} is of type "
                    f"{type(t).__name__}; keep other values as attributes of ctx"
                )
        self._to_save = tensors

    def save_for_forward(self, *tensors) -> None:
        """Keep tensors for ``jvp`` (there, ``ctx.saved_tensors`` gives them back)."""
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise AssertionError(
                    "save_for_forward expects all arguments to be tensors; you should "
                    "save non-tensors as attributes on ctx."
                )
        self._for_forward = tensors

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to ``save_for_backward`` (checked for in-place changes), or in
        ``jvp`` those given to ``save_for_forward``."""
        if self._in_jvp:
            return tuple(self._for_forward)
        if self._saved is _FREED:
            raise RuntimeError(_second_backward_message())
        if self._saved is None:
            return tuple(self._to_save)
        out = []
        for entry in self._saved:
            if entry is None:
                out.append(None)
                continue
            if type(entry) is Packed:
                out.append(entry.unpack())
                continue
            tensor, version = entry
            if tensor._version_counter[0] != version:
                from ..ops._defop import _raise_modified

                _raise_modified(
                    tensor._data, tensor._version_counter, version, None, self._saved_by
                )
            out.append(tensor)
        return tuple(out)

    def mark_non_differentiable(self, *tensors) -> None:
        """Declare outputs that get no gradient (they will not require grad)."""
        self._non_differentiable = tensors

    def mark_dirty(self, *tensors) -> None:
        """Declare inputs that ``forward`` modified in place."""
        self._dirty = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """With False, gradients of unused outputs arrive in backward as None, not zeros."""
        self.materialize_grads = bool(value)


class BackwardCFunction(Node):
    """The node of one call of a custom Function; its class is named ``<Function>Backward``."""

    __slots__ = ("_ctx", "_n_outputs", "_output_saved")
    _multi = True
    _function: type = None

    def _apply(self, grads: list, create_graph: bool) -> tuple:
        ctx = self._ctx
        if ctx._saved is _FREED:
            raise RuntimeError(_second_backward_message())
        cotangents = []
        for g, shape, dtype in zip(grads, self._shape, self._dtype):
            if g is None and ctx.materialize_grads:
                g = np.zeros(shape, dtype)
            cotangents.append(g if g is None or isinstance(g, Tensor) else wrap(np.asarray(g)))
        if self._output_saved:
            ctx._saved = tuple(self._unpack_output(e) for e in self._output_saved)
        result = self._function.backward(ctx, *cotangents)
        return self._check(result, create_graph)

    def _unpack_output(self, entry):
        """A saved output comes back as a tensor made by this node (no cycle while saved)."""
        if entry is None or not isinstance(entry[0], str):
            return entry
        _, index, data, counter, version = entry
        if counter[0] != version:
            from ..ops._defop import _raise_modified

            saved_by = f"saved by {self.name()} (its output {index})"
            _raise_modified(data, counter, version, (self, index), saved_by)
        out = wrap(data, self)
        out._output_nr = index
        return (out, 0)

    def _grad_input_positions(self):
        return [i for i, is_tensor in enumerate(self._ctx._inputs) if is_tensor]

    def _check(self, result, create_graph: bool) -> tuple:
        name = self.name()
        result = result if isinstance(result, tuple) else (result,)
        n = len(self._next)
        if len(result) < n or any(r is not None for r in result[n:]):
            raise RuntimeError(
                f"function {name} returned an incorrect number of gradients (expected {n}, "
                f"got {len(result)}): backward must return one gradient (or None) per input "
                "of forward"
            )
        out = []
        edges = zip(self._next, self._next_nr)
        for i, (g, edge, is_tensor) in enumerate(zip(result, edges, self._ctx._inputs)):
            if g is not None and not is_tensor:
                raise RuntimeError(
                    f"function {name} returned a gradient different than None at position "
                    f"{i + 1}, but the corresponding forward input was not a Variable"
                )
            if g is None or edge[0] is None:
                out.append(None)
                continue
            if not isinstance(g, Tensor):
                raise TypeError(
                    f"function {name} returned a gradient of type "
                    f"{type(g).__name__} at index {i}; expected a Tensor or None"
                )
            shape = edge[0]._shape if not edge[0]._multi else edge[0]._shape[edge[1]]
            try:
                ok = np.broadcast_shapes(g.shape, shape) == g._data.shape
            except ValueError:
                ok = False
            if not ok:
                raise RuntimeError(
                    f"Function {name} returned an invalid gradient at index {i} - got "
                    f"{list(g.shape)} but expected shape compatible with {list(shape)}"
                )
            out.append(g if create_graph else g._data)
        return tuple(out)

    def _release(self) -> None:
        if self._ctx._to_save or self._output_saved:
            self._ctx._saved = _FREED
            self._output_saved = None


class Function:
    """Base class of custom differentiable ops.

    Subclasses define ``forward(ctx, *args)`` (run without recording) and
    ``backward(ctx, *grad_outputs)`` returning one gradient per forward input; call them
    with ``MyFunction.apply(*args)``.
    """

    _backward_cls: type | None = None

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls._backward_cls = type(
            f"{cls.__name__}Backward", (BackwardCFunction,), {"__slots__": (), "_function": cls}
        )

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError(
            "You must implement the forward function for custom autograd.Function."
        )

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom "
            "autograd.Function to use it with backward mode AD."
        )

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        """Forward mode: given one tangent per input of ``forward`` (zeros for a floating
        tensor input without one, None for other inputs), return one per output."""
        raise NotImplementedError(_NO_JVP)

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward`` and, if any tensor input requires grad, record the node; if any
        has a forward-AD tangent, give the outputs theirs with ``jvp``."""
        ctx = FunctionCtx()
        is_tensor = tuple(isinstance(a, Tensor) for a in args)
        ctx._inputs = is_tensor
        ctx.needs_input_grad = tuple(t and a._requires_grad for t, a in zip(is_tensor, args))
        forward_mode = forward_ad.active[0]
        # forward runs with grad mode off and, as in torch, without forward AD.
        with no_grad(), forward_ad.paused() if forward_mode else contextlib.nullcontext():
            if _has_setup_context(cls):
                output = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, output)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        tangents = _input_tangents(args) if forward_mode else None
        if not (state.enabled and any(ctx.needs_input_grad)):
            if tangents is not None:
                output = _forward_mode(cls, ctx, args, output, tangents)
            return output
        single = not isinstance(output, tuple)
        raw = (output,) if single else output
        node = object.__new__(cls._backward_cls)
        edges = [edge_of(a) if t else None for t, a in zip(is_tensor, args)]
        node._next = tuple(None if e is None else e[0] for e in edges)
        node._next_nr = tuple(0 if e is None else e[1] for e in edges)
        node._seq = next(_sequence)
        node._tensor_hooks = node._retained = node._extra = None
        node._ctx = ctx
        node._n_outputs = len(raw)
        node._shape = tuple(o._data.shape if isinstance(o, Tensor) else () for o in raw)
        node._dtype = tuple(o._data.dtype if isinstance(o, Tensor) else None for o in raw)
        outputs = _link_outputs(raw, node, ctx)
        ctx._saved_by = f"saved by {node.name()} (save_for_backward)"
        _save(ctx, node, raw, outputs)
        if extras[0]:
            from .anomaly_mode import anomaly, capture_trace

            if anomaly.enabled:
                extra_of(node, create=True).trace = capture_trace()
        result = outputs[0] if single else tuple(outputs)
        if tangents is not None:
            result = _forward_mode(cls, ctx, args, result, tangents, raw)
        return result


_NO_JVP = (
    "You must implement the jvp function for custom autograd.Function to use it with forward "
    "mode AD."
)


def _input_tangents(args: tuple):
    """The tangent of each input (None where it has none), or None if no input has one."""
    tangents = [forward_ad.tangent_of(a) if isinstance(a, Tensor) else None for a in args]
    return tangents if any(t is not None for t in tangents) else None


def _forward_mode(cls, ctx, args: tuple, output, tangents: list, raw: tuple | None = None):
    """Give the outputs of a call their tangents, computed by the Function's ``jvp`` (run
    without forward AD: its ops compute tangents, they do not carry them). ``raw`` holds
    the outputs ``forward`` returned, before the recorded ones replaced them."""
    if cls.jvp is Function.jvp:
        raise NotImplementedError(_NO_JVP)
    grad_inputs = []
    for a, t in zip(args, tangents):
        if t is None and isinstance(a, Tensor) and a._data.dtype.kind in "fc":
            t = wrap(np.zeros_like(a._data))  # torch hands a zero tangent, not None
        grad_inputs.append(t)
    ctx._in_jvp = True
    try:
        with forward_ad.paused():
            result = cls.jvp(ctx, *grad_inputs)
    finally:
        ctx._in_jvp = False
    single = not isinstance(output, tuple)
    outputs = [output] if single else list(output)
    raw = tuple(outputs) if raw is None else raw
    result = result if isinstance(result, tuple) else (result,)
    if len(result) != len(outputs):
        raise RuntimeError(
            "Function's jvp returned an invalid number of forward gradients (expected "
            f"{len(outputs)} but got {len(result)})"
        )
    inputs = {id(a): a for a in args if isinstance(a, Tensor)}
    dirty = {id(t) for t in ctx._dirty}
    non_diff = {id(t) for t in ctx._non_differentiable}
    for i, (out, original, tangent) in enumerate(zip(outputs, raw, result)):
        if tangent is not None and not isinstance(tangent, Tensor):
            raise RuntimeError(
                f"expected Variable or None (got {type(tangent).__name__}) for grad output {i}."
            )
        if not isinstance(out, Tensor):
            continue
        differentiable = out._data.dtype.kind in "fc" and id(original) not in non_diff
        if not differentiable:
            if tangent is not None:
                raise RuntimeError(  # torch's message, spacing included
                    f"Function's jvp returned a gradient at position {i}, but  the "
                    "corresponding forward output is not a differentiable Tensor.You should "
                    "return None at that position instead."
                )
            continue
        if tangent is None:
            continue
        if tangent._data.shape != out._data.shape:
            raise RuntimeError(
                "Trying to set a forward gradient that has a different size than that of the "
                f"original Tensor, this is not supported. Tensor is of size {list(out.shape)} "
                f"while the given forward gradient is of size {list(tangent.shape)}."
            )
        if id(original) in inputs and id(original) not in dirty:
            if tangent._base is None:
                raise RuntimeError(
                    "A custom Function's forward is returning a view (or an input as-is) but "
                    "the jvp is not returning a view."
                )
            if out is original:  # not recorded: the output must not be the input object
                out = wrap(out._data)
                out._version_counter = original._version_counter
                outputs[i] = out
        forward_ad.set_tangent(out, tangent)
    return outputs[0] if single else tuple(outputs)


def _has_setup_context(cls) -> bool:
    # Function itself has no setup_context: a subclass that defines one uses that style.
    return getattr(cls, "setup_context", None) is not None


def _link_outputs(raw: tuple, node, ctx) -> list:
    dirty = {id(t) for t in ctx._dirty}
    non_diff = {id(t) for t in ctx._non_differentiable}
    outputs = []
    for i, o in enumerate(raw):
        if not isinstance(o, Tensor):
            outputs.append(o)
            continue
        if id(o) in non_diff:
            o = wrap(o._data) if o._grad_fn is not None or o._requires_grad else o
            outputs.append(o)
            continue
        if id(o) in dirty:
            if o._grad_fn is None and o._requires_grad:
                raise RuntimeError(
                    "a leaf Variable that requires grad has been used in an in-place operation."
                    " Mark only non-leaf inputs dirty, or clone() the leaf before the Function."
                )
            out = o  # modified in place: the input itself becomes the output
            bump_version(out)
        else:
            out = wrap(o._data)
            out._version_counter = o._version_counter
        out._grad_fn = node
        out._output_nr = i
        out._requires_grad = True
        outputs.append(out)
    return outputs


def _save(ctx, node, raw: tuple, outputs: list) -> None:
    """Record saved tensors with their versions; outputs are kept as arrays (no cycle).
    Inside saved_tensors_hooks, every tensor is packed instead."""
    output_index = {id(o): i for i, o in enumerate(raw) if isinstance(o, Tensor)}
    hooks = pack_hooks() if extras[0] else None
    entries, has_output = [], False
    for t in ctx._to_save:
        if t is None:
            entries.append(None)
        elif hooks is not None:
            i = output_index.get(id(t))
            if i is None:
                entries.append(pack(t, edge_of(t), hooks))
            else:
                entries.append(pack(outputs[i], (node, i), hooks))
        elif id(t) in output_index:
            entries.append(
                ("output", output_index[id(t)], t._data, t._version_counter, t._version_counter[0])
            )
            mark_saved(t._version_counter)
            has_output = True
        else:
            entries.append((t, t._version_counter[0]))
            mark_saved(t._version_counter)
    ctx._to_save = tuple(entries) if entries else ()
    node._output_saved = tuple(entries) if has_output else None
    ctx._saved = None if has_output else tuple(entries)


class once_differentiable:  # noqa: N801 - torch's name
    """Decorator for a ``backward`` that is not itself differentiable."""

    def __new__(cls, fn):
        return fn
