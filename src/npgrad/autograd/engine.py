"""The backward pass: the only place gradients flow.

Nodes are numbered in creation order and an op's inputs always exist before it, so handling
the reachable nodes from the highest number down is a reverse topological order: when a node
comes off the heap, every gradient that can reach it has arrived. No recursion, no
dependency-counting pre-pass. Without ``create_graph`` the VJP rules run on plain arrays;
with it, on Tensors, with grad mode on, so the backward pass is itself recorded.
"""

from __future__ import annotations

from heapq import heappop, heappush

import numpy as np

from .._dtype import from_numpy
from .._tensor import Tensor, wrap
from .anomaly_mode import NanTracker, anomaly, warn_failed
from .grad_mode import state
from .node import (
    AccumulateGrad,
    edge_of,
    extra_of,
    extras,
    hooks_used,
    inplace_epoch,
    note_change,
)


def run_backward(roots, seeds, retain_graph: bool, create_graph: bool, inputs=None):
    """Propagate ``seeds`` (one per root tensor) back through the graph.

    With ``inputs=None`` every leaf reached accumulates into ``.grad``. Otherwise only the
    nodes on a path to ``inputs`` run, no ``.grad`` is touched, and the gradient reaching
    each input is returned (None where none arrived).
    """
    heap: list = []
    buffers: dict = {}  # node -> gradient of its output (a list for multi-output nodes)
    # ids of gradient arrays someone else may hold (seeds, pass-throughs, hook results): a
    # leaf stores a copy of those; any other gradient is fresh and is stored as it is.
    shared = {id(seed) for seed in seeds}
    for root, seed in zip(roots, seeds):
        _send(buffers, heap, *edge_of(root), seed)

    captures = needed = None
    if inputs is not None:
        captures, needed = _plan_capture(buffers, inputs)
    captured = [None] * (len(inputs) if inputs is not None else 0)

    # Node hooks and anomaly checks run on a path of their own, taken only when in use.
    slow = hooks_used[0] or extras[0]
    tracker = NanTracker() if slow and anomaly.enabled else None

    previous_mode = state.enabled
    state.enabled = create_graph
    # torch's kernels don't warn about log(0) or 0/0 in a backward pass; NumPy's would.
    errstate = np.errstate(divide="ignore", invalid="ignore", over="ignore")
    errstate.__enter__()
    try:
        while heap:
            node = heappop(heap)[1]
            # 1. Take the node's gradient: the sum of what its consumers sent.
            grad = buffers.pop(node)
            # 2. Tensor hooks may replace it; retain_grad() keeps it; grad() captures it.
            if node._tensor_hooks:
                grad = _run_tensor_hooks(node, grad, create_graph)
                shared.add(id(grad))
            if node._retained is not None:
                _retain(node, grad, create_graph)
            if captures is not None:
                for nr, index in captures.get(node, ()):
                    g = grad[nr] if node._multi else grad
                    if not create_graph and (id(g) in shared or g.base is not None):
                        g = np.array(g)  # each returned gradient owns its memory
                    captured[index] = g if captured[index] is None else captured[index] + g
                if node not in needed:
                    continue
            # 3. Run the node's VJP rules; 4. free what it saved unless the graph is kept.
            if slow:
                input_grads = _run_node(node, grad, create_graph, shared, tracker)
                if input_grads is None:  # an AccumulateGrad
                    continue
            elif type(node) is AccumulateGrad:
                accumulate(node.variable, grad, create_graph, id(grad) not in shared)
                continue
            else:
                input_grads = node._apply(grad, create_graph)
            if not retain_graph:
                node._release()
            # 5. Send each input's gradient on to the node that produced that input.
            for fn, nr, g in zip(node._next, node._next_nr, input_grads):
                if fn is None or g is None:
                    continue
                if g is grad or not node._fresh_grads:
                    shared.add(id(g))
                if needed is not None and fn not in needed and fn not in captures:
                    continue
                if fn._multi or g.shape != fn._shape or g.dtype != fn._dtype:
                    _send(buffers, heap, fn, nr, g)  # the general case
                elif fn in buffers:
                    buffers[fn] = buffers[fn] + g
                else:
                    buffers[fn] = g
                    heappush(heap, (-fn._seq, fn))
    finally:
        errstate.__exit__(None, None, None)
        state.enabled = previous_mode
    return captured


def _send(buffers: dict, heap: list, node, nr: int, grad) -> None:
    """Add ``grad`` into the buffer of output ``nr`` of ``node``, first summed back over
    broadcast dimensions and cast to the dtype of the tensor that node produced."""
    if node._multi:
        grad = _fit(grad, node._shape[nr], node._dtype[nr])
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * node._n_outputs
            heappush(heap, (-node._seq, node))
        buf[nr] = grad if buf[nr] is None else buf[nr] + grad
        return
    if grad.shape != node._shape or grad.dtype != node._dtype:
        grad = _fit(grad, node._shape, node._dtype)
    if node in buffers:
        buffers[node] = buffers[node] + grad
    else:
        buffers[node] = grad
        heappush(heap, (-node._seq, node))


def _fit(grad, shape, dtype):
    """Sum a gradient back over broadcast dimensions and cast it to the tensor's dtype."""
    if grad.shape != shape:
        grad = sum_to(grad, shape)
    if isinstance(grad, Tensor):
        return grad if grad._data.dtype == dtype else grad.to(dtype)
    return grad if grad.dtype == dtype else grad.astype(dtype)


def sum_to(grad, shape: tuple):
    """Sum ``grad`` over the dimensions that broadcasting added or stretched to get ``shape``."""
    grad_shape = grad.shape
    lead = len(grad_shape) - len(shape)
    axes = list(range(lead))
    for i, s in enumerate(shape):
        g = grad_shape[lead + i] if lead >= 0 else -1
        if s != g:
            if s != 1 or lead < 0:
                raise RuntimeError(
                    f"a gradient of shape {list(grad_shape)} can't be summed to shape "
                    f"{list(shape)}: a backward returned a gradient that does not broadcast "
                    "to its input"
                )
            axes.append(lead + i)
    if isinstance(grad, Tensor):
        return (
            grad.sum(dim=tuple(axes), keepdim=True).reshape(shape) if axes else grad.reshape(shape)
        )
    return grad.sum(axis=tuple(axes), keepdims=True).reshape(shape) if axes else grad.reshape(shape)


def _run_tensor_hooks(node, grad, create_graph: bool):
    for nr, hook in list(node._tensor_hooks):
        if node._multi:
            grad[nr] = _call_hook(hook, grad[nr], create_graph)
        else:
            grad = _call_hook(hook, grad, create_graph)
    return grad


def _call_hook(hook, grad, create_graph: bool):
    if grad is None:
        return None
    tensor = grad if isinstance(grad, Tensor) else wrap(grad)
    out = hook(tensor)
    if out is None:
        return grad
    name = getattr(hook, "__name__", repr(hook))
    if not isinstance(out, Tensor):
        raise TypeError(f"expected Tensor, but hook '{name}' returned '{type(out).__name__}'")
    if out._data.shape != tensor._data.shape:
        raise RuntimeError(
            f"hook '{name}' has changed the size of value: it got shape {list(tensor.shape)} "
            f"and returned shape {list(out.shape)}; a hook must return a gradient of the "
            "same shape"
        )
    if out._data.dtype != tensor._data.dtype:
        raise RuntimeError(
            f"hook '{name}' has changed the type of value (was {tensor.dtype} got {out.dtype})"
        )
    return out if create_graph else out._data


def _run_node(node, grad, create_graph: bool, shared: set, tracker):
    """Run ``node`` between its pre-hooks and post-hooks and, in anomaly mode, check what it
    returned (warning with its forward trace if it fails). None for an AccumulateGrad."""
    extra = extra_of(node)
    try:
        if extra is not None and extra.pre:
            grad = _run_prehooks(node, extra.pre, grad, create_graph, shared)
        if type(node) is AccumulateGrad:
            accumulate(node.variable, grad, create_graph, id(grad) not in shared)
            if extra is not None and extra.post:
                _run_posthooks(node, extra.post, [], grad, create_graph, shared)
            return None
        input_grads = node._apply(grad, create_graph)
        if extra is not None and extra.post:
            input_grads = _run_posthooks(node, extra.post, input_grads, grad, create_graph, shared)
        if tracker is not None:
            tracker.check(node, grad, input_grads, node._grad_input_positions())
    except Exception:
        if tracker is not None:
            warn_failed(node)
        raise
    return input_grads


def _as_tensor(g):
    return g if g is None or isinstance(g, Tensor) else wrap(g)


def _run_prehooks(node, hooks: list, grad, create_graph: bool, shared: set):
    """``hook(grad_outputs)`` for each pre-hook; a tuple returned replaces grad_outputs."""
    grads = list(grad) if node._multi else [grad]
    shapes = list(zip(node._shape, node._dtype)) if node._multi else [(node._shape, node._dtype)]
    for hook in list(hooks):
        out = hook(tuple(_as_tensor(g) for g in grads))
        if out is not None:
            grads = _hook_result(hook, out, shapes, create_graph, shared)
    return grads if node._multi else grads[0]


def _run_posthooks(node, hooks: list, input_grads, grad, create_graph: bool, shared: set):
    """``hook(grad_inputs, grad_outputs)`` for each post-hook, with each grad_input summed to
    its input's shape as torch has it; a tuple returned replaces grad_inputs."""
    positions = list(node._grad_input_positions())
    input_grads = list(input_grads)
    shapes = []
    for i in positions:
        fn, nr, g = node._next[i], node._next_nr[i], input_grads[i]
        if fn is None:
            shapes.append(None)
            continue
        shape, dtype = (fn._shape[nr], fn._dtype[nr]) if fn._multi else (fn._shape, fn._dtype)
        shapes.append((shape, dtype))
        if g is not None:
            input_grads[i] = _fit(g, shape, dtype)
    grad_outputs = tuple(_as_tensor(g) for g in (grad if node._multi else [grad]))
    current = [input_grads[i] for i in positions]
    for hook in list(hooks):
        out = hook(tuple(_as_tensor(g) for g in current), grad_outputs)
        if out is not None:
            current = _hook_result(hook, out, shapes, create_graph, shared)
    for i, g in zip(positions, current):
        input_grads[i] = g
    return input_grads


def _hook_result(hook, out, shapes: list, create_graph: bool, shared: set) -> list:
    """Check the tuple a node hook returned against the ``(shape, dtype)`` expected of each
    gradient (None: anything) and return its gradients as the engine carries them."""
    name = getattr(hook, "__name__", repr(hook))
    if not isinstance(out, tuple):
        raise TypeError(f"expected tuple, but hook returned '{type(out).__name__}'")
    if len(out) != len(shapes):
        raise RuntimeError(
            f"hook '{name}' has returned an incorrect number of values (got {len(out)}, but "
            f"expected {len(shapes)})"
        )
    grads = []
    for g, expected in zip(out, shapes):
        if g is None:
            grads.append(None)
            continue
        if not isinstance(g, Tensor):
            raise TypeError(f"expected Variable, but hook returned '{type(g).__name__}'")
        if expected is not None:
            shape, dtype = expected
            if g._data.shape != shape:
                raise RuntimeError(
                    f"hook '{name}' has changed the size of value: expected shape "
                    f"{list(shape)}, got {list(g.shape)}"
                )
            if g._data.dtype != dtype:
                raise RuntimeError(
                    f"hook '{name}' has changed the type of value (was {from_numpy(dtype)} got "
                    f"{g.dtype}); return gradients of the dtype the hook received"
                )
        g = g if create_graph else g._data
        shared.add(id(g))
        grads.append(g)
    return grads


def _retain(node, grad, create_graph: bool) -> None:
    for nr, ref in node._retained.items():
        tensor = ref()
        g = grad[nr] if node._multi else grad
        if tensor is not None and g is not None:
            accumulate(tensor, g, create_graph)


def accumulate(tensor: Tensor, grad, create_graph: bool, owned: bool = False) -> None:
    """Add ``grad`` into ``tensor.grad``: the first time the array itself if the engine owns
    it alone, else a copy; in place afterwards (out of place, recorded, with create_graph)."""
    old = tensor._grad
    if create_graph:
        g = grad if isinstance(grad, Tensor) else wrap(grad)
        tensor._grad = g.clone() if old is None else old + g
    elif old is None:
        if not (owned and type(grad) is np.ndarray and grad.base is None):
            grad = np.array(grad, copy=True)
        tensor._grad = wrap(grad)
    elif old._requires_grad:
        tensor._grad = wrap(old._data + grad)
    else:
        old._data += grad
        counter = old._version_counter  # bump_version, inlined: this runs for every leaf
        counter[0] += 1
        inplace_epoch[0] += 1
        if counter[1] is not None:
            note_change(counter, "accumulation into .grad")
    if hooks_used[0]:
        hooks = getattr(tensor, "_post_acc_hooks", None)
        for hook in list(hooks or ()):
            if hook(tensor) is not None:
                raise RuntimeError("Tensor post accumulate grad hooks should return None.")


def _plan_capture(buffers: dict, inputs: list):
    """Which node each input's gradient is read from, and which nodes must run to get there.

    A node is needed if it is a capture point or leads to one; the walk is iterative and
    does not go below the oldest capture point (nothing older can lead back to it).
    """
    captures: dict = {}
    for index, tensor in enumerate(inputs):
        node, nr = edge_of(tensor)
        captures.setdefault(node, []).append((nr, index))
    oldest = min(node._seq for node in captures)
    leads_to_capture: set = set()
    visited: set = set()
    stack = [(node, False) for node in buffers]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            if any(fn in leads_to_capture or fn in captures for fn in node._next):
                leads_to_capture.add(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        for fn in node._next:
            if fn is not None and fn._seq >= oldest and fn not in visited:
                stack.append((fn, False))
    return captures, leads_to_capture
