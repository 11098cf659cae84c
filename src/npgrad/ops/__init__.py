"""Every differentiable op: its NumPy forward and its VJP rules, side by side, by family."""
