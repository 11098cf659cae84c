"""The workloads, each a set of cases: one row of the table per case and library."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

WORKLOADS = {
    "W1": "small-op overhead: a chain of elementwise ops on a (16,) vector, also its JVP",
    "W2": "MLP step: 784-512-512-10 ReLU, batch 256, cross-entropy, float32 and float64",
    "W3": "small MLP step: 64-32-10 ReLU, batch 32, cross-entropy",
    "W4": "deep chain: 10^5 and 10^6 elementwise ops on shape (8,), fresh process each",
    "W5": "second order: Hessian-vector product of sum(tanh(W @ x)**2), reverse and forward "
    "over reverse",
}


@dataclass(frozen=True)
class Sizes:
    """The problem sizes of one mode of the harness (full, quick, smoke)."""

    chain_ops: int = 300
    chain_shape: tuple[int, ...] = (16,)
    mlp_big: tuple[int, ...] = (784, 512, 512, 10)
    mlp_big_batch: int = 256
    mlp_small: tuple[int, ...] = (64, 32, 10)
    mlp_small_batch: int = 32
    deep_depths: tuple[int, ...] = (100_000, 1_000_000)
    deep_shape: tuple[int, ...] = (8,)
    hvp_n: int = 256


FULL = Sizes()
QUICK = Sizes(deep_depths=(10_000, 100_000))
SMOKE = Sizes(
    chain_ops=30,
    mlp_big=(20, 16, 16, 10),
    mlp_big_batch=8,
    mlp_small=(12, 8, 10),
    mlp_small_batch=4,
    deep_depths=(1_000, 3_000),
    hvp_n=16,
)


@dataclass
class Case:
    """One timed measurement: the same computation written for each library.

    A step is a callable without arguments that runs the computation once and returns its
    outputs (result, then gradients) in the library's own types, in the order of ``outputs``.
    """

    workload: str  # "W1"
    name: str  # "W1 fwd+bwd", the row label
    unit: str  # what the table reports, e.g. "µs/op"
    scale: float  # seconds per step × scale = the reported number
    outputs: tuple[str, ...]  # the names of the step's outputs, for the correctness check
    steps: dict[str, Callable[[], tuple]] = field(default_factory=dict)
    unsupported: dict[str, str] = field(default_factory=dict)  # library -> why no step
