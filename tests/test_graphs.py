"""lecture_utils.graphs: stable DOT from torchviz, a text tree when Graphviz or torchviz is missing."""
import re
import shutil
import sys

import pytest
import torch
from helpers import needs_dot

from lecture_utils import doctor, dot, graphs

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def slides_graph():
    """The slides' torchviz example: y = sin(sum(x) + 2)."""
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    return torch.sin(torch.sum(x) + 2), x


SLIDES_TREE = """\
y ()
└── SinBackward0
    └── AddBackward0
        └── SumBackward0
            └── AccumulateGrad <- x (3)"""


def test_text_tree_of_the_slides_example():
    y, x = slides_graph()
    assert graphs.grad_fn_tree(y, {"x": x, "y": y}) == SLIDES_TREE


def shared_graph():
    a = torch.tensor(2.0, requires_grad=True)
    w = torch.ones(2, 3, requires_grad=True)
    b = a * a
    return b + b * (w.sum())


def test_text_tree_names_unnamed_tensors_output_and_leaf():
    tree = graphs.grad_fn_tree(shared_graph())
    assert tree.splitlines()[0] == "出力 ()"
    assert "AccumulateGrad <- 葉 (2, 3)" in tree


def test_text_tree_repeats_a_leaf_but_marks_a_shared_operation():
    tree = graphs.grad_fn_tree(shared_graph())
    assert tree.count("AccumulateGrad <- 葉 ()") == 2   # a used twice in a * a
    assert tree.count("MulBackward0  (上と同じ)") == 1   # b is reached twice, drawn once


def product_chain(n):
    """x * x * ... * x (n products): a graph n operations deep."""
    x = torch.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(n):
        y = y * x
    return y, x


def test_text_tree_of_a_2000_level_graph_is_shortened():
    y, x = product_chain(2000)
    lines = graphs.grad_fn_tree(y, {"x": x}).splitlines()
    assert sum(line.endswith("└── ... (ここより深いところは省略しました)") for line in lines) == 1
    assert len(lines) < 2 * dot.TREE_DEPTH + 3


def test_show_graph_summarizes_a_2000_level_graph():
    y, x = product_chain(2000)
    shown = graphs.show_graph(y, {"x": x})
    assert isinstance(shown, dot.GraphSummary)
    assert (shown.operations, shown.depth) == ({"MulBackward0": 2000}, 2000)


@needs_dot
def test_a_graph_graphviz_is_slow_to_draw_falls_back_to_the_text_tree(monkeypatch):
    monkeypatch.setattr(dot, "DOT_SECONDS", 1)
    y, x = product_chain(100)           # x shared by 100 products: about a minute for Graphviz
    shown = graphs.show_graph(y, {"x": x})
    assert isinstance(shown, dot.TextGraph) and shown.reason == dot.TOO_SLOW.format(seconds=1)


def test_show_graph_summarizes_10000_products_without_drawing_them():
    y, _ = product_chain(10_000)        # torchviz and Graphviz did not finish in 240 s
    shown = graphs.show_graph(y)
    assert isinstance(shown, dot.GraphSummary) and shown.n_nodes == 10_003


def test_stable_names_renames_ids_in_order_of_appearance():
    source = ('digraph {\n\t140219717691472 [label="\n ()"]\n\t1402 -> 140219717691472\n'
              '\t1402 [label="x\n (3)"]\n\t99 -> 1402 [dir=none]\n}\n')
    renamed, n = graphs.stable_names(source)
    assert n == 3
    assert renamed == ('digraph {\n\tn0 [label="\n ()"]\n\tn1 -> n0\n'
                       '\tn1 [label="x\n (3)"]\n\tn2 -> n1 [dir=none]\n}\n')


@needs_dot
def test_picture_has_stable_dot_without_memory_addresses():
    y, x = slides_graph()
    picture = graphs.show_graph(y, {"x": x})
    assert isinstance(picture, dot.GraphPicture)
    assert picture.png.startswith(b"\x89PNG")
    assert repr(picture) == "<計算グラフ: ノード 6 個>"
    assert not re.search(r"\d{5,}", picture.source)
    assert sorted(re.findall(r"^\t(n\d+) \[", picture.source, re.M)) == [f"n{i}" for i in range(6)]
    for label in ("SinBackward0", "AddBackward0", "SumBackward0", "AccumulateGrad", 'label="x\n (3)"',
                  'label="output\n ()"'):
        assert label in picture.source
    assert picture.source.isascii()
    # a new graph of the same computation gives the very same text
    y2, x2 = slides_graph()
    assert graphs.graph_source(y2, {"x": x2}) == picture.source


@needs_dot
def test_picture_from_left_to_right():
    y, x = slides_graph()
    assert "rankdir=LR" in graphs.show_graph(y, {"x": x}, rankdir="LR").source


@needs_dot
def test_saved_tensors_only_before_backward():
    x = torch.tensor(2.0, requires_grad=True)
    y = torch.exp(x) * x
    source = graphs.graph_source(y, {"x": x}, show_saved=True)
    assert "orange" in source and not re.search(r"\d{5,}", source)
    y.backward()
    with pytest.raises(ValueError, match="backward"):
        graphs.show_graph(y, {"x": x}, show_saved=True)
    # the plain picture still works after backward()
    assert isinstance(graphs.show_graph(y, {"x": x}), dot.GraphPicture)


def test_without_graphviz_the_text_tree_and_hint(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    y, x = slides_graph()
    result = graphs.show_graph(y, {"x": x, "y": y})
    assert isinstance(result, dot.TextGraph)
    assert repr(result) == SLIDES_TREE + "\n\n" + doctor.MISSING_DOT


@pytest.mark.parametrize("broken", ["torchviz", "distutils"])
def test_without_torchviz_the_text_tree_and_hint(monkeypatch, broken):
    # "distutils": what Python 3.12+ without setuptools does to torchviz 0.0.3
    for name in [m for m in sys.modules if m == "torchviz" or m.startswith("torchviz.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, broken, None)
    if broken == "distutils":
        monkeypatch.setitem(sys.modules, "distutils.version", None)
    y, x = slides_graph()
    result = graphs.show_graph(y, {"x": x, "y": y})
    assert isinstance(result, dot.TextGraph)
    assert result.tree == SLIDES_TREE
    assert "torchviz を読み込めなかった" in result.reason and broken in result.reason
    with pytest.raises(ImportError, match="torchviz"):
        graphs.graph_source(y)


BAD = [
    (lambda: graphs.show_graph([1.0, 2.0]), TypeError),
    (lambda: graphs.show_graph(torch.tensor(2.0, requires_grad=True)), ValueError),
    (lambda: graphs.show_graph(torch.tensor(2.0) * 3), ValueError),
    (lambda: graphs.grad_fn_tree("y"), TypeError),
    (lambda: graphs.show_graph(slides_graph()[0], params=[1]), TypeError),
    (lambda: graphs.show_graph(slides_graph()[0], params={"x": 1.0}), TypeError),
    (lambda: graphs.show_graph(slides_graph()[0], params={"入力": torch.ones(3)}), ValueError),
    (lambda: graphs.show_graph(slides_graph()[0], params={3: torch.ones(3)}), TypeError),
    (lambda: graphs.show_graph(slides_graph()[0], rankdir="BT"), ValueError),
]


@pytest.mark.parametrize("call, error", BAD, ids=range(len(BAD)))
def test_bad_input_gets_a_japanese_message(call, error):
    with pytest.raises(error) as info:
        call()
    assert JAPANESE.search(str(info.value)), str(info.value)
