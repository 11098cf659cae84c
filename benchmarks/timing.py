"""Interleaved timing: round after round, each library once per round (A B C A B C …), so
that drift in the machine's speed reaches every library alike."""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    rounds: int  # samples per library
    sample_s: float  # a sample repeats the step until it lasts about this long
    warmup_s: float  # each library runs its step for at least this long before timing
    min_warmup_calls: int = 2


def _calls_per_sample(step: Callable, plan: Plan) -> int:
    """Warm the step up, then pick how many calls make one sample of ``plan.sample_s``."""
    start = time.perf_counter()
    calls = 0
    while calls < plan.min_warmup_calls or time.perf_counter() - start < plan.warmup_s:
        step()
        calls += 1
    gc.collect()
    start = time.perf_counter()
    step()
    one = time.perf_counter() - start
    return max(1, math.ceil(plan.sample_s / max(one, 1e-9)))


def interleaved(steps: dict[str, Callable], plan: Plan, progress=None) -> dict[str, list[float]]:
    """Time each step (a callable without arguments) ``plan.rounds`` times, interleaved.
    Returns each library's samples in seconds per call. Garbage from one sample is collected
    before the next starts, so no library pays for another's."""
    calls = {name: _calls_per_sample(step, plan) for name, step in steps.items()}
    samples = {name: [] for name in steps}
    for round_nr in range(plan.rounds):
        if progress:
            progress(round_nr)
        for name, step in steps.items():
            n = calls[name]
            gc.collect()
            start = time.perf_counter()
            for _ in range(n):
                step()
            samples[name].append((time.perf_counter() - start) / n)
    return samples
