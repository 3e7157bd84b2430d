"""Forward mode lecture_utils.forward_mode: dual numbers primal + tangent * eps, eps**2 = 0."""
import math

import pytest
from engine_cases import BINARY, JAPANESE, OPS, UNARY, approx

from lecture_utils import autodiff as ad
from lecture_utils.forward_mode import Dual, derivative, forward_gradient


@pytest.mark.parametrize("name,f,x,value,slope", UNARY, ids=[u[0] for u in UNARY])
def test_dual_gives_what_value_gives(name, f, x, value, slope):
    y = f(Dual(x, 1.0))
    assert (y.primal, y.tangent) == (approx(value), approx(slope))


@pytest.mark.parametrize("op,a,b,value,da,db", BINARY, ids=[b[0] for b in BINARY])
def test_binary_operations_one_input_direction_at_a_time(op, a, b, value, da, db):
    assert OPS[op](Dual(a, 1.0), Dual(b)).tangent == approx(da)
    assert OPS[op](Dual(a), Dual(b, 1.0)).tangent == approx(db)


def test_fields_are_named_as_in_pytorch_forward_mode():
    y = Dual(2, 1)
    assert (y.primal, y.tangent) == (2.0, 1.0)
    assert repr(y) == "Dual(primal=2.0, tangent=1.0)"


def test_the_polynomial_rule_f_of_x_plus_b_eps():
    """f(x + b eps) = f(x) + b f'(x) eps for f(x) = x^3 - 2x + 1."""
    y = (lambda t: t ** 3 - 2 * t + 1)(Dual(2.0, 0.5))
    assert (y.primal, y.tangent) == (5.0, 0.5 * (3 * 4 - 2))


def test_arithmetic_with_plain_numbers():
    d = Dual(2.0, 1.0)
    assert [(1 - d).tangent, (10 / d).tangent, (3 * d).tangent, (d + 1).primal, (-d).tangent] == [
        -1.0, -2.5, 3.0, 3.0, -1.0]


def test_elementary_methods_are_the_same_as_values():
    assert Dual(0.5, 1.0).sin().tangent == math.cos(0.5)
    assert Dual.exp is ad.Value.exp


def test_derivative_of_the_slides_polynomial():
    assert derivative(lambda x: x ** 2 + 4 * x + 3, 2.0) == 8.0


def test_derivative_of_a_constant_function_is_zero():
    assert derivative(lambda x: 7.0, 1.0) == 0.0


def test_forward_gradient_calls_f_once_per_input():
    assert forward_gradient(lambda v: v[0] * v[1] + v[2], [2.0, 5.0, 1.0]) == ([5.0, 2.0, 1.0], 3)


BAD = [
    ("Dual('x')", TypeError, lambda: Dual("x")),
    ("Dual*Value", TypeError, lambda: Dual(1.0) * ad.Value(1.0)),
    ("Dual**Dual", TypeError, lambda: Dual(1.0) ** Dual(2.0)),
    ("2**Dual", TypeError, lambda: 2 ** Dual(1.0)),
    ("math.exp(Dual)", TypeError, lambda: math.exp(Dual(1.0))),
    ("log(-1)", ValueError, lambda: Dual(-1.0, 1.0).log()),
    ("1/0", ZeroDivisionError, lambda: 1 / Dual(0.0, 1.0)),
    ("derivative(not f)", TypeError, lambda: derivative(3.0, 1.0)),
    ("derivative returns Value", TypeError, lambda: derivative(lambda x: ad.Value(1.0), 1.0)),
    ("forward_gradient of a number", TypeError, lambda: forward_gradient(sum, 3.0)),
]


@pytest.mark.parametrize("name,error,action", BAD, ids=[b[0] for b in BAD])
def test_bad_input_gives_a_japanese_message(name, error, action):
    with pytest.raises(error) as info:
        action()
    assert JAPANESE.search(str(info.value)), str(info.value)
