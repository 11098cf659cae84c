"""Matrix functions of npgrad.linalg: inv, det, slogdet, solve, cholesky, svd, and the vector
and matrix norms, over batches ``(..., n, n)`` as torch.linalg takes them.

Rules, with ᵀ the transpose of the last two dimensions:
- X = A⁻¹: dA = -Xᵀ dX Xᵀ.  d = det A: dA = dd·d·A⁻ᵀ.  slogdet: dA = dlogabsdet·A⁻ᵀ.
- X = A⁻¹B: dB = A⁻ᵀ dX, dA = -dB Xᵀ (and the transposed equations for XA = B).
- A = LLᵀ: dA = L⁻ᵀ Φ L⁻¹ with Φ the lower triangle of Lᵀ dL, symmetrised with half of it.
- svd: torch's svd_backward; the nuclear and spectral norms go through the singular vectors.
- Norms follow torch's formulas, including its choices at zero and at ties.
JVPs (forward mode): dX = -X dA X; d det = det·tr(A⁻¹dA); d logabsdet = tr(A⁻¹dA);
solve: dX = A⁻¹(dB - dA X); cholesky: dL = L Φ(L⁻¹ dA L⁻ᵀ) with Φ the lower triangle, its
diagonal halved; svd: torch's linalg_svd_jvp; a norm's tangent is its VJP of ones (d norm / dx)
times the tangent, summed over the reduced dimensions.
Each rule is written with ``np.linalg`` calls that this module maps to its own ops, so the
rules differentiate again (double backward).
"""

from __future__ import annotations

import collections
import math

import numpy as np

from .._tensor import Tensor, _wrap_dim, wrap
from ..autograd.grad_mode import state
from ._defop import apply, defop, forward, forward_active, link
from .reduction import normalize_dims, reduced_jvp


class LinAlgError(RuntimeError):
    """A matrix function could not be computed for this input (singular, not positive
    definite); ``torch.linalg.LinAlgError``."""


linalg_slogdet = collections.namedtuple("linalg_slogdet", ["sign", "logabsdet"])
linalg_inv_ex = collections.namedtuple("linalg_inv_ex", ["inverse", "info"])
linalg_cholesky_ex = collections.namedtuple("linalg_cholesky_ex", ["L", "info"])

_TORCH_TYPE = {
    "float16": "Half",
    "float32": "Float",
    "float64": "Double",
    "int8": "Char",
    "int16": "Short",
    "int32": "Int",
    "int64": "Long",
    "uint8": "Byte",
    "bool": "Bool",
}


def torch_type(dtype) -> str:
    """torch's name for a scalar type in messages (``Float``, ``Long``)."""
    return _TORCH_TYPE.get(str(dtype), str(dtype))


def _mT(x):
    return np.swapaxes(x, -1, -2)


def _const(x):
    """The values of ``x`` as an array: for masks, which are not differentiated."""
    return x._data if isinstance(x, Tensor) else x


def _as_tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else wrap(np.asarray(x))


def _check(op: str, A: Tensor, square: bool = True) -> None:
    a = A._data
    if a.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    if a.dtype.kind not in "fc":
        raise RuntimeError(
            f"{op}: Expected a floating point or complex tensor as input. Got {torch_type(a.dtype)}"
        )
    if square and a.shape[-1] != a.shape[-2]:
        raise RuntimeError(
            f"{op}: A must be batches of square matrices, but they are {a.shape[-2]} by "
            f"{a.shape[-1]} matrices"
        )


def _batch_prefix(a, failed) -> str:
    """``(Batch element k): `` for the first failing matrix of a batch, as torch says it."""
    if a.ndim <= 2:
        return ""
    flat = a.reshape(-1, *a.shape[-2:])
    k = next(i for i, m in enumerate(flat) if failed(m))
    return f"(Batch element {k}): "


def _is_singular(m) -> bool:
    try:
        np.linalg.inv(m)
    except np.linalg.LinAlgError:
        return True
    return False


def _singular(op: str, a) -> LinAlgError:
    return LinAlgError(
        f"{op}: {_batch_prefix(a, _is_singular)}The input matrix is singular, so it has no "
        "inverse; check that A is invertible (full rank), or use linalg.pinv or linalg.lstsq"
    )


def _minor_order(m) -> int:
    """The order of the first leading minor that is not positive-definite (0: none)."""
    for k in range(1, m.shape[-1] + 1):
        try:
            np.linalg.cholesky(m[:k, :k])
        except np.linalg.LinAlgError:
            return k
    return 0


def _not_positive_definite(op: str, a) -> LinAlgError:
    prefix = _batch_prefix(a, _minor_order)
    flat = a.reshape(-1, *a.shape[-2:])
    order = next(k for k in map(_minor_order, flat) if k)
    return LinAlgError(
        f"{op}: {prefix}The factorization could not be completed because the input is not "
        f"positive-definite (the leading minor of order {order} is not positive-definite). "
        "Cholesky needs a symmetric positive-definite matrix"
    )


# --- inv, det, slogdet ------------------------------------------------------------------


def _inv_kernel(a):
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        raise _singular("linalg.inv", a) from None


def _inv_ex_kernel(a, bad):
    """Inverses, NaN where a matrix is singular (``bad``)."""
    if not bad.any():
        return np.linalg.inv(a)
    eye = np.eye(a.shape[-1], dtype=a.dtype)
    return np.where(bad, np.nan, np.linalg.inv(np.where(bad, eye, a)))


LinalgInvExBackward0 = defop(
    "LinalgInvExBackward0",
    lambda g, r, a, **_: -(_mT(r) @ g @ _mT(r)),
    saves="result",
    jvp=lambda t, r, a, **_: -(r @ t[0] @ r),
)


def inv(A: Tensor) -> Tensor:
    """The inverse of each square matrix of ``A``; raises LinAlgError if one is singular."""
    _check("linalg.inv", A)
    return apply(LinalgInvExBackward0, _inv_kernel, A)


def _per_matrix_info(a, failed) -> np.ndarray:
    flat = a.reshape(-1, *a.shape[-2:])
    return np.array([failed(m) for m in flat], dtype=np.int32).reshape(a.shape[:-2])


def inv_ex(A: Tensor, *, check_errors: bool = False) -> linalg_inv_ex:
    """``(inverse, info)``: info is 0 where a matrix is invertible and nonzero where not
    (its inverse is then NaN); raises instead when ``check_errors``."""
    _check("linalg.inv_ex", A)
    a = A._data
    info = np.zeros(a.shape[:-2], dtype=np.int32)
    if _is_singular(a):
        if check_errors:
            raise _singular("linalg.inv_ex", a)
        info = _per_matrix_info(a, lambda m: m.shape[-1] if _is_singular(m) else 0)
    bad = (info != 0)[..., None, None]
    return linalg_inv_ex(apply(LinalgInvExBackward0, _inv_ex_kernel, A, bad=bad), wrap(info))


def _det_rule(g, r, a):
    """g·det·A⁻ᵀ; at exactly singular matrices, the cofactor matrix from the SVD (torch gives
    it under create_graph; its plain backward returns 0 there). That branch is not
    differentiated again."""
    a0 = _const(a)
    singular = np.linalg.det(a0) == 0
    if np.any(singular):
        u, s, vh = np.linalg.svd(a0)
        n = s.shape[-1]
        mask = ~np.eye(n, dtype=bool)
        prods = np.prod(np.where(mask, s[..., None, :], 1.0), axis=-1)
        sign = np.linalg.det(u) * np.linalg.det(vh)
        cof = sign[..., None, None] * ((u * prods[..., None, :]) @ vh)
        if np.all(singular):
            return g[..., None, None] * cof
        safe = np.where(singular[..., None, None], np.eye(n), a0)
        regular = _mT(np.linalg.inv(safe)) * np.linalg.det(a0)[..., None, None]
        return g[..., None, None] * np.where(singular[..., None, None], cof, regular)
    return (g * r)[..., None, None] * _mT(np.linalg.inv(a))


def _trace_of_solve(a, t):
    """tr(A⁻¹ dA), for each matrix of a batch."""
    return np.trace(np.linalg.solve(a, t), axis1=-2, axis2=-1)


LinalgDetBackward0 = defop(
    "LinalgDetBackward0",
    _det_rule,
    saves="both",
    jvp=lambda t, r, a: r * _trace_of_solve(a, t[0]),
)


def det(A: Tensor) -> Tensor:
    """The determinant of each square matrix of ``A``."""
    _check("linalg.det", A)
    return apply(LinalgDetBackward0, np.linalg.det, A)


def _slogdet_rule(g, r, a):
    g_logabsdet = g[1]
    if g_logabsdet is None:  # only the sign was used: its derivative is zero
        return None
    return g_logabsdet[..., None, None] * _mT(np.linalg.inv(a))


LinalgSlogdetBackward0 = defop(
    "LinalgSlogdetBackward0",
    _slogdet_rule,
    saves="inputs",
    jvp=lambda t, r, a: (None, _trace_of_solve(a, t[0])),  # the sign is locally constant
)
LinalgSlogdetBackward0._multi = True  # two outputs: sign (output 0) and logabsdet (1)
LinalgSlogdetBackward0._n_outputs = 2


def _apply_multi(cls: type, kernel, A: Tensor, **params) -> tuple:
    """``apply`` for ops with several outputs: every output is an output of one node."""
    outs = [np.asarray(o) for o in kernel(A._data, **params)]
    if A._requires_grad and state.enabled:
        first = link(cls, outs[0], (A,), params)
        node = first._grad_fn
        node._shape = tuple(o.shape for o in outs)
        node._dtype = tuple(o.dtype for o in outs)
        rest = []
        for i, o in enumerate(outs[1:], 1):
            t = wrap(o, node)
            t._output_nr = i
            rest.append(t)
        results = (first, *rest)
    else:
        results = tuple(wrap(o) for o in outs)
    if forward_active[0]:
        forward(cls, kernel, (A,), params, results)
    return results


def slogdet(A: Tensor) -> linalg_slogdet:
    """``(sign, logabsdet)`` of the determinant of each square matrix of ``A``."""
    _check("linalg.slogdet", A)
    return linalg_slogdet(*_apply_multi(LinalgSlogdetBackward0, np.linalg.slogdet, A))


# --- solve ----------------------------------------------------------------------------------


def _solve_kernel(a, b, vector, left):
    if vector:
        b = b[..., None]
    try:
        x = np.linalg.solve(a, b) if left else _mT(np.linalg.solve(_mT(a), _mT(b)))
    except np.linalg.LinAlgError:
        raise LinAlgError(
            "torch.linalg.solve: The solver failed because the input matrix is singular; "
            "check that A is invertible (full rank), or use linalg.lstsq"
        ) from None
    return x[..., 0] if vector else x


def _solve_grad_b(g, r, a, b, vector, left):
    if vector:
        g = g[..., None]
    gb = np.linalg.solve(_mT(a), g) if left else _mT(np.linalg.solve(a, _mT(g)))
    return gb[..., 0] if vector else gb


def _solve_grad_a(g, r, a, b, vector, left):
    gb, x = _solve_grad_b(g, r, a, b, vector, left), r
    if vector:
        gb, x = gb[..., None], x[..., None]
    return -(gb @ _mT(x)) if left else -(_mT(x) @ gb)


def _solve_jvp(tangents, r, a, b, vector, left):
    """dX = A⁻¹(dB - dA X) (left) or (dB - X dA) A⁻¹: the same solve, of the tangent of B
    less that of A applied to X."""
    t_a, rhs = tangents
    if t_a is not None:
        x = r[..., None] if vector else r
        t_ax = t_a @ x if left else x @ t_a
        t_ax = t_ax[..., 0] if vector else t_ax
        rhs = -t_ax if rhs is None else rhs - t_ax
    return _solve(a, rhs, vector, left)


LinalgSolveExBackward0 = defop(
    "LinalgSolveExBackward0", _solve_grad_a, _solve_grad_b, saves="both", jvp=_solve_jvp
)


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """X with ``A @ X = B`` (``X @ A = B`` if not ``left``) for square invertible A; B is a
    (batch of) vector(s) ``(..., n)`` or matrices ``(..., n, k)``; batches broadcast."""
    a, b = _as_tensor(A)._data, _as_tensor(B)._data
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    return _solve(A, B, vector, left)


def _solve(A: Tensor, B: Tensor, vector: bool, left: bool) -> Tensor:
    _check("linalg.solve", A)
    a, b = A._data, _as_tensor(B)._data
    if a.dtype != b.dtype:
        raise RuntimeError(
            "linalg.solve: Expected A and B to have the same dtype, but found A of type "
            f"{torch_type(a.dtype)} and B of type {torch_type(b.dtype)} instead"
        )
    bm = b.shape + (1,) if vector else b.shape
    n = a.shape[-1]
    if len(bm) < 2 or (bm[-2] if left else bm[-1]) != n:
        rows, cols = (bm[-2], bm[-1]) if len(bm) >= 2 else (bm[-1], 1)
        raise RuntimeError(
            f"linalg.solve: Incompatible shapes of A and B for the equation "
            f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {rows}x{cols})"
        )
    try:
        np.broadcast_shapes(a.shape[:-2], bm[:-2])
    except ValueError:
        raise RuntimeError(
            f"linalg.solve: the batch dimensions of A {list(a.shape[:-2])} and B "
            f"{list(bm[:-2])} do not broadcast"
        ) from None
    return apply(LinalgSolveExBackward0, _solve_kernel, A, B, vector=vector, left=left)


def _numpy_solve(a, b):
    """np.linalg.solve: ``b`` is a vector only when it is 1-D."""
    b = _as_tensor(b)
    return _solve(_as_tensor(a), b, b.ndim == 1, True)


# --- cholesky -------------------------------------------------------------------------------


def _cholesky_kernel(a, upper):
    try:
        low = np.linalg.cholesky(a)
    except np.linalg.LinAlgError:
        raise _not_positive_definite("linalg.cholesky", a) from None
    return _mT(low) if upper else low


def _cholesky_rule(g, r, a, upper):
    low, g_low = (_mT(r), _mT(g)) if upper else (r, g)
    n = low.shape[-1]
    dtype = _const(low).dtype
    phi = (_mT(low) @ g_low) * np.tril(np.ones((n, n), dtype=dtype))
    phi = 0.5 * (phi + _mT(phi * np.tril(np.ones((n, n), dtype=dtype), -1)))
    x = np.linalg.solve(_mT(low), phi)  # L⁻ᵀ Φ
    return _mT(np.linalg.solve(_mT(low), _mT(x)))  # L⁻ᵀ Φ L⁻¹


def _cholesky_jvp(tangents, r, a, upper):
    low = _mT(r) if upper else r
    n = low.shape[-1]
    x = _mT(np.linalg.solve(low, _mT(np.linalg.solve(low, tangents[0]))))  # L⁻¹ dA L⁻ᵀ
    dtype = _const(low).dtype
    half_lower = np.tril(np.ones((n, n), dtype=dtype)) - np.eye(n, dtype=dtype) / 2
    d_low = low @ (x * half_lower)
    return _mT(d_low) if upper else d_low


LinalgCholeskyExBackward0 = defop(
    "LinalgCholeskyExBackward0", _cholesky_rule, saves="result", jvp=_cholesky_jvp
)


def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    """L with ``A = L @ L.mT`` for symmetric positive-definite A (``U`` with ``A = U.mT @ U``
    if ``upper``); raises LinAlgError if A is not positive-definite."""
    _check("linalg.cholesky", A)
    return apply(LinalgCholeskyExBackward0, _cholesky_kernel, A, upper=upper)


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False):
    """``(L, info)``: info is 0 where the factorization succeeded, else the order of the
    first leading minor that is not positive-definite (L is then NaN)."""
    _check("linalg.cholesky_ex", A)
    a = A._data
    info = _per_matrix_info(a, _minor_order)
    if not info.any():
        return linalg_cholesky_ex(cholesky(A, upper=upper), wrap(info))
    if check_errors:
        raise _not_positive_definite("linalg.cholesky_ex", a)
    bad = (info != 0)[..., None, None]

    def kernel(x, upper):
        low = np.linalg.cholesky(np.where(bad, np.eye(x.shape[-1]), x))
        return np.where(bad, np.nan, _mT(low) if upper else low)

    return linalg_cholesky_ex(apply(LinalgCholeskyExBackward0, kernel, A, upper=upper), wrap(info))


def _numpy_cholesky(a, /, *, upper=False):
    return cholesky(_as_tensor(a), upper=upper)


# --- svd --------------------------------------------------------------------------------------


def _svd_kernel(a, full_matrices):
    return np.linalg.svd(a, full_matrices=full_matrices)


def _svd_rule(g, r, a, full_matrices):
    g_u, g_s, g_vh = g
    m, n = a.shape[-2], a.shape[-1]
    k = min(m, n)
    if full_matrices and m != n:  # the extra singular vectors do not depend on A smoothly
        g_u = None if g_u is None else g_u[..., :, :k]
        g_vh = None if g_vh is None else g_vh[..., :k, :]
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    if g_u is None and g_vh is None:
        return None if g_s is None else (u * g_s[..., None, :]) @ vh
    if m < n:  # work on Aᵀ = V S Uᵀ, which is tall
        t = _svd_backward(_mT_or_none(g_vh), g_s, _mT_or_none(g_u), _mT(vh), s, _mT(u))
        return _mT(t)
    return _svd_backward(g_u, g_s, g_vh, u, s, vh)


def _mT_or_none(x):
    return None if x is None else _mT(x)


def _gaps(s):
    """I and E with E_jk = s_k² - s_j² off the diagonal, 1 on it (the divisor of both rules)."""
    eye = np.eye(s.shape[-1], dtype=_const(s).dtype)
    s2 = s * s
    return eye, s2[..., None, :] - s2[..., :, None] + eye


def _svd_backward(g_u, g_s, g_vh, u, s, vh):
    """torch's svd_backward for a tall (m >= n) real A = U diag(S) Vh."""
    k = s.shape[-1]
    eye, e = _gaps(s)
    ga = 0
    if g_u is not None:
        uhgu = _mT(u) @ g_u
        ga = (uhgu - _mT(uhgu)) * s[..., None, :]
    if g_vh is not None:
        vhgv = vh @ _mT(g_vh)
        ga = ga + s[..., :, None] * (vhgv - _mT(vhgv))
    ga = ga / e
    if g_s is not None:
        ga = ga + g_s[..., None] * eye
    if g_u is not None and u.shape[-2] > k:
        gu_sinv = g_u / s[..., None, :]
        return (u @ ga + gu_sinv - u @ (_mT(u) @ gu_sinv)) @ vh
    return u @ ga @ vh


def _svd_jvp(tangents, r, a, full_matrices):
    u, s, vh = r
    m, n = a.shape[-2], a.shape[-1]
    k = min(m, n)
    if full_matrices and m != n:
        u, vh = u[..., :, :k], vh[..., :k, :]
    if m < n:  # work on Aᵀ = V S Uᵀ, which is tall
        d_v, d_s, d_uh = _svd_forward(_mT(tangents[0]), _mT(vh), s, _mT(u), full_matrices)
        return _mT(d_uh), d_s, _mT(d_v)
    return _svd_forward(tangents[0], u, s, vh, full_matrices)


def _svd_forward(d_a, u, s, vh, full_matrices):
    """torch's linalg_svd_jvp for a tall (m >= n) real A = U diag(S) Vh: with dP = Uᵀ dA V
    and dX = dP less its diagonal dS, dU = U sym(dX S) / E (+ (I - UUᵀ) dA V S⁻¹ when m > n)
    and dV = V sym(S dX) / E, where sym(Y) = Y + Yᵀ."""
    m, k = u.shape[-2], s.shape[-1]
    eye, e = _gaps(s)
    v = _mT(vh)
    d_p = _mT(u) @ (d_a @ v)
    d_s = (d_p * eye).sum(-1)
    d_x = d_p - d_s[..., None] * eye
    d_xs, d_sx = d_x * s[..., None, :], s[..., :, None] * d_x
    d_u = u @ ((d_xs + _mT(d_xs)) / e)
    d_v = v @ ((d_sx + _mT(d_sx)) / e)
    if m > k:
        d_avs = d_a @ (v / s[..., None, :])
        d_u = d_u + d_avs - u @ (_mT(u) @ d_avs)
        if full_matrices:  # the extra columns of U get a zero tangent, as in torch
            zeros = np.zeros((*d_u.shape[:-1], m - k), dtype=_const(s).dtype)
            d_u = np.concatenate([d_u, zeros], axis=-1)
    return d_u, d_s, _mT(d_v)


LinalgSvdBackward0 = defop("LinalgSvdBackward0", _svd_rule, saves="inputs", jvp=_svd_jvp)
LinalgSvdBackward0._multi = True  # three outputs: U, S, Vh
LinalgSvdBackward0._n_outputs = 3

linalg_svd = collections.namedtuple("linalg_svd", ["U", "S", "Vh"])


def svd(A: Tensor, full_matrices: bool = True) -> linalg_svd:
    """``(U, S, Vh)`` with ``A = U @ diag(S) @ Vh``, singular values in descending order."""
    _check("linalg.svd", A, square=False)
    return linalg_svd(
        *_apply_multi(LinalgSvdBackward0, _svd_kernel, A, full_matrices=full_matrices)
    )


def svdvals(A: Tensor) -> Tensor:
    """The singular values of each matrix of ``A``, in descending order."""
    _check("linalg.svdvals", A, square=False)
    return svd(A, full_matrices=False).S


def _numpy_svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    a = _as_tensor(a)
    if hermitian:
        raise TypeError("numpy.linalg.svd with hermitian=True is not supported on npgrad tensors")
    return svd(a, full_matrices) if compute_uv else svdvals(a)


# --- norms ----------------------------------------------------------------------------------


def _vector_norm_kernel(x, ord, dims, keepdim):
    if ord == 2:
        return np.sqrt((x * x).sum(axis=dims, keepdims=keepdim))
    ax = np.abs(x)
    if ord == math.inf:
        return ax.max(axis=dims, keepdims=keepdim, initial=0.0)
    if ord == -math.inf:
        return ax.min(axis=dims, keepdims=keepdim, initial=math.inf)
    if ord == 0:
        return (x != 0).sum(axis=dims, keepdims=keepdim).astype(x.dtype)
    if ord == 1:
        return ax.sum(axis=dims, keepdims=keepdim)
    with np.errstate(divide="ignore"):
        return (ax**ord).sum(axis=dims, keepdims=keepdim) ** (1.0 / ord)


def _vector_norm_rule(g, r, x, ord, dims, keepdim):
    if not keepdim and dims:
        kept = tuple(1 if i in dims else n for i, n in enumerate(x.shape))
        g, r = g.reshape(kept), r.reshape(kept)
    at_zero = _const(r) == 0
    if ord == 0:  # piecewise constant: torch leaves the gradient undefined (None)
        return None
    if ord == 1:
        return np.sign(x) * g
    if ord == 2:
        return g * np.where(at_zero, 0, x / r)
    if math.isinf(ord):  # the maximum (minimum) shared evenly between ties
        ax = np.abs(_const(x))
        mask = (ax == _const(r)) | np.isnan(ax)
        return np.sign(x) * (g / mask.sum(axis=dims, keepdims=True)) * mask
    if ord < 1:
        scaled = np.sign(x) * np.where(_const(x) == 0, 0, np.abs(x) ** (ord - 1))
        return scaled * g * r ** (1 - ord)
    if ord < 2:
        return np.sign(x) * np.abs(x) ** (ord - 1) * np.where(at_zero, 0, g / r ** (ord - 1))
    return x * np.abs(x) ** (ord - 2) * np.where(at_zero, 0, g / r ** (ord - 1))


_vector_norm_slope_jvp = reduced_jvp(_vector_norm_rule)


def _vector_norm_jvp(tangents, r, x, ord, **params):
    if ord == 0:  # piecewise constant
        return None
    return _vector_norm_slope_jvp(tangents, r, x, ord=ord, **params)


LinalgVectorNormBackward0 = defop(
    "LinalgVectorNormBackward0", _vector_norm_rule, saves="both", jvp=_vector_norm_jvp
)


def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The vector ``ord``-norm over ``dim`` (all elements by default): ``ord`` any real
    number, ``inf`` (max |x|), ``-inf`` (min |x|) or 0 (count of nonzeros)."""
    if isinstance(ord, str) or isinstance(ord, bool):
        raise TypeError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
    if dtype is not None:
        x = x.to(dtype)
    a = x._data
    if a.dtype.kind not in "fc":
        raise RuntimeError(
            "linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
            f"{torch_type(a.dtype)}"
        )
    dims = normalize_dims(dim, a.ndim)
    if ord < 0 or math.isinf(ord):
        empty = [d for d in dims if a.shape[d] == 0] if dims else ([0] if a.size == 0 else [])
        if empty:
            raise RuntimeError(
                f"linalg.vector_norm cannot compute the {ord} norm on an empty tensor because "
                "the operation does not have an identity"
            )
    ord = float(ord) if math.isinf(ord) else ord
    return apply(
        LinalgVectorNormBackward0, _vector_norm_kernel, x, ord=ord, dims=dims, keepdim=keepdim
    )


def _matrix_dims(op: str, A: Tensor, dim) -> tuple:
    if A.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    dim = (dim,) if isinstance(dim, int) else tuple(dim)
    if len(dim) != 2:
        raise RuntimeError(f"{op}: dim must be a 2-tuple. Got {' '.join(map(str, dim))}")
    d0, d1 = (_wrap_dim(d, A.ndim) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"{op}: dims must be different. Got ({dim[0]}, {dim[1]})")
    return d0, d1


def _keep(out, dims, keepdim):
    return np.expand_dims(out, tuple(sorted(dims))) if keepdim else out


def _abs_sum_kernel(a, dims, largest, keepdim):
    d0, d1 = dims
    s = np.abs(a).sum(axis=d0, keepdims=True)
    out = s.max(axis=d1, keepdims=True) if largest else s.min(axis=d1, keepdims=True)
    return out if keepdim else np.squeeze(out, dims)


def _abs_sum_rule(g, r, a, dims, largest, keepdim):
    """Through amax(sum(abs(A), d0), d1), ``dims = (d0, d1)``: the columns (rows) that
    attain it share g."""
    d0, d1 = dims
    if not keepdim:
        g, r = np.expand_dims(g, dims), np.expand_dims(r, dims)
    s = np.abs(_const(a)).sum(axis=d0, keepdims=True)
    mask = s == _const(r)
    return np.sign(a) * (g / mask.sum(axis=d1, keepdims=True)) * mask


_abs_sum_jvp = reduced_jvp(_abs_sum_rule)
AmaxBackward0 = defop("AmaxBackward0", _abs_sum_rule, saves="both", jvp=_abs_sum_jvp)
AminBackward0 = defop("AminBackward0", _abs_sum_rule, saves="both", jvp=_abs_sum_jvp)


def _to_end(ndim: int, d0: int, d1: int) -> list:
    """The permutation that moves dimensions d0, d1 last."""
    return [d for d in range(ndim) if d not in (d0, d1)] + [d0, d1]


def _svdvals_norm_kernel(a, dims, ord, keepdim):
    s = np.linalg.svd(np.transpose(a, _to_end(a.ndim, *dims)), compute_uv=False)
    out = s.sum(axis=-1) if ord == "nuc" else s.max(axis=-1) if ord == 2 else s.min(axis=-1)
    return _keep(out, dims, keepdim)


def _svdvals_norm_rule(g, r, a, dims, ord, keepdim):
    """nuc: U Vh; 2 (-2): the outer product of the first (last) singular vectors."""
    if keepdim:
        g = np.squeeze(g, dims)
    perm = _to_end(a.ndim, *dims)
    u, s, vh = np.linalg.svd(np.transpose(a, perm), full_matrices=False)
    if ord == "nuc":
        grad = u @ vh
    else:
        i = slice(0, 1) if ord == 2 else slice(-1, None)
        grad = u[..., :, i] @ vh[..., i, :]
    return np.transpose(g[..., None, None] * grad, [int(i) for i in np.argsort(perm)])


# torch reduces the singular values (sum, amax, amin), then with keepdim permutes them back.
_SVD_NORM_NODES = {
    (ord, keepdim): defop(
        name, _svdvals_norm_rule, saves="inputs", jvp=reduced_jvp(_svdvals_norm_rule)
    )
    for ord, name in (("nuc", "SumBackward1"), (2, "AmaxBackward0"), (-2, "AminBackward0"))
    for keepdim, name in ((False, name), (True, "PermuteBackward0"))
}


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None) -> Tensor:
    """The matrix norm over the two dimensions ``dim``: ``'fro'``, ``'nuc'`` (sum of
    singular values), 2 / -2 (largest / smallest singular value), 1 / -1 (max / min column
    sum of |A|), inf / -inf (max / min row sum)."""
    d0, d1 = _matrix_dims("linalg.matrix_norm", A, dim)
    if dtype is not None:
        A = A.to(dtype)
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    _check("linalg.matrix_norm", A, square=False)
    if ord in ("nuc", 2, -2):
        node = _SVD_NORM_NODES[ord, keepdim]
        return apply(node, _svdvals_norm_kernel, A, dims=(d0, d1), ord=ord, keepdim=keepdim)
    if not isinstance(ord, str) and ord in (1, -1, math.inf, -math.inf):
        dims = (d0, d1) if abs(ord) == 1 else (d1, d0)  # summed over dims[0], then max / min
        node = AmaxBackward0 if ord > 0 else AminBackward0
        return apply(node, _abs_sum_kernel, A, dims=dims, largest=ord > 0, keepdim=keepdim)
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """torch.linalg.norm: a matrix norm for a 2-D input or a 2-tuple ``dim`` when ``ord`` is
    given, else the vector norm (2 by default) over ``dim`` or all elements."""
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None:
        if len(dim) not in (1, 2):
            raise RuntimeError(
                f"linalg.norm: If dim is specified, it mut be of length 1 or 2. Got {list(dim)}"
            )
    elif ord is not None and A.ndim not in (1, 2):
        raise RuntimeError(
            "linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
            f"Got {A.ndim}D."
        )
    if isinstance(ord, str):
        return matrix_norm(A, ord, (0, 1) if dim is None else dim, keepdim, dtype=dtype)
    if ord is not None and ((dim is not None and len(dim) == 2) or (dim is None and A.ndim == 2)):
        return matrix_norm(A, ord, (0, 1) if dim is None else dim, keepdim, dtype=dtype)
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


def _numpy_norm(x, ord=None, axis=None, keepdims=False):
    """np.linalg.norm: the 2-norm of all elements, or by ``ord`` a vector norm (1-D input,
    int ``axis``) or a matrix norm (2-D input, 2-tuple ``axis``)."""
    x = _as_tensor(x)
    if axis is None:
        if ord is None:
            return vector_norm(x, 2, None, keepdims)
        axis = tuple(range(x.ndim))
    axis = (axis,) if isinstance(axis, int) else tuple(axis)
    if len(axis) == 1:
        return vector_norm(x, 2 if ord is None else ord, axis, keepdims)
    if len(axis) == 2:
        return matrix_norm(x, "fro" if ord is None else ord, axis, keepdims)
    raise ValueError("Improper number of dimensions to norm.")


__all__ = [
    "LinAlgError",
    "cholesky",
    "cholesky_ex",
    "det",
    "inv",
    "inv_ex",
    "matrix_norm",
    "norm",
    "slogdet",
    "solve",
    "svd",
    "svdvals",
    "vector_norm",
]
METHODS: dict = {}
NUMPY = {
    np.linalg.inv: lambda a: inv(_as_tensor(a)),
    np.linalg.det: lambda a: det(_as_tensor(a)),
    np.linalg.slogdet: lambda a: slogdet(_as_tensor(a)),
    np.linalg.solve: _numpy_solve,
    np.linalg.cholesky: _numpy_cholesky,
    np.linalg.norm: _numpy_norm,
    np.linalg.svd: _numpy_svd,
}
