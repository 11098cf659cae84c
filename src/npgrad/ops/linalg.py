"""Matrix products: ``matmul`` in all of torch's shape cases (vector, matrix, batched with
broadcast batch dimensions), and ``mm``, ``mv``, ``dot``, ``bmm``.

Rules: for C = A @ B, dA = dC @ Bᵀ and dB = Aᵀ @ dC, with vectors treated as a 1-row (A) or
1-column (B) matrix and that dimension dropped again; broadcast batch dimensions are summed
back by the engine.
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ._defop import binary, defop


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


DotBackward0 = defop("DotBackward0", lambda g, r, a, b: g * b, lambda g, r, a, b: g * a)
MvBackward0 = defop("MvBackward0", _grad_a, _grad_b)
MmBackward0 = defop("MmBackward0", _grad_a, _grad_b)
BmmBackward0 = defop("BmmBackward0", _grad_a, _grad_b)
# torch names the node after the last step of its matmul decomposition; so do we.
SqueezeBackward4 = defop("SqueezeBackward4", _grad_a, _grad_b)
UnsafeViewBackward0 = defop("UnsafeViewBackward0", _grad_a, _grad_b)
CloneBackward0 = defop("CloneBackward0", _grad_a, _grad_b)


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


__all__ = ["bmm", "dot", "matmul", "mm", "mv"]
METHODS = {
    "matmul": matmul,
    "mm": mm,
    "mv": mv,
    "dot": dot,
    "bmm": bmm,
    "__matmul__": matmul,
    "__rmatmul__": _rmatmul,
}
NUMPY = {np.matmul: matmul}
