"""Cases shared by the engine's tests: every operation with its hand-derived value and derivative."""
import math
import re

import pytest

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
    ("sigmoid far", lambda v: v.sigmoid(), -1000.0, 0.0, 0.0),
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


BINARY = [
    # op, a, b, value, d/da, d/db
    ("+", 3.0, 2.0, 5.0, 1.0, 1.0),
    ("-", 3.0, 2.0, 1.0, 1.0, -1.0),
    ("*", 3.0, 2.0, 6.0, 2.0, 3.0),
    ("/", 3.0, 2.0, 1.5, 0.5, -0.75),
]
OPS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b,
       "*": lambda a, b: a * b, "/": lambda a, b: a / b}
