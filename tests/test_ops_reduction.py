"""Reductions and cumulative ops beyond the op table: named-tuple results, integer and bool
inputs, errors and warnings, NumPy calls on tensors, and derivatives at zeros and ties."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import npgrad
from helpers import check_against_torch, to_numpy
from torch_oracle import raises_same, same, silent_same, warns_same

X = [[3.0, 1.0, 3.0], [2.0, 5.0, 5.0]]


def _leaf(m, values=X, dtype=None):
    return m.tensor(values, dtype=dtype or m.float64, requires_grad=True)


# --- max/min along a dim: a named tuple of values and indices -------------------------------
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_with_dim_return_a_named_tuple(name):
    out = getattr(npgrad, name)(_leaf(npgrad), 1)
    ref = getattr(torch, name)(_leaf(torch), 1)
    assert isinstance(out, tuple) and len(out) == 2
    values, indices = out
    assert values is out.values is out[0] and indices is out.indices is out[1]
    assert type(out).__name__ == type(ref).__name__ == name
    assert repr(out).startswith(f"npgrad.return_types.{name}(\nvalues=")
    assert out._fields == ("values", "indices")


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize(
    "args",
    [(1,), (0,), (-1, True), (0, False)],
    ids=lambda a: ",".join(map(str, a)),
)
def test_max_min_with_dim_match_torch(name, args):
    """Values, int64 indices (the first of tied elements), requires_grad, grad_fn."""
    same(lambda m: tuple(getattr(m, name)(_leaf(m), *args)))
    same(lambda m: tuple(getattr(_leaf(m), name)(*args)))


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_keyword_dim_and_scalar_input(name):
    same(lambda m: tuple(getattr(m, name)(_leaf(m), dim=1, keepdim=True)))
    same(lambda m: tuple(getattr(m, name)(_leaf(m, 2.5), 0)))
    same(lambda m: tuple(getattr(m, name)(_leaf(m, [[]]), 0)))


@pytest.mark.parametrize("name", ["max", "min"])
def test_gradient_goes_to_the_returned_index_only(name):
    def body(m):
        x = _leaf(m)
        values, indices = getattr(x, name)(1)
        (values * m.tensor([2.0, 3.0], dtype=m.float64)).sum().backward()
        return x.grad, indices

    got = same(body)
    assert np.count_nonzero(got[1][0]["values"]) == 2  # one element per row, despite ties


def test_nan_propagates_and_is_the_index():
    def body(m):
        x = _leaf(m, [[1.0, float("nan"), 3.0], [1.0, 2.0, 0.5]])
        values, indices = x.max(1)
        values[1].backward()
        return values, indices, x.grad, m.argmax(x, 1), m.argmin(x), x.amax(1), x.max()

    same(body)


@pytest.mark.parametrize("name", ["max", "min", "amax", "amin", "aminmax"])
@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "bool", "float32"])
def test_extremes_keep_the_input_dtype(name, dtype):
    def body(m):
        x = m.tensor([[3, 1, 3], [2, 5, 5]]).to(getattr(m, dtype))
        if name == "aminmax":
            return tuple(m.aminmax(x, dim=1)), tuple(m.aminmax(x))
        fn = getattr(m, name)
        return fn(x), (fn(x, 1) if name.startswith("am") else tuple(fn(x, 1)))

    same(body)


# --- aminmax, var_mean, std_mean --------------------------------------------------------------
def test_aminmax_named_fields():
    out = npgrad.aminmax(_leaf(npgrad), dim=0)
    lo, hi = out
    assert out.min is lo and out.max is hi and out._fields == ("min", "max")
    same(lambda m: tuple(m.aminmax(_leaf(m))))
    same(lambda m: tuple(_leaf(m).aminmax(dim=-1, keepdim=True)))


@pytest.mark.parametrize("name", ["var_mean", "std_mean"])
@pytest.mark.parametrize(
    "kwargs", [{}, {"dim": 1}, {"dim": 0, "keepdim": True, "correction": 0}], ids=str
)
def test_var_mean_std_mean(name, kwargs):
    def body(m):
        x = _leaf(m)
        spread, center = getattr(m, name)(x, **kwargs)
        (spread.sum() * 2 + center.sum() * 3).backward()
        return spread, center, x.grad

    same(body)


# --- integer and bool inputs: result dtypes --------------------------------------------------
INT_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "bool")


def body_input(m, dtype):
    return m.tensor([[1, 0, 3], [2, 2, 1]]).to(getattr(m, dtype))


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_integer_and_bool_result_dtypes(dtype):
    def body(m):
        x = body_input(m, dtype)
        return (
            x.sum(),
            x.sum(0),
            x.prod(),
            x.prod(1, keepdim=True),
            x.cumsum(1),
            x.cumprod(0),
            x.max(),
            x.min(1),
            x.amax(0),
            x.amin((0, 1)),
            x.all(),
            x.any(1),
            x.all(dim=(0, 1), keepdim=True),
            x.count_nonzero(),
            x.count_nonzero(0),
            m.prod(x, 0, dtype=m.float32),
            m.cumsum(x, 1, dtype=m.float64),
        )

    same(body)
    if dtype != "bool":  # torch has no argmax of bools
        same(lambda m: (lambda x: (x.argmax(), x.argmin(1, keepdim=True)))(body_input(m, dtype)))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_float_logical_reductions_and_argmax(dtype):
    def body(m):
        x = m.tensor([[1.5, 0.0, -3.0], [2.0, 2.0, 0.0]], dtype=getattr(m, dtype))
        return (
            x.all(),
            x.any(),
            x.all(1),
            m.any(x, 0, keepdim=True),
            x.argmax(),
            x.argmax(keepdim=True),
            x.argmin(0),
            m.argmax(x, -1, keepdim=True),
            x.count_nonzero((0, 1)),
            x.cumsum(0, dtype=m.float64),
        )

    same(body)


def test_scalar_and_empty_logical_reductions():
    same(lambda m: (m.tensor(0.0).all(), m.tensor(2).any(0), m.tensor(3.0).argmax(0)))
    same(lambda m: (m.zeros(0).all(), m.zeros(0).any(), m.zeros(0, 3).all(1)))
    same(lambda m: (m.zeros(0, 3).count_nonzero(), m.zeros(0, 3).argmax(1)))


def test_outputs_of_non_differentiable_reductions_do_not_require_grad():
    def body(m):
        x = _leaf(m)
        return [t.requires_grad for t in (x.argmax(), x.all(), x.any(0), x.count_nonzero())]

    same(body)


# --- errors and warnings ---------------------------------------------------------------------
OUT_OF_RANGE = {
    "sum": lambda m, x: x.sum(2),
    "prod": lambda m, x: x.prod(2),
    "var": lambda m, x: x.var(-3),
    "std": lambda m, x: m.std(x, (0, 2)),
    "max": lambda m, x: x.max(2),
    "min": lambda m, x: m.min(x, -3),
    "amax": lambda m, x: x.amax((0, 5)),
    "amin": lambda m, x: x.amin(-3),
    "argmax": lambda m, x: x.argmax(2),
    "argmin": lambda m, x: m.argmin(x, -3),
    "all": lambda m, x: x.all(2),
    "any": lambda m, x: x.any((1, 2)),
    "count_nonzero": lambda m, x: x.count_nonzero(2),
    "cumsum": lambda m, x: x.cumsum(2),
    "cumprod": lambda m, x: m.cumprod(x, -3),
    "aminmax": lambda m, x: m.aminmax(x, dim=2),
    "var_mean": lambda m, x: m.var_mean(x, 2),
    "max_scalar": lambda m, x: m.tensor(1.0).max(1),
}


@pytest.mark.parametrize("name", OUT_OF_RANGE)
def test_dim_out_of_range(name):
    raises_same(
        lambda m: OUT_OF_RANGE[name](m, _leaf(m)), IndexError, "Dimension out of range", "but got"
    )


EMPTY = {
    "max": (lambda m: m.zeros(0, 3).max(), RuntimeError, "Expected reduction dim to be specified"),
    "min": (lambda m: m.zeros(0).min(), RuntimeError, "Expected reduction dim to be specified"),
    "amax": (lambda m: m.zeros(0, 3).amax(), RuntimeError, "reduction dim to be specified"),
    "amin": (lambda m: m.zeros(0, 3).amin(()), RuntimeError, "reduction dim to be specified"),
    "argmax": (lambda m: m.zeros(0, 3).argmax(), IndexError, "reduction dim to be specified"),
    "argmin": (lambda m: m.zeros(0).argmin(), IndexError, "reduction dim to be specified"),
    "max_dim": (lambda m: m.zeros(0, 3).max(0), IndexError, "reduction dim 0 to have non-zero"),
    "min_dim": (lambda m: m.zeros(2, 0).min(-1), IndexError, "dim 1 to have non-zero size"),
    "amax_dim": (lambda m: m.zeros(0, 3).amax(0), IndexError, "dim 0 to have non-zero size"),
    "amin_dims": (lambda m: m.zeros(3, 0).amin((0, 1)), IndexError, "dim 1 to have non-zero"),
    "argmax_dim": (lambda m: m.zeros(0, 3).argmax(0), IndexError, "dim 0 to have non-zero"),
    "aminmax_dim": (
        lambda m: m.aminmax(m.zeros(0, 3), dim=0),
        IndexError,
        "dim 0 to have non-zero",
    ),
    "aminmax": (lambda m: m.aminmax(m.zeros(0, 3)), RuntimeError, "aminmax"),
}


@pytest.mark.parametrize("name", EMPTY)
def test_reductions_without_identity_refuse_empty_input(name):
    body, exc, key = EMPTY[name]
    raises_same(body, exc, key)


BAD_CALLS = {
    "duplicate dims": (lambda m, x: x.amax((0, -2)), RuntimeError, "appears multiple times"),
    "duplicate dims all": (lambda m, x: x.all((1, 1)), RuntimeError, "appears multiple times"),
    "prod tuple": (lambda m, x: x.prod((0, 1)), TypeError, "prod()"),
    "max tuple": (lambda m, x: x.max((0, 1)), TypeError, "max()"),
    "var of ints": (lambda m, x: x.long().var(), RuntimeError, "floating point"),
    "argmax of bools": (lambda m, x: (x > 1).argmax(), RuntimeError, "bool"),
    "argmin of bools": (lambda m, x: m.argmin(x > 1, 0), RuntimeError, "bool"),
    "std of bool": (lambda m, x: m.std(x > 1, 0), RuntimeError, "floating point"),
    "unbiased and correction": (lambda m, x: x.var(unbiased=False, correction=1), TypeError, "var"),
    "cumsum without dim": (lambda m, x: x.cumsum(), TypeError, "dim"),
    "cumprod without dim": (lambda m, x: m.cumprod(x), TypeError, "dim"),
}


@pytest.mark.parametrize("name", BAD_CALLS)
def test_bad_calls(name):
    body, exc, key = BAD_CALLS[name]
    raises_same(lambda m: body(m, _leaf(m)), exc, key)


@pytest.mark.parametrize(
    "body",
    [
        lambda m: m.tensor([1.5], requires_grad=True).var(),
        lambda m: m.tensor([[1.0, 2.0]]).std(0),
        lambda m: m.tensor([1.0, 2.0]).var(correction=3),
        lambda m: m.zeros(0, 3).var(),
        lambda m: m.zeros(0, 3).std(1),
        lambda m: m.tensor(2.0).var(0),
        lambda m: m.var_mean(m.tensor([4.0]))[0],
    ],
    ids=["one", "std_dim_of_one", "correction_too_big", "empty", "empty_rows", "0d", "var_mean"],
)
def test_var_with_no_degrees_of_freedom_warns_and_gives_nan_or_inf(body):
    warns_same(body, UserWarning, "degrees of freedom is <= 0")


def test_var_with_enough_degrees_of_freedom_does_not_warn():
    silent_same(lambda m: (m.tensor([1.0]).var(correction=0), m.tensor([[1.0, 2.0]]).var(1)))


def test_mean_of_nothing_is_nan_without_a_warning():
    silent_same(lambda m: (m.zeros(0).mean(), m.zeros(0, 3).mean(0)), RuntimeWarning)


@pytest.mark.parametrize(
    "values", [[2.0], [2.0, 2.0, 2.0], [1.0, 3.0]], ids=["one", "constant", "two"]
)
@pytest.mark.parametrize("correction", [1, 2, 0])
@pytest.mark.parametrize("dim", [None, 0])
def test_var_std_gradients_without_degrees_of_freedom(values, correction, dim):
    """Where N - correction <= 0 the gradient is inf, or NaN where x equals its mean."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for fn in (
            lambda m, x: x.var(dim, correction=correction),
            lambda m, x: x.std(dim, correction=correction),
        ):
            check_against_torch("var", fn, [np.array(values)], passes=("value", "grad"))


# --- NumPy calls on tensors stay in the graph ------------------------------------------------
NUMPY_CALLS = {
    "prod": (lambda x: np.prod(x), lambda x: x.prod()),
    "prod axis": (lambda x: np.prod(x, axis=1), lambda x: x.prod(1)),
    "prod axes keepdims": (
        lambda x: np.prod(x, axis=(0, 1), keepdims=True),
        lambda x: x.prod(1, keepdim=True).prod(0, keepdim=True),
    ),
    "prod keepdims": (lambda x: np.prod(x, keepdims=True), lambda x: x.prod().reshape(1, 1)),
    "var": (lambda x: np.var(x), lambda x: x.var(correction=0)),
    "var ddof": (lambda x: np.var(x, axis=0, ddof=1), lambda x: x.var(0)),
    "var keepdims": (
        lambda x: np.var(x, axis=-1, keepdims=True),
        lambda x: x.var(-1, keepdim=True, correction=0),
    ),
    "std": (lambda x: np.std(x, axis=1), lambda x: x.std(1, correction=0)),
    "std ddof": (lambda x: np.std(x, ddof=1, keepdims=True), lambda x: x.std(keepdim=True)),
    "max": (lambda x: np.max(x), lambda x: x.amax()),
    "max axis": (lambda x: np.max(x, axis=1, keepdims=True), lambda x: x.amax(1, True)),
    "amax": (lambda x: np.amax(x, axis=(0, 1)), lambda x: x.amax((0, 1))),
    "min": (lambda x: np.min(x, axis=0), lambda x: x.amin(0)),
    "amin": (lambda x: np.amin(x), lambda x: x.amin()),
    "argmax": (lambda x: np.argmax(x), lambda x: x.argmax()),
    "argmax axis": (lambda x: np.argmax(x, axis=1, keepdims=True), lambda x: x.argmax(1, True)),
    "argmin": (lambda x: np.argmin(x, axis=0), lambda x: x.argmin(0)),
    "cumsum": (lambda x: np.cumsum(x), lambda x: x.reshape(-1).cumsum(0)),
    "cumsum axis": (lambda x: np.cumsum(x, axis=1), lambda x: x.cumsum(1)),
    "cumprod": (lambda x: np.cumprod(x), lambda x: x.reshape(-1).cumprod(0)),
    "cumprod axis": (lambda x: np.cumprod(x, axis=0), lambda x: x.cumprod(0)),
    "all": (lambda x: np.all(x > 1), lambda x: (x > 1).all()),
    "any axis": (lambda x: np.any(x > 4, axis=1, keepdims=True), lambda x: (x > 4).any(1, True)),
    "count_nonzero": (lambda x: np.count_nonzero(x > 2, axis=0), lambda x: (x > 2).sum(0)),
    "sum": (lambda x: np.sum(x, axis=0), lambda x: x.sum(0)),
    "mean": (lambda x: np.mean(x, axis=(0, 1), keepdims=True), lambda x: x.mean((0, 1), True)),
}


@pytest.mark.parametrize("name", NUMPY_CALLS)
@pytest.mark.parametrize("values", [X, [[0.5, 0.0, 2.0], [0.0, 3.0, -1.0]]], ids=["x", "zeros"])
def test_numpy_functions_on_tensors_return_tensors_that_backpropagate(name, values):
    np_call, torch_call = NUMPY_CALLS[name]
    x = _leaf(npgrad, values)
    out = np_call(x)
    ref = torch_call(_leaf(torch, values))
    assert isinstance(out, npgrad.Tensor), f"{name} returned {type(out).__name__}"
    assert str(out.dtype) == str(ref.dtype).replace("torch", "npgrad")
    assert tuple(out.shape) == tuple(ref.shape)
    np.testing.assert_allclose(to_numpy(out), to_numpy(ref), rtol=1e-12)
    assert out.requires_grad == ref.requires_grad
    if ref.requires_grad:
        w = np.linspace(0.5, 2.0, ref.numel()).reshape(tuple(ref.shape))
        (out * npgrad.tensor(w)).sum().backward()
        xt = _leaf(torch, values)
        (torch_call(xt) * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(to_numpy(x.grad), to_numpy(xt.grad), rtol=1e-12)


def test_tensor_max_min_accept_numpy_keywords_and_return_values_only():
    """Array-style code calls ``.max(axis=..., keepdims=...)`` on arrays or tensors alike."""
    a = np.array(X)
    x = _leaf(npgrad)
    for method in ("max", "min"):
        for kwargs in ({"axis": 1}, {"axis": 0, "keepdims": True}, {"keepdims": True}):
            out = getattr(x, method)(**kwargs)
            assert isinstance(out, npgrad.Tensor)
            np.testing.assert_array_equal(to_numpy(out), getattr(a, method)(**kwargs))
    x.max(axis=1, keepdims=True).sum().backward()
    np.testing.assert_array_equal(to_numpy(x.grad), [[0.5, 0.0, 0.5], [0.0, 0.5, 0.5]])


# --- derivatives at zeros and ties ------------------------------------------------------------
AT_ZEROS = {
    "prod one zero": (lambda m, x: x.prod(), [[0.0, 2.0, 3.0], [1.5, 2.0, 0.5]]),
    "prod two zeros": (lambda m, x: x.prod(), [[0.0, 2.0, 3.0], [1.5, 0.0, 0.5]]),
    "prod three zeros": (lambda m, x: m.prod(x), [[0.0, 0.0, 3.0], [1.5, 0.0, 0.5]]),
    "prod dim": (lambda m, x: x.prod(1), [[0.0, 2.0, 3.0], [0.0, 0.0, 0.5]]),
    "prod dim 0": (lambda m, x: x.prod(0, keepdim=True), [[0.0, 2.0, 3.0], [0.0, 0.0, 0.5]]),
    "cumprod one zero": (lambda m, x: x.cumprod(1), [[1.5, 0.0, 2.0, 3.0], [2.0, 3.0, 0.5, 4.0]]),
    "cumprod zeros": (lambda m, x: x.cumprod(1), [[0.0, 2.0, 0.0, 3.0], [2.0, 0.0, 0.0, 0.5]]),
    "cumprod first": (lambda m, x: x.cumprod(-1), [[0.0, 2.0, 1.5, 3.0], [0.0, 0.0, 0.0, 0.0]]),
    "cumprod dim 0": (lambda m, x: x.cumprod(0), [[0.0, 2.0, 1.5], [3.0, 0.0, 0.5], [2.0, 2.0, 0]]),
    "cumprod 3d": (lambda m, x: x.cumprod(1), [[[0.0, 2.0], [1.5, 0.0], [3.0, 2.0]]]),
    "max ties": (lambda m, x: x.max(), [[3.0, 1.0, 3.0], [2.0, 3.0, 0.0]]),
    "amax ties": (lambda m, x: x.amax(1), [[3.0, 1.0, 3.0], [2.0, 2.0, 2.0]]),
    "std zero": (lambda m, x: x.std(1), [[3.0, 3.0, 3.0], [2.0, 1.0, 0.0]]),
}


@pytest.mark.parametrize("name", AT_ZEROS)
def test_first_and_second_derivatives_at_zeros_and_ties(name):
    """The first derivative exactly, and the second (torch's, which these inputs make
    non-trivial for prod and cumprod: zeros in the other factors)."""
    fn, values = AT_ZEROS[name]
    arrays = [np.array(values)]
    check_against_torch(name, fn, arrays, passes=("value", "grad"), tol={"rtol": 1e-12, "atol": 0})
    check_against_torch(name, fn, arrays, passes=("gradgrad",))


def test_cumprod_with_zeros_matches_torch_on_a_large_input():
    rng = np.random.default_rng(0)
    a = rng.uniform(0.5, 1.5, (5, 200))
    a[rng.random(a.shape) < 0.02] = 0.0
    for dim in (0, 1):
        fn = lambda m, x, dim=dim: x.cumprod(dim)  # noqa: E731
        check_against_torch("cumprod", fn, [a], passes=("value", "grad"))


def test_prod_of_a_zero_needs_no_division():
    """One zero and several zeros in a slice give torch's exact gradient, not NaN."""
    for values in ([[0.0, 4.0, 0.5]], [[0.0, 0.0, 7.0]], [[0.0, 0.0, 0.0]]):
        x = _leaf(npgrad, values)
        x.prod().backward()
        xt = _leaf(torch, values)
        xt.prod().backward()
        assert np.isfinite(to_numpy(x.grad)).all()
        np.testing.assert_array_equal(to_numpy(x.grad), to_numpy(xt.grad))


# --- the binary form max(a, b) -----------------------------------------------------------------
def test_max_min_of_two_tensors_are_maximum_and_minimum():
    def body(m):
        a = _leaf(m, [1.0, 4.0, 2.0])
        b = m.tensor([3.0, 0.0, 2.5], dtype=m.float64)
        out = m.max(a, b) + a.min(b) + m.max(a, other=b)
        out.sum().backward()
        return out, a.grad

    same(body)
