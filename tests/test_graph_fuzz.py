"""Random graphs, built the same way in npgrad and torch, must give the same gradients.

Each program is a list of steps over a growing pool of tensors: unary and binary ops
(reusing earlier tensors, so diamonds and repeated inputs occur), detach(), a no_grad
island, retain_grad() and in-place updates of non-leaves. Every leaf's .grad and every
retained gradient is compared.
"""

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import npgrad

UNARY = {
    "tanh": lambda t: t.tanh(),
    "sin": lambda t: t.sin(),
    "exp": lambda t: (t * 0.1).exp(),
    "square": lambda t: t * t,
    "neg": lambda t: -t,
    "sum_keep": lambda t: t.sum(-1, keepdim=True),
    "transpose": lambda t: t.transpose(0, 1),
    "index": lambda t: t[:, [0, 0, -1]],
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "matmul": lambda a, b: a @ b.transpose(0, 1),
}

step = st.one_of(
    st.tuples(st.just("unary"), st.sampled_from(sorted(UNARY)), st.integers(0, 100)),
    st.tuples(
        st.just("binary"), st.sampled_from(sorted(BINARY)), st.integers(0, 100), st.integers(0, 100)
    ),
    st.tuples(st.just("detach"), st.integers(0, 100)),
    st.tuples(st.just("no_grad"), st.sampled_from(sorted(UNARY)), st.integers(0, 100)),
    st.tuples(st.just("retain"), st.integers(0, 100)),
    st.tuples(st.just("inplace"), st.integers(0, 100), st.integers(0, 100)),
)


def run(lib, leaves, program, seed_grad):
    pool = [lib.tensor(x, requires_grad=True) for x in leaves]
    retained = []
    for kind, *args in program:
        if kind == "unary":
            name, i = args
            pool.append(UNARY[name](pool[i % len(pool)]))
        elif kind == "binary":
            name, i, j = args
            a, b = pool[i % len(pool)], pool[j % len(pool)]
            pool.append(BINARY[name](a, b if b.shape == a.shape else a))
        elif kind == "detach":
            pool.append(pool[args[0] % len(pool)].detach())
        elif kind == "no_grad":
            name, i = args
            with lib.no_grad():
                pool.append(UNARY[name](pool[i % len(pool)]))
        elif kind == "retain":
            t = pool[args[0] % len(pool)]
            if t.requires_grad and not t.is_leaf:
                t.retain_grad()
                retained.append(t)
        else:
            i, j = args
            fresh = pool[i % len(pool)] * 1.0  # a non-leaf that nothing has saved
            other = pool[j % len(pool)]
            fresh.add_(other if other.shape == fresh.shape else fresh.detach())
            pool.append(fresh)
    outputs = [t for t in pool if t.requires_grad and t.shape == pool[0].shape]
    total = sum((t * lib.tensor(seed_grad)).sum() for t in outputs)
    total.backward()
    grads = [None if t.grad is None else t.grad.numpy().copy() for t in pool[: len(leaves)]]
    kept = [None if t.grad is None else t.grad.numpy().copy() for t in retained]
    return grads, kept


@settings(max_examples=60, deadline=None)
@given(program=st.lists(step, min_size=1, max_size=12), seed=st.integers(0, 2**16))
def test_random_graphs_match_torch(program, seed):
    rng = np.random.default_rng(seed)
    leaves = [rng.standard_normal((3, 3)) for _ in range(3)]
    seed_grad = rng.standard_normal((3, 3))
    ours = run(npgrad, leaves, program, seed_grad)
    theirs = run(torch, leaves, program, seed_grad)
    for mine, reference in zip(ours[0] + ours[1], theirs[0] + theirs[1]):
        if reference is None:
            assert mine is None
        else:
            np.testing.assert_allclose(mine, reference, rtol=1e-10, atol=1e-12)
