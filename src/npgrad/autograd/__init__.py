"""npgrad.autograd: backward(), grad(), custom Functions, grad modes, gradient checks, anomaly
detection, hooks on saved tensors (``autograd.graph``), and the functional transforms
(``autograd.functional``: vjp, jvp, jacobian, hessian, hvp, vhp) and forward-mode AD
(``autograd.forward_ad``)."""

from . import anomaly_mode, forward_ad, functional, graph
from .anomaly_mode import (
    detect_anomaly,
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    set_anomaly_enabled,
    set_detect_anomaly,
)
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
from .summary import GraphSummary, graph_summary

__all__ = [
    "Function",
    "FunctionCtx",
    "GradcheckError",
    "GraphSummary",
    "Node",
    "anomaly_mode",
    "backward",
    "detect_anomaly",
    "enable_grad",
    "explain",
    "forward_ad",
    "functional",
    "grad",
    "graph",
    "graph_summary",
    "gradcheck",
    "gradgradcheck",
    "inference_mode",
    "is_anomaly_check_nan_enabled",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "is_inference_mode_enabled",
    "no_grad",
    "once_differentiable",
    "set_anomaly_enabled",
    "set_detect_anomaly",
    "set_grad_enabled",
]
