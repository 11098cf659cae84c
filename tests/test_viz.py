"""npgrad.viz: DOT text of the seed's graph, the text outline, collapsed runs in deep graphs,
and rendering through Graphviz (or the clear error when it is missing)."""

from __future__ import annotations

import io
import re
import shutil

import pytest

import npgrad
from npgrad import viz


def _seed_graph():
    a = npgrad.tensor(10.0, requires_grad=True)
    b = npgrad.tensor(20.0, requires_grad=True)
    f = a * b
    g = f.exp() * a
    return a, b, f, g


def _edges(dot: str) -> tuple[dict, set]:
    labels = dict(re.findall(r'^\s+(n\d+) \[label="([^"]*)"', dot, re.M))
    edges = set(re.findall(r"^\s+(n\d+) -> (n\d+|output);", dot, re.M))
    return labels, edges


def test_dot_of_the_seed_graph_links_leaves_through_torch_named_nodes():
    a, b, f, g = _seed_graph()
    labels, edges = _edges(viz.to_dot(g, params={"a": a, "b": b}))
    by_label = {v.split("\\n")[0]: k for k, v in labels.items()}
    assert set(by_label) == {"a", "b", "MulBackward0", "ExpBackward0"} or len(labels) == 5
    muls = [k for k, v in labels.items() if v == "MulBackward0"]
    assert len(muls) == 2
    inner = next(m for m in muls if (by_label["b"], m) in edges)
    outer = next(m for m in muls if m != inner)
    assert (by_label["a"], inner) in edges and (by_label["b"], inner) in edges
    assert (inner, by_label["ExpBackward0"]) in edges
    assert (by_label["ExpBackward0"], outer) in edges and (by_label["a"], outer) in edges
    assert (outer, "output") in edges
    assert labels[by_label["a"]] == "a\\n()"


def test_dot_marks_retained_tensors_and_can_list_saved_tensors():
    a, b, f, g = _seed_graph()
    f.retain_grad()
    dot = viz.to_dot(g, show_saved=True)
    assert "MulBackward0\\n(retains grad)" in dot
    assert "saved tensor ()" in dot
    assert "saved tensor" not in viz.to_dot(g)


def test_named_parameters_label_the_leaves():
    model = npgrad.nn.Linear(3, 2)
    out = model(npgrad.ones(4, 3)).sum()
    dot = viz.to_dot(out, params=dict(model.named_parameters()))
    assert 'label="weight\\n(2, 3)"' in dot and 'label="bias\\n(2)"' in dot


def test_print_graph_outlines_the_graph_and_refers_back_to_shared_nodes():
    a, b, f, g = _seed_graph()
    out = io.StringIO()
    viz.print_graph(g, params={"a": a, "b": b}, file=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "output ()"
    assert [line.strip().split("  ")[0] for line in lines[1:]] == [
        "└ MulBackward0",
        "└ ExpBackward0",
        "└ MulBackward0",
        "└ a ()",
        "└ b ()",
        "└ a ()",
    ]
    assert lines[-1].endswith("shown above)")


def test_a_hundred_thousand_node_chain_is_collapsed_and_needs_no_recursion():
    x = npgrad.ones(3, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y = y.sum()
    dot = viz.to_dot(y)
    assert "MulBackward0 × 100,000" in dot and len(dot.splitlines()) < 20
    out = io.StringIO()
    viz.print_graph(y, file=out)
    assert "MulBackward0 × 100,000" in out.getvalue()


def test_a_tensor_without_a_graph():
    assert "leaf" in viz.to_dot(npgrad.ones(2, requires_grad=True))
    out = io.StringIO()
    viz.print_graph(npgrad.ones(2), file=out)
    assert "no graph" in out.getvalue()


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
@pytest.mark.parametrize("ext", ["svg", "png"])
def test_render_writes_the_picture(tmp_path, ext):
    pytest.importorskip("graphviz")
    *_, g = _seed_graph()
    path = tmp_path / f"graph.{ext}"
    dot = viz.render(g, path)
    assert dot.startswith("digraph")
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG") if ext == "png" else b"<svg" in data
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_render_without_graphviz_explains_and_keeps_the_dot_text(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` program to be found
    *_, g = _seed_graph()
    with pytest.raises(viz.GraphvizNotFound, match="apt-get install graphviz") as info:
        viz.render(g, tmp_path / "graph.svg")
    assert info.value.dot.startswith("digraph")
    assert (tmp_path / "graph.dot").read_text() == info.value.dot
    assert not (tmp_path / "graph.svg").exists()
