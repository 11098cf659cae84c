"""Op-table entries for elementwise math of one, two or three tensors."""

from __future__ import annotations

from op_spec import BINARY, FEW_BINARY, FEW_UNARY, UNARY, OpSpec

TERNARY = (
    ((), (), ()),
    ((2, 3), (2, 3), (2, 3)),
    ((1, 3), (2, 1), (3,)),
    ((2, 1, 3), (), (4, 1)),
    ((0, 3), (1, 3), (3,)),
)
# torch's clamp backward needs the input at the full broadcast shape
CLAMP_TERNARY = (
    ((), (), ()),
    ((2, 3), (2, 3), (2, 3)),
    ((2, 3), (1, 3), (3,)),
    ((2, 1, 3), (), (1, 3)),
    ((0, 3), (1, 3), (3,)),
)
INTEGERS = (-2.0, -1.0, 0.0, 1.0, 2.0)
HALVES = (-1.5, -0.5, 0.5, 1.5)


def _unary(name, fn, low=-2.0, high=2.0, shapes=UNARY, **kw):
    return OpSpec(name, fn, shapes, low=low, high=high, **kw)


OPS = [
    # --- exponentials and logarithms -------------------------------------------------------
    _unary("expm1", lambda m, x: m.expm1(x)),
    _unary("expm1_method", lambda m, x: x.expm1(), shapes=FEW_UNARY),
    _unary("exp2", lambda m, x: m.exp2(x)),
    _unary("exp2_method", lambda m, x: x.exp2(), shapes=FEW_UNARY),
    _unary("log1p", lambda m, x: m.log1p(x), low=-0.5),
    _unary("log1p_method", lambda m, x: x.log1p(), low=-0.5, shapes=FEW_UNARY),
    _unary("log2", lambda m, x: m.log2(x), low=0.5, high=3.0),
    _unary("log10", lambda m, x: m.log10(x), low=0.5, high=3.0),
    _unary("log10_method", lambda m, x: x.log10(), low=0.5, high=3.0, shapes=FEW_UNARY),
    _unary("rsqrt", lambda m, x: m.rsqrt(x), low=0.5, high=3.0, exact_vals=(([0.25, 1.0, 4.0],),)),
    _unary("rsqrt_method", lambda m, x: x.rsqrt(), low=0.5, high=3.0, shapes=FEW_UNARY),
    _unary("square", lambda m, x: m.square(x)),
    _unary("square_method", lambda m, x: x.square(), shapes=FEW_UNARY),
    _unary("reciprocal", lambda m, x: m.reciprocal(x), kinks=(0.0,)),
    _unary("reciprocal_method", lambda m, x: x.reciprocal(), kinks=(0.0,), shapes=FEW_UNARY),
    # --- trigonometric and hyperbolic ------------------------------------------------------
    _unary("tan", lambda m, x: m.tan(x), low=-1.2, high=1.2),
    _unary("tan_method", lambda m, x: x.tan(), low=-1.2, high=1.2, shapes=FEW_UNARY),
    _unary("asin", lambda m, x: m.asin(x), low=-0.8, high=0.8),
    _unary("arcsin", lambda m, x: m.arcsin(x), low=-0.8, high=0.8, shapes=FEW_UNARY),
    _unary("acos", lambda m, x: m.acos(x), low=-0.8, high=0.8),
    _unary("arccos_method", lambda m, x: x.arccos(), low=-0.8, high=0.8, shapes=FEW_UNARY),
    _unary("atan", lambda m, x: m.atan(x), low=-3.0, high=3.0),
    _unary("arctan", lambda m, x: m.arctan(x), shapes=FEW_UNARY),
    _unary("sinh", lambda m, x: m.sinh(x)),
    _unary("sinh_method", lambda m, x: x.sinh(), shapes=FEW_UNARY),
    _unary("cosh", lambda m, x: m.cosh(x)),
    _unary("asinh", lambda m, x: m.asinh(x), low=-3.0, high=3.0),
    _unary("arcsinh", lambda m, x: m.arcsinh(x), shapes=FEW_UNARY),
    _unary("acosh", lambda m, x: m.acosh(x), low=1.2, high=3.0),
    _unary("arccosh_method", lambda m, x: x.arccosh(), low=1.2, high=3.0, shapes=FEW_UNARY),
    _unary("atanh", lambda m, x: m.atanh(x), low=-0.8, high=0.8),
    _unary("arctanh", lambda m, x: m.arctanh(x), low=-0.8, high=0.8, shapes=FEW_UNARY),
    _unary("deg2rad", lambda m, x: m.deg2rad(x), shapes=FEW_UNARY),
    _unary("rad2deg_method", lambda m, x: x.rad2deg(), shapes=FEW_UNARY),
    # --- sigmoid family, error function ------------------------------------------------------
    _unary("logit", lambda m, x: m.logit(x), low=0.05, high=0.95),
    _unary("logit_method", lambda m, x: x.logit(), low=0.05, high=0.95, shapes=FEW_UNARY),
    _unary(
        "logit_eps",
        lambda m, x, **kw: m.logit(x, **kw),
        low=0.0,
        high=1.0,
        kinks=(0.2, 0.8),
        kwargs_variants=({"eps": 0.2},),
        exact_vals=(([-0.5, 0.0, 0.1, 0.2, 0.5, 0.8, 0.9, 1.0, 1.5],),),
    ),
    _unary(
        "erf",
        lambda m, x: m.erf(x),
        low=-3.0,
        high=3.0,
        exact_vals=(([-30.0, -5.5, -2.0, -1e-8, 0.0, 0.3, 1.999, 2.0, 2.001, 4.0, 27.0],),),
    ),
    _unary("erf_method", lambda m, x: x.erf(), shapes=FEW_UNARY),
    _unary(
        "erfc",
        lambda m, x: m.erfc(x),
        low=-3.0,
        high=3.0,
        exact_vals=(([-6.0, -2.0, 0.0, 0.5, 1.9, 2.0, 3.5, 6.0, 10.0, 26.0],),),
    ),
    _unary("erfc_method", lambda m, x: x.erfc(), shapes=FEW_UNARY),
    # --- sign and rounding: zero gradients away from the steps -------------------------------
    _unary("sign", lambda m, x: m.sign(x), kinks=(0.0,), exact_vals=(([-1.5, 0.0, -0.0, 2.0],),)),
    _unary("sign_method", lambda m, x: x.sign(), kinks=(0.0,), shapes=FEW_UNARY),
    _unary("sgn", lambda m, x: m.sgn(x), kinks=(0.0,), shapes=FEW_UNARY),
    _unary("floor", lambda m, x: m.floor(x), kinks=INTEGERS, exact_vals=(([-1.0, 0.0, 1.5],),)),
    _unary("floor_method", lambda m, x: x.floor(), kinks=INTEGERS, shapes=FEW_UNARY),
    _unary("ceil", lambda m, x: m.ceil(x), kinks=INTEGERS, exact_vals=(([-1.0, 0.0, 1.5],),)),
    _unary("ceil_method", lambda m, x: x.ceil(), kinks=INTEGERS, shapes=FEW_UNARY),
    _unary("trunc", lambda m, x: m.trunc(x), kinks=INTEGERS, exact_vals=(([-1.5, 0.0, 1.5],),)),
    _unary("fix", lambda m, x: m.fix(x), kinks=INTEGERS, shapes=FEW_UNARY),
    _unary(
        "round",
        lambda m, x: m.round(x),
        kinks=HALVES,
        exact_vals=(([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49999999999999994],),),
    ),
    _unary("round_method", lambda m, x: x.round(), kinks=HALVES, shapes=FEW_UNARY),
    _unary(
        "round_decimals",
        lambda m, x, **kw: m.round(x, **kw),
        low=-30.0,
        high=30.0,
        shapes=FEW_UNARY,
        kwargs_variants=({"decimals": 1}, {"decimals": 3}, {"decimals": -1}, {"decimals": 0}),
        exact_vals=(([1.25, 2.675, -0.35, 15.0, 25.0, 1234.5678],),),
    ),
    _unary("round_decimals_method", lambda m, x: x.round(decimals=2), shapes=FEW_UNARY),
    _unary(
        "frac", lambda m, x: m.frac(x), kinks=INTEGERS, exact_vals=(([-1.5, -1.0, 0.0, 2.25],),)
    ),
    _unary("frac_method", lambda m, x: x.frac(), kinks=INTEGERS, shapes=FEW_UNARY),
    _unary(
        "nan_to_num",
        lambda m, x, **kw: m.nan_to_num(x, **kw),
        kwargs_variants=({}, {"nan": 1.5, "posinf": 100.0, "neginf": -100.0}, {"neginf": 0.0}),
        exact_vals=(([float("nan"), float("inf"), -float("inf"), 1.0, -0.0],),),
    ),
    _unary("nan_to_num_method", lambda m, x: x.nan_to_num(2.0), shapes=FEW_UNARY),
    _unary("positive", lambda m, x: m.positive(x), shapes=FEW_UNARY),
    # --- division with rounding --------------------------------------------------------------
    OpSpec(
        "div_rounding",
        lambda m, x, y, **kw: m.div(x, y, **kw),
        FEW_BINARY,
        kinks=(0.0,),
        kwargs_variants=({"rounding_mode": "trunc"}, {"rounding_mode": "floor"}),
        exact_vals=(([7.0, -7.0, 7.0, -7.0, 0.0], [2.0, 2.0, -2.0, -2.0, 3.0]),),
    ),
    OpSpec(
        "div_rounding_none",
        lambda m, x, y: m.div(x, y, rounding_mode=None),
        FEW_BINARY,
        kinks=(0.0,),
    ),
    OpSpec(
        "div_rounding_number",
        lambda m, x, **kw: x.div(0.7, **kw),
        FEW_UNARY,
        kwargs_variants=({"rounding_mode": "trunc"}, {"rounding_mode": "floor"}),
    ),
    # --- maximum, minimum, fmax, fmin --------------------------------------------------------
    OpSpec(
        "maximum",
        lambda m, x, y: m.maximum(x, y),
        BINARY,
        exact_vals=(([1.0, 2.0, 3.0, -0.0], [1.0, 3.0, 2.0, 0.0]),),
    ),
    OpSpec("maximum_method", lambda m, x, y: x.maximum(y), FEW_BINARY),
    OpSpec(
        "minimum",
        lambda m, x, y: m.minimum(x, y),
        BINARY,
        exact_vals=(([1.0, 2.0, 3.0], [1.0, 3.0, 2.0]),),
    ),
    OpSpec("minimum_method", lambda m, x, y: x.minimum(y), FEW_BINARY),
    OpSpec(
        "fmax",
        lambda m, x, y: m.fmax(x, y),
        BINARY,
        exact_vals=(([1.0, 2.0, 3.0, float("nan"), 1.0], [1.0, 3.0, 2.0, 1.0, float("nan")]),),
    ),
    OpSpec(
        "fmin",
        lambda m, x, y: m.fmin(x, y),
        BINARY,
        exact_vals=(([1.0, 2.0, 3.0, float("nan"), 1.0], [1.0, 3.0, 2.0, 1.0, float("nan")]),),
    ),
    OpSpec("fmin_method", lambda m, x, y: x.fmin(y), FEW_BINARY),
    # --- atan2, hypot ------------------------------------------------------------------------
    OpSpec("atan2", lambda m, x, y: m.atan2(x, y), BINARY, kinks=(0.0,)),
    OpSpec("arctan2", lambda m, x, y: m.arctan2(x, y), FEW_BINARY, kinks=(0.0,)),
    OpSpec("atan2_method", lambda m, x, y: x.atan2(y), FEW_BINARY, kinks=(0.0,)),
    OpSpec("hypot", lambda m, x, y: m.hypot(x, y), BINARY, kinks=(0.0,)),
    OpSpec("hypot_method", lambda m, x, y: x.hypot(y), FEW_BINARY, kinks=(0.0,)),
    # --- remainder, fmod ---------------------------------------------------------------------
    OpSpec(
        "remainder",
        lambda m, x, y: m.remainder(x, y),
        BINARY,
        kinks=(0.0,),
        exact_vals=(([7.0, -7.0, 7.0, -7.0, 0.5], [2.0, 2.0, -2.0, -2.0, 3.0]),),
    ),
    OpSpec("remainder_number", lambda m, x: m.remainder(x, 0.7), FEW_UNARY),
    OpSpec("mod_operator", lambda m, x, y: x % y, FEW_BINARY, kinks=(0.0,)),
    OpSpec("mod_number", lambda m, x: x % -1.5, FEW_UNARY),
    OpSpec(
        "fmod",
        lambda m, x, y: m.fmod(x, y),
        BINARY,
        kinks=(0.0,),
        exact_vals=(([7.0, -7.0, 7.0, -7.0, 0.5], [2.0, 2.0, -2.0, -2.0, 3.0]),),
    ),
    OpSpec("fmod_number", lambda m, x: m.fmod(x, -0.7), FEW_UNARY),
    OpSpec("fmod_method", lambda m, x, y: x.fmod(y), FEW_BINARY, kinks=(0.0,)),
    # --- lerp, addcmul, addcdiv --------------------------------------------------------------
    OpSpec(
        "lerp",
        lambda m, x, y, **kw: m.lerp(x, y, **kw),
        BINARY,
        kwargs_variants=({"weight": 0.3}, {"weight": 0.7}, {"weight": -1.5}, {"weight": 1}),
    ),
    OpSpec("lerp_method", lambda m, x, y: x.lerp(y, 0.25), FEW_BINARY),
    OpSpec(
        "lerp_tensor_weight",
        lambda m, x, y, w: m.lerp(x, y, w),
        TERNARY,
        low=-1.0,
        exact_vals=(([1.0, 2.0, -3.0], [4.0, 2.0, 5.0], [0.0, 0.5, 1.0]),),
    ),
    OpSpec(
        "addcmul",
        lambda m, x, a, b, **kw: m.addcmul(x, a, b, **kw),
        TERNARY,
        kwargs_variants=({}, {"value": 2.5}, {"value": -1}),
    ),
    OpSpec("addcmul_method", lambda m, x, a, b: x.addcmul(a, b, value=0.5), TERNARY[:3]),
    OpSpec(
        "addcdiv",
        lambda m, x, a, b, **kw: m.addcdiv(x, a, b, **kw),
        TERNARY,
        kinks=(0.0,),
        kwargs_variants=({}, {"value": 2.5}, {"value": -1}),
    ),
    OpSpec(
        "addcdiv_method", lambda m, x, a, b: x.addcdiv(a, b, value=3), TERNARY[:3], kinks=(0.0,)
    ),
    # --- clamp with tensor bounds, clamp_min, clamp_max --------------------------------------
    OpSpec(
        "clamp_tensors",
        lambda m, x, lo, hi: m.clamp(x, lo, hi),
        CLAMP_TERNARY,
        exact_vals=(
            (
                [0.0, 1.0, 2.0, 3.0, 1.0, 2.0, 0.0, 1.0, 2.0, 3.0, 0.0],
                [1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 1.0, 1.0, 2.0, 1.0],
                [2.0, 2.0, 2.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 1.0],
            ),
        ),
    ),
    OpSpec(
        "clamp_tensor_min",
        lambda m, x, lo: m.clamp(x, min=lo),
        BINARY,
        exact_vals=(([0.0, 1.0, 2.0], [1.0, 1.0, 1.0]),),
    ),
    OpSpec(
        "clamp_tensor_max",
        lambda m, x, hi: x.clamp(max=hi),
        FEW_BINARY,
        exact_vals=(([0.0, 1.0, 2.0], [1.0, 1.0, 1.0]),),
    ),
    OpSpec("clamp_zero_dim_and_number", lambda m, x: m.clamp(x, m.tensor(-0.5), 0.5), FEW_UNARY),
    OpSpec(
        "clamp_min",
        lambda m, x: m.clamp_min(x, 0.5),
        UNARY,
        kinks=(0.5,),
        exact_vals=(([0.0, 0.5, 1.0],),),
    ),
    OpSpec(
        "clamp_max",
        lambda m, x: x.clamp_max(0.5),
        FEW_UNARY,
        kinks=(0.5,),
        exact_vals=(([0.0, 0.5, 1.0],),),
    ),
    OpSpec(
        "clamp_min_tensor",
        lambda m, x, lo: m.clamp_min(x, lo),
        BINARY,
        exact_vals=(([0.0, 1.0, 2.0], [1.0, 1.0, 1.0]),),
    ),
    OpSpec(
        "clamp_max_tensor",
        lambda m, x, hi: x.clamp_max(hi),
        FEW_BINARY,
        exact_vals=(([0.0, 1.0, 2.0], [1.0, 1.0, 1.0]),),
    ),
    OpSpec("clip_tensors", lambda m, x, lo, hi: x.clip(lo, hi), CLAMP_TERNARY[:3]),
    OpSpec("where_tensor_number_mix", lambda m, x: m.where(x > 0, 2, x), FEW_UNARY, kinks=(0.0,)),
]
