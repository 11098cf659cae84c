"""The README's training table names every public class and function of nn, optim,
lr_scheduler and utils.data, so it cannot fall behind the code."""

from __future__ import annotations

import inspect
import pathlib

import pytest

import npgrad

README = (pathlib.Path(__file__).resolve().parents[1] / "README.md").read_text()
TRAINING = README[README.index("## Training") : README.index("## Why is my grad None?")]


def _public(module, predicate):
    return sorted(
        name
        for name in getattr(module, "__all__", dir(module))
        if not name.startswith("_") and predicate(getattr(module, name))
    )


@pytest.mark.parametrize(
    ("module", "predicate"),
    [
        (npgrad.nn, inspect.isclass),
        (npgrad.nn.init, inspect.isfunction),
        (npgrad.nn.utils, inspect.isfunction),
        (npgrad.optim, lambda obj: inspect.isclass(obj) and obj is not npgrad.optim.Optimizer),
        (npgrad.optim.lr_scheduler, lambda obj: inspect.isclass(obj) and "LR" in obj.__name__),
        (npgrad.utils.data, lambda obj: inspect.isclass(obj) or inspect.isfunction(obj)),
    ],
    ids=["nn", "init", "utils", "optim", "lr_scheduler", "data"],
)
def test_training_table_lists_every_public_name(module, predicate):
    missing = [n for n in _public(module, predicate) if f"`{n}`" not in TRAINING]
    missing = [n for n in missing if n not in ("Module", "LRScheduler")]
    assert not missing, f"README's training table lacks {missing}"


def test_demo_pictures_in_the_readme_exist():
    root = pathlib.Path(__file__).resolve().parents[1]
    for path in ("docs/demo-loss.png", "docs/demo-graph.svg"):
        assert path in README and (root / path).stat().st_size > 1000
