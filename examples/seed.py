"""A walk through how backward() works: scalar and vector outputs, the `gradient` argument,
leaves, and retain_grad(). Each step prints what it computed."""

import warnings

import npgrad as torch


def main() -> None:
    print("1. A scalar output: F = a * b, then F.backward()")
    a = torch.tensor(10.0, requires_grad=True)
    b = torch.tensor(20.0, requires_grad=True)
    F = a * b
    F.backward()
    print(f"   F = {F}")
    print(f"   dF/da = a.grad = {a.grad}   (equals b)")
    print(f"   dF/db = b.grad = {b.grad}   (equals a)")

    print("\n2. A vector output needs `gradient`: the v of the vector-Jacobian product vᵀJ")
    a = torch.tensor([10.0, 10.0], requires_grad=True)
    b = torch.tensor([20.0, 20.0], requires_grad=True)
    F = a * b
    try:
        F.backward()
    except RuntimeError as error:
        print(f"   F.backward() without gradient raises RuntimeError: {error}")
    v = torch.tensor([1.0, 1.0])
    F.backward(gradient=v)
    print(f"   F.backward(gradient={v}) -> a.grad = {a.grad}, b.grad = {b.grad}")

    print("\n3. Leaves keep gradients; intermediate results do not (unless asked)")
    a = torch.tensor([10.0, 10.0], requires_grad=True)
    b = torch.tensor([20.0, 20.0], requires_grad=True)
    F = a * b
    G = 2 * F
    G.sum().backward()
    print(f"   G = 2 * F, G.sum().backward() -> a.grad = {a.grad}, b.grad = {b.grad}")
    print(f"   a.is_leaf = {a.is_leaf}, b.is_leaf = {b.is_leaf}, F.is_leaf = {F.is_leaf}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        print(f"   F.grad = {F.grad}")
    print(f"   ...with a UserWarning: {str(caught[0].message)[:72]}...")

    print("\n4. retain_grad() keeps the gradient of an intermediate tensor")
    a = torch.tensor([10.0, 10.0], requires_grad=True)
    b = torch.tensor([20.0, 20.0], requires_grad=True)
    F = a * b
    F.retain_grad()
    G = 2 * F
    G.sum().backward()
    print(f"   F.retains_grad = {F.retains_grad}, F.grad = {F.grad}   (dG/dF = 2)")

    print("\n5. The graph is recorded as the code runs: grad_fn and next_functions")
    node, chain = G.sum().grad_fn, []
    while node is not None:
        chain.append(node.name())
        node = node.next_functions[0][0] if node.next_functions else None
    print("   " + " -> ".join(chain))


if __name__ == "__main__":
    main()
