"""The printed report: markdown tables of the timings, of the deep chains and of the targets,
with ratios to NumPy by hand and to torch from the same run."""

from __future__ import annotations

# Targets of npgrad's speed, shown against the measurements (never asserted): for a case,
# npgrad's median over the median of ``against`` should be at most ``at_most``.
TIMED_TARGETS = (
    ("W1 fwd+bwd", "torch", 1.0),
    ("W1 jvp", "torch", 1.0),
    ("W2 float32", "numpy", 1.05),
    ("W2 float64", "numpy", 1.05),
    ("W3", "torch", 1.0),
    ("W5", "torch", 1.5),
    ("W5 fwd-over-rev", "torch", 1.5),
)
DEEP_TIME_SLACK = 1.1  # the deepest chain's time over the shallowest's, per unit of depth


def fmt(value: float | None) -> str:
    """About three significant digits, without exponents for everyday magnitudes."""
    if value is None:
        return "–"
    if value == 0:
        return "0"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 0.01:
        return f"{value:.2f}" if value >= 1 else f"{value:.3f}"
    return f"{value:.2g}" if value >= 1e-4 else f"{value:.2e}"


def _ratio(value: float | None, base: float | None) -> float | None:
    if value is None or not base:
        return None
    return value / base


def add_ratios(rows: list[dict]) -> None:
    """Set each timing row's ratio_numpy and ratio_torch (same case, same run)."""
    medians = {(r["case"], r["library"]): r.get("median") for r in rows}
    for row in rows:
        row["ratio_numpy"] = _ratio(row.get("median"), medians.get((row["case"], "numpy")))
        row["ratio_torch"] = _ratio(row.get("median"), medians.get((row["case"], "torch")))


def _table(head: list[str], align: list[str], body: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(cells) + " |" for cells in body]
    return "\n".join(lines)


def _times(ratio: float | None) -> str:
    return "–" if ratio is None else f"{ratio:.2f}×"


def timings_table(rows: list[dict]) -> str:
    head = ["case", "library", "median", "min–max", "unit", "× NumPy", "× torch", "note"]
    align = ["---", "---", "---:", "---:", "---", "---:", "---:", "---"]
    body = []
    for r in rows:
        if r["status"] != "ok":
            body.append([r["case"], r["library"], "–", "–", r["unit"], "–", "–", r["note"]])
            continue
        spread = f"{fmt(r['min'])}–{fmt(r['max'])}"
        ratios = [_times(r["ratio_numpy"]), _times(r["ratio_torch"])]
        body.append([r["case"], r["library"], fmt(r["median"]), spread, r["unit"], *ratios, ""])
    return _table(head, align, body)


def add_deep_ratios(summary: list[dict]) -> None:
    """Set each deep-chain row's time ratios to NumPy and torch, and memory ratio to torch."""
    by_key = {(r["depth"], r["library"]): r for r in summary}
    for row in summary:
        numpy_row = by_key.get((row["depth"], "numpy"), {})
        torch_row = by_key.get((row["depth"], "torch"), {})
        row["ratio_numpy"] = _ratio(row.get("seconds"), numpy_row.get("seconds"))
        row["ratio_torch"] = _ratio(row.get("seconds"), torch_row.get("seconds"))
        row["memory_ratio_torch"] = _ratio(row.get("graph_mb"), torch_row.get("graph_mb"))


def deep_table(summary: list[dict]) -> str:
    head = ["ops", "library", "seconds", "min–max", "graph MB", "peak RSS MB", "× NumPy"]
    head += ["× torch", "MB × torch", "status"]
    align = ["---:", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---"]
    body = []
    for r in summary:
        cells = [f"{r['depth']:,}", r["library"]]
        if "seconds" in r:
            cells += [fmt(r["seconds"]), f"{fmt(r['seconds_min'])}–{fmt(r['seconds_max'])}"]
            cells += [fmt(r["graph_mb"]), fmt(r["peak_mb"]), _times(r["ratio_numpy"])]
            cells += [_times(r["ratio_torch"]), _times(r["memory_ratio_torch"])]
        else:
            cells += ["–"] * 7
        status = r["status"]
        if 0 < r["ok_runs"] < r["runs"]:
            status = f"{status} ({r['ok_runs']} of {r['runs']} runs ok)"
        body.append([*cells, status])
    return _table(head, align, body)


def _target(name: str, goal: str, measured: float | None, at_most: float) -> dict:
    met = None if measured is None else measured <= at_most
    shown = _times(measured)
    return {"target": name, "goal": goal, "measured": measured, "shown": shown, "met": met}


def _deep_targets(summary: list[dict]) -> list[dict]:
    deep = sorted((r for r in summary if r["library"] == "npgrad"), key=lambda r: r["depth"])
    if not deep:
        return []
    shallow, deepest = deep[0], deep[-1]
    torch = {r["depth"]: r for r in summary if r["library"] == "torch"}.get(shallow["depth"], {})
    at = f"W4 {shallow['depth']:,} ops: npgrad / torch"
    seconds = _ratio(shallow.get("seconds"), torch.get("seconds"))
    memory = _ratio(shallow.get("graph_mb"), torch.get("graph_mb"))
    found = [
        _target(f"{at}, time", "≤ 1.00×", seconds, 1.0),
        _target(f"{at}, graph memory", "≤ 1.00×", memory, 1.0),
    ]
    if deepest is shallow:
        return found
    name = f"W4 {deepest['depth']:,} ops: npgrad runs without a crash"
    status = deepest["status"]
    found.append({"target": name, "goal": "ok", "shown": status, "met": status == "ok"})
    limit = DEEP_TIME_SLACK * deepest["depth"] / shallow["depth"]
    growth = _ratio(deepest.get("seconds"), shallow.get("seconds"))
    name = f"W4 time, {deepest['depth']:,} over {shallow['depth']:,} ops (linear)"
    found.append(_target(name, f"≤ {limit:.3g}×", growth, limit))
    return found


def targets(rows: list[dict], summary: list[dict]) -> list[dict]:
    """npgrad's targets, each with the ratio measured in this run (None where not measured)."""
    found = []
    medians = {(r["case"], r["library"]): r.get("median") for r in rows}
    for case, against, at_most in TIMED_TARGETS:
        if (case, "npgrad") not in medians:
            continue
        measured = _ratio(medians[(case, "npgrad")], medians.get((case, against)))
        name = f"{case}: npgrad / {'NumPy by hand' if against == 'numpy' else against}"
        found.append(_target(name, f"≤ {at_most:.2f}×", measured, at_most))
    return found + _deep_targets(summary)


def targets_table(found: list[dict]) -> str:
    marks = {True: "yes", False: "**no**", None: "not measured"}
    body = [[t["target"], t["goal"], t["shown"], marks[t["met"]]] for t in found]
    return _table(["target", "goal", "measured", "met"], ["---", "---:", "---:", "---"], body)


def header(machine: dict, skipped: dict[str, str], settings: dict) -> str:
    lines = [
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['platform']}",
        f"Python {machine['python']}; NumPy's BLAS: {machine['numpy_blas']}; one thread each",
        f"Run: {machine['date']}, commit {machine['commit'] or 'unknown'}, mode "
        f"{settings['mode']}, {settings['rounds']} interleaved rounds, median and min–max; "
        f"W4: {settings['deep_rounds']} run(s) per library and depth, each in a fresh process",
        "Libraries: " + "; ".join(f"{n} ({v})" for n, v in machine["libraries"].items()),
    ]
    lines += [f"Skipped {name}: {why}" for name, why in skipped.items()]
    return "\n".join(f"- {line}" for line in lines)
