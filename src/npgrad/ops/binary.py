"""Elementwise functions of two or three tensors: maximum, minimum, atan2, remainder, fmod, hypot,
lerp, addcmul, addcdiv.
"""

__all__: list = []
METHODS: dict = {}
NUMPY: dict = {}
