"""The correctness check run before any timing: every library's outputs (result and
gradients) must match NumPy by hand."""

from __future__ import annotations

import numpy as np

from .libraries import to_numpy

# Tolerances relative to the largest magnitude of each reference output. Libraries sum in
# different orders and use their own tanh/exp kernels; these bounds allow for that and
# nothing more.
RTOL = {np.dtype(np.float64): 1e-7, np.dtype(np.float32): 1e-4}


class MismatchError(AssertionError):
    """A library's result or gradient differs from NumPy by hand."""


def compare(case: str, library: str, names, reference, outputs) -> float:
    """Check ``outputs`` against ``reference`` (tuples of arrays, in the order of ``names``).
    Returns the largest error seen, relative to each output's largest reference magnitude;
    raises MismatchError on any difference in count, shape, dtype or value."""
    if len(outputs) != len(reference):
        raise MismatchError(
            f"{case}: {library} returned {len(outputs)} outputs, NumPy by hand {len(reference)}"
        )
    worst = 0.0
    for name, ref, out in zip(names, reference, outputs):
        ref, out = np.asarray(ref), to_numpy(out)
        where = f"{case}: {library}'s {name}"
        if out.shape != ref.shape:
            raise MismatchError(f"{where} has shape {out.shape}, expected {ref.shape}")
        if out.dtype != ref.dtype:
            raise MismatchError(f"{where} has dtype {out.dtype}, expected {ref.dtype}")
        scale = float(np.max(np.abs(ref), initial=0.0)) or 1.0
        error = float(np.max(np.abs(out - ref), initial=0.0)) / scale
        if not error <= RTOL[ref.dtype]:  # also catches NaN
            raise MismatchError(
                f"{where} differs from NumPy by hand: largest error {error:.3g} of the largest "
                f"magnitude {scale:.3g}, tolerance {RTOL[ref.dtype]:.0e}"
            )
        worst = max(worst, error)
    return worst
