"""An MNIST-style convolutional network on scikit-learn's 8x8 digits, with the layers,
loss, optimizer and data loader a PyTorch tutorial uses. Prints the test accuracy."""

import numpy as np

import npgrad as torch
from npgrad import nn
from npgrad.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.fc = nn.Linear(16 * 2 * 2, 10)

    def forward(self, x):
        x = nn.functional.max_pool2d(nn.functional.relu(self.conv1(x)), 2)
        x = nn.functional.max_pool2d(nn.functional.relu(self.conv2(x)), 2)
        return self.fc(torch.flatten(x, 1))


def main(epochs: int = 5) -> float:
    from sklearn.datasets import load_digits

    torch.manual_seed(0)
    digits = load_digits()
    images = torch.tensor((digits.images / 16.0).astype(np.float32)).unsqueeze(1)
    labels = torch.tensor(digits.target)
    train = TensorDataset(images[:1500], labels[:1500])
    test_images, test_labels = images[1500:], labels[1500:]

    model = Net()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for epoch in range(epochs):
        for x, y in DataLoader(train, batch_size=64, shuffle=True):
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            accuracy = (model(test_images).argmax(1) == test_labels).float().mean().item()
        print(f"epoch {epoch + 1}: last batch loss {loss.item():.3f}, test accuracy {accuracy:.1%}")
    return accuracy


if __name__ == "__main__":
    main()
