"""npgrad.nn.functional: torch's functional API over npgrad's ops."""

from ..ops.activation import *  # noqa: F403
from ..ops.conv import *  # noqa: F403
from ..ops.loss import *  # noqa: F403
from ..ops.nn_ops import cross_entropy, log_softmax, nll_loss, softmax  # noqa: F401
from ..ops.normalization import *  # noqa: F403
from ..ops.pointwise import relu, sigmoid, tanh  # noqa: F401
from ..ops.pool import *  # noqa: F403

__all__ = [name for name in dir() if not name.startswith("_")]
