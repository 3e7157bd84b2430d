"""Pictures and text of the engine's graphs: lecture_utils.value_graph (reached as autodiff.draw etc.)."""
import sys

import pytest
from engine_cases import JAPANESE
from helpers import needs_dot

from lecture_utils import autodiff as ad
from lecture_utils import doctor, dot
from lecture_utils.autodiff import Value


def slide_graph():
    """z = (x + y)^2 at x = 3, y = 2, with every node labelled."""
    x, y = Value(3.0, label="x"), Value(2.0, label="y")
    a = x + y
    a.label = "a"
    z = a ** 2
    z.label = "z"
    return z


EXPECTED_DOT = """\
digraph G {
  rankdir=LR;
  node [fontname="Helvetica", fontsize=11];
  n0 [shape=record, label="{ x | data 3.0000 | grad 10.0000 }"];
  n1 [shape=record, label="{ y | data 2.0000 | grad 10.0000 }"];
  n2 [shape=record, label="{ a | data 5.0000 | grad 10.0000 }"];
  n2_op [shape=ellipse, label="+"];
  n2_op -> n2;
  n0 -> n2_op;
  n1 -> n2_op;
  n3 [shape=record, label="{ z | data 25.0000 | grad 1.0000 }"];
  n3_op [shape=ellipse, label="**2"];
  n3_op -> n3;
  n2 -> n3_op;
}
"""


def test_to_dot_is_stable_ascii_text():
    z = slide_graph()
    z.backward()
    assert ad.to_dot(z) == EXPECTED_DOT
    assert ad.to_dot(z).isascii()


def test_to_dot_top_to_bottom():
    assert ad.to_dot(slide_graph(), rankdir="TB").splitlines()[1] == "  rankdir=TB;"


def test_to_dot_names_unlabelled_constants_in_creation_order_and_escapes_labels():
    x = Value(3.0, label="x{1}|<a>")
    text = ad.to_dot(3 * x + 4)
    assert 'label="{ x\\{1\\}\\|\\<a\\> | data 3.0000 | grad 0.0000 }"' in text
    # x is n0, the constant 3 (made by 3 * x) n1, the product n2, the constant 4 n3.
    assert 'n1 [shape=record, label="{ data 3.0000 | grad 0.0000 }"]' in text
    assert 'n3 [shape=record, label="{ data 4.0000 | grad 0.0000 }"]' in text
    assert "n1 -> n2_op;" in text and "n0 -> n2_op;" in text and "n3 -> n4_op;" in text


def test_to_dot_never_shows_minus_zero():
    assert ad.to_dot(-Value(0.0) * 1e-9).count("-0.0000") == 0


def test_to_dot_of_a_20000_deep_chain_needs_no_recursion():
    y = Value(0.5)
    for _ in range(20_000):
        y = y * 1.0001
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(500)
    try:
        text = ad.to_dot(y)
    finally:
        sys.setrecursionlimit(old)
    assert text.count("shape=record") == 40_001


def test_text_tree():
    z = slide_graph()
    z.backward()
    assert ad.text_tree(z) == (
        "n3 [**2] z | data 25.0000 | grad 1.0000\n"
        "└── n2 [+] a | data 5.0000 | grad 10.0000\n"
        "    ├── n0 x | data 3.0000 | grad 10.0000\n"
        "    └── n1 y | data 2.0000 | grad 10.0000")


def test_text_tree_marks_a_shared_node_the_second_time():
    a = Value(1.0, label="x") * 2
    lines = ad.text_tree(a + a).splitlines()
    assert lines[-1] == "└── n2 [*] data 2.0000 | grad 0.0000  (上と同じ)"


def test_text_tree_stops_after_max_lines():
    deep = Value(1.0)
    for _ in range(1000):
        deep = deep + 1
    lines = ad.text_tree(deep, max_lines=50).splitlines()
    assert len(lines) == 51 and lines[-1] == "... (ここで省略しました。ノードは全部で 2,001 個です)"


@needs_dot
def test_draw_gives_a_picture_when_graphviz_is_there():
    z = slide_graph()
    picture = ad.draw(z)
    assert isinstance(picture, dot.GraphPicture)
    assert picture.png.startswith(b"\x89PNG") and picture.source == ad.to_dot(z)
    assert repr(picture) == "<計算グラフ: ノード 4 個>"


@needs_dot
def test_draw_top_to_bottom():
    z = slide_graph()
    assert ad.draw(z, rankdir="TB").source == ad.to_dot(z, rankdir="TB")


def test_draw_falls_back_to_the_text_tree(monkeypatch):
    monkeypatch.setattr(doctor, "has_dot", lambda: False)
    z = slide_graph()
    shown = ad.draw(z)
    assert isinstance(shown, dot.TextGraph)
    assert repr(shown) == ad.text_tree(z) + "\n\n" + doctor.MISSING_DOT


def test_draw_summarizes_a_graph_too_large_to_draw():
    y = Value(1.0)
    for _ in range(dot.MAX_NODES):
        y = y * 1.5
    shown = ad.draw(y)
    assert isinstance(shown, dot.GraphSummary)
    assert (shown.n_nodes, shown.operations, shown.depth) == (2 * dot.MAX_NODES + 1, {"*": dot.MAX_NODES},
                                                             dot.MAX_NODES)
    assert "多すぎる" in repr(shown)


def test_explain_backward_says_each_step():
    x, y = Value(3.0, label="x"), Value(2.0, label="y")
    a = x + y
    a.label = "a"
    z = a * a
    z.label = "z"
    assert ad.explain_backward(z).splitlines() == [
        "z: 出力なので勾配 1.0000 から始めます",
        "z [*] → a: 局所微分 5.0000 × 勾配 1.0000 = 5.0000 (いまの a.grad = 5.0000)",
        "z [*] → a: 局所微分 5.0000 × 勾配 1.0000 = 5.0000 (いまの a.grad = 10.0000)",
        "a [+] → x: 局所微分 1.0000 × 勾配 10.0000 = 10.0000 (いまの x.grad = 10.0000)",
        "a [+] → y: 局所微分 1.0000 × 勾配 10.0000 = 10.0000 (いまの y.grad = 10.0000)",
    ]


def test_explain_backward_leaves_the_gradients_backward_leaves():
    z = slide_graph()
    ad.explain_backward(z)
    explained = [n.grad for n in ad.topological_order(z)]
    z.zero_grad()
    z.backward()
    assert explained == [n.grad for n in ad.topological_order(z)]


def test_explain_backward_twice_adds_up_in_leaves_like_backward():
    z = slide_graph()
    ad.explain_backward(z)
    last = ad.explain_backward(z).splitlines()[-1]
    assert last.endswith("(いまの y.grad = 20.0000)")


BAD = [
    ("to_dot(3.0)", TypeError, lambda: ad.to_dot(3.0)),
    ("draw(str)", TypeError, lambda: ad.draw("y")),
    ("draw rankdir", ValueError, lambda: ad.draw(slide_graph(), rankdir="BT")),
    ("text_tree max_lines", ValueError, lambda: ad.text_tree(slide_graph(), max_lines=0)),
    ("explain_backward(list)", TypeError, lambda: ad.explain_backward([1.0])),
]


@pytest.mark.parametrize("name,error,action", BAD, ids=[b[0] for b in BAD])
def test_bad_input_gives_a_japanese_message(name, error, action):
    with pytest.raises(error) as info:
        action()
    assert JAPANESE.search(str(info.value)), str(info.value)
