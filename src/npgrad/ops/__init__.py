"""Every differentiable op: its NumPy forward and its VJP rules, side by side, by family.

Each module says what it exports:
- ``__all__``: the functions of its public namespace (``npgrad``, or ``npgrad.nn.functional``
  for the neural-network families, ``npgrad.linalg`` for ``decomposition``);
- ``METHODS``: ``{name: function}`` attached to ``Tensor`` (operators and in-place variants
  included; ``inplace.inplace_method(op)`` makes ``op_``);
- ``NUMPY``: ``{numpy ufunc or function: npgrad function}``, what a NumPy call on tensors
  runs instead, so NumPy code stays in the graph.
"""

from . import (
    activation,
    arithmetic,
    binary,
    conv,
    cumulative,
    decomposition,
    gather,
    indexing,
    inplace,
    join,
    linalg,
    loss,
    nn_ops,
    normalization,
    pointwise,
    pool,
    reduction,
    shape,
    unary,
)

TORCH_MODULES = (
    arithmetic,
    pointwise,
    unary,
    binary,
    reduction,
    cumulative,
    shape,
    join,
    indexing,
    gather,
    linalg,
    nn_ops,
)
NN_MODULES = (activation, loss, conv, pool, normalization)
ALL_MODULES = (*TORCH_MODULES, inplace, decomposition, *NN_MODULES)
