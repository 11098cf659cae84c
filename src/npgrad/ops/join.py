"""Joining and splitting tensors: cat, stack, split, chunk, unbind."""

__all__: list = []
METHODS: dict = {}
NUMPY: dict = {}
