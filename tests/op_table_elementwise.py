"""Op-table entries for elementwise math of one, two or three tensors."""

from __future__ import annotations

from op_spec import OpSpec  # noqa: F401

OPS: list = []
