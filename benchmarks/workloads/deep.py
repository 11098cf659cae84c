"""W4: a chain of 10^5 to 10^6 elementwise ops on a (8,) vector, then backward, each run in
a fresh process so that its peak memory is its own. Records seconds, peak memory and how a
library fails (recursion limit, memory, a crash of the interpreter, a timeout).

Run as ``python -m benchmarks.workloads.deep LIBRARY DEPTH`` it is that child process: it
prints one JSON object on its last line of output. The parent has set the thread limits in
the environment the child inherits (``benchmarks.threads``).
"""

from __future__ import annotations

import gc
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from ..check import compare
from ..libraries import load, to_numpy
from ..threads import limit_loaded_pools
from . import Case
from .chain import chain_step, initial_x

SHAPE = (8,)
CHECK_DEPTH = 1_000  # the depth of the in-process check before any timing
WARMUP_DEPTH = 100
UNSUPPORTED = {
    "jax-jit": "not run: compiling a program of 10^5-10^6 ops is not the workload",
}
ROOT = Path(__file__).resolve().parents[2]


def check_case(libs) -> Case:
    """The chain of W4 at a small depth, for the correctness check before timing."""
    x = initial_x(SHAPE)
    case = Case("W4", f"W4 check ({CHECK_DEPTH:,} ops)", "s", 1.0, ("sum", "grad x"))
    for lib in libs.values():
        if lib.name in UNSUPPORTED:
            case.unsupported[lib.name] = UNSUPPORTED[lib.name]
        else:
            case.steps[lib.name] = chain_step(lib, CHECK_DEPTH, x, backward=True)
    return case


def _proc_status_mb(field: str) -> float | None:
    """A memory figure of /proc/self/status (Linux), in MiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 2**10  # reported in kB
    except OSError:
        pass
    return None


def _reset_peak_rss() -> float:
    """Start measuring the peak from here; returns the resident memory it starts from.

    On Linux the kernel's high-water mark (VmHWM) is reset to the current resident size.
    getrusage's ru_maxrss cannot be used there: it keeps the peak of the parent process,
    inherited through fork and exec. Elsewhere the peak so far is the baseline."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return _proc_status_mb("VmRSS")
    except OSError:
        return _peak_rss_mb()


def _peak_rss_mb() -> float:
    peak = _proc_status_mb("VmHWM")
    if peak is not None:
        return peak
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes there, KiB here


def child(name: str, depth: int) -> dict:
    """Run the chain once in this process; return what the parent records."""
    libs, skipped = load([name])
    if name not in libs:
        return {"status": skipped[name]}
    limit_loaded_pools()
    x = initial_x(SHAPE)
    warmup = chain_step(libs[name], WARMUP_DEPTH, x, backward=True)
    warmup()
    warmup()
    step = chain_step(libs[name], depth, x, backward=True)
    del warmup
    gc.collect()
    baseline = _reset_peak_rss()
    start = time.perf_counter()
    try:
        total, grad = step()
    except RecursionError as exc:
        return {"status": f"RecursionError: {exc}"[:200]}
    except MemoryError:
        return {"status": "MemoryError"}
    seconds = time.perf_counter() - start
    result = {
        "status": "ok",
        "seconds": seconds,
        "baseline_mb": baseline,
        "peak_mb": _peak_rss_mb(),
        "sum": to_numpy(total).tolist(),
        "grad": to_numpy(grad).tolist(),
    }
    start = time.perf_counter()
    del total, grad, step  # freeing the graph is where some libraries overflow the C stack
    gc.collect()
    result["teardown_s"] = time.perf_counter() - start
    return result


def spawn(name: str, depth: int, timeout: float) -> dict:
    """Run ``child`` in a fresh interpreter; a crash or a timeout becomes the status."""
    command = [sys.executable, "-m", "benchmarks.workloads.deep", name, str(depth)]
    record = {"library": name, "depth": depth}
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {**record, "status": f"timeout after {timeout:g} s"}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        reason = f"signal {-done.returncode}" if done.returncode < 0 else f"exit {done.returncode}"
        last = done.stderr.strip().splitlines()[-1:] or [""]
        return {**record, "status": f"crashed ({reason}) {last[0]}"[:200].strip()}
    return {**record, **json.loads(lines[-1])}


SAFETY = 1.5  # how much faster than linear a deep chain's time may grow


def run(names, depths, rounds: int, timeout: float, progress=None) -> list[dict]:
    """Every library at every depth, ``rounds`` times, interleaved; one record per run.

    A library that failed is not run again, and one whose slowest time, scaled to the next
    depth with a margin (time often grows faster than depth), would pass the timeout is not
    run at that depth: the record says why."""
    records = []
    skip, last_seconds, shallower = {}, {}, None
    for depth in sorted(depths):
        for round_nr in range(rounds):
            for name in names:
                record = {"library": name, "depth": depth}
                if name in UNSUPPORTED:
                    records.append({**record, "status": UNSUPPORTED[name]})
                    continue
                expected = SAFETY * last_seconds.get(name, 0.0) * depth / (shallower or depth)
                if name not in skip and round_nr == 0 and expected > timeout:
                    skip[name] = (
                        f"{expected:.0f} s expected from {shallower:,} ops, "
                        f"over the {timeout:g} s timeout"
                    )
                if name in skip:
                    record["status"] = f"not run: {skip[name]}"[:200]
                    records.append(record)
                    continue
                if progress:
                    progress(f"W4 {depth:,} ops, round {round_nr + 1}/{rounds}: {name}")
                record = spawn(name, depth, timeout)
                if record["status"] == "ok":
                    last_seconds[name] = max(last_seconds.get(name, 0.0), record["seconds"])
                else:
                    skip[name] = f"{record['status']} at {depth:,} ops"
                records.append(record)
        shallower = depth
    return records


def summarize(records) -> list[dict]:
    """One row per library and depth: medians and ranges over the runs that succeeded, and
    the first failure if any run failed."""
    rows = {}
    for record in records:
        rows.setdefault((record["depth"], record["library"]), []).append(record)
    summary = []
    for (depth, name), runs in rows.items():
        ok = [r for r in runs if r["status"] == "ok"]
        failed = [r["status"] for r in runs if r["status"] != "ok"]
        row = {"library": name, "depth": depth, "runs": len(runs), "ok_runs": len(ok)}
        row["status"] = failed[0] if failed else "ok"
        if ok:
            seconds = [r["seconds"] for r in ok]
            graph = [r["peak_mb"] - r["baseline_mb"] for r in ok]
            row.update(
                seconds=statistics.median(seconds),
                seconds_min=min(seconds),
                seconds_max=max(seconds),
                graph_mb=statistics.median(graph),
                peak_mb=statistics.median(r["peak_mb"] for r in ok),
                teardown_s=statistics.median(r["teardown_s"] for r in ok),
                sum=ok[0]["sum"],
                grad=ok[0]["grad"],
            )
        summary.append(row)
    return summary


def check_against_numpy(summary) -> None:
    """Each library's sum and gradient at full depth against NumPy by hand's (MismatchError)."""
    reference = {r["depth"]: r for r in summary if r["library"] == "numpy" and "sum" in r}
    for row in summary:
        ref = reference.get(row["depth"])
        if row["library"] == "numpy" or ref is None or "sum" not in row:
            continue
        compare(
            f"W4 {row['depth']:,} ops",
            row["library"],
            ("sum", "grad x"),
            (ref["sum"], ref["grad"]),
            (row["sum"], row["grad"]),
        )


if __name__ == "__main__":
    print(json.dumps(child(sys.argv[1], int(sys.argv[2]))))
