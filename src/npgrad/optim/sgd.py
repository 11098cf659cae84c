"""SGD: stochastic gradient descent, optionally with (Nesterov) momentum."""

from __future__ import annotations

from .._tensor import wrap
from ..autograd.node import bump_version
from .optimizer import Optimizer, check_flags


class SGD(Optimizer):
    """Stochastic gradient descent (optionally with momentum), as ``torch.optim.SGD``.

    Per parameter with gradient g: g += weight_decay * p; with momentum, the buffer
    b = g on the first step, then b = momentum * b + (1 - dampening) * g, and g becomes
    b (or g + momentum * b with ``nesterov``); finally p -= lr * g (``maximize`` negates g).
    """

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            "foreach": foreach,
            "differentiable": differentiable,
            "fused": fused,
        }
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        check_flags(differentiable, foreach, fused)

    def _step_group(self, group: dict) -> None:
        lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
        weight_decay = group["weight_decay"]
        for p, grad in self._with_grad(group):
            if group["maximize"]:
                grad = -grad
            if weight_decay != 0:
                grad = grad + weight_decay * p._data
            if momentum != 0:
                state = self.state[p]
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = wrap(grad.copy())
                else:
                    buf._data *= momentum
                    buf._data += (1 - dampening) * grad
                    bump_version(buf)
                grad = grad + momentum * buf._data if group["nesterov"] else buf._data
            p._data += -lr * grad
            bump_version(p)
