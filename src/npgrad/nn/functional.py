"""npgrad.nn.functional: torch's functional API over npgrad's ops."""

from ..ops.nn_ops import cross_entropy, log_softmax, logsumexp, nll_loss, softmax
from ..ops.pointwise import relu, sigmoid, tanh

__all__ = [
    "cross_entropy",
    "log_softmax",
    "logsumexp",
    "nll_loss",
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
]
