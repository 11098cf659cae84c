"""W1, and the chain W4 runs: a long chain of small elementwise ops, then sum and backward.

The ops cycle through multiply by a constant, add a constant, tanh, sin and multiply by the
input x, so every op is cheap and the time is the library's overhead per op. The same chain
also runs in forward mode: the JVP of its sum along a fixed tangent v, without a backward.
"""

from __future__ import annotations

import numpy as np

from . import Case

MUL, ADD = 1.1, 0.1
CYCLE = 5  # the number of distinct ops the chain cycles through


def initial_x(shape, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1.0, 1.0, size=shape)


def initial_tangent(shape, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1.0, 1.0, size=shape)


def chain(x, n_ops: int, tanh, sin):
    """The chain, written once for every autograd library (given its tanh and sin)."""
    y = x
    for i in range(n_ops):
        op = i % CYCLE
        if op == 0:
            y = y * MUL
        elif op == 1:
            y = y + ADD
        elif op == 2:
            y = tanh(y)
        elif op == 3:
            y = sin(y)
        else:
            y = y * x
    return y


def _numpy(x, n_ops: int, backward: bool):
    """NumPy by hand: the forward saves what its backward needs, as a tape would."""

    def step():
        saved = []
        y = x
        for i in range(n_ops):
            op = i % CYCLE
            if op == 0:
                y = y * MUL
            elif op == 1:
                y = y + ADD
            elif op == 2:
                y = np.tanh(y)
                saved.append(y)
            elif op == 3:
                saved.append(y)
                y = np.sin(y)
            else:
                saved.append(y)
                y = y * x
        total = y.sum()
        if not backward:
            return (total,)
        g = np.ones_like(y)
        gx = np.zeros_like(x)
        for i in reversed(range(n_ops)):
            op = i % CYCLE
            if op == 0:
                g = g * MUL
            elif op == 2:
                t = saved.pop()
                g = g * (1.0 - t * t)
            elif op == 3:
                g = g * np.cos(saved.pop())
            elif op == 4:
                gx += g * saved.pop()
                g = g * x
        gx += g
        return total, gx

    return step


def _torchlike(mod, x, n_ops: int, backward: bool):
    """npgrad and torch: the same code, ``import npgrad as torch``."""
    x = mod.tensor(x, requires_grad=True)

    def step():
        total = chain(x, n_ops, mod.tanh, mod.sin).sum()
        if not backward:
            return (total,)
        x.grad = None
        total.backward()
        return total, x.grad

    return step


def _hips(autograd, x, n_ops: int, backward: bool):
    import autograd.numpy as anp

    def f(x):
        return anp.sum(chain(x, n_ops, anp.tanh, anp.sin))

    forward = autograd.make_vjp(f)

    def step():
        vjp, total = forward(x)
        if not backward:
            return (total,)
        return total, vjp(1.0)

    return step


def _mygrad(mygrad, x, n_ops: int, backward: bool):
    x = mygrad.tensor(x)

    def step():
        total = mygrad.sum(chain(x, n_ops, mygrad.tanh, mygrad.sin))
        if not backward:
            return (total,)
        total.backward()  # MyGrad clears x.grad when x enters a new graph
        return total, x.grad

    return step


def _jax(jax, x, n_ops: int, backward: bool, jit: bool):
    """jax-eager: op by op, as a user would debug; jax-jit: compiled once, before timing.
    Eager forward alone records the linearization (jax.vjp), as the tape libraries do; the
    jitted forward is the compiled forward."""
    import jax.numpy as jnp

    x = jnp.asarray(x)

    def f(x):
        return jnp.sum(chain(x, n_ops, jnp.tanh, jnp.sin))

    if backward:
        run = jax.value_and_grad(f)
    elif jit:
        run = lambda x: (f(x),)
    else:
        run = lambda x: (jax.vjp(f, x)[0],)
    if jit:
        run = jax.jit(run)

    def step():
        return jax.block_until_ready(run(x))

    return step


def _numpy_jvp(x, v, n_ops: int):
    """NumPy by hand, forward mode: the tangent dy of each op computed next to its value y."""

    def step():
        y, dy = x, v
        for i in range(n_ops):
            op = i % CYCLE
            if op == 0:
                y = y * MUL
                dy = dy * MUL
            elif op == 1:
                y = y + ADD
            elif op == 2:
                y = np.tanh(y)
                dy = dy * (1.0 - y * y)
            elif op == 3:
                dy = dy * np.cos(y)
                y = np.sin(y)
            else:
                dy = dy * x + y * v
                y = y * x
        return y.sum(), dy.sum()

    return step


def _torchlike_jvp(mod, x, v, n_ops: int):
    """npgrad and torch: the same code. x does not require grad, so nothing is recorded for
    a backward; only the tangents are carried."""
    fwd = mod.autograd.forward_ad
    x, v = mod.tensor(x), mod.tensor(v)

    def step():
        with fwd.dual_level():
            total = chain(fwd.make_dual(x, v), n_ops, mod.tanh, mod.sin).sum()
            return tuple(fwd.unpack_dual(total))

    return step


def _hips_jvp(autograd, x, v, n_ops: int):
    import autograd.numpy as anp

    def f(x):
        return anp.sum(chain(x, n_ops, anp.tanh, anp.sin))

    forward = autograd.make_jvp(f)

    def step():
        return forward(x)(v)

    return step


def _jax_jvp(jax, x, v, n_ops: int, jit: bool):
    import jax.numpy as jnp

    x, v = jnp.asarray(x), jnp.asarray(v)

    def f(x):
        return jnp.sum(chain(x, n_ops, jnp.tanh, jnp.sin))

    run = lambda x, v: jax.jvp(f, (x,), (v,))
    if jit:
        run = jax.jit(run)

    def step():
        return jax.block_until_ready(run(x, v))

    return step


def _add_jvp_step(case: Case, lib, n_ops: int, x: np.ndarray, v: np.ndarray) -> None:
    name, mod = lib.name, lib.module
    if name == "numpy":
        case.steps[name] = _numpy_jvp(x, v, n_ops)
    elif name in ("npgrad", "torch"):
        case.steps[name] = _torchlike_jvp(mod, x, v, n_ops)
    elif name == "autograd":
        case.steps[name] = _hips_jvp(mod, x, v, n_ops)
    elif name == "mygrad":
        case.unsupported[name] = "no forward mode in MyGrad"
    elif name in ("jax-jit", "jax-eager"):
        case.steps[name] = _jax_jvp(mod, x, v, n_ops, jit=name == "jax-jit")
    else:
        raise ValueError(f"no chain JVP for library {name!r}")


def chain_step(lib, n_ops: int, x: np.ndarray, backward: bool):
    """The step of ``lib`` (a loaded Library) running the chain: returns (sum,) or, with
    ``backward``, (sum, gradient with respect to x)."""
    name, mod = lib.name, lib.module
    if name == "numpy":
        return _numpy(x, n_ops, backward)
    if name in ("npgrad", "torch"):
        return _torchlike(mod, x, n_ops, backward)
    if name == "autograd":
        return _hips(mod, x, n_ops, backward)
    if name == "mygrad":
        return _mygrad(mod, x, n_ops, backward)
    if name in ("jax-jit", "jax-eager"):
        return _jax(mod, x, n_ops, backward, jit=name == "jax-jit")
    raise ValueError(f"no chain for library {name!r}")


def cases(libs, sizes) -> list[Case]:
    n_ops = sizes.chain_ops
    x, v = initial_x(sizes.chain_shape), initial_tangent(sizes.chain_shape)
    forward = Case("W1", "W1 fwd", "µs/op", 1e6 / n_ops, ("sum",))
    both = Case("W1", "W1 fwd+bwd", "µs/op", 1e6 / n_ops, ("sum", "grad x"))
    jvp = Case("W1", "W1 jvp", "µs/op", 1e6 / n_ops, ("sum", "jvp"))
    for lib in libs.values():
        forward.steps[lib.name] = chain_step(lib, n_ops, x, backward=False)
        both.steps[lib.name] = chain_step(lib, n_ops, x, backward=True)
        _add_jvp_step(jvp, lib, n_ops, x, v)
    return [forward, both, jvp]
