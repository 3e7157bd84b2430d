"""Numerical differentiation (finite differences), and gradients with the number of calls of f.

forward_difference and central_difference are shown in the lecture (notebook 5), so their
docstrings are Japanese and their bodies are the formulas alone; ``@checked`` checks the input.
``GradientResult`` is what every gradient method returns (numerical here, forward mode in
forward_mode.py, reverse mode in autodiff.py), so the lecture can compare how often each calls f.
"""
from __future__ import annotations

from collections import namedtuple

from .validate import checked

GradientResult = namedtuple("GradientResult", ["grad", "evaluations"])
GradientResult.__doc__ = "A gradient (list of floats) and how many times f was called to get it."


class counted:
    """f, counting its calls in ``.calls``."""

    def __init__(self, f):
        self.f, self.calls = f, 0

    def __call__(self, *args):
        self.calls += 1
        return self.f(*args)


@checked
def forward_difference(f, x, h=1e-4):
    """前進差分: f'(x) を (f(x + h) - f(x)) / h で近似する (スライドの diff と同じ)。誤差は h に比例する。"""
    return (f(x + h) - f(x)) / h


@checked
def central_difference(f, x, h=1e-4):
    """中心差分: f'(x) を (f(x + h) - f(x - h)) / 2h で近似する。誤差は h² に比例する。"""
    return (f(x + h) - f(x - h)) / (2 * h)


@checked
def numerical_gradient(f, xs, h=1e-4, method="central") -> GradientResult:
    """The gradient of f(xs) (xs a list of n numbers) by finite differences.

    ``method="forward"`` calls f n + 1 times, ``"central"`` 2n times.
    """
    f = counted(f)

    def f_moved(i, step):                       # f with x_i moved by step
        moved = list(xs)
        moved[i] += step
        return f(moved)

    if method == "forward":
        f0 = f(list(xs))
        grad = [(f_moved(i, h) - f0) / h for i in range(len(xs))]
    else:
        grad = [(f_moved(i, h) - f_moved(i, -h)) / (2 * h) for i in range(len(xs))]
    return GradientResult(grad, f.calls)
