"""torch.func.vmap: map a function over a dimension of its inputs.

The rule for running the batch at once. ``func`` is first run on example 0 alone, recording
its graph. If every recorded op that touches the mapped inputs is elementwise (the
``POINTWISE`` node types below, with no mapped operand broadcast to more dimensions) or acts
along named dimensions (``ALONG_DIMS``: reductions, softmax, cumulative ops, layer_norm,
transpose…) or are matrix products with the batch on an operand where ``matmul`` broadcasts it
(``MATMUL_BATCHING``), the mapped dimensions are moved to the front and ``func`` runs once on
the whole batch. That result is kept only if the batched run recorded the same ops in the
same order (a matrix product may change kind: vector @ matrix becomes matrix @ matrix),
each with the shape of the example's op plus the batch dimension in front and, for ops along
dimensions, the example's dimensions moved one up (what ``dim=-1`` gives; ``dim=0`` would
reduce over the batch), drew no random numbers, and gives example 0's values (which also
catches Python numbers taken from a tensor's shape). Otherwise, and whenever the first check
fails, the examples run one by one and are stacked. Either way the result is the one the
per-example loop gives.
"""

from __future__ import annotations

import copy
import functools

import numpy as np

from .._creation import _Random
from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad, is_grad_enabled
from ..ops import linalg
from ..ops.join import stack
from ._pytree import broadcast_prefix, tree_flatten, tree_unflatten
from ._trace import Recording, differentiable

# Node types of elementwise ops: an element of the output depends on the same element of
# each (broadcast) input only, so a leading batch dimension passes through untouched.
POINTWISE = frozenset(
    f"{name}Backward{n}"
    for name, n in [
        *[
            (op, 0)
            for op in (
                "Abs Acos Acosh Add Addcdiv Addcmul Alias Asin Asinh Atan Atan2 Atanh Ceil Clamp "
                "ClampMax ClampMin Clone Cos Cosh Deg2Rad Div Elu Erf Erfc Exp Exp2 Expm1 Floor "
                "Fmax Fmin Frac Gelu Hardtanh Hypot LeakyRelu Lerp Log Log10 Log1P Log2 "
                "LogSigmoid Logit Maximum Minimum Mish NanToNum Neg Pow Rad2Deg Reciprocal Relu "
                "Round Rsqrt Sgn Sigmoid Sign Silu Sin Sinh Softplus Sqrt Sub Tan Tanh ToCopy "
                "Trunc Where Xlogy Mul Celu"
            ).split()
        ],
        *[
            (op, 1)
            for op in ("Celu Clamp ClampMax ClampMin Elu LeakyRelu Lerp Pow Round Rsub").split()
        ],
        ("Div", 2),
        ("Pow", 2),
    ]
)

# Node types of ops along given dimensions of one input, with the names of the parameters
# that hold those dimensions (after wrapping, so never negative) and of those that hold the
# input's shape. A leading batch dimension passes through when every dimension is one more
# in the batched run than in the example's.
ALONG_DIMS = {
    **dict.fromkeys(
        [
            "SumBackward1",
            "MeanBackward1",
            "VarBackward0",
            "StdBackward0",
            "AmaxBackward0",
            "AminBackward0",
            "LogsumexpBackward0",
            "LinalgVectorNormBackward0",
        ],
        (("dims",), ("shape",)),
    ),
    **dict.fromkeys(
        [
            "SoftmaxBackward0",
            "LogSoftmaxBackward0",
            "CumsumBackward0",
            "CumprodBackward0",
            "ProdBackward1",
            "MaxBackward0",
            "MinBackward0",
            "UnsqueezeBackward0",
        ],
        (("dim",), ("shape",)),
    ),
    "NativeLayerNormBackward0": (("axes",), ()),
    "TransposeBackward0": (("dim0", "dim1"), ()),
}

# Matrix products (``matmul`` records one of these, by the operands' ranks), with the
# operands that may be mapped: (first, second). np.matmul treats a leading dimension of a
# matrix operand as a batch, and a vector's as the rows of a matrix, so a batch in front of
# these operands gives each example's product; the batched run records another of them.
MATMUL_BATCHING = {
    linalg.DotBackward0: {(True, False)},  # vector @ vector: batched, matrix @ vector
    linalg.MvBackward0: {(True, False)},  # matrix @ vector: batched, (B, n, m) @ vector
    linalg.SqueezeBackward4: {(True, False), (False, True)},  # vector @ matrix
    linalg.MmBackward0: {(True, False), (False, True), (True, True)},  # matrix @ matrix
    linalg.CloneBackward0: {(False, True)},  # matrix @ batch of matrices
}
_MATMUL_NODES = frozenset((*MATMUL_BATCHING, linalg.UnsafeViewBackward0, linalg.BmmBackward0))

_RANDOM_ERROR = (
    "vmap: called random operation while in randomness error mode. Please either use the "
    "'same' or 'different' randomness flags on vmap or perform the randomness operation out "
    "of vmap"
)


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """Vectorize ``func`` over dimension ``in_dims`` of its inputs (an int, or a tuple with
    one entry per argument: an int, None for an unmapped argument, or a nested tuple for a
    nested argument); the outputs get the mapped dimension at ``out_dims``. ``randomness``:
    "error" (random ops raise), "different" (each example draws its own) or "same" (every
    example draws the same numbers). ``chunk_size`` is accepted and has no effect."""
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(
            "Only allowed values for randomness are 'error', 'different', or 'same'. "
            f"Got {randomness}"
        )

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        return _Call(func, in_dims, out_dims, randomness, args, kwargs).run()

    return wrapped


class _Rng:
    """Watches npgrad's global generator for draws, and replays it for randomness="same"."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.initial = copy.deepcopy(_Random.generator)

    @staticmethod
    def token():
        gen = _Random.generator
        return gen, gen.bit_generator.state

    def start_example(self):
        if self.mode == "same":
            _Random.generator = copy.deepcopy(self.initial)
        return self.token()

    def drew(self, token) -> bool:
        now = self.token()
        drew = now[0] is not token[0] or now[1] != token[1]
        if drew and self.mode == "error":
            raise RuntimeError(_RANDOM_ERROR)
        return drew


class _Call:
    def __init__(self, func, in_dims, out_dims, randomness, args, kwargs) -> None:
        self.func, self.kwargs, self.out_dims = func, kwargs, out_dims
        self.name = getattr(func, "__name__", repr(func))
        self.rng = _Rng(randomness)
        self.flat, self.spec = tree_flatten(args)
        self.dims = self._check_in_dims(in_dims)
        self.mapped = [i for i, d in enumerate(self.dims) if d is not None]

    # --- checks, with torch's messages ---------------------------------------------------------
    def _check_in_dims(self, in_dims) -> list:
        head = f"vmap({self.name}, in_dims={in_dims}, ...)(<inputs>)"
        if not isinstance(in_dims, (int, tuple)) or isinstance(in_dims, bool):
            raise ValueError(
                f"{head}: expected `in_dims` to be int or a (potentially nested) tuple matching "
                f"the structure of inputs, got: {type(in_dims)}."
            )
        dims = broadcast_prefix(in_dims, self.spec)
        if dims is None:
            raise ValueError(
                f"{head}: in_dims is not compatible with the structure of `inputs`. in_dims has "
                f"structure {tree_flatten(in_dims)[1]} but inputs has structure {self.spec}."
            )
        sizes = []
        for i, (arg, d) in enumerate(zip(self.flat, dims)):
            if d is None:
                continue
            if not isinstance(d, int) or isinstance(d, bool):
                raise ValueError(
                    f"{head}: in_dims must be int or None for every input, got {type(d)}"
                )
            if not isinstance(arg, Tensor):
                raise ValueError(
                    f"{head}: Got in_dim={d} for an input but the input is of type "
                    f"{type(arg)}. We cannot vmap over non-Tensor arguments, please use None as "
                    "the respective in_dim"
                )
            n = arg.dim()
            if not -n <= d < n:
                raise ValueError(
                    f"{head}: Got in_dim={d} for some input, but that input is a Tensor of "
                    f"dimensionality {n} so expected in_dim to satisfy {-n} <= in_dim < {n}."
                )
            dims[i] = d % n
            sizes.append(arg.shape[dims[i]])
        if not sizes:
            raise ValueError(
                f"vmap({self.name}, in_dims={in_dims}, ...)(<inputs>): Got all inputs with "
                "in_dim=None: at least one input must be mapped over (must be a Tensor whose "
                "in_dim is not None)"
            )
        if len(set(sizes)) > 1:
            raise ValueError(
                "vmap: Expected all tensors to have the same size in the mapped dimension, "
                f"got sizes {sizes} for the mapped dimension"
            )
        self.size = sizes[0]
        return dims

    def _out_dims(self, out_spec) -> list:
        dims = broadcast_prefix(self.out_dims, out_spec)
        if dims is None:
            raise ValueError(
                f"vmap({self.name}, ..., out_dims={self.out_dims})(<inputs>): out_dims is not "
                "compatible with the structure of `outputs`. out_dims has structure "
                f"{tree_flatten(self.out_dims)[1]} but outputs has structure {out_spec}."
            )
        return dims

    # --- running ---------------------------------------------------------------------------
    def _call(self, mapped_values: list):
        flat = list(self.flat)
        for i, v in zip(self.mapped, mapped_values):
            flat[i] = v
        return self.func(*tree_unflatten(flat, self.spec), **self.kwargs)

    def _example(self, index: int) -> list:
        return [self.flat[i][(slice(None),) * self.dims[i] + (index,)] for i in self.mapped]

    def _batch(self) -> list:
        return [
            self.flat[i] if self.dims[i] == 0 else self.flat[i].movedim(self.dims[i], 0)
            for i in self.mapped
        ]

    def _traced(self, values: list):
        """(recording, output, drew random numbers) of ``func`` on differentiable copies."""
        token = self.rng.start_example()
        with enable_grad():
            rec = Recording(values, prepare=differentiable)
            out = self._call(rec.inputs)
        return rec, out, self.rng.drew(token)

    def run(self):
        outer_enabled = is_grad_enabled()
        traceable = self.size > 0 and all(self.flat[i].dtype.is_floating_point for i in self.mapped)
        if self.size == 0:
            return self._empty()
        if traceable:
            rec0, out0, drew = self._traced(self._example(0))
        else:
            token = self.rng.start_example()
            rec0, out0, drew = None, self._call(self._example(0)), False
            self.rng.drew(token)
        leaves0, out_spec = tree_flatten(out0)
        out_dims = self._out_dims(out_spec)
        for leaf, od in zip(leaves0, out_dims):
            if od is not None and not isinstance(leaf, Tensor):
                raise ValueError(
                    f"vmap({self.name}, ...): `{self.name}` must only return Tensors, got type "
                    f"{type(leaf)}. Did you mean to set out_dims= to None for output?"
                )
        derived = self._derived(rec0, leaves0, self.flat)
        for d, od in zip(derived, out_dims):
            if d and od is None:
                raise ValueError(
                    f"vmap({self.name}, ...): `{self.name}` can not return a BatchedTensor when "
                    "out_dim is None"
                )
        batched = None
        if traceable and not drew and self.size > 1 and self._batchable(rec0, leaves0, derived):
            batched = self._try_batched(rec0, leaves0, out_spec)
        if batched is not None:
            rec, leaves = batched
            results = [
                t if od is None else (t if od == 0 else t.movedim(0, od))
                for t, od in zip(leaves, out_dims)
            ]
        else:
            rec = rec0
            per_example = [leaves0]
            for i in range(1, self.size):
                token = self.rng.start_example()
                out = self._call(self._example(i))
                self.rng.drew(token)
                leaves, spec = tree_flatten(out)
                if spec != out_spec:
                    raise RuntimeError(
                        f"vmap({self.name}, ...): `{self.name}` returned outputs of different "
                        "structures for different examples"
                    )
                per_example.append(leaves)
            results = []
            for k, od in enumerate(out_dims):
                column = [ex[k] for ex in per_example]
                if od is None:
                    results.append(column[0])
                else:
                    results.append(
                        stack([self._own(rec, t, outer_enabled) for t in column], dim=od)
                    )
        results = [self._own(rec, t, outer_enabled) for t in results]
        return tree_unflatten(results, out_spec)

    @staticmethod
    def _own(rec, t, outer_enabled: bool):
        """Detach what only depends on the call's own copies of the inputs."""
        if not isinstance(t, Tensor) or not t.requires_grad:
            return t
        if rec is None:
            return t if outer_enabled else t.detach()
        return t if outer_enabled and rec.depends_on_outer([t]) else t.detach()

    def _empty(self):
        out = self._call(self._batch())
        return out

    @staticmethod
    def _derived(rec, leaves, inputs) -> list:
        """For each output: does it depend on the mapped inputs (True where unknown)."""
        unmapped = {id(a) for a in inputs}
        if rec is None:
            return [isinstance(t, Tensor) and id(t) not in unmapped for t in leaves]
        nodes = rec.nodes([t for t in leaves if isinstance(t, Tensor)])
        out = []
        for t in leaves:
            if not isinstance(t, Tensor) or id(t) in unmapped:
                out.append(False)
            elif not t.requires_grad:
                out.append(True)  # computed outside the graph: assume it is batched
            else:
                out.append(rec.is_input_derived(t, nodes))
        return out

    @staticmethod
    def _batchable(rec, leaves, derived) -> bool:
        """Example 0 used only elementwise ops (without broadcasting a mapped operand to more
        dimensions) and ops along dimensions on the mapped inputs, and every output came out
        of them."""
        if not all(isinstance(t, Tensor) and t.requires_grad for t in leaves):
            return False
        if not all(derived):
            return False
        mapped = {}
        for node, m in rec.nodes(leaves):
            mapped[id(node)] = m
            if not m:
                continue
            if node._multi:
                return False
            if node.name() in ALONG_DIMS:
                continue
            if type(node) in MATMUL_BATCHING:
                operands = tuple(
                    fn is not None and bool(id(fn) in rec.sources or mapped.get(id(fn)))
                    for fn in node._next
                )
                if operands not in MATMUL_BATCHING[type(node)]:
                    return False
                continue
            if node.name() not in POINTWISE:
                return False
            for fn, nr in zip(node._next, node._next_nr):
                if fn is None or not (id(fn) in rec.sources or mapped.get(id(fn))):
                    continue
                shape = fn._shape[nr] if fn._multi else fn._shape
                if len(shape) != len(node._shape):
                    return False
        return True

    def _try_batched(self, rec0, leaves0, out_spec):
        """The batched run's (recording, outputs) if it provably equals the loop's."""
        try:
            rec, out, drew = self._traced(self._batch())
        except Exception:  # the batched call is only an attempt; the loop decides errors
            return None
        leaves, spec = tree_flatten(out)
        if drew or spec != out_spec:
            return None
        if not all(isinstance(t, Tensor) and t.requires_grad for t in leaves):
            return None
        nodes0, nodes = rec0.nodes(leaves0), rec.nodes(leaves)
        if len(nodes0) != len(nodes):
            return None
        batch = (self.size,)
        for (n0, m0), (n, m) in zip(nodes0, nodes):
            if m0 != m:
                return None
            if n0.name() != n.name() and not (
                m and type(n0) in MATMUL_BATCHING and type(n) in _MATMUL_NODES
            ):
                return None
            if n._shape != (batch + tuple(n0._shape) if m else n0._shape):
                return None
            if m and n.name() in ALONG_DIMS and not _dims_moved_up(n0, n, batch):
                return None
        for t0, t in zip(leaves0, leaves):
            if tuple(t.shape) != batch + tuple(t0.shape) or t.dtype != t0.dtype:
                return None
            if not _same_values(t0.detach().numpy(), t[0].detach().numpy()):
                return None
        return rec, leaves


def _dims_moved_up(example, batched, batch: tuple) -> bool:
    """The batched run's node acts on the example's dimensions, each one further along, with
    the other parameters unchanged (arrays, such as selected indexes, are not compared)."""
    dim_keys, shape_keys = ALONG_DIMS[example.name()]
    p0, p = example._params, batched._params
    if p0.keys() != p.keys():
        return False
    for key, v0 in p0.items():
        v = p[key]
        if key in dim_keys:
            expected = tuple(d + 1 for d in v0) if isinstance(v0, tuple) else v0 + 1
        elif key in shape_keys:
            expected = batch + tuple(v0)
        elif any(isinstance(e, np.ndarray) for e in (v0 if isinstance(v0, tuple) else (v0,))):
            continue
        else:
            expected = v0
        if v != expected:
            return False
    return True


def _same_values(a: np.ndarray, b: np.ndarray) -> bool:
    if a.dtype.kind not in "fc":
        return np.array_equal(a, b)
    eps = np.finfo(a.dtype).eps
    return bool(np.allclose(a, b, rtol=64 * eps, atol=64 * np.finfo(a.dtype).tiny, equal_nan=True))
