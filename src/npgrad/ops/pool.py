"""Pooling: max_pool1d/2d, avg_pool1d/2d, adaptive_avg_pool2d, on (N, C, ...) or (C, ...).

Rules: max pooling sends each output's gradient to the input position its maximum came
from (adding where windows overlap), a scatter whose own gradient is a gather again.
Average pooling is linear: a window sum divided by each window's divisor, whose adjoint
scatters g / divisor back over the windows; the two are each other's VJPs. Adaptive average
pooling is ``A_h @ x @ A_wᵀ`` with averaging matrices, so its VJP is ``A_hᵀ @ g @ A_w``.
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor, wrap
from ._defop import LINEAR, apply, defop
from .conv import crop_spatial, pad_spatial, scatter_windows, windows
from .indexing import unindex


def _pair(value, what: str) -> tuple:
    t = (value,) * 2 if isinstance(value, int) else tuple(int(v) for v in value)
    if len(t) == 1:
        t = t * 2
    if len(t) != 2:
        raise RuntimeError(
            f"{what} must either be a single int, or a tuple of two ints, got {list(t)}"
        )
    return t


def _check_input(input: Tensor, name: str) -> None:
    if input.ndim not in (3, 4) or any(s == 0 for s in input.shape[1:]):
        raise RuntimeError(
            f"{name}: non-empty 3D or 4D (batch mode) tensor expected for input, got input of "
            f"size {list(input.shape)}"
        )


def _geometry(input, kernel_size, stride, padding, dilation, ceil_mode, name):
    """kernel, stride, dilation, lo, hi (exact, see ``conv``) and output size of a pooling."""
    kernel = _pair(kernel_size, "kernel_size")
    stride = kernel if stride is None or stride == () or stride == [] else _pair(stride, "stride")
    padding = _pair(padding, "padding")
    dilation = _pair(dilation, "dilation")
    if any(k <= 0 for k in kernel):
        raise RuntimeError(f"{name}: kernel size should be greater than zero, got {list(kernel)}")
    if any(s <= 0 for s in stride):
        raise RuntimeError(f"{name}: stride should not be zero, got {list(stride)}")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"{name}: dilation should be greater than zero, got {list(dilation)}")
    if any(p < 0 or p > k // 2 for p, k in zip(padding, kernel)):
        raise RuntimeError(
            f"pad should be at most half of effective kernel size, but got pad={padding[0]}, "
            f"kernel_size={kernel[0]} and dilation={dilation[0]}"
        )
    sizes = tuple(input.shape[-2:])
    out = []
    for n, k, s, p, d in zip(sizes, kernel, stride, padding, dilation):
        span = n + 2 * p - d * (k - 1) - 1
        o = (span + (s - 1 if ceil_mode else 0)) // s + 1
        if ceil_mode and (o - 1) * s >= n + p:
            o -= 1  # the last window must start inside the input or its left padding
        out.append(o)
    if any(o <= 0 for o in out):
        c = input.shape[-3]
        raise RuntimeError(
            f"Given input size: ({c}x{sizes[0]}x{sizes[1]}). Calculated output size: "
            f"({c}x{out[0]}x{out[1]}). Output size is too small; use a smaller kernel or "
            "more padding"
        )
    hi = tuple(
        (o - 1) * s + d * (k - 1) + 1 - n - p
        for o, s, d, k, n, p in zip(out, stride, dilation, kernel, sizes, padding)
    )
    return kernel, stride, dilation, padding, hi, tuple(out)


# --- max pooling ---------------------------------------------------------------------------
def _unpool(g, flat, shape):
    """Zeros of ``shape`` with ``g`` added at the flat positions ``flat``."""
    size = int(np.prod(shape))
    if isinstance(g, Tensor):
        return unindex(g.reshape(-1), (flat,), (size,), True).reshape(shape)
    out = np.bincount(flat, weights=g.reshape(-1), minlength=size)
    return out.astype(g.dtype, copy=False).reshape(shape)


def _gather(x, flat, shape, out_shape):
    return x.reshape(-1)[flat].reshape(out_shape)


MaxPool2DWithIndicesBackward0 = defop(
    "MaxPool2DWithIndicesBackward0",
    lambda g, r, x, flat, shape, out_shape: _unpool(g, flat, shape),
    saves="none",
    jvp=LINEAR,
)


def _argmax_windows(x, kernel, stride, dilation, lo, hi):
    """Per window, the flat index (in its H * W plane) of the first maximum, as torch picks."""
    lowest = -np.inf if x.dtype.kind in "fc" else np.iinfo(x.dtype).min
    win = windows(pad_spatial(x, lo, hi, lowest), kernel, stride, dilation)
    win = win.reshape(*win.shape[:-2], kernel[0] * kernel[1])
    pos = win.argmax(axis=-1)
    if np.isneginf(x).any():
        # All of a window is -inf: torch keeps its first position inside the input.
        valid = pad_spatial(np.ones(x.shape[-2:], dtype=bool), lo, hi, False)
        valid = windows(valid, kernel, stride, dilation)
        first = valid.reshape(*valid.shape[:-2], kernel[0] * kernel[1]).argmax(axis=-1)
        top = np.take_along_axis(win, pos[..., None], axis=-1)[..., 0]
        pos = np.where(top == -np.inf, first, pos)
    oh, ow = pos.shape[-2:]
    rows = np.arange(oh)[:, None] * stride[0] - lo[0] + (pos // kernel[1]) * dilation[0]
    cols = np.arange(ow)[None, :] * stride[1] - lo[1] + (pos % kernel[1]) * dilation[1]
    return rows * x.shape[-1] + cols


def max_pool2d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode=False,
    return_indices=False,
):
    """2-D max pooling over (N, C, H, W) or (C, H, W); with ``return_indices`` also the
    flat position of each maximum in its H * W plane."""
    _check_input(input, "max_pool2d")
    kernel, stride, dilation, lo, hi, _ = _geometry(
        input, kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d"
    )
    x = input._data
    idx = _argmax_windows(x, kernel, stride, dilation, lo, hi)
    plane = x.shape[-2] * x.shape[-1]
    flat = (np.arange(x.size // plane) * plane).reshape(*x.shape[:-2], 1, 1) + idx
    out = apply(
        MaxPool2DWithIndicesBackward0,
        _gather,
        input,
        flat=flat.reshape(-1),
        shape=x.shape,
        out_shape=idx.shape,
    )
    return (out, wrap(idx.astype(np.int64))) if return_indices else out


def max_pool1d(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False
):
    """1-D max pooling over (N, C, L) or (C, L)."""
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"max_pool1d() Expected 2D or 3D input tensor, but got {list(input.shape)}"
        )
    one = _pair(kernel_size, "kernel_size")[:1]
    step = None if stride is None or stride == () else _pair(stride, "stride")[:1]
    out = max_pool2d(
        input.unsqueeze(-2),
        (1, *one),
        None if step is None else (1, *step),
        (0, *_pair(padding, "padding")[:1]),
        (1, *_pair(dilation, "dilation")[:1]),
        ceil_mode,
        return_indices,
    )
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


# --- average pooling -----------------------------------------------------------------------
def _avg(x, div, size, stride, lo, hi):
    win = windows(pad_spatial(x, lo, hi), size, stride, (1, 1))
    return win.sum(axis=(-2, -1)) / div


def _avg_t(g, div, size, stride, lo, hi):
    g = g / div
    cols = np.broadcast_to(g[..., None, None], g.shape + tuple(size))
    extent = tuple((o - 1) * s + k for o, s, k in zip(g.shape[-2:], stride, size))
    return crop_spatial(scatter_windows(cols, extent, stride, (1, 1)), lo, hi)


def _avg_t_op(g, **geo):
    if isinstance(g, Tensor):
        return apply(AvgPool2DBackwardBackward0, _avg_t, g, **geo)
    return _avg_t(g, **geo)


def _avg_op(h, **geo):
    if isinstance(h, Tensor):
        return apply(AvgPool2DBackward0, _avg, h, **geo)
    return _avg(h, **geo)


AvgPool2DBackward0 = defop(
    "AvgPool2DBackward0", lambda g, r, x, **geo: _avg_t_op(g, **geo), saves="none", jvp=LINEAR
)
AvgPool2DBackwardBackward0 = defop(
    "AvgPool2DBackwardBackward0",
    lambda h, r, g, **geo: _avg_op(h, **geo),
    saves="none",
    jvp=LINEAR,
)


def _divisors(sizes, out, kernel, stride, padding, count_include_pad, divisor_override, dtype):
    if divisor_override is not None:
        return np.asarray(divisor_override, dtype=dtype)
    counts = []
    for n, o, k, s, p in zip(sizes, out, kernel, stride, padding):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        if count_include_pad:
            counts.append(end - start)
        else:
            counts.append(np.minimum(end, n) - np.maximum(start, 0))
    return (counts[0][:, None] * counts[1][None, :]).astype(dtype)


def avg_pool2d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode=False,
    count_include_pad=True,
    divisor_override=None,
):
    """2-D average pooling over (N, C, H, W) or (C, H, W)."""
    _check_input(input, "avg_pool2d")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero; leave divisor_override=None to average")
    kernel, stride, _, lo, hi, out = _geometry(
        input, kernel_size, stride, padding, 1, ceil_mode, "avg_pool2d"
    )
    x = input._data
    dtype = x.dtype if x.dtype.kind == "f" else np.float64
    div = _divisors(
        x.shape[-2:], out, kernel, stride, lo, count_include_pad, divisor_override, dtype
    )
    return apply(AvgPool2DBackward0, _avg, input, div=div, size=kernel, stride=stride, lo=lo, hi=hi)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """1-D average pooling over (N, C, L) or (C, L)."""
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"avg_pool1d() Expected 2D or 3D input tensor, but got {list(input.shape)}"
        )
    step = None if stride is None or stride == () else (1, *_pair(stride, "stride")[:1])
    out = avg_pool2d(
        input.unsqueeze(-2),
        (1, *_pair(kernel_size, "kernel_size")[:1]),
        step,
        (0, *_pair(padding, "padding")[:1]),
        ceil_mode,
        count_include_pad,
    )
    return out.squeeze(-2)


# --- adaptive average pooling --------------------------------------------------------------
def _bins(n: int, o: int, dtype) -> np.ndarray:
    """(o, n) averaging matrix: row i averages [floor(i n / o), ceil((i + 1) n / o))."""
    i = np.arange(o)
    start = (i * n) // o
    end = ((i + 1) * n + o - 1) // o
    j = np.arange(n)
    inside = (j >= start[:, None]) & (j < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def _adaptive(x, ah, aw):
    return np.matmul(np.matmul(ah, x), aw.T)


def _adaptive_grad(g, r, x, ah, aw):
    return np.matmul(np.matmul(ah.T, g), aw)


AdaptiveAvgPool2DBackward0 = defop(
    "AdaptiveAvgPool2DBackward0", _adaptive_grad, saves="none", jvp=LINEAR
)


def adaptive_avg_pool2d(input, output_size):
    """2-D average pooling to a fixed output size (H_out, W_out) over (N, C, H, W) or
    (C, H, W); a None size keeps the input's."""
    if input.ndim not in (3, 4):
        raise RuntimeError(
            f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got {list(input.shape)}"
        )
    if isinstance(output_size, int):
        output_size = (output_size, output_size)
    if len(output_size) != 2:
        raise RuntimeError(
            f"adaptive_avg_pool2d: output_size must be 2, got {len(output_size)} entries"
        )
    sizes = tuple(input.shape[-2:])
    out = tuple(n if o is None else int(o) for o, n in zip(output_size, sizes))
    if any(o < 0 for o in out):
        raise RuntimeError(
            "adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 "
            f"but received {list(out)}"
        )
    if out == (1, 1):
        return input.mean(dim=(-1, -2), keepdim=True)  # as torch does it (MeanBackward1)
    if any(n == 0 for n in input.shape[1:]):
        raise RuntimeError(
            "adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch "
            f"dimensions, but got {list(input.shape)}"
        )
    x = input._data
    dtype = x.dtype if x.dtype.kind == "f" else np.float64
    ah, aw = _bins(sizes[0], out[0], dtype), _bins(sizes[1], out[1], dtype)
    return apply(AdaptiveAvgPool2DBackward0, _adaptive, input, ah=ah, aw=aw)


__all__ = [
    "adaptive_avg_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "max_pool1d",
    "max_pool2d",
]
METHODS: dict = {}
NUMPY: dict = {}
