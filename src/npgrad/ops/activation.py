"""The activation functions of nn.functional and the layers around them: linear, bilinear, gelu,
silu, dropout, embedding, one_hot, pad, normalize.
"""

__all__: list = []
METHODS: dict = {}
NUMPY: dict = {}
