"""RMSprop: divide the gradient by a running root mean square of its recent values."""

from __future__ import annotations

import numpy as np

from ..autograd.node import bump_version
from .optimizer import (
    Optimizer,
    check_flags,
    check_non_negative,
    increment,
    lerp_,
    new_step,
    state_like,
)


class RMSprop(Optimizer):
    """RMSprop, as ``torch.optim.RMSprop``.

    Per parameter with gradient g: v = alpha * v + (1 - alpha) * g²; the denominator is
    sqrt(v) + eps, or with ``centered`` sqrt(v - ḡ²) + eps where ḡ = lerp(ḡ, g, 1 - alpha);
    then p -= lr * g / denominator, or with momentum b = momentum * b + g / denominator and
    p -= lr * b.
    """

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_non_negative("learning rate", lr)
        check_non_negative("epsilon value", eps)
        check_non_negative("momentum value", momentum)
        check_non_negative("weight_decay value", weight_decay)
        check_non_negative("alpha value", alpha)
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "capturable": capturable,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)
        check_flags(differentiable, foreach, None)

    def _step_group(self, group: dict) -> None:
        lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
        momentum, weight_decay = group["momentum"], group["weight_decay"]
        for p, grad in self._with_grad(group):
            state = self.state[p]
            if len(state) == 0:
                state["step"] = new_step()
                state["square_avg"] = state_like(p)
                if momentum > 0:
                    state["momentum_buffer"] = state_like(p)
                if group["centered"]:
                    state["grad_avg"] = state_like(p)
            increment(state["step"])
            if group["maximize"]:
                grad = -grad
            if weight_decay != 0:
                grad = grad + weight_decay * p._data

            square_avg = state["square_avg"]._data
            square_avg *= alpha
            square_avg += (1 - alpha) * grad * grad
            if group["centered"]:
                grad_avg = state["grad_avg"]._data
                lerp_(grad_avg, grad, 1 - alpha)
                avg = np.sqrt(square_avg - grad_avg * grad_avg)
            else:
                avg = np.sqrt(square_avg)
            avg += eps

            if momentum > 0:
                buf = state["momentum_buffer"]._data
                buf *= momentum
                buf += grad / avg
                p._data += -lr * buf
            else:
                p._data += -lr * grad / avg
            for t in state.values():
                bump_version(t)
            bump_version(p)
