"""Finite-difference checks of gradients: ``gradcheck`` and ``gradgradcheck``."""

from __future__ import annotations

import warnings

import numpy as np

from .._tensor import Tensor, wrap
from .grad import grad as autograd_grad


class GradcheckError(RuntimeError):
    """Raised by gradcheck when analytical and numerical gradients disagree."""


def _as_tuple(x) -> tuple:
    return x if isinstance(x, tuple) else (x,)


def _differentiable(inputs: tuple) -> list[int]:
    return [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]


def _numerical_jacobian(func, inputs: tuple, index: int, eps: float) -> list[np.ndarray]:
    """d(outputs)/d(inputs[index]) by central differences: one (out.numel, in.numel) each."""
    x = inputs[index]
    flat = x._data.reshape(-1)  # a view: perturbing it perturbs the input
    columns = []
    for k in range(flat.size):
        original = flat[k]
        flat[k] = original + eps
        plus = [o._data.astype(np.float64).ravel() for o in _as_tuple(func(*inputs))]
        flat[k] = original - eps
        minus = [o._data.astype(np.float64).ravel() for o in _as_tuple(func(*inputs))]
        flat[k] = original
        columns.append([(p - m) / (2 * eps) for p, m in zip(plus, minus)])
    n_out = len(columns[0]) if columns else len(_as_tuple(func(*inputs)))
    return [
        np.stack([c[j] for c in columns], axis=1)
        if columns
        else np.zeros((_as_tuple(func(*inputs))[j].numel(), 0))
        for j in range(n_out)
    ]


def _analytical_jacobian(outputs: tuple, inputs: tuple, index: int) -> list[np.ndarray]:
    x = inputs[index]
    result = []
    for out in outputs:
        rows = np.zeros((out.numel(), x.numel()))
        if out.requires_grad:
            for r in range(out.numel()):
                v = np.zeros(out.numel(), dtype=out._data.dtype)
                v[r] = 1
                (g,) = autograd_grad(
                    out, x, wrap(v.reshape(out._data.shape)), retain_graph=True, allow_unused=True
                )
                if g is not None:
                    rows[r] = g._data.ravel()
        result.append(rows)
    return result


def gradcheck(
    func,
    inputs,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    fast_mode: bool = False,
    **_ignored,
) -> bool:
    """Compare the gradients of ``func`` at ``inputs`` with central finite differences.

    Returns True when they agree; otherwise raises ``GradcheckError`` (or returns False with
    ``raise_exception=False``). Use float64 inputs: float32 is too coarse for the check.
    """
    inputs = _as_tuple(inputs)
    indices = _differentiable(inputs)
    if not indices:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, but none of "
            "them have requires_grad=True."
        )
    for i in indices:
        if inputs[i].dtype.numpy != np.float64:
            warnings.warn(
                f"Input #{i} requires gradient and is not a double precision floating point or "
                "complex. This check will likely fail if all the inputs are not of double "
                "precision floating point or complex. ",
                UserWarning,
                stacklevel=2,
            )
    outputs = _as_tuple(func(*inputs))
    for i in indices:
        numerical = _numerical_jacobian(func, inputs, i, eps)
        analytical = _analytical_jacobian(outputs, inputs, i)
        for j, (n, a) in enumerate(zip(numerical, analytical)):
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                if not raise_exception:
                    return False
                raise GradcheckError(
                    f"Jacobian mismatch for output {j} with respect to input {i},\n"
                    f"numerical:{wrap(n)!r}\nanalytical:{wrap(a)!r}\n"
                )
    return True


def gradgradcheck(
    func,
    inputs,
    grad_outputs=None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    **_ignored,
) -> bool:
    """Check second derivatives: gradcheck of the map (inputs, v) -> vᵀJ."""
    inputs = _as_tuple(inputs)
    outputs = _as_tuple(func(*inputs))
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(
            wrap(rng.standard_normal(o._data.shape).astype(o._data.dtype)).requires_grad_()
            for o in outputs
        )
    grad_outputs = _as_tuple(grad_outputs)
    n = len(inputs)
    indices = _differentiable(inputs)

    def first_derivative(*args):
        xs, vs = args[:n], args[n:]
        outs = _as_tuple(func(*xs))
        diff = [(o, v) for o, v in zip(outs, vs) if o.requires_grad]
        grads = autograd_grad(
            [o for o, _ in diff],
            [xs[i] for i in indices],
            [v for _, v in diff],
            create_graph=True,
            allow_unused=True,
        )
        return tuple(
            g if g is not None else wrap(np.zeros(xs[i]._data.shape))
            for g, i in zip(grads, indices)
        )

    return gradcheck(
        first_derivative,
        inputs + grad_outputs,
        eps=eps,
        atol=atol,
        rtol=rtol,
        raise_exception=raise_exception,
    )
