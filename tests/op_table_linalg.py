"""Op-table entries for linear algebra and npgrad.linalg.

Matrices that must be invertible or positive-definite are built inside the lambda from the
random input (``a + 3 * eye`` is diagonally dominant for inputs in [-1, 1), ``a @ a.mT +
eye`` is positive-definite), so every random draw stays well away from singular.
"""

from __future__ import annotations

import math

from op_spec import OpSpec

INF = math.inf


def _invertible(m, a):
    return a + 3 * m.eye(a.shape[-1])


def _spd(m, a):
    return a @ a.mT + m.eye(a.shape[-1])


SQUARE = ((3, 3),), ((2, 3, 3),), ((1, 1),), ((2, 1, 2, 2),), ((0, 2, 2),)

EINSUM = (
    ("ij,jk->ik", ((2, 3), (3, 4)), ((2, 0), (0, 3))),
    ("ij,jk", ((1, 3), (3, 1))),
    ("i,i", ((3,), (3,))),
    ("i,j->ij", ((2,), (3,))),
    ("i,i->i", ((3,), (3,))),
    ("ij->ji", ((2, 3),)),
    ("ij->j", ((2, 3),)),
    ("ij->", ((0, 3),)),
    ("ii", ((3, 3),)),
    ("ii->i", ((3, 3),)),
    ("iij->ji", ((2, 2, 3),)),
    ("ii,i->i", ((3, 3), (3,))),
    ("ij,k->k", ((2, 3), (4,))),
    ("ij,ij->", ((2, 3), (1, 3))),
    ("bij,bjk->bik", ((2, 3, 4), (2, 4, 2))),
    ("...ij,...jk", ((2, 1, 3, 4), (5, 4, 2))),
    ("b...,b...->b", ((2, 3), (2, 3))),
    ("...,...", ((2, 3), (3,))),
    ("i...->...", ((2, 3, 1),)),
    ("ij,jk,kl->il", ((2, 3), (3, 4), (4, 2))),
    ("ij,jk,k->", ((2, 3), (3, 4), (4,))),
    ("i,->i", ((3,), ())),
)


def _einsum_name(eq: str) -> str:
    return "einsum_" + eq.replace("...", "E").replace("->", "_to_").replace(",", "_")


EINSUM_OPS = [
    OpSpec(_einsum_name(eq), lambda m, *xs, eq=eq: m.einsum(eq, *xs), shapes)
    for eq, *shapes in EINSUM
]

MATRIX_ORDS = ("fro", "nuc", 2, -2, 1, -1, INF, -INF)

OPS: list = [
    # --- products ------------------------------------------------------------------------
    *EINSUM_OPS,
    OpSpec("einsum_list", lambda m, a, b: m.einsum("ij,j->i", [a, b]), (((2, 3), (3,)),)),
    OpSpec(
        "einsum_sublist",
        lambda m, a, b: m.einsum(a, [0, 1], b, [1, 2], [2, 0]),
        (((2, 3), (3, 4)),),
    ),
    OpSpec("einsum_spaces", lambda m, a, b: m.einsum(" ij , jk -> ki ", a, b), (((2, 3), (3, 2)),)),
    OpSpec(
        "tensordot",
        lambda m, a, b, **kw: m.tensordot(a, b, **kw),
        (((2, 3, 3), (3, 3, 2)),),
        kwargs_variants=({}, {"dims": 1}, {"dims": 0}, {"dims": ([1, 2], [0, 1])}),
    ),
    OpSpec(
        "tensordot_lists",
        lambda m, a, b, **kw: m.tensordot(a, b, **kw),
        (((2, 3, 4), (4, 2, 3)), ((2, 1, 4), (4, 2, 3))),
        kwargs_variants=({"dims": ([0, 1], [1, 2])}, {"dims": [[2, 0], [0, 1]]}),
    ),
    OpSpec("outer", lambda m, a, b: m.outer(a, b), (((3,), (2,)), ((1,), (4,)), ((0,), (2,)))),
    OpSpec("outer_method", lambda m, a, b: a.outer(b), (((3,), (2,)),)),
    OpSpec("ger", lambda m, a, b: m.ger(a, b), (((3,), (2,)),)),
    OpSpec(
        "trace", lambda m, a: m.trace(a), (((3, 3),), ((2, 4),), ((4, 2),), ((1, 1),), ((0, 2),))
    ),
    OpSpec("trace_method", lambda m, a: a.trace(), (((3, 3),),)),
    # --- torch.norm ------------------------------------------------------------------------
    OpSpec(
        "norm",
        lambda m, x, **kw: m.norm(x, **kw),
        (((2, 3),), ((2, 1, 3),)),
        kinks=(0.0,),
        kwargs_variants=(
            {},
            {"p": 1},
            {"p": 3, "dim": 1, "keepdim": True},
            {"p": INF, "dim": -1},
            {"p": "fro", "dim": (0, -1)},
            {"p": 0.5, "dim": 0},
        ),
    ),
    OpSpec(
        "norm_vector",
        lambda m, x, **kw: m.norm(x, **kw),
        (((4,),),),
        kinks=(0.0,),
        kwargs_variants=({}, {"p": 1}, {"p": -INF, "dim": 0}, {"p": "fro", "dim": 0}),
    ),
    OpSpec("norm_scalar", lambda m, x: m.norm(x), (((),), ((0, 3),)), kinks=(0.0,)),
    OpSpec("norm_nuc", lambda m, x: m.norm(x, p="nuc"), (((3, 4),), ((4, 2),))),
    OpSpec(
        "norm_nuc_dim",
        lambda m, x: m.norm(x, p="nuc", dim=(0, 2), keepdim=True),
        (((3, 2, 4),),),
    ),
    OpSpec(
        "norm_method",
        lambda m, x, **kw: x.norm(**kw),
        (((2, 3),),),
        kinks=(0.0,),
        kwargs_variants=({}, {"p": 2, "dim": 0}),
    ),
    # --- determinants and inverses in the torch namespace --------------------------------
    OpSpec("det_torch", lambda m, a: m.det(a), SQUARE),
    OpSpec("det_method", lambda m, a: a.det(), (((3, 3),),)),
    OpSpec("inverse", lambda m, a: m.inverse(_invertible(m, a)), (((3, 3),), ((2, 2, 2),))),
    OpSpec("inverse_method", lambda m, a: _invertible(m, a).inverse(), (((3, 3),),)),
    OpSpec("logdet", lambda m, a: m.logdet(_invertible(m, a)), (((3, 3),), ((2, 2, 2),))),
    OpSpec("logdet_method", lambda m, a: _invertible(m, a).logdet(), (((2, 2),),)),
    OpSpec("slogdet_torch", lambda m, a: m.slogdet(_invertible(m, a)).logabsdet, (((3, 3),),)),
    OpSpec("slogdet_method", lambda m, a: _invertible(m, a).slogdet()[1], (((3, 3),),)),
    # --- npgrad.linalg ---------------------------------------------------------------------
    OpSpec("linalg_inv", lambda m, a: m.linalg.inv(_invertible(m, a)), SQUARE, low=-1, high=1),
    OpSpec(
        "linalg_inv_ex",
        lambda m, a: m.linalg.inv_ex(_invertible(m, a)).inverse,
        (((3, 3),), ((2, 2, 2),)),
        low=-1,
        high=1,
    ),
    OpSpec("linalg_det", lambda m, a: m.linalg.det(a), SQUARE),
    OpSpec("linalg_det_of_product", lambda m, a, b: m.linalg.det(a @ b), (((3, 3), (3, 3)),)),
    OpSpec(
        "linalg_slogdet_logabsdet",
        lambda m, a: m.linalg.slogdet(_invertible(m, a)).logabsdet,
        (((3, 3),), ((2, 3, 3),), ((1, 1),), ((0, 2, 2),)),
        low=-1,
        high=1,
    ),
    OpSpec(
        "linalg_slogdet_negative",
        lambda m, a: m.linalg.slogdet(-_invertible(m, a))[1],
        (((3, 3),), ((2, 2, 2),)),
        low=-1,
        high=1,
    ),
    OpSpec(
        "linalg_slogdet_both",
        lambda m, a: (lambda s: s.sign * s.logabsdet)(m.linalg.slogdet(_invertible(m, a))),
        (((3, 3),),),
        low=-1,
        high=1,
    ),
    OpSpec(
        "linalg_solve",
        lambda m, a, b: m.linalg.solve(_invertible(m, a), b),
        (
            ((3, 3), (3,)),
            ((3, 3), (3, 2)),
            ((2, 3, 3), (2, 3)),
            ((2, 3, 3), (3, 4)),
            ((2, 1, 3, 3), (4, 3, 1)),
            ((1, 1), (1,)),
            ((2, 2, 2), (2, 2, 0)),
        ),
        low=-1,
        high=1,
    ),
    OpSpec(
        "linalg_solve_right",
        lambda m, a, b: m.linalg.solve(_invertible(m, a), b, left=False),
        (((3, 3), (2, 3)), ((2, 3, 3), (1, 4, 3))),
        low=-1,
        high=1,
    ),
    OpSpec(
        "linalg_cholesky",
        lambda m, a, **kw: m.linalg.cholesky(_spd(m, a), **kw),
        (((3, 3),), ((2, 3, 3),), ((1, 1),), ((2, 1, 2, 2),), ((0, 3, 3),)),
        kwargs_variants=({}, {"upper": True}),
    ),
    OpSpec(
        "linalg_cholesky_ex",
        lambda m, a: m.linalg.cholesky_ex(_spd(m, a)).L,
        (((3, 3),), ((2, 2, 2),)),
    ),
    OpSpec(
        "linalg_vector_norm",
        lambda m, x, **kw: m.linalg.vector_norm(x, **kw),
        (((4,),), ((2, 3),), ((2, 1, 3),)),
        kinks=(0.0,),
        kwargs_variants=(
            {},
            {"ord": 1},
            {"ord": INF},
            {"ord": -INF},
            {"ord": 0},
            {"ord": 3},
            {"ord": 1.5},
            {"ord": 0.5},
            {"ord": -1},
            {"ord": 2, "dim": -1, "keepdim": True},
            {"ord": INF, "dim": 0},
        ),
        exact_vals=(([0.0, 0.0, 0.0],), ([0.0, 1.0, -1.0],), ([2.0, -2.0, 1.0],)),
    ),
    OpSpec(
        "linalg_vector_norm_dims",
        lambda m, x, **kw: m.linalg.vector_norm(x, **kw),
        (((2, 3),), ((2, 1, 3),)),
        kinks=(0.0,),
        kwargs_variants=({"ord": 3, "dim": (0, -1)}, {"dim": [-1, 0], "keepdim": True}),
    ),
    OpSpec(
        "linalg_vector_norm_edge",
        lambda m, x, **kw: m.linalg.vector_norm(x, **kw),
        (((),), ((0, 3),)),
        kinks=(0.0,),
        kwargs_variants=({}, {"ord": 1}, {"ord": 0}, {"ord": 4, "keepdim": True}),
    ),
    OpSpec(
        "linalg_vector_norm_empty_dim",
        lambda m, x, **kw: m.linalg.vector_norm(x, dim=1, **kw),
        (((0, 3),), ((2, 0),)),
        kwargs_variants=({}, {"ord": 1}, {"ord": 3}),
    ),
    OpSpec(
        "linalg_matrix_norm",
        lambda m, x, **kw: m.linalg.matrix_norm(x, **kw),
        (((3, 4),), ((2, 4, 3),), ((1, 1),)),
        kinks=(0.0,),
        kwargs_variants=tuple({"ord": o} for o in MATRIX_ORDS),
    ),
    OpSpec(
        "linalg_matrix_norm_dim",
        lambda m, x, **kw: m.linalg.matrix_norm(x, dim=(2, 0), **kw),
        (((3, 2, 4),),),
        kinks=(0.0,),
        kwargs_variants=tuple({"ord": o, "keepdim": True} for o in MATRIX_ORDS),
    ),
    OpSpec(
        "linalg_norm",
        lambda m, x, **kw: m.linalg.norm(x, **kw),
        (((2, 3),),),
        kinks=(0.0,),
        kwargs_variants=(
            {},
            {"ord": "fro"},
            {"ord": "nuc"},
            {"ord": 2},
            {"ord": INF},
            {"ord": 3, "dim": 1},
            {"ord": -1, "dim": (1, 0), "keepdim": True},
        ),
    ),
    OpSpec(
        "linalg_norm_vector",
        lambda m, x, **kw: m.linalg.norm(x, **kw),
        (((4,),), ((2, 3, 2),)),
        kinks=(0.0,),
        kwargs_variants=({}, {"dim": 0}, {"ord": 1, "dim": -1}),
    ),
    OpSpec(
        "linalg_svdvals", lambda m, a: m.linalg.svdvals(a), (((3, 4),), ((2, 4, 3),), ((1, 1),))
    ),
    OpSpec(
        "linalg_svd_reconstruct",
        lambda m, a: (lambda r: (r.U * r.S[..., None, :]) @ r.Vh)(
            m.linalg.svd(a, full_matrices=False)
        ),
        (((3, 4),), ((2, 4, 3),)),
    ),
    OpSpec(
        "linalg_svd_invariants",
        lambda m, a: (
            lambda r: r.U[..., :, :2] @ r.Vh[..., :2, :] + r.U[..., :, :3].abs().sum() + r.S.sum()
        )(m.linalg.svd(a)),
        (((3, 4),), ((4, 3),)),
    ),
]
