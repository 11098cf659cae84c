"""``repr`` of a tensor in torch's style: ``tensor([1.0000, 2.5000], grad_fn=<MulBackward0>)``;
inside a forward-AD level a tensor with a tangent shows it: ``tensor([1., 2.],
tangent=tensor([1., 0.]))``."""

from __future__ import annotations

import numpy as np

from . import _dtype

_PREFIX = "tensor("


def _float_formatter(values: np.ndarray):
    """torch's choice: integers as ``1.``, else 4 decimals, scientific for wide ranges."""
    finite = values[np.isfinite(values)]
    nonzero = np.abs(finite[finite != 0])
    integral = finite.size == 0 or bool(np.all(finite == np.round(finite)))
    big = nonzero.max() if nonzero.size else 0.0
    small = nonzero.min() if nonzero.size else 0.0
    if integral:
        sci = big > 1e8 or (small > 0 and big / small > 1000 and big > 1e8)
        fmt = "{:.4e}" if sci else "{:.0f}."
    else:
        sci = big > 1e8 or small < 1e-4 or (small > 0 and big / small > 1000)
        fmt = "{:.4e}" if sci else "{:.4f}"

    def one(v) -> str:
        if np.isnan(v):
            return "nan"
        if np.isinf(v):
            return "inf" if v > 0 else "-inf"
        return fmt.format(v)

    width = max((len(one(v)) for v in values.flat), default=0)
    return lambda v: one(v).rjust(width)


def _body(data: np.ndarray) -> str:
    kind = data.dtype.kind
    if data.ndim == 0:
        if kind == "f":
            return _float_formatter(data.reshape(1))(data.item()).strip()
        return str(data.item())
    formatter = {}
    if kind == "f" and data.size:
        sample = data if data.size <= 1000 else _edges(data)
        formatter = {"float_kind": _float_formatter(sample.astype(np.float64))}
    return np.array2string(
        data,
        separator=", ",
        prefix=_PREFIX,
        formatter=formatter,
        threshold=1000,
        edgeitems=3,
        max_line_width=80,
    )


def _edges(data: np.ndarray) -> np.ndarray:
    flat = data.reshape(-1)
    return np.concatenate([flat[:3], flat[-3:]])


_LINE_WIDTH = 80


def tensor_repr(t) -> str:
    data = t._data
    suffixes = []
    np_dtype = data.dtype
    if np_dtype not in (_dtype.default_float(), np.dtype(np.int64), np.dtype(np.bool_)):
        suffixes.append(f"dtype={_dtype.from_numpy(np_dtype)!r}")
    if t._grad_fn is not None:
        suffixes.append(f"grad_fn=<{t._grad_fn.name()}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    tangent = _tangent(t)
    if tangent is not None:
        # torch formats it with f"{tangent}": a 0-dim tangent shows as its Python number.
        shown = str(tangent._data.item()) if tangent._data.ndim == 0 else tensor_repr(tangent)
        suffixes.append(f"tangent={shown}")
    return _add_suffixes(_PREFIX + _body(data), suffixes, len(_PREFIX))


def _tangent(t):
    from .autograd import forward_ad

    return forward_ad.tangent_of(t) if forward_ad.active[0] else None


def _add_suffixes(text: str, suffixes: list, indent: int) -> str:
    """``text, suffix, ...)``, each suffix moved to a new indented line where it would pass
    the line width (torch's rule)."""
    parts = [text]
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > _LINE_WIDTH:
            parts.append(",\n" + " " * indent + suffix)
            last_line = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line += len(suffix) + 2
    parts.append(")")
    return "".join(parts)
