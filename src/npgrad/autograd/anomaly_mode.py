"""Anomaly mode: nodes remember the forward call that made them; NaN gradients raise.

While it is on, every new node records the stack of the forward call that created it, and
a backward pass that fails in a node warns with that stack; with ``check_nan`` a node that
returns NaN raises ``RuntimeError``. When the NaN comes from the branch of ``where`` that was
not selected, the error says so and how to fix it. Off, none of this costs anything.
"""

from __future__ import annotations

import functools
import re
import sys
import warnings

import numpy as np

from .node import count_extras, extra_of, format_site, user_frame


class _Anomaly:
    # Global, not per thread, as in torch.
    enabled = False
    check_nan = True


anomaly = _Anomaly()

ENABLED_WARNING = (
    "Anomaly Detection has been enabled. This mode will increase the runtime and should only "
    "be enabled for debugging."
)


def is_anomaly_enabled() -> bool:
    """True if anomaly detection is on."""
    return anomaly.enabled


def is_anomaly_check_nan_enabled() -> bool:
    """True if anomaly detection raises on NaN gradients."""
    return anomaly.check_nan


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """Turn anomaly detection on or off (see ``detect_anomaly``)."""
    enabled = bool(enabled)
    if enabled != anomaly.enabled:
        count_extras(1 if enabled else -1)
    anomaly.enabled = enabled
    anomaly.check_nan = bool(check_nan)


class detect_anomaly:  # noqa: N801 - torch's name
    """Context manager (or decorator) that turns anomaly detection on.

    The forward pass run inside records, for every node, the stack of the call that created
    it; a backward that fails in a node warns with that stack. With ``check_nan`` (default)
    a node returning NaN gradients raises ``RuntimeError``. Slow: for debugging only.
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.prev = anomaly.enabled
        self.check_nan = check_nan
        self.prev_check_nan = anomaly.check_nan
        warnings.warn(ENABLED_WARNING, UserWarning, stacklevel=2)

    def __enter__(self) -> None:
        set_anomaly_enabled(True, self.check_nan)

    def __exit__(self, *exc) -> None:
        set_anomaly_enabled(self.prev, self.prev_check_nan)

    def __call__(self, func):  # beyond torch: also a decorator
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            previous = (anomaly.enabled, anomaly.check_nan)
            set_anomaly_enabled(True, self.check_nan)
            try:
                return func(*args, **kwargs)
            finally:
                set_anomaly_enabled(*previous)

        return wrapper


class set_detect_anomaly:  # noqa: N801 - torch's name
    """Turn anomaly detection on or off: as a call, or as a context manager that restores
    the previous setting on exit."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = anomaly.enabled
        self.prev_check_nan = anomaly.check_nan
        set_anomaly_enabled(mode, check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc) -> None:
        set_anomaly_enabled(self.prev, self.prev_check_nan)


# --- recording the forward trace -------------------------------------------------------------
def capture_trace() -> tuple:
    """``(filename, lineno, function)`` of the user's frames calling into npgrad now,
    outermost first (npgrad's own frames are left out, as torch's C++ ones are)."""
    frame, _ = user_frame(sys._getframe(1))
    frames = []
    while frame is not None:
        frames.append((frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name))
        frame = frame.f_back
    frames.reverse()
    return tuple(frames)


def format_trace(trace) -> list:
    """The trace as ``traceback.format_stack`` lines, as torch keeps it in metadata."""
    import traceback  # only needed when something went wrong

    return traceback.format_list([(f, n, name, None) for f, n, name in trace])


def forward_site(node) -> str:
    """``file:line`` (and source) of the user's call that created ``node``, or ''."""
    extra = extra_of(node)
    if extra is None or not extra.trace:
        return ""
    filename, lineno, _ = extra.trace[-1]
    return format_site((filename, lineno))


def warn_failed(node) -> None:
    """Torch's warning for a node whose backward failed in anomaly mode."""
    extra = extra_of(node)
    if extra is not None and extra.trace:
        message = (
            f"Error detected in {node.name()}. Traceback of forward call that caused the "
            "error:\n" + "".join(format_trace(extra.trace))
        )
    else:
        message = (
            f"Error detected in {node.name()}. No forward pass information available. Enable "
            "detect anomaly during forward pass for more information."
        )
    warnings.warn(message, UserWarning, stacklevel=2)


# --- checking gradients for NaN -------------------------------------------------------------
class NanTracker:
    """Per backward pass in anomaly mode: the nodes run so far, and the first node that
    turned finite gradients into non-finite ones."""

    def __init__(self) -> None:
        self.trail = []
        self.first_bad = None  # (node, incoming gradient, its outputs)

    def check(self, node, grad_outputs, grad_inputs, positions) -> None:
        """Raise torch's error if ``node`` returned NaN, with the diagnosis appended."""
        self.trail.append(node)
        incoming_finite = all(_finite(g) for g in _as_list(grad_outputs))
        if self.first_bad is None and incoming_finite:
            if not all(_finite(grad_inputs[i]) for i in positions):
                self.first_bad = (node, grad_outputs, grad_inputs)
        if not anomaly.check_nan:
            return
        for k, i in enumerate(positions):
            g = grad_inputs[i]
            if g is not None and np.isnan(_array(g)).any():
                message = f"Function '{node.name()}' returned nan values in its {k}th output."
                culprit = (node, grad_outputs, grad_inputs)
                if not incoming_finite and self.first_bad is not None:
                    culprit = self.first_bad
                raise RuntimeError(message + self._diagnose(*culprit))

    def _diagnose(self, node, grad_outputs, grad_inputs) -> str:
        where = self._masking_where(node)
        if where is None:
            return ""
        outgoing = [g for g in grad_inputs if g is not None and not _finite(g)]
        incoming = _as_list(grad_outputs)
        masked = len(incoming) == 1 and incoming[0] is not None and outgoing
        if masked:
            g, bad = _array(incoming[0]), ~np.isfinite(_array(outgoing[0]))
            try:
                masked = bool(np.all(np.broadcast_to(g, bad.shape)[bad] == 0))
            except ValueError:
                masked = False
        if not masked:
            return ""
        op = _op_name(node)
        where_at = forward_site(where) or "(run the forward pass under detect_anomaly to see where)"
        op_at = forward_site(node) or "(run the forward pass under detect_anomaly to see where)"
        return (
            f"\n\n{node.name()} produced the first non-finite gradient, at elements whose "
            "incoming gradient is 0: they were masked out by where (WhereBackward0), whose "
            "gradient for the branch it did not select is 0, but 0 times the infinite or "
            f"undefined derivative of {op} there is NaN.\n"
            f"  where called at {where_at}\n"
            f"  {op} called at {op_at}\n"
            f"Fix: apply {op} to a safe input, so that the unselected elements have a finite "
            f"derivative, e.g. where(x > 0, {op}(where(x > 0, x, 1)), 0) instead of "
            f"where(x > 0, {op}(x), 0)."
        )

    def _masking_where(self, node):
        """The nearest ``where`` node among those that consumed ``node``'s output."""
        frontier, seen = {node}, set()
        while frontier:
            consumers = {
                n for n in self.trail if n not in seen and any(fn in frontier for fn in n._next)
            }
            for n in consumers:
                if type(n).__name__ == "WhereBackward0":
                    return n
            seen |= consumers
            frontier = consumers
        return None


def _op_name(node) -> str:
    return re.sub(r"Backward\d*$", "", node.name().rsplit("::", 1)[-1]).lower()


def _as_list(grads) -> list:
    return grads if isinstance(grads, list) else [grads]


def _array(g):
    return g._data if hasattr(g, "_data") else np.asarray(g)


def _finite(g) -> bool:
    if g is None:
        return True
    a = _array(g)
    return a.dtype.kind not in "fc" or bool(np.isfinite(a).all())
