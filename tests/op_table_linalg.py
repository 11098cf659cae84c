"""Op-table entries for linear algebra and npgrad.linalg."""

from __future__ import annotations

from op_spec import OpSpec  # noqa: F401

OPS: list = []
