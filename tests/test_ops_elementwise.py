"""Elementwise math beyond the op table: integer and bool inputs, rounding modes, errors,
in-place variants, NumPy calls on tensors, NaN handling; each compared with torch."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import npgrad
from torch_oracle import canon, check_same, raises_same, same

INTS = [-3, 0, 2, 5]
FLOATS = [-2.5, -1.0, -0.3, 0.0, 0.7, 1.5, 3.25]


# --- integer and bool inputs ------------------------------------------------------------------
FLOAT_OPS = [
    "exp2",
    "expm1",
    "log1p",
    "log2",
    "log10",
    "rsqrt",
    "tan",
    "asin",
    "acos",
    "atan",
    "sinh",
    "cosh",
    "asinh",
    "acosh",
    "atanh",
    "erf",
    "erfc",
    "logit",
    "deg2rad",
    "rad2deg",
    "reciprocal",
]


@pytest.mark.parametrize("name", FLOAT_OPS)
@pytest.mark.parametrize("values", [INTS, [True, False]], ids=["int64", "bool"])
def test_float_ops_promote_integers_to_the_default_float(name, values):
    same(lambda m: getattr(m, name)(m.tensor(values)))


@pytest.mark.parametrize("name", ["floor", "ceil", "trunc", "fix", "round", "nan_to_num", "sign"])
def test_rounding_keeps_integers(name):
    same(lambda m: getattr(m, name)(m.tensor(INTS)))


@pytest.mark.parametrize("name", ["square", "sign", "nan_to_num", "sgn"])
def test_ops_on_bool(name):
    same(lambda m: getattr(m, name)(m.tensor([True, False])))


@pytest.mark.parametrize("name", ["floor", "ceil", "trunc", "round", "frac", "abs"])
def test_rounding_and_abs_refuse_bool(name):
    raises_same(lambda m: getattr(m, name)(m.tensor([True, False])), NotImplementedError, name)


def test_frac_and_round_decimals_refuse_integers():
    raises_same(lambda m: m.frac(m.tensor(INTS)), NotImplementedError, "frac")
    raises_same(lambda m: m.round(m.tensor(INTS), decimals=1), NotImplementedError, "round")


def test_neg_and_positive_refuse_bool():
    raises_same(lambda m: m.neg(m.tensor([True])), RuntimeError, "bool")
    raises_same(lambda m: m.positive(m.tensor([True])), RuntimeError, "bool")


def test_positive_returns_its_input():
    x = npgrad.tensor([1.0, -2.0], requires_grad=True)
    assert npgrad.positive(x) is x
    assert torch.positive(t := torch.tensor([1.0])) is t


@pytest.mark.parametrize("decimals", [-2, -1, 0, 1, 2, 4])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_round_decimals_values(decimals, dtype):
    values = np.array([1.005, 2.675, -0.125, 15.0, 25.0, 1234.5678, -35.55, 0.5], dtype=dtype)
    same(lambda m: m.round(m.tensor(values), decimals=decimals))


def test_integer_pow_and_square_dtypes():
    same(lambda m: m.square(m.tensor(INTS, dtype=m.int32)))
    same(lambda m: m.tensor(INTS).square())


# --- division with rounding ---------------------------------------------------------------
@pytest.mark.parametrize("mode", [None, "trunc", "floor"])
def test_div_rounding_mode_on_integers(mode):
    a, b = [7, -7, 7, -7, 6, 0], [2, 2, -2, -2, 3, 5]
    same(lambda m: m.div(m.tensor(a), m.tensor(b), rounding_mode=mode))
    same(lambda m: m.div(m.tensor(a), 2, rounding_mode=mode))
    same(lambda m: m.div(m.tensor(a), 2.0, rounding_mode=mode))
    same(lambda m: m.tensor(a).div(m.tensor(b, dtype=m.float64), rounding_mode=mode))


@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_integer_division_by_zero_raises(mode):
    raises_same(
        lambda m: m.div(m.tensor([7, 1]), m.tensor([2, 0]), rounding_mode=mode),
        RuntimeError,
        "ZeroDivisionError",
    )


@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_float_division_by_zero_rounds_to_inf_and_nan(mode):
    same(lambda m: m.div(m.tensor([1.0, -1.0, 0.0]), 0.0, rounding_mode=mode))


def test_div_rejects_unknown_rounding_mode():
    raises_same(
        lambda m: m.div(m.tensor([1.0]), 2.0, rounding_mode="round"), RuntimeError, "rounding_mode"
    )


def test_floor_divide_values_and_missing_derivative():
    a, b = [7.5, -7.5, 7.0, -7.0], [2.0, 2.0, -2.0, 0.5]
    same(lambda m: m.floor_divide(m.tensor(a), m.tensor(b)))
    same(lambda m: m.tensor([7, -7]) // 2)
    same(lambda m: 7 // m.tensor([2, -2]))
    same(lambda m: m.tensor(a, requires_grad=True) // 2.0)

    def backward(m):
        (m.tensor(a, requires_grad=True) // 2.0).sum().backward()

    raises_same(backward, RuntimeError, "floor_divide", "not implemented")


def test_floordiv_in_place():
    def body(m):
        x = m.tensor([7, -7, 9])
        x //= 2
        return x

    same(body)


# --- remainder and fmod ---------------------------------------------------------------------
@pytest.mark.parametrize("name", ["remainder", "fmod"])
def test_remainder_and_fmod_on_integers(name):
    a, b = [7, -7, 7, -7, 0], [2, 2, -2, -2, 3]
    same(lambda m: getattr(m, name)(m.tensor(a), m.tensor(b)))
    same(lambda m: getattr(m, name)(m.tensor(a), 3))
    same(lambda m: getattr(m, name)(m.tensor(a), 2.5))
    raises_same(
        lambda m: getattr(m, name)(m.tensor(a), m.tensor([1, 1, 0, 1, 1])),
        RuntimeError,
        "ZeroDivisionError",
    )


def test_remainder_of_a_number_is_not_differentiable():
    same(lambda m: m.remainder(5, m.tensor([3.0, -3.0, 2.5], requires_grad=True)))
    same(lambda m: 5 % m.tensor([3, -3]))

    def backward(m):
        (2.5 % m.tensor([1.0, -0.7], requires_grad=True)).sum().backward()

    raises_same(backward, RuntimeError, "not implemented")


def test_float_remainder_by_zero_is_nan():
    same(lambda m: m.remainder(m.tensor([1.0, -1.0]), m.tensor([0.0, 0.0])))
    same(lambda m: m.fmod(m.tensor([1.0, -1.0]), 0.0))


# --- maximum, minimum, fmax, fmin -----------------------------------------------------------
NAN = float("nan")


@pytest.mark.parametrize("name", ["maximum", "minimum", "fmax", "fmin"])
def test_nan_values_and_gradients(name):
    a, b = [NAN, 1.0, NAN, 2.0, 2.0], [2.0, NAN, NAN, 2.0, 3.0]

    def body(m):
        x, y = m.tensor(a, requires_grad=True), m.tensor(b, requires_grad=True)
        out = getattr(m, name)(x, y)
        out.backward(m.tensor([1.0, 2.0, 3.0, 4.0, 5.0]))
        return out, x.grad, y.grad

    same(body)


@pytest.mark.parametrize("name", ["maximum", "minimum", "fmax", "fmin", "atan2", "hypot"])
def test_binary_ops_need_tensors(name):
    raises_same(lambda m: getattr(m, name)(m.tensor([1.0]), 2.0), TypeError, name)


@pytest.mark.parametrize("name", ["maximum", "minimum", "fmax", "fmin"])
def test_max_min_promote_dtypes(name):
    same(lambda m: getattr(m, name)(m.tensor(INTS), m.tensor([1.5])))
    same(lambda m: getattr(m, name)(m.tensor([True, False]), m.tensor([False, False])))
    same(lambda m: getattr(m, name)(m.tensor(INTS, dtype=m.int32), m.tensor(1)))


def test_atan2_of_integers_and_hypot_refuses_them():
    same(lambda m: m.atan2(m.tensor(INTS), m.tensor([1, -1, 0, 0])))
    raises_same(lambda m: m.hypot(m.tensor(INTS), m.tensor(INTS)), NotImplementedError, "hypot")


# --- lerp, addcmul, addcdiv ---------------------------------------------------------------------
def test_lerp_errors():
    raises_same(
        lambda m: m.lerp(m.tensor([1.0]), m.tensor([2.0], dtype=m.float64), 0.5),
        RuntimeError,
        "expected dtype",
    )
    raises_same(
        lambda m: m.lerp(m.tensor([1.0]), m.tensor([2.0]), m.tensor([0.5], dtype=m.float64)),
        RuntimeError,
        "weight",
    )
    raises_same(lambda m: m.lerp(m.tensor([1]), m.tensor([2]), 0.5), NotImplementedError, "lerp")


def test_lerp_is_exact_at_the_ends():
    a, b = [0.1, 1e20, -3.3], [0.7, 1.0, 2.9]
    same(lambda m: m.lerp(m.tensor(a, dtype=m.float64), m.tensor(b, dtype=m.float64), 1.0))
    same(lambda m: m.lerp(m.tensor(a), m.tensor(b), m.tensor([0.0, 1.0, 0.5])))


def test_addcmul_addcdiv_dtypes_and_errors():
    same(lambda m: m.addcmul(m.tensor(INTS), m.tensor(INTS), m.tensor(INTS), value=2))
    same(lambda m: m.addcmul(m.tensor([1.0]), m.tensor(INTS), m.tensor(INTS), value=2.5))
    same(lambda m: m.addcdiv(m.tensor(INTS), m.tensor([1.0]), m.tensor(INTS), value=2))
    raises_same(
        lambda m: m.addcdiv(m.tensor([1.0]), m.tensor(INTS), m.tensor(INTS)),
        RuntimeError,
        "addcdiv",
    )
    same(lambda m: m.addcmul(m.tensor(INTS), m.tensor(INTS), m.tensor(INTS), value=1.5))


# --- clamp ------------------------------------------------------------------------------------
def test_clamp_bound_forms():
    same(lambda m: m.clamp(m.tensor(INTS), 0.5, 2.5))
    same(lambda m: m.clamp(m.tensor(INTS), m.tensor(0.5), m.tensor([2.5])))
    same(lambda m: m.clamp(m.tensor(INTS), m.tensor(1), 3))
    same(lambda m: m.clamp_min(m.tensor(INTS), 1.5))
    same(lambda m: m.clamp_max(m.tensor(INTS), m.tensor([1, 2, 3, 4])))
    same(lambda m: m.clamp(m.tensor(FLOATS, requires_grad=True), m.tensor(-0.5), 0.5))
    same(lambda m: m.clamp(m.tensor([NAN, 1.0]), m.tensor([0.0, NAN]), m.tensor([2.0, 2.0])))


def test_clamp_errors():
    raises_same(lambda m: m.clamp(m.tensor([1.0])), RuntimeError, "min", "max")
    raises_same(
        lambda m: m.clamp(m.tensor([1.0, 2.0]), m.tensor([0.0, 1.0]), 0.7), TypeError, "clamp"
    )


# --- where with numbers -----------------------------------------------------------------------
def test_where_mixes_numbers_and_tensors():
    cond = [True, False, True]
    same(lambda m: m.where(m.tensor(cond), 1.0, 2))
    same(lambda m: m.where(m.tensor(cond), 1, 2))
    same(lambda m: m.where(m.tensor(cond), m.tensor([1, 2, 3]), 2.5))
    same(lambda m: m.where(m.tensor(cond), 2, m.tensor([1.0, 2.0, 3.0], dtype=m.float64)))
    same(lambda m: m.where(m.tensor(cond), m.tensor([1, 2, 3], dtype=m.int32), 7))

    def grads(m):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        out = m.where(m.tensor(cond), x, 1)
        out.sum().backward()
        return out, x.grad

    same(grads)


# --- nan_to_num, sigmoid, logit -----------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "kwargs", [{}, {"nan": 2.0}, {"posinf": 10.0, "neginf": -10.0}, {"nan": None}]
)
def test_nan_to_num_values(dtype, kwargs):
    values = [NAN, math.inf, -math.inf, 1.0, -0.0, 3e38]
    same(lambda m: m.nan_to_num(m.tensor(values, dtype=getattr(m, dtype)), **kwargs))


def test_sigmoid_and_logit_stay_finite_at_the_extremes():
    def body(m):
        x = m.tensor([-1000.0, -50.0, 0.0, 50.0, 1000.0], requires_grad=True)
        out = m.sigmoid(x)
        out.sum().backward()
        return out, x.grad

    got = same(body)
    assert np.isfinite(got[1][0]["values"]).all()

    def logit(m):
        p = m.tensor([0.0, 1e-9, 0.5, 1.0 - 1e-9, 1.0], requires_grad=True)
        out = m.logit(p, eps=1e-6)
        out.sum().backward()
        return out, p.grad

    got = same(logit)
    assert np.isfinite(got[1][0]["values"]).all()


# --- erf accuracy -----------------------------------------------------------------------------
def test_erf_and_erfc_match_the_math_module_closely():
    xs = np.concatenate([np.linspace(-7, 7, 4001), [1.999999999, 2.0, 2.000000001, 1e-300]])
    got_erf = npgrad.erf(npgrad.tensor(xs)).numpy()
    got_erfc = npgrad.erfc(npgrad.tensor(xs)).numpy()
    np.testing.assert_allclose(got_erf, [math.erf(v) for v in xs], rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(got_erfc, [math.erfc(v) for v in xs], rtol=1e-13, atol=1e-300)
    # float32 inputs: torch's own float32 erf is the reference
    x32 = np.linspace(-5, 5, 1001, dtype=np.float32)
    np.testing.assert_allclose(
        npgrad.erf(npgrad.tensor(x32)).numpy(), torch.erf(torch.tensor(x32)).numpy(), atol=2e-7
    )


def test_erf_special_values():
    same(lambda m: m.erf(m.tensor([NAN, math.inf, -math.inf, 0.0, -0.0, 30.0])))
    same(lambda m: m.erfc(m.tensor([NAN, math.inf, -math.inf, 0.0, 30.0, -30.0])))


# --- in-place variants --------------------------------------------------------------------------
INPLACE = [
    ("abs_", (), -2, 2),
    ("absolute_", (), -2, 2),
    ("sign_", (), -2, 2),
    ("neg_", (), -2, 2),
    ("sin_", (), -2, 2),
    ("cos_", (), -2, 2),
    ("exp_", (), -2, 2),
    ("exp2_", (), -2, 2),
    ("expm1_", (), -2, 2),
    ("log1p_", (), 0, 2),
    ("log2_", (), 0.5, 2),
    ("log10_", (), 0.5, 2),
    ("rsqrt_", (), 0.5, 2),
    ("square_", (), -2, 2),
    ("tan_", (), -1, 1),
    ("asin_", (), -0.8, 0.8),
    ("arccos_", (), -0.8, 0.8),
    ("atan_", (), -2, 2),
    ("sinh_", (), -2, 2),
    ("cosh_", (), -2, 2),
    ("erf_", (), -2, 2),
    ("erfc_", (), -2, 2),
    ("logit_", (), 0.1, 0.9),
    ("floor_", (), -2, 2),
    ("ceil_", (), -2, 2),
    ("round_", (), -2, 2),
    ("trunc_", (), -2, 2),
    ("fix_", (), -2, 2),
    ("frac_", (), -2, 2),
    ("nan_to_num_", (), -2, 2),
    ("clamp_", (-0.5, 0.5), -2, 2),
    ("clamp_min_", (0.3,), -2, 2),
    ("clamp_max_", (0.3,), -2, 2),
    ("remainder_", (0.7,), -2, 2),
    ("fmod_", (0.7,), -2, 2),
    ("lerp_", ("other", 0.3), -2, 2),
    ("atan2_", ("other",), -2, 2),
    ("hypot_", ("other",), -2, 2),
    ("addcmul_", ("other", "other"), -2, 2),
    ("addcdiv_", ("other", "other"), 0.5, 2),
    ("div_", (1.5,), -2, 2),
]


@pytest.mark.parametrize(("method", "args", "low", "high"), INPLACE, ids=[i[0] for i in INPLACE])
def test_in_place_variants(method, args, low, high):
    rng = np.random.default_rng(len(method))
    a = rng.uniform(low, high, size=(2, 3))
    b = rng.uniform(0.5, 2, size=(3,))

    def body(m):
        leaf = m.tensor(a, requires_grad=True)
        other = m.tensor(b, requires_grad=True)
        x = leaf * 1
        call_args = [other if v == "other" else v for v in args]
        out = getattr(x, method)(*call_args)
        assert out is x
        x.backward(m.tensor(np.ones_like(a)))
        return x, leaf.grad, other.grad

    same(body)


def test_in_place_round_with_decimals_and_clamp_with_tensors():
    def body(m):
        leaf = m.tensor([[0.123, -1.789], [2.5, 0.05]], requires_grad=True)
        lo = m.tensor([0.0, -1.0], requires_grad=True)
        x = leaf * 1
        x.round_(decimals=1)
        y = leaf * 1
        y.clamp_(lo, 1.0 + lo)
        (x.sum() + y.sum()).backward()
        return x, y, leaf.grad, lo.grad

    raises_same(lambda m: m.tensor([1, 2]).exp_(), RuntimeError, "float")
    same(body)


# --- NumPy calls on tensors stay in the graph ------------------------------------------------
UNARY_NUMPY = [
    (np.exp2, "exp2"),
    (np.expm1, "expm1"),
    (np.log1p, "log1p"),
    (np.log2, "log2"),
    (np.log10, "log10"),
    (np.square, "square"),
    (np.tan, "tan"),
    (np.arcsin, "asin"),
    (np.arccos, "acos"),
    (np.arctan, "atan"),
    (np.sinh, "sinh"),
    (np.cosh, "cosh"),
    (np.arcsinh, "asinh"),
    (np.arctanh, "atanh"),
    (np.deg2rad, "deg2rad"),
    (np.radians, "deg2rad"),
    (np.rad2deg, "rad2deg"),
    (np.floor, "floor"),
    (np.ceil, "ceil"),
    (np.trunc, "trunc"),
    (np.fix, "trunc"),
    (np.rint, "round"),
    (np.round, "round"),
    (np.nan_to_num, "nan_to_num"),
    (np.positive, "positive"),
]


@pytest.mark.parametrize(("np_fn", "name"), UNARY_NUMPY, ids=[u[0].__name__ for u in UNARY_NUMPY])
def test_numpy_unary_functions_backpropagate(np_fn, name):
    values = np.array([0.1, -0.35, 0.6, 0.9])
    x = npgrad.tensor(values, requires_grad=True)
    out = np_fn(x)
    assert isinstance(out, npgrad.Tensor)
    (out * npgrad.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    xt = torch.tensor(values, requires_grad=True)
    out_t = getattr(torch, name)(xt)
    (out_t * torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64)).sum().backward()
    check_same(canon(out_t), canon(out))
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12)


def test_numpy_acosh_and_round_decimals():
    x = npgrad.tensor(np.array([1.5, 2.25]), requires_grad=True)
    np.arccosh(x).sum().backward()
    xt = torch.tensor([1.5, 2.25], dtype=torch.float64, requires_grad=True)
    torch.acosh(xt).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12)
    r = np.round(npgrad.tensor([1.234, -5.678], requires_grad=True), 2)
    assert r.grad_fn.name() == "RoundBackward1"
    np.testing.assert_allclose(r.detach().numpy(), [1.23, -5.68])


BINARY_NUMPY = [
    (np.maximum, "maximum"),
    (np.minimum, "minimum"),
    (np.fmax, "fmax"),
    (np.fmin, "fmin"),
    (np.arctan2, "atan2"),
    (np.remainder, "remainder"),
    (np.mod, "remainder"),
    (np.fmod, "fmod"),
    (np.hypot, "hypot"),
    (np.floor_divide, "floor_divide"),
]


@pytest.mark.parametrize(
    ("np_fn", "name"), BINARY_NUMPY, ids=[b[1] + "-" + b[0].__name__ for b in BINARY_NUMPY]
)
def test_numpy_binary_functions_backpropagate(np_fn, name):
    a, b = np.array([[0.5, -1.2, 2.0], [1.5, 0.3, -0.7]]), np.array([0.9, 0.8, -1.1])
    x, y = (npgrad.tensor(v, requires_grad=True) for v in (a, b))
    xt, yt = (torch.tensor(v, requires_grad=True) for v in (a, b))
    out, out_t = np_fn(x, y), getattr(torch, name)(xt, yt)
    assert isinstance(out, npgrad.Tensor)
    check_same(canon(out_t), canon(out))
    if name != "floor_divide":
        out.sum().backward()
        out_t.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12)
        np.testing.assert_allclose(y.grad.numpy(), yt.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("np_fn", [np.maximum, np.minimum, np.fmax, np.fmin, np.hypot, np.fmod])
def test_numpy_binary_functions_take_numbers(np_fn):
    x = npgrad.tensor([0.5, -1.5], dtype=npgrad.float32, requires_grad=True)
    out = np_fn(x, 0.25)
    assert out.dtype == npgrad.float32
    np.testing.assert_allclose(out.detach().numpy(), np_fn(x.detach().numpy(), 0.25))
    out.sum().backward()
    assert x.grad is not None


def test_numpy_clip_with_tensor_bounds():
    a = [-2.0, 0.0, 3.0]
    x, lo = (
        npgrad.tensor(a, requires_grad=True),
        npgrad.tensor([-1.0, 1.0, 1.0], requires_grad=True),
    )
    out = np.clip(x, lo, 2.0 + lo)
    out.sum().backward()
    xt, lot = (
        torch.tensor(a, requires_grad=True),
        torch.tensor([-1.0, 1.0, 1.0], requires_grad=True),
    )
    out_t = torch.clamp(xt, lot, 2.0 + lot)
    out_t.sum().backward()
    check_same(canon(out_t), canon(out))
    check_same(canon(lot.grad), canon(lo.grad))
    check_same(canon(xt.grad), canon(x.grad))


def test_numpy_rules_record_second_derivatives():
    """A rule built from mapped NumPy functions differentiates again (remainder's divisor)."""

    def body(m):
        x = m.tensor([2.5, -3.7], dtype=m.float64, requires_grad=True)
        y = m.tensor([0.8, 1.1], dtype=m.float64, requires_grad=True)
        gx, gy = m.autograd.grad((m.remainder(x, y) * y).sum(), (x, y), create_graph=True)
        return m.autograd.grad((gy * gy).sum(), (x, y), allow_unused=True)

    same(body)


# --- bool tests and closeness -------------------------------------------------------------------
@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite", "isposinf", "isneginf"])
def test_non_finite_tests(name):
    same(lambda m: getattr(m, name)(m.tensor([NAN, math.inf, -math.inf, 1.0])))
    same(lambda m: getattr(m.tensor([NAN, math.inf, 0.0]), name)())


def test_isclose_and_allclose():
    a, b = [1.0, 2.0, NAN, 1e-9], [1.0, 2.0001, NAN, 0.0]
    same(lambda m: m.isclose(m.tensor(a), m.tensor(b)))
    same(lambda m: m.isclose(m.tensor(a), m.tensor(b), rtol=1e-3, equal_nan=True))
    same(lambda m: m.allclose(m.tensor(a[:2]), m.tensor(b[:2]), rtol=1e-3))
    same(lambda m: m.tensor(a).allclose(m.tensor(a), equal_nan=True))


@pytest.mark.parametrize("op", [lambda x: x + None, lambda x: x * None, lambda x: None - x])
def test_arithmetic_with_none_is_a_type_error(op):
    raises_same(lambda m: op(m.tensor([1.0, 2.0])), TypeError, "NoneType")
