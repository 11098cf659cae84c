"""Linear algebra beyond the op table: tuple results, errors (singular and non-positive-definite
matrices, bad shapes), einsum equations, integer inputs and NumPy calls on tensors, all
compared with torch."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import npgrad
from helpers import check_against_torch, make_arrays, seed_for
from torch_oracle import raises_same, same


def _lib(m):
    """The linalg error type of library ``m``."""
    return m.linalg.LinAlgError


def raises_linalg(fn, *keys):
    """Both libraries raise their LinAlgError (a RuntimeError) with every key in the message."""
    for m in (torch, npgrad):
        with pytest.raises(_lib(m)) as info:
            fn(m)
        assert isinstance(info.value, RuntimeError)
        for key in keys:
            assert key.lower() in str(info.value).lower(), (
                f"{m.__name__}: {key!r} not in {info.value}"
            )


def _t(m, values, requires_grad=True):
    return m.tensor(np.array(values, dtype=np.float64), requires_grad=requires_grad)


SPD = [[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]]
SINGULAR = [[1.0, 2.0], [2.0, 4.0]]
NOT_PD = [[1.0, 2.0], [2.0, 1.0]]


# --- tuple results -----------------------------------------------------------------------------


def test_linalg_error_is_a_runtime_error():
    assert issubclass(npgrad.linalg.LinAlgError, RuntimeError)


@pytest.mark.parametrize("grad", [True, False])
def test_slogdet_named_tuple(grad):
    def body(m):
        a = _t(m, [[[2.0, 1.0], [1.0, -3.0]], [[1.0, 0.0], [0.0, 2.0]]], grad)
        r = m.linalg.slogdet(a)
        return {
            "type": type(r).__name__,
            "sign": r.sign,
            "logabsdet": r.logabsdet,
            "tuple": tuple(r),
            "shared_node": r.sign.grad_fn is r.logabsdet.grad_fn,
            "output_nr": (r.sign.output_nr, r.logabsdet.output_nr),
        }

    same(body)


def test_torch_slogdet_named_tuple():
    def body(m):
        r = m.slogdet(_t(m, SPD))
        return {"type": type(r).__name__, "fields": (r.sign, r.logabsdet), "values": tuple(r)}

    same(body)


def test_slogdet_gradient_through_both_outputs():
    def body(m):
        a = _t(m, [[2.0, 1.0], [1.0, -3.0]])
        sign, logabsdet = m.linalg.slogdet(a)
        (sign * logabsdet * 3).backward()
        return a.grad

    same(body)


def test_slogdet_sign_alone_gives_no_gradient():
    def body(m):
        a = _t(m, [[2.0, 1.0], [1.0, -3.0]])
        sign = m.linalg.slogdet(a).sign
        (sign * 2).sum().backward()
        return a.grad

    same(body)


def test_slogdet_of_singular_matrix():
    same(lambda m: tuple(m.linalg.slogdet(_t(m, SINGULAR))))


@pytest.mark.parametrize("grad", [True, False])
def test_inv_ex_and_cholesky_ex_named_tuples(grad):
    def body(m):
        a = _t(m, [SPD, SPD], grad)
        inv = m.linalg.inv_ex(a)
        chol = m.linalg.cholesky_ex(a, upper=True)
        return {
            "types": (type(inv).__name__, type(chol).__name__),
            "fields": (inv.inverse, inv.info, chol.L, chol.info),
            "inv": tuple(inv),
            "chol": tuple(chol),
        }

    same(body)


def test_inv_ex_info_marks_singular_matrices():
    def body(m):
        info = m.linalg.inv_ex(
            _t(m, [[[1.0, 0.0], [0.0, 1.0]], SINGULAR, [[0.0, 0.0], [0.0, 0.0]]])
        ).info
        return info != 0, info.dtype

    same(body)


def test_cholesky_ex_info_is_the_failing_minor():
    def body(m):
        a = _t(
            m,
            [
                [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
                np.diag([1.0, -1, 1]),
                -np.eye(3),
            ],
        )
        return m.linalg.cholesky_ex(a).info

    same(body)


def test_svd_named_tuple_and_values():
    def body(m):
        a = _t(m, [[3.0, 1.0, 0.0], [1.0, 2.0, 1.0]])
        r = m.linalg.svd(a, full_matrices=False)
        # U and Vh only up to the sign of each singular vector
        return {
            "type": type(r).__name__,
            "S": r.S,
            "shapes": [tuple(x.shape) for x in m.linalg.svd(a)],
            "USVh": (r.U * r.S) @ r.Vh,
        }

    same(body)


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "keys"),
    [
        (lambda m: m.linalg.inv(_t(m, SINGULAR)), ("singular",)),
        (lambda m: m.linalg.inv(_t(m, [np.eye(2), SINGULAR])), ("Batch element 1", "singular")),
        (lambda m: m.inverse(_t(m, SINGULAR)), ("singular",)),
        (lambda m: m.linalg.inv_ex(_t(m, SINGULAR), check_errors=True), ("singular",)),
        (lambda m: m.linalg.solve(_t(m, SINGULAR), _t(m, [1.0, 2.0])), ("singular",)),
        (lambda m: m.linalg.cholesky(_t(m, NOT_PD)), ("positive-definite", "order 2")),
        (lambda m: m.linalg.cholesky(-_t(m, SPD)), ("positive-definite", "order 1")),
        (
            lambda m: m.linalg.cholesky(_t(m, [SPD, SPD, -np.eye(3)])),
            ("Batch element 2", "positive-definite"),
        ),
        (
            lambda m: m.linalg.cholesky_ex(_t(m, NOT_PD), check_errors=True),
            ("positive-definite",),
        ),
    ],
)
def test_linalg_errors(call, keys):
    raises_linalg(call, *keys)


def test_failed_cholesky_leaves_input_unchanged():
    for m in (torch, npgrad):
        a = _t(m, NOT_PD)
        with pytest.raises(RuntimeError):
            m.linalg.cholesky(a)
        np.testing.assert_array_equal(a.detach().numpy(), NOT_PD)
        assert a.grad is None


@pytest.mark.parametrize(
    ("call", "keys"),
    [
        (lambda m: m.linalg.inv(_t(m, np.ones((2, 3)))), ("square", "2 by 3")),
        (lambda m: m.linalg.det(_t(m, [1.0, 2.0])), ("at least 2 dimensions",)),
        (lambda m: m.linalg.cholesky(_t(m, np.ones((3, 2)))), ("square",)),
        (lambda m: m.linalg.slogdet(_t(m, np.ones((1, 2)))), ("square",)),
        (lambda m: m.linalg.inv(m.ones(2, 2, dtype=m.int64)), ("floating point", "Long")),
        (lambda m: m.linalg.vector_norm(m.ones(3, dtype=m.int64)), ("floating point",)),
        (lambda m: m.linalg.solve(_t(m, SPD), _t(m, [1.0, 2.0])), ("Incompatible shapes",)),
        (
            lambda m: m.linalg.solve(_t(m, SPD), _t(m, np.ones((3, 2))), left=False),
            ("Incompatible shapes", "XA = B"),
        ),
        (
            lambda m: m.linalg.solve(_t(m, SPD), m.ones(3, dtype=m.float32)),
            ("same dtype",),
        ),
        (lambda m: m.linalg.matrix_norm(_t(m, SPD), ord=3), ("Order 3 not supported",)),
        (lambda m: m.linalg.matrix_norm(_t(m, [1.0, 2.0])), ("at least 2 dimensions",)),
        (lambda m: m.linalg.matrix_norm(_t(m, SPD), dim=(0,)), ("2-tuple",)),
        (lambda m: m.linalg.norm(_t(m, np.ones((2, 2, 2))), ord=2), ("1D or 2D",)),
        (lambda m: m.linalg.norm(_t(m, SPD), "fro", dim=1), ("2-tuple",)),
        (
            lambda m: m.linalg.vector_norm(_t(m, np.ones((0, 3))), ord=math.inf),
            ("empty", "identity"),
        ),
        (lambda m: m.trace(_t(m, [1.0, 2.0])), ("expected a matrix",)),
        (lambda m: m.outer(_t(m, SPD), _t(m, [1.0])), ("1-D", "self")),
        (lambda m: m.tensordot(_t(m, SPD), _t(m, SPD), dims=-1), ("dims >= 0",)),
        (
            lambda m: m.tensordot(_t(m, SPD), _t(m, SPD), dims=([0, 1], [0])),
            ("same length",),
        ),
        (
            lambda m: m.tensordot(_t(m, np.ones((2, 3))), _t(m, np.ones((2, 3))), dims=1),
            ("contracted dimensions need to match",),
        ),
        (
            lambda m: m.tensordot(_t(m, SPD), m.ones(3, 3, dtype=m.float32)),
            ("same dtype",),
        ),
    ],
)
def test_shape_and_dtype_errors(call, keys):
    raises_same(call, RuntimeError, *keys)


EINSUM_ERRORS = [
    ("ij,jk", [(2, 3), (2, 4)], ("subscript j", "broadcast")),
    ("ij", [(2, 3), (2, 3)], ("more operands",)),
    ("ij,jk", [(2, 3)], ("fewer operands",)),
    ("ij->ii", [(2, 3)], ("appears more than once",)),
    ("ij->k", [(2, 3)], ("does not appear",)),
    ("ii->i", [(2, 3)], ("repeated", "3 != 2")),
    ("i1->i", [(2, 3)], ("invalid subscript",)),
    ("ijk", [(2, 3)], ("number of subscripts", "3", "2")),
]


@pytest.mark.parametrize(("eq", "shapes", "keys"), EINSUM_ERRORS, ids=[e[0] for e in EINSUM_ERRORS])
def test_einsum_errors(eq, shapes, keys):
    raises_same(lambda m: m.einsum(eq, *[m.ones(*s) for s in shapes]), RuntimeError, *keys)


def test_einsum_dtype_mismatch():
    raises_same(
        lambda m: m.einsum("i,i", m.ones(3), m.ones(3, dtype=m.float64)),
        RuntimeError,
        "expected scalar type Float but found Double",
    )


# --- einsum equations ------------------------------------------------------------------------

EQUATIONS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk->ki", [(2, 3), (3, 4)]),
    ("Ab,bC", [(2, 3), (3, 4)]),
    ("ba,ab", [(2, 3), (3, 2)]),
    ("ij,jk,kl,lm->mi", [(2, 3), (3, 4), (4, 2), (2, 3)]),
    ("iij,jkk->ik", [(3, 3, 2), (2, 4, 4)]),
    ("ii,ii->i", [(3, 3), (3, 3)]),
    ("iii->i", [(2, 2, 2)]),
    ("iji->j", [(2, 3, 2)]),
    ("ij,ij->ij", [(2, 3), (1, 3)]),
    ("ij,ij->", [(2, 1), (1, 3)]),
    ("bij,bj->bi", [(2, 3, 4), (2, 4)]),
    ("b...i,...i->b...", [(2, 3, 4), (3, 4)]),
    ("...i,i...->...", [(2, 3), (3, 2)]),
    ("a...b,b...->a...", [(2, 3, 1, 4), (4, 1, 5)]),
    ("i,j,k->ijk", [(2,), (3,), (1,)]),
    ("i,j,k->", [(2,), (3,), (4,)]),
    ("ij,k->jk", [(2, 3), (4,)]),
    ("...", [()]),
    (",->", [(), ()]),
    ("ij->ij", [(0, 3)]),
    ("ij,jk->ik", [(2, 1), (1, 3)]),
    ("ij,jk->ik", [(0, 2), (2, 3)]),
]


@pytest.mark.parametrize(("eq", "shapes"), EQUATIONS, ids=[e[0] for e in EQUATIONS])
def test_einsum_against_torch(eq, shapes):
    arrays = make_arrays(shapes, seed=seed_for(eq, shapes))
    check_against_torch(f"einsum {eq}", lambda m, *xs: m.einsum(eq, *xs), arrays)


def test_einsum_operands_as_list_and_tuple():
    arrays = make_arrays([(2, 3), (3,)], seed=1)
    check_against_torch("einsum list", lambda m, a, b: m.einsum("ij,j", [a, b]), arrays)
    check_against_torch("einsum tuple", lambda m, a, b: m.einsum("ij,j", (a, b)), arrays)


def test_einsum_with_a_constant_operand():
    def body(m):
        a = _t(m, [[1.0, 2.0], [3.0, 4.0]])
        b = _t(m, [0.5, -1.0], requires_grad=False)
        out = m.einsum("ij,j->i", a, b)
        out.sum().backward()
        return out, a.grad, b.grad

    same(body)


@pytest.mark.parametrize(
    "body",
    [
        lambda m: m.einsum("ij,jk", m.ones(2, 3, dtype=m.int64), m.ones(3, 2, dtype=m.int64)),
        lambda m: m.einsum("ij->", m.ones(2, 3, dtype=m.int32)),
        lambda m: m.einsum("i,i->i", m.ones(3, dtype=m.int32), m.ones(3, dtype=m.int32)),
        lambda m: m.trace(m.ones(3, 3, dtype=m.int32)),
        lambda m: m.trace(m.ones(2, 3, dtype=m.float32)),
        lambda m: m.outer(m.ones(3, dtype=m.int32), m.ones(2, dtype=m.int32)),
        lambda m: m.outer(m.ones(3), m.ones(2, dtype=m.float64)),
        lambda m: m.tensordot(m.ones(2, 3, dtype=m.int64), m.ones(3, 2, dtype=m.int64), 1),
    ],
)
def test_integer_and_mixed_dtypes(body):
    same(body)


# --- gradients at special points -------------------------------------------------------------


def test_det_gradient_at_singular_matrices():
    """The cofactor matrix, as torch gives it with create_graph=True (its plain backward
    returns zeros at exactly singular matrices, which is not the derivative)."""

    def body(m):
        a = _t(m, [SINGULAR, [[2.0, 1.0], [1.0, 3.0]], [[1.0, 0.0], [0.0, 0.0]]])
        (g,) = m.autograd.grad(m.linalg.det(a).sum(), a, create_graph=True)
        return g.detach()

    same(body)
    a = npgrad.tensor(SINGULAR, dtype=npgrad.float64, requires_grad=True)
    npgrad.linalg.det(a).backward()
    np.testing.assert_allclose(a.grad.numpy(), [[4.0, -2.0], [-2.0, 1.0]], atol=1e-12)


def test_vector_norm_gradient_at_zero():
    def body(m):
        out = {}
        for ord in (2, 1, 3, 1.5, 0.5, math.inf):
            x = m.zeros(3, dtype=m.float64, requires_grad=True)
            m.linalg.vector_norm(x, ord=ord).backward()
            out[str(ord)] = x.grad
        return out

    same(body)


def test_vector_norm_dtype_argument():
    def body(m):
        x = m.tensor([3.0, -4.0, 1.0], requires_grad=True)
        y = m.linalg.vector_norm(x, dtype=m.float64)
        y.backward()
        return y, x.grad

    same(body)


def test_logdet_of_negative_determinant_is_nan():
    same(lambda m: m.logdet(_t(m, [[0.0, 1.0], [1.0, 0.0]])))


def test_cholesky_upper_reconstructs():
    def body(m):
        a = _t(m, SPD)
        u = m.linalg.cholesky(a, upper=True)
        (u.mT @ u).sum().backward()
        return u, a.grad

    same(body)


def test_nuclear_norm_double_backward():
    arrays = make_arrays([(3, 4)], seed=3)
    check_against_torch("nuc", lambda m, a: m.linalg.matrix_norm(a, "nuc") ** 2, arrays)


# --- NumPy calls on tensors ------------------------------------------------------------------

NUMPY_CALLS = [
    (
        "inv",
        lambda a, b: np.linalg.inv(a @ a.mT + 3 * npgrad.eye(3, dtype=npgrad.float64)),
        lambda a, b: torch.linalg.inv(a @ a.mT + 3 * torch.eye(3, dtype=torch.float64)),
    ),
    ("det", lambda a, b: np.linalg.det(a), lambda a, b: torch.linalg.det(a)),
    ("slogdet", lambda a, b: np.linalg.slogdet(a)[1], lambda a, b: torch.linalg.slogdet(a)[1]),
    (
        "solve_vector",
        lambda a, b: np.linalg.solve(a, b[:, 0]),
        lambda a, b: torch.linalg.solve(a, b[:, 0]),
    ),
    ("solve_matrix", lambda a, b: np.linalg.solve(a, b), lambda a, b: torch.linalg.solve(a, b)),
    (
        "cholesky",
        lambda a, b: np.linalg.cholesky(a @ a.mT + npgrad.eye(3, dtype=npgrad.float64)),
        lambda a, b: torch.linalg.cholesky(a @ a.mT + torch.eye(3, dtype=torch.float64)),
    ),
    ("norm", lambda a, b: np.linalg.norm(a), lambda a, b: torch.linalg.norm(a)),
    (
        "norm_axis",
        lambda a, b: np.linalg.norm(a, axis=1, keepdims=True),
        lambda a, b: torch.linalg.vector_norm(a, dim=1, keepdim=True),
    ),
    ("norm_ord1", lambda a, b: np.linalg.norm(a, 1), lambda a, b: torch.linalg.matrix_norm(a, 1)),
    (
        "norm_nuc",
        lambda a, b: np.linalg.norm(a, "nuc"),
        lambda a, b: torch.linalg.matrix_norm(a, "nuc"),
    ),
    (
        "norm_vector_ord",
        lambda a, b: np.linalg.norm(a[0], 3),
        lambda a, b: torch.linalg.vector_norm(a[0], 3),
    ),
    ("svd", lambda a, b: np.linalg.svd(a)[1], lambda a, b: torch.linalg.svdvals(a)),
    (
        "svd_values_only",
        lambda a, b: np.linalg.svd(a, compute_uv=False),
        lambda a, b: torch.linalg.svdvals(a),
    ),
    (
        "einsum",
        lambda a, b: np.einsum("ij,jk->ik", a, b),
        lambda a, b: torch.einsum("ij,jk->ik", a, b),
    ),
    ("einsum_trace", lambda a, b: np.einsum("ii", a), lambda a, b: torch.einsum("ii", a)),
    (
        "tensordot",
        lambda a, b: np.tensordot(a, b, axes=([0], [1])),
        lambda a, b: torch.tensordot(a, b, dims=([0], [1])),
    ),
    ("tensordot_int", lambda a, b: np.tensordot(a, b), lambda a, b: torch.tensordot(a, b)),
    ("outer", lambda a, b: np.outer(a, b), lambda a, b: torch.outer(a.reshape(-1), b.reshape(-1))),
    ("trace", lambda a, b: np.trace(a), lambda a, b: torch.trace(a)),
    ("trace_offset", lambda a, b: np.trace(a, 1), lambda a, b: torch.diagonal(a, 1).sum()),
    ("dot_matrix", lambda a, b: np.dot(a, b), lambda a, b: a @ b),
    ("dot_vector", lambda a, b: np.dot(a[0], b[:, 1]), lambda a, b: a[0] @ b[:, 1]),
    ("dot_scalar", lambda a, b: np.dot(a, 2.0), lambda a, b: a * 2.0),
    ("inner", lambda a, b: np.inner(a, b), lambda a, b: torch.inner(a, b)),
]


@pytest.mark.parametrize(
    ("name", "np_call", "torch_call"), NUMPY_CALLS, ids=[c[0] for c in NUMPY_CALLS]
)
def test_numpy_calls_stay_in_the_graph(name, np_call, torch_call):
    rng = np.random.default_rng(seed_for(name))
    arrays = [rng.uniform(-1, 1, (3, 3)) + 3 * np.eye(3), rng.uniform(-1, 1, (3, 3))]
    xs = [npgrad.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = np_call(*xs), torch_call(*ts)
    assert isinstance(out, npgrad.Tensor) and out.requires_grad
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    w = rng.standard_normal(tuple(ref.shape))
    (out * npgrad.tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    for x, t in zip(xs, ts):
        expected = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
        got = np.zeros(tuple(x.shape)) if x.grad is None else x.grad.numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_numpy_calls_in_a_double_backward():
    """np.linalg calls on tensors give second derivatives equal to torch's."""

    def body(m):
        a = _t(m, SPD)
        if m is npgrad:
            f = np.linalg.det(a) * np.linalg.norm(np.linalg.inv(a)) + np.einsum("ij,ji", a, a)
        else:
            f = m.linalg.det(a) * m.linalg.norm(m.linalg.inv(a)) + m.einsum("ij,ji", a, a)
        (g,) = m.autograd.grad(f, a, create_graph=True)
        (g * g).sum().backward()
        return g, a.grad

    same(body)
