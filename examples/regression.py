"""Linear regression by gradient descent, written exactly as in PyTorch: fit y = 3x - 2 from
noisy samples with nn.Linear, MSELoss and SGD, and print what was learned."""

import npgrad as torch
from npgrad import nn


def main(steps: int = 300) -> tuple[float, float]:
    torch.manual_seed(0)
    x = torch.linspace(-1, 1, 100).reshape(-1, 1)
    y = 3 * x - 2 + 0.1 * torch.randn(100, 1)

    model = nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss_fn = nn.MSELoss()
    for step in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        if step % 100 == 0:
            print(f"step {step:3d}: loss {loss.item():.4f}")

    slope, intercept = model.weight.item(), model.bias.item()
    print(f"learned y = {slope:.3f} x {intercept:+.3f}   (true: y = 3 x - 2)")
    return slope, intercept


if __name__ == "__main__":
    main()
