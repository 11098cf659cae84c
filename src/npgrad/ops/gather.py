"""Index-driven ops: gather, scatter, scatter_add, index_select, index_add, masked_fill,
masked_select, take_along_dim.
"""

__all__: list = []
METHODS: dict = {}
NUMPY: dict = {}
