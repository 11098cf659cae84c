"""npgrad.linalg: torch.linalg's functions over npgrad's ops."""

from .ops.decomposition import *  # noqa: F403

__all__ = [name for name in dir() if not name.startswith("_")]
