"""The reverse-mode core lecture_utils.autodiff: Value, backward(), topological order, rules."""
import math
import sys
import traceback

import numpy as np
import pytest
import torch
from engine_cases import BINARY, JAPANESE, OPS, UNARY, approx

from lecture_utils import autodiff as ad
from lecture_utils.autodiff import Dual, Value


@pytest.mark.parametrize("name,f,x,value,slope", UNARY, ids=[u[0] for u in UNARY])
def test_unary_value_and_gradient(name, f, x, value, slope):
    v = Value(x)
    y = f(v)
    y.backward()
    assert (y.data, v.grad) == (approx(value), approx(slope))




@pytest.mark.parametrize("op,a,b,value,da,db", BINARY, ids=[b[0] for b in BINARY])
def test_binary_value_and_both_gradients(op, a, b, value, da, db):
    x, y = Value(a), Value(b)
    z = OPS[op](x, y)
    z.backward()
    assert (z.data, x.grad, y.grad) == (approx(value), approx(da), approx(db))


def test_a_node_keeps_its_inputs_and_local_derivatives_side_by_side():
    x, y = Value(3.0), Value(2.0)
    z = x * y
    assert (z._op, z._prev, z._local_grads) == ("*", (x, y), (2.0, 3.0))
    assert (x._prev, x._local_grads, x._op) == ((), (), "")


def test_x_over_x_differentiates_to_exactly_zero():
    x = Value(0.1)
    (x / x).backward()
    assert x.grad == 0.0


def test_data_is_float_and_repr_is_stable():
    x = Value(3, label="x")
    assert isinstance(x.data, float) and x.grad == 0.0
    assert repr(x) == "Value(data=3.0, grad=0.0, label='x')"
    assert repr(Value(2.5)) == "Value(data=2.5, grad=0.0)"


def test_operation_names_for_drawings():
    x = Value(2.0)
    names = [(x + 1)._op, (x - 1)._op, (x * 2)._op, (x / 2)._op, (x ** 2)._op, (x ** 0.5)._op,
             (x ** -1)._op, (-x)._op, x.exp()._op, x.sigmoid()._op]
    assert names == ["+", "-", "*", "/", "**2", "**0.5", "**-1", "neg", "exp", "sigmoid"]


def test_numpy_numbers_are_accepted():
    x = Value(np.float64(2.0))
    y = x * np.float64(3.0)
    y.backward()
    assert (type(y.data), y.data, x.grad) == (float, 6.0, 3.0)


# --- micrograd's own tests (its test/test_engine.py), against torch.autograd in float64 ---

def micrograd_sanity(x, relu):
    z = 2 * x + 2 + x
    q = relu(z) + z * x
    h = relu(z * z)
    return h + q + q * x


def micrograd_more_ops(a, b, relu):
    c = a + b
    d = a * b + b ** 3
    c = c + (c + 1)                 # micrograd writes c += c + 1 (torch would do it in place)
    c = c + (1 + c + (-a))
    d = d + (d * 2 + relu(b + a))
    d = d + (3 * d + relu(b - a))
    e = c - d
    f = e ** 2
    g = f / 2.0
    return g + 10.0 / f


def torch_leaf(x):
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


def test_micrograd_sanity_check():
    x = Value(-4.0)
    y = micrograd_sanity(x, Value.relu)
    y.backward()
    xt = torch_leaf(-4.0)
    yt = micrograd_sanity(xt, torch.relu)
    yt.backward()
    assert (y.data, x.grad) == (yt.item(), xt.grad.item())


def test_micrograd_more_ops():
    a, b = Value(-4.0), Value(2.0)
    g = micrograd_more_ops(a, b, Value.relu)
    g.backward()
    at, bt = torch_leaf(-4.0), torch_leaf(2.0)
    gt = micrograd_more_ops(at, bt, torch.relu)
    gt.backward()
    assert (g.data, a.grad, b.grad) == pytest.approx((gt.item(), at.grad.item(), bt.grad.item()), abs=1e-6)


@pytest.mark.parametrize("name", ["tanh", "exp"])
def test_micrograd_unary_functions(name):
    for x in (-1.0, 0.123, 2.0):
        v = Value(x)
        y = getattr(v, name)()
        y.backward()
        t = torch_leaf(x)
        yt = getattr(t, name)()
        yt.backward()
        assert (y.data, v.grad) == pytest.approx((yt.item(), t.grad.item()), abs=1e-6)


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


def test_slides_chain_z_equals_2y_plus_3():
    x = Value(2.0)
    y = x ** 2
    z = 2 * y + 3
    z.backward()
    assert (x.grad, y.grad) == (8.0, 2.0)


def test_slides_two_variables():
    x, y = Value(2.0), Value(3.0)
    z = 2 * x + 4 * y
    z.backward()
    assert (x.grad, y.grad) == (2.0, 4.0)


def slides_square_of_sum():
    """z = (x + y)^2 at x = 3, y = 2: returns x, y, a = x + y, z."""
    x, y = Value(3.0), Value(2.0)
    a = x + y
    return x, y, a, a ** 2


def test_slides_reverse_mode_by_hand():
    """1 at the output, x 2a = 10 at Square, x 1 at Add."""
    x, y, a, z = slides_square_of_sum()
    z.backward()
    assert (z.grad, a.grad, x.grad, y.grad) == (1.0, 10.0, 10.0, 10.0)


def goldstein_price(x, y):
    return ((1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x ** 2 - 14 * y + 6 * x * y + 3 * y ** 2))
            * (30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x ** 2 + 48 * y - 36 * x * y + 27 * y ** 2)))


def test_goldstein_price_gradient_is_zero_at_its_minimum():
    assert goldstein_price(0.0, -1.0) == 3.0
    assert ad.grad(goldstein_price, 0.0, -1.0) == (approx(0.0), approx(0.0))


def test_goldstein_price_reverse_forward_and_central_differences_agree():
    gx, gy = ad.grad(goldstein_price, 0.3, -0.4)
    assert gx == pytest.approx(ad.derivative(lambda t: goldstein_price(t, -0.4), 0.3), rel=1e-12)
    assert gy == pytest.approx(ad.derivative(lambda t: goldstein_price(0.3, t), -0.4), rel=1e-12)
    num = ad.numerical_gradient(lambda v: goldstein_price(*v), [0.3, -0.4], h=1e-5).grad
    assert [gx, gy] == pytest.approx(num, rel=1e-6)


# --- backward(): order, depth, shared nodes, calling it twice ---

def deep_chain(depth):
    x = Value(0.5)
    y = x
    for _ in range(depth):
        y = y * 1.0001
    return x, y


def test_backward_through_a_20000_deep_chain_needs_no_recursion():
    x, y = deep_chain(20_000)
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(500)
    try:
        y.backward()
    finally:
        sys.setrecursionlimit(old)
    assert x.grad == pytest.approx(1.0001 ** 20_000, rel=1e-9)


def test_topological_order_of_a_deep_chain_runs_from_input_to_output():
    x, y = deep_chain(20_000)
    order = ad.topological_order(y)
    assert len(order) == 40_001 and order[0] is x and order[-1] is y


def test_topological_order_puts_inputs_first():
    x, y = Value(1.0), Value(2.0)
    a = x * y
    b = a + x
    c = b * a
    order = ad.topological_order(c)
    position = {node: i for i, node in enumerate(order)}
    assert len(order) == len(set(order)) == 5
    assert all(position[child] < position[node] for node in order for child in node._prev)


def test_shared_node_gets_the_sum_of_both_paths():
    x = Value(3.0)
    a = x + 1                 # used three times below
    z = a * a + a             # dz/da = 2a + 1 = 9
    z.backward()
    assert (a.grad, x.grad) == (9.0, 9.0)


def test_backward_twice_adds_up_in_leaves_only():
    x, y, a, z = slides_square_of_sum()
    z.backward()
    z.backward()
    assert (x.grad, y.grad, a.grad, z.grad) == (20.0, 20.0, 10.0, 1.0)


def test_zero_grad_then_backward_starts_afresh():
    x, y, _, z = slides_square_of_sum()
    z.backward()
    z.zero_grad()
    assert x.grad == y.grad == z.grad == 0.0
    z.backward()
    assert (x.grad, y.grad, z.grad) == (10.0, 10.0, 1.0)


def test_backward_twice_matches_torch():
    x, y = torch_leaf(3.0), torch_leaf(2.0)
    z = (x + y) ** 2
    z.backward(retain_graph=True)
    z.backward()
    vx, vy, _, vz = slides_square_of_sum()
    vz.backward()
    vz.backward()
    assert (vx.grad, vy.grad) == (x.grad.item(), y.grad.item())


def test_two_outputs_sharing_a_leaf_add_up():
    x = Value(2.0)
    (x * 3).backward()
    (x ** 2).backward()
    assert x.grad == 3.0 + 4.0


def test_backward_of_a_leaf():
    x = Value(5.0)
    x.backward()
    assert x.grad == 1.0


# --- the elementary functions, for floats, Values and Duals, and the gradient helpers ---

def mixed(t):
    return ad.sin(t) * ad.exp(t) + ad.log(t) - ad.tanh(t) + ad.sigmoid(t) + ad.cos(t) + ad.relu(t)


def test_elementary_functions_give_the_same_value_on_floats_values_and_duals():
    x = 0.8
    assert mixed(x) == approx(mixed(Value(x)).data) == approx(mixed(Dual(x)).primal)


def test_elementary_functions_differentiate_alike_in_both_modes():
    assert ad.derivative(mixed, 0.8) == approx(ad.grad(mixed, 0.8))


def test_grad_returns_a_number_for_one_input_and_a_tuple_for_several():
    assert ad.grad(lambda x: x ** 2 + 4 * x + 3, 2.0) == 8.0
    assert ad.grad(lambda x, y: (x + y) ** 2, 3.0, 2.0) == (10.0, 10.0)


def test_grad_of_a_constant_function_is_zero():
    assert ad.grad(lambda x, y: 7.0, 1.0, 2.0) == (0.0, 0.0)


def test_reverse_gradient_calls_f_once():
    assert ad.reverse_gradient(lambda v: v[0] * v[1], [2.0, 5.0]) == ([5.0, 2.0], 1)


def test_the_other_modules_are_reachable_from_autodiff():
    from lecture_utils import forward_mode, numerical, value_graph
    assert (ad.Dual, ad.derivative, ad.central_difference, ad.draw) == (
        forward_mode.Dual, forward_mode.derivative, numerical.central_difference, value_graph.draw)
    assert {"Dual", "draw", "text_tree", "numerical_gradient"} <= set(dir(ad))
    with pytest.raises(AttributeError):
        ad.no_such_name  # noqa: B018


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
    ("math.sin(Value)", TypeError, lambda: math.sin(Value(1.0))),
    ("sin(str)", TypeError, lambda: ad.sin("1")),
    ("log(-1)", ValueError, lambda: Value(-1.0).log()),
    ("log(0) of a float", ValueError, lambda: ad.log(0.0)),
    ("(-8)**(1/3)", ValueError, lambda: Value(-8.0) ** (1 / 3)),
    ("0**-1", ValueError, lambda: Value(0.0) ** -1),
    ("1/0", ZeroDivisionError, lambda: Value(1.0) / 0),
    ("exp(1000)", OverflowError, lambda: Value(1000.0).exp()),
    ("10.0**400", OverflowError, lambda: Value(10.0) ** 400),
    ("topological_order(3.0)", TypeError, lambda: ad.topological_order(3.0)),
    ("grad(not f)", TypeError, lambda: ad.grad(3.0, 1.0)),
    ("grad returns str", TypeError, lambda: ad.grad(lambda x: "y", 1.0)),
    ("grad of a str", TypeError, lambda: ad.grad(lambda x: x, "1")),
    ("reverse_gradient scalar", TypeError, lambda: ad.reverse_gradient(sum, 3.0)),
    ("grad without x", TypeError, lambda: ad.reverse_gradient(sum)),
]


@pytest.mark.parametrize("name,error,action", BAD, ids=[b[0] for b in BAD])
def test_bad_input_gives_a_short_japanese_message(name, error, action):
    with pytest.raises(error) as info:
        action()
    message = str(info.value)
    assert JAPANESE.search(message) and len(message) < 160, message
    assert info.value.__cause__ is None and (info.value.__suppress_context__ or info.value.__context__ is None)
    # The error comes from at most three frames below the student's call.
    assert len(traceback.extract_tb(info.tb)) <= 5, [f.name for f in traceback.extract_tb(info.tb)]


def test_a_tensor_gets_the_hint_to_use_item():
    with pytest.raises(TypeError, match=r"\.item\(\)"):
        Value(torch.tensor(2.0))


def test_overflow_names_the_computation():
    with pytest.raises(OverflowError, match=r"exp\(1000\)"):
        ad.exp(1000.0)
