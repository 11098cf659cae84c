"""Adam: adaptive moment estimation (optionally AMSGrad, or decoupled weight decay)."""

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


class Adam(Optimizer):
    """Adam, as ``torch.optim.Adam``.

    Per parameter with gradient g at step t: m = lerp(m, g, 1 - beta1),
    v = beta2 * v + (1 - beta2) * g², and
    p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps), where ``amsgrad``
    uses the running maximum of v instead of v. ``weight_decay`` adds weight_decay * p to g,
    or with ``decoupled_weight_decay`` (AdamW) scales p by 1 - lr * weight_decay first.
    """

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        check_non_negative("learning rate", lr)
        check_non_negative("epsilon value", eps)
        check_betas(betas)
        check_non_negative("weight_decay value", weight_decay)
        if not (isinstance(betas[0], float) and isinstance(betas[1], float)):
            raise ValueError("betas must be either both floats or both Tensors")
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
            "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)
        check_flags(differentiable, foreach, fused)

    def _step_group(self, group: dict) -> None:
        lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        for p, grad in self._with_grad(group):
            state = self.state[p]
            if len(state) == 0:
                state["step"] = new_step()
                state["exp_avg"] = state_like(p)
                state["exp_avg_sq"] = state_like(p)
                if group["amsgrad"]:
                    state["max_exp_avg_sq"] = state_like(p)
            step = increment(state["step"])
            if group["maximize"]:
                grad = -grad
            if weight_decay != 0:
                if group["decoupled_weight_decay"]:
                    p._data *= 1 - lr * weight_decay
                else:
                    grad = grad + weight_decay * p._data

            exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
            lerp_(exp_avg, grad, 1 - beta1)
            exp_avg_sq *= beta2
            exp_avg_sq += (1 - beta2) * grad * grad

            step_size = lr / (1 - beta1**step)
            bias_correction2_sqrt = (1 - beta2**step) ** 0.5
            second_moment = exp_avg_sq
            if group["amsgrad"]:
                second_moment = state["max_exp_avg_sq"]._data
                np.maximum(second_moment, exp_avg_sq, out=second_moment)
            denom = np.sqrt(second_moment) / bias_correction2_sqrt + eps
            p._data += -step_size * exp_avg / denom
            for t in state.values():
                bump_version(t)
            bump_version(p)


def check_betas(betas) -> None:
    """torch's range checks of Adam's ``betas``: each in [0, 1)."""
    for i, beta in enumerate(betas[:2]):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
