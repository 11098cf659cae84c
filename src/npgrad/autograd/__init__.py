"""npgrad.autograd: backward(), grad(), custom Functions, grad modes, gradient checks, and
the functional transforms (``autograd.functional``: vjp, jvp, jacobian, hessian, hvp, vhp)."""

from . import functional
from .diagnosis import explain
from .function import Function, FunctionCtx, once_differentiable
from .grad import backward, grad
from .grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .node import Node

__all__ = [
    "Function",
    "FunctionCtx",
    "GradcheckError",
    "Node",
    "backward",
    "enable_grad",
    "explain",
    "functional",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "inference_mode",
    "is_grad_enabled",
    "is_inference_mode_enabled",
    "no_grad",
    "once_differentiable",
    "set_grad_enabled",
]
