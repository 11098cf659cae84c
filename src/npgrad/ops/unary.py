"""Elementwise math of one tensor beyond the basics: exp2, log1p, the trigonometric and hyperbolic
families, erf, logit, rounding, nan_to_num.

Rules: ``vjp(grad, result, x)`` in NumPy terms (see ``_defop``), as torch's derivatives.yaml
writes them; rounding ops have a zero gradient.
"""

from __future__ import annotations

import math

import numpy as np

from .._dtype import default_float
from .._tensor import Tensor, wrap
from ._defop import ELEMENTWISE, apply, defop
from .arithmetic import pow
from .inplace import inplace_method
from .pointwise import _sign

_LN2, _LN10 = math.log(2), math.log(10)
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


def _floating(kernel):
    """A NumPy kernel that computes integer and bool inputs in the default float dtype and
    returns inf/nan outside its domain silently, as torch does."""

    def run(x, **params):
        if x.dtype.kind not in "fc":
            x = x.astype(default_float())
        with np.errstate(all="ignore"):
            return kernel(x, **params)

    return run


def _unary(name, torch_name, kernel, rule, saves="inputs", doc=""):
    """Define an op of one tensor: its node, and the function ``name(input)``."""
    node = defop(torch_name, rule, saves=saves, jvp=ELEMENTWISE)
    run = _floating(kernel)

    def op(input: Tensor) -> Tensor:
        return apply(node, run, input)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


def _rsqrt(x):
    return 1 / np.sqrt(x)


# --- erf: no NumPy ufunc; a power series below 1.5 and a continued fraction above ---------
_SERIES_TERMS, _FRACTION_DEPTH, _SPLIT = 32, 100, 1.5


def _erf_series(a):
    """erf(a) = 2/sqrt(pi) exp(-a²) sum_n (2a²)^n a / (1·3···(2n+1)), all terms positive."""
    t2 = 2 * a * a
    term = total = a
    for n in range(1, _SERIES_TERMS):
        term = term * t2 / (2 * n + 1)
        total = total + term
    return _TWO_OVER_SQRT_PI * np.exp(-a * a) * total


def _erfc_fraction(a):
    """erfc(a) = exp(-a²)/sqrt(pi) / (a + (1/2)/(a + 1/(a + (3/2)/(a + ...)))), for a >= 1.5."""
    k = a
    for n in range(_FRACTION_DEPTH, 0, -1):
        k = a + (n / 2) / k
    return np.exp(-a * a) / (math.sqrt(math.pi) * k)


def _erf_erfc(x):
    """(erf(x), erfc(x)) to about 1e-15 relative in float64, computed in float64."""
    a = np.abs(x.astype(np.float64))
    small = a < _SPLIT  # NaN goes to the fraction, which keeps it
    erf_a, erfc_a = np.empty_like(a), np.empty_like(a)
    erf_a[small] = _erf_series(a[small])
    erfc_a[small] = 1 - erf_a[small]
    erfc_a[~small] = _erfc_fraction(a[~small])
    erf_a[~small] = 1 - erfc_a[~small]
    negative = x < 0
    erf = np.where(negative, -erf_a, erf_a)
    erfc = np.where(negative, 2 - erfc_a, erfc_a)
    return erf.astype(x.dtype, copy=False), erfc.astype(x.dtype, copy=False)


def _erf(x):
    return _erf_erfc(x)[0]


def _erfc(x):
    return _erf_erfc(x)[1]


expm1 = _unary(
    "expm1",
    "Expm1Backward0",
    np.expm1,
    lambda g, r, x: g * (r + 1),
    saves="result",
    doc="exp(input) - 1, elementwise, accurate near 0.",
)
exp2 = _unary(
    "exp2",
    "Exp2Backward0",
    np.exp2,
    lambda g, r, x: g * r * _LN2,
    saves="result",
    doc="2 ** input, elementwise.",
)
log1p = _unary(
    "log1p",
    "Log1PBackward0",
    np.log1p,
    lambda g, r, x: g / (x + 1),
    doc="log(1 + input), elementwise, accurate near 0.",
)
log2 = _unary(
    "log2", "Log2Backward0", np.log2, lambda g, r, x: g / (x * _LN2), doc="Base-2 logarithm."
)
log10 = _unary(
    "log10", "Log10Backward0", np.log10, lambda g, r, x: g / (x * _LN10), doc="Base-10 logarithm."
)
rsqrt = _unary(
    "rsqrt",
    "RsqrtBackward0",
    _rsqrt,
    lambda g, r, x: -0.5 * g * r**3,
    saves="result",
    doc="1 / sqrt(input), elementwise.",
)
tan = _unary(
    "tan",
    "TanBackward0",
    np.tan,
    lambda g, r, x: g * (1 + r * r),
    saves="result",
    doc="Tangent, elementwise.",
)
asin = _unary(
    "asin",
    "AsinBackward0",
    np.arcsin,
    lambda g, r, x: g / np.sqrt(1 - x * x),
    doc="Inverse sine, elementwise.",
)
acos = _unary(
    "acos",
    "AcosBackward0",
    np.arccos,
    lambda g, r, x: -g / np.sqrt(1 - x * x),
    doc="Inverse cosine, elementwise.",
)
atan = _unary(
    "atan",
    "AtanBackward0",
    np.arctan,
    lambda g, r, x: g / (x * x + 1),
    doc="Inverse tangent, elementwise.",
)
sinh = _unary(
    "sinh", "SinhBackward0", np.sinh, lambda g, r, x: g * np.cosh(x), doc="Hyperbolic sine."
)
cosh = _unary(
    "cosh", "CoshBackward0", np.cosh, lambda g, r, x: g * np.sinh(x), doc="Hyperbolic cosine."
)
asinh = _unary(
    "asinh",
    "AsinhBackward0",
    np.arcsinh,
    lambda g, r, x: g / np.sqrt(x * x + 1),
    doc="Inverse hyperbolic sine.",
)
acosh = _unary(
    "acosh",
    "AcoshBackward0",
    np.arccosh,
    lambda g, r, x: g / np.sqrt(x * x - 1),
    doc="Inverse hyperbolic cosine (input >= 1).",
)
atanh = _unary(
    "atanh",
    "AtanhBackward0",
    np.arctanh,
    lambda g, r, x: g / (1 - x * x),
    doc="Inverse hyperbolic tangent (-1 < input < 1).",
)
erf = _unary(
    "erf",
    "ErfBackward0",
    _erf,
    lambda g, r, x: _TWO_OVER_SQRT_PI * np.exp(-(x * x)) * g,
    doc="The error function, elementwise.",
)
erfc = _unary(
    "erfc",
    "ErfcBackward0",
    _erfc,
    lambda g, r, x: -_TWO_OVER_SQRT_PI * np.exp(-(x * x)) * g,
    doc="The complementary error function 1 - erf(input), elementwise.",
)
deg2rad = _unary(
    "deg2rad",
    "Deg2RadBackward0",
    np.deg2rad,
    lambda g, r, x: g * (math.pi / 180),
    saves="none",
    doc="Degrees to radians.",
)
rad2deg = _unary(
    "rad2deg",
    "Rad2DegBackward0",
    np.rad2deg,
    lambda g, r, x: g * (180 / math.pi),
    saves="none",
    doc="Radians to degrees.",
)
arcsin, arccos, arctan = asin, acos, atan
arcsinh, arccosh, arctanh = asinh, acosh, atanh


def square(input: Tensor) -> Tensor:
    """input * input, as ``input ** 2`` (bool gives int64)."""
    if isinstance(input, Tensor) and input._data.dtype == np.bool_:
        input = wrap(input._data.astype(np.int64))
    return pow(input, 2)


# --- logit ----------------------------------------------------------------------------------
def _logit(x, eps):
    if eps is not None:
        x = np.clip(x, eps, 1 - eps)
    return np.log(x / (1 - x))


def _logit_grad(g, r, x, eps):
    inside = g / (x * (1 - x))
    if eps is None:  # outside [0, 1] the derivative is undefined: NaN, as torch
        return np.where((x < 0) | (x > 1), math.nan, inside)
    return np.where((x < eps) | (x > 1 - eps), 0, inside)


LogitBackward0 = defop("LogitBackward0", _logit_grad, jvp=ELEMENTWISE)
_logit_f = _floating(_logit)


def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """log(input / (1 - input)); with ``eps``, input is first clamped to [eps, 1 - eps]."""
    return apply(LogitBackward0, _logit_f, input, eps=eps)


# --- rounding: integer inputs come back unchanged, bool is refused, as in torch -------------
def _zero(g, r, x, **params):
    return g * 0


FloorBackward0 = defop("FloorBackward0", _zero, saves="none", jvp=ELEMENTWISE)
CeilBackward0 = defop("CeilBackward0", _zero, saves="none", jvp=ELEMENTWISE)
TruncBackward0 = defop("TruncBackward0", _zero, saves="none", jvp=ELEMENTWISE)
RoundBackward0 = defop("RoundBackward0", _zero, saves="none", jvp=ELEMENTWISE)
RoundBackward1 = defop("RoundBackward1", _zero, saves="none", jvp=ELEMENTWISE)
FracBackward0 = defop("FracBackward0", lambda g, r, x: g, saves="none", jvp=ELEMENTWISE)


def _not_for(name: str, x, kinds: str = "b") -> None:
    if x._data.dtype.kind in kinds:
        from .._dtype import from_numpy

        raise NotImplementedError(
            f"\"{name}\" not implemented for '{from_numpy(x._data.dtype).name}' tensors; "
            "convert the input to a floating dtype first, e.g. x.double()"
        )


def _rounding(name: str, node: type, kernel):
    def op(input: Tensor) -> Tensor:
        _not_for(name, input)
        return apply(node, _keep_integers(kernel), input)

    op.__name__ = op.__qualname__ = name
    return op


def _keep_integers(kernel):
    def run(x):
        return x.copy() if x.dtype.kind in "iu" else kernel(x)

    return run


floor = _rounding("floor", FloorBackward0, np.floor)
ceil = _rounding("ceil", CeilBackward0, np.ceil)
trunc = _rounding("trunc", TruncBackward0, np.trunc)
floor.__doc__ = "The largest integer <= input, elementwise (zero gradient)."
ceil.__doc__ = "The smallest integer >= input, elementwise (zero gradient)."
trunc.__doc__ = "input rounded towards zero, elementwise (zero gradient)."
fix = trunc


def round(input: Tensor, *, decimals: int | None = None) -> Tensor:
    """input rounded to ``decimals`` decimal places, halves to even (zero gradient)."""
    if decimals is None:
        _not_for("round", input)
        return apply(RoundBackward0, _keep_integers(np.rint), input)
    _not_for("round", input, "biu")  # as torch: the decimals form takes floats only
    return apply(RoundBackward1, _round_decimals, input, decimals=decimals)


def _round_decimals(x, decimals):
    # as torch: scale by 10 ** |decimals|, round half to even, scale back
    if decimals == 0:
        return np.rint(x)
    scale = x.dtype.type(10.0 ** abs(decimals))
    if decimals > 0:
        return np.rint(x * scale) / scale
    return np.rint(x / scale) * scale


def frac(input: Tensor) -> Tensor:
    """input - trunc(input): the fractional part, with input's sign (gradient 1)."""
    _not_for("frac", input, "biu")
    return apply(FracBackward0, lambda x: x - np.trunc(x), input)


# --- nan_to_num, positive, sgn --------------------------------------------------------------
NanToNumBackward0 = defop(
    "NanToNumBackward0", lambda g, r, x, nan, posinf, neginf: g * np.isfinite(x), jvp=ELEMENTWISE
)


def nan_to_num(input: Tensor, nan: float = 0.0, posinf=None, neginf=None) -> Tensor:
    """Replace NaN by ``nan`` and +-inf by ``posinf``/``neginf`` (default: the dtype's
    largest and smallest finite values); gradient 0 at the replaced elements."""
    nan = 0.0 if nan is None else nan
    return apply(NanToNumBackward0, _nan_to_num, input, nan=nan, posinf=posinf, neginf=neginf)


def _nan_to_num(x, nan, posinf, neginf):
    if x.dtype.kind not in "fc":
        return x.copy()
    return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


def positive(input: Tensor) -> Tensor:
    """input itself (unary plus)."""
    if input._data.dtype == np.bool_:
        raise RuntimeError(
            "The `+` operator, on a bool tensor is not supported; convert it first, e.g. x.int()"
        )
    return input


SgnBackward0 = defop("SgnBackward0", _zero, saves="none", jvp=ELEMENTWISE)


def sgn(input: Tensor) -> Tensor:
    """The sign of each element, as ``sign`` for real tensors (zero gradient)."""
    return apply(SgnBackward0, _sign, input)


# --- non-finite tests: bool results that never require grad ----------------------------------
def isnan(input: Tensor) -> Tensor:
    """True where input is NaN."""
    return wrap(np.isnan(_data(input)))


def isinf(input: Tensor) -> Tensor:
    """True where input is +inf or -inf."""
    return wrap(np.isinf(_data(input)))


def isfinite(input: Tensor) -> Tensor:
    """True where input is neither NaN nor infinite."""
    return wrap(np.isfinite(_data(input)))


def isposinf(input: Tensor) -> Tensor:
    """True where input is +inf."""
    return wrap(np.isposinf(_data(input)))


def isneginf(input: Tensor) -> Tensor:
    """True where input is -inf."""
    return wrap(np.isneginf(_data(input)))


def _data(x):
    return np.asarray(x._data if isinstance(x, Tensor) else x)


_SMOOTH = {
    "expm1": expm1,
    "exp2": exp2,
    "log1p": log1p,
    "log2": log2,
    "log10": log10,
    "rsqrt": rsqrt,
    "tan": tan,
    "asin": asin,
    "acos": acos,
    "atan": atan,
    "sinh": sinh,
    "cosh": cosh,
    "asinh": asinh,
    "acosh": acosh,
    "atanh": atanh,
    "arcsin": asin,
    "arccos": acos,
    "arctan": atan,
    "arcsinh": asinh,
    "arccosh": acosh,
    "arctanh": atanh,
    "erf": erf,
    "erfc": erfc,
    "deg2rad": deg2rad,
    "rad2deg": rad2deg,
    "square": square,
    "logit": logit,
    "floor": floor,
    "ceil": ceil,
    "trunc": trunc,
    "fix": trunc,
    "round": round,
    "frac": frac,
    "nan_to_num": nan_to_num,
    "sgn": sgn,
}

__all__ = [
    *_SMOOTH,
    "isfinite",
    "isinf",
    "isnan",
    "isneginf",
    "isposinf",
    "positive",
]
METHODS = {
    **_SMOOTH,
    **{name + "_": inplace_method(fn) for name, fn in _SMOOTH.items()},
    "positive": positive,
    "isnan": isnan,
    "isinf": isinf,
    "isfinite": isfinite,
    "isposinf": isposinf,
    "isneginf": isneginf,
}
NUMPY = {
    np.expm1: expm1,
    np.exp2: exp2,
    np.log1p: log1p,
    np.log2: log2,
    np.log10: log10,
    np.square: square,
    np.tan: tan,
    np.arcsin: asin,
    np.arccos: acos,
    np.arctan: atan,
    np.sinh: sinh,
    np.cosh: cosh,
    np.arcsinh: asinh,
    np.arccosh: acosh,
    np.arctanh: atanh,
    np.deg2rad: deg2rad,
    np.rad2deg: rad2deg,
    np.radians: deg2rad,
    np.degrees: rad2deg,
    np.floor: floor,
    np.ceil: ceil,
    np.trunc: trunc,
    np.fix: lambda x, out=None: trunc(x),
    np.rint: round,
    np.round: lambda a, decimals=0, out=None: round(a, decimals=decimals or None),
    np.nan_to_num: lambda x, copy=True, nan=0.0, posinf=None, neginf=None: nan_to_num(
        x, nan, posinf, neginf
    ),
    np.positive: positive,
    np.isnan: isnan,
    np.isinf: isinf,
    np.isfinite: isfinite,
    np.isposinf: lambda x, out=None: isposinf(x),
    np.isneginf: lambda x, out=None: isneginf(x),
}
