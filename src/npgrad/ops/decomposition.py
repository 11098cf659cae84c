"""Matrix functions of npgrad.linalg: inv, det, slogdet, solve, cholesky, norms."""

__all__: list = []
METHODS: dict = {}
NUMPY: dict = {}
