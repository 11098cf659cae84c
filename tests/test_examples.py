"""Every example runs and does what it says, so none rots; and the demo's command line."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import npgrad

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _example(name: str) -> dict:
    return runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name="example")


def test_regression_recovers_the_line(capsys):
    slope, intercept = _example("regression")["main"]()
    assert abs(slope - 3) < 0.05 and abs(intercept + 2) < 0.05
    assert "learned y = " in capsys.readouterr().out


def test_hessian_example_agrees_with_torch():
    by_rows, full, hv = _example("hessian")["main"]()

    def f(x):
        return (x**3).sum() + x[0] * x[1]

    want = torch.autograd.functional.hessian(f, torch.tensor([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(by_rows.numpy(), want.numpy())
    np.testing.assert_allclose(full.numpy(), want.numpy())
    np.testing.assert_allclose(hv.numpy(), want.numpy() @ np.array([1.0, 0.0, -1.0]))


def test_mnist_style_cnn_learns_the_digits():
    pytest.importorskip("sklearn")
    assert _example("mnist_style_cnn")["main"](epochs=3) > 0.75  # chance is 0.1


def test_every_example_is_tested():
    tested = {"seed", "regression", "hessian", "mnist_style_cnn"}
    assert {p.stem for p in EXAMPLES.glob("*.py")} == tested


# --- the demo -----------------------------------------------------------------------------------
def test_demo_help_lists_the_options(capsys):
    from npgrad import demo

    with pytest.raises(SystemExit) as info:
        demo.main(["--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    for option in ("--model {mlp,cnn}", "--epochs", "--seed", "--out"):
        assert option in text


def test_demo_rejects_bad_arguments(capsys):
    from npgrad import demo

    with pytest.raises(SystemExit) as info:
        demo.main(["--model", "rnn"])
    assert info.value.code == 2 and "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_demo_trains_and_writes_its_outputs(tmp_path, capsys, model):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    from npgrad import demo

    out = tmp_path / "out"
    assert demo.main(["--model", model, "--epochs", "2", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "test accuracy:" in printed and f"wrote {out / 'model.npz'}" in printed
    assert (out / "loss.png").read_bytes().startswith(b"\x89PNG")
    graph = out / "graph.svg" if (out / "graph.svg").exists() else out / "graph.dot"
    assert "Backward0" in graph.read_text()
    restored = demo.build_model(model)
    restored.load_state_dict(npgrad.load(out / "model.npz"))


def test_demo_module_runs_as_a_script(tmp_path):
    import subprocess

    pytest.importorskip("sklearn")
    result = subprocess.run(
        [sys.executable, "-m", "npgrad.demo", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0 and "handwritten digits" in result.stdout
