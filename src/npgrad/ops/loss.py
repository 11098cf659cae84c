"""The losses of nn.functional: cross_entropy, nll_loss, mse_loss, l1_loss, huber_loss, binary
cross-entropy, kl_div.
"""

__all__: list = []
METHODS: dict = {}
NUMPY: dict = {}
