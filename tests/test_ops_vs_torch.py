"""The torch oracle: every case of the op table, run on npgrad and on torch and compared."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import npgrad
from helpers import (
    F32_TOL,
    assert_same_grads,
    assert_same_tensor,
    check_against_torch,
    grad_fn_name,
    leaves,
    make_arrays,
    seed_for,
)
from op_spec import KINK_MARGIN
from op_table import OPS, cases

CASES = cases()
SECOND_ORDER = [c for c in CASES if c.spec.second_order]
EXACT = [
    pytest.param(spec, values, kwargs, id=f"{spec.name}-{i}-{kwargs}".replace(" ", ""))
    for spec in OPS
    for i, values in enumerate(spec.exact_vals)
    for kwargs in spec.kwargs_variants
]


def _check(case, passes, dtype=np.float64, tol=None):
    spec = case.spec
    seed = seed_for(case.id)
    arrays = make_arrays(
        case.shapes,
        low=spec.low,
        high=spec.high,
        kinks=spec.kinks,
        margin=KINK_MARGIN,
        seed=seed,
        dtype=dtype,
    )
    check_against_torch(spec.name, spec.fn, arrays, case.kwargs, passes=passes, tol=tol, seed=seed)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_op_values(case):
    _check(case, ("value",))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_op_grad_fn_name(case):
    _check(case, ("grad_fn",))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_op_grads(case):
    _check(case, ("grad",))


@pytest.mark.parametrize("case", SECOND_ORDER, ids=lambda c: c.id)
def test_op_second_derivatives(case):
    _check(case, ("gradgrad",))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_op_float32(case):
    _check(case, ("value", "grad"), dtype=np.float32, tol=F32_TOL)


@pytest.mark.parametrize(("spec", "values", "kwargs"), EXACT)
def test_op_exact_values_at_kinks(spec, values, kwargs):
    arrays = [np.array(v, dtype=np.float64) for v in values]
    check_against_torch(
        spec.name,
        spec.fn,
        arrays,
        kwargs,
        passes=("value", "grad"),
        tol={"rtol": 1e-12, "atol": 0},
        seed=seed_for(spec.name, values),
    )


def test_table_has_every_required_op():
    names = {spec.name for spec in OPS}
    required = {
        "add",
        "sub",
        "mul",
        "div",
        "neg",
        "pow_number",
        "pow_tensor",
        "rpow_number",
        "exp",
        "log",
        "sin",
        "cos",
        "tanh",
        "sigmoid",
        "relu",
        "sqrt",
        "abs",
        "matmul",
        "mm",
        "mv",
        "dot",
        "bmm",
        "sum",
        "sum_dim",
        "mean",
        "mean_dim",
        "reshape",
        "view",
        "transpose",
        "T",
        "mT",
        "permute",
        "unsqueeze",
        "squeeze",
        "squeeze_dim",
        "expand",
        "flatten",
        "clone",
        "double",
        "to_float32",
        "where",
        "clamp",
        "getitem_int",
        "getitem_slice",
        "getitem_none",
        "getitem_ellipsis",
        "getitem_list",
        "getitem_tensor",
        "getitem_mask",
        "getitem_combo",
    }
    assert required <= names, f"missing from the op table: {sorted(required - names)}"


def test_table_shapes_cover_scalars_and_empty_tensors():
    all_shapes = [s for c in CASES for s in c.shapes]
    assert () in all_shapes
    assert any(0 in s for s in all_shapes)
    assert any(1 in s for s in all_shapes)


# --- type promotion, run in both libraries -------------------------------------------------
def _f32(m, shape=(2, 3)):
    return m.tensor(np.linspace(-1.0, 1.0, int(np.prod(shape))).reshape(shape).astype(np.float32))


def _int(m, dtype_name="int64", values=(1, 2, 3)):
    return m.tensor(list(values), dtype=getattr(m, dtype_name))


PROMOTION = {
    "f32 * f64 0-d tensor": lambda m: _f32(m) * m.tensor(2.0, dtype=m.float64),
    "f64 0-d tensor * f32": lambda m: m.tensor(2.0, dtype=m.float64) * _f32(m),
    "f32 * f64 1-d tensor": lambda m: _f32(m) * m.tensor([1.0, 2.0, 3.0], dtype=m.float64),
    "f32 + python int": lambda m: _f32(m) + 1,
    "f32 * python float": lambda m: _f32(m) * 2.5,
    "python float / f32": lambda m: 2.5 / (_f32(m) + 2),
    "int * python float": lambda m: _int(m) * 2.5,
    "int + python int": lambda m: _int(m) + 3,
    "int / int": lambda m: _int(m) / _int(m, values=(2, 4, 5)),
    "int / python int": lambda m: _int(m) / 2,
    "int32 / int32": lambda m: _int(m, "int32") / _int(m, "int32", (2, 4, 5)),
    "int32 + int64 0-d": lambda m: _int(m, "int32") + m.tensor(5),
    "int32 + int64 1-d": lambda m: _int(m, "int32") + _int(m),
    "int + f32 tensor": lambda m: _int(m) + _f32(m, (3,)),
    "int64 + f32 0-d tensor": lambda m: _int(m) + m.tensor(1.5, dtype=m.float32),
    "f32 / int": lambda m: _f32(m, (3,)) / _int(m),
    "bool + int": lambda m: m.tensor([True, False, True]) + _int(m),
    "bool * python float": lambda m: m.tensor([True, False, True]) * 1.5,
    "bool + bool": lambda m: m.tensor([True, False, True]) + m.tensor([True, True, False]),
    "int ** 2": lambda m: _int(m) ** 2,
    "int ** 0.5": lambda m: _int(m) ** 0.5,
    "2 ** int": lambda m: 2 ** _int(m),
    "2.5 ** int": lambda m: 2.5 ** _int(m),
    "int ** f32 tensor": lambda m: _int(m) ** _f32(m, (3,)),
    "f32 ** f64 0-d tensor": lambda m: (_f32(m) + 2) ** m.tensor(2.0, dtype=m.float64),
    "exp(int)": lambda m: m.exp(_int(m)),
    "sqrt(int32)": lambda m: m.sqrt(_int(m, "int32")),
    "sigmoid(int)": lambda m: m.sigmoid(_int(m)),
    "abs(int)": lambda m: m.abs(-_int(m)),
    "neg(int32)": lambda m: -_int(m, "int32"),
    "relu(int)": lambda m: m.relu(_int(m) - 2),
    "sum(int32)": lambda m: _int(m, "int32").sum(),
    "sum(bool)": lambda m: m.tensor([True, False, True]).sum(),
    "sum(f32, dim)": lambda m: _f32(m).sum(0),
    "mean(f32)": lambda m: _f32(m).mean(),
    "where f32 / f64": lambda m: m.where(
        _f32(m, (3,)) > 0, _f32(m, (3,)), m.tensor([1.0, 2.0, 3.0], dtype=m.float64)
    ),
    "where f32 / python float": lambda m: m.where(_f32(m) > 0, _f32(m), 2.5),
    "where int / python float": lambda m: m.where(_int(m) > 1, _int(m), 2.5),
    "clamp(int, float bound)": lambda m: m.clamp(_int(m), min=1.5),
    "clamp(int, int bound)": lambda m: m.clamp(_int(m), max=2),
    "matmul f32": lambda m: _f32(m) @ _f32(m, (3, 2)),
    "int matmul": lambda m: _int(m) @ _int(m),
    "int[index]": lambda m: _int(m)[m.tensor([0, 0])],
    "f32.double()": lambda m: _f32(m).double(),
    "int.to(f32)": lambda m: _int(m).to(m.float32),
}


@pytest.mark.parametrize("name", PROMOTION)
def test_type_promotion(name):
    fn = PROMOTION[name]
    expected, actual = fn(torch), fn(npgrad)
    assert_same_tensor(actual, expected, f"promotion {name!r}", rtol=1e-6, atol=1e-6)


MIXED_GRADS = {
    "f32 * f64 0-d": (lambda m, x, y: x * y, [(2, 3), ()], ["float32", "float64"]),
    "f64 0-d + f32": (lambda m, x, y: y + x, [(2, 3), ()], ["float32", "float64"]),
    "f32 / f64 0-d": (lambda m, x, y: x / y, [(3,), ()], ["float32", "float64"]),
    "f32 ** f64 0-d": (lambda m, x, y: x**y, [(3,), ()], ["float32", "float64"]),
    "f32 * f64 1-d": (lambda m, x, y: x * y, [(2, 3), (3,)], ["float32", "float64"]),
    "f16 + f32": (lambda m, x, y: x + y, [(3,), (2, 3)], ["float16", "float32"]),
    "where f32 / f64 0-d": (
        lambda m, x, y: m.where(x > 1, x, y),
        [(3,), ()],
        ["float32", "float64"],
    ),
    "f32.double()": (lambda m, x, y: x.double() * y, [(3,), (3,)], ["float32", "float64"]),
    "f64.float()": (lambda m, x, y: x.float() * y, [(3,), (3,)], ["float64", "float32"]),
}


@pytest.mark.parametrize("name", MIXED_GRADS)
def test_mixed_dtype_grads_have_input_dtypes(name):
    fn, shapes, dtypes = MIXED_GRADS[name]
    arrays = [
        a.astype(d)
        for a, d in zip(make_arrays(shapes, low=0.5, high=2.0, seed=seed_for(name)), dtypes)
    ]
    results = {}
    for m in (torch, npgrad):
        xs = leaves(m, arrays)
        out = fn(m, *xs)
        w = m.tensor(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)))
        (out * w.to(out.dtype)).sum().backward()
        results[m] = (out, [x.grad for x in xs])
    out_t, grads_t = results[torch]
    out_n, grads_n = results[npgrad]
    assert_same_tensor(out_n, out_t, f"{name} [value]", rtol=1e-3, atol=1e-3)
    assert_same_grads(grads_n, grads_t, f"{name} [grad]", {"rtol": 1e-3, "atol": 1e-3})


def test_ops_on_int_tensors_record_no_graph():
    for m in (torch, npgrad):
        x = _int(m)
        assert not x.requires_grad
        assert (x * 2.5).grad_fn is None
        assert grad_fn_name(x / 2) is None
