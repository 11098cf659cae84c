"""The libraries compared: import each one that is installed, set it to one thread, and turn
its results into NumPy arrays for the correctness check.

Importing this module imports no library (not even NumPy): the command line reads ``ALL``
before the thread limits are set."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from importlib import metadata
from typing import Any

# The order is the order of the table's rows and of each interleaved round.
ALL = ("numpy", "npgrad", "torch", "autograd", "mygrad", "jax-jit", "jax-eager")
REFERENCE = "numpy"  # NumPy by hand: hand-written forward and backward


@dataclass(frozen=True)
class Library:
    name: str  # the label in the table ("jax-jit" and "jax-eager" share the jax module)
    module: Any
    version: str


def _import_torch():
    import torch

    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set, or parallel work already ran in this process
        pass
    return torch


def _import_jax():
    import jax

    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_platforms", "cpu")
    return jax


_IMPORTS = {
    "numpy": lambda: importlib.import_module("numpy"),
    "npgrad": lambda: importlib.import_module("npgrad"),
    "torch": _import_torch,
    "autograd": lambda: importlib.import_module("autograd"),
    "mygrad": lambda: importlib.import_module("mygrad"),
    "jax-jit": _import_jax,
    "jax-eager": _import_jax,
}
_DISTRIBUTIONS = {
    "numpy": ("numpy",),
    "npgrad": ("npgrad",),
    "torch": ("torch",),
    "autograd": ("autograd",),
    "mygrad": ("mygrad",),
    "jax-jit": ("jax", "jaxlib"),
    "jax-eager": ("jax", "jaxlib"),
}


def _version(name: str) -> str:
    parts = []
    for dist in _DISTRIBUTIONS[name]:
        try:
            parts.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{dist} (version unknown)")
    return ", ".join(parts)


def load(names) -> tuple[dict[str, Library], dict[str, str]]:
    """Import the named libraries. Returns those that loaded, by name, and for each one
    that did not, the reason."""
    loaded, skipped = {}, {}
    for name in names:
        try:
            module = _IMPORTS[name]()
        except Exception as exc:  # a broken install is reported, not fatal
            skipped[name] = f"not available: {type(exc).__name__}: {exc}"
            continue
        loaded[name] = Library(name, module, _version(name))
    return loaded, skipped


def to_numpy(value):
    """A result of any of the libraries (tensor, array, scalar) as a NumPy array."""
    import numpy as np

    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "detach"):  # npgrad and torch tensors
        return np.asarray(value.detach().numpy())
    data = getattr(value, "data", None)  # mygrad tensors
    if isinstance(data, np.ndarray):
        return data
    return np.asarray(value)  # Python and NumPy scalars, jax arrays
