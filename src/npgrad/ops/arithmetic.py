"""Elementwise arithmetic of two operands, with broadcasting and torch's type promotion.

Rules: ``vjp(grad, result, x, y)`` returns the gradient w.r.t. one operand in the output's
shape (the engine sums it back over broadcast dimensions); Python numbers are constants.
"""

from __future__ import annotations

import numpy as np

from .._dtype import default_float
from .._tensor import Tensor
from ._defop import ELEMENTWISE, apply, binary, defop, no_forward, promote
from .inplace import inplace_method

AddBackward0 = defop(
    "AddBackward0", lambda g, r, x, y: g, lambda g, r, x, y: g, saves="none", jvp=ELEMENTWISE
)
SubBackward0 = defop(
    "SubBackward0", lambda g, r, x, y: g, lambda g, r, x, y: -g, saves="none", jvp=ELEMENTWISE
)
MulBackward0 = defop(
    "MulBackward0", lambda g, r, x, y: g * y, lambda g, r, x, y: g * x, jvp=ELEMENTWISE
)
DivBackward0 = defop(
    "DivBackward0",
    lambda g, r, x, y: g / y,
    lambda g, r, x, y: -g * x / (y * y),
    jvp=ELEMENTWISE,
)
NegBackward0 = defop("NegBackward0", lambda g, r, x: -g, saves="none", jvp=ELEMENTWISE)
RsubBackward1 = defop(
    "RsubBackward1", lambda g, r, x, other, alpha: -alpha * g, saves="none", jvp=ELEMENTWISE
)


def _scaled(other, alpha):
    if alpha == 1:
        return other
    return mul(other, alpha) if isinstance(other, Tensor) else other * alpha


def add(input, other, *, alpha=1) -> Tensor:
    """input + alpha * other, broadcasting."""
    return binary(AddBackward0, np.add, input, _scaled(other, alpha))


def sub(input, other, *, alpha=1) -> Tensor:
    """input - alpha * other, broadcasting."""
    return binary(SubBackward0, np.subtract, input, _scaled(other, alpha))


subtract = sub


def rsub(input, other, *, alpha=1) -> Tensor:
    """other - alpha * input."""
    if isinstance(other, Tensor):
        return sub(other, input, alpha=alpha)
    return apply(RsubBackward1, _rsub, input, other=other, alpha=alpha)


def _rsub(x, other, alpha):
    x, other = promote(x, other)
    return np.subtract(other, x * alpha if alpha != 1 else x)


def mul(input, other) -> Tensor:
    """input * other, broadcasting."""
    return binary(MulBackward0, np.multiply, input, other)


multiply = mul


def _true_divide(x, y):
    out = np.true_divide(x, y)
    # torch divides integers into the default float dtype, NumPy into float64.
    if out.dtype.kind == "f" and not _any_float(x, y):
        out = out.astype(default_float())
    return out


def _any_float(*operands) -> bool:
    return any(
        (o.dtype.kind in "fc") if isinstance(o, np.ndarray | np.generic) else isinstance(o, float)
        for o in operands
    )


_TRUE = object()  # rounding_mode not given, as opposed to given as None


def div(input, other, *, rounding_mode=_TRUE) -> Tensor:
    """input / other: true division (integers give floats), or with ``rounding_mode``
    "trunc" or "floor" the quotient rounded towards zero or down (zero gradient)."""
    if rounding_mode is _TRUE:
        return binary(DivBackward0, _true_divide, input, other)
    if rounding_mode is None:  # torch records this call form as DivBackward2
        return binary(TrueDivBackward2, _true_divide, input, other)
    if rounding_mode not in _ROUNDED:
        raise RuntimeError(
            "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
            f"{rounding_mode!r}"
        )
    return binary(DivBackward2, _ROUNDED[rounding_mode], input, other)


def _zero_grad(g, r, x, y):
    return g * 0


DivBackward2 = defop("DivBackward2", _zero_grad, _zero_grad, saves="none", jvp=ELEMENTWISE)
TrueDivBackward2 = defop("DivBackward2", *DivBackward0._vjps, jvp=ELEMENTWISE)


def _check_integer_divisor(x, y) -> None:
    if not _any_float(x, y) and np.any(np.asarray(y) == 0):
        raise RuntimeError(
            "ZeroDivisionError: integer division by zero; use a floating dtype to get inf/nan"
        )


def _trunc_divide(x, y):
    _check_integer_divisor(x, y)
    if _any_float(x, y):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.trunc(np.true_divide(x, y))
    q = np.floor_divide(x, y)
    # floor and trunc differ by one where the division is inexact and the signs differ
    return q + ((q < 0) & (q * y != x))


def _floor_divide(x, y):
    _check_integer_divisor(x, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.floor_divide(x, y)


_ROUNDED = {"trunc": _trunc_divide, "floor": _floor_divide}


def _no_derivative(g, r, x, y):
    raise RuntimeError(
        "derivative for aten::floor_divide is not implemented; "
        "use div(input, other, rounding_mode='floor'), whose gradient is zero"
    )


FloorDivideNode = defop(
    "NotImplemented",
    _no_derivative,
    _no_derivative,
    saves="none",
    jvp=no_forward("floor_divide"),
    qualified_name="torch::autograd::NotImplemented",
)


def floor_divide(input, other) -> Tensor:
    """input // other, rounded down (as ``div(rounding_mode="floor")``; not differentiable)."""
    return binary(FloorDivideNode, _floor_divide, input, other)


def rfloordiv(input, other) -> Tensor:
    """other // input (``number // tensor``)."""
    return floor_divide(other, input)


divide = true_divide = div


ReciprocalBackward0 = defop(
    "ReciprocalBackward0", lambda g, r, x: -g * r * r, saves="result", jvp=ELEMENTWISE
)


def reciprocal(input: Tensor) -> Tensor:
    """1 / input, elementwise (integers give floats)."""
    return apply(ReciprocalBackward0, lambda x: _true_divide(1, x), input)


def rdiv(input: Tensor, other) -> Tensor:
    """other / input, as torch computes ``number / tensor``: reciprocal, then multiply."""
    if isinstance(other, Tensor):
        return div(other, input)
    return mul(reciprocal(input), other)


def neg(input: Tensor) -> Tensor:
    """-input."""
    if isinstance(input, Tensor) and input._data.dtype == np.bool_:
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
            "to invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return apply(NegBackward0, np.negative, input)


negative = neg


# --- pow: three node types, as in torch: tensor ** number, tensor ** tensor, number ** tensor.
def _pow_scalar_grad(g, r, x, exponent):
    if exponent == 0:
        return g * 0
    return g * exponent * x ** (exponent - 1)


def _pow_base_grad(g, r, x, y):
    # x ** y at x == 0 has derivative 0 w.r.t. y where y >= 0 (torch masks the log(0)).
    return g * np.where((x == 0) & (y >= 0), 0, r * np.log(np.where(x == 0, 1, x)))


PowBackward0 = defop("PowBackward0", _pow_scalar_grad, jvp=ELEMENTWISE)
PowBackward1 = defop(
    "PowBackward1",
    # torch defines d(x ** 0)/dx as 0, also at x = 0 where x ** -1 is infinite.
    lambda g, r, x, y: g * np.where(y == 0, 0, y * x ** (y - 1)),
    lambda g, r, x, y: _pow_base_grad(g, r, x, y),
    saves="both",
    jvp=ELEMENTWISE,
)
PowBackward2 = defop(
    "PowBackward2",
    lambda g, r, x, base: _pow_exp_grad(g, r, base),
    saves="result",
    jvp=ELEMENTWISE,
)


def _pow_exp_grad(g, r, base):
    return g * r * (np.log(base) if base != 0 else 0)


def pow(input, exponent) -> Tensor:
    """input ** exponent; either may be a number."""
    if isinstance(exponent, np.generic):
        exponent = exponent.item()  # NumPy scalars are weakly typed, as Python numbers
    if isinstance(input, np.generic):
        input = input.item()
    if not isinstance(input, Tensor):
        return apply(PowBackward2, _scalar_power, exponent, base=input)
    if isinstance(exponent, Tensor):
        return binary(PowBackward1, _power, input, exponent)
    return apply(PowBackward0, _power, input, exponent=exponent)


def _scalar_power(exponent, base):
    return np.power(*promote(base, exponent))


def _power(x, exponent):
    if isinstance(x, np.ndarray) and x.dtype.kind in "iub" and isinstance(exponent, float):
        x = x.astype(default_float())
    if (
        isinstance(exponent, int | np.integer)
        and exponent < 0
        and isinstance(x, np.ndarray)
        and x.dtype.kind in "iu"
    ):
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    return np.power(x, exponent)


def rpow(input, other) -> Tensor:
    """other ** input (``number ** tensor``)."""
    return pow(other, input)


__all__ = [
    "add",
    "div",
    "divide",
    "floor_divide",
    "mul",
    "multiply",
    "neg",
    "negative",
    "pow",
    "reciprocal",
    "rsub",
    "sub",
    "subtract",
    "true_divide",
]
METHODS = {
    "add": add,
    "sub": sub,
    "subtract": sub,
    "mul": mul,
    "multiply": mul,
    "div": div,
    "divide": div,
    "true_divide": div,
    "floor_divide": floor_divide,
    "floor_divide_": inplace_method(floor_divide),
    "__floordiv__": floor_divide,
    "__rfloordiv__": rfloordiv,
    "__ifloordiv__": inplace_method(floor_divide),
    "divide_": inplace_method(div),
    "true_divide_": inplace_method(div),
    "multiply_": inplace_method(mul),
    "subtract_": inplace_method(sub),
    "neg": neg,
    "negative": neg,
    "pow": pow,
    "reciprocal": reciprocal,
    "__add__": add,
    "__radd__": add,
    "__sub__": sub,
    "__rsub__": rsub,
    "__mul__": mul,
    "__rmul__": mul,
    "__truediv__": div,
    "__rtruediv__": rdiv,
    "__neg__": neg,
    "__pos__": lambda self: self,
    "__pow__": pow,
    "__rpow__": rpow,
    "add_": inplace_method(add),
    "sub_": inplace_method(sub),
    "mul_": inplace_method(mul),
    "div_": inplace_method(div),
    "pow_": inplace_method(pow),
    "neg_": inplace_method(neg),
    "reciprocal_": inplace_method(reciprocal),
    "__iadd__": inplace_method(add),
    "__isub__": inplace_method(sub),
    "__imul__": inplace_method(mul),
    "__itruediv__": inplace_method(div),
    "__ipow__": inplace_method(pow),
}


def _numpy_divide(x, y) -> Tensor:
    """``np.true_divide`` as the ``/`` operator: ``number / tensor`` is torch's rdiv."""
    return div(x, y) if isinstance(x, Tensor) else rdiv(y, x)


NUMPY = {
    np.add: add,
    np.subtract: sub,
    np.multiply: mul,
    np.true_divide: _numpy_divide,
    np.floor_divide: floor_divide,
    np.negative: neg,
    np.power: pow,
    np.reciprocal: reciprocal,
}
