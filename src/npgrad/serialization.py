"""npgrad.save / npgrad.load: checkpoints that can never run code when loaded.

A checkpoint is a NumPy ``.npz`` archive: one array per tensor, plus a JSON header that
describes the saved object (dicts with any key type, lists, tuples, numbers, strings, None
and tensors, nested). Loading uses ``allow_pickle=False``, so a file can only ever produce
data. Saving to a path writes a temporary file beside it and renames it into place, so a
crash never leaves a half-written checkpoint.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections import OrderedDict

import numpy as np

from ._tensor import Tensor, wrap

FORMAT = "npgrad-checkpoint"
VERSION = 1
_HEADER = "__header__"


def save(obj, f) -> None:
    """Save tensors, state dicts and optimizer states (nested dicts, lists, tuples, numbers,
    strings, None) to a path or a binary file object."""
    arrays: dict[str, np.ndarray] = {}
    header = {"format": FORMAT, "version": VERSION, "object": _encode(obj, arrays)}
    arrays[_HEADER] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    if hasattr(f, "write"):
        np.savez(f, **arrays)
        return
    path = os.fspath(f)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".npgrad-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            np.savez(out, **arrays)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load(f, map_location=None, weights_only=True, **kwargs):
    """Load what ``npgrad.save`` wrote; a truncated, corrupted or foreign file raises
    RuntimeError and nothing is returned."""
    if map_location not in (None, "cpu"):
        raise RuntimeError(f"npgrad runs on the CPU only; can't map a checkpoint to {map_location}")
    where = getattr(f, "name", None) or (f if isinstance(f, str | os.PathLike) else "the file")
    try:
        with np.load(f, allow_pickle=False) as archive:
            header = json.loads(bytes(archive[_HEADER]).decode())
            if header.get("format") != FORMAT:
                raise ValueError(f"format {header.get('format')!r}")
            if header.get("version") != VERSION:
                raise ValueError(f"version {header.get('version')} (this npgrad reads {VERSION})")
            arrays = {name: archive[name] for name in archive.files if name != _HEADER}
            return _decode(header["object"], arrays)
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile, EOFError) as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise RuntimeError(
            f"{where} is not a readable npgrad checkpoint (truncated, corrupted, or not written "
            f"by npgrad.save): {type(e).__name__}: {e}"
        ) from None


def _encode(obj, arrays: dict):
    """The JSON description of ``obj``; tensors and arrays go into ``arrays``."""
    if isinstance(obj, Tensor | np.ndarray):
        name = f"t{len(arrays)}"
        is_tensor = isinstance(obj, Tensor)
        arrays[name] = obj._data if is_tensor else obj
        entry = {"array": name, "tensor": is_tensor}
        if is_tensor:
            entry["requires_grad"] = obj.requires_grad
            entry["parameter"] = type(obj).__name__ == "Parameter"
        return entry
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj  # JSON also carries inf and nan
    if isinstance(obj, np.generic):
        return _encode(obj.item(), arrays)
    if isinstance(obj, dict):
        return {
            "dict": [[_encode(k, arrays), _encode(v, arrays)] for k, v in obj.items()],
            "ordered": isinstance(obj, OrderedDict),
        }
    if isinstance(obj, list | tuple):
        return {"list" if isinstance(obj, list) else "tuple": [_encode(v, arrays) for v in obj]}
    raise TypeError(
        f"npgrad.save can't store a {type(obj).__name__}: only tensors, arrays, dicts, lists, "
        "tuples, numbers, strings and None (this keeps checkpoints free of executable code)"
    )


def _decode(obj, arrays: dict):
    if not isinstance(obj, dict):
        return obj
    if "array" in obj:
        data = np.array(arrays[obj["array"]])
        if not obj["tensor"]:
            return data
        t = wrap(data)
        if obj["parameter"]:
            from .nn.parameter import Parameter

            return Parameter(t, requires_grad=obj["requires_grad"])
        return t.requires_grad_(obj["requires_grad"])
    if "dict" in obj:
        pairs = [(_key(_decode(k, arrays)), _decode(v, arrays)) for k, v in obj["dict"]]
        return OrderedDict(pairs) if obj["ordered"] else dict(pairs)
    if "list" in obj:
        return [_decode(v, arrays) for v in obj["list"]]
    if "tuple" in obj:
        return tuple(_decode(v, arrays) for v in obj["tuple"])
    raise ValueError(f"unknown entry {sorted(obj)}")


def _key(key):
    return tuple(key) if isinstance(key, list) else key


__all__ = ["load", "save"]
