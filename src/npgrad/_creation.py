"""Making tensors: ``tensor``, ``zeros``, ``arange``, ``randn`` … and the random seed."""

from __future__ import annotations

import warnings

import numpy as np

from . import _dtype
from ._tensor import Tensor, wrap

_FLOAT_OR_COMPLEX_ONLY = "Only Tensors of floating point and complex dtype can require gradients"


def _leaf(data: np.ndarray, requires_grad: bool) -> Tensor:
    t = wrap(data)
    if requires_grad:
        if data.dtype.kind not in "fc":
            raise RuntimeError(
                f"{_FLOAT_OR_COMPLEX_ONLY}, but the tensor would have dtype "
                f"{_dtype.from_numpy(data.dtype)}; pass dtype=npgrad.float32 or use float values"
            )
        t._requires_grad = True
    return t


def _infer(data, dtype) -> np.ndarray:
    """An array of torch's dtype for ``data``: Python floats become the default dtype."""
    if isinstance(data, Tensor):
        arr = data._data.copy()
    elif isinstance(data, np.ndarray | np.generic):
        arr = np.array(data)  # a copy, and a 0-d array for a NumPy scalar
        _dtype.from_numpy(arr.dtype)  # raises for dtypes torch does not have
    else:
        if isinstance(data, list | tuple) and any(isinstance(d, Tensor) for d in _flat(data)):
            data = _detached_values(data)
        arr = np.array(data)
        if dtype is not None and arr.dtype.kind in "fciub":
            # Python numbers go straight to the requested dtype (no rounding via float32).
            return arr.astype(_dtype.to_numpy(dtype), copy=False)
        if arr.dtype.kind == "f":
            arr = arr.astype(_dtype.default_float())
        elif arr.dtype.kind == "c":
            arr = arr.astype(
                np.complex64 if _dtype.default_float() == np.float32 else np.complex128
            )
        elif arr.dtype.kind in "iu":
            arr = arr.astype(np.int64)
        elif arr.dtype.kind not in "b":
            raise TypeError(
                f"Could not infer dtype of {type(data).__name__}: npgrad.tensor takes numbers, "
                "(nested) lists or tuples of numbers, NumPy arrays and tensors"
            )
    if dtype is not None:
        arr = arr.astype(_dtype.to_numpy(dtype), copy=False)
    return arr


def _flat(data):
    for d in data:
        if isinstance(d, list | tuple):
            yield from _flat(d)
        else:
            yield d


def _detached_values(data):
    if isinstance(data, list | tuple):
        return [_detached_values(d) for d in data]
    return data._data if isinstance(data, Tensor) else data


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new leaf tensor holding a copy of ``data``."""
    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use "
            "sourceTensor.detach().clone() or sourceTensor.detach().clone().requires_grad_(True),"
            " rather than npgrad.tensor(sourceTensor).",
            UserWarning,
            stacklevel=2,
        )
    return _leaf(_infer(data, dtype), requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """``data`` as a tensor, sharing memory with a NumPy array or tensor where possible."""
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or _dtype.to_numpy(dtype) == data.dtype):
        _dtype.from_numpy(data.dtype)
        return wrap(data)
    return tensor(data, dtype=dtype)


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``ndarray`` (its dtype is kept)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dtype.from_numpy(ndarray.dtype)
    return wrap(ndarray)


def _size(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], list | tuple):
        size = tuple(size[0])
    for s in size:
        if not isinstance(s, int | np.integer):
            raise TypeError(
                f"size must be a sequence of ints, but got an element of type {type(s).__name__}"
            )
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
    return tuple(int(s) for s in size)


def _float_dtype(dtype) -> np.dtype:
    return _dtype.default_float() if dtype is None else _dtype.to_numpy(dtype)


def zeros(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros (default dtype float32)."""
    return _leaf(np.zeros(_size(size), _float_dtype(dtype)), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones."""
    return _leaf(np.ones(_size(size), _float_dtype(dtype)), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor (here: zeros)."""
    return zeros(*size, dtype=dtype, requires_grad=requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value`` (its dtype inferred from the value)."""
    if dtype is None:
        dtype = _infer(fill_value, None).dtype
    return _leaf(np.full(_size((size,)), fill_value, _dtype.to_numpy(dtype)), requires_grad)


def _like(fn, input: Tensor, dtype, requires_grad: bool, *args) -> Tensor:
    dt = input._data.dtype if dtype is None else _dtype.to_numpy(dtype)
    return _leaf(fn(input._data.shape, *args, dtype=dt), requires_grad)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _like(np.zeros, input, dtype, requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _like(np.ones, input, dtype, requires_grad)


def empty_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _like(np.zeros, input, dtype, requires_grad)


def full_like(
    input, fill_value, *, dtype=None, device=None, requires_grad=False, memory_format=None
):
    return _like(
        lambda shape, v, dtype: np.full(shape, v, dtype), input, dtype, requires_grad, fill_value
    )


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 unless a bound is a float."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if dtype is None:
        floating = any(isinstance(v, float) for v in (start, end, step))
        dtype = _dtype.default_float() if floating else np.int64
    return _leaf(np.arange(start, end, step, dtype=_dtype.to_numpy(dtype)), requires_grad)


def linspace(start, end, steps: int, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    return _leaf(np.linspace(start, end, steps, dtype=_float_dtype(dtype)), requires_grad)


def eye(n: int, m: int | None = None, *, dtype=None, device=None, requires_grad=False):
    """The identity matrix (n×m)."""
    return _leaf(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad)


# --- random numbers: one NumPy generator, reseeded by manual_seed ---------------------------
class _Random:
    generator = np.random.default_rng()


class Generator:
    """A random-number generator of its own, e.g. for DataLoader shuffling and random_split
    (``Generator().manual_seed(0)``)."""

    def __init__(self, device: str = "cpu") -> None:
        self.manual_seed(int(np.random.SeedSequence().entropy % (2**63)))

    def manual_seed(self, seed: int) -> Generator:
        """Reseed; returns the generator."""
        self._seed = int(seed)
        self._rng = np.random.default_rng(self._seed)
        return self

    def initial_seed(self) -> int:
        """The seed it was last seeded with."""
        return self._seed


def manual_seed(seed: int):
    """Seed the generator behind rand, randn, randint and dropout."""
    _Random.generator = np.random.default_rng(int(seed))
    return _Random.generator


def seed() -> int:
    s = int(np.random.SeedSequence().entropy % (2**63))
    manual_seed(s)
    return s


def rand(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Uniform random values in [0, 1)."""
    data = _Random.generator.random(_size(size)).astype(_float_dtype(dtype))
    return _leaf(data, requires_grad)


def randn(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Standard normal random values."""
    data = _Random.generator.standard_normal(_size(size)).astype(_float_dtype(dtype))
    return _leaf(data, requires_grad)


def randint(low, high=None, size=(), *, dtype=None, device=None, requires_grad=False):
    """Random integers in [low, high) (``randint(high, size)`` also works)."""
    if isinstance(high, tuple | list):  # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    if not isinstance(size, tuple | list):
        raise TypeError("randint() size must be a tuple of ints, e.g. (3,)")
    dt = np.int64 if dtype is None else _dtype.to_numpy(dtype)
    return _leaf(
        _Random.generator.integers(low, high, size=_size(tuple(size))).astype(dt), requires_grad
    )


def rand_like(input, *, dtype=None, requires_grad=False):
    return rand(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randn_like(input, *, dtype=None, requires_grad=False):
    return randn(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)
