"""Matrix products: ``matmul`` in all of torch's shape cases (vector, matrix, batched with
broadcast batch dimensions), ``mm``, ``mv``, ``dot``, ``bmm``; ``einsum`` (which also runs
``tensordot``), ``outer``, ``trace`` and ``torch.norm``.

Rules: for C = A @ B, dA = dC @ Bᵀ and dB = Aᵀ @ dC, with vectors treated as a 1-row (A) or
1-column (B) matrix and that dimension dropped again; broadcast batch dimensions are summed
back by the engine. For einsum, the gradient of an operand is an einsum of the incoming
gradient with the other operands, whose output is that operand's subscripts.
"""

from __future__ import annotations

import collections
import functools
import math
import string

import numpy as np

from .._tensor import Tensor, _wrap_dim
from . import decomposition as D
from ._defop import LINEAR, MULTILINEAR, apply, binary, defop
from .pointwise import where


def _as_matrices(g, a, b):
    """dC, A, B with vectors promoted to matrices, as matmul itself promotes them."""
    if a.ndim == 1:
        a = a[None, :]
        g = g[..., None, :]
    if b.ndim == 1:
        b = b[:, None]
        g = g[..., None]
    return g, a, b


def _grad_a(g, r, a, b):
    vector = a.ndim == 1
    g, a, b = _as_matrices(g, a, b)
    da = g @ np.swapaxes(b, -1, -2)
    return da[..., 0, :] if vector else da


def _grad_b(g, r, a, b):
    vector = b.ndim == 1
    g, a, b = _as_matrices(g, a, b)
    db = np.swapaxes(a, -1, -2) @ g
    return db[..., 0] if vector else db


DotBackward0 = defop(
    "DotBackward0", lambda g, r, a, b: g * b, lambda g, r, a, b: g * a, jvp=MULTILINEAR
)
MvBackward0 = defop("MvBackward0", _grad_a, _grad_b, jvp=MULTILINEAR)
MmBackward0 = defop("MmBackward0", _grad_a, _grad_b, jvp=MULTILINEAR)
BmmBackward0 = defop("BmmBackward0", _grad_a, _grad_b, jvp=MULTILINEAR)
# torch names the node after the last step of its matmul decomposition; so do we.
SqueezeBackward4 = defop("SqueezeBackward4", _grad_a, _grad_b, jvp=MULTILINEAR)
UnsafeViewBackward0 = defop("UnsafeViewBackward0", _grad_a, _grad_b, jvp=MULTILINEAR)
CloneBackward0 = defop("CloneBackward0", _grad_a, _grad_b, jvp=MULTILINEAR)


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """Matrix product with torch's rules for 1-D and batched operands."""
    a = input._data if isinstance(input, Tensor) else np.asarray(input)
    b = other._data if isinstance(other, Tensor) else np.asarray(other)
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {a.ndim}D and "
            f"{b.ndim}D; use * to multiply by a scalar"
        )
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {a.dtype} != {b.dtype}; "
            "convert one operand first, e.g. b.to(a.dtype)"
        )
    k_a = a.shape[-1]
    k_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if k_a != k_b:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({_rows(a)}x{k_a} and {k_b}x"
            f"{b.shape[-1] if b.ndim > 1 else 1}): the last dimension of the first operand "
            "must equal the first matrix dimension of the second"
        )
    if a.ndim == 1 and b.ndim == 1:
        node = DotBackward0
    elif a.ndim == 2 and b.ndim == 1:
        node = MvBackward0
    elif a.ndim == 2 and b.ndim == 2:
        node = MmBackward0
    elif a.ndim == 1 and b.ndim == 2:
        node = SqueezeBackward4
    elif a.ndim == 2:
        node = CloneBackward0
    else:
        node = UnsafeViewBackward0
    return binary(node, np.matmul, input, other)


def _rows(a) -> int:
    return int(np.prod(a.shape[:-1])) if a.ndim > 1 else 1


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Product of two matrices."""
    _expect_dims("mm", input, 2, "self")
    _expect_dims("mm", mat2, 2, "mat2")
    return matmul(input, mat2)


def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Matrix times vector."""
    _expect_dims("mv", input, 2, "self")
    _expect_dims("mv", vec, 1, "vec")
    return matmul(input, vec)


def dot(input: Tensor, tensor: Tensor) -> Tensor:
    """Inner product of two 1-D tensors."""
    _expect_dims("dot", input, 1, "self")
    _expect_dims("dot", tensor, 1, "tensor")
    return matmul(input, tensor)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched product of two 3-D tensors with the same batch size."""
    _expect_dims("bmm", input, 3, "batch1")
    _expect_dims("bmm", mat2, 3, "batch2")
    if input.shape[0] != mat2.shape[0]:
        raise RuntimeError(
            "bmm: batch1 and batch2 must have the same batch size, got "
            f"{input.shape[0]} and {mat2.shape[0]}"
        )
    return binary(BmmBackward0, np.matmul, input, mat2)


def _expect_dims(op: str, t: Tensor, n: int, name: str) -> None:
    if t.ndim != n:
        raise RuntimeError(f"{op}: {name} must be a {n}D tensor, got {t.ndim}D")


def _rmatmul(self, other):
    return matmul(other, self)


# --- einsum, tensordot, outer, trace, norm ---------------------------------------------------

_LETTERS = string.ascii_uppercase + string.ascii_lowercase


def _np_dtype(x):
    return x._data.dtype if isinstance(x, Tensor) else np.asarray(x).dtype


def _parse_einsum(equation: str, ndims: list) -> tuple[list, str]:
    """Input and output subscripts with ``...`` replaced by letters of their own and the
    implicit output (ellipsis, then labels seen once, sorted) made explicit."""
    eq = equation.replace(" ", "")
    for i, c in enumerate(eq):
        if not (c in _LETTERS or c in ".,->"):
            raise RuntimeError(
                f"einsum(): invalid subscript given at index {i} in the equation string, "
                "subscripts must be in [a-zA-Z]"
            )
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) < len(ndims):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    if len(terms) > len(ndims):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    free = [c for c in _LETTERS if c not in eq]
    counts = []
    for k, (term, nd) in enumerate(zip(terms, ndims)):
        labels = term.replace("...", "", 1)
        if "." in labels:
            raise RuntimeError(
                f"einsum(): found a '.' that is not part of any ellipsis in '{term}'"
            )
        if "..." in term:
            if len(labels) > nd:
                raise RuntimeError(
                    f"einsum(): the number of subscripts in the equation ({len(labels)}) is "
                    f"more than the number of dimensions ({nd}) for operand {k}"
                )
            counts.append(nd - len(labels))
        elif len(term) != nd:
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({len(term)}) does not "
                f"match the number of dimensions ({nd}) for operand {k} and no ellipsis was given"
            )
        else:
            counts.append(0)
    ell = "".join(free[: max(counts, default=0)])
    subs = [t.replace("...", ell[len(ell) - n :]) for t, n in zip(terms, counts)]
    if arrow:
        if rhs.replace("...", "", 1).count("."):
            raise RuntimeError(
                "einsum(): found a '.' that is not part of any ellipsis in the output"
            )
        out = rhs.replace("...", ell)
        seen = "".join(subs)
        for c in out:
            if out.count(c) > 1:
                raise RuntimeError(
                    f"einsum(): output subscript {c} appears more than once in the output"
                )
            if c not in seen:
                raise RuntimeError(
                    f"einsum(): output subscript {c} does not appear in the equation for any "
                    "input operand"
                )
    else:
        labels = "".join(terms).replace(".", "")
        out = ell + "".join(sorted(c for c in set(labels) if labels.count(c) == 1))
    return subs, out


def _label_sizes(subs: list, shapes: list) -> dict:
    """The size of each label, checking that repeats match and operands broadcast."""
    sizes: dict = {}
    for k, (term, shape) in enumerate(zip(subs, shapes)):
        own: dict = {}
        for c, n in zip(term, shape):
            if own.setdefault(c, n) != n:
                raise RuntimeError(
                    f"einsum(): subscript {c} is repeated for operand {k} but the sizes don't "
                    f"match, {n} != {own[c]}"
                )
        for c, n in own.items():
            seen = sizes.get(c, 1)
            if n != seen and 1 not in (n, seen):
                raise RuntimeError(
                    f"einsum(): subscript {c} has size {n} for operand {k} which does not "
                    f"broadcast with previously seen size {seen}"
                )
            sizes[c] = max(seen, n)
    return sizes


@functools.cache
def _einsum_node(name: str, n: int) -> type:
    return defop(name, *(functools.partial(_einsum_vjp, k) for k in range(n)), jvp=MULTILINEAR)


def _einsum_vjp(k, g, r, *operands, subs, out):
    """dL/d(operand k): the other operands and g contracted onto operand k's labels; labels
    only operand k has are broadcast back (a ones vector), repeated ones put on a diagonal."""
    term, shape, dtype = subs[k], tuple(operands[k].shape), _np_dtype(g)
    own = dict(zip(term, shape))
    unique = "".join(dict.fromkeys(term))
    terms = [out] + [s for i, s in enumerate(subs) if i != k]
    args = [g] + [op for i, op in enumerate(operands) if i != k]
    present = "".join(terms)
    for c in unique:
        if c not in present:
            terms.append(c)
            args.append(np.ones(own[c], dtype=dtype))
    d = np.einsum(",".join(terms) + "->" + unique, *args)
    stretched = tuple(i for i, c in enumerate(unique) if own[c] == 1 and d.shape[i] != 1)
    if stretched:  # operand k was broadcast along these labels
        d = d.sum(axis=stretched, keepdims=True)
    target = tuple(own[c] for c in unique)
    if tuple(d.shape) != target:  # the others were broadcast along these
        d = np.broadcast_to(d, target)
    if len(unique) == len(term):
        return d if unique == term else np.einsum(unique + "->" + term, d)
    fresh = iter(c for c in _LETTERS if c not in present + term)
    full, eyes, seen = "", [], set()
    for c in term:
        if c in seen:
            f = next(fresh)
            full += f
            eyes.append(c + f)
        else:
            full += c
            seen.add(c)
    return np.einsum(
        ",".join([unique, *eyes]) + "->" + full,
        d,
        *(np.eye(own[e[0]], dtype=dtype) for e in eyes),
    )


def _einsum_kernel(*arrays, subs, out):
    return np.einsum(",".join(subs) + "->" + out, *arrays, optimize=len(arrays) > 2)


def _contract(subs: list, out: str, operands: list, name: str | None = None) -> Tensor:
    """Run a parsed einsum; the node is named as torch names the last step it takes."""
    arrays = [op._data if isinstance(op, Tensor) else np.asarray(op) for op in operands]
    dtypes = {a.dtype for a in arrays}
    if len(dtypes) > 1:
        raise RuntimeError(
            f"expected scalar type {D.torch_type(arrays[0].dtype)} but found "
            f"{D.torch_type(next(a.dtype for a in arrays if a.dtype != arrays[0].dtype))}: "
            "einsum operands must share a dtype; convert them with .to(dtype) first"
        )
    _label_sizes(subs, [a.shape for a in arrays])
    summed = bool(set("".join(subs)) - set(out))
    if name is None:
        if len(arrays) == 1:
            name = "SumBackward1" if summed else "PermuteBackward0"
        else:
            name = "ViewBackward0" if summed else "MulBackward0"
    operands = [op if isinstance(op, Tensor) else a for op, a in zip(operands, arrays)]
    if len(arrays) == 1 and summed and arrays[0].dtype.kind in "biu":
        operands = [arrays[0].astype(np.int64)]  # a sum, which torch widens to int64
    return apply(_einsum_node(name, len(operands)), _einsum_kernel, *operands, subs=subs, out=out)


def einsum(equation, *operands) -> Tensor:
    """Sum of products over the labelled dimensions of ``equation`` (``'ij,jk->ik'``):
    implicit output, ``...``, repeated labels (diagonals); operands as varargs or one list,
    or torch's sublist form ``einsum(a, [0, 1], b, [1, 2], [0, 2])``."""
    if not isinstance(equation, str):
        equation, operands = _sublist_equation(equation, operands)
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise RuntimeError("einsum(): must provide at least one operand")
    subs, out = _parse_einsum(equation, [np.ndim(_data(op)) for op in operands])
    return _contract(subs, out, list(operands))


def _data(x):
    return x._data if isinstance(x, Tensor) else x


def _sublist_equation(first, rest) -> tuple[str, tuple]:
    args = (first, *rest)
    out = list(args[-1]) if len(args) % 2 else None
    pairs = args[: len(args) - len(args) % 2]
    operands, terms = list(pairs[0::2]), [list(s) for s in pairs[1::2]]

    def letters(sub):
        return "".join("..." if s is Ellipsis else _LETTERS[s] for s in sub)

    eq = ",".join(letters(t) for t in terms) + ("" if out is None else "->" + letters(out))
    return eq, tuple(operands)


def _numpy_einsum(subscripts, *operands, out=None, optimize=False, **kwargs):
    if out is not None or kwargs:
        raise TypeError(
            "numpy.einsum with out=, dtype=, order= or casting= is not supported on npgrad tensors"
        )
    return einsum(subscripts, *operands)


def tensordot(a: Tensor, b: Tensor, dims=2) -> Tensor:
    """Sum of products over ``dims``: the last ``dims`` dimensions of ``a`` with the first of
    ``b`` (an int), or the listed dimensions (``([a dims], [b dims])``)."""
    na, nb = np.ndim(_data(a)), np.ndim(_data(b))
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(na, nb):
            raise RuntimeError(
                f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims} for operands "
                f"of {na} and {nb} dimensions"
            )
        da, db = list(range(na - dims, na)), list(range(dims))
    else:
        da, db = ([d] if isinstance(d, (int, np.integer)) else list(d) for d in dims)
        if len(da) != len(db):
            raise RuntimeError("both dimension lists should have same length")
    if _np_dtype(a) != _np_dtype(b):
        raise RuntimeError("both inputs should have same dtype")
    da = [_wrap_dim(d, na) for d in da]
    db = [_wrap_dim(d, nb) for d in db]
    sa, sb = np.shape(_data(a)), np.shape(_data(b))
    for i, j in zip(da, db):
        if sa[i] != sb[j] and 1 not in (sa[i], sb[j]):
            raise RuntimeError(
                f"contracted dimensions need to match, but first has size {sa[i]} in dim {i} "
                f"and second has size {sb[j]} in dim {j}"
            )
    ta = _LETTERS[:na]
    rest = iter(_LETTERS[na:])
    tb = "".join(ta[da[db.index(j)]] if j in db else next(rest) for j in range(nb))
    out = "".join(ta[i] for i in range(na) if i not in da)
    out += "".join(tb[j] for j in range(nb) if j not in db)
    return _contract([ta, tb], out, [a, b], "ViewBackward0")


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """Outer product of two vectors: ``out[i, j] = input[i] * vec2[j]``."""
    for name, t in (("self", input), ("vec2", vec2)):
        if t.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t.ndim}-D")
    return input.reshape(-1, 1) * vec2


TraceBackward0 = defop(
    "TraceBackward0",
    lambda g, r, x, shape: g * np.eye(*shape, dtype=_np_dtype(g)),
    saves="none",
    jvp=LINEAR,
)


def trace(input: Tensor) -> Tensor:
    """Sum of the main diagonal of a matrix."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    kind = input._data.dtype.kind
    dtype = np.int64 if kind in "biu" else None
    return apply(
        TraceBackward0, lambda x, shape: np.trace(x, dtype=dtype), input, shape=input.shape
    )


def _numpy_trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    if dtype is not None or out is not None:
        raise TypeError("numpy.trace with dtype= or out= is not supported on npgrad tensors")
    nd = a.ndim
    axis1, axis2 = _wrap_dim(axis1, nd), _wrap_dim(axis2, nd)
    if offset:
        index = [slice(None)] * nd
        index[axis1] = slice(max(-offset, 0), None)
        index[axis2] = slice(max(offset, 0), None)
        a = a[tuple(index)]
    n = min(a.shape[axis1], a.shape[axis2])
    if a.shape[axis1] != n or a.shape[axis2] != n:
        index = [slice(None)] * nd
        index[axis1] = index[axis2] = slice(0, n)
        a = a[tuple(index)]
    if nd == 2 and not offset and a.shape[0] == a.shape[1]:
        return trace(a)
    term = "".join("i" if d in (axis1, axis2) else _LETTERS[d] for d in range(nd))
    return einsum(term + "->" + term.replace("i", ""), a)


def _numpy_dot(a, b, out=None):
    if out is not None:
        raise TypeError("numpy.dot with out= is not supported on npgrad tensors")
    na, nb = np.ndim(_data(a)), np.ndim(_data(b))
    if na == 0 or nb == 0:
        return a * b
    if na <= 2 and nb <= 2:
        return matmul(*_as_tensors(a, b))
    return tensordot(a, b, ([-1], [-2 if nb >= 2 else 0]))


def _numpy_inner(a, b):
    if np.ndim(_data(a)) == 0 or np.ndim(_data(b)) == 0:
        return a * b
    return tensordot(a, b, ([-1], [-1]))


def _numpy_outer(a, b, out=None):
    if out is not None:
        raise TypeError("numpy.outer with out= is not supported on npgrad tensors")
    a, b = _as_tensors(a, b)
    return outer(a.reshape(-1), b.reshape(-1))


def _as_tensors(*xs):
    from .._tensor import wrap

    return [x if isinstance(x, Tensor) else wrap(np.asarray(x)) for x in xs]


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """torch.norm: the vector p-norm over ``dim`` (all elements by default); ``'fro'`` is
    the 2-norm, ``'nuc'`` the nuclear norm of matrices over a 2-tuple ``dim``."""
    from . import decomposition as D

    dims = [dim] if isinstance(dim, (int, np.integer)) else dim
    if isinstance(p, str):
        if p == "fro" and (dim is None or isinstance(dim, (int, np.integer)) or len(dim) <= 2):
            return D.vector_norm(input, 2, dims, keepdim, dtype=dtype)
        if dims is None:
            dims = list(range(input.ndim))
        return D.matrix_norm(input, p, dims, keepdim, dtype=dtype)
    return D.vector_norm(input, 2.0 if p is None else p, dims, keepdim, dtype=dtype)


def det(input: Tensor) -> Tensor:
    """The determinant of each square matrix of ``input`` (``linalg.det``)."""
    return D.det(input)


def inverse(input: Tensor) -> Tensor:
    """The inverse of each square matrix of ``input`` (``linalg.inv``)."""
    return D.inv(input)


slogdet_result = collections.namedtuple("slogdet", ["sign", "logabsdet"])


def slogdet(input: Tensor) -> slogdet_result:
    """``(sign, logabsdet)`` of the determinant of each square matrix (``linalg.slogdet``)."""
    return slogdet_result(*D.slogdet(input))


def logdet(input: Tensor) -> Tensor:
    """log(det(input)): NaN where the determinant is negative, -inf where it is zero."""
    sign, logabsdet = D.slogdet(input)
    return where(sign._data < 0, math.nan, logabsdet)


__all__ = [
    "bmm",
    "det",
    "dot",
    "einsum",
    "ger",
    "inverse",
    "logdet",
    "matmul",
    "mm",
    "mv",
    "norm",
    "outer",
    "slogdet",
    "tensordot",
    "trace",
]
ger = outer
METHODS = {
    "matmul": matmul,
    "mm": mm,
    "mv": mv,
    "dot": dot,
    "bmm": bmm,
    "outer": outer,
    "ger": outer,
    "trace": trace,
    "norm": norm,
    "det": det,
    "inverse": inverse,
    "slogdet": slogdet,
    "logdet": logdet,
    "__matmul__": matmul,
    "__rmatmul__": _rmatmul,
}
NUMPY = {
    np.matmul: matmul,
    np.einsum: _numpy_einsum,
    np.tensordot: lambda a, b, axes=2: tensordot(a, b, axes),
    np.outer: _numpy_outer,
    np.trace: _numpy_trace,
    np.dot: _numpy_dot,
    np.inner: _numpy_inner,
}
