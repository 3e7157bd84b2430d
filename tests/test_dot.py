"""lecture_utils.dot: the one text-tree renderer, the summary of large graphs, saving a picture."""
import sys

from helpers import needs_dot

from lecture_utils import dot

# A graph as a dict: node -> its inputs. "y" = f("a", "b"), "a" = g("x"), "b" = h("a", "x").
GRAPH = {"y": ["a", "b"], "a": ["x"], "b": ["a", "x"], "x": []}


def inputs(node):
    return GRAPH[node]


def describe(node):
    return node.upper()


def operation(node):
    return f"op_{node}" if GRAPH[node] else None


def chain(depth):
    """{"n{depth}": ["n{depth-1}"], ..., "n0": []}: a graph as deep as it is large."""
    return {f"n{i}": [f"n{i - 1}"] if i else [] for i in range(depth + 1)}


def test_text_tree_draws_each_node_once_and_marks_the_second_visit():
    assert dot.text_tree("y", inputs, describe) == (
        "Y\n"
        "├── A\n"
        "│   └── X\n"
        "└── B\n"
        "    ├── A  (上と同じ)\n"
        "    └── X")


def test_text_tree_stops_below_max_depth():
    graph = chain(100)
    lines = dot.text_tree("n100", graph.__getitem__, str, max_depth=3).splitlines()
    assert lines == ["n100", "└── n99", "    └── n98", "        └── n97",
                     "            └── ... (ここより深いところは省略しました)"]


def test_text_tree_stops_after_max_lines_and_counts_all_nodes():
    graph = chain(100)
    lines = dot.text_tree("n100", graph.__getitem__, str, max_lines=3, max_depth=1000).splitlines()
    assert lines[-1] == "... (ここで省略しました。ノードは全部で 101 個です)" and len(lines) == 4


def test_text_tree_of_a_5000_deep_graph_needs_no_recursion():
    graph = chain(5000)
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(200)
    try:
        text = dot.text_tree("n5000", graph.__getitem__, str, max_lines=10_000, max_depth=10_000)
    finally:
        sys.setrecursionlimit(old)
    assert len(text.splitlines()) == 5001


def test_summary_counts_nodes_operations_and_the_longest_path():
    summary = dot.summarize("y", inputs, describe, operation)
    assert (summary.n_nodes, summary.operations, summary.depth) == (4, {"op_y": 1, "op_a": 1, "op_b": 1}, 3)
    assert summary.tree == dot.text_tree("y", inputs, describe)


def test_summary_of_a_20000_deep_graph_needs_no_recursion():
    graph = chain(20_000)
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(200)
    try:
        summary = dot.summarize("n20000", graph.__getitem__, str, lambda n: "op" if graph[n] else None)
    finally:
        sys.setrecursionlimit(old)
    assert (summary.n_nodes, summary.depth) == (20_001, 20_000)
    assert len(summary.tree.splitlines()) <= dot.SUMMARY_LINES + 1


def test_summary_reads_as_a_japanese_message():
    text = repr(dot.summarize("y", inputs, describe, operation, n_nodes=1234))
    assert text.startswith("計算グラフのノードが 1,234 個あり、図にするには多すぎるので")
    assert text.endswith(dot.text_tree("y", inputs, describe))


@needs_dot
def test_a_picture_can_be_saved_full_size(tmp_path):
    picture = dot.show("digraph { a -> b }", "b\n└── a", 2)
    path = picture.save(str(tmp_path / "graph.png"))
    assert (tmp_path / "graph.png").read_bytes() == picture.png and path.endswith("graph.png")


def test_the_text_tree_is_made_only_when_it_is_shown(monkeypatch):
    monkeypatch.setattr(dot, "render_png", lambda source: b"\x89PNG")
    made = []
    dot.show("digraph { a }", lambda: made.append(1) or "a", 1)
    assert made == []
