"""npgrad.func: torch.func's composable transforms (grad, vjp, jvp, jacrev, jacfwd, hessian,
vmap) and ``functional_call``, built on npgrad's reverse-mode autograd and forward-mode AD."""

from ._functional_call import functional_call
from ._grad import grad, grad_and_value, jvp, vjp
from ._jacobian import hessian, jacfwd, jacrev
from ._vmap import vmap

__all__ = [
    "functional_call",
    "grad",
    "grad_and_value",
    "hessian",
    "jacfwd",
    "jacrev",
    "jvp",
    "vjp",
    "vmap",
]
