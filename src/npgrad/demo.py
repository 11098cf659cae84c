"""The main job: train a small network on scikit-learn's handwritten digits with npgrad.

``python -m npgrad.demo`` (or ``npgrad-demo``) trains a convolutional network (or an MLP with
``--model mlp``) on the 8x8 digit images bundled with scikit-learn, shows a progress bar,
prints the test accuracy, and writes into ``--out``: ``loss.png`` (training and test curves),
``graph.svg`` (the graph of one forward pass) and ``model.npz`` (the checkpoint).

The training loop is the one a PyTorch user writes; only the import differs.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

import numpy as np

import npgrad as torch
from npgrad import nn
from npgrad.utils.data import DataLoader, TensorDataset

DEFAULT_OUT = "npgrad-demo"


def build_model(kind: str) -> nn.Module:
    """A small CNN (two conv blocks) or an MLP for 8x8 single-channel images."""
    if kind == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, padding=1),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        nn.MaxPool2d(2),  # 16 x 4 x 4
        nn.Conv2d(16, 32, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),  # 32 x 2 x 2
        nn.Flatten(),
        nn.Dropout(0.1),
        nn.Linear(32 * 2 * 2, 10),
    )


def load_digits(seed: int, test_fraction: float = 0.2):
    """The digits as (N, 1, 8, 8) float32 images in [0, 1] and int64 labels, split into
    train and test sets by a seeded permutation."""
    from sklearn.datasets import load_digits as sklearn_digits

    digits = sklearn_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, None, :, :]
    labels = digits.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(labels))
    n_test = int(len(labels) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    return (
        TensorDataset(torch.tensor(images[train]), torch.tensor(labels[train])),
        TensorDataset(torch.tensor(images[test]), torch.tensor(labels[test])),
    )


def evaluate(model: nn.Module, dataset: TensorDataset) -> tuple[float, float]:
    """(mean loss, accuracy) of ``model`` on the whole ``dataset``, without a graph."""
    images, labels = dataset.tensors
    model.eval()
    with torch.no_grad():
        logits = model(images)
        loss = nn.functional.cross_entropy(logits, labels).item()
        accuracy = (logits.argmax(1) == labels).float().mean().item()
    model.train()
    return loss, accuracy


def train(args) -> dict:
    """Train as the command line asks; returns the history of losses and accuracies."""
    from tqdm import tqdm

    torch.manual_seed(args.seed)
    train_set, test_set = load_digits(args.seed)
    loader = DataLoader(
        train_set, batch_size=64, shuffle=True, generator=torch.Generator().manual_seed(args.seed)
    )
    model = build_model(args.model)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    loss_fn = nn.CrossEntropyLoss()
    history = {"train_loss": [], "test_loss": [], "test_accuracy": []}
    bar = tqdm(range(1, args.epochs + 1), desc="training", unit="epoch", file=sys.stdout)
    for epoch in bar:
        total, seen = 0.0, 0
        for images, labels in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(images), labels)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(labels)
            seen += len(labels)
        scheduler.step()
        test_loss, accuracy = evaluate(model, test_set)
        history["train_loss"].append(total / seen)
        history["test_loss"].append(test_loss)
        history["test_accuracy"].append(accuracy)
        bar.set_postfix(epoch=epoch, loss=f"{total / seen:.4f}", test_acc=f"{accuracy:.2%}")
    bar.close()
    history["model"] = model
    history["example"] = test_set.tensors[0][:1]
    return history


def save_outputs(history: dict, out: pathlib.Path) -> list[str]:
    """Write loss.png, graph.svg and model.npz into ``out``; returns what was written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    model = history["model"]
    torch.save(model.state_dict(), out / "model.npz")
    written.append(str(out / "model.npz"))
    written.append(_plot(history, out / "loss.png"))
    written.append(_graph(model, history["example"], out / "graph.svg"))
    return written


def _plot(history: dict, path: pathlib.Path) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = range(1, len(history["train_loss"]) + 1)
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    left.plot(epochs, history["train_loss"], label="training")
    left.plot(epochs, history["test_loss"], label="test")
    left.set(xlabel="epoch", ylabel="cross-entropy", title="Loss", yscale="log")
    left.legend()
    right.plot(epochs, [100 * a for a in history["test_accuracy"]], color="tab:green")
    right.set(xlabel="epoch", ylabel="%", title="Test accuracy")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return str(path)


def _graph(model: nn.Module, example, path: pathlib.Path) -> str:
    from npgrad import viz

    model.eval()
    loss = nn.functional.cross_entropy(model(example), torch.tensor([0]))
    model.train()
    try:
        viz.render(loss, path, params=dict(model.named_parameters()))
        return str(path)
    except viz.GraphvizNotFound as e:
        print(f"note: {e}")
        return str(path.with_suffix(".dot"))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m npgrad.demo",
        description="Train a small network on scikit-learn's handwritten digits with npgrad.",
    )
    parser.add_argument("--model", choices=("mlp", "cnn"), default="cnn", help="default: cnn")
    parser.add_argument("--epochs", type=int, default=12, help="default: 12")
    parser.add_argument("--seed", type=int, default=0, help="default: 0")
    parser.add_argument("--lr", type=float, default=0.01, help="Adam's learning rate")
    parser.add_argument("--out", default=DEFAULT_OUT, help=f"output folder ({DEFAULT_OUT})")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error("--epochs must be at least 1")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    start = time.perf_counter()
    history = train(args)
    accuracy = history["test_accuracy"][-1]
    print(
        f"test accuracy: {accuracy:.2%} ({args.model}, {args.epochs} epochs, "
        f"{time.perf_counter() - start:.0f} s)"
    )
    for path in save_outputs(history, pathlib.Path(args.out)):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
