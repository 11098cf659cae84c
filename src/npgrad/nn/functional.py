"""npgrad.nn.functional: torch's functional API over npgrad's ops."""

from ..ops.activation import *  # noqa: F403
from ..ops.conv import *  # noqa: F403
from ..ops.loss import *  # noqa: F403
from ..ops.normalization import *  # noqa: F403
from ..ops.pointwise import sigmoid, tanh  # noqa: F401
from ..ops.pool import *  # noqa: F403

__all__ = [name for name in dir() if not name.startswith("_")]
