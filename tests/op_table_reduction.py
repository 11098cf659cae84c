"""Op-table entries for reductions and cumulative ops."""

from __future__ import annotations

from op_spec import OpSpec  # noqa: F401

OPS: list = []
