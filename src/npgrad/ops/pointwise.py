"""Elementwise functions of one tensor, comparisons, ``where`` and ``clamp``.

Rules: ``vjp(grad, result, x)`` in NumPy terms (see ``_defop``); ``result`` is saved where
the derivative is cheapest from the output (exp, tanh, sigmoid, sqrt, relu).
"""

from __future__ import annotations

import numpy as np

from .._dtype import default_float, result_type
from .._tensor import Tensor, wrap
from ._defop import ELEMENTWISE, apply, defop, promote
from .inplace import inplace_method


def _floating(kernel):
    """Wrap a NumPy kernel so integer and bool inputs compute in the default float dtype."""

    def run(x):
        if x.dtype.kind not in "fc":
            x = x.astype(default_float())
        return kernel(x)

    return run


def _sigmoid(x):
    # exp of a negative number only, so large inputs neither overflow nor warn.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


ExpBackward0 = defop("ExpBackward0", lambda g, r, x: g * r, saves="result", jvp=ELEMENTWISE)
LogBackward0 = defop("LogBackward0", lambda g, r, x: g / x, jvp=ELEMENTWISE)
SinBackward0 = defop("SinBackward0", lambda g, r, x: g * np.cos(x), jvp=ELEMENTWISE)
CosBackward0 = defop("CosBackward0", lambda g, r, x: -g * np.sin(x), jvp=ELEMENTWISE)
TanhBackward0 = defop(
    "TanhBackward0", lambda g, r, x: g * (1 - r * r), saves="result", jvp=ELEMENTWISE
)
SigmoidBackward0 = defop(
    "SigmoidBackward0", lambda g, r, x: g * r * (1 - r), saves="result", jvp=ELEMENTWISE
)
SqrtBackward0 = defop("SqrtBackward0", lambda g, r, x: g / (2 * r), saves="result", jvp=ELEMENTWISE)
# relu'(0) = 0 and abs'(0) = 0, as in torch.
ReluBackward0 = defop("ReluBackward0", lambda g, r, x: g * (r > 0), saves="result", jvp=ELEMENTWISE)
AbsBackward0 = defop("AbsBackward0", lambda g, r, x: g * np.sign(x), jvp=ELEMENTWISE)
SignBackward0 = defop("SignBackward0", lambda g, r, x: g * 0, saves="none", jvp=ELEMENTWISE)

_exp, _log = _floating(np.exp), _floating(np.log)
_sin, _cos, _tanh = _floating(np.sin), _floating(np.cos), _floating(np.tanh)
_sqrt, _sigmoid_f = _floating(np.sqrt), _floating(_sigmoid)


def exp(input: Tensor) -> Tensor:
    """e ** input, elementwise."""
    return apply(ExpBackward0, _exp, input)


def log(input: Tensor) -> Tensor:
    """Natural logarithm, elementwise."""
    return apply(LogBackward0, _log, input)


def sin(input: Tensor) -> Tensor:
    """Sine, elementwise."""
    return apply(SinBackward0, _sin, input)


def cos(input: Tensor) -> Tensor:
    """Cosine, elementwise."""
    return apply(CosBackward0, _cos, input)


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent, elementwise."""
    return apply(TanhBackward0, _tanh, input)


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-input)), elementwise, stable for large |input|."""
    return apply(SigmoidBackward0, _sigmoid_f, input)


def sqrt(input: Tensor) -> Tensor:
    """Square root, elementwise."""
    return apply(SqrtBackward0, _sqrt, input)


def relu(input: Tensor) -> Tensor:
    """max(input, 0), elementwise."""
    return apply(ReluBackward0, _relu, input)


def _relu(x):
    return np.maximum(x, 0).astype(x.dtype, copy=False)


def abs(input: Tensor) -> Tensor:
    """|input|, elementwise."""
    if input._data.dtype == np.bool_:
        raise NotImplementedError(
            "\"abs\" not implemented for 'bool' tensors; convert the input first, e.g. x.int()"
        )
    return apply(AbsBackward0, np.abs, input)


absolute = abs


def sign(input: Tensor) -> Tensor:
    """-1, 0 or 1 by the sign of each element (zero gradient)."""
    return apply(SignBackward0, _sign, input)


def _sign(x):
    return x.copy() if x.dtype == np.bool_ else np.sign(x)


def _constant_tensor(out) -> Tensor:
    return wrap(np.asarray(out))


# --- comparisons and logic: results are bool and never require grad -----------------------
def _compare(kernel, what: str):
    def op(input, other) -> Tensor:
        xa = input._data if isinstance(input, Tensor) else input
        ya = other._data if isinstance(other, Tensor) else other
        return _constant_tensor(kernel(*promote(xa, ya)))

    op.__name__ = kernel.__name__
    op.__doc__ = f"{what}, elementwise with broadcasting (a bool tensor; no gradient)."
    return op


eq = _compare(np.equal, "input == other")
ne = _compare(np.not_equal, "input != other")
gt = _compare(np.greater, "input > other")
ge = _compare(np.greater_equal, "input >= other")
lt = _compare(np.less, "input < other")
le = _compare(np.less_equal, "input <= other")
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne
logical_and = _compare(np.logical_and, "input and other as truth values")
logical_or = _compare(np.logical_or, "input or other as truth values")
logical_xor = _compare(np.logical_xor, "input xor other as truth values")
bitwise_and = _compare(np.bitwise_and, "Bitwise and")
bitwise_or = _compare(np.bitwise_or, "Bitwise or")
bitwise_xor = _compare(np.bitwise_xor, "Bitwise xor")


def logical_not(input: Tensor) -> Tensor:
    """not input as truth values, elementwise (a bool tensor)."""
    return _constant_tensor(np.logical_not(input._data))


def bitwise_not(input: Tensor) -> Tensor:
    """Bitwise not of an integer or bool tensor."""
    return _constant_tensor(np.invert(input._data))


# --- where and clamp ------------------------------------------------------------------------
WhereBackward0 = defop(
    "WhereBackward0",
    None,
    lambda g, r, condition, x, y: np.where(condition, g, 0),
    lambda g, r, condition, x, y: np.where(condition, 0, g),
    jvp=ELEMENTWISE,
)


def where(condition, input=None, other=None) -> Tensor:
    """Elements of ``input`` where ``condition`` holds, else of ``other`` (either may be a
    number)."""
    if input is None and other is None:
        from .indexing import nonzero

        return nonzero(condition, as_tuple=True)
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        raise RuntimeError(
            f"where expected condition to be a boolean tensor, but got a tensor with dtype "
            f"{condition.dtype}; compare first, e.g. where(x > 0, ...)"
        )
    xa = input._data if isinstance(input, Tensor) else input
    ya = other._data if isinstance(other, Tensor) else other
    dtype = result_type(xa, ya)
    xa, ya = promote(xa, ya)
    return apply(WhereBackward0, lambda c, x, y: _where(c, xa, ya, dtype), cond, input, other)


def _where(c, x, y, dtype):
    out = np.where(c, x, y)
    return out if out.dtype == dtype else out.astype(dtype)


# torch's clamp passes the gradient where min <= x <= max, bounds included; a tensor bound
# gets it where it is the active one (min only while min < max).
ClampBackward1 = defop(
    "ClampBackward1", lambda g, r, x, min, max: g * _inside(x, min, max), jvp=ELEMENTWISE
)
ClampBackward0 = defop(
    "ClampBackward0",
    lambda g, r, x, lo, hi: np.where(_inside(x, lo, hi), g, 0),
    lambda g, r, x, lo, hi: np.where((x < lo) if hi is None else (x < lo) & (lo < hi), g, 0),
    lambda g, r, x, lo, hi: np.where((x > hi) if lo is None else (x > hi) | (hi < lo), g, 0),
    jvp=ELEMENTWISE,
)
ClampMinBackward0 = defop(
    "ClampMinBackward0", lambda g, r, x, min: np.where(x >= min, g, 0), jvp=ELEMENTWISE
)
ClampMaxBackward0 = defop(
    "ClampMaxBackward0", lambda g, r, x, max: np.where(x <= max, g, 0), jvp=ELEMENTWISE
)
ClampMinBackward1 = defop(
    "ClampMinBackward1",
    lambda g, r, x, lo: np.where(x >= lo, g, 0),
    lambda g, r, x, lo: np.where(x < lo, g, 0),
    jvp=ELEMENTWISE,
)
ClampMaxBackward1 = defop(
    "ClampMaxBackward1",
    lambda g, r, x, hi: np.where(x <= hi, g, 0),
    lambda g, r, x, hi: np.where(x > hi, g, 0),
    jvp=ELEMENTWISE,
)


def _inside(x, lo, hi):
    mask = True
    if lo is not None:
        mask = x >= lo
    if hi is not None:
        mask = (x <= hi) if mask is True else mask & (x <= hi)
    return mask


def clamp(input: Tensor, min=None, max=None) -> Tensor:
    """Limit each element to [min, max]; either bound may be None, a number or a tensor
    (broadcast), and where min > max every element becomes max."""
    if min is None and max is None:
        raise RuntimeError(
            "torch.clamp: At least one of 'min' or 'max' must not be None; pass a bound"
        )
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        min, max = _scalar_bound(min, max), _scalar_bound(max, min)
        if isinstance(min, Tensor) or isinstance(max, Tensor):
            _check_bounds(min, max)
            return apply(ClampBackward0, _clamp_tensors, input, min, max)
    return apply(ClampBackward1, _clip, input, min=min, max=max)


def _scalar_bound(bound, other):
    """torch takes a 0-d tensor as a number when the other bound is a number."""
    if isinstance(bound, Tensor) and not isinstance(other, Tensor | None) and not bound.ndim:
        return bound.item()
    return bound


def _check_bounds(*bounds) -> None:
    if any(b is not None and not isinstance(b, Tensor) for b in bounds):
        raise TypeError(
            "clamp() received a tensor and a number as bounds: pass both bounds as tensors "
            "(npgrad.tensor(...)) or both as numbers"
        )


def _clamp_tensors(x, lo, hi):
    dtype = result_type(*(a for a in (x, lo, hi) if a is not None))
    out = x.astype(dtype, copy=False)
    if lo is not None:
        out = np.maximum(out, lo.astype(dtype, copy=False))
    if hi is not None:
        out = np.minimum(out, hi.astype(dtype, copy=False))
    return out


def _clip(x, min, max):
    dtype = result_type(x, *(b for b in (min, max) if b is not None))
    return np.clip(x.astype(dtype, copy=False), min, max).astype(dtype, copy=False)


clip = clamp


def clamp_min(input: Tensor, min) -> Tensor:
    """max(input, min), elementwise; ``min`` a number or a tensor."""
    if isinstance(min, Tensor):
        return apply(ClampMinBackward1, _clamp_tensors_min, input, min)
    return apply(ClampMinBackward0, lambda x, min: _clip(x, min, None), input, min=min)


def clamp_max(input: Tensor, max) -> Tensor:
    """min(input, max), elementwise; ``max`` a number or a tensor."""
    if isinstance(max, Tensor):
        return apply(ClampMaxBackward1, _clamp_tensors_max, input, max)
    return apply(ClampMaxBackward0, lambda x, max: _clip(x, None, max), input, max=max)


def _clamp_tensors_min(x, lo):
    return _clamp_tensors(x, lo, None)


def _clamp_tensors_max(x, hi):
    return _clamp_tensors(x, None, hi)


def _numpy_clip(a, a_min=None, a_max=None, out=None, **kwargs):
    # NumPy 2 also spells the bounds min= and max=
    lo = kwargs.pop("min", a_min)
    hi = kwargs.pop("max", a_max)
    return clamp(a, lo, hi)


__all__ = [
    "abs",
    "absolute",
    "clamp",
    "clamp_max",
    "clamp_min",
    "clip",
    "cos",
    "eq",
    "exp",
    "ge",
    "greater",
    "greater_equal",
    "gt",
    "le",
    "less",
    "less_equal",
    "log",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "lt",
    "ne",
    "not_equal",
    "relu",
    "sigmoid",
    "sign",
    "sin",
    "sqrt",
    "tanh",
    "where",
]
METHODS = {
    "exp": exp,
    "log": log,
    "sin": sin,
    "cos": cos,
    "tanh": tanh,
    "sigmoid": sigmoid,
    "relu": relu,
    "sqrt": sqrt,
    "abs": abs,
    "sign": sign,
    "clamp": clamp,
    "clip": clamp,
    "clamp_min": clamp_min,
    "clamp_max": clamp_max,
    "clamp_min_": inplace_method(clamp_min),
    "clamp_max_": inplace_method(clamp_max),
    "absolute": abs,
    "abs_": inplace_method(abs),
    "absolute_": inplace_method(abs),
    "sign_": inplace_method(sign),
    "sin_": inplace_method(sin),
    "cos_": inplace_method(cos),
    "eq": eq,
    "ne": ne,
    "gt": gt,
    "ge": ge,
    "lt": lt,
    "le": le,
    "__abs__": abs,
    "__eq__": eq,
    "__ne__": ne,
    "__gt__": gt,
    "__ge__": ge,
    "__lt__": lt,
    "__le__": le,
    "__and__": logical_and,
    "__or__": logical_or,
    "__xor__": logical_xor,
    "__invert__": logical_not,
    "logical_and": logical_and,
    "logical_or": logical_or,
    "logical_not": logical_not,
    "exp_": inplace_method(exp),
    "log_": inplace_method(log),
    "sigmoid_": inplace_method(sigmoid),
    "tanh_": inplace_method(tanh),
    "relu_": inplace_method(relu),
    "sqrt_": inplace_method(sqrt),
    "clamp_": inplace_method(clamp),
    "clip_": inplace_method(clamp),
}
NUMPY = {
    np.exp: exp,
    np.log: log,
    np.sin: sin,
    np.cos: cos,
    np.tanh: tanh,
    np.sqrt: sqrt,
    np.absolute: abs,
    np.sign: sign,
    np.equal: eq,
    np.not_equal: ne,
    np.greater: gt,
    np.greater_equal: ge,
    np.less: lt,
    np.less_equal: le,
    np.logical_and: logical_and,
    np.logical_or: logical_or,
    np.logical_xor: logical_xor,
    np.logical_not: logical_not,
    np.bitwise_and: logical_and,
    np.bitwise_or: logical_or,
    np.invert: logical_not,
    np.where: where,
    np.clip: _numpy_clip,
}
