"""Op-table entries for nn.functional: activations, losses, embedding, padding, normalize."""

from __future__ import annotations

from op_spec import OpSpec  # noqa: F401

OPS: list = []
