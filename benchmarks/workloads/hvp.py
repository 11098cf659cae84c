"""W5: the Hessian-vector product H v of f(x) = sum(tanh(W @ x)**2), two ways.

By double backward (reverse over reverse, the case ``W5``): the gradient is computed with its
own graph, then differentiated again along v. Forward over reverse (``W5 fwd-over-rev``): the
gradient is taken at the dual input x + εv, and its tangent is H v."""

from __future__ import annotations

import numpy as np

from . import Case


def make_data(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((n, n)) / np.sqrt(n)
    return w, rng.standard_normal(n), rng.standard_normal(n)


def _numpy(w, x, v):
    """By hand: with a = W x and t = tanh(a), f = Σ t², ∇f = Wᵀ (2t(1 - t²)) and
    H v = Wᵀ ((2 - 6t²)(1 - t²) ⊙ W v)."""

    def step():
        t = np.tanh(w @ x)
        t2 = t * t
        return (w.T @ ((2.0 - 6.0 * t2) * (1.0 - t2) * (w @ v)),)

    return step


def _torchlike(mod, w, x, v):
    """npgrad and torch: the same code."""
    w, v = mod.tensor(w), mod.tensor(v)
    x = mod.tensor(x, requires_grad=True)

    def step():
        f = (mod.tanh(w @ x) ** 2).sum()
        (g,) = mod.autograd.grad(f, x, create_graph=True)
        return mod.autograd.grad(mod.dot(g, v), x)

    return step


def _torchlike_fwd(mod, w, x, v):
    """npgrad and torch, forward over reverse: x must require grad for autograd.grad, and
    the gradient taken with respect to the dual input carries H v as its tangent."""
    fwd = mod.autograd.forward_ad
    w, v = mod.tensor(w), mod.tensor(v)
    x = mod.tensor(x, requires_grad=True)

    def step():
        with fwd.dual_level():
            dual = fwd.make_dual(x, v)
            f = (mod.tanh(w @ dual) ** 2).sum()
            (g,) = mod.autograd.grad(f, dual, create_graph=True)
            return (fwd.unpack_dual(g).tangent,)

    return step


def _hips(autograd, w, x, v):
    import autograd.numpy as anp

    def f(x):
        return anp.sum(anp.tanh(w @ x) ** 2)

    hvp = autograd.grad(lambda x: anp.dot(autograd.grad(f)(x), v))

    def step():
        return (hvp(x),)

    return step


def _hips_fwd(autograd, w, x, v):
    """HIPS autograd, forward over reverse: its forward mode (make_jvp) over its grad."""
    import autograd.numpy as anp

    def f(x):
        return anp.sum(anp.tanh(w @ x) ** 2)

    jvp_of_grad = autograd.make_jvp(autograd.grad(f))

    def step():
        return (jvp_of_grad(x)(v)[1],)

    return step


def _jax(jax, w, x, v, jit: bool, forward: bool = False):
    import jax.numpy as jnp

    w, x, v = jnp.asarray(w), jnp.asarray(x), jnp.asarray(v)

    def f(x):
        return jnp.sum(jnp.tanh(w @ x) ** 2)

    if forward:
        hvp = lambda x: jax.jvp(jax.grad(f), (x,), (v,))[1]
    else:
        hvp = jax.grad(lambda x: jnp.dot(jax.grad(f)(x), v))
    if jit:
        hvp = jax.jit(hvp)

    def step():
        return (jax.block_until_ready(hvp(x)),)

    return step


def cases(libs, sizes) -> list[Case]:
    w, x, v = make_data(sizes.hvp_n)
    case = Case("W5", "W5", "ms/hvp", 1e3, ("Hv",))
    forward = Case("W5", "W5 fwd-over-rev", "ms/hvp", 1e3, ("Hv",))
    for lib in libs.values():
        name, mod = lib.name, lib.module
        if name == "numpy":
            case.steps[name] = _numpy(w, x, v)
            forward.steps[name] = _numpy(w, x, v)
        elif name in ("npgrad", "torch"):
            case.steps[name] = _torchlike(mod, w, x, v)
            forward.steps[name] = _torchlike_fwd(mod, w, x, v)
        elif name == "autograd":
            case.steps[name] = _hips(mod, w, x, v)
            forward.steps[name] = _hips_fwd(mod, w, x, v)
        elif name == "mygrad":
            case.unsupported[name] = "no higher-order derivatives in MyGrad"
            forward.unsupported[name] = "no forward mode and no higher-order derivatives in MyGrad"
        else:
            jit = name == "jax-jit"
            case.steps[name] = _jax(mod, w, x, v, jit=jit)
            forward.steps[name] = _jax(mod, w, x, v, jit=jit, forward=True)
    return [case, forward]
