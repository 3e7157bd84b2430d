"""Numerical differentiation lecture_utils.numerical, and the cost of a gradient in calls of f."""
import math

import pytest
from engine_cases import JAPANESE

from lecture_utils import autodiff as ad
from lecture_utils.numerical import central_difference, forward_difference, numerical_gradient


def test_forward_difference_error_is_of_order_h():
    errors = [abs(forward_difference(math.exp, 1.0, h) - math.exp(1.0)) for h in (1e-2, 1e-3)]
    assert 8 < errors[0] / errors[1] < 12


def test_central_difference_error_is_of_order_h_squared():
    errors = [abs(central_difference(math.exp, 1.0, h) - math.exp(1.0)) for h in (1e-2, 1e-3)]
    assert 80 < errors[0] / errors[1] < 120


def test_forward_difference_is_the_slides_formula():
    f = lambda x: x ** 2  # noqa: E731
    assert forward_difference(f, 3.0) == (f(3.0 + 1e-4) - f(3.0)) / 1e-4


def test_too_small_h_is_worse_because_of_rounding():
    exact = math.cos(1.0)
    good = abs(forward_difference(math.sin, 1.0, 1e-8) - exact)
    tiny = abs(forward_difference(math.sin, 1.0, 1e-15) - exact)
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
def test_the_three_ways_count_calls_of_f(n):
    xs = [0.1 * (i + 1) for i in range(n)]
    counts = [numerical_gradient(f_sum, xs, method="forward").evaluations, numerical_gradient(f_sum, xs).evaluations,
              ad.forward_gradient(f_sum, xs).evaluations, ad.reverse_gradient(f_sum, xs).evaluations]
    assert counts == [n + 1, 2 * n, n, 1]


AGREE = [  # method, tolerance against the exact gradient
    ("forward mode", lambda f, xs: ad.forward_gradient(f, xs), dict(rel=1e-12)),
    ("reverse mode", lambda f, xs: ad.reverse_gradient(f, xs), dict(rel=1e-12)),
    ("central differences", lambda f, xs: numerical_gradient(f, xs, h=1e-5), dict(rel=1e-8)),
    ("forward differences", lambda f, xs: numerical_gradient(f, xs, h=1e-7, method="forward"),
     dict(rel=1e-5, abs=1e-6)),
]


@pytest.mark.parametrize("n", [1, 2, 7])
@pytest.mark.parametrize("name,method,tolerance", AGREE, ids=[a[0] for a in AGREE])
def test_each_way_agrees_with_the_exact_gradient(name, method, tolerance, n):
    xs = [0.1 * (i + 1) for i in range(n)]
    assert method(f_sum, xs).grad == pytest.approx(f_sum_grad(xs), **tolerance)


def test_gradient_result_unpacks():
    g, calls = numerical_gradient(lambda v: v[0] * v[1], [2.0, 5.0])
    assert (g, calls) == (pytest.approx([5.0, 2.0]), 4)


BAD = [
    ("h<0", ValueError, lambda: forward_difference(math.sin, 1.0, -1e-3)),
    ("x str", TypeError, lambda: central_difference(math.sin, "1")),
    ("not f", TypeError, lambda: central_difference(1.0, 1.0)),
    ("f returns Value", TypeError, lambda: central_difference(lambda x: ad.Value(x), 1.0)),
    ("missing x", TypeError, lambda: central_difference(math.sin)),
    ("empty xs", TypeError, lambda: numerical_gradient(sum, [])),
    ("method", ValueError, lambda: numerical_gradient(sum, [1.0], method="back")),
]


@pytest.mark.parametrize("name,error,action", BAD, ids=[b[0] for b in BAD])
def test_bad_input_gives_a_japanese_message(name, error, action):
    with pytest.raises(error) as info:
        action()
    assert JAPANESE.search(str(info.value)), str(info.value)
