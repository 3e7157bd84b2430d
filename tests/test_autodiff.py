"""Unit tests of the teaching engine lecture_utils.autodiff (hand-derived values)."""
import math
import re
import sys
import traceback

import numpy as np
import pytest
import torch
from helpers import needs_dot

from lecture_utils import autodiff as ad
from lecture_utils import doctor, dot
from lecture_utils.autodiff import Dual, Value

JAPANESE = re.compile(r"[ぁ-んァ-ヶ一-龥]")


def approx(x):
    return pytest.approx(x, rel=1e-12, abs=1e-12)


# --- every operation: value and local derivative, next to the hand-derived formula ---

UNARY = [
    # name, f on a Value, x, f(x), f'(x)
    ("neg", lambda v: -v, 1.5, -1.5, -1.0),
    ("relu+", lambda v: v.relu(), 1.5, 1.5, 1.0),
    ("relu-", lambda v: v.relu(), -1.5, 0.0, 0.0),
    ("relu0", lambda v: v.relu(), 0.0, 0.0, 0.0),
    ("exp", lambda v: v.exp(), 0.7, math.exp(0.7), math.exp(0.7)),
    ("log", lambda v: v.log(), 0.7, math.log(0.7), 1 / 0.7),
    ("sin", lambda v: v.sin(), 0.7, math.sin(0.7), math.cos(0.7)),
    ("cos", lambda v: v.cos(), 0.7, math.cos(0.7), -math.sin(0.7)),
    ("tanh", lambda v: v.tanh(), 0.7, math.tanh(0.7), 1 - math.tanh(0.7) ** 2),
    ("sigmoid", lambda v: v.sigmoid(), 0.7, 1 / (1 + math.exp(-0.7)),
     math.exp(-0.7) / (1 + math.exp(-0.7)) ** 2),
    ("sigmoid-", lambda v: v.sigmoid(), -30.0, 1 / (1 + math.exp(30.0)),
     math.exp(30.0) / (1 + math.exp(30.0)) ** 2),
    ("**2", lambda v: v ** 2, -3.0, 9.0, -6.0),
    ("**3", lambda v: v ** 3, 2.0, 8.0, 12.0),
    ("**-1", lambda v: v ** -1, 4.0, 0.25, -1 / 16),
    ("**0.5", lambda v: v ** 0.5, 4.0, 2.0, 0.25),
    ("**0", lambda v: v ** 0, 4.0, 1.0, 0.0),
    ("**0 at 0", lambda v: v ** 0, 0.0, 1.0, 0.0),
    ("**0.5 at 0", lambda v: v ** 0.5, 0.0, 0.0, math.inf),
    ("**2 at 0", lambda v: v ** 2, 0.0, 0.0, 0.0),
    ("**3 negative", lambda v: v ** 3, -2.0, -8.0, 12.0),
    ("2*x", lambda v: 2 * v, 3.0, 6.0, 2.0),
    ("x*2", lambda v: v * 2, 3.0, 6.0, 2.0),
    ("1-x", lambda v: 1 - v, 3.0, -2.0, -1.0),
    ("x-1", lambda v: v - 1, 3.0, 2.0, 1.0),
    ("10/x", lambda v: 10 / v, 4.0, 2.5, -10 / 16),
    ("x/10", lambda v: v / 10, 4.0, 0.4, 0.1),
    ("x+2", lambda v: v + 2, 4.0, 6.0, 1.0),
    ("2+x", lambda v: 2 + v, 4.0, 6.0, 1.0),
]


@pytest.mark.parametrize("name,f,x,value,slope", UNARY, ids=[u[0] for u in UNARY])
def test_unary_value_and_gradient(name, f, x, value, slope):
    v = Value(x)
    y = f(v)
    y.backward()
    assert y.data == approx(value)
    assert v.grad == approx(slope)


@pytest.mark.parametrize("name,f,x,value,slope", UNARY, ids=[u[0] for u in UNARY])
def test_dual_gives_the_same_derivative(name, f, x, value, slope):
    y = f(Dual(x, 1.0))
    assert y.value == approx(value)
    assert y.deriv == approx(slope)


BINARY = [
    # op, a, b, value, d/da, d/db
    ("+", 3.0, 2.0, 5.0, 1.0, 1.0),
    ("-", 3.0, 2.0, 1.0, 1.0, -1.0),
    ("*", 3.0, 2.0, 6.0, 2.0, 3.0),
    ("/", 3.0, 2.0, 1.5, 0.5, -0.75),
]
OPS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b,
       "*": lambda a, b: a * b, "/": lambda a, b: a / b}


@pytest.mark.parametrize("op,a,b,value,da,db", BINARY, ids=[b[0] for b in BINARY])
def test_binary_value_and_both_gradients(op, a, b, value, da, db):
    x, y = Value(a), Value(b)
    z = OPS[op](x, y)
    z.backward()
    assert (z.data, x.grad, y.grad) == (approx(value), approx(da), approx(db))
    assert z._op == op and z._prev == (x, y)
    # Forward mode, one input direction at a time.
    assert OPS[op](Dual(a, 1.0), Dual(b)).deriv == approx(da)
    assert OPS[op](Dual(a), Dual(b, 1.0)).deriv == approx(db)


def test_data_is_float_and_repr_is_stable():
    x = Value(3, label="x")
    assert isinstance(x.data, float) and x.grad == 0.0
    assert repr(x) == "Value(data=3.0, grad=0.0, label='x')"
    assert repr(Value(2.5)) == "Value(data=2.5, grad=0.0)"
    assert repr(Dual(2, 1)) == "Dual(value=2.0, deriv=1.0)"


def test_operation_names_for_drawings():
    x = Value(2.0)
    names = [(x + 1)._op, (x - 1)._op, (x * 2)._op, (x / 2)._op, (x ** 2)._op, (x ** 0.5)._op,
             (x ** -1)._op, (-x)._op, x.exp()._op, x.sigmoid()._op]
    assert names == ["+", "-", "*", "/", "**2", "**0.5", "**-1", "neg", "exp", "sigmoid"]


# --- the slides' examples ---

def test_slides_polynomial():
    x = Value(2.0)
    y = x ** 2 + 4 * x + 3
    y.backward()
    assert (y.data, x.grad) == (15.0, 8.0)


def test_slides_sin_exp_example():
    """f(x) = sin((x + 2) + (1 + e^(x^2))) at x = 2; the slides print tensor(-218.4625)."""
    x = Value(2.0)
    y = ((x + 2) + (1 + (x ** 2).exp())).sin()
    y.backward()
    inner = 4 + 1 + math.exp(4)
    assert x.grad == approx(math.cos(inner) * (1 + 2 * 2 * math.exp(4)))
    assert x.grad == pytest.approx(-218.4625, abs=1e-4)  # the slides use float32, we float64


def test_slides_chain_z_equals_2y_plus_3():
    x = Value(2.0)
    y = x ** 2
    z = 2 * y + 3
    z.backward()
    assert x.grad == 8.0 and y.grad == 2.0


def test_slides_two_variables():
    x, y = Value(2.0), Value(3.0)
    z = 2 * x + 4 * y
    z.backward()
    assert (x.grad, y.grad) == (2.0, 4.0)


def test_slides_reverse_mode_by_hand():
    """z = (x + y)^2 at x = 3, y = 2: 1 at the output, x 2a = 10 at Square, x 1 at Add."""
    x, y = Value(3.0, label="x"), Value(2.0, label="y")
    a = x + y
    z = a ** 2
    z.backward()
    assert (z.grad, a.grad, x.grad, y.grad) == (1.0, 10.0, 10.0, 10.0)


def goldstein_price(x, y):
    return ((1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x ** 2 - 14 * y + 6 * x * y + 3 * y ** 2))
            * (30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x ** 2 + 48 * y - 36 * x * y + 27 * y ** 2)))


def test_goldstein_price_minimum_and_gradient():
    # The global minimum f(0, -1) = 3 has a zero gradient.
    gx, gy = ad.grad(goldstein_price, 0.0, -1.0)
    assert goldstein_price(0.0, -1.0) == 3.0
    assert (gx, gy) == (approx(0.0), approx(0.0))
    # Elsewhere, reverse mode, forward mode and central differences agree.
    gx, gy = ad.grad(goldstein_price, 0.3, -0.4)
    assert gx == pytest.approx(ad.derivative(lambda t: goldstein_price(t, -0.4), 0.3), rel=1e-12)
    assert gy == pytest.approx(ad.derivative(lambda t: goldstein_price(0.3, t), -0.4), rel=1e-12)
    num = ad.numerical_gradient(lambda v: goldstein_price(*v), [0.3, -0.4], h=1e-5).grad
    assert [gx, gy] == pytest.approx(num, rel=1e-6)


# --- backward(): order, depth, shared nodes, calling it twice ---

def test_deep_chain_without_recursion():
    """20 000 nodes deep, under a recursion limit far below the depth."""
    x = Value(0.5)
    y = x
    for _ in range(20_000):
        y = y * 1.0001
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(500)
    try:
        y.backward()
        order = ad._topological_order(y)
        text = ad.to_dot(y)
    finally:
        sys.setrecursionlimit(old)
    assert x.grad == pytest.approx(1.0001 ** 20_000, rel=1e-9)
    assert len(order) == 40_001 and order[0] is x and order[-1] is y
    assert text.count("shape=record") == 40_001


def test_topological_order_puts_inputs_first():
    x, y = Value(1.0), Value(2.0)
    a = x * y
    b = a + x
    c = b * a
    order = ad._topological_order(c)
    position = {node: i for i, node in enumerate(order)}
    assert len(order) == len(set(order)) == 5
    for node in order:
        for child in node._prev:
            assert position[child] < position[node]


def test_shared_node_accumulates_both_paths():
    x = Value(3.0)
    y = x * x                 # d/dx = 2x = 6
    y.backward()
    assert x.grad == 6.0
    x = Value(3.0)
    a = x + 1                 # used twice below
    z = a * a + a             # dz/da = 2a + 1 = 9
    z.backward()
    assert (a.grad, x.grad) == (9.0, 9.0)


def test_backward_twice_accumulates_in_leaves_like_pytorch():
    x, y = Value(3.0), Value(2.0)
    a = x + y
    z = a ** 2
    z.backward()
    z.backward()
    assert (x.grad, y.grad) == (20.0, 20.0)       # leaves add up: 10 + 10
    assert (a.grad, z.grad) == (10.0, 1.0)        # intermediates show this call's gradient
    z.zero_grad()
    assert [n.grad for n in (x, y, a, z)] == [0.0, 0.0, 0.0, 0.0]
    z.backward()
    assert (x.grad, y.grad, a.grad, z.grad) == (10.0, 10.0, 10.0, 1.0)


def test_backward_twice_matches_torch():
    x = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    y = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    z = (x + y) ** 2
    z.backward(retain_graph=True)
    z.backward()
    vx, vy = Value(3.0), Value(2.0)
    vz = (vx + vy) ** 2
    vz.backward()
    vz.backward()
    assert (vx.grad, vy.grad) == (x.grad.item(), y.grad.item())


def test_two_outputs_sharing_leaves_add_up():
    x = Value(2.0)
    (x * 3).backward()
    (x ** 2).backward()
    assert x.grad == 3.0 + 4.0
    ad.zero_grad(x)
    assert x.grad == 0.0


def test_backward_of_a_leaf():
    x = Value(5.0)
    x.backward()
    assert x.grad == 1.0


def test_explain_backward_walks_like_backward():
    x, y = Value(3.0, label="x"), Value(2.0, label="y")
    a = x + y
    a.label = "a"
    z = a ** 2
    z.label = "z"
    text = ad.explain_backward(z)
    assert text.splitlines() == [
        "z: 出力なので勾配 1.0000 から始めます",
        "z [**2] → a: 局所微分 10.0000 × 勾配 1.0000 = 10.0000 (いまの a.grad = 10.0000)",
        "a [+] → x: 局所微分 1.0000 × 勾配 10.0000 = 10.0000 (いまの x.grad = 10.0000)",
        "a [+] → y: 局所微分 1.0000 × 勾配 10.0000 = 10.0000 (いまの y.grad = 10.0000)",
    ]
    explained = [n.grad for n in (x, y, a, z)]
    z.zero_grad()
    z.backward()
    assert explained == [n.grad for n in (x, y, a, z)]


# --- forward mode and the derivative helpers ---

def test_dual_polynomial_rule():
    """f(x + b eps) = f(x) + b f'(x) eps for f(x) = x^3 - 2x + 1."""
    f = lambda t: t ** 3 - 2 * t + 1  # noqa: E731
    y = f(Dual(2.0, 0.5))
    assert (y.value, y.deriv) == (5.0, 0.5 * (3 * 4 - 2))


def test_dual_arithmetic_with_numbers():
    d = Dual(2.0, 1.0)
    assert (1 - d).deriv == -1.0 and (10 / d).deriv == -2.5 and (3 * d).deriv == 3.0
    assert (d + 1).value == 3.0 and (-d).deriv == -1.0


def test_elementary_functions_work_on_floats_values_and_duals():
    def f(t):
        return ad.sin(t) * ad.exp(t) + ad.log(t) - ad.tanh(t) + ad.sigmoid(t) + ad.cos(t) + ad.relu(t)

    x = 0.8
    forward = ad.derivative(f, x)
    reverse = ad.grad(f, x)
    central = ad.central_difference(f, x, h=1e-5)
    assert forward == approx(reverse)
    assert forward == pytest.approx(central, rel=1e-8)
    assert f(x) == approx(f(Value(x)).data) and f(x) == approx(f(Dual(x)).value)


def test_derivative_and_grad_helpers():
    assert ad.derivative(lambda x: x ** 2 + 4 * x + 3, 2.0) == 8.0
    assert ad.grad(lambda x: x ** 2 + 4 * x + 3, 2.0) == 8.0
    assert ad.grad(lambda x, y: (x + y) ** 2, 3.0, 2.0) == (10.0, 10.0)
    assert ad.derivative(lambda x: 7.0, 1.0) == 0.0
    assert ad.grad(lambda x, y: 7.0, 1.0, 2.0) == (0.0, 0.0)


# --- numerical differentiation and the cost of a gradient ---

def test_forward_difference_is_first_order_central_second_order():
    f, x, exact = math.exp, 1.0, math.exp(1.0)
    fwd = [abs(ad.forward_difference(f, x, h) - exact) for h in (1e-2, 1e-3)]
    cen = [abs(ad.central_difference(f, x, h) - exact) for h in (1e-2, 1e-3)]
    assert 8 < fwd[0] / fwd[1] < 12          # error ~ h
    assert 80 < cen[0] / cen[1] < 120        # error ~ h^2
    assert cen[1] < fwd[1] / 1000


def test_forward_difference_matches_the_slides_formula():
    f = lambda x: x ** 2  # noqa: E731
    assert ad.forward_difference(f, 3.0) == (f(3.0 + 1e-4) - f(3.0)) / 1e-4


def test_too_small_h_is_worse_rounding_error():
    exact = math.cos(1.0)
    good = abs(ad.forward_difference(math.sin, 1.0, 1e-8) - exact)
    tiny = abs(ad.forward_difference(math.sin, 1.0, 1e-15) - exact)
    assert tiny > 100 * good


def f_sum(v):
    """sum_i sin(x_i) * x_{i+1}, written once for floats, Values and Duals."""
    total = 0.0
    for i in range(len(v)):
        total = total + ad.sin(v[i]) * v[(i + 1) % len(v)]
    return total


def f_sum_grad(xs):
    n = len(xs)
    return [math.cos(xs[i]) * xs[(i + 1) % n] + math.sin(xs[i - 1]) for i in range(n)]


@pytest.mark.parametrize("n", [1, 2, 7])
def test_gradients_agree_and_count_evaluations(n):
    xs = [0.1 * (i + 1) for i in range(n)]
    exact = f_sum_grad(xs)
    num_f = ad.numerical_gradient(f_sum, xs, h=1e-7, method="forward")
    num_c = ad.numerical_gradient(f_sum, xs, h=1e-5)
    fwd = ad.forward_gradient(f_sum, xs)
    rev = ad.reverse_gradient(f_sum, xs)
    assert (num_f.evaluations, num_c.evaluations, fwd.evaluations, rev.evaluations) == (n + 1, 2 * n, n, 1)
    assert fwd.grad == pytest.approx(exact, rel=1e-12)
    assert rev.grad == pytest.approx(exact, rel=1e-12)
    assert num_c.grad == pytest.approx(exact, rel=1e-8)
    assert num_f.grad == pytest.approx(exact, rel=1e-5, abs=1e-6)


def test_gradient_result_unpacks():
    g, calls = ad.reverse_gradient(lambda v: v[0] * v[1], [2.0, 5.0])
    assert (g, calls) == ([5.0, 2.0], 1)


# --- drawing the graph ---

def slide_graph():
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


def test_to_dot_is_stable_text():
    z = slide_graph()
    z.backward()
    assert ad.to_dot(z) == EXPECTED_DOT
    assert ad.to_dot(z).isascii()


def test_to_dot_unlabelled_constants_and_escaping():
    x = Value(3.0, label="x{1}|<a>")
    y = 3 * x + 4
    text = ad.to_dot(y)
    assert 'label="{ x\\{1\\}\\|\\<a\\> | data 3.0000 | grad 0.0000 }"' in text
    # Names follow creation: x is n0, the constant 3 (made by 3 * x) n1, the constant 4 n3.
    assert 'n1 [shape=record, label="{ data 3.0000 | grad 0.0000 }"]' in text
    assert 'n3 [shape=record, label="{ data 4.0000 | grad 0.0000 }"]' in text
    assert "n1 -> n2_op;" in text and "n0 -> n2_op;" in text and "n3 -> n4_op;" in text
    assert ad.to_dot(-Value(0.0) * 1e-9).count("-0.0000") == 0


def test_text_tree():
    z = slide_graph()
    z.backward()
    assert ad.text_tree(z) == (
        "n3 [**2] z | data 25.0000 | grad 1.0000\n"
        "└── n2 [+] a | data 5.0000 | grad 10.0000\n"
        "    ├── n0 x | data 3.0000 | grad 10.0000\n"
        "    └── n1 y | data 2.0000 | grad 10.0000")


def test_text_tree_shared_node_and_limit():
    x = Value(1.0, label="x")
    a = x * 2
    y = a + a
    lines = ad.text_tree(y).splitlines()
    assert lines[-1] == "└── n2 [*] data 2.0000 | grad 0.0000  (上の n2 と同じ)"
    deep = x
    for _ in range(1000):
        deep = deep + 1
    lines = ad.text_tree(deep, max_lines=50).splitlines()
    assert len(lines) == 51 and lines[-1] == "... (ここで省略しました。ノードは全部で 2001 個です)"


@needs_dot
def test_draw_picture_when_graphviz_is_there():
    z = slide_graph()
    picture = ad.draw(z)
    assert isinstance(picture, dot.GraphPicture)
    assert picture.png.startswith(b"\x89PNG") and picture.source == ad.to_dot(z)
    assert repr(picture) == "<計算グラフ: ノード 4 個>"


def test_draw_falls_back_to_the_text_tree(monkeypatch):
    monkeypatch.setattr(doctor, "has_dot", lambda: False)
    z = slide_graph()
    shown = ad.draw(z)
    assert isinstance(shown, dot.TextGraph)
    assert repr(shown) == ad.text_tree(z) + "\n\n" + doctor.MISSING_DOT


def test_draw_refuses_huge_graphs():
    y = Value(1.0)
    for _ in range(ad.MAX_DRAW_NODES):
        y = y + 1
    with pytest.raises(ValueError, match="多すぎます"):
        ad.draw(y)


# --- bad input: a short Japanese message, raised close to the student's line ---

BAD = [
    ("Value('abc')", TypeError, lambda: Value("abc")),
    ("Value(None)", TypeError, lambda: Value(None)),
    ("Value(True)", TypeError, lambda: Value(True)),
    ("Value(list)", TypeError, lambda: Value([1.0])),
    ("label", TypeError, lambda: Value(1.0, label=3)),
    ("Value**Value", TypeError, lambda: Value(1.0) ** Value(2.0)),
    ("2**Value", TypeError, lambda: 2 ** Value(1.0)),
    ("Value+str", TypeError, lambda: Value(1.0) + "a"),
    ("str*Value", TypeError, lambda: "a" * Value(1.0)),
    ("Value+Dual", TypeError, lambda: Value(1.0) + Dual(1.0)),
    ("Dual*Value", TypeError, lambda: Dual(1.0) * Value(1.0)),
    ("Dual**Dual", TypeError, lambda: Dual(1.0) ** Dual(2.0)),
    ("Dual('x')", TypeError, lambda: Dual("x")),
    ("math.sin(Value)", TypeError, lambda: math.sin(Value(1.0))),
    ("math.exp(Dual)", TypeError, lambda: math.exp(Dual(1.0))),
    ("log(-1)", ValueError, lambda: Value(-1.0).log()),
    ("log(0)", ValueError, lambda: ad.log(0.0)),
    ("Dual log(-1)", ValueError, lambda: Dual(-1.0, 1.0).log()),
    ("(-8)**(1/3)", ValueError, lambda: Value(-8.0) ** (1 / 3)),
    ("0**-1", ZeroDivisionError, lambda: Value(0.0) ** -1),
    ("1/0", ZeroDivisionError, lambda: Value(1.0) / 0),
    ("Dual 1/0", ZeroDivisionError, lambda: 1 / Dual(0.0, 1.0)),
    ("exp(1000)", OverflowError, lambda: Value(1000.0).exp()),
    ("10.0**400", OverflowError, lambda: Value(10.0) ** 400),
    ("to_dot(3.0)", TypeError, lambda: ad.to_dot(3.0)),
    ("draw(tensor-like)", TypeError, lambda: ad.draw("y")),
    ("derivative(not f)", TypeError, lambda: ad.derivative(3.0, 1.0)),
    ("derivative returns Value", TypeError, lambda: ad.derivative(lambda x: Value(1.0), 1.0)),
    ("grad returns str", TypeError, lambda: ad.grad(lambda x: "y", 1.0)),
    ("forward_difference h<0", ValueError, lambda: ad.forward_difference(math.sin, 1.0, -1e-3)),
    ("central_difference x str", TypeError, lambda: ad.central_difference(math.sin, "1")),
    ("numerical_gradient empty", TypeError, lambda: ad.numerical_gradient(sum, [])),
    ("numerical_gradient method", ValueError, lambda: ad.numerical_gradient(sum, [1.0], method="back")),
    ("reverse_gradient scalar", TypeError, lambda: ad.reverse_gradient(sum, 3.0)),
    ("zero_grad(float)", TypeError, lambda: ad.zero_grad(1.0)),
]


@pytest.mark.parametrize("name,error,action", BAD, ids=[b[0] for b in BAD])
def test_bad_input_gives_a_short_japanese_message(name, error, action):
    with pytest.raises(error) as info:
        action()
    message = str(info.value)
    assert JAPANESE.search(message), message
    assert len(message) < 160, message
    assert info.value.__cause__ is None and info.value.__suppress_context__ or info.value.__context__ is None
    # The error comes from at most three frames below the student's call.
    frames = traceback.extract_tb(info.tb)
    assert len(frames) <= 5, [f.name for f in frames]


def test_tensor_input_hints_item():
    with pytest.raises(TypeError, match=r"\.item\(\)"):
        Value(torch.tensor(2.0))


def test_numpy_numbers_are_accepted():
    x = Value(np.float64(2.0))
    y = x * np.float64(3.0)
    y.backward()
    assert (type(y.data), y.data, x.grad) == (float, 6.0, 3.0)
