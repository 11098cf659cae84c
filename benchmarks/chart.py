"""The bar chart of a run: one panel per case, one bar per library (median, with the
min–max range as an error bar), on a log scale so that far-apart libraries stay readable."""

from __future__ import annotations

import math

COLORS = {
    "numpy": "#7f7f7f",
    "npgrad": "#d62728",
    "torch": "#ee8a2a",
    "autograd": "#2ca02c",
    "mygrad": "#9467bd",
    "jax-jit": "#1f77b4",
    "jax-eager": "#6fa8dc",
}


def _panels(rows: list[dict], summary: list[dict]) -> list[tuple[str, list]]:
    """(title, [(library, median, low, high)]) for each timed case and each deep chain."""
    panels = {}
    for r in rows:
        if r["status"] == "ok":
            bars = panels.setdefault(f"{r['case']} ({r['unit']})", [])
            bars.append((r["library"], r["median"], r["min"], r["max"]))
    for r in summary:
        if "seconds" in r:
            bars = panels.setdefault(f"W4 {r['depth']:,} ops (s, fwd+bwd)", [])
            bars.append((r["library"], r["seconds"], r["seconds_min"], r["seconds_max"]))
    for r in summary:
        if "graph_mb" in r:
            bars = panels.setdefault(f"W4 {r['depth']:,} ops (graph MB)", [])
            bars.append((r["library"], max(r["graph_mb"], 0.1), None, None))
    return list(panels.items())  # dicts keep the order of insertion


def save_chart(rows: list[dict], summary: list[dict], path, title: str) -> bool:
    """Write the chart as a PNG; False (and nothing written) when matplotlib is missing."""
    try:
        import matplotlib
    except ImportError:
        return False
    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    panels = _panels(rows, summary)
    if not panels:
        return False
    columns = 2 if len(panels) > 1 else 1
    lines = math.ceil(len(panels) / columns)
    fig, axes = plt.subplots(lines, columns, figsize=(6 * columns, 2.6 * lines), squeeze=False)
    for ax, (panel_title, bars) in zip(axes.flat, panels):
        names = [b[0] for b in bars]
        medians = [b[1] for b in bars]
        positions = list(range(len(bars)))
        colors = [COLORS.get(n, "#333333") for n in names]
        ranged = all(b[2] is not None for b in bars)
        spread = [[b[1] - b[2] for b in bars], [b[3] - b[1] for b in bars]] if ranged else None
        ax.barh(positions, medians, xerr=spread, color=colors, capsize=2)
        ax.set_yticks(positions, names)
        ax.invert_yaxis()
        ax.set_xscale("log")
        ax.set_title(panel_title, fontsize=10)
        for y, bar in zip(positions, bars):
            end = bar[3] if ranged else bar[1]
            label = f"{bar[1]:.3g}"
            ax.annotate(
                label, (end, y), xytext=(3, 0), textcoords="offset points", va="center", size=7
            )
        ax.margins(x=0.15)
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
