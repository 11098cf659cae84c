"""The losses of nn.functional: cross_entropy, nll_loss, mse_loss, l1_loss, smooth_l1_loss,
huber_loss, binary cross-entropy, kl_div.

Losses torch computes in one kernel are one node here too, with rules written once (see
``_defop``): a reduced loss hands every element ``grad`` (divided by the element count for
'mean'). Losses torch composes from smaller ops (l1_loss, kl_div, cross_entropy with
probabilities or label smoothing) are composed the same way, so their grad_fn names match.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .._dtype import from_numpy
from .._tensor import Tensor, wrap
from ._defop import ELEMENTWISE, LINEAR, apply, defop, promote
from .activation import _logsigmoid_kernel, _sigmoid, logsigmoid
from .nn_ops import log_softmax
from .pointwise import exp, where

_REDUCTIONS = ("mean", "sum", "none")


def _reduction(reduction: str, size_average=None, reduce=None, allowed=_REDUCTIONS) -> str:
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = "none" if not reduce else "mean" if size_average else "sum"
        warnings.warn(
            "size_average and reduce args will be deprecated, please use "
            f"reduction='{reduction}' instead.",
            stacklevel=3,
        )
    if reduction not in allowed:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss: np.ndarray, reduction: str) -> np.ndarray:
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / loss.size if loss.size else np.array(np.nan, loss.dtype)


def _reduce_tensor(loss: Tensor, reduction: str) -> Tensor:
    return loss if reduction == "none" else loss.sum() if reduction == "sum" else loss.mean()


def _each(g, reduction: str, n: int):
    """The gradient each element of the unreduced loss receives."""
    return g / n if reduction == "mean" and n else g


def _reduced_jvp(*vjps):
    """The JVP of a loss that reduces an elementwise term: the VJPs without reduction, run
    on the inputs' tangents, give the term's tangent per element, then reduced as the loss."""

    def jvp(tangents, result, *inputs, reduction, **params):
        terms = [
            vjp(t, result, *inputs, reduction="none", **params)
            for vjp, t in zip(vjps, tangents)
            if t is not None
        ]
        return _reduce_tensor(sum(terms[1:], terms[0]), reduction)

    return jvp


def _data(t):
    return t._data if isinstance(t, Tensor) else np.asarray(t)


def _broadcast_shape(input: Tensor, target: Tensor) -> tuple:
    try:
        return np.broadcast_shapes(tuple(input.shape), tuple(target.shape))
    except ValueError:
        raise RuntimeError(
            f"The size of tensor a {list(input.shape)} must match the size of tensor b "
            f"{list(target.shape)}: input and target of a loss must broadcast"
        ) from None


def _warn_if_broadcast(input: Tensor, target: Tensor) -> tuple:
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(
            f"Using a target size ({target.size()}) that is different to the input size "
            f"({input.size()}). This will likely lead to incorrect results due to "
            "broadcasting. Please ensure they have the same size.",
            stacklevel=3,
        )
    return _broadcast_shape(input, target)


def _check_weight(weight, input: Tensor) -> None:
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")


# --- regression losses --------------------------------------------------------------------
def _mse_kernel(x, t, reduction, n):
    x, t = promote(x, t)
    d = x - t
    return _reduce(d * d, reduction)


_mse_rules = (
    lambda g, r, x, t, reduction, n: _each(g, reduction, n) * (2 * (x - t)),
    lambda g, r, x, t, reduction, n: _each(g, reduction, n) * (2 * (t - x)),
)
MseLossBackward0 = defop("MseLossBackward0", *_mse_rules, jvp=_reduced_jvp(*_mse_rules))


def mse_loss(
    input: Tensor, target: Tensor, size_average=None, reduce=None, reduction="mean", weight=None
) -> Tensor:
    """(input - target) ** 2, reduced by ``reduction`` ('mean', 'sum' or 'none')."""
    shape = _warn_if_broadcast(input, target)
    reduction = _reduction(reduction, size_average, reduce)
    if weight is not None:
        _check_weight(weight, input)
        errors = (input - target) ** 2 * weight
        return _weighted_reduce(errors, weight, reduction)
    n = math.prod(shape)
    return apply(MseLossBackward0, _mse_kernel, input, target, reduction=reduction, n=n)


def _weighted_reduce(errors: Tensor, weight: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return errors.sum() / weight.sum()
    return _reduce_tensor(errors, reduction)


def l1_loss(
    input: Tensor, target: Tensor, size_average=None, reduce=None, reduction="mean", weight=None
) -> Tensor:
    """|input - target|, reduced by ``reduction``."""
    _warn_if_broadcast(input, target)
    reduction = _reduction(reduction, size_average, reduce)
    errors = (input - target).abs()
    if weight is not None:
        _check_weight(weight, input)
        return _weighted_reduce(errors * weight, weight, reduction)
    return _reduce_tensor(errors, reduction)


def _smooth_l1_kernel(x, t, reduction, n, beta):
    x, t = promote(x, t)
    a = np.abs(x - t)
    return _reduce(np.where(a < beta, 0.5 * a * a / beta, a - 0.5 * beta), reduction)


_smooth_l1_rules = (
    lambda g, r, x, t, reduction, n, beta: _each(g, reduction, n) * np.clip((x - t) / beta, -1, 1),
    lambda g, r, x, t, reduction, n, beta: _each(g, reduction, n) * np.clip((t - x) / beta, -1, 1),
)
SmoothL1LossBackward0 = defop(
    "SmoothL1LossBackward0", *_smooth_l1_rules, jvp=_reduced_jvp(*_smooth_l1_rules)
)


def smooth_l1_loss(
    input: Tensor, target: Tensor, size_average=None, reduce=None, reduction="mean", beta=1.0
) -> Tensor:
    """0.5 d ** 2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target), reduced."""
    shape = _warn_if_broadcast(input, target)
    reduction = _reduction(reduction, size_average, reduce)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0:
        return _reduce_tensor((input - target).abs(), reduction)
    return apply(
        SmoothL1LossBackward0,
        _smooth_l1_kernel,
        input,
        target,
        reduction=reduction,
        n=math.prod(shape),
        beta=beta,
    )


def _huber_kernel(x, t, reduction, n, delta):
    x, t = promote(x, t)
    a = np.abs(x - t)
    return _reduce(np.where(a < delta, 0.5 * a * a, delta * (a - 0.5 * delta)), reduction)


_huber_rules = (
    lambda g, r, x, t, reduction, n, delta: _each(g, reduction, n) * np.clip(x - t, -delta, delta),
    lambda g, r, x, t, reduction, n, delta: _each(g, reduction, n) * np.clip(t - x, -delta, delta),
)
HuberLossBackward0 = defop("HuberLossBackward0", *_huber_rules, jvp=_reduced_jvp(*_huber_rules))


def huber_loss(input: Tensor, target: Tensor, reduction="mean", delta=1.0, weight=None) -> Tensor:
    """0.5 d ** 2 where |d| < delta, else delta (|d| - 0.5 delta) (d = input - target), reduced."""
    shape = _warn_if_broadcast(input, target)
    _reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    if weight is not None:
        _check_weight(weight, input)
        losses = huber_loss(input, target, "none", delta) * weight
        return _reduce_tensor(losses, reduction)
    return apply(
        HuberLossBackward0,
        _huber_kernel,
        input,
        target,
        reduction=reduction,
        n=math.prod(shape),
        delta=delta,
    )


# --- binary cross-entropy ----------------------------------------------------------------------
def _bce_kernel(x, t, w, reduction, n):
    x, t = promote(x, t)
    with np.errstate(divide="ignore"):
        loss = (t - 1) * np.maximum(np.log1p(-x), -100) - t * np.maximum(np.log(x), -100)
    return _reduce(loss if w is None else loss * w, reduction)


def _bce_input_grad(g, r, x, t, w, reduction, n):
    # torch bounds the denominator x (1 - x) below by 1e-12
    g = _each(g, reduction, n) * (x - t) / np.clip((1 - x) * x, 1e-12, None)
    return g if w is None else g * w


def _bce_target_grad(g, r, x, t, w, reduction, n):
    g = _each(g, reduction, n) * (np.log(1 - x) - np.log(x))
    return g if w is None else g * w


BinaryCrossEntropyBackward0 = defop(
    "BinaryCrossEntropyBackward0",
    _bce_input_grad,
    _bce_target_grad,
    jvp=_reduced_jvp(_bce_input_grad, _bce_target_grad),
)


def binary_cross_entropy(
    input: Tensor, target: Tensor, weight=None, size_average=None, reduce=None, reduction="mean"
) -> Tensor:
    """-(target log(input) + (1 - target) log(1 - input)), logs bounded below by -100, times
    ``weight``, reduced. ``input`` holds probabilities in [0, 1]."""
    reduction = _reduction(reduction, size_average, reduce)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"Using a target size ({target.size()}) that is different to the input size "
            f"({input.size()}) is deprecated. Please ensure they have the same size."
        )
    x = input._data
    if x.size and not ((x >= 0) & (x <= 1)).all():
        raise RuntimeError(
            "all elements of input should be between 0 and 1; apply sigmoid first, or use "
            "binary_cross_entropy_with_logits on the logits"
        )
    w = None
    if weight is not None:
        w = np.broadcast_to(_data(weight), np.broadcast_shapes(target.shape, weight.shape))
    shape = np.broadcast_shapes(x.shape, () if w is None else w.shape)
    return apply(
        BinaryCrossEntropyBackward0,
        _bce_kernel,
        input,
        target,
        w=w,
        reduction=reduction,
        n=math.prod(shape),
    )


def _bce_logits_kernel(x, t, w, pw, reduction, n):
    x, t = promote(x, t)
    log_sig = _logsigmoid_kernel(x)
    if pw is not None:
        log_sig = log_sig * ((pw - 1) * t + 1)
    loss = (1 - t) * x - log_sig
    return _reduce(loss if w is None else loss * w, reduction)


def _bce_logits_input_grad(g, r, x, t, w, pw, reduction, n):
    if pw is None:
        d = _sigmoid(x) - t
    else:
        d = ((pw - 1) * t + 1) * _sigmoid(x) - pw * t
    g = _each(g, reduction, n) * d
    return g if w is None else g * w


def _logsigmoid_any(x):
    return logsigmoid(x) if isinstance(x, Tensor) else _logsigmoid_kernel(x)


def _bce_logits_target_grad(g, r, x, t, w, pw, reduction, n):
    d = -x if pw is None else _logsigmoid_any(-x) - pw * _logsigmoid_any(x)
    g = _each(g, reduction, n) * d
    return g if w is None else g * w


BinaryCrossEntropyWithLogitsBackward0 = defop(
    "BinaryCrossEntropyWithLogitsBackward0",
    _bce_logits_input_grad,
    _bce_logits_target_grad,
    jvp=_reduced_jvp(_bce_logits_input_grad, _bce_logits_target_grad),
)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight=None,
    size_average=None,
    reduce=None,
    reduction="mean",
    pos_weight=None,
) -> Tensor:
    """binary_cross_entropy(sigmoid(input), target), computed stably from the logits;
    ``pos_weight`` weighs the positive term, ``weight`` every element."""
    reduction = _reduction(reduction, size_average, reduce)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"Target size ({target.size()}) must be the same as input size ({input.size()})"
        )
    w = None if weight is None else _data(weight)
    pw = None if pos_weight is None else _data(pos_weight)
    shape = np.broadcast_shapes(*(a.shape for a in (input._data, w, pw) if a is not None))
    return apply(
        BinaryCrossEntropyWithLogitsBackward0,
        _bce_logits_kernel,
        input,
        target,
        w=w,
        pw=pw,
        reduction=reduction,
        n=math.prod(shape),
    )


# --- kl_div ----------------------------------------------------------------------------------
def _xlogy_kernel(x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(x == 0, 0, x * np.log(y))
    return np.where(np.isnan(y), np.nan, out).astype(out.dtype, copy=False)


XlogyBackward0 = defop(
    "XlogyBackward0",
    lambda g, r, x, y: g * np.where(x != 0, np.log(y), 0),
    lambda g, r, x, y: g * x / y,
    jvp=ELEMENTWISE,
)


def kl_div(
    input: Tensor,
    target: Tensor,
    size_average=None,
    reduce=None,
    reduction="mean",
    log_target=False,
) -> Tensor:
    """target * (log(target) - input) for log-probabilities ``input`` (``log_target``: target
    given as log-probabilities too), reduced; 'batchmean' divides the sum by the batch size."""
    if size_average is None and reduce is None and reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support "
            "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
            "major release.",
            stacklevel=2,
        )
    reduction = _reduction(reduction, size_average, reduce, (*_REDUCTIONS, "batchmean"))
    if log_target:
        losses = exp(target) * (target - input)
    else:
        losses = apply(XlogyBackward0, _xlogy_kernel, target, target) - target * input
    if reduction == "batchmean":
        total = losses.sum()
        return total / input.shape[0] if input.ndim else total
    return _reduce_tensor(losses, reduction)


# --- negative log-likelihood and cross-entropy ----------------------------------------------
def _nll_kernel(x, gather, valid, weights, total, reduction, coef, grad_shape, class_dim):
    picked = np.take_along_axis(x, gather, axis=class_dim).squeeze(class_dim)
    losses = np.where(valid, -(weights * picked), 0).astype(x.dtype, copy=False)
    if reduction == "none":
        return losses
    with np.errstate(invalid="ignore", divide="ignore"):
        return losses.sum() / total if reduction == "mean" else losses.sum()


def _nll_grad(g, r, x, gather, valid, weights, total, reduction, coef, grad_shape, class_dim):
    return g.reshape(grad_shape) * coef


NllLossBackward0 = defop("NllLossBackward0", _nll_grad, saves="none", jvp=LINEAR)
NllLoss2DBackward0 = defop("NllLoss2DBackward0", _nll_grad, saves="none", jvp=LINEAR)


def _dtype_name(a: np.ndarray) -> str:
    return from_numpy(a.dtype).name.capitalize() if a.dtype != np.bool_ else "Bool"


def _check_nll_target(input: Tensor, t: np.ndarray, weight, prefix="") -> None:
    ndim, shape = input.ndim, tuple(input.shape)
    if ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {ndim})")
    if ndim != 1 and t.ndim and t.shape[0] != shape[0]:
        raise ValueError(
            f"Expected input batch_size ({shape[0]}) to match target batch_size ({t.shape[0]})."
        )
    if t.dtype not in (np.int64, np.uint8):
        raise RuntimeError(
            f"expected target dtype to be Long or Byte, but got {_dtype_name(t)}: targets "
            "are class indices; use target.long() (or pass probabilities of input's shape)"
        )
    if ndim <= 2:
        if t.ndim != ndim - 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    elif ndim == 4:
        if t.ndim != 3:
            raise RuntimeError(
                "only batches of spatial targets supported (3D tensors) but got targets of "
                f"dimension: {t.ndim}"
            )
        if t.shape != shape[:1] + shape[2:]:
            raise RuntimeError(f"size mismatch (got input: {list(shape)} , target: {list(t.shape)}")
    elif t.shape[1:] != shape[2:]:
        raise RuntimeError(f"Expected target size {[shape[0], *shape[2:]]}, got {list(t.shape)}")
    n_classes = shape[0 if ndim == 1 else 1]
    if weight is not None and tuple(weight.shape) != (n_classes,):
        raise RuntimeError(
            f"{prefix}weight tensor should be defined either for all {n_classes} classes or no "
            f"classes but got weight tensor of shape: {list(weight.shape)}"
        )


def _nll(input: Tensor, target, weight, ignore_index: int, reduction: str) -> Tensor:
    t = _data(target)
    _check_nll_target(input, t, weight)
    class_dim = 0 if input.ndim == 1 else 1
    n_classes = input.shape[class_dim]
    valid = t != ignore_index
    bad = valid & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise IndexError(
            f"Target {int(t[bad].reshape(-1)[0])} is out of bounds: class indices must be in "
            f"[0, {n_classes}) or equal ignore_index ({ignore_index})."
        )
    x = input._data
    safe = np.where(valid, t, 0).astype(np.int64)
    w = np.ones(n_classes, x.dtype) if weight is None else _data(weight).astype(x.dtype)
    weights = np.where(valid, w[safe], 0).astype(x.dtype)
    total = weights.sum()
    gather = np.expand_dims(safe, class_dim)
    coef = np.zeros(x.shape, x.dtype)
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = np.where(valid, weights / total, 0) if reduction == "mean" else weights
    np.put_along_axis(coef, gather, -np.expand_dims(scaled, class_dim).astype(x.dtype), class_dim)
    grad_shape = gather.shape if reduction == "none" else ()
    node = NllLossBackward0 if input.ndim <= 2 else NllLoss2DBackward0
    out = apply(
        node,
        _nll_kernel,
        input,
        gather=gather,
        valid=valid,
        weights=weights,
        total=total,
        reduction=reduction,
        coef=coef,
        grad_shape=grad_shape,
        class_dim=class_dim,
    )
    if reduction == "none" and (input.ndim == 3 or input.ndim > 4):
        return out.view(*t.shape)  # torch runs these through a 4-D view
    return out


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight=None,
    size_average=None,
    ignore_index: int = -100,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """-weight[target] * input[target] per sample for log-probabilities ``input`` of shape
    (C,), (N, C) or (N, C, d1, ...) and class indices ``target``; 'mean' divides by the sum of
    the weights used; targets equal to ``ignore_index`` contribute nothing."""
    reduction = _reduction(reduction, size_average, reduce)
    return _nll(input, target, weight, ignore_index, reduction)


DivBackward1 = defop("DivBackward1", lambda g, r, x, other: g / other, saves="none", jvp=LINEAR)


def _class_shape(ndim: int, n: int, class_dim: int) -> tuple:
    return tuple(n if d == class_dim else 1 for d in range(ndim))


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight=None,
    size_average=None,
    ignore_index: int = -100,
    reduce=None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy of logits ``input`` ((C,), (N, C) or (N, C, d1, ...)) against class
    indices or class probabilities (a float ``target`` of input's shape); ``weight`` per
    class, ``ignore_index``, ``label_smoothing`` as torch."""
    reduction = _reduction(reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    class_dim = 0 if input.ndim == 1 else 1
    t = _data(target)
    if input.ndim >= 1 and tuple(input.shape) == t.shape:
        return _cross_entropy_probs(input, target, weight, ignore_index, reduction, label_smoothing)
    logp = log_softmax(input, class_dim)
    nll = _nll(logp, target, weight, ignore_index, reduction)
    if label_smoothing == 0:
        return nll
    n_classes = input.shape[class_dim]
    if weight is not None:
        logp = logp * weight.reshape(_class_shape(input.ndim, n_classes, class_dim))
    smooth = where(wrap(t != ignore_index), -logp.sum(class_dim), 0.0)
    if reduction == "mean":
        kept = t[t != ignore_index].astype(np.int64)
        denom = len(kept) if weight is None else weight[wrap(kept)].sum()
        smooth = smooth.sum() / denom
    elif reduction == "sum":
        smooth = smooth.sum()
    return (1 - label_smoothing) * nll + smooth * (label_smoothing / n_classes)


def _cross_entropy_probs(input, target, weight, ignore_index, reduction, label_smoothing):
    class_dim = 0 if input.ndim == 1 else 1
    n_classes = input.shape[class_dim]
    if _data(target).dtype.kind not in "fc":
        raise RuntimeError(
            "Expected floating point type for target with class probabilities, got "
            f"{_dtype_name(_data(target))}"
        )
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    if weight is not None and tuple(weight.shape) != (n_classes,):
        raise RuntimeError(
            f"cross_entropy: weight tensor should be defined either for all {n_classes} "
            f"classes or no classes but got weight tensor of shape: {list(weight.shape)}"
        )
    logp = log_softmax(input, class_dim)
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / n_classes
    products = logp * target
    if weight is not None:
        products = products * weight.reshape(_class_shape(input.ndim, n_classes, class_dim))
    if reduction == "none":
        return -products.sum(class_dim)
    if reduction == "sum":
        return -products.sum()
    if input.numel() == 0:
        return -products.sum().fill_(math.nan)
    rows = input.numel() // n_classes
    return apply(DivBackward1, lambda x, other: x / other, -products.sum(), other=rows)


__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "mse_loss",
    "nll_loss",
    "smooth_l1_loss",
]
METHODS: dict = {}
NUMPY: dict = {}
