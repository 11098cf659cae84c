"""npgrad.utils: data loading (``npgrad.utils.data``)."""

from . import data

__all__ = ["data"]
