"""The op table: one ``OpSpec`` per op (see ``op_spec``), shared by the torch oracle, the
finite-difference checks and the property tests.

The core ops are listed here; each op family has its own table file (``op_table_*.py``),
and ``OPS`` is all of them.
"""

from __future__ import annotations

import op_table_conv
import op_table_elementwise
import op_table_linalg
import op_table_nn
import op_table_reduction
import op_table_shape
from op_spec import (
    BATCHED,
    BINARY,
    FEW_BINARY,
    FEW_UNARY,
    INDEXED,
    INDEXED_3D,
    MATRIX,
    SIX,
    UNARY,
    Case,
    OpSpec,
    _as_tensors,
)

CORE_OPS = [
    # --- arithmetic ---------------------------------------------------------------------
    OpSpec(
        "add",
        lambda m, x, y, **kw: m.add(x, y, **kw),
        FEW_BINARY,
        kwargs_variants=({}, {"alpha": 2.5}, {"alpha": -1}),
    ),
    OpSpec("add_operator", lambda m, x, y: x + y, BINARY),
    OpSpec("add_number", lambda m, x: x + 1.5, FEW_UNARY),
    OpSpec("radd_number", lambda m, x: 2 + x, FEW_UNARY),
    OpSpec("add_number_alpha", lambda m, x: m.add(x, 3.0, alpha=0.5), FEW_UNARY),
    OpSpec(
        "sub",
        lambda m, x, y, **kw: m.sub(x, y, **kw),
        FEW_BINARY,
        kwargs_variants=({}, {"alpha": 2.5}, {"alpha": -1}),
    ),
    OpSpec("sub_method_alpha", lambda m, x, y: x.sub(y, alpha=0.5), BINARY[:6]),
    OpSpec("sub_operator", lambda m, x, y: x - y, BINARY),
    OpSpec("sub_number", lambda m, x: x - 1.5, FEW_UNARY),
    OpSpec("rsub_number", lambda m, x: 2.5 - x, FEW_UNARY),
    OpSpec("mul", lambda m, x, y: m.mul(x, y), BINARY),
    OpSpec("mul_operator", lambda m, x, y: x * y, FEW_BINARY),
    OpSpec("mul_number", lambda m, x: x * 2.5, FEW_UNARY),
    OpSpec("rmul_number", lambda m, x: 3 * x, FEW_UNARY),
    OpSpec("mul_same_input", lambda m, x: x * x, UNARY),
    OpSpec("div", lambda m, x, y: m.div(x, y), BINARY, kinks=(0.0,)),
    OpSpec("div_operator", lambda m, x, y: x / y, FEW_BINARY, kinks=(0.0,)),
    OpSpec("div_number", lambda m, x: x / 2.5, FEW_UNARY),
    OpSpec("rdiv_number", lambda m, x: 2.5 / x, FEW_UNARY, kinks=(0.0,)),
    OpSpec("neg", lambda m, x: m.neg(x), UNARY),
    OpSpec("neg_operator", lambda m, x: -x, FEW_UNARY),
    OpSpec(
        "pow_number",
        lambda m, x, exponent: x**exponent,
        FEW_UNARY,
        kinks=(0.0,),
        kwargs_variants=(
            {"exponent": 2},
            {"exponent": 3},
            {"exponent": -2},
            {"exponent": 0},
            {"exponent": 1},
            {"exponent": 2.0},
        ),
        exact_vals=(([-1.0, 0.0, 2.0],),),
    ),
    OpSpec(
        "pow_fractional",
        lambda m, x, exponent: m.pow(x, exponent),
        FEW_UNARY,
        low=0.5,
        kwargs_variants=({"exponent": 0.5}, {"exponent": -1.5}, {"exponent": 2.5}),
        exact_vals=(([0.0, 1.0, 4.0],),),
    ),
    OpSpec(
        "pow_tensor",
        lambda m, x, y: x**y,
        BINARY,
        low=0.5,
        exact_vals=(([0.0, 0.0, 0.0, 2.0], [2.0, 0.0, 1.0, 0.0]),),
    ),
    OpSpec("pow_tensor_function", lambda m, x, y: m.pow(x, y), FEW_BINARY, low=0.5),
    OpSpec("rpow_number", lambda m, x: 2.5**x, FEW_UNARY),
    OpSpec("pow_number_base", lambda m, x: m.pow(1.5, x), FEW_UNARY),
    # torch's second derivative of 0 ** x is NaN although 0 ** x is constant for x > 0.
    OpSpec(
        "rpow_zero_base",
        lambda m, x: 0.0**x,
        FEW_UNARY,
        low=0.5,
        second_order=False,
        exact_vals=(([0.0, 1.0, 2.0],),),
    ),
    # --- pointwise ----------------------------------------------------------------------
    OpSpec("exp", lambda m, x: m.exp(x), UNARY),
    OpSpec("exp_method", lambda m, x: x.exp(), FEW_UNARY),
    OpSpec("log", lambda m, x: m.log(x), UNARY, low=0.5, high=3.0),
    OpSpec("log_method", lambda m, x: x.log(), FEW_UNARY, low=0.5, high=3.0),
    OpSpec("sin", lambda m, x: m.sin(x), UNARY, low=-3.0, high=3.0),
    OpSpec("cos", lambda m, x: m.cos(x), UNARY, low=-3.0, high=3.0),
    OpSpec("tanh", lambda m, x: m.tanh(x), UNARY, low=-3.0, high=3.0),
    OpSpec("sigmoid", lambda m, x: m.sigmoid(x), UNARY, low=-4.0, high=4.0),
    OpSpec("sigmoid_method", lambda m, x: x.sigmoid(), FEW_UNARY),
    OpSpec("relu", lambda m, x: m.relu(x), UNARY, kinks=(0.0,), exact_vals=(([-1.0, 0.0, 1.0],),)),
    OpSpec("relu_method", lambda m, x: x.relu(), FEW_UNARY, kinks=(0.0,)),
    OpSpec(
        "sqrt", lambda m, x: m.sqrt(x), UNARY, low=0.5, high=3.0, exact_vals=(([0.0, 1.0, 4.0],),)
    ),
    OpSpec("abs", lambda m, x: m.abs(x), UNARY, kinks=(0.0,), exact_vals=(([-1.0, 0.0, 1.0],),)),
    OpSpec("abs_method", lambda m, x: x.abs(), FEW_UNARY, kinks=(0.0,)),
    OpSpec("abs_builtin", lambda m, x: abs(x), FEW_UNARY, kinks=(0.0,)),
    OpSpec(
        "clamp",
        lambda m, x, **kw: m.clamp(x, **kw),
        FEW_UNARY,
        kinks=(-0.5, 0.5),
        kwargs_variants=(
            {"min": -0.5, "max": 0.5},
            {"min": -0.5},
            {"max": 0.5},
            {"min": 0.5, "max": -0.5},
        ),
        exact_vals=(([-1.0, -0.5, 0.0, 0.5, 1.0],),),
    ),
    OpSpec("clamp_method", lambda m, x: x.clamp(-0.5, 0.5), FEW_UNARY, kinks=(-0.5, 0.5)),
    OpSpec("clip", lambda m, x: m.clip(x, max=0.5), FEW_UNARY, kinks=(0.5,)),
    OpSpec("where", lambda m, x, y: m.where(x > 0, x, y), BINARY, kinks=(0.0,)),
    OpSpec(
        "where_other_condition", lambda m, x, y: m.where(y > 0, x, 2 * x), FEW_BINARY, kinks=(0.0,)
    ),
    OpSpec("where_number", lambda m, x: m.where(x > 0, x, 0.5), FEW_UNARY, kinks=(0.0,)),
    OpSpec("where_number_first", lambda m, x: m.where(x > 0, -1.5, x), FEW_UNARY, kinks=(0.0,)),
    # --- linear algebra -----------------------------------------------------------------
    OpSpec(
        "matmul",
        lambda m, a, b: m.matmul(a, b),
        (
            ((3,), (3,)),
            ((2, 3), (3,)),
            ((3,), (3, 2)),
            ((2, 3), (3, 4)),
            ((1, 3), (3, 1)),
            ((2, 2, 3), (2, 3, 4)),
            ((2, 1, 3, 4), (5, 4, 2)),
            ((1, 2, 3), (3, 2)),
            ((3, 4), (2, 4, 2)),
            ((3,), (2, 3, 4)),
            ((2, 4, 3), (3,)),
            ((0, 3), (3, 2)),
            ((2, 0), (0, 3)),
            ((2, 3), (3, 0)),
            ((0,), (0,)),
        ),
    ),
    OpSpec(
        "matmul_operator",
        lambda m, a, b: a @ b,
        (
            ((3,), (3,)),
            ((2, 3), (3, 4)),
            ((2, 1, 3, 4), (5, 4, 2)),
            ((3,), (2, 3, 4)),
            ((2, 4, 3), (3,)),
        ),
    ),
    OpSpec("matmul_method", lambda m, a, b: a.matmul(b), (((2, 3), (3,)), ((3,), (3, 2)))),
    OpSpec(
        "mm",
        lambda m, a, b: m.mm(a, b),
        (((2, 3), (3, 4)), ((1, 1), (1, 1)), ((0, 3), (3, 2)), ((2, 0), (0, 3))),
    ),
    OpSpec("mm_method", lambda m, a, b: a.mm(b), (((2, 3), (3, 1)),)),
    OpSpec("mv", lambda m, a, b: m.mv(a, b), (((2, 3), (3,)), ((1, 1), (1,)), ((0, 2), (2,)))),
    OpSpec("dot", lambda m, a, b: m.dot(a, b), (((3,), (3,)), ((1,), (1,)), ((0,), (0,)))),
    OpSpec("dot_method", lambda m, a, b: a.dot(b), (((4,), (4,)),)),
    OpSpec(
        "bmm",
        lambda m, a, b: m.bmm(a, b),
        (((2, 3, 4), (2, 4, 2)), ((1, 1, 3), (1, 3, 1)), ((0, 2, 3), (0, 3, 2))),
    ),
    OpSpec("bmm_method", lambda m, a, b: a.bmm(b), (((2, 1, 3), (2, 3, 2)),)),
    # --- reductions ---------------------------------------------------------------------
    OpSpec("sum", lambda m, x: m.sum(x), UNARY),
    OpSpec("sum_method", lambda m, x: x.sum(), FEW_UNARY),
    OpSpec(
        "sum_dim",
        lambda m, x, **kw: x.sum(**kw),
        (((2, 3),), ((2, 1, 3),), ((0, 3),)),
        kwargs_variants=({"dim": 1}, {"dim": -1, "keepdim": True}, {"dim": (0, 1)}),
    ),
    OpSpec(
        "sum_dim_function",
        lambda m, x, **kw: m.sum(x, **kw),
        (((2, 1, 3),), ((1, 3),), ((0, 3),)),
        kwargs_variants=(
            {"dim": 0},
            {"dim": -1},
            {"dim": 1, "keepdim": True},
            {"dim": (0, 1)},
            {"dim": (-1, 0)},
            {"dim": (0, -1), "keepdim": True},
            {"dim": -2, "keepdim": False},
            {"dim": ()},
        ),
    ),
    OpSpec("sum_dim_positional", lambda m, x: x.sum(1, True), (((2, 3),), ((0, 3),))),
    OpSpec(
        "sum_dim_scalar",
        lambda m, x, **kw: x.sum(**kw),
        (((),),),
        kwargs_variants=({"dim": 0}, {"dim": -1, "keepdim": True}, {"dim": (0,)}),
    ),
    OpSpec("mean", lambda m, x: m.mean(x), UNARY),
    OpSpec("mean_method", lambda m, x: x.mean(), FEW_UNARY),
    OpSpec(
        "mean_dim",
        lambda m, x, **kw: m.mean(x, **kw),
        (((2, 1, 3),), ((1, 3),), ((0, 3),)),
        kwargs_variants=(
            {"dim": 0},
            {"dim": -1},
            {"dim": 1, "keepdim": True},
            {"dim": (0, 1)},
            {"dim": (-1, 0)},
            {"dim": (0, -1), "keepdim": True},
        ),
    ),
    OpSpec("mean_dim_method", lambda m, x: x.mean(-1, keepdim=True), (((2, 3),), ((2, 1, 3),))),
    # the softmax family and the classification losses
    OpSpec(
        "log_softmax",
        lambda m, x, dim: m.log_softmax(x, dim),
        (((4,),), ((2, 3),), ((2, 1, 3),), ((0, 3),)),
        kwargs_variants=({"dim": -1}, {"dim": 0}),
    ),
    OpSpec("log_softmax_method", lambda m, x: x.log_softmax(1), (((2, 3),),)),
    OpSpec(
        "softmax",
        lambda m, x, dim: m.softmax(x, dim),
        (((4,),), ((2, 3),), ((2, 1, 3),)),
        kwargs_variants=({"dim": -1}, {"dim": 0}),
    ),
    OpSpec(
        "logsumexp",
        lambda m, x, dim, keepdim: m.logsumexp(x, dim, keepdim=keepdim),
        (((4,),), ((2, 3),), ((2, 1, 3),)),
        kwargs_variants=({"dim": -1, "keepdim": False}, {"dim": 0, "keepdim": True}),
    ),
    OpSpec(
        "logsumexp_dims",
        lambda m, x, keepdim: m.logsumexp(x, (0, -1), keepdim=keepdim),
        (((2, 3),), ((2, 1, 3),)),
        kwargs_variants=({"keepdim": False}, {"keepdim": True}),
    ),
    OpSpec(
        "cross_entropy",
        lambda m, x, reduction: m.nn.functional.cross_entropy(
            x, m.tensor([0, 3, 1, 3, 2][: x.shape[0]]), reduction=reduction
        ),
        (((3, 4),), ((5, 4),), ((1, 4),)),
        kwargs_variants=({"reduction": "mean"}, {"reduction": "sum"}, {"reduction": "none"}),
    ),
    OpSpec(
        "nll_loss",
        lambda m, x, reduction: m.nn.functional.nll_loss(
            x, m.tensor([2, 0, 2]), reduction=reduction
        ),
        (((3, 4),),),
        kwargs_variants=({"reduction": "mean"}, {"reduction": "sum"}, {"reduction": "none"}),
    ),
    OpSpec(
        "mean_dim_scalar",
        lambda m, x, **kw: x.mean(**kw),
        (((),),),
        kwargs_variants=({"dim": 0}, {"dim": -1, "keepdim": True}),
    ),
    # --- shape --------------------------------------------------------------------------
    OpSpec(
        "reshape",
        lambda m, x, shape: x.reshape(shape),
        SIX,
        kwargs_variants=(
            {"shape": (-1,)},
            {"shape": (3, 2)},
            {"shape": (3, -1)},
            {"shape": (1, 6, 1)},
            {"shape": (2, 1, -1)},
        ),
    ),
    OpSpec("reshape_varargs", lambda m, x: x.reshape(3, -1), SIX),
    OpSpec("reshape_function", lambda m, x: m.reshape(x, (-1, 2)), SIX),
    OpSpec(
        "reshape_scalar",
        lambda m, x, shape: x.reshape(shape),
        (((),),),
        kwargs_variants=({"shape": (1,)}, {"shape": (-1,)}, {"shape": (1, 1)}, {"shape": ()}),
    ),
    OpSpec(
        "reshape_empty",
        lambda m, x, shape: x.reshape(shape),
        (((0, 3),),),
        kwargs_variants=({"shape": (-1,)}, {"shape": (3, 0)}, {"shape": (0, 1, 3)}),
    ),
    OpSpec("reshape_noncontiguous", lambda m, x: x.transpose(0, 1).reshape(-1), MATRIX),
    OpSpec(
        "view",
        lambda m, x, shape: x.view(shape),
        SIX,
        kwargs_variants=({"shape": (-1,)}, {"shape": (3, 2)}, {"shape": (6, -1)}),
    ),
    OpSpec("view_varargs", lambda m, x: x.view(-1, 3), SIX),
    OpSpec(
        "transpose", lambda m, x: x.transpose(0, 1), (((2, 3),), ((1, 3),), ((2, 1, 3),), ((0, 3),))
    ),
    OpSpec(
        "transpose_dims",
        lambda m, x, **kw: m.transpose(x, **kw),
        (((2, 3),), ((2, 1, 3),), ((0, 3),)),
        kwargs_variants=({"dim0": 0, "dim1": 1}, {"dim0": -1, "dim1": 0}, {"dim0": 1, "dim1": 1}),
    ),
    OpSpec("transpose_vector", lambda m, x: x.transpose(0, -1), (((3,),), ((),))),
    OpSpec("T", lambda m, x: x.T, (((2, 3),), ((1, 1),), ((3, 1),), ((0, 3),))),
    OpSpec("mT", lambda m, x: x.mT, MATRIX + BATCHED),
    OpSpec(
        "permute",
        lambda m, x, dims: x.permute(*dims),
        (((2, 1, 3),), ((0, 2, 3),)),
        kwargs_variants=({"dims": (2, 0, 1)}, {"dims": (1, 0, 2)}, {"dims": (-1, -3, -2)}),
    ),
    OpSpec(
        "permute_dims",
        lambda m, x, dims: m.permute(x, dims),
        (((2, 1, 3),), ((0, 2, 3),)),
        kwargs_variants=({"dims": (2, 0, 1)}, {"dims": (0, 1, 2)}, {"dims": (-1, -3, -2)}),
    ),
    OpSpec("permute_matrix", lambda m, x: x.permute(1, 0), MATRIX),
    OpSpec(
        "unsqueeze",
        lambda m, x, dim: x.unsqueeze(dim),
        UNARY,
        kwargs_variants=({"dim": 0}, {"dim": -1}),
    ),
    OpSpec(
        "unsqueeze_middle",
        lambda m, x, dim: m.unsqueeze(x, dim),
        (((2, 3),), ((0, 3),), ((2, 1, 3),)),
        kwargs_variants=({"dim": 1}, {"dim": -2}),
    ),
    OpSpec(
        "squeeze",
        lambda m, x: x.squeeze(),
        (((),), ((1,),), ((2, 1, 3),), ((1, 3, 1),), ((2, 3),), ((1, 0, 1),)),
    ),
    OpSpec("squeeze_function", lambda m, x: m.squeeze(x), (((1, 3, 1),),)),
    OpSpec(
        "squeeze_dim",
        lambda m, x, dim: x.squeeze(dim),
        (((1, 3, 1),), ((1, 0, 1),)),
        kwargs_variants=({"dim": 0}, {"dim": -1}, {"dim": 1}),
    ),
    OpSpec(
        "squeeze_dims",
        lambda m, x, dim: x.squeeze(dim),
        (((1, 3, 1),),),
        kwargs_variants=({"dim": (0, -1)}, {"dim": (1,)}),
    ),
    OpSpec(
        "squeeze_dim_scalar",
        lambda m, x, dim: x.squeeze(dim),
        (((),),),
        kwargs_variants=({"dim": 0}, {"dim": -1}),
    ),
    OpSpec(
        "expand",
        lambda m, x, sizes: x.expand(*sizes),
        (((1, 3),),),
        kwargs_variants=(
            {"sizes": (2, 3)},
            {"sizes": (4, 2, 3)},
            {"sizes": (-1, 3)},
            {"sizes": (2, -1)},
            {"sizes": (0, 3)},
            {"sizes": (1, 3)},
        ),
    ),
    OpSpec("expand_tuple", lambda m, x: x.expand((2, 3)), (((1, 3),), ((3,),), ((),))),
    OpSpec(
        "expand_scalar",
        lambda m, x, sizes: x.expand(*sizes),
        (((),),),
        kwargs_variants=({"sizes": (3,)}, {"sizes": (2, 2)}, {"sizes": (1,)}),
    ),
    OpSpec(
        "expand_middle",
        lambda m, x, sizes: x.expand(*sizes),
        (((2, 1, 3),),),
        kwargs_variants=({"sizes": (2, 4, 3)}, {"sizes": (5, -1, 4, -1)}),
    ),
    OpSpec(
        "flatten",
        lambda m, x, **kw: x.flatten(**kw),
        (((2, 1, 3),), ((2, 2, 2),), ((0, 2, 3),)),
        kwargs_variants=(
            {},
            {"start_dim": 1},
            {"start_dim": 0, "end_dim": 1},
            {"start_dim": -2, "end_dim": -1},
        ),
    ),
    OpSpec("flatten_small", lambda m, x: m.flatten(x), (((),), ((3,),), ((1,),))),
    OpSpec("clone", lambda m, x: x.clone(), UNARY),
    OpSpec("clone_function", lambda m, x: m.clone(x), FEW_UNARY),
    OpSpec("double", lambda m, x: x.double(), FEW_UNARY),
    OpSpec("float_double", lambda m, x: x.float().double(), UNARY, finite_differences=False),
    OpSpec("to_float32", lambda m, x: x.to(m.float32), UNARY, finite_differences=False),
    OpSpec(
        "to_dtype_keyword", lambda m, x: x.to(dtype=m.float32), FEW_UNARY, finite_differences=False
    ),
    OpSpec("to_float64", lambda m, x: x.to(m.float64), FEW_UNARY),
    OpSpec("to_other", lambda m, x, y: x.to(y), (((2, 3), (1,)),)),
    # --- indexing -----------------------------------------------------------------------
    OpSpec(
        "getitem_int",
        lambda m, x, index: x[index],
        INDEXED,
        kwargs_variants=({"index": 1}, {"index": -1}, {"index": (1, 2)}, {"index": (-4, 0)}),
    ),
    OpSpec("getitem_int_twice", lambda m, x: x[0][1], INDEXED),
    OpSpec("getitem_int_tensor", lambda m, x: x[m.tensor(2)], INDEXED),
    OpSpec(
        "getitem_slice",
        lambda m, x, index: x[index],
        INDEXED,
        kwargs_variants=(
            {"index": slice(None, None, 2)},
            {"index": slice(1, None)},
            {"index": (slice(1, 3), slice(None, None, 2))},
            {"index": (slice(None), slice(1, 2))},
            {"index": slice(5, None)},
            {"index": (slice(None), slice(None, None, 3))},
            {"index": slice(-3, -1)},
            {"index": slice(None)},
        ),
    ),
    OpSpec(
        "getitem_none",
        lambda m, x, index: x[index],
        INDEXED,
        kwargs_variants=(
            {"index": None},
            {"index": (slice(None), None)},
            {"index": (None, Ellipsis, None)},
            {"index": (1, None)},
        ),
    ),
    OpSpec("getitem_none_scalar", lambda m, x: x[None], (((),),)),
    OpSpec(
        "getitem_ellipsis",
        lambda m, x, index: x[index],
        INDEXED + INDEXED_3D,
        kwargs_variants=(
            {"index": (Ellipsis, 1)},
            {"index": Ellipsis},
            {"index": (Ellipsis, None)},
            {"index": (1, Ellipsis)},
        ),
    ),
    OpSpec(
        "getitem_list",
        lambda m, x, index: x[index],
        INDEXED,
        kwargs_variants=(
            {"index": [0, 0, 2]},
            {"index": ([1, 0, 1], [0, 2, 0])},
            {"index": (slice(None), [1, 1])},
            {"index": [-1, 3, -1]},
        ),
    ),
    OpSpec(
        "getitem_tensor",
        lambda m, x, index: x[_as_tensors(m, index)],
        INDEXED,
        kwargs_variants=(
            {"index": [2, 0, 2, 2]},
            {"index": [[0, 1], [1, 1]]},
            {"index": [-1, 0]},
            {"index": ([1, 1], [2, 2])},
            {"index": (slice(None), [0, 0])},
        ),
    ),
    OpSpec("getitem_empty_tensor", lambda m, x: x[m.tensor([], dtype=m.int64)], INDEXED),
    OpSpec("getitem_mask", lambda m, x: x[x > 0], UNARY, kinks=(0.0,)),
    OpSpec("getitem_mask_rows", lambda m, x: x[m.tensor([True, False, True, True])], INDEXED),
    OpSpec("getitem_mask_from_data", lambda m, x: x[x.sum(1) > 0], INDEXED),
    OpSpec("getitem_mask_all_false", lambda m, x: x[x > 10], INDEXED),
    OpSpec(
        "getitem_combo",
        lambda m, x, index: x[_as_tensors(m, index)],
        INDEXED_3D,
        kwargs_variants=(
            {"index": (1, slice(None, None, 2))},
            {"index": (slice(1, None), [0, 0, 2])},
            {"index": (None, slice(1, 3), [1, 1])},
            {"index": (Ellipsis, [0, 0])},
            {"index": ([0, 2], slice(1, None))},
            {"index": ([0, 0], slice(None), [1, 1])},
            {"index": ([2, 0], None, 1)},
            {"index": (-1, Ellipsis, None, slice(None, None, 2))},
        ),
    ),
    OpSpec(
        "getitem_combo_lists",
        lambda m, x, index: x[index],
        INDEXED_3D,
        kwargs_variants=(
            {"index": (slice(1, None), [0, 0, 2])},
            {"index": ([0, 0], slice(None), [1, 1])},
        ),
    ),
]

OPS = [
    *CORE_OPS,
    *op_table_elementwise.OPS,
    *op_table_reduction.OPS,
    *op_table_shape.OPS,
    *op_table_linalg.OPS,
    *op_table_nn.OPS,
    *op_table_conv.OPS,
]


def cases(specs=None) -> list[Case]:
    """Every (spec, shapes, kwargs) combination of the table, in table order."""
    return [
        Case(spec, shapes, kwargs)
        for spec in (OPS if specs is None else specs)
        for shapes in spec.shapes
        for kwargs in spec.kwargs_variants
    ]


def _check_unique_names() -> None:
    names = [spec.name for spec in OPS]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise ValueError(f"duplicate op names in the table: {sorted(duplicates)}")


_check_unique_names()
