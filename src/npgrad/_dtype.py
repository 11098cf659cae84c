"""torch dtype names over NumPy dtypes, the default dtype, and torch's type promotion."""

from __future__ import annotations

import builtins

import numpy as np

# The dtype names below shadow int, float and bool, as torch's do.
_pybool, _pyint, _pycomplex = builtins.bool, builtins.int, builtins.complex


class dtype:
    """A tensor element type, named as torch names it (``npgrad.float32``)."""

    __slots__ = ("name", "numpy", "is_floating_point", "is_complex", "is_signed", "itemsize")

    def __init__(self, name: str, numpy_dtype) -> None:
        self.name = name
        self.numpy = np.dtype(numpy_dtype)
        self.is_floating_point = self.numpy.kind == "f"
        self.is_complex = self.numpy.kind == "c"
        self.is_signed = self.numpy.kind in "ifc"
        self.itemsize = self.numpy.itemsize

    def __repr__(self) -> str:
        return f"npgrad.{self.name}"

    def __reduce__(self):
        return (_from_name, (self.name,))


float16 = half = dtype("float16", np.float16)
float32 = float = dtype("float32", np.float32)
float64 = double = dtype("float64", np.float64)
complex64 = cfloat = dtype("complex64", np.complex64)
complex128 = cdouble = dtype("complex128", np.complex128)
uint8 = dtype("uint8", np.uint8)
int8 = dtype("int8", np.int8)
int16 = short = dtype("int16", np.int16)
int32 = int = dtype("int32", np.int32)
int64 = long = dtype("int64", np.int64)
bool = dtype("bool", np.bool_)

ALL = (float16, float32, float64, complex64, complex128, uint8, int8, int16, int32, int64, bool)
_BY_NUMPY = {d.numpy: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}


def _from_name(name: str) -> dtype:
    return _BY_NAME[name]


def from_numpy(np_dtype) -> dtype:
    """The npgrad dtype of a NumPy dtype; raises TypeError for dtypes torch does not have."""
    try:
        return _BY_NUMPY[np_dtype]
    except KeyError:
        raise TypeError(
            f"can't convert NumPy arrays of dtype {np_dtype}: the supported types are "
            "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, "
            "uint8 and bool"
        ) from None


def to_numpy(d) -> np.dtype:
    """Accept an npgrad dtype (or anything NumPy understands) and return the NumPy dtype."""
    if isinstance(d, dtype):
        return d.numpy
    return np.dtype(d)


class _Default:
    """The default floating dtype (float32 unless ``set_default_dtype`` changed it)."""

    numpy = np.dtype(np.float32)


def get_default_dtype() -> dtype:
    """Return the current default floating point dtype (float32 at start)."""
    return _BY_NUMPY[_Default.numpy]


def set_default_dtype(d: dtype) -> None:
    """Set the dtype of new floating tensors; only float32 and float64 are accepted."""
    if d not in (float32, float64):
        raise TypeError(
            f"only floating-point types are supported as the default type, got {d}; "
            "use npgrad.float32 or npgrad.float64"
        )
    _Default.numpy = d.numpy


def default_float() -> np.dtype:
    return _Default.numpy


# --- torch's promotion rule -----------------------------------------------------------------
# Operands fall into three tiers: tensors with dimensions, 0-d tensors, and Python scalars. A
# lower tier only changes the result when it belongs to a higher category (bool < int < float
# < complex): float32 tensor * float64 0-d tensor stays float32, int tensor * 2.5 becomes the
# default float dtype. NumPy's own rules differ in both cases, so torch's are applied here.

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def promote_types(a: np.dtype, b: np.dtype) -> np.dtype:
    """torch.promote_types on NumPy dtypes: int with float gives the float (NumPy widens)."""
    ca, cb = _CATEGORY[a.kind], _CATEGORY[b.kind]
    if ca == cb or ca == 3 or cb == 3:
        return np.promote_types(a, b)
    return a if ca > cb else b


def _combine(higher, lower):
    """Fold a lower tier's dtype into a higher tier's, as torch's combine_categories does."""
    if higher is None:
        return lower
    if lower is None or _CATEGORY[higher.kind] >= _CATEGORY[lower.kind]:
        return higher
    return promote_types(higher, lower)


def scalar_dtype(value) -> np.dtype:
    """The dtype torch gives a Python number taking part in an op."""
    if isinstance(value, _pybool):
        return _NP_BOOL
    if isinstance(value, _pyint):
        return _NP_INT64
    if isinstance(value, _pycomplex):
        return np.dtype(np.complex64 if _Default.numpy == np.float32 else np.complex128)
    return _Default.numpy


_NP_BOOL, _NP_INT64 = np.dtype(np.bool_), np.dtype(np.int64)


def result_type(*operands) -> np.dtype:
    """The NumPy dtype torch gives an elementwise op over ``operands`` (arrays or scalars)."""
    dims = zero = scalars = None
    for op in operands:
        if isinstance(op, np.ndarray):
            if op.ndim:
                dims = op.dtype if dims is None else promote_types(dims, op.dtype)
            else:
                zero = op.dtype if zero is None else promote_types(zero, op.dtype)
        else:
            d = op.dtype if isinstance(op, np.generic) else scalar_dtype(op)
            scalars = d if scalars is None else promote_types(scalars, d)
    return _combine(dims, _combine(zero, scalars))
