"""Second derivatives three ways: backward twice with create_graph=True, the Hessian from
autograd.functional, and a Hessian-vector product, for f(x) = sum(x ** 3) + x0 * x1."""

import npgrad as torch
from npgrad.autograd.functional import hessian, hvp


def f(x):
    return (x**3).sum() + x[0] * x[1]


def main():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)

    (grad,) = torch.autograd.grad(f(x), x, create_graph=True)
    print(f"gradient: {grad}")
    rows = [torch.autograd.grad(grad[i], x, retain_graph=True)[0] for i in range(3)]
    by_rows = torch.stack(rows)
    print(f"Hessian, row by row from the gradient's graph:\n{by_rows}")

    full = hessian(f, x.detach())
    print(f"Hessian from autograd.functional.hessian:\n{full}")

    v = torch.tensor([1.0, 0.0, -1.0])
    _, hv = hvp(f, x.detach(), v)
    print(f"H v for v = {v}: {hv}")
    return by_rows, full, hv


if __name__ == "__main__":
    main()
