"""Convolutions: conv1d, conv2d, conv_transpose2d, vectorised over pixels."""

__all__: list = []
METHODS: dict = {}
NUMPY: dict = {}
