"""Reductions: sum, mean, prod, var, std, max/min, amax/amin, argmax/argmin, all, any and
count_nonzero, over all elements or over ``dim`` (int, tuple, negative), with ``keepdim``.

Rules: the gradient of a reduction is the incoming gradient put back in the reduced
dimensions (``keepdim``) and broadcast to the input's shape (saved as ``shape``). max/min
over everything and amax/amin share it evenly among the elements equal to the result;
max/min along ``dim`` send it to the returned index only. prod's gradient is the product of
the other elements, computed without division where the input holds zeros.

Forward mode: sum, mean and max/min along ``dim`` (a gather) are linear; every other
reduction's JVP is read off its VJP by ``reduced_jvp``.
"""

from __future__ import annotations

import builtins
import collections
import warnings

import numpy as np

from .._dtype import to_numpy
from .._tensor import Tensor, _wrap_dim, wrap
from ._defop import LINEAR, apply, defop
from .indexing import unindex


def normalize_dims(dim, ndim: int) -> tuple:
    """``dim`` (None, int or sequence; negatives allowed) as a sorted tuple of axes."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, int):
        return (_wrap_dim(dim, ndim),) if ndim else ()
    dims = tuple(_wrap_dim(d, ndim) for d in dim) if ndim else ()
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"dim {dim} appears multiple times in the list of dims")
    return tuple(sorted(dims)) if dims or dim else tuple(range(ndim))


def _unreduce(g, dims: tuple, keepdim: bool, shape: tuple):
    """The gradient of a reduction over ``dims``, broadcast back to the input ``shape``."""
    return np.broadcast_to(_keep(g, dims, keepdim, shape), shape)


def _keep(g, dims: tuple, keepdim: bool, shape: tuple):
    """``g`` (a reduced result) with the reduced ``dims`` of ``shape`` put back as size 1."""
    if not keepdim and dims:
        g = g.reshape(tuple(1 if i in dims else n for i, n in enumerate(shape)))
    return g


def _raw(a):
    """The array of a tensor (rules get Tensors under ``create_graph``), for constant masks."""
    return a._data if isinstance(a, Tensor) else a


def reduced_jvp(vjp):
    """The JVP of a reduction from its VJP: ``vjp`` of ones holds d result / d x for each
    element of a reduced slice, so the tangent is the input's tangent weighted by it and summed
    over the slice (the reduced ``dims``, or ``dim``, as the op's parameters name them)."""

    def jvp(tangents, r, x, **params):
        dims = params.get("dims", params.get("dim"))
        slope = vjp(wrap(np.ones_like(r._data)), r, x, **params)
        return (slope * tangents[0]).sum(axis=dims, keepdims=params.get("keepdim", False))

    return jvp


def _cast(a, dtype):
    """``a`` (an array, or a Tensor under ``create_graph``) as ``dtype``."""
    if dtype is None or _raw(a).dtype == dtype:
        return a
    return a.to(dtype) if isinstance(a, Tensor) else a.astype(dtype)


SumBackward0 = defop(
    "SumBackward0",
    lambda g, r, x, dims, keepdim, shape, dtype: _unreduce(g, dims, keepdim, shape),
    saves="none",
    jvp=LINEAR,
)
SumBackward1 = defop("SumBackward1", *SumBackward0._vjps, saves="none", jvp=LINEAR)
MeanBackward0 = defop(
    "MeanBackward0",
    lambda g, r, x, dims, keepdim, shape, dtype: (
        _unreduce(g, dims, keepdim, shape) / _count(shape, dims)
    ),
    saves="none",
    jvp=LINEAR,
)
MeanBackward1 = defop("MeanBackward1", *MeanBackward0._vjps, saves="none", jvp=LINEAR)


def _numpy_names(dim, keepdim, axis, keepdims):
    return (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)


def _count(shape: tuple, dims: tuple) -> int:
    n = 1
    for d in dims:
        n *= shape[d]
    return n


def _sum_kernel(x, dims, keepdim, shape, dtype):
    return np.sum(x, axis=dims, keepdims=keepdim, dtype=dtype)


def _mean_kernel(x, dims, keepdim, shape, dtype):
    if x.size == 0:  # NaN, as torch gives, without NumPy's "Mean of empty slice" warning
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            out = np.mean(x, axis=dims, keepdims=keepdim, dtype=dtype)
    else:
        out = np.mean(x, axis=dims, keepdims=keepdim, dtype=dtype)
    return np.asarray(out).astype(dtype or x.dtype, copy=False)


def _integer_dtype(input: Tensor, dtype):
    """torch sums and multiplies integers and bools as int64 unless told a dtype."""
    if dtype is None and input._data.dtype.kind in "biu" and input._data.dtype != np.int64:
        return np.dtype(np.int64)
    return None if dtype is None else to_numpy(dtype)


def sum(
    input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, axis=None, keepdims=None
) -> Tensor:
    """Sum of all elements, or over ``dim`` (keeping it as size 1 if ``keepdim``).

    NumPy's ``axis`` and ``keepdims`` are accepted too, so one formula can run on an array
    or a tensor (the VJP rules rely on it)."""
    dim, keepdim = _numpy_names(dim, keepdim, axis, keepdims)
    node = SumBackward0 if dim is None else SumBackward1
    dims = normalize_dims(dim, input.ndim)
    return apply(
        node,
        _sum_kernel,
        input,
        dims=dims,
        keepdim=keepdim,
        shape=input._data.shape,
        dtype=_integer_dtype(input, dtype),
    )


def mean(
    input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, axis=None, keepdims=None
) -> Tensor:
    """Mean of all elements, or over ``dim``; floating tensors only (``axis`` and
    ``keepdims`` as in NumPy are accepted too)."""
    dim, keepdim = _numpy_names(dim, keepdim, axis, keepdims)
    kind = (to_numpy(dtype) if dtype is not None else input._data.dtype).kind
    if kind not in "fc":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {input.dtype}; convert it first, e.g. x.float().mean()"
        )
    node = MeanBackward0 if dim is None else MeanBackward1
    dims = normalize_dims(dim, input.ndim)
    dtype = None if dtype is None else to_numpy(dtype)
    return apply(
        node, _mean_kernel, input, dims=dims, keepdim=keepdim, shape=input._data.shape, dtype=dtype
    )


# --- prod -----------------------------------------------------------------------------------


def _along(dim: int, index):
    """An index that applies ``index`` to dimension ``dim`` and keeps the others whole."""
    return (slice(None),) * dim + (index,)


def _exclusive_cumprod(x, dim: int):
    """The product of the elements before each position along ``dim`` (1 at the first)."""
    n = x.shape[dim]
    shifted = np.cumprod(x, axis=dim)[_along(dim, np.maximum(np.arange(n) - 1, 0))]
    first = (np.arange(n) == 0).reshape((n,) + (1,) * (x.ndim - dim - 1))
    return np.where(first, 1.0, shifted)


def _others_product(x, dim: int):
    """The product of all the other elements along ``dim``, for each element (no division,
    so zeros are fine); built from cumprod and indexing, so it is differentiable."""
    reverse = _along(dim, np.arange(x.shape[dim])[::-1])
    return _exclusive_cumprod(x, dim) * _exclusive_cumprod(x[reverse], dim)[reverse]


def _prod_grad(g, r, x, dim, keepdim, dtype):
    if x.ndim == 0:
        return g
    x = _cast(x, dtype)  # torch computes in the result's dtype
    if dim is not None:
        g, r = _keep(g, (dim,), keepdim, x.shape), _keep(r, (dim,), keepdim, x.shape)
    if not (_raw(x) == 0).any():
        return g * (r / x)
    if dim is None:
        return g * _others_product(x.reshape(-1), 0).reshape(x.shape)
    return g * _others_product(x, dim)


ProdBackward0 = defop("ProdBackward0", _prod_grad, saves="both", jvp=reduced_jvp(_prod_grad))
ProdBackward1 = defop("ProdBackward1", _prod_grad, saves="both", jvp=reduced_jvp(_prod_grad))


def _prod_kernel(x, dim, keepdim, dtype):
    return np.prod(_cast(x, dtype), axis=dim, keepdims=keepdim)


def prod(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Product of all elements, or along the single dimension ``dim``."""
    if dim is not None and not isinstance(dim, int):
        raise TypeError(
            f"prod(): argument 'dim' must be int, not {type(dim).__name__}; reduce one "
            "dimension at a time, e.g. x.prod(0).prod(0)"
        )
    node = ProdBackward0
    if dim is not None:
        node, dim = ProdBackward1, _wrap_dim(dim, input.ndim)
        if input.ndim == 0:
            dim = None  # a 0-d tensor's only "dimension" is the whole tensor
    return apply(
        node, _prod_kernel, input, dim=dim, keepdim=keepdim, dtype=_integer_dtype(input, dtype)
    )


# --- var and std ----------------------------------------------------------------------------


def _var_grad(g, r, x, dims, correction, keepdim, full):
    if full:
        dof = _raw(x).size - correction
        if dof <= 0:  # 2 / 0: infinite, or NaN where x equals its mean (0 * inf)
            return g * np.where(_raw(x) == _raw(x).mean(), np.nan, np.inf)
        return (2.0 / dof) * g * (x - x.mean())
    dof = _count(x.shape, dims) - correction
    factor = 2.0 / dof if dof else np.inf
    return factor * _keep(g, dims, keepdim, x.shape) * (x - x.mean(axis=dims, keepdims=True))


def _std_grad(g, r, x, dims, correction, keepdim, full):
    g = np.where(_raw(r) == 0, 0.0, g / (r * 2))  # torch's masked_fill: 0 where std is 0
    return _var_grad(g, None, x, dims, correction, keepdim, full)


VarBackward0 = defop("VarBackward0", _var_grad, saves="inputs", jvp=reduced_jvp(_var_grad))
StdBackward0 = defop("StdBackward0", _std_grad, saves="both", jvp=reduced_jvp(_std_grad))


def _var_kernel(x, dims, correction, keepdim, full):
    if x.size and _count(x.shape, dims) > correction:
        return np.asarray(np.var(x, axis=dims, ddof=correction, keepdims=keepdim), dtype=x.dtype)
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's own "Degrees of freedom <= 0"
        out = np.var(x, axis=dims, ddof=correction, keepdims=keepdim)
    return np.asarray(out, dtype=x.dtype)


def _std_kernel(x, dims, correction, keepdim, full):
    return np.sqrt(_var_kernel(x, dims, correction, keepdim, full))


def _var_args(name: str, input: Tensor, dim, unbiased, keepdim, correction) -> dict:
    """torch's overloads: ``var(dim, unbiased, keepdim)``, ``var(dim, *, correction,
    keepdim)`` and ``var(unbiased)``, resolved to the kernel's parameters."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(
            f"{name}() received both 'unbiased' and 'correction'; pass only correction "
            "(unbiased=False is correction=0, unbiased=True is correction=1)"
        )
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(
            "std and var only support floating point and complex dtypes; convert the input "
            f"first, e.g. x.double().{name}() (got {input.dtype})"
        )
    if correction is None:
        correction = 1 if unbiased is None else int(bool(unbiased))
    full = dim is None or input.ndim == 0
    dims = normalize_dims(dim, input.ndim)
    out_numel = _count(input.shape, tuple(i for i in range(input.ndim) if i not in dims))
    if input._data.size // builtins.max(out_numel, 1) - correction <= 0:
        warnings.warn(
            f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the "
            "reduction factor (input numel divided by output numel).",
            UserWarning,
            stacklevel=3,
        )
    return {"dims": dims, "correction": correction, "keepdim": keepdim, "full": full}


def var(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """Variance over all elements or ``dim``, dividing by N - ``correction`` (default 1)."""
    params = _var_args("var", input, dim, unbiased, keepdim, correction)
    return apply(VarBackward0, _var_kernel, input, **params)


def std(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """Standard deviation: the square root of ``var`` with the same arguments."""
    params = _var_args("std", input, dim, unbiased, keepdim, correction)
    return apply(StdBackward0, _std_kernel, input, **params)


# var_mean and std_mean have two differentiable outputs; each gets its own node, both named
# as torch names their shared node, whose gradient is the sum of the two rules.
VarMeanBackward0 = defop("VarMeanBackward0", _var_grad, saves="inputs", jvp=VarBackward0._jvp)
_VarMeanMean = defop("VarMeanBackward0", MeanBackward1._vjps[0], saves="none", jvp=LINEAR)
StdMeanBackward0 = defop("StdMeanBackward0", _std_grad, saves="both", jvp=StdBackward0._jvp)
_StdMeanMean = defop("StdMeanBackward0", MeanBackward1._vjps[0], saves="none", jvp=LINEAR)


def _with_mean(name, nodes, input, dim, unbiased, keepdim, correction) -> tuple:
    params = _var_args(name, input, dim, unbiased, keepdim, correction)
    kernel = _std_kernel if name == "std_mean" else _var_kernel
    spread = apply(nodes[0], kernel, input, **params)
    dims, shape = params["dims"], input._data.shape
    center = apply(
        nodes[1], _mean_kernel, input, dims=dims, keepdim=keepdim, shape=shape, dtype=None
    )
    return spread, center


def var_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """``(var, mean)`` over the same dimensions, as ``var`` takes them."""
    return _with_mean(
        "var_mean", (VarMeanBackward0, _VarMeanMean), input, dim, unbiased, keepdim, correction
    )


def std_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """``(std, mean)`` over the same dimensions, as ``std`` takes them."""
    return _with_mean(
        "std_mean", (StdMeanBackward0, _StdMeanMean), input, dim, unbiased, keepdim, correction
    )


# --- max, min, amax, amin, argmax, argmin ---------------------------------------------------


def _return_type(name: str, fields: tuple) -> type:
    """A named tuple like ``torch.return_types.<name>``: fields by name, unpacks as a tuple."""
    cls = collections.namedtuple(name, fields)
    cls.__module__ = "npgrad.return_types"

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"npgrad.return_types.{name}(\n{body})"

    cls.__repr__ = __repr__
    return cls


max_result = _return_type("max", ("values", "indices"))
min_result = _return_type("min", ("values", "indices"))
aminmax_result = _return_type("aminmax", ("min", "max"))


def _evenly(g, r, x):
    """The gradient of max/min over all elements: shared evenly among the elements equal to
    the result (NaN counts as equal to a NaN result)."""
    xa, ra = _raw(x), _raw(r)
    mask = np.isnan(xa) if np.isnan(ra).any() else xa == ra
    return g * (mask / np.count_nonzero(mask)).astype(xa.dtype)


def _by_count(g, r, x, dims, keepdim):
    """The gradient of amax/amin: the elements equal to their slice's result share it."""
    mask = _raw(x) == _keep(_raw(r), dims, keepdim, x.shape)
    share = (mask / mask.sum(axis=dims, keepdims=True)).astype(_raw(x).dtype)
    return _keep(g, dims, keepdim, x.shape) * share


def _select_grad(g, r, x, index, dim, keepdim, shape):
    """The gradient of max/min along ``dim``: to the returned index, zeros elsewhere."""
    if not shape:
        return g
    return unindex(_keep(g, (dim,), keepdim, shape), index, shape, True)


_evenly_jvp, _by_count_jvp = reduced_jvp(_evenly), reduced_jvp(_by_count)
MaxBackward1 = defop("MaxBackward1", _evenly, saves="both", jvp=_evenly_jvp)
MinBackward1 = defop("MinBackward1", _evenly, saves="both", jvp=_evenly_jvp)
MaxBackward0 = defop("MaxBackward0", _select_grad, saves="none", jvp=LINEAR)
MinBackward0 = defop("MinBackward0", _select_grad, saves="none", jvp=LINEAR)
AmaxBackward0 = defop("AmaxBackward0", _by_count, saves="both", jvp=_by_count_jvp)
AminBackward0 = defop("AminBackward0", _by_count, saves="both", jvp=_by_count_jvp)
_AminmaxMin = defop("AminmaxBackward0", _by_count, saves="both", jvp=_by_count_jvp)
_AminmaxMax = defop("AminmaxBackward0", _by_count, saves="both", jvp=_by_count_jvp)

_EXTREMES = {
    "max": (np.max, np.argmax, MaxBackward1, MaxBackward0, max_result),
    "min": (np.min, np.argmin, MinBackward1, MinBackward0, min_result),
}


def _check_nonempty(name: str, input: Tensor, dims, error=RuntimeError) -> None:
    """torch refuses reductions without identity over nothing (max, argmax...)."""
    if dims is None:
        if input._data.size == 0:
            raise error(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument."
            )
        return
    for d in dims:
        if input._data.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def _take(x, index, dim, keepdim, shape):
    if not shape:
        return x.copy()
    out = x[index]
    return out if keepdim else np.squeeze(out, axis=dim)


def _extreme(name: str, input: Tensor, dim, keepdim: bool, other):
    reduce, arg, whole_node, dim_node, result = _EXTREMES[name]
    if isinstance(dim, Tensor) or other is not None:
        from .binary import maximum, minimum

        return (maximum if name == "max" else minimum)(input, dim if other is None else other)
    if dim is None:
        _check_nonempty(name, input, None)
        return apply(whole_node, reduce, input)
    if not isinstance(dim, int):
        raise TypeError(
            f"{name}(): argument 'dim' must be int, not {type(dim).__name__}; use "
            f"a{name}(input, dim) to reduce several dimensions"
        )
    d = _wrap_dim(dim, input.ndim)
    x = input._data
    if x.ndim == 0:
        indices, index = np.zeros((), np.int64), ()
    else:
        _check_nonempty(name, input, (d,))
        indices = arg(x, axis=d, keepdims=True)
        index = np.indices(indices.shape, sparse=True)
        index = (*index[:d], indices, *index[d + 1 :])
    values = apply(dim_node, _take, input, index=index, dim=d, keepdim=keepdim, shape=x.shape)
    if not keepdim and x.ndim:
        indices = np.squeeze(indices, axis=d)
    return result(values, wrap(indices.astype(np.int64)))


def max(input: Tensor, dim=None, keepdim: bool = False, *, other=None, axis=None, keepdims=None):
    """The largest element; along ``dim``, ``(values, indices)``; with a tensor ``other``,
    the elementwise maximum. NumPy's ``axis``/``keepdims`` give the values only, as amax."""
    if axis is not None or keepdims is not None:
        return amax(input, () if axis is None else axis, bool(keepdims))
    return _extreme("max", input, dim, keepdim, other)


def min(input: Tensor, dim=None, keepdim: bool = False, *, other=None, axis=None, keepdims=None):
    """The smallest element; along ``dim``, ``(values, indices)``; with a tensor ``other``,
    the elementwise minimum. NumPy's ``axis``/``keepdims`` give the values only, as amin."""
    if axis is not None or keepdims is not None:
        return amin(input, () if axis is None else axis, bool(keepdims))
    return _extreme("min", input, dim, keepdim, other)


def _amax_kernel(x, dims, keepdim):
    return np.max(x, axis=dims, keepdims=keepdim)


def _amin_kernel(x, dims, keepdim):
    return np.min(x, axis=dims, keepdims=keepdim)


def _amax_dims(name: str, input: Tensor, dim) -> tuple:
    dims = normalize_dims(dim, input.ndim)
    _check_nonempty(name, input, None if dim is None or dim == () else dims)
    return dims


def amax(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """The largest values over ``dim`` (all dimensions by default); ties share the gradient."""
    dims = _amax_dims("amax", input, dim)
    return apply(AmaxBackward0, _amax_kernel, input, dims=dims, keepdim=keepdim)


def amin(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """The smallest values over ``dim`` (all dimensions by default); ties share the gradient."""
    dims = _amax_dims("amin", input, dim)
    return apply(AminBackward0, _amin_kernel, input, dims=dims, keepdim=keepdim)


def aminmax(input: Tensor, *, dim=None, keepdim: bool = False):
    """``(min, max)`` over all elements or along ``dim``, as amin and amax."""
    dims = normalize_dims(dim, input.ndim)
    if dim is not None and input.ndim and input._data.shape[dims[0]] == 0:
        raise IndexError(f"aminmax(): Expected reduction dim {dims[0]} to have non-zero size.")
    if input._data.size == 0 and dim is None:
        raise RuntimeError(
            "aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
            "identity. Specify the reduction dim with the 'dim' argument."
        )
    params = {"dims": dims, "keepdim": keepdim}
    return aminmax_result(
        apply(_AminmaxMin, _amin_kernel, input, **params),
        apply(_AminmaxMax, _amax_kernel, input, **params),
    )


def _arg(name: str, arg, input: Tensor, dim, keepdim: bool) -> Tensor:
    x = input._data
    if x.dtype == np.bool_:
        raise RuntimeError(f"{name}(): does not support bool input; convert it first, e.g. x.int()")
    if dim is None:
        _check_nonempty(name, input, None, IndexError)
        out = np.asarray(arg(x))
        return wrap(out.reshape((1,) * x.ndim if keepdim else ()).astype(np.int64))
    d = _wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        return wrap(np.zeros((), np.int64))
    _check_nonempty(name, input, (d,))
    return wrap(arg(x, axis=d, keepdims=keepdim).astype(np.int64))


def argmax(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the largest element (of the flattened tensor, or along ``dim``); int64."""
    return _arg("argmax", np.argmax, input, dim, keepdim)


def argmin(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the smallest element (of the flattened tensor, or along ``dim``); int64."""
    return _arg("argmin", np.argmin, input, dim, keepdim)


# --- all, any, count_nonzero ----------------------------------------------------------------


def _logical(reduce, input: Tensor, dim, keepdim: bool) -> Tensor:
    x = input._data
    out = np.asarray(reduce(x, axis=normalize_dims(dim, x.ndim), keepdims=keepdim))
    return wrap(out.astype(np.uint8 if x.dtype == np.uint8 else np.bool_))  # uint8 stays uint8


def all(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """True where every element (over ``dim``, or all) is non-zero; bool (uint8 for uint8)."""
    return _logical(np.all, input, dim, keepdim)


def any(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """True where some element (over ``dim``, or all) is non-zero; bool (uint8 for uint8)."""
    return _logical(np.any, input, dim, keepdim)


def count_nonzero(input: Tensor, dim=None) -> Tensor:
    """The number of non-zero elements, over ``dim`` (int or tuple) or all; int64."""
    x = input._data
    out = np.count_nonzero(x, axis=normalize_dims(dim, x.ndim))
    return wrap(np.asarray(out, dtype=np.int64))


# --- NumPy's signatures ---------------------------------------------------------------------


def _np_prod(a, axis=None, dtype=None, keepdims=False):
    if axis is None:
        out = prod(a, dtype=dtype)
        return out.reshape((1,) * a.ndim) if keepdims else out
    axes = normalize_dims(axis, a.ndim)
    for d in reversed(axes):  # one dimension at a time: torch's prod takes a single dim
        a = prod(a, d, keepdim=keepdims, dtype=dtype)
        dtype = None
    return a


def _np_var(name):
    fn = var if name == "var" else std

    def numpy_fn(a, axis=None, dtype=None, ddof=0, keepdims=False, *, correction=None):
        if dtype is not None:
            a = a.to(dtype)
        return fn(a, axis, keepdim=keepdims, correction=ddof if correction is None else correction)

    numpy_fn.__name__ = name
    return numpy_fn


def _np_extreme(fn):
    return lambda a, axis=None, keepdims=False: fn(a, () if axis is None else axis, keepdims)


__all__ = [
    "all",
    "amax",
    "amin",
    "aminmax",
    "any",
    "argmax",
    "argmin",
    "count_nonzero",
    "max",
    "mean",
    "min",
    "prod",
    "std",
    "std_mean",
    "sum",
    "var",
    "var_mean",
]
METHODS = {
    "sum": sum,
    "mean": mean,
    "prod": prod,
    "var": var,
    "std": std,
    "max": max,
    "min": min,
    "amax": amax,
    "amin": amin,
    "aminmax": aminmax,
    "argmax": argmax,
    "argmin": argmin,
    "all": all,
    "any": any,
    "count_nonzero": count_nonzero,
}
NUMPY = {
    np.sum: lambda a, axis=None, dtype=None, keepdims=False: sum(
        a, dim=axis, keepdim=keepdims, dtype=dtype
    ),
    np.mean: lambda a, axis=None, dtype=None, keepdims=False: mean(
        a, dim=axis, keepdim=keepdims, dtype=dtype
    ),
    np.prod: _np_prod,
    np.var: _np_var("var"),
    np.std: _np_var("std"),
    np.max: _np_extreme(amax),
    np.amax: _np_extreme(amax),
    np.min: _np_extreme(amin),
    np.amin: _np_extreme(amin),
    np.argmax: lambda a, axis=None, keepdims=False: argmax(a, axis, keepdims),
    np.argmin: lambda a, axis=None, keepdims=False: argmin(a, axis, keepdims),
    np.all: lambda a, axis=None, keepdims=False: all(a, axis, keepdims),
    np.any: lambda a, axis=None, keepdims=False: any(a, axis, keepdims),
    np.count_nonzero: lambda a, axis=None: count_nonzero(a, axis),
}
