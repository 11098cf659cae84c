"""``backward()`` and ``grad()``: argument checking, seeds, then the engine."""

from __future__ import annotations

import warnings
import weakref

import numpy as np

from .._tensor import Tensor, wrap
from . import engine
from .diagnosis import record_run


def backward(
    tensors,
    grad_tensors=None,
    retain_graph=None,
    create_graph=False,
    grad_variables=None,
    inputs=None,
) -> None:
    """Accumulate into the leaves' ``.grad`` the sum of vᵀJ over ``tensors`` (v from
    ``grad_tensors``; None stands for 1 and is allowed for one-element tensors only)."""
    tensors = _as_tuple(tensors)
    if grad_tensors is None:
        grad_tensors = grad_variables
    seeds = _make_seeds(tensors, grad_tensors, create_graph)
    if retain_graph is None:
        retain_graph = create_graph
    if create_graph:
        warnings.warn(
            "Using backward() with create_graph=True will create a reference cycle between "
            "the parameter and its gradient which can cause a memory leak. We recommend using "
            "autograd.grad when creating the graph to avoid this. If you have to use this "
            "function, make sure to reset the .grad fields of your parameters to None after "
            "use to break the cycle and avoid the leak.",
            UserWarning,
            stacklevel=3,
        )
    record_run(_weak_roots(tensors), "backward" if inputs is None else "inputs")
    if inputs is None:
        engine.run_backward(tensors, seeds, retain_graph, create_graph)
        return
    inputs = _check_inputs(inputs, "backward")
    for t in inputs:
        if not t._requires_grad:
            raise RuntimeError(
                "can't retain_grad on Tensor that has requires_grad=False: every tensor in "
                "`inputs` must require grad"
            )
    grads = engine.run_backward(tensors, seeds, retain_graph, create_graph, inputs)
    for t, g in zip(inputs, grads):
        if g is None or t._retains_grad:  # a retained non-leaf got its gradient already
            continue
        engine.accumulate(t, g, create_graph)
        if t._grad_fn is not None:
            t.retain_grad()  # as in torch: a non-leaf named in `inputs` keeps its .grad


def _weak_roots(tensors) -> tuple:
    """Weak references to the nodes a backward pass starts from, for ``explain``."""
    if len(tensors) == 1:
        fn = tensors[0]._grad_fn
        return () if fn is None else (weakref.ref(fn),)
    return tuple(weakref.ref(t._grad_fn) for t in tensors if t._grad_fn is not None)


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph=None,
    create_graph=False,
    only_inputs=True,
    allow_unused=None,
    is_grads_batched=False,
    materialize_grads=False,
):
    """Return the gradients of ``outputs`` w.r.t. ``inputs`` (vᵀJ with v = ``grad_outputs``)
    as a tuple, without touching any ``.grad``."""
    if is_grads_batched:
        raise NotImplementedError(
            "is_grads_batched=True is not supported yet; loop over "
            "the batch of grad_outputs instead"
        )
    if materialize_grads and allow_unused is False:
        raise ValueError(
            "Expected allow_unused to be True or not passed when materialize_grads=True, "
            "but got: allow_unused=False."
        )
    allow_unused = bool(allow_unused) or materialize_grads
    as_dict = isinstance(inputs, dict)
    keys = list(inputs.keys()) if as_dict else None
    input_list = _check_inputs(inputs, "grad")
    for t in input_list:
        if not t._requires_grad:
            raise RuntimeError(
                "One of the differentiated Tensors does not require grad; call "
                "requires_grad_() on it before the forward pass, or leave it out of `inputs`"
            )
    outputs = _as_tuple(outputs)
    seeds = _make_seeds(outputs, grad_outputs, create_graph)
    if retain_graph is None:
        retain_graph = create_graph
    record_run(_weak_roots(outputs), "grad")
    grads = engine.run_backward(outputs, seeds, retain_graph, create_graph, input_list)
    result = []
    for i, (t, g) in enumerate(zip(input_list, grads)):
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in "
                    "the graph. Set allow_unused=True if this is the desired behavior."
                )
            if materialize_grads:
                g = np.zeros_like(t._data)
        if g is not None and not isinstance(g, Tensor):
            g = wrap(np.asarray(g))
        result.append(g)
    return dict(zip(keys, result)) if as_dict else tuple(result)


def _as_tuple(tensors) -> tuple:
    if isinstance(tensors, Tensor):
        return (tensors,)
    tensors = tuple(tensors)
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensors to differentiate, got {type(t).__name__}")
    return tensors


def _check_inputs(inputs, where: str) -> list:
    if isinstance(inputs, Tensor):
        inputs = [inputs]
    elif isinstance(inputs, dict):
        inputs = list(inputs.values())
    else:
        inputs = list(inputs)
    if not inputs:
        raise RuntimeError(f"`inputs` argument to `{where}()` cannot be empty.")
    for t in inputs:
        if not isinstance(t, Tensor):
            raise RuntimeError(f"all inputs have to be Tensors, but got {type(t).__name__}")
    return inputs


def _make_seeds(outputs: tuple, grads, create_graph: bool) -> list:
    """The vector v of vᵀJ for each output: checked, cast to the output's dtype."""
    if grads is None:
        grads = (None,) * len(outputs)
    elif isinstance(grads, Tensor):
        grads = (grads,)
    else:
        grads = tuple(grads)
    for g in grads:
        if g is not None and not isinstance(g, Tensor):
            raise TypeError(f"gradients can be either Tensors or None, but got {type(g).__name__}")
    if len(grads) != len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grads)} gradients")
    seeds = []
    for i, (out, g) in enumerate(zip(outputs, grads)):
        if not out._requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn; "
                "the tensor was computed without recording (no_grad(), detach(), or no input "
                "with requires_grad=True)"
            )
        if g is None:
            if out._data.size != 1:
                raise RuntimeError(
                    "grad can be implicitly created only for scalar outputs; this output has "
                    f"shape {list(out.shape)}, so pass `gradient=` (a tensor of that shape: "
                    "the vector v of the vector-Jacobian product)"
                )
            seed = np.ones(out._data.shape, out._data.dtype)
            seeds.append(wrap(seed) if create_graph else seed)
            continue
        if g._data.shape != out._data.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] "
                f"has a shape of {out.shape}. The gradient must have exactly the output's shape."
            )
        if create_graph:
            seeds.append(g if g._data.dtype == out._data.dtype else g.to(out.dtype))
        else:
            seeds.append(g._data.astype(out._data.dtype, copy=False))
    return seeds
