"""npgrad.nn: modules, parameters, containers, initialisation and the functional API."""

from . import functional, init, utils
from .containers import ModuleDict, ModuleList, Sequential
from .module import Module
from .modules import *  # noqa: F403
from .modules import __all__ as _layers
from .parameter import Parameter

__all__ = [
    "Module",
    "ModuleDict",
    "ModuleList",
    "Parameter",
    "Sequential",
    "functional",
    "init",
    "utils",
    *_layers,
]
