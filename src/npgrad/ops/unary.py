"""Elementwise math of one tensor beyond the basics: exp2, log1p, the trigonometric and hyperbolic
families, erf, rounding.
"""

__all__: list = []
METHODS: dict = {}
NUMPY: dict = {}
