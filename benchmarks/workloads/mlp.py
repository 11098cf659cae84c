"""W2 and W3: one training step of a ReLU MLP: forward, mean cross-entropy on integer labels,
backward to every weight and bias. Each layer is ``h @ W + b``."""

from __future__ import annotations

import numpy as np

from . import Case


def make_data(sizes: tuple[int, ...], batch: int, dtype, seed: int = 0):
    """Inputs, labels, and He-initialised [W1, b1, W2, b2, …] of ``dtype``."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, sizes[0])).astype(dtype)
    labels = rng.integers(0, sizes[-1], size=batch)
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        params.append((rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)).astype(dtype))
        params.append((rng.standard_normal(n_out) * 0.1).astype(dtype))
    return x, labels, params


def output_names(params) -> tuple[str, ...]:
    names = ["loss"]
    for layer in range(len(params) // 2):
        names += [f"grad W{layer + 1}", f"grad b{layer + 1}"]
    return tuple(names)


def _numpy(x, labels, params):
    """NumPy by hand: the matmuls and elementwise work the step needs, nothing else."""
    weights, biases = params[0::2], params[1::2]
    rows = np.arange(len(labels))

    def step():
        hs = [x]
        for w, b in zip(weights[:-1], biases[:-1]):
            h = hs[-1] @ w + b
            np.maximum(h, 0, out=h)
            hs.append(h)
        z = hs[-1] @ weights[-1] + biases[-1]
        top = z.max(axis=1, keepdims=True)
        e = np.exp(z - top)
        s = e.sum(axis=1, keepdims=True)
        loss = np.mean(top[:, 0] + np.log(s[:, 0]) - z[rows, labels])
        dz = e / s  # softmax - one_hot, over the batch size
        dz[rows, labels] -= 1
        dz /= len(labels)
        grads = []
        for layer in reversed(range(len(weights))):
            h = hs[layer]
            grads += [dz.sum(axis=0), h.T @ dz]
            if layer:
                dz = dz @ weights[layer].T
                dz *= h > 0
        return (loss, *reversed(grads))

    return step


def npgrad_cross_entropy(npgrad, z, labels):
    """Mean cross-entropy of logits z for integer labels: npgrad's fused op, as torch's."""
    return npgrad.nn.functional.cross_entropy(z, labels)


def _torchlike(mod, x, labels, params, loss_fn):
    """npgrad and torch: the same code but for the loss."""
    params = [mod.tensor(p, requires_grad=True) for p in params]
    x, labels = mod.tensor(x), mod.tensor(labels)
    weights, biases = params[0::2], params[1::2]

    def step():
        for p in params:
            p.grad = None
        h = x
        for w, b in zip(weights[:-1], biases[:-1]):
            h = mod.relu(h @ w + b)
        loss = loss_fn(h @ weights[-1] + biases[-1], labels)
        loss.backward()
        return (loss, *(p.grad for p in params))

    return step


def _hips(autograd, x, labels, params):
    import autograd.numpy as anp
    from autograd.tracer import getval

    rows = np.arange(len(labels))

    def loss(params):
        weights, biases = params[0::2], params[1::2]
        h = x
        for w, b in zip(weights[:-1], biases[:-1]):
            h = anp.maximum(h @ w + b, 0)
        z = h @ weights[-1] + biases[-1]
        top = np.max(getval(z), axis=1, keepdims=True)  # a constant, as in the others
        logp = z - top - anp.log(anp.sum(anp.exp(z - top), axis=1, keepdims=True))
        return -anp.mean(logp[rows, labels])

    value_and_grad = autograd.value_and_grad(loss)

    def step():
        value, grads = value_and_grad(params)
        return (value, *grads)

    return step


def _mygrad(mygrad, x, labels, params):
    from mygrad.nnet.activations import relu
    from mygrad.nnet.losses import softmax_crossentropy

    params = [mygrad.tensor(p) for p in params]
    weights, biases = params[0::2], params[1::2]

    def step():
        h = x
        for w, b in zip(weights[:-1], biases[:-1]):
            h = relu(h @ w + b)
        loss = softmax_crossentropy(h @ weights[-1] + biases[-1], labels)
        loss.backward()  # MyGrad clears the old grads when the params enter a new graph
        return (loss, *(p.grad for p in params))

    return step


def _jax(jax, x, labels, params, jit: bool):
    import jax.numpy as jnp

    x, labels = jnp.asarray(x), jnp.asarray(labels)
    params = [jnp.asarray(p) for p in params]

    def loss(params):
        weights, biases = params[0::2], params[1::2]
        h = x
        for w, b in zip(weights[:-1], biases[:-1]):
            h = jax.nn.relu(h @ w + b)
        logp = jax.nn.log_softmax(h @ weights[-1] + biases[-1])
        return -jnp.mean(jnp.take_along_axis(logp, labels[:, None], axis=1))

    value_and_grad = jax.value_and_grad(loss)
    if jit:
        value_and_grad = jax.jit(value_and_grad)

    def step():
        value, grads = jax.block_until_ready(value_and_grad(params))
        return (value, *grads)

    return step


def _step(lib, x, labels, params):
    name, mod = lib.name, lib.module
    if name == "numpy":
        return _numpy(x, labels, params)
    if name == "npgrad":
        return _torchlike(mod, x, labels, params, lambda z, y: npgrad_cross_entropy(mod, z, y))
    if name == "torch":
        return _torchlike(mod, x, labels, params, mod.nn.functional.cross_entropy)
    if name == "autograd":
        return _hips(mod, x, labels, params)
    if name == "mygrad":
        return _mygrad(mod, x, labels, params)
    return _jax(mod, x, labels, params, jit=name == "jax-jit")


def _cases(workload: str, libs, sizes: tuple[int, ...], batch: int, dtypes) -> list[Case]:
    cases = []
    for dtype in dtypes:
        x, labels, params = make_data(sizes, batch, dtype)
        suffix = f" {np.dtype(dtype).name}" if len(dtypes) > 1 else ""
        case = Case(workload, workload + suffix, "ms/step", 1e3, output_names(params))
        for lib in libs.values():
            case.steps[lib.name] = _step(lib, x, labels, params)
        cases.append(case)
    return cases


def big_cases(libs, sizes) -> list[Case]:
    return _cases("W2", libs, sizes.mlp_big, sizes.mlp_big_batch, (np.float32, np.float64))


def small_cases(libs, sizes) -> list[Case]:
    return _cases("W3", libs, sizes.mlp_small, sizes.mlp_small_batch, (np.float64,))
