"""Op-table entries for shape, joining, splitting and index-driven ops."""

from __future__ import annotations

from op_spec import OpSpec  # noqa: F401

OPS: list = []
