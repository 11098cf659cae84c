"""Engine properties: very deep graphs (no recursion), and memory released by backward.

The deep-graph checks run in a child interpreter so that a crash while tearing down a huge
graph fails one test instead of the whole session.
"""

import gc
import json
import math
import subprocess
import sys
import textwrap
import tracemalloc
import weakref

import numpy as np
import pytest
import torch

import npgrad

MODULES = (torch, npgrad)

DEEP_SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    import npgrad as m

    sys.setrecursionlimit(1000)
    report = {}
    n_pairs = 100_000

    def chain(x):
        y = x
        for _ in range(n_pairs):
            y = y * 1.00001
            y = y + 0.5
        return y.sum()

    start = time.perf_counter()
    x = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
    loss = chain(x)
    report["forward_s"] = time.perf_counter() - start

    start = time.perf_counter()
    (g,) = m.autograd.grad(loss, x, retain_graph=True)
    report["grad"] = g.tolist()
    loss.backward()
    report["backward_s"] = time.perf_counter() - start
    report["x_grad"] = x.grad.tolist()

    start = time.perf_counter()
    del loss, g
    report["teardown_after_backward_s"] = time.perf_counter() - start

    loss = chain(m.tensor([1.0], dtype=m.float64, requires_grad=True))
    start = time.perf_counter()
    del loss
    report["teardown_unused_graph_s"] = time.perf_counter() - start
    print(json.dumps(report))
    """
)


@pytest.fixture(scope="module")
def deep_report():
    proc = subprocess.run(
        [sys.executable, "-c", DEEP_SCRIPT], capture_output=True, text=True, timeout=240
    )
    assert proc.returncode == 0, f"child exited with {proc.returncode}:\n{proc.stderr[-3000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_deep_chain_backward_has_no_recursion_limit(deep_report):
    expected = 1.00001**100_000
    assert deep_report["x_grad"] == pytest.approx([expected, expected], rel=1e-9)
    assert deep_report["grad"] == pytest.approx([expected, expected], rel=1e-9)


def test_deep_chain_timing_is_reasonable(deep_report):
    assert deep_report["forward_s"] < 30
    assert deep_report["backward_s"] < 30
    assert deep_report["teardown_after_backward_s"] < 10
    assert deep_report["teardown_unused_graph_s"] < 10


def test_deep_chain_gradient_matches_torch_on_a_shorter_chain():
    def run(m):
        x = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
        y = x
        for _ in range(2000):
            y = y * 1.00001
            y = y + 0.5
        y.sum().backward()
        return x.grad.numpy().copy()

    np.testing.assert_allclose(run(npgrad), run(torch), rtol=1e-12)


# --- memory: no reference cycles --------------------------------------------------------------


class gc_disabled:
    def __enter__(self):
        self.was_enabled = gc.isenabled()
        gc.collect()
        gc.disable()

    def __exit__(self, *exc):
        if self.was_enabled:
            gc.enable()


def build(m, refs, n=30):
    x = m.linspace(-1, 1, 1000, dtype=m.float64).requires_grad_()
    y = x
    for _ in range(n):
        y = (y * 1.5).sin()
        refs.append(weakref.ref(y))
    return x, (y * y).sum()


def alive(refs):
    return sum(r() is not None for r in refs)


@pytest.mark.parametrize("m", MODULES, ids=lambda m: m.__name__)
@pytest.mark.parametrize(
    "how", ["backward", "no_backward", "retain_graph", "autograd_grad", "create_graph_grad"]
)
def test_dropping_the_graph_frees_every_tensor_without_gc(m, how):
    refs = []
    with gc_disabled():
        x, loss = build(m, refs)
        if how == "backward":
            loss.backward()
        elif how == "retain_graph":
            loss.backward(retain_graph=True)
            loss.backward(retain_graph=True)
        elif how == "autograd_grad":
            m.autograd.grad(loss, x)
        elif how == "create_graph_grad":
            (g,) = m.autograd.grad(loss, x, create_graph=True)
            (g * g).sum().backward()
            del g
        del loss
        assert alive(refs) == 0
        assert x.grad is None or x.grad.shape == x.shape


@pytest.mark.parametrize("m", MODULES, ids=lambda m: m.__name__)
def test_retained_grad_does_not_keep_the_graph_alive(m):
    refs = []
    with gc_disabled():
        x = m.linspace(-1, 1, 1000, dtype=m.float64).requires_grad_()
        h = x.exp()
        h.retain_grad()
        refs.append(weakref.ref(h))
        loss, h = (h.sin() * 2).sum(), None
        loss.backward()
        del loss
        assert alive(refs) == 0


@pytest.mark.parametrize("m", MODULES, ids=lambda m: m.__name__)
def test_saved_tensors_are_freed_node_by_node_during_backward(m):
    """By the time the first op's backward runs, what later ops saved is gone already."""
    seen = []
    refs = []

    class Probe(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            seen.append(alive(refs))
            return g

    with gc_disabled():
        x = m.linspace(-1, 1, 1000, dtype=m.float64).requires_grad_()
        y = Probe.apply(x)
        for _ in range(10):
            y = (y * 1.5).sin()
            refs.append(weakref.ref(y))
        loss = (y * y).sum()
        del y
        loss.backward()
    assert seen == [0]
    assert x.grad is not None


def test_retain_graph_keeps_saved_tensors_until_the_graph_is_dropped():
    seen = []
    refs = []

    class Probe(npgrad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            seen.append(alive(refs))
            return g

    with gc_disabled():
        x = npgrad.linspace(-1, 1, 1000, dtype=npgrad.float64).requires_grad_()
        y = Probe.apply(x)
        for _ in range(10):
            y = (y * 1.5).sin()
            refs.append(weakref.ref(y))
        loss = (y * y).sum()
        del y
        loss.backward(retain_graph=True)
        assert seen == [10]
        loss.backward()
        del loss
        assert alive(refs) == 0


# --- memory: measured with tracemalloc (npgrad's arrays are NumPy's, which it traces) -------


def traced():
    return tracemalloc.get_traced_memory()[0]


@pytest.fixture
def tracing():
    gc.collect()
    tracemalloc.start()
    try:
        yield
    finally:
        tracemalloc.stop()


SIZE = 200_000  # float64 elements per intermediate array: 1.6 MB
STEPS = 20


def test_memory_returns_to_baseline_after_backward_and_drop(tracing):
    with gc_disabled():
        x = npgrad.ones(SIZE, dtype=npgrad.float64, requires_grad=True)
        baseline = traced()
        y = x
        for _ in range(STEPS):
            y = (y * 1.001).sin() * 0.5
        loss = y.sum()
        del y
        after_forward = traced() - baseline
        loss.backward()
        del loss
        after_drop = traced() - baseline
    array_bytes = SIZE * 8
    assert after_forward > STEPS * array_bytes
    assert after_drop < 3 * array_bytes  # x.grad and small change


def test_backward_releases_memory_as_it_goes(tracing):
    """Inside the last backward step almost everything the forward saved is freed."""
    during = []

    class Probe(npgrad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            during.append(traced())
            return g

    with gc_disabled():
        x = npgrad.ones(SIZE, dtype=npgrad.float64, requires_grad=True)
        baseline = traced()
        y = Probe.apply(x)
        for _ in range(STEPS):
            y = (y * 1.001).sin()
        loss = y.sum()
        del y
        after_forward = traced() - baseline
        loss.backward()
    array_bytes = SIZE * 8
    assert after_forward > STEPS * array_bytes
    assert during[0] - baseline < 6 * array_bytes


def test_backward_peak_memory_stays_bounded(tracing):
    """Gradients of finished nodes do not pile up: the peak is near the forward's footprint."""
    with gc_disabled():
        x = npgrad.ones(SIZE, dtype=npgrad.float64, requires_grad=True)
        baseline = traced()
        y = x
        for _ in range(STEPS):
            y = (y * 1.001).sin()
        loss = y.sum()
        del y
        after_forward = traced() - baseline
        tracemalloc.reset_peak()
        loss.backward()
        peak = tracemalloc.get_traced_memory()[1] - baseline
        del loss
    array_bytes = SIZE * 8
    assert peak < after_forward + 8 * array_bytes
    assert math.isfinite(float(x.grad.sum()))
