"""Cumulative ops along a dimension: cumsum and cumprod."""

__all__: list = []
METHODS: dict = {}
NUMPY: dict = {}
