"""Op-table entries for convolutions, pooling and normalisation layers."""

from __future__ import annotations

from op_spec import OpSpec  # noqa: F401

OPS: list = []
