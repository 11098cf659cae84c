"""One run of the benchmarks: load the libraries, check every library against NumPy by hand,
time the cases interleaved, run the deep chains, then print and save the results."""

from __future__ import annotations

import json
import statistics
import sys
import traceback
from dataclasses import asdict
from pathlib import Path

from . import chart, machine, report
from .check import MismatchError, compare
from .libraries import ALL, REFERENCE, load
from .threads import limit_loaded_pools
from .timing import Plan, interleaved
from .workloads import FULL, QUICK, SMOKE, Case, deep, hvp, mlp
from .workloads import chain as chain_workload

MODES = {
    # sizes, timing plan, rounds of the deep chains, timeout of one deep chain (s)
    "full": (FULL, Plan(rounds=15, sample_s=0.05, warmup_s=0.2), 3, 600),
    "quick": (QUICK, Plan(rounds=5, sample_s=0.01, warmup_s=0.05), 1, 300),
    "smoke": (SMOKE, Plan(rounds=2, sample_s=0.001, warmup_s=0.0, min_warmup_calls=1), 1, 60),
}
TIMED_CASES = {
    "W1": chain_workload.cases,
    "W2": mlp.big_cases,
    "W3": mlp.small_cases,
    "W5": hvp.cases,
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def check_all(cases: list[Case]) -> dict[tuple[str, str], float]:
    """Run every step once and compare it with NumPy by hand. Returns the largest relative
    error per (case, library); raises MismatchError (or the library's own error)."""
    errors = {}
    for case in cases:
        reference = case.steps[REFERENCE]()
        for name, step in case.steps.items():
            if name == REFERENCE:
                continue
            errors[(case.name, name)] = compare(case.name, name, case.outputs, reference, step())
        log(f"checked {case.name}: {', '.join(case.steps)} match NumPy by hand")
    return errors


def time_case(case: Case, plan: Plan, skipped: dict[str, str], errors) -> list[dict]:
    """The case's rows of the table: one per library, timed, skipped or unsupported."""
    progress = lambda r: log(f"timing {case.name}: round {r + 1}/{plan.rounds}")
    samples = interleaved(case.steps, plan, progress)
    rows = []
    for name in ALL:
        row = {"case": case.name, "workload": case.workload, "unit": case.unit, "library": name}
        if name in samples:
            values = [s * case.scale for s in samples[name]]
            row.update(status="ok", note="", median=statistics.median(values))
            row.update(min=min(values), max=max(values), samples=values)
            row["max_error"] = errors.get((case.name, name), 0.0)
        elif name in case.unsupported:
            row.update(status="unsupported", note=case.unsupported[name])
        elif name in skipped:
            row.update(status="skipped", note=skipped[name])
        else:
            continue  # not asked for
        rows.append(row)
    return rows


def abort(exc: Exception) -> int:
    """Say loudly that a library's result is wrong (or that its step failed)."""
    log("\n" + "!" * 78)
    log("CORRECTNESS CHECK FAILED: no results are reported.")
    if not isinstance(exc, MismatchError):
        log(traceback.format_exc())
    log(f"{type(exc).__name__}: {exc}")
    log("!" * 78)
    return 1


def run_deep(libs, sizes, rounds: int, timeout: float) -> list[dict]:
    """W4 for every loaded library; its rows, checked against NumPy by hand."""
    records = deep.run(list(libs), sizes.deep_depths, rounds, timeout, log)
    summary = deep.summarize(records)
    deep.check_against_numpy(summary)
    report.add_deep_ratios(summary)
    return summary


def write_outputs(args, results: dict) -> None:
    Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
    log(f"\nwrote {args.json}")
    if not args.chart:
        return
    title = f"npgrad benchmarks ({args.mode}), {results['machine']['cpu']}, one thread"
    if chart.save_chart(results["timings"], results["deep_chain"], args.chart, title):
        log(f"wrote {args.chart}")
    else:
        log("no chart: matplotlib is not installed")


def run_all(args) -> int:
    sizes, plan, deep_rounds, deep_timeout = MODES[args.mode]
    if args.rounds:
        plan = Plan(args.rounds, plan.sample_s, plan.warmup_s, plan.min_warmup_calls)
        deep_rounds = args.rounds
    names = [n for n in ALL if n == REFERENCE or n in args.libs]
    libs, skipped = load(names)
    limit_loaded_pools()
    for name, why in skipped.items():
        log(f"skipping {name}: {why}")
    info = machine.describe(libs)

    cases = [case for w in args.only if w in TIMED_CASES for case in TIMED_CASES[w](libs, sizes)]
    try:
        errors = check_all(cases + ([deep.check_case(libs)] if "W4" in args.only else []))
    except Exception as exc:
        return abort(exc)
    rows = [row for case in cases for row in time_case(case, plan, skipped, errors)]
    report.add_ratios(rows)
    try:
        summary = run_deep(libs, sizes, deep_rounds, deep_timeout) if "W4" in args.only else []
    except MismatchError as exc:
        return abort(exc)
    found = report.targets(rows, summary)

    settings = {"mode": args.mode, "rounds": plan.rounds, "deep_rounds": deep_rounds}
    settings.update(only=args.only, libs=names)
    print(report.header(info, skipped, settings))
    if rows:
        print("\n" + report.timings_table(rows))
    if summary:
        print("\n" + report.deep_table(summary))
    if found:
        print("\nTargets for npgrad (ratios from this run):\n\n" + report.targets_table(found))
    results = {
        "machine": info,
        "settings": {**settings, "sizes": asdict(sizes), "plan": asdict(plan)},
        "skipped": skipped,
        "timings": rows,
        "deep_chain": summary,
        "targets": found,
    }
    write_outputs(args, results)
    return 0
