"""Elementwise functions of two or three tensors: maximum, minimum, atan2, remainder, fmod, hypot,
lerp, addcmul, addcdiv, isclose.

Rules: ``vjp(grad, result, *inputs)`` returns the gradient w.r.t. one input in the output's
shape (the engine sums it back over broadcast dimensions), as torch's derivatives.yaml has it.
"""

from __future__ import annotations

import numpy as np

from .._dtype import default_float, from_numpy, result_type
from .._tensor import Tensor, wrap
from ._defop import ELEMENTWISE, apply, binary, defop, no_forward, promote
from .arithmetic import div
from .inplace import inplace_method


def _require_tensors(name: str, *operands) -> None:
    for i, t in enumerate(operands):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"{name}(): argument {i + 1} must be Tensor, not {type(t).__name__}; "
                "wrap numbers with npgrad.tensor(...)"
            )


def _quiet(kernel):
    """Run a NumPy kernel without warnings for inf/nan results (torch gives them silently)."""

    def run(*arrays):
        with np.errstate(all="ignore"):
            return kernel(*arrays)

    return run


def _floating(kernel):
    """A two-operand kernel that computes integer and bool inputs in the default float dtype."""

    def run(x, y):
        if not (_is_float(x) or _is_float(y)):
            x, y = np.asarray(x, default_float()), np.asarray(y, default_float())
        with np.errstate(all="ignore"):
            return kernel(x, y)

    return run


def _is_float(a) -> bool:
    return isinstance(a, float) or (isinstance(a, np.ndarray) and a.dtype.kind in "fc")


# --- maximum, minimum: ties split the gradient in halves; NaN passes it to both -------------
MaximumBackward0 = defop(
    "MaximumBackward0",
    lambda g, r, x, y: np.where(x < y, 0, np.where(x == y, g / 2, g)),
    lambda g, r, x, y: np.where(x > y, 0, np.where(x == y, g / 2, g)),
    jvp=ELEMENTWISE,
)
MinimumBackward0 = defop(
    "MinimumBackward0",
    lambda g, r, x, y: np.where(x > y, 0, np.where(x == y, g / 2, g)),
    lambda g, r, x, y: np.where(x < y, 0, np.where(x == y, g / 2, g)),
    jvp=ELEMENTWISE,
)
# fmax/fmin ignore NaN; a tie goes to the first input.
FmaxBackward0 = defop(
    "FmaxBackward0",
    lambda g, r, x, y: np.where((x >= y) | np.isnan(y), g, 0),
    lambda g, r, x, y: np.where((x >= y) | np.isnan(y), 0, g),
    jvp=ELEMENTWISE,
)
FminBackward0 = defop(
    "FminBackward0",
    lambda g, r, x, y: np.where((x <= y) | np.isnan(y), g, 0),
    lambda g, r, x, y: np.where((x <= y) | np.isnan(y), 0, g),
    jvp=ELEMENTWISE,
)


def maximum(input: Tensor, other: Tensor) -> Tensor:
    """The larger of input and other, elementwise (NaN if either is NaN)."""
    _require_tensors("maximum", input, other)
    return binary(MaximumBackward0, np.maximum, input, other)


def minimum(input: Tensor, other: Tensor) -> Tensor:
    """The smaller of input and other, elementwise (NaN if either is NaN)."""
    _require_tensors("minimum", input, other)
    return binary(MinimumBackward0, np.minimum, input, other)


def fmax(input: Tensor, other: Tensor) -> Tensor:
    """The larger of input and other, elementwise, ignoring a NaN on one side."""
    _require_tensors("fmax", input, other)
    return binary(FmaxBackward0, np.fmax, input, other)


def fmin(input: Tensor, other: Tensor) -> Tensor:
    """The smaller of input and other, elementwise, ignoring a NaN on one side."""
    _require_tensors("fmin", input, other)
    return binary(FminBackward0, np.fmin, input, other)


def _numpy_binary(node, kernel):
    """NumPy's signature: either operand may be a number (as in a VJP rule)."""

    def op(x1, x2):
        return binary(node, kernel, x1, x2)

    return op


# --- atan2, hypot -----------------------------------------------------------------------------
Atan2Backward0 = defop(
    "Atan2Backward0",
    lambda g, r, x, y: g * y / (x * x + y * y),
    lambda g, r, x, y: -g * x / (x * x + y * y),
    jvp=ELEMENTWISE,
)
HypotBackward0 = defop(
    "HypotBackward0",
    lambda g, r, x, y: g * x / r,
    lambda g, r, x, y: g * y / r,
    saves="both",
    jvp=ELEMENTWISE,
)
_atan2 = _floating(np.arctan2)


def atan2(input: Tensor, other: Tensor) -> Tensor:
    """The angle of the point (other, input): arctan(input / other) in the right quadrant."""
    _require_tensors("atan2", input, other)
    return binary(Atan2Backward0, _atan2, input, other)


arctan2 = atan2


def hypot(input: Tensor, other: Tensor) -> Tensor:
    """sqrt(input ** 2 + other ** 2), elementwise, without overflow."""
    _require_tensors("hypot", input, other)
    _floats_only("hypot", input, other)
    return binary(HypotBackward0, _quiet(np.hypot), input, other)


def _floats_only(name: str, *tensors) -> None:
    for t in tensors:
        if isinstance(t, Tensor) and t._data.dtype.kind not in "fc":
            raise NotImplementedError(
                f"\"{name}\" not implemented for '{from_numpy(t._data.dtype).name}' tensors; "
                "convert the inputs to a floating dtype first, e.g. x.double()"
            )


# --- remainder (sign of the divisor) and fmod (sign of the dividend) ------------------------
def _floor_div(x, y):
    """x // y rounded down: ``div(rounding_mode="floor")`` on tensors, NumPy on arrays."""
    if isinstance(x, Tensor) or isinstance(y, Tensor):
        return div(x, y, rounding_mode="floor")
    return np.floor_divide(x, y)


def _trunc_div(x, y):
    if isinstance(x, Tensor) or isinstance(y, Tensor):
        return div(x, y, rounding_mode="trunc")
    return np.trunc(x / y)


RemainderBackward0 = defop(
    "RemainderBackward0", lambda g, r, x, other: g, saves="none", jvp=ELEMENTWISE
)
RemainderBackward1 = defop(
    "RemainderBackward1",
    lambda g, r, x, y: g,
    lambda g, r, x, y: -g * _floor_div(x, y),
    jvp=ELEMENTWISE,
)
FmodBackward0 = defop("FmodBackward0", lambda g, r, x, other: g, saves="none", jvp=ELEMENTWISE)
FmodBackward1 = defop(
    "FmodBackward1",
    lambda g, r, x, y: g,
    lambda g, r, x, y: -g * _trunc_div(x, y),
    jvp=ELEMENTWISE,
)


def _no_derivative(*_, **__):
    raise RuntimeError(
        "derivative for aten::remainder with a number as input is not implemented; "
        "pass the number as a tensor"
    )


RemainderOfNumber = defop(
    "NotImplemented",
    _no_derivative,
    _no_derivative,
    saves="none",
    jvp=no_forward("remainder of a number"),
    qualified_name="torch::autograd::NotImplemented",
)


def _integer_checked(kernel):
    def run(x, y):
        if np.asarray(x).dtype.kind in "biu" and np.asarray(y).dtype.kind in "biu":
            if np.any(np.asarray(y) == 0):
                raise RuntimeError(
                    "ZeroDivisionError: integer modulo by zero; use a floating dtype for nan"
                )
        with np.errstate(all="ignore"):
            return kernel(x, y)

    return run


_remainder, _fmod = _integer_checked(np.remainder), _integer_checked(np.fmod)


def remainder(input, other) -> Tensor:
    """input modulo other, with the sign of other (Python's ``%``); either may be a number."""
    if not isinstance(input, Tensor):
        return binary(RemainderOfNumber, _remainder_of_number, other, input)
    if isinstance(other, Tensor):
        return binary(RemainderBackward1, _remainder, input, other)
    return apply(RemainderBackward0, _with_number(_remainder), input, other=other)


def _with_number(kernel):
    def run(x, other):
        return kernel(*promote(x, other))

    return run


def _remainder_of_number(tensor, number):
    return _remainder(number, tensor)


def rmod(input: Tensor, other) -> Tensor:
    """other % input (``number % tensor``)."""
    return remainder(other, input)


def fmod(input: Tensor, other) -> Tensor:
    """input modulo other, with the sign of input (C's ``fmod``); other may be a number."""
    if isinstance(other, Tensor):
        return binary(FmodBackward1, _fmod, input, other)
    return apply(FmodBackward0, _with_number(_fmod), input, other=other)


# --- lerp, addcmul, addcdiv -------------------------------------------------------------------
LerpBackward0 = defop(
    "LerpBackward0",
    lambda g, r, x, end, *, weight: g * (1 - weight),
    lambda g, r, x, end, *, weight: g * weight,
    saves="none",
    jvp=ELEMENTWISE,
)
LerpBackward1 = defop(
    "LerpBackward1",
    lambda g, r, x, end, w: g * (1 - w),
    lambda g, r, x, end, w: g * w,
    lambda g, r, x, end, w: g * (end - x),
    jvp=ELEMENTWISE,
)


def _lerp(x, end, weight):
    # torch's two-sided formula: exact at weight 0 and weight 1
    diff = end - x
    out = np.where(weight < 0.5, x + weight * diff, end - diff * (1 - weight))
    return out.astype(x.dtype, copy=False)


def lerp(input: Tensor, end: Tensor, weight) -> Tensor:
    """input + weight * (end - input); weight a number or a tensor (all broadcast)."""
    _require_tensors("lerp", input, end)
    _floats_only("lerp", input)
    tensors = (input, end, weight) if isinstance(weight, Tensor) else (input, end)
    for name, t in zip(("end", "weight"), tensors[1:]):
        if t.dtype != input.dtype:
            raise RuntimeError(
                f"expected dtype {input.dtype} for `{name}` but got dtype {t.dtype}; "
                "convert it with .to(input.dtype)"
            )
    if isinstance(weight, Tensor):
        return apply(LerpBackward1, _lerp, input, end, weight)
    return apply(LerpBackward0, _lerp, input, end, weight=weight)


AddcmulBackward0 = defop(
    "AddcmulBackward0",
    lambda g, r, x, t1, t2, value: g,
    lambda g, r, x, t1, t2, value: g * (t2 * value),
    lambda g, r, x, t1, t2, value: g * (t1 * value),
    jvp=ELEMENTWISE,
)
AddcdivBackward0 = defop(
    "AddcdivBackward0",
    lambda g, r, x, t1, t2, value: g,
    lambda g, r, x, t1, t2, value: g * (value / t2),
    lambda g, r, x, t1, t2, value: -g * (value * t1 / (t2 * t2)),
    jvp=ELEMENTWISE,
)


def _promoted3(x, t1, t2):
    dtype = result_type(x, t1, t2)
    return (a.astype(dtype, copy=False) for a in (x, t1, t2))


def _addcmul(x, t1, t2, value):
    x, t1, t2 = _promoted3(x, t1, t2)
    return (x + value * t1 * t2).astype(x.dtype, copy=False)


def _addcdiv(x, t1, t2, value):
    x, t1, t2 = _promoted3(x, t1, t2)
    with np.errstate(all="ignore"):
        return (x + value * t1 / t2).astype(x.dtype, copy=False)


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    """input + value * tensor1 * tensor2, broadcasting."""
    _require_tensors("addcmul", input, tensor1, tensor2)
    if isinstance(value, float) and _integral(input, tensor1, tensor2):
        value = int(value)  # as torch: the value takes the integer dtype (truncated)
    return apply(AddcmulBackward0, _addcmul, input, tensor1, tensor2, value=value)


def _integral(*tensors) -> bool:
    return result_type(*(t._data for t in tensors)).kind in "biu"


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    """input + value * tensor1 / tensor2, broadcasting."""
    _require_tensors("addcdiv", input, tensor1, tensor2)
    if tensor1._data.dtype.kind in "biu" and tensor2._data.dtype.kind in "biu":
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future release "
            "addcdiv will perform a true division of tensor1 and tensor2. Convert tensor1 or "
            "tensor2 to a floating dtype, e.g. tensor1.double()"
        )
    return apply(AddcdivBackward0, _addcdiv, input, tensor1, tensor2, value=value)


# --- closeness: bool results, never differentiable ------------------------------------------
def isclose(input: Tensor, other: Tensor, rtol=1e-05, atol=1e-08, equal_nan=False) -> Tensor:
    """True where |input - other| <= atol + rtol * |other|, elementwise."""
    _require_tensors("isclose", input, other)
    xa, ya = promote(input._data, other._data)
    return wrap(np.isclose(xa, ya, rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(input: Tensor, other: Tensor, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    """Whether every element of input is close to other's (see ``isclose``)."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def _numpy_close(name):
    def op(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
        a, b = (x if isinstance(x, Tensor) else wrap(np.asarray(x)) for x in (a, b))
        fn = isclose if name == "isclose" else allclose
        return fn(a, b, rtol, atol, equal_nan)

    return op


_FUNCTIONS = {
    "maximum": maximum,
    "minimum": minimum,
    "fmax": fmax,
    "fmin": fmin,
    "atan2": atan2,
    "arctan2": atan2,
    "hypot": hypot,
    "remainder": remainder,
    "fmod": fmod,
    "lerp": lerp,
    "addcmul": addcmul,
    "addcdiv": addcdiv,
    "isclose": isclose,
    "allclose": allclose,
}
__all__ = list(_FUNCTIONS)
METHODS = {
    **_FUNCTIONS,
    **{
        name + "_": inplace_method(_FUNCTIONS[name])
        for name in ("atan2", "arctan2", "hypot", "remainder", "fmod", "lerp", "addcmul", "addcdiv")
    },
    "__mod__": remainder,
    "__rmod__": rmod,
    "__imod__": inplace_method(remainder),
}
NUMPY = {
    np.maximum: _numpy_binary(MaximumBackward0, np.maximum),
    np.minimum: _numpy_binary(MinimumBackward0, np.minimum),
    np.fmax: _numpy_binary(FmaxBackward0, np.fmax),
    np.fmin: _numpy_binary(FminBackward0, np.fmin),
    np.arctan2: _numpy_binary(Atan2Backward0, _atan2),
    np.hypot: _numpy_binary(HypotBackward0, _quiet(np.hypot)),
    np.remainder: remainder,
    np.fmod: lambda x1, x2: fmod(_as_tensor(x1, x2), x2),
    np.isclose: _numpy_close("isclose"),
    np.allclose: _numpy_close("allclose"),
}


def _as_tensor(x, other) -> Tensor:
    """A number as a 0-d tensor of the dtype it takes in an op with ``other``."""
    if isinstance(x, Tensor):
        return x
    return wrap(np.asarray(x, dtype=result_type(other._data, x)))
