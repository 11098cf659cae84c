"""Adagrad: per-coordinate learning rates from the sum of squared past gradients."""

from __future__ import annotations

import numpy as np

from ..autograd.node import bump_version
from .optimizer import (
    Optimizer,
    check_flags,
    check_non_negative,
    increment,
    new_step,
    state_like,
)


class Adagrad(Optimizer):
    """Adagrad, as ``torch.optim.Adagrad``.

    Per parameter with gradient g at step t: s += g², and
    p -= lr / (1 + (t - 1) * lr_decay) * g / (sqrt(s) + eps), where s starts at
    ``initial_accumulator_value``. Unlike the other optimizers, the state of the
    parameters given at construction exists before the first step.
    """

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        check_non_negative("learning rate", lr)
        check_non_negative("lr_decay value", lr_decay)
        check_non_negative("weight_decay value", weight_decay)
        check_non_negative("initial_accumulator_value value", initial_accumulator_value)
        check_non_negative("epsilon value", eps)
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)
        check_flags(differentiable, foreach, fused)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p)

    def _init_state(self, p) -> None:
        # As in torch, a parameter added later starts from the optimizer's default
        # initial_accumulator_value, not its group's.
        state = self.state[p]
        state["step"] = new_step()
        state["sum"] = state_like(p, self.defaults["initial_accumulator_value"])

    def _step_group(self, group: dict) -> None:
        lr, lr_decay, eps = group["lr"], group["lr_decay"], group["eps"]
        weight_decay = group["weight_decay"]
        for p, grad in self._with_grad(group):
            if len(self.state[p]) == 0:
                self._init_state(p)
            state = self.state[p]
            step = increment(state["step"])
            if group["maximize"]:
                grad = -grad
            if weight_decay != 0:
                grad = grad + weight_decay * p._data
            clr = lr / (1 + (step - 1) * lr_decay)

            state_sum = state["sum"]._data
            state_sum += grad * grad
            std = np.sqrt(state_sum) + eps
            p._data += -clr * grad / std
            bump_version(state["sum"])
            bump_version(p)
