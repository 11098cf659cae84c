"""npgrad: PyTorch's autograd in pure Python on NumPy. ``import npgrad as torch``."""

# isort: off
# autograd first: its modules import Tensor, whose module imports autograd's grad mode.
from . import autograd
from . import _tensor_methods  # noqa: F401  (attaches Tensor's methods and operators)

# isort: on
from . import func, linalg, nn, optim, utils, viz
from ._creation import (
    Generator,
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    manual_seed,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    seed,
    tensor,
    zeros,
    zeros_like,
)
from ._dtype import (
    bool,
    cdouble,
    cfloat,
    complex64,
    complex128,
    double,
    dtype,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    set_default_dtype,
    short,
    uint8,
)
from ._tensor import Size, Tensor
from .autograd.anomaly_mode import is_anomaly_enabled, set_anomaly_enabled
from .autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .ops.arithmetic import *  # noqa: F403
from .ops.binary import *  # noqa: F403
from .ops.cumulative import *  # noqa: F403
from .ops.gather import *  # noqa: F403
from .ops.indexing import *  # noqa: F403
from .ops.join import *  # noqa: F403
from .ops.linalg import *  # noqa: F403
from .ops.nn_ops import *  # noqa: F403
from .ops.pointwise import *  # noqa: F403
from .ops.reduction import *  # noqa: F403
from .ops.shape import *  # noqa: F403
from .ops.unary import *  # noqa: F403
from .serialization import load, save

__version__ = "0.1.0"


def is_tensor(obj) -> bool:
    """True if ``obj`` is an npgrad Tensor."""
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> int:
    return input.numel()


def is_floating_point(input: Tensor) -> bool:
    return input.is_floating_point()


__all__ = [name for name in dir() if not name.startswith("_")]
