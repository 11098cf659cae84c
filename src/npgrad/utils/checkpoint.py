"""npgrad.utils.checkpoint: trade compute for memory by recomputing a segment in backward.

``checkpoint(fn, *args, use_reentrant=False)`` records ``fn``'s graph as usual, then drops
every value its ops saved for backward; when the backward pass reaches the segment's output
it runs ``fn`` again (with npgrad's random generator as it was, so dropout draws the same
mask) and hands the recomputed values to the original nodes. Gradients flow to everything
``fn`` used, captured parameters included, through ``backward()`` and ``autograd.grad``.

``use_reentrant=True`` is torch's older variant: ``fn`` runs under ``no_grad`` (nothing
recorded) and a custom Function recomputes it inside the backward pass, where a nested
``backward()`` fills the parameters' ``.grad``; like torch's, it works with ``backward()``
only, not with ``autograd.grad`` or ``backward(inputs=...)``.
"""

from __future__ import annotations

import copy
import warnings
import weakref
from contextlib import contextmanager

from .._creation import _Random
from .._tensor import Tensor
from ..autograd import diagnosis
from ..autograd.function import BackwardCFunction, Function
from ..autograd.grad import backward as _backward
from ..autograd.grad_mode import enable_grad, is_grad_enabled, no_grad
from ..autograd.node import _FREED, AccumulateGrad, Node, _sequence
from ..ops._defop import OpNode

__all__ = ["checkpoint", "checkpoint_sequential"]

_USE_REENTRANT_WARNING = (
    "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. "
    "Starting in PyTorch 2.9, calling checkpoint without use_reentrant will raise an "
    "exception. use_reentrant=False is recommended, but if you need to preserve the current "
    "default behavior, you can pass use_reentrant=True. Refer to docs for more details on the "
    "differences between the two variants."
)


def checkpoint(function, *args, use_reentrant=None, preserve_rng_state=True, **kwargs):
    """Run ``function(*args, **kwargs)`` without keeping its intermediate values for
    backward; the backward pass recomputes them. Without ``use_reentrant`` it warns, as
    torch 2.13 does, and uses the reentrant variant (torch's default)."""
    if use_reentrant is None:
        warnings.warn(_USE_REENTRANT_WARNING, UserWarning, stacklevel=2)
        use_reentrant = True
    if use_reentrant:
        if kwargs:
            raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
        if not any(isinstance(a, Tensor) and a.requires_grad for a in args):
            warnings.warn(
                "None of the inputs have requires_grad=True. Gradients will be None",
                UserWarning,
                stacklevel=2,
            )
        return _CheckpointFunction.apply(function, preserve_rng_state, *args)
    return _checkpoint_recorded(function, preserve_rng_state, args, kwargs)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Run a Sequential (or a list of modules/functions) in ``segments`` chunks, each but the
    last checkpointed."""
    if use_reentrant is None:
        warnings.warn(_USE_REENTRANT_WARNING, UserWarning, stacklevel=2)
        use_reentrant = True
    functions = list(functions.children()) if hasattr(functions, "children") else list(functions)

    def run(start, end):
        def forward(x):
            for f in functions[start : end + 1]:
                x = f(x)
            return x

        return forward

    size = len(functions) // segments
    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant, **kwargs)
    return run(end + 1, len(functions) - 1)(input)


@contextmanager
def _generator(saved):
    """npgrad's generator set to a copy of ``saved`` (None: left alone), restored after."""
    if saved is None:
        yield
        return
    current = _Random.generator
    _Random.generator = copy.deepcopy(saved)
    try:
        yield
    finally:
        _Random.generator = current


def _outputs(value) -> list:
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [v for v in value if isinstance(v, Tensor)]
    if isinstance(value, dict):
        return [v for v in value.values() if isinstance(v, Tensor)]
    return []


# --- use_reentrant=False ------------------------------------------------------------------
_STRUCTURAL = frozenset(Node.__slots__)


def _recorded_nodes(outputs: list, start: int) -> list:
    """The op nodes ``outputs`` depend on that were created after ``start``, oldest first."""
    seen: set = set()
    found = []
    stack = [t.grad_fn for t in outputs if t.grad_fn is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen or node._seq < start:
            continue
        seen.add(id(node))
        if not isinstance(node, AccumulateGrad):
            found.append(node)
        stack.extend(fn for fn in node._next if fn is not None)
    return sorted(found, key=lambda n: n._seq)


def _state_slots(node) -> list:
    """The slots holding what a node saved for backward (everything but the graph's edges)."""
    return [
        s
        for cls in type(node).__mro__
        for s in getattr(cls, "__slots__", ())
        if s not in _STRUCTURAL
    ]


def _strip(node) -> None:
    if isinstance(node, OpNode):
        node._saved = _FREED  # reached without a recomputation, it raises as freed nodes do
        node._result = None
        node._params = {}
    elif isinstance(node, BackwardCFunction):
        node._ctx._to_save = ()
        node._ctx._saved = _FREED
        node._output_saved = None


class _Segment:
    """What recomputing one checkpointed call needs; nodes are held weakly (no cycle)."""

    def __init__(self, function, args, kwargs, generator, nodes) -> None:
        self.function, self.args, self.kwargs = function, args, kwargs
        self.generator = generator
        self.nodes = [weakref.ref(n) for n in nodes]
        self.names = [n.name() for n in nodes]
        self.done = False

    def hook(self, grad):
        if self.done:
            return None  # already refilled (retain_graph) or consumed (then the node raises)
        self.done = True
        nodes = [r() for r in self.nodes]
        start = next(_sequence)
        with _generator(self.generator), enable_grad():
            outputs = self.function(*self.args, **self.kwargs)
        fresh = _recorded_nodes(_outputs(outputs), start)
        if [n.name() for n in fresh] != self.names:
            raise RuntimeError(
                "torch.utils.checkpoint: the recomputation recorded different operations than "
                f"the original forward ({len(fresh)} ops instead of {len(self.names)}); the "
                "checkpointed function must do the same work each time it is called"
            )
        for old, new in zip(nodes, fresh):
            if old is None:
                continue
            for slot in _state_slots(old):
                setattr(old, slot, getattr(new, slot))
        return None


def _checkpoint_recorded(function, preserve_rng_state, args, kwargs):
    generator = copy.deepcopy(_Random.generator) if preserve_rng_state else None
    if not is_grad_enabled():
        return function(*args, **kwargs)
    start = next(_sequence)
    result = function(*args, **kwargs)
    outputs = _outputs(result)
    nodes = _recorded_nodes(outputs, start)
    if not nodes:
        return result
    segment = _Segment(function, args, kwargs, generator, nodes)
    for node in nodes:
        _strip(node)
    hooked = set()
    for t in outputs:
        fn = t.grad_fn
        if fn is not None and fn._seq > start and (id(fn), t._output_nr) not in hooked:
            hooked.add((id(fn), t._output_nr))
            t.register_hook(segment.hook)
    return result


# --- use_reentrant=True -------------------------------------------------------------------
_NOT_WITH_GRAD = (
    "When use_reentrant=True, torch.utils.checkpoint is incompatible with .grad() or passing "
    "an `inputs` parameter to .backward(). To resolve this error, you can either set "
    "use_reentrant=False, or call .backward() without passing the `inputs` argument."
)


class _CheckpointFunction(Function):
    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, *args):
        ctx.run_function = run_function
        ctx.generator = copy.deepcopy(_Random.generator) if preserve_rng_state else None
        ctx.args = [None if isinstance(a, Tensor) else a for a in args]
        ctx.save_for_backward(*[a for a in args if isinstance(a, Tensor)])
        with no_grad():
            return run_function(*args)

    @staticmethod
    def backward(ctx, *grads):
        if diagnosis._last_run[1] != "backward":
            raise RuntimeError(_NOT_WITH_GRAD)
        tensors = iter(ctx.saved_tensors)
        inputs = []
        for a in ctx.args:
            if a is None:
                t = next(tensors)
                a = t.detach().requires_grad_(t.requires_grad)
            inputs.append(a)
        with _generator(ctx.generator), enable_grad():
            outputs = ctx.run_function(*inputs)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        pairs = [
            (o, g)
            for o, g in zip(outputs, grads)
            if isinstance(o, Tensor) and o.requires_grad and g is not None
        ]
        if not pairs:
            raise RuntimeError(
                "none of output has requires_grad=True, this checkpoint() is not necessary"
            )
        _backward([o for o, _ in pairs], [g for _, g in pairs])
        return (None, None, *(a.grad if isinstance(a, Tensor) else None for a in inputs))
