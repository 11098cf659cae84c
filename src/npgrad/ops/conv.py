"""Convolutions: conv1d, conv2d, conv_transpose2d, vectorised over pixels.

A convolution is im2col (a strided view of every window, copied once into a matrix) and
one matrix product per call. Its geometry is ``stride, lo, hi, dilation, groups``: the input
is padded by ``lo`` before and ``hi`` after each spatial dimension, where ``hi`` is exact (the
windows end at the padded end; a negative ``hi`` drops trailing input that no window
reaches). So the spatial sizes of input, output and kernel each follow from the other two.

Rules: three bilinear ops close the family under differentiation. With y = conv(x, w),
dx = conv_t(g, w) (the transposed convolution, a col2im scatter of wᵀg) and
dw = weight_grad(x, g) (the windows of x against g); each of those two has its own VJPs in
terms of the other ops, so double backward is recorded from the same helpers.
"""

from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ._defop import MULTILINEAR, apply, defop

_as_strided = np.lib.stride_tricks.as_strided
_TORCH_DTYPE = {"float64": "Double", "float32": "Float", "float16": "Half", "int64": "Long"}


# --- raw kernels (arrays) ----------------------------------------------------------------
def pad_spatial(x: np.ndarray, lo, hi, value=0) -> np.ndarray:
    """``x`` with ``lo[i]`` values before and ``hi[i]`` after its last dims (``hi < 0`` crops)."""
    nd = len(lo)
    sizes = x.shape[x.ndim - nd :]
    keep = tuple(slice(0, min(s, s + h)) for s, h in zip(sizes, hi))
    if not any(lo) and all(h <= 0 for h in hi):
        return x[(..., *keep)] if any(hi) else x
    padded = tuple(s + lo_ + h for s, lo_, h in zip(sizes, lo, hi))
    out = np.full(x.shape[: x.ndim - nd] + padded, value, dtype=x.dtype)
    inner = tuple(slice(lo_, lo_ + k.stop) for lo_, k in zip(lo, keep))
    out[(..., *inner)] = x[(..., *keep)]
    return out


def crop_spatial(x: np.ndarray, lo, hi) -> np.ndarray:
    """The adjoint of ``pad_spatial``: the inner region of ``x``, zero-extended where hi < 0."""
    nd = len(lo)
    sizes = x.shape[x.ndim - nd :]
    if all(h >= 0 for h in hi):
        return x[(..., *(slice(lo_, s - h) for s, lo_, h in zip(sizes, lo, hi)))]
    inner = tuple(s - lo_ - h for s, lo_, h in zip(sizes, lo, hi))
    out = np.zeros(x.shape[: x.ndim - nd] + inner, dtype=x.dtype)
    take = tuple(min(k, s - lo_) for k, s, lo_ in zip(inner, sizes, lo))
    out[(..., *(slice(0, t) for t in take))] = x[
        (..., *(slice(lo_, lo_ + t) for lo_, t in zip(lo, take)))
    ]
    return out


def windows(xp: np.ndarray, kernel, stride, dilation) -> np.ndarray:
    """A read-only view ``(..., *out, *kernel)`` of the windows over the last dims of ``xp``."""
    nd = len(kernel)
    lead = xp.ndim - nd
    out = tuple(
        (e - d * (k - 1) - 1) // s + 1
        for e, k, s, d in zip(xp.shape[lead:], kernel, stride, dilation)
    )
    inner = xp.strides[lead:]
    strides = (
        xp.strides[:lead]
        + tuple(st * s for st, s in zip(inner, stride))
        + tuple(st * d for st, d in zip(inner, dilation))
    )
    return _as_strided(xp, xp.shape[:lead] + out + tuple(kernel), strides, writeable=False)


def scatter_windows(cols: np.ndarray, extent, stride, dilation) -> np.ndarray:
    """The adjoint of ``windows``: ``cols (..., *out, *kernel)`` summed into zeros of
    ``(..., *extent)``, one strided add per kernel offset."""
    nd = len(extent)
    lead = cols.shape[: cols.ndim - 2 * nd]
    out = cols.shape[len(lead) : len(lead) + nd]
    kernel = cols.shape[len(lead) + nd :]
    buf = np.zeros(lead + tuple(extent), dtype=cols.dtype)
    for offset in np.ndindex(*kernel):
        where = tuple(
            slice(i * d, i * d + s * (o - 1) + 1, s)
            for i, d, s, o in zip(offset, dilation, stride, out)
        )
        buf[(..., *where)] += cols[(..., *offset)]
    return buf


def _im2col(x, kernel, stride, lo, hi, dilation, groups):
    """(groups, C/groups * K, N * L): every window of padded ``x``, one column per position
    (this layout copies fastest: the innermost run is a row of output positions)."""
    n, c = x.shape[:2]
    nd = len(kernel)
    win = windows(pad_spatial(x, lo, hi), kernel, stride, dilation)
    out = win.shape[2 : 2 + nd]
    win = win.reshape(n, groups, c // groups, *out, *kernel)
    perm = (1, 2, *range(3 + nd, 3 + 2 * nd), 0, *range(3, 3 + nd))
    rows = c // groups * math.prod(kernel)
    return win.transpose(perm).reshape(groups, rows, n * math.prod(out)), out


def _by_group(y, groups):
    """(N, O, *out) -> (groups, O/groups, N * L)."""
    n, o = y.shape[:2]
    size = math.prod(y.shape[2:])
    y = y.reshape(n, groups, o // groups, size).transpose(1, 2, 0, 3)
    return y.reshape(groups, o // groups, n * size)


def _w_by_group(w, groups):
    """(O, C/groups, *kernel) -> (groups, O/groups, C/groups * K)."""
    return w.reshape(groups, w.shape[0] // groups, math.prod(w.shape[1:]))


def _conv(x, w, b, stride, lo, hi, dilation, groups):
    n, o = x.shape[0], w.shape[0]
    cols, out = _im2col(x, w.shape[2:], stride, lo, hi, dilation, groups)
    y = np.matmul(_w_by_group(w, groups), cols)  # (groups, O/groups, N * L)
    y = y.reshape(groups, o // groups, n, math.prod(out)).transpose(2, 0, 1, 3).reshape(n, o, *out)
    if b is not None:
        y += b.reshape(o, *(1,) * len(out))
    return y


def _conv_t(y, w, b, stride, lo, hi, dilation, groups):
    n, o = y.shape[:2]
    out = y.shape[2:]
    kernel = w.shape[2:]
    nd = len(out)
    cg = w.shape[1]
    w2 = _w_by_group(w, groups).transpose(0, 2, 1)
    cols = np.matmul(w2, _by_group(y, groups))  # (groups, C/groups * K, N * L)
    cols = cols.reshape(groups, cg, *kernel, n, *out)
    cols = cols.transpose(0, 1, 2 + nd, *range(3 + nd, 3 + 2 * nd), *range(2, 2 + nd))
    extent = tuple(
        (m - 1) * s + d * (k - 1) + 1 for m, s, d, k in zip(out, stride, dilation, kernel)
    )
    x = crop_spatial(scatter_windows(cols, extent, stride, dilation), lo, hi)  # (g, C/g, N, *S)
    x = x.transpose(2, 0, 1, *range(3, 3 + nd)).reshape(n, groups * cg, *x.shape[3:])
    if b is not None:
        x += b.reshape(b.shape[0], *(1,) * nd)
    return x


def _weight_grad(x, y, stride, lo, hi, dilation, groups):
    c = x.shape[1]
    o = y.shape[1]
    out = y.shape[2:]
    kernel = tuple(
        (s + lo_ + h - (m - 1) * st - 1) // d + 1
        for s, lo_, h, m, st, d in zip(x.shape[2:], lo, hi, out, stride, dilation)
    )
    cols, _ = _im2col(x, kernel, stride, lo, hi, dilation, groups)
    dw = np.matmul(_by_group(y, groups), cols.transpose(0, 2, 1))
    return dw.reshape(o, c // groups, *kernel)


# --- the ops and their rules ---------------------------------------------------------------
def _call(node, kernel, *args, **geo):
    """Record ``node`` when given Tensors (double backward), else run the raw kernel."""
    if any(isinstance(a, Tensor) for a in args):
        return apply(node, kernel, *args, **geo)
    return kernel(*args, **geo)


def conv_op(x, w, **geo):
    """Cross-correlation of x with w (no bias), on arrays or recorded on Tensors."""
    return _call(_ConvBackwardBackward, _conv, x, w, None, **geo)


def conv_t_op(y, w, **geo):
    """The transposed convolution (the adjoint of ``conv_op`` in its first argument)."""
    return _call(_ConvTBackwardBackward, _conv_t, y, w, None, **geo)


def weight_grad_op(x, y, **geo):
    """The adjoint of ``conv_op`` in its second argument: windows of x against y."""
    return _call(_WeightGradBackward, _weight_grad, x, y, **geo)


def _bias_grad(g, r, x, w, b, **geo):
    return g.sum(axis=(0, *range(2, g.ndim)))


_conv_rules = (
    lambda g, r, x, w, b, **geo: conv_t_op(g, w, **geo),
    lambda g, r, x, w, b, **geo: weight_grad_op(x, g, **geo),
    _bias_grad,
)
_conv_t_rules = (
    lambda g, r, x, w, b, **geo: conv_op(g, w, **geo),
    lambda g, r, x, w, b, **geo: weight_grad_op(g, x, **geo),
    _bias_grad,
)


def _biased_jvp(op):
    """The JVP of ``op(x, w) + bias``: bilinear in x and w, plus the bias's tangent."""

    def jvp(tangents, r, x, w, b, **geo):
        tx, tw, tb = tangents
        terms = [op(tx, w, **geo)] if tx is not None else []
        if tw is not None:
            terms.append(op(x, tw, **geo))
        if tb is not None:
            terms.append(tb.reshape(-1, *(1,) * (r.ndim - 2)))
        return sum(terms[1:], terms[0])

    return jvp


ConvolutionBackward0 = defop("ConvolutionBackward0", *_conv_rules, jvp=_biased_jvp(conv_op))
_ConvTransposeBackward = defop("ConvolutionBackward0", *_conv_t_rules, jvp=_biased_jvp(conv_t_op))
# The ops of double backward get no bias, so they are multilinear.
_ConvBackwardBackward = defop("ConvolutionBackwardBackward0", *_conv_rules, jvp=MULTILINEAR)
_ConvTBackwardBackward = defop("ConvolutionBackwardBackward0", *_conv_t_rules, jvp=MULTILINEAR)
_WeightGradBackward = defop(
    "ConvolutionBackwardBackward0",
    lambda v, r, x, y, **geo: conv_t_op(y, v, **geo),
    lambda v, r, x, y, **geo: conv_op(x, v, **geo),
    jvp=MULTILINEAR,
)


# --- argument handling -------------------------------------------------------------------
def _tuple(value, nd: int, what: str) -> tuple:
    t = (value,) * nd if isinstance(value, int) else tuple(int(v) for v in value)
    if len(t) == 1 and nd > 1:
        t = t * nd
    if len(t) != nd:
        raise RuntimeError(
            f"expected {what} to be a single integer value or a list of {nd} values to match "
            f"the convolution dimensions, but got {what}={list(t)}"
        )
    return t


def _check_positive(stride, dilation) -> None:
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported; use stride >= 1")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported; use dilation >= 1")


def _check_dtypes(input: Tensor, weight: Tensor, bias) -> None:
    for other in (weight, bias):
        if other is not None and other.dtype != input.dtype:
            want = _TORCH_DTYPE.get(input.dtype.name, input.dtype.name)
            got = _TORCH_DTYPE.get(other.dtype.name, other.dtype.name)
            raise RuntimeError(
                f"expected scalar type {want} but found {got}: input, weight and bias must "
                "have the same dtype; convert them with .to(input.dtype)"
            )


def _size(shape) -> str:
    return " x ".join(str(s) for s in shape)


def _batched(input: Tensor, nd: int, name: str) -> bool:
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(
            f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, but got "
            f"input of size: {list(input.shape)}"
        )
    return input.ndim == nd + 2


def _check_weight(weight: Tensor, nd: int, groups: int) -> None:
    if weight.ndim != nd + 2:
        raise RuntimeError(
            f"weight should have {nd + 2} dimensions (out_channels, in_channels / groups, "
            f"*kernel_size), got weight of size {list(weight.shape)}"
        )
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported; use groups >= 1")
    if weight.shape[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size [{list(weight.shape)}] instead"
        )


def _convnd(nd, name, input, weight, bias, stride, padding, dilation, groups) -> Tensor:
    batched = _batched(input, nd, name)
    _check_weight(weight, nd, groups)
    stride = _tuple(stride, nd, "stride")
    dilation = _tuple(dilation, nd, "dilation")
    _check_positive(stride, dilation)
    x = input if batched else input.unsqueeze(0)
    kernel = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding == "valid":
            lo = hi = (0,) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError(
                    "padding='same' is not supported for strided convolutions; use stride=1 "
                    "or give the padding as numbers"
                )
            total = tuple(d * (k - 1) for d, k in zip(dilation, kernel))
            lo = tuple(t // 2 for t in total)
            hi = tuple(t - p for t, p in zip(total, lo))
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'; use 'valid' or 'same'")
    else:
        lo = hi = _tuple(padding, nd, "padding")
        if any(p < 0 for p in lo):
            raise RuntimeError("negative padding is not supported; use padding >= 0")
    channels = weight.shape[1] * groups
    if x.shape[1] != channels:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected "
            f"input{list(x.shape)} to have {channels} channels, but got {x.shape[1]} channels "
            "instead"
        )
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise RuntimeError(
            f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with "
            f"{weight.shape[0]} elements, but got bias of size {list(bias.shape)} instead"
        )
    _check_dtypes(input, weight, bias)
    padded = tuple(s + a + b for s, a, b in zip(x.shape[2:], lo, hi))
    span = tuple(d * (k - 1) + 1 for d, k in zip(dilation, kernel))
    if any(p < k for p, k in zip(padded, span)):
        raise RuntimeError(
            f"Calculated padded input size per channel: ({_size(padded)}). Kernel size: "
            f"({_size(span)}). Kernel size can't be greater than actual input size; pad the "
            "input or use a smaller kernel"
        )
    out = tuple((p - k) // s + 1 for p, k, s in zip(padded, span, stride))
    hi = tuple((o - 1) * s + k - n - a for o, s, k, n, a in zip(out, stride, span, x.shape[2:], lo))
    y = apply(
        ConvolutionBackward0,
        _conv,
        x,
        weight,
        bias,
        stride=stride,
        lo=lo,
        hi=hi,
        dilation=dilation,
        groups=groups,
    )
    return y if batched else y.squeeze(0)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """1-D cross-correlation of ``input`` (N, C_in, L) or (C_in, L) with ``weight``
    (C_out, C_in / groups, k), plus ``bias``."""
    return _convnd(1, "conv1d", input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """2-D cross-correlation of ``input`` (N, C_in, H, W) or (C_in, H, W) with ``weight``
    (C_out, C_in / groups, kH, kW), plus ``bias``; ``padding`` may be 'valid' or 'same'."""
    return _convnd(2, "conv2d", input, weight, bias, stride, padding, dilation, groups)


def conv_transpose2d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
) -> Tensor:
    """2-D transposed convolution (the gradient of conv2d with respect to its input) of
    ``input`` (N, C_in, H, W) or (C_in, H, W) with ``weight`` (C_in, C_out / groups, kH, kW)."""
    nd = 2
    batched = _batched(input, nd, "conv_transpose2d")
    _check_weight(weight, nd, groups)
    stride = _tuple(stride, nd, "stride")
    dilation = _tuple(dilation, nd, "dilation")
    padding = _tuple(padding, nd, "padding")
    output_padding = _tuple(output_padding, nd, "output_padding")
    _check_positive(stride, dilation)
    if any(p < 0 for p in (*padding, *output_padding)):
        raise RuntimeError("negative padding is not supported; use padding >= 0")
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
        raise RuntimeError(
            "output padding must be smaller than either stride or dilation, but got "
            f"output_padding={list(output_padding)}, stride={list(stride)} and "
            f"dilation={list(dilation)}"
        )
    x = input if batched else input.unsqueeze(0)
    if x.shape[1] != weight.shape[0]:
        raise RuntimeError(
            f"Given transposed=1, weight of size {list(weight.shape)}, expected "
            f"input{list(x.shape)} to have {weight.shape[0]} channels, but got {x.shape[1]} "
            "channels instead"
        )
    channels = weight.shape[1] * groups
    if bias is not None and tuple(bias.shape) != (channels,):
        raise RuntimeError(
            f"Given transposed=1, weight of size {list(weight.shape)}, expected bias to be "
            f"1-dimensional with {channels} elements, but got bias of size {list(bias.shape)} "
            "instead"
        )
    _check_dtypes(input, weight, bias)
    kernel = tuple(weight.shape[2:])
    out = tuple(
        (n - 1) * s - 2 * p + d * (k - 1) + op + 1
        for n, s, p, d, k, op in zip(x.shape[2:], stride, padding, dilation, kernel, output_padding)
    )
    if any(o <= 0 for o in out):
        raise RuntimeError(
            f"Given input size per channel: ({_size(x.shape[2:])}). Calculated output size per "
            f"channel: ({_size(out)}). Output size is too small; use less padding"
        )
    y = apply(
        _ConvTransposeBackward,
        _conv_t,
        x,
        weight,
        bias,
        stride=stride,
        lo=padding,
        hi=tuple(p - op for p, op in zip(padding, output_padding)),
        dilation=dilation,
        groups=groups,
    )
    return y if batched else y.squeeze(0)


__all__ = ["conv1d", "conv2d", "conv_transpose2d"]
METHODS: dict = {}
NUMPY: dict = {}
