"""Property test: random expression trees, differentiated by the engine and by torch.autograd.

A tree is built from three variables and small constants with every operation the
engine supports. The same tree is evaluated three ways: with Value (reverse mode),
with torch float64 tensors (torch.autograd), and with Dual (forward mode, one pass
per variable). Values and gradients must agree to a relative error of 1e-9.
Trees whose value leaves the domain (log of a negative number, division by zero,
overflow) are skipped: the engine raises there, which the unit tests cover.
"""
import math

import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lecture_utils import autodiff as ad
from lecture_utils.autodiff import Dual, Value

N_VARS = 3
UNARY = ["neg", "relu", "exp", "log", "sin", "cos", "tanh", "sigmoid"]
BINARY = ["+", "-", "*", "/"]
EXPONENTS = [2, 3, -1, 0.5, 1.5, -2]
RTOL = 1e-9
CANCELLATION = 1e-13   # about 500 float64 roundings (eps = 2.2e-16) of the largest term
LARGEST = 1e6          # largest intermediate value or gradient term in a compared tree

numbers = st.floats(-2.0, 2.0, allow_nan=False, allow_subnormal=False)
leaves = st.one_of(
    st.tuples(st.just("var"), st.integers(0, N_VARS - 1)),
    st.tuples(st.just("const"), numbers),
)


def extend(children):
    return st.one_of(
        st.tuples(st.just("unary"), st.sampled_from(UNARY), children),
        st.tuples(st.just("pow"), st.sampled_from(EXPONENTS), children),
        st.tuples(st.just("binary"), st.sampled_from(BINARY), children, children),
    )


trees = st.recursive(leaves, extend, max_leaves=10)

# Torch has no "neg"/"relu"/... methods on Python floats: constants become tensors.
TORCH_UNARY = {"neg": torch.neg, "relu": torch.relu, "exp": torch.exp, "log": torch.log,
               "sin": torch.sin, "cos": torch.cos, "tanh": torch.tanh, "sigmoid": torch.sigmoid}
BINARY_OPS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b,
              "*": lambda a, b: a * b, "/": lambda a, b: a / b}


def engine_unary(name, x):
    """Constants stay Python floats, so reflected forms such as 2.0 * x are exercised."""
    if name == "neg":
        return -x
    if name.startswith("**"):
        n = float(name[2:])
        return x ** n if isinstance(x, (Value, Dual)) else ad.power_rule(x, n)[0]
    return getattr(ad, name)(x)


def torch_unary(name, t):
    return t ** float(name[2:]) if name.startswith("**") else TORCH_UNARY[name](t)


def evaluate(tree, variables, constant, unary):
    kind = tree[0]
    if kind == "var":
        return variables[tree[1]]
    if kind == "const":
        return constant(tree[1])
    if kind == "unary":
        return unary(tree[1], evaluate(tree[2], variables, constant, unary))
    if kind == "pow":
        return unary(f"**{tree[1]}", evaluate(tree[2], variables, constant, unary))
    a = evaluate(tree[2], variables, constant, unary)
    b = evaluate(tree[3], variables, constant, unary)
    return BINARY_OPS[tree[1]](a, b)


def engine(tree, xs):
    """Value, gradient and their error scales by the engine; None outside the domain."""
    variables = [Value(x) for x in xs]
    try:
        y = evaluate(tree, variables, float, engine_unary)
    except (ValueError, ZeroDivisionError, OverflowError):
        return None
    if not isinstance(y, Value):              # a tree of constants only
        return y, [0.0] * len(xs), abs(y), [0.0] * len(xs)
    y.backward()
    order = ad.topological_order(y)
    # Rounding in float64 is relative to the size of the numbers involved, not of the
    # result: x/x - 1 or a sum of terms that cancel are exact in theory and ~1e-16 times
    # the terms in practice. These scales bound what is being added up.
    value_scale = max(abs(node.data) for node in order)
    size = {node: 0.0 for node in order}      # sum over paths of |product of local slopes|
    size[y] = 1.0
    for node in reversed(order):
        for child, local in zip(node._prev, node._local_grads):
            size[child] += abs(local) * size[node]
    return y.data, [v.grad for v in variables], value_scale, [size.get(v, 0.0) for v in variables]


def by_torch(tree, xs):
    variables = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    y = evaluate(tree, variables, lambda c: torch.tensor(c, dtype=torch.float64),
                 torch_unary)
    if y.requires_grad:
        y.backward()
    return y.item(), [0.0 if v.grad is None else v.grad.item() for v in variables]


def forward_mode(tree, xs):
    grads = []
    for i in range(len(xs)):
        variables = [Dual(x, 1.0 if j == i else 0.0) for j, x in enumerate(xs)]
        y = evaluate(tree, variables, float, engine_unary)
        grads.append(y.tangent if isinstance(y, Dual) else 0.0)
    return grads


def close(a, b, scale):
    """Relative error <= 1e-9, or within a few hundred roundings of the terms that cancel."""
    return abs(a - b) <= RTOL * max(abs(a), abs(b)) + CANCELLATION * scale


def all_finite(*numbers_):
    return all(math.isfinite(x) for x in numbers_)


@settings(max_examples=200, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(tree=trees, xs=st.lists(numbers, min_size=N_VARS, max_size=N_VARS))
def test_engine_matches_torch_autograd_and_dual(tree, xs):
    ours = engine(tree, xs)
    assume(ours is not None)
    value, grads, value_scale, grad_scales = ours
    # Keep to well-conditioned trees: sin(1e30) or exp(700) depend on the last bit of
    # their argument, so two correct libraries may disagree there.
    assume(all_finite(value, *grads, *grad_scales) and value_scale <= LARGEST and max(grad_scales) <= LARGEST)
    t_value, t_grads = by_torch(tree, xs)
    assert close(value, t_value, value_scale), (value, t_value)
    for g, tg, scale in zip(grads, t_grads, grad_scales):
        assert close(g, tg, scale), (grads, t_grads)
    for g, dg, scale in zip(grads, forward_mode(tree, xs), grad_scales):
        assert close(g, dg, scale), (grads, dg)
