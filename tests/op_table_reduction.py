"""Op-table entries for reductions and cumulative ops."""

from __future__ import annotations

from op_spec import FEW_BINARY, FEW_UNARY, OpSpec

NONEMPTY = ((),), ((1,),), ((4,),), ((2, 3),), ((2, 1, 3),)
# every ``dim`` variant below is valid for each of these (0, 1, -1, (0, -1))
DIMMED = ((2, 3),), ((2, 1, 3),), ((1, 3),)
DIMS = ({"dim": 0}, {"dim": -1}, {"dim": 1, "keepdim": True})
# reductions over at least two elements, so var/std have degrees of freedom left
SPREAD = ((2, 3),), ((3, 2, 2),)
# (0, 3) reduced over its non-empty dimension, 0-d over its only one
EMPTY_ROWS = (((0, 3),),)
SCALAR = (((),),)
SCALAR_DIMS = ({"dim": 0}, {"dim": -1, "keepdim": True})

# ties and zeros, where the gradient is pinned against torch's
TIES_1D = (([1.0, 3.0, 3.0, 2.0],), ([2.0, 2.0, 2.0],), ([-1.0, 5.0, 0.5],))
TIES_2D = (([[3.0, 3.0, 1.0], [2.0, 5.0, 5.0]],), ([[1.0, 1.0, 1.0], [1.0, 0.0, 1.0]],))
ZEROS_1D = (([0.0, 2.0, 3.0],), ([0.0, 0.0, 2.0],), ([2.0, 0.5, 3.0],), ([0.0],))
ZEROS_2D = (([[0.0, 2.0, 3.0], [0.0, 0.0, 2.0]],), ([[0.0, 0.5, 0.0], [2.0, 0.0, 4.0]],))
ZEROS_ROW = (
    ([0.0, 2.0, 3.0, 4.0],),
    ([2.0, 0.0, 0.5, 0.0],),
    ([0.0, 0.0, 2.0, 3.0],),
    ([1.5, 2.0, 0.0, 4.0],),
    ([2.0, 3.0, 0.5, 4.0],),
)


def _reduction(name, fn, shapes=DIMMED, kwargs=DIMS, **extra):
    return OpSpec(name, fn, shapes, kwargs_variants=kwargs, **extra)


OPS: list = [
    # --- prod ---------------------------------------------------------------------------
    OpSpec("prod", lambda m, x: m.prod(x), (*NONEMPTY, ((0, 3),)), exact_vals=ZEROS_1D + ZEROS_2D),
    OpSpec("prod_method", lambda m, x: x.prod(), FEW_UNARY, exact_vals=ZEROS_2D),
    _reduction("prod_dim", lambda m, x, **kw: m.prod(x, **kw), exact_vals=ZEROS_2D),
    _reduction("prod_dim_method", lambda m, x, **kw: x.prod(**kw), exact_vals=ZEROS_2D),
    OpSpec("prod_dim_positional", lambda m, x: x.prod(1, True), DIMMED),
    _reduction("prod_dim_empty", lambda m, x, **kw: x.prod(**kw), EMPTY_ROWS, ({"dim": 1},)),
    _reduction("prod_dim_scalar", lambda m, x, **kw: x.prod(**kw), SCALAR, SCALAR_DIMS),
    OpSpec(
        "prod_dtype",
        lambda m, x: m.prod(x, 1, dtype=m.float32),
        (((2, 3),),),
        second_order=False,  # float32 intermediates: rounding differs from torch's at 1e-7
        finite_differences=False,
    ),
    # --- var, std, var_mean, std_mean ---------------------------------------------------
    OpSpec("var", lambda m, x: m.var(x), (((4,),),) + SPREAD),
    OpSpec("var_method", lambda m, x: x.var(), SPREAD),
    _reduction(
        "var_dim",
        lambda m, x, **kw: m.var(x, **kw),
        SPREAD,
        (
            {"dim": 1},
            {"dim": -1, "keepdim": True},
            {"dim": (0, 1)},
            {"dim": (0, -1), "keepdim": True},
            {"dim": 0, "correction": 0},
            {"dim": 1, "correction": 0.5, "keepdim": True},
            {"correction": 2},
            {"dim": 1, "unbiased": False},
            {"dim": (0, 1), "unbiased": True, "keepdim": True},
        ),
    ),
    OpSpec("var_positional", lambda m, x: x.var(1, False, True), SPREAD),
    OpSpec("var_unbiased_positional", lambda m, x: x.var(False), SPREAD),
    _reduction(
        "var_empty",
        lambda m, x, **kw: m.var(x, **kw),
        EMPTY_ROWS,
        ({"dim": 1}, {"dim": 0, "correction": 0}),
        finite_differences=False,
    ),
    OpSpec("var_scalar", lambda m, x: m.var(x, correction=0), SCALAR),
    OpSpec("std", lambda m, x: m.std(x), (((4,),),) + SPREAD, exact_vals=(([2.0, 2.0, 2.0],),)),
    OpSpec("std_method", lambda m, x: x.std(), SPREAD),
    _reduction(
        "std_dim",
        lambda m, x, **kw: m.std(x, **kw),
        SPREAD,
        (
            {"dim": 1},
            {"dim": -1, "keepdim": True},
            {"dim": (0, 1)},
            {"dim": 0, "correction": 0},
            {"dim": 1, "unbiased": False, "keepdim": True},
        ),
        exact_vals=(([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]],),),
    ),
    OpSpec("std_positional", lambda m, x: x.std(0, True, True), SPREAD),
    _reduction(
        "var_mean_var",
        lambda m, x, **kw: m.var_mean(x, **kw)[0],
        SPREAD,
        ({}, {"dim": 1}, {"dim": (0, 1), "correction": 0, "keepdim": True}),
    ),
    _reduction(
        "var_mean_mean",
        lambda m, x, **kw: m.var_mean(x, **kw)[1],
        SPREAD,
        ({}, {"dim": 1}, {"dim": -1, "keepdim": True}),
    ),
    OpSpec("var_mean_both", lambda m, x: (lambda v, mu: v * mu)(*m.var_mean(x, 0)), SPREAD),
    _reduction(
        "std_mean_std",
        lambda m, x, **kw: m.std_mean(x, **kw)[0],
        SPREAD,
        ({}, {"dim": 1, "unbiased": False}),
    ),
    OpSpec("std_mean_both", lambda m, x: (lambda s, mu: s + mu)(*m.std_mean(x, 1)), SPREAD),
    # --- max, min -----------------------------------------------------------------------
    OpSpec("max", lambda m, x: m.max(x), NONEMPTY, exact_vals=TIES_1D + TIES_2D),
    OpSpec("max_method", lambda m, x: x.max(), FEW_UNARY[:3], exact_vals=TIES_2D),
    _reduction("max_dim", lambda m, x, **kw: m.max(x, **kw).values, exact_vals=TIES_2D),
    _reduction("max_dim_method_index", lambda m, x, **kw: x.max(**kw)[0], exact_vals=TIES_2D),
    OpSpec("max_dim_unpack", lambda m, x: (lambda v, i: v)(*m.max(x, -1, True)), DIMMED),
    _reduction("max_dim_empty", lambda m, x, **kw: x.max(**kw).values, EMPTY_ROWS, ({"dim": 1},)),
    _reduction("max_dim_scalar", lambda m, x, **kw: x.max(**kw).values, SCALAR, SCALAR_DIMS),
    OpSpec("max_binary", lambda m, a, b: m.max(a, b), FEW_BINARY),
    OpSpec("max_binary_method", lambda m, a, b: a.max(b), FEW_BINARY),
    OpSpec("min", lambda m, x: m.min(x), NONEMPTY, exact_vals=TIES_1D + TIES_2D),
    OpSpec("min_method", lambda m, x: x.min(), FEW_UNARY[:3], exact_vals=TIES_2D),
    _reduction("min_dim", lambda m, x, **kw: m.min(x, **kw).values, exact_vals=TIES_2D),
    _reduction("min_dim_method_index", lambda m, x, **kw: x.min(**kw)[0], exact_vals=TIES_2D),
    _reduction("min_dim_empty", lambda m, x, **kw: x.min(**kw).values, EMPTY_ROWS, ({"dim": 1},)),
    _reduction("min_dim_scalar", lambda m, x, **kw: x.min(**kw).values, SCALAR, SCALAR_DIMS),
    OpSpec("min_binary", lambda m, a, b: m.min(a, b), FEW_BINARY),
    # --- amax, amin, aminmax ------------------------------------------------------------
    _reduction(
        "amax",
        lambda m, x, **kw: m.amax(x, **kw),
        kwargs=({}, {"dim": 1}, {"dim": (0, -1)}, {"dim": -1, "keepdim": True}, {"dim": ()}),
        exact_vals=TIES_2D,
    ),
    _reduction(
        "amax_method",
        lambda m, x, **kw: x.amax(**kw),
        kwargs=({"dim": 0}, {"dim": (1, 0), "keepdim": True}),
        exact_vals=TIES_2D,
    ),
    _reduction(
        "amax_empty", lambda m, x, **kw: x.amax(**kw), EMPTY_ROWS, ({"dim": 1}, {"dim": -1})
    ),
    _reduction("amax_scalar", lambda m, x, **kw: x.amax(**kw), SCALAR, ({}, *SCALAR_DIMS)),
    _reduction(
        "amin",
        lambda m, x, **kw: m.amin(x, **kw),
        kwargs=({}, {"dim": 0}, {"dim": (0, 1), "keepdim": True}),
        exact_vals=TIES_2D,
    ),
    _reduction("amin_method", lambda m, x, **kw: x.amin(**kw), kwargs=({"dim": -1},)),
    _reduction(
        "aminmax_min",
        lambda m, x, **kw: m.aminmax(x, **kw).min,
        kwargs=({}, {"dim": 1}, {"dim": 0, "keepdim": True}),
        exact_vals=TIES_2D,
    ),
    _reduction(
        "aminmax_max",
        lambda m, x, **kw: x.aminmax(**kw)[1],
        kwargs=({}, {"dim": -1}),
        exact_vals=TIES_2D,
    ),
    OpSpec("aminmax_both", lambda m, x: (lambda lo, hi: lo * hi)(*m.aminmax(x, dim=0)), DIMMED),
    # --- cumsum, cumprod ----------------------------------------------------------------
    _reduction(
        "cumsum",
        lambda m, x, **kw: m.cumsum(x, **kw),
        (((),),) + DIMMED + (((0, 3),), ((4,),)),
        ({"dim": 0}, {"dim": -1}),
    ),
    OpSpec("cumsum_method", lambda m, x: x.cumsum(1), DIMMED),
    OpSpec(
        "cumsum_dtype",
        lambda m, x: m.cumsum(x, 0, dtype=m.float32),
        (((4,),), ((2, 3),)),
        finite_differences=False,
    ),
    _reduction(
        "cumprod",
        lambda m, x, **kw: m.cumprod(x, **kw),
        (((),),) + DIMMED + (((0, 3),), ((4,),)),
        ({"dim": 0}, {"dim": -1}),
        exact_vals=ZEROS_ROW,
    ),
    OpSpec(
        "cumprod_method",
        lambda m, x: x.cumprod(1),
        DIMMED,
        exact_vals=ZEROS_2D + (([[0.0, 2.0, 0.0, 4.0], [3.0, 0.5, 0.0, 2.0]],),),
    ),
    OpSpec(
        "cumprod_dim0", lambda m, x: x.cumprod(0), (((3, 2),), ((4, 1, 2),)), exact_vals=ZEROS_2D
    ),
    OpSpec(
        "cumprod_dtype",
        lambda m, x: m.cumprod(x, 1, dtype=m.float32),
        (((2, 3),),),
        finite_differences=False,
    ),
]
