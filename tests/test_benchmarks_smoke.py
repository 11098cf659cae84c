"""The benchmark harness end to end in its tiny mode, npgrad and NumPy by hand only: every
result passes the check against NumPy by hand and the table and the JSON come out. Timings
are never asserted."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
CASES = (
    "W1 fwd",
    "W1 fwd+bwd",
    "W1 jvp",
    "W2 float32",
    "W2 float64",
    "W3",
    "W5",
    "W5 fwd-over-rev",
)
LIBRARIES = ("numpy", "npgrad")


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    command = [sys.executable, "-m", "benchmarks", "--smoke", "--libs", ",".join(LIBRARIES)]
    command += ["--json", str(out / "results.json"), "--chart", str(out / "results.png")]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done, out


@pytest.fixture
def bench_package(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT))


def test_every_case_passes_the_check(smoke):
    done, _ = smoke
    assert "CORRECTNESS CHECK FAILED" not in done.stderr
    for case in CASES:
        assert f"checked {case}: numpy, npgrad match NumPy by hand" in done.stderr


def test_the_table_has_a_row_per_case_and_library(smoke):
    done, _ = smoke
    for case in CASES:
        for name in LIBRARIES:
            assert f"| {case} | {name} |" in done.stdout
    assert "| 3,000 | npgrad |" in done.stdout  # the deep chains
    assert "NumPy's BLAS:" in done.stdout


def test_the_json_holds_every_measurement(smoke):
    _, out = smoke
    results = json.loads((out / "results.json").read_text())
    rows = {(r["case"], r["library"]): r for r in results["timings"]}
    for case in CASES:
        for name in LIBRARIES:
            row = rows[(case, name)]
            assert row["status"] == "ok"
            assert len(row["samples"]) == results["settings"]["plan"]["rounds"]
            assert row["min"] <= row["median"] <= row["max"]
    deep = {(r["depth"], r["library"]): r for r in results["deep_chain"]}
    assert {r["status"] for r in deep.values()} == {"ok"}
    assert set(deep) == {(d, n) for d in (1_000, 3_000) for n in LIBRARIES}
    assert results["machine"]["numpy_blas"]


@pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None, reason="no matplotlib")
def test_the_chart_is_written(smoke):
    _, out = smoke
    assert (out / "results.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_wrong_gradient_aborts_the_check(bench_package):
    from benchmarks.check import MismatchError
    from benchmarks.harness import check_all
    from benchmarks.workloads import Case

    grad = np.array([1.0, 2.0])
    case = Case("W0", "W0", "s", 1.0, ("sum", "grad x"))
    case.steps["numpy"] = lambda: (np.float64(3.0), grad)
    case.steps["npgrad"] = lambda: (np.float64(3.0), grad * (1 + 1e-3))
    with pytest.raises(MismatchError, match="npgrad's grad x differs"):
        check_all([case])
