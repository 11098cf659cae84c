"""The activation functions of nn.functional and the layers around them: linear, bilinear, gelu,
silu, dropout, embedding, one_hot, pad, normalize.

Rules follow ``_defop``: ``vjp(grad, result, x, **params)`` in NumPy terms. Where a rule needs
a function NumPy lacks (sigmoid, softplus, erf), a helper runs the npgrad op on Tensors (so
double backward records it) and the NumPy kernel on arrays. ``BackwardN`` nodes with N > 0
are the in-place variants, whose rules use the output because the input was overwritten.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .._creation import _Random
from .._dtype import default_float
from .._tensor import Tensor, _wrap_dim, wrap
from ..autograd.node import bump_version
from . import pointwise, unary
from ._defop import ELEMENTWISE, LINEAR, apply, defop
from .indexing import unindex
from .inplace import inplace as _inplace
from .linalg import matmul
from .nn_ops import _float
from .nn_ops import log_softmax as _log_softmax_op
from .nn_ops import softmax as _softmax_op


def _maybe_inplace(op, input: Tensor, inplace: bool, *args):
    return _inplace(input, op, *args) if inplace else op(input, *args)


# --- helpers that work on arrays (plain backward) and Tensors (double backward) -------------
def _sigmoid(x):
    return pointwise.sigmoid(x) if isinstance(x, Tensor) else pointwise._sigmoid_f(x)


def _softplus_kernel(x, beta=1.0, threshold=20.0):
    x = _float(x)
    bx = x * beta
    soft = (np.maximum(bx, 0) + np.log1p(np.exp(-np.abs(bx)))) / beta
    return np.where(bx > threshold, x, soft).astype(x.dtype, copy=False)


def _softplus_any(x):
    return softplus(x) if isinstance(x, Tensor) else _softplus_kernel(x)


def _erf(x):
    """erf on an array (the kernel of npgrad.erf) or, recorded, on a Tensor."""
    return unary.erf(x) if isinstance(x, Tensor) else unary._erf(_float(x))


# --- linear layers ---------------------------------------------------------------------------
def _addmm_jvp(tangents, r, b, x, w):
    # affine in b, bilinear in (x, w): one term per input with a tangent
    tb, tx, tw = tangents
    terms = (tb, None if tx is None else tx @ w.T, None if tw is None else x @ tw.T)
    return sum(t for t in terms if t is not None)


AddmmBackward0 = defop(
    "AddmmBackward0",
    lambda g, r, b, x, w: g,
    lambda g, r, b, x, w: g @ w,
    lambda g, r, b, x, w: g.T @ x,
    jvp=_addmm_jvp,
)


def _addmm(b, x, w):
    return b + x @ w.T


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """input @ weight.T + bias, for ``weight`` of shape (out_features, in_features)."""
    if input.ndim == 0 or weight.ndim == 0:
        raise RuntimeError(
            "both arguments to linear need to be at least 1D, but they are "
            f"{input.ndim}D and {weight.ndim}D"
        )
    if bias is None:
        return matmul(input, weight.t())
    rows = math.prod(input.shape[:-1])
    if weight.ndim != 2 or input.shape[-1] != weight.shape[1]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} and "
            f"{'x'.join(str(n) for n in reversed(weight.shape))}): weight must be "
            "(out_features, in_features) with in_features = input.shape[-1]"
        )
    if input.ndim == 2:
        return apply(AddmmBackward0, _addmm, bias, input, weight)
    flat = apply(AddmmBackward0, _addmm, bias, input.reshape(rows, input.shape[-1]), weight)
    return flat.view(*input.shape[:-1], weight.shape[0])


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """out[..., o] = input1 @ weight[o] @ input2 + bias[o], for weight (out, in1, in2)."""
    if weight.ndim != 3:
        raise RuntimeError(f"bilinear(): weight must be three-dimensional, got {weight.ndim}D")
    n_out, n1, n2 = weight.shape
    for name, x, n in (("input1", input1, n1), ("input2", input2, n2)):
        if x.ndim == 0 or x.shape[-1] != n:
            size = x.shape[-1] if x.ndim else 0
            raise RuntimeError(
                f"bilinear(): {name} size does not match weight size: got {size} but expected {n}"
            )
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(
            "bilinear(): input batch dimensions do not match: got "
            f"{list(input1.shape[:-1])} and {list(input2.shape[:-1])}"
        )
    lead = tuple(input1.shape[:-1])
    rows = math.prod(lead)
    x1 = input1.reshape(rows, n1)
    x2 = input2.reshape(rows, n2, 1)
    mixed = matmul(x1, weight.permute(1, 0, 2).reshape(n1, n_out * n2))
    out = matmul(mixed.reshape(rows, n_out, n2), x2).view(*lead, n_out)
    return out if bias is None else out + bias


# --- activations -------------------------------------------------------------------------------
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(input, 0), elementwise."""
    return _maybe_inplace(pointwise.relu, input, inplace)


def _hardtanh_grad(g, r, x, min_val, max_val):
    return np.where((x <= min_val) | (x >= max_val), 0, g)


HardtanhBackward0 = defop("HardtanhBackward0", _hardtanh_grad, jvp=ELEMENTWISE)


def _hardtanh(input, min_val, max_val):
    return apply(
        HardtanhBackward0,
        lambda x, min_val, max_val: np.clip(_float(x), min_val, max_val),
        input,
        min_val=min_val,
        max_val=max_val,
    )


def hardtanh(
    input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> Tensor:
    """input clamped to [min_val, max_val] (zero gradient at and beyond the bounds)."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _maybe_inplace(_hardtanh, input, inplace, min_val, max_val)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(input, 0), 6): hardtanh(input, 0, 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


LeakyReluBackward0 = defop(
    "LeakyReluBackward0",
    lambda g, r, x, negative_slope: np.where(x > 0, g, g * negative_slope),
    jvp=ELEMENTWISE,
)


def _leaky_result_grad(g, r, x, negative_slope):
    if negative_slope < 0:
        raise RuntimeError(
            "In-place leakyReLu backward calculation is triggered with a negative slope which "
            "is not supported. Call the out-of-place version (inplace=False) instead."
        )
    return np.where(r > 0, g, g * negative_slope)


LeakyReluBackward1 = defop(
    "LeakyReluBackward1", _leaky_result_grad, saves="result", jvp=ELEMENTWISE
)


def _leaky_kernel(x, negative_slope):
    x = _float(x)
    return np.where(x > 0, x, x * negative_slope)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """input where positive, negative_slope * input elsewhere."""
    if inplace:
        node = LeakyReluBackward1
        return _inplace(
            input, lambda x: apply(node, _leaky_kernel, x, negative_slope=negative_slope)
        )
    return apply(LeakyReluBackward0, _leaky_kernel, input, negative_slope=negative_slope)


def _elu_kernel(x, alpha, scale, input_scale):
    x = _float(x)
    neg = alpha * np.expm1(np.minimum(x, 0) * input_scale)
    return (scale * np.where(x > 0, x, neg)).astype(x.dtype, copy=False)


def _elu_grad(g, r, x, alpha, scale, input_scale):
    e = np.exp(np.where(x > 0, 0, x) * input_scale)
    return np.where(x > 0, g * scale, g * (scale * alpha * input_scale) * e)


def _elu_result_grad(g, r, x, alpha, scale, input_scale):
    return np.where(r > 0, g * scale, g * input_scale * (r + alpha * scale))


EluBackward0 = defop("EluBackward0", _elu_grad, jvp=ELEMENTWISE)
EluBackward1 = defop("EluBackward1", _elu_result_grad, saves="result", jvp=ELEMENTWISE)
CeluBackward0 = defop("CeluBackward0", _elu_grad, jvp=ELEMENTWISE)
CeluBackward1 = defop("CeluBackward1", _elu_result_grad, saves="result", jvp=ELEMENTWISE)


def _elu(input, nodes, inplace, alpha, scale=1.0, input_scale=1.0):
    def op(x, node):
        return apply(node, _elu_kernel, x, alpha=alpha, scale=scale, input_scale=input_scale)

    if inplace:
        return _inplace(input, op, nodes[1])
    return op(input, nodes[0])


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """input where positive, alpha * (exp(input) - 1) elsewhere."""
    return _elu(input, (EluBackward0, EluBackward1), inplace, alpha)


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(input, alpha) with the self-normalising constants."""
    return _elu(input, (EluBackward0, EluBackward1), inplace, SELU_ALPHA, SELU_SCALE)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """input where positive, alpha * (exp(input / alpha) - 1) elsewhere."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: celu's alpha must not be 0")
    return _elu(input, (CeluBackward0, CeluBackward1), inplace, alpha, 1.0, 1.0 / alpha)


_SQRT1_2 = 1 / math.sqrt(2)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_TANH_K = math.sqrt(2 / math.pi)
_TANH_C = 0.044715


def _gelu_kernel(x, approximate):
    x = _float(x)
    if approximate == "tanh":
        return 0.5 * x * (1 + np.tanh(_TANH_K * (x + _TANH_C * x * x * x)))
    return 0.5 * x * (1 + _erf(x * _SQRT1_2))


def _gelu_grad(g, r, x, approximate):
    if approximate == "tanh":
        t = np.tanh(_TANH_K * (x + _TANH_C * x * x * x))
        slope = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _TANH_K * (1 + 3 * _TANH_C * x * x)
        return g * slope
    cdf = 0.5 * (1 + _erf(x * _SQRT1_2))
    return g * (cdf + x * np.exp(-0.5 * x * x) * _INV_SQRT_2PI)


GeluBackward0 = defop("GeluBackward0", _gelu_grad, jvp=ELEMENTWISE)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """input * Phi(input) (Phi: the standard normal CDF); ``approximate='tanh'`` uses tanh."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return apply(GeluBackward0, _gelu_kernel, input, approximate=approximate)


def _silu_grad(g, r, x):
    s = _sigmoid(x)
    return g * s * (1 + x * (1 - s))


SiluBackward0 = defop("SiluBackward0", _silu_grad, jvp=ELEMENTWISE)


def _silu(input):
    return apply(SiluBackward0, lambda x: _float(x) * pointwise._sigmoid_f(x), input)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """input * sigmoid(input) (swish)."""
    return _maybe_inplace(_silu, input, inplace)


def _mish_grad(g, r, x):
    t = np.tanh(_softplus_any(x))
    return g * (t + x * _sigmoid(x) * (1 - t * t))


MishBackward0 = defop("MishBackward0", _mish_grad, jvp=ELEMENTWISE)


def _mish(input):
    return apply(MishBackward0, lambda x: _float(x) * np.tanh(_softplus_kernel(x)), input)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """input * tanh(softplus(input))."""
    return _maybe_inplace(_mish, input, inplace)


SoftplusBackward0 = defop(
    "SoftplusBackward0",
    lambda g, r, x, beta, threshold: np.where(x * beta > threshold, g, g * _sigmoid(x * beta)),
    jvp=ELEMENTWISE,
)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta * input)) / beta, linear where beta * input > threshold; no overflow."""
    return apply(SoftplusBackward0, _softplus_kernel, input, beta=beta, threshold=threshold)


def _logsigmoid_kernel(x):
    x = _float(x)
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


LogSigmoidBackward0 = defop(
    "LogSigmoidBackward0", lambda g, r, x: g * _sigmoid(-x), jvp=ELEMENTWISE
)


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(input)), stable for large |input|."""
    return apply(LogSigmoidBackward0, _logsigmoid_kernel, input)


def _implicit_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to "
        "include dim=X as an argument.",
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """exp(input) normalised to sum to 1 along ``dim``."""
    if dim is None:
        dim = _implicit_dim("softmax", input.ndim, _stacklevel)
    return _softmax_op(input, dim, dtype=dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """softmax(-input) along ``dim``."""
    if dim is None:
        dim = _implicit_dim("softmin", input.ndim, _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return _softmax_op(-input, dim)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """log(softmax(input)) along ``dim``, computed stably."""
    if dim is None:
        dim = _implicit_dim("log_softmax", input.ndim, _stacklevel)
    return _log_softmax_op(input, dim, dtype=dtype)


# --- dropout ---------------------------------------------------------------------------------
def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` (from the generator ``manual_seed`` seeds) and
    scale the rest by 1 / (1 - p); the identity when not training."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if p == 0 or not training or input.numel() == 0:
        return input
    dtype = input._data.dtype if input._data.dtype.kind in "fc" else default_float()
    if p == 1:
        mask = np.zeros((), dtype)
    else:
        keep = _Random.generator.random(input.shape) >= p
        mask = (keep * (1.0 / (1.0 - p))).astype(dtype)
    mask = wrap(mask)
    return input.mul_(mask) if inplace else input * mask


# --- embedding and one_hot ---------------------------------------------------------------------
def _embedding_grad(g, r, w, indices, padding_idx, inv_counts, shape):
    if padding_idx is not None:
        g = np.where((indices == padding_idx)[..., None], 0, g)
    if inv_counts is not None:
        g = g * inv_counts[..., None]
    if isinstance(g, Tensor):
        return apply(EmbeddingDenseBackwardBackward0, _unindex, g, index=(indices,), shape=shape)
    return _unindex(g, (indices,), shape)


def _unindex(g, index, shape):
    out = np.zeros(shape, dtype=g.dtype)
    np.add.at(out, index, g)
    return out


EmbeddingBackward0 = defop("EmbeddingBackward0", _embedding_grad, saves="none", jvp=LINEAR)
EmbeddingDenseBackwardBackward0 = defop(
    "EmbeddingDenseBackwardBackward0",
    lambda g, r, x, index, shape: g[index],
    saves="none",
    jvp=LINEAR,
)


def _embedding_kernel(w, indices, padding_idx, inv_counts, shape):
    return w[indices]


def _indices(t, what: str) -> np.ndarray:
    a = t._data if isinstance(t, Tensor) else np.asarray(t)
    if a.dtype not in (np.int64, np.int32):
        from .._dtype import from_numpy

        name = from_numpy(a.dtype).name if a.dtype.kind in "fcb" else str(a.dtype)
        raise RuntimeError(
            f"Expected tensor for argument #1 'indices' to have one of the following scalar "
            f"types: Long, Int; but got {name} instead (while checking arguments for {what})"
        )
    return a


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """The rows of ``weight`` at the integer indices ``input`` (shape input.shape + (dim,));
    the ``padding_idx`` row gets no gradient; ``max_norm`` renormalises used rows in place."""
    if sparse:
        raise NotImplementedError("sparse gradients are not supported; use sparse=False")
    num = weight.shape[0]
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx %= num
    if weight.ndim != 2:
        raise RuntimeError(f"'weight' must be 2-D, got {weight.ndim}-D")
    idx = _indices(input, "embedding")
    if idx.size and (idx.min() < 0 or idx.max() >= num):
        raise IndexError(
            f"index out of range in self: indices must be in [0, {num}) for a weight of {num} rows"
        )
    if max_norm is not None:
        _renorm_rows(weight, idx, max_norm, norm_type)
    inv_counts = None
    if scale_grad_by_freq:
        inv_counts = (1.0 / np.bincount(idx.reshape(-1), minlength=num))[idx]
    return apply(
        EmbeddingBackward0,
        _embedding_kernel,
        weight,
        indices=idx,
        padding_idx=padding_idx,
        inv_counts=inv_counts,
        shape=weight.shape,
    )


def _renorm_rows(weight: Tensor, idx: np.ndarray, max_norm: float, norm_type: float) -> None:
    """torch's embedding_renorm_: rows used by ``idx`` with a norm above max_norm are scaled
    to max_norm, in place and untracked."""
    rows = np.unique(idx)
    w = weight._data
    norms = np.linalg.norm(w[rows], ord=norm_type, axis=1)
    big = norms > max_norm
    if big.any():
        w[rows[big]] *= (max_norm / (norms[big] + 1e-7))[:, None].astype(w.dtype)
        bump_version(weight)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 tensor of shape tensor.shape + (num_classes,) with a 1 at each class index."""
    idx = tensor._data
    if idx.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if idx.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(idx.max()) + 1
    if idx.size and idx.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if idx.size and idx.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return wrap((idx[..., None] == np.arange(num_classes)).astype(np.int64))


# --- pad ---------------------------------------------------------------------------------------
def _constant_pad_kernel(x, pads, value):
    out_shape = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape, pads))
    out = np.full(out_shape, value, dtype=x.dtype)
    src, dst = [], []
    for n, (lo, hi) in zip(x.shape, pads):
        start, stop = max(-lo, 0), n - max(-hi, 0)
        length = max(stop - start, 0)
        src.append(slice(start, start + length))
        dst.append(slice(max(lo, 0), max(lo, 0) + length))
    out[tuple(dst)] = x[tuple(src)]
    return out


def _constant_pad(x, pads, value):
    if isinstance(x, Tensor):
        return apply(ConstantPadNdBackward0, _constant_pad_kernel, x, pads=pads, value=value)
    return _constant_pad_kernel(x, pads, value)


# The adjoint of padding is cropping, and the other way round: the same op, pads negated.
ConstantPadNdBackward0 = defop(
    "ConstantPadNdBackward0",
    lambda g, r, x, pads, value: _constant_pad(g, tuple((-lo, -hi) for lo, hi in pads), 0),
    saves="none",
    # affine (the fill value is constant): the tangent is padded with zeros
    jvp=lambda t, r, x, pads, value: _constant_pad(t[0], pads, 0),
)


def _gather_grad(g, r, x, index, shape):
    return unindex(g, index, shape, True)


_PAD_NODES = {
    (mode, k): defop(f"{name}Pad{k}DBackward0", _gather_grad, saves="none", jvp=LINEAR)
    for mode, name in (("reflect", "Reflection"), ("replicate", "Replication"))
    for k in (1, 2, 3)
}
_CIRCULAR = defop(
    "CopySlices",
    _gather_grad,
    saves="none",
    qualified_name="torch::autograd::CopySlices",
    jvp=LINEAR,
)


def _source_positions(mode, n, lo, hi, dim, shape):
    """For each output position along one dimension, the input position it copies."""
    j = np.arange(n + lo + hi) - lo
    if mode == "reflect":
        if lo >= n or hi >= n:
            raise RuntimeError(
                "Argument #4: Padding size should be less than the corresponding input "
                f"dimension, but got: padding ({lo}, {hi}) at dimension {dim} of input "
                f"{list(shape)}"
            )
        j = np.abs(j)
        return np.where(j >= n, 2 * (n - 1) - j, j)
    if mode == "replicate":
        if n == 0:
            raise RuntimeError(f"replicate padding needs a non-empty dimension {dim}")
        return np.clip(j, 0, n - 1)
    if lo > n or hi > n:
        raise RuntimeError("Padding value causes wrapping around more than once.")
    # negative pads crop first; positive pads then wrap around what is left
    start, kept = max(-lo, 0), n - max(-lo, 0) - max(-hi, 0)
    return start + (j + lo - max(lo, 0)) % kept


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last len(pad) // 2 dimensions; ``pad`` = (left, right, top, bottom, ...) starts
    at the last dimension. Negative pads crop. Modes: constant, reflect, replicate, circular."""
    pad = tuple(int(p) for p in pad)
    ndim, shape = input.ndim, tuple(input.shape)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    k = len(pad) // 2
    if k > ndim:
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension but "
            f"got padding length {len(pad)} and input of dimension {ndim}"
        )
    pairs = [(0, 0)] * (ndim - k) + [(pad[2 * i], pad[2 * i + 1]) for i in reversed(range(k))]
    if mode == "constant":
        for d, (n, (lo, hi)) in enumerate(zip(shape, pairs)):
            if n + lo + hi < 0:
                raise RuntimeError(
                    f"The input size {n}, plus negative padding {lo} and {hi} resulted in a "
                    f"negative output size, which is invalid. Check dimension {d} of your input."
                )
        return _constant_pad(input, tuple(pairs), 0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise ValueError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if k > 3 or ndim not in (k + 1, k + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {ndim}D input tensor. Non-constant "
            "padding needs a 2D or 3D input for padding size 2, 3D or 4D for size 4, 4D or 5D "
            "for size 6."
        )
    positions = [
        _source_positions(mode, shape[d], *pairs[d], d, shape) for d in range(ndim - k, ndim)
    ]
    index = (Ellipsis, *np.ix_(*positions))
    node = _CIRCULAR if mode == "circular" else _PAD_NODES[mode, k]
    return apply(node, lambda x, index, shape: x[index], input, index=index, shape=shape)


# --- normalize and cosine_similarity -------------------------------------------------------
def _norm_kernel(x, p, dim):
    x = _float(x)
    if p == 2:
        return np.sqrt((x * x).sum(axis=dim, keepdims=True))
    if p == math.inf:
        return np.abs(x).max(axis=dim, keepdims=True)
    return (np.abs(x) ** p).sum(axis=dim, keepdims=True) ** (1 / p)


def _norm_grad(g, r, x, p, dim):
    # zero where the norm is zero, as torch's norm backward
    safe = np.where(r == 0, 1, r)
    if p == 2:
        return g * x / safe
    if p == 1:
        return g * np.sign(x)
    if p == math.inf:
        hit = np.abs(x) == r
        return np.where(hit, g * np.sign(x), 0) / hit.sum(axis=dim, keepdims=True)
    return g * np.sign(x) * np.abs(x) ** (p - 1) / safe ** (p - 1)


NormBackward1 = defop(
    "NormBackward1",
    _norm_grad,
    saves="both",
    # the VJP is the tangent times the local derivative, so the JVP is its sum over dim
    jvp=lambda t, r, x, p, dim: _norm_grad(t[0], r, x, p, dim).sum(axis=dim, keepdims=True),
)


def _norm(x: Tensor, p: float, dim: int) -> Tensor:
    if p <= 0:
        raise NotImplementedError(f"normalize supports p > 0 for now, got p={p}")
    return apply(NormBackward1, _norm_kernel, x, p=float(p), dim=_wrap_dim(dim, x.ndim))


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None):
    """input / max(||input||_p, eps) along ``dim``."""
    if out is not None:
        raise NotImplementedError("normalize(out=...) is not supported; use the result")
    denom = _norm(input, p, dim).clamp(min=eps).expand_as(input)
    return input / denom


# cosine_similarity raises small norms to eps without changing their gradient, as torch does;
# torch's forward mode zeroes a raised norm's tangent, again without changing its gradient.
_FloorValue = defop(
    "ClampMinBackward0",
    lambda g, r, x, eps: g,
    saves="none",
    jvp=lambda t, r, x, eps: t[0] - np.where(x >= eps, 0, t[0]).detach(),
)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps)) along ``dim`` (inputs broadcast)."""
    shape = np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    x1, x2 = x1.expand(*shape), x2.expand(*shape)
    dim = _wrap_dim(dim, len(shape))
    n1, n2 = (
        apply(_FloorValue, lambda a, eps: np.maximum(a, eps), _norm(x, 2, dim), eps=eps)
        for x in (x1, x2)
    )
    return ((x1 / n1) * (x2 / n2)).sum(dim)


__all__ = [
    "bilinear",
    "celu",
    "cosine_similarity",
    "dropout",
    "elu",
    "embedding",
    "gelu",
    "hardtanh",
    "leaky_relu",
    "linear",
    "log_softmax",
    "logsigmoid",
    "mish",
    "normalize",
    "one_hot",
    "pad",
    "relu",
    "relu6",
    "selu",
    "silu",
    "softmax",
    "softmin",
    "softplus",
]
METHODS: dict = {}
NUMPY: dict = {}
