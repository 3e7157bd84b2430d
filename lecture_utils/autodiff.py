"""A tiny teaching autodiff engine: reverse mode, forward mode, numerical differences.

    Value  -- reverse mode (backpropagation) on scalars, with micrograd's names:
              ``data``, ``grad``, ``backward()``, ``_prev``, ``_op``.
    Dual   -- forward mode with dual numbers a + b*eps, eps**2 = 0.
    forward_difference / central_difference / numerical_gradient -- numerical differentiation.
    to_dot / text_tree / draw -- pictures of a Value's computational graph.

Compared with micrograd (https://github.com/karpathy/micrograd):
  * every node stores its inputs with the local derivative of each (``_edges``),
    computed in the forward pass right next to the forward formula, so
    ``backward()`` only multiplies and adds (the chain rule);
  * ``backward()`` sorts the graph without recursion: a 20 000-deep chain works;
  * calling ``backward()`` twice adds the gradients again, like PyTorch (see backward);
  * bad input raises a short TypeError/ValueError with a Japanese message.

The elementary functions are written once, as "rules" returning (f(a), f'(a)),
and shared by Value, Dual and plain floats (``autodiff.sin(x)`` works for all three).
"""
from __future__ import annotations

import itertools
import math
import numbers
from collections import namedtuple
from operator import attrgetter

__all__ = [
    "Value", "Dual", "GradientResult",
    "relu", "exp", "log", "sin", "cos", "tanh", "sigmoid",
    "derivative", "grad", "zero_grad", "explain_backward",
    "forward_difference", "central_difference",
    "numerical_gradient", "forward_gradient", "reverse_gradient",
    "to_dot", "text_tree", "draw",
]

# ---------------------------------------------------------------------------
# Input checks (short Japanese messages for the student)
# ---------------------------------------------------------------------------

def _describe(x) -> str:
    shown = repr(x)
    if len(shown) > 40:
        shown = shown[:37] + "..."
    return f"{type(x).__name__} 型の {shown}"


def _as_float(x, where: str) -> float:
    """``x`` as a float, or a Japanese TypeError naming ``where`` it was used."""
    if type(x) is float:
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return float(x)
    hint = ""
    if hasattr(x, "item"):
        hint = " (tensor や NumPy 配列なら .item() で数に直せます)"
    elif isinstance(x, (Value, Dual)):
        hint = " (Value と Dual は混ぜて使えません)"
    raise TypeError(f"{where} には数 (int か float) を渡してください。"
                    f"渡されたのは {_describe(x)} です{hint}。")


def _as_exponent(n) -> float:
    """The exponent of ``**``: a plain number only (as in micrograd)."""
    if isinstance(n, (Value, Dual)):
        raise TypeError(f"** の指数には数 (int か float) を使ってください。"
                        f"{type(n).__name__} の指数は扱いません (a ** b は (b * a.log()).exp() と書けます)。")
    return _as_float(n, "** の指数")


def _returned(y, expected: str = "数") -> float:
    """The number f returned, or a Japanese TypeError saying what f should return."""
    if isinstance(y, numbers.Real) and not isinstance(y, bool):
        return float(y)
    raise TypeError(f"f は{expected}を返す必要があります。返ってきたのは {_describe(y)} です。")


def _check_callable(f, where: str) -> None:
    if not callable(f):
        raise TypeError(f"{where} の最初の引数には関数を渡してください。渡されたのは {_describe(f)} です。")


# ---------------------------------------------------------------------------
# Elementary functions as rules: (value, slope) = (f(a), f'(a)).
# Value multiplies the slope into the gradient on the way back (reverse mode);
# Dual multiplies it into the derivative on the way forward (forward mode).
# ---------------------------------------------------------------------------

def _relu_rule(a):
    return (a, 1.0) if a > 0 else (0.0, 0.0)          # relu'(a) = 1 if a > 0 else 0


def _exp_rule(a):
    try:
        y = math.exp(a)
    except OverflowError:
        raise OverflowError(f"exp({a:g}) は大きすぎて float で表せません (上限は約 exp(709))。") from None
    return y, y                                       # (e^a)' = e^a


def _log_rule(a):
    if a <= 0:
        raise ValueError(f"log は正の数にしか使えません (log({a:g}) は定義されていません)。")
    return math.log(a), 1.0 / a                       # (log a)' = 1/a


def _sin_rule(a):
    return math.sin(a), math.cos(a)                   # (sin a)' = cos a


def _cos_rule(a):
    return math.cos(a), -math.sin(a)                  # (cos a)' = -sin a


def _tanh_rule(a):
    t = math.tanh(a)
    return t, 1.0 - t * t                             # (tanh a)' = 1 - tanh(a)^2


def _sigmoid_rule(a):
    if a >= 0:                                        # two forms, so exp never overflows
        s = 1.0 / (1.0 + math.exp(-a))
    else:
        e = math.exp(a)
        s = e / (1.0 + e)
    return s, s * (1.0 - s)                           # sigmoid' = s (1 - s)


def _power_rule(a, n):
    """(a ** n, n * a ** (n - 1)) for a number exponent n."""
    if a == 0 and n < 0:
        raise ZeroDivisionError(f"0 の負の累乗 (0 ** {n:g}) は定義されていません。")
    if a < 0 and not n.is_integer():
        raise ValueError(f"負の数の非整数乗 (({a:g}) ** {n:g}) は実数になりません。")
    try:
        y = a ** n
    except OverflowError:
        raise OverflowError(f"{a:g} ** {n:g} は大きすぎて float で表せません。") from None
    if a == 0 and n < 1:                              # limits at 0, as PyTorch uses
        return y, (0.0 if n == 0 else math.inf)
    return y, n * a ** (n - 1)                        # (a^n)' = n a^(n-1)


_RULES = {"relu": _relu_rule, "exp": _exp_rule, "log": _log_rule, "sin": _sin_rule,
          "cos": _cos_rule, "tanh": _tanh_rule, "sigmoid": _sigmoid_rule}


def _divide(a, b):
    if b == 0:
        raise ZeroDivisionError(f"0 で割ることはできません ({a:g} / 0)。")
    return a / b


# ---------------------------------------------------------------------------
# Reverse mode: Value
# ---------------------------------------------------------------------------

class _ElementaryFunctions:
    """x.exp(), x.sin(), ... for Value and Dual: each class says in _apply what f(x) means."""

    def relu(self):
        return self._apply("relu")

    def exp(self):
        return self._apply("exp")

    def log(self):
        return self._apply("log")

    def sin(self):
        return self._apply("sin")

    def cos(self):
        return self._apply("cos")

    def tanh(self):
        return self._apply("tanh")

    def sigmoid(self):
        return self._apply("sigmoid")


class Value(_ElementaryFunctions):
    """A scalar that remembers how it was made, so ``backward()`` can differentiate it.

    ``Value(3.0, label="x")``: ``data`` is the number, ``grad`` the derivative of
    the last ``backward()`` output with respect to this node (0.0 until then),
    ``label`` an optional name shown in drawings. ``_op`` names the operation
    that made this node; ``_edges`` pairs each of its inputs with the local
    derivative d(this node)/d(input), e.g. ``((a, b.data), (b, a.data))`` for a*b.
    ``_prev`` (micrograd's name) and ``_local_grads`` give the two halves.
    """

    __slots__ = ("data", "grad", "label", "_op", "_edges", "_id")

    def __init__(self, data, _children=(), _op="", _local_grads=(), *, label=""):
        self.data = data if type(data) is float else _as_float(data, "Value")
        self.grad = 0.0
        if type(label) is not str:
            raise TypeError(f"label には文字列を渡してください。渡されたのは {_describe(label)} です。")
        self.label = label
        self._op = _op
        if len(_children) != len(_local_grads):
            raise ValueError("_children と _local_grads は同じ数だけ渡してください。")
        self._edges = tuple(zip(_children, _local_grads))
        self._id = next(_creation_counter)    # inputs always have smaller numbers

    @property
    def _prev(self):
        """The inputs of the operation that made this node."""
        return tuple(child for child, _ in self._edges)

    @property
    def _local_grads(self):
        """d(this node)/d(input) for each input, computed in the forward pass."""
        return tuple(local for _, local in self._edges)

    # --- arithmetic: the forward value, then d(out)/d(input) for each input ---

    def __add__(self, other):
        other = _as_value(other)
        return Value(self.data + other.data, (self, other), "+",
                     (1.0, 1.0))                      # d(a+b)/da = 1, d(a+b)/db = 1

    def __sub__(self, other):
        other = _as_value(other)
        return Value(self.data - other.data, (self, other), "-",
                     (1.0, -1.0))                     # d(a-b)/da = 1, d(a-b)/db = -1

    def __mul__(self, other):
        other = _as_value(other)
        return Value(self.data * other.data, (self, other), "*",
                     (other.data, self.data))         # d(ab)/da = b, d(ab)/db = a

    def __truediv__(self, other):
        other = _as_value(other)
        y, b = _divide(self.data, other.data), other.data
        return Value(y, (self, other), "/",
                     (1.0 / b, -y / b))               # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2 = -y/b

    def __pow__(self, n):
        n = _as_exponent(n)
        y, slope = _power_rule(self.data, n)
        return Value(y, (self,), f"**{n:g}", (slope,))  # d(a^n)/da = n a^(n-1)

    def __neg__(self):
        return Value(-self.data, (self,), "neg", (-1.0,))  # d(-a)/da = -1

    # Reflected forms: 2 * x, 1 - x, 10 / x (the number becomes a constant node).
    def __radd__(self, other):
        return _as_value(other) + self

    def __rsub__(self, other):
        return _as_value(other) - self

    def __rmul__(self, other):
        return _as_value(other) * self

    def __rtruediv__(self, other):
        return _as_value(other) / self

    def __rpow__(self, other):
        raise TypeError("数 ** Value (例: 2 ** x) は扱いません。"
                        "(x * math.log(2)).exp() のように exp で書いてください。")

    # --- elementary functions: the rules above give (f(a), f'(a)) ---

    def _apply(self, name):
        y, slope = _RULES[name](self.data)
        return Value(y, (self,), name, (slope,))

    # --- reverse mode ---

    def backward(self):
        """Fill ``.grad`` of every node of this graph with d(self)/d(node).

        Twice, or from two outputs: like PyTorch, the leaves (inputs and
        constants) ADD the new gradient to what they hold, so call
        ``zero_grad()`` first when you want fresh values. Intermediate nodes
        are reset, so they always show this call's gradient.
        """
        order = _topological_order(self)        # every input before the nodes made from it
        for node in order:
            if node._edges:                     # intermediate node: start from zero
                node.grad = 0.0
        self.grad += 1.0                        # d(self)/d(self) = 1
        for node in reversed(order):            # outputs first, inputs last
            for child, local in node._edges:
                child.grad += local * node.grad  # chain rule: sum over all paths

    def zero_grad(self):
        """Set ``.grad`` of every node of this graph back to 0.0."""
        for node in _topological_order(self):
            node.grad = 0.0

    def __float__(self):
        raise TypeError("Value は float にしません: math.sin(x) などは使えないので "
                        "x.sin() か autodiff.sin(x) を使ってください (数が欲しいときは x.data)。")

    def __repr__(self):
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"


def _as_value(x) -> Value:
    if type(x) is Value:
        return x
    if type(x) is float or type(x) is int:
        return Value(float(x))
    if isinstance(x, Value):
        return x
    if isinstance(x, Dual):
        raise TypeError("Value と Dual は混ぜて計算できません。どちらかにそろえてください。")
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return Value(x)
    raise TypeError(f"Value と計算できるのは数 (int か float) か Value です。渡されたのは {_describe(x)} です。")


_creation_counter = itertools.count()         # numbers the Values in the order they are made
_creation_number = attrgetter("_id")


def _topological_order(root: Value) -> list:
    """All nodes that ``root`` depends on, each after its inputs (no recursion).

    An operation's inputs always exist before its output is made, so sorting
    the nodes by creation number puts every input before the nodes made from it.
    """
    if not isinstance(root, Value):
        raise TypeError(f"Value を渡してください。渡されたのは {_describe(root)} です。")
    nodes, seen = [root], {root}
    for node in nodes:                          # the list grows while we walk it
        for child, _ in node._edges:
            if child not in seen:
                seen.add(child)
                nodes.append(child)
    nodes.sort(key=_creation_number)
    return nodes


def zero_grad(*values) -> None:
    """Set ``.grad`` of every node of the graphs of ``values`` back to 0.0."""
    for v in values:
        if not isinstance(v, Value):
            raise TypeError(f"zero_grad には Value を渡してください。渡されたのは {_describe(v)} です。")
        v.zero_grad()


# ---------------------------------------------------------------------------
# Forward mode: Dual numbers
# ---------------------------------------------------------------------------

class Dual(_ElementaryFunctions):
    """A dual number ``value + deriv * eps`` with eps**2 = 0.

    Feeding ``Dual(x, 1.0)`` into f gives ``Dual(f(x), f'(x))``: the derivative
    travels forward with the value, since f(a + b eps) = f(a) + b f'(a) eps.
    """

    __slots__ = ("value", "deriv")

    def __init__(self, value, deriv=0.0):
        self.value = _as_float(value, "Dual の value")
        self.deriv = _as_float(deriv, "Dual の deriv")

    def __add__(self, other):                   # (a + b eps) + (c + d eps) = (a + c) + (b + d) eps
        other = _as_dual(other)
        return Dual(self.value + other.value, self.deriv + other.deriv)

    def __sub__(self, other):                   # (a + b eps) - (c + d eps) = (a - c) + (b - d) eps
        other = _as_dual(other)
        return Dual(self.value - other.value, self.deriv - other.deriv)

    def __mul__(self, other):                   # (a + b eps)(c + d eps) = ac + (ad + bc) eps
        other = _as_dual(other)
        a, b, c, d = self.value, self.deriv, other.value, other.deriv
        return Dual(a * c, a * d + b * c)

    def __truediv__(self, other):               # (a + b eps)/(c + d eps) = a/c + (bc - ad)/c^2 eps
        other = _as_dual(other)
        y, c = _divide(self.value, other.value), other.value
        return Dual(y, (self.deriv - y * other.deriv) / c)   # = (bc - ad)/c^2 with y = a/c

    def __pow__(self, n):                       # (a + b eps)^n = a^n + n a^(n-1) b eps
        y, slope = _power_rule(self.value, _as_exponent(n))
        return Dual(y, slope * self.deriv)

    def __neg__(self):
        return Dual(-self.value, -self.deriv)

    def __radd__(self, other):
        return _as_dual(other) + self

    def __rsub__(self, other):
        return _as_dual(other) - self

    def __rmul__(self, other):
        return _as_dual(other) * self

    def __rtruediv__(self, other):
        return _as_dual(other) / self

    def __rpow__(self, other):
        raise TypeError("数 ** Dual (例: 2 ** x) は扱いません。"
                        "(x * math.log(2)).exp() のように exp で書いてください。")

    def _apply(self, name):                     # f(a + b eps) = f(a) + f'(a) b eps
        y, slope = _RULES[name](self.value)
        return Dual(y, slope * self.deriv)

    def __float__(self):
        raise TypeError("Dual は float にしません: math.sin(x) などは使えないので "
                        "x.sin() か autodiff.sin(x) を使ってください (数が欲しいときは x.value)。")

    def __repr__(self):
        return f"Dual(value={self.value!r}, deriv={self.deriv!r})"


def _as_dual(x) -> Dual:
    if isinstance(x, Dual):
        return x
    if isinstance(x, Value):
        raise TypeError("Value と Dual は混ぜて計算できません。どちらかにそろえてください。")
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return Dual(x, 0.0)
    raise TypeError(f"Dual と計算できるのは数 (int か float) か Dual です。渡されたのは {_describe(x)} です。")


# ---------------------------------------------------------------------------
# The elementary functions for floats, Values and Duals alike, so one Python
# function f can be evaluated, differentiated in reverse mode and in forward mode.
# ---------------------------------------------------------------------------

def _elementary(name, x):
    if isinstance(x, (Value, Dual)):
        return x._apply(name)
    return _RULES[name](_as_float(x, name))[0]


def relu(x):
    """max(x, 0) for a number, a Value or a Dual."""
    return _elementary("relu", x)


def exp(x):
    """e ** x for a number, a Value or a Dual."""
    return _elementary("exp", x)


def log(x):
    """The natural logarithm for a number, a Value or a Dual."""
    return _elementary("log", x)


def sin(x):
    """sin x for a number, a Value or a Dual."""
    return _elementary("sin", x)


def cos(x):
    """cos x for a number, a Value or a Dual."""
    return _elementary("cos", x)


def tanh(x):
    """tanh x for a number, a Value or a Dual."""
    return _elementary("tanh", x)


def sigmoid(x):
    """1 / (1 + e ** -x) for a number, a Value or a Dual."""
    return _elementary("sigmoid", x)


# ---------------------------------------------------------------------------
# Derivatives of Python functions
# ---------------------------------------------------------------------------

def derivative(f, x) -> float:
    """f'(x) by forward mode: one evaluation of f on the dual number x + 1 eps."""
    _check_callable(f, "derivative")
    y = f(Dual(_as_float(x, "derivative の x"), 1.0))
    if isinstance(y, Dual):
        return y.deriv
    _returned(y, "Dual か数")
    return 0.0                                  # f ignored x: a constant


def grad(f, *xs):
    """The gradient of f(*xs) by reverse mode: one evaluation, one backward().

    Returns a float for one input, a tuple of floats for several:
    ``grad(lambda x, y: (x + y) ** 2, 3.0, 2.0) == (10.0, 10.0)``.
    """
    _check_callable(f, "grad")
    inputs = [Value(_as_float(x, "grad の入力"), label=f"x{i}") for i, x in enumerate(xs)]
    y = f(*inputs)
    if isinstance(y, Value):
        y.backward()
    else:
        _returned(y, "Value か数")
    grads = tuple(v.grad for v in inputs)
    return grads[0] if len(grads) == 1 else grads


def explain_backward(y: Value) -> str:
    """Run ``y.backward()`` step by step and return the walk as Japanese text.

    The same computation as ``backward()`` (tests check that they agree),
    with one line per edge: local derivative x upstream gradient.
    """
    order = _topological_order(y)
    names = _display_names(order)
    for node in order:
        if node._edges:
            node.grad = 0.0
    y.grad += 1.0
    lines = [f"{names[y]}: 出力なので勾配 {_fmt(y.grad)} から始めます"]
    for node in reversed(order):
        for child, local in node._edges:
            child.grad += local * node.grad
            lines.append(f"{names[node]} [{node._op}] → {names[child]}: "
                         f"局所微分 {_fmt(local)} × 勾配 {_fmt(node.grad)} = {_fmt(local * node.grad)}"
                         f" (いまの {names[child]}.grad = {_fmt(child.grad)})")
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# Numerical differentiation, and gradients of f: R^n -> R with a count of
# how many times f was evaluated (the cost the lecture compares).
# ---------------------------------------------------------------------------

GradientResult = namedtuple("GradientResult", ["grad", "evaluations"])
GradientResult.__doc__ = """A gradient (list of floats) and how many times f was called to get it."""


def _check_step(h) -> float:
    h = _as_float(h, "h")
    if not h > 0:
        raise ValueError(f"h は正の数にしてください (h = {h:g})。")
    return h


def forward_difference(f, x, h=1e-4) -> float:
    """(f(x + h) - f(x)) / h: two evaluations, error of order h."""
    _check_callable(f, "forward_difference")
    x, h = _as_float(x, "x"), _check_step(h)
    return (_returned(f(x + h)) - _returned(f(x))) / h


def central_difference(f, x, h=1e-4) -> float:
    """(f(x + h) - f(x - h)) / 2h: two evaluations, error of order h**2."""
    _check_callable(f, "central_difference")
    x, h = _as_float(x, "x"), _check_step(h)
    return (_returned(f(x + h)) - _returned(f(x - h))) / (2 * h)


def _as_point(xs, where) -> list:
    if isinstance(xs, (str, bytes)) or not hasattr(xs, "__len__") or len(xs) == 0:
        raise TypeError(f"{where} の xs には数のリスト (例: [1.0, 2.0]) を渡してください。"
                        f"渡されたのは {_describe(xs)} です。")
    return [_as_float(x, f"{where} の xs の要素") for x in xs]


class _Counted:
    """Wraps f and counts its calls."""

    def __init__(self, f):
        self.f, self.calls = f, 0

    def __call__(self, xs):
        self.calls += 1
        return self.f(xs)


def numerical_gradient(f, xs, h=1e-4, method="central") -> GradientResult:
    """The gradient of f(xs) (xs a list of n numbers) by finite differences.

    ``method="forward"`` calls f n + 1 times, ``"central"`` 2n times.
    """
    _check_callable(f, "numerical_gradient")
    point, h = _as_point(xs, "numerical_gradient"), _check_step(h)
    if method not in ("forward", "central"):
        raise ValueError(f'method は "forward" か "central" にしてください (渡されたのは {method!r})。')
    fc = _Counted(f)

    def f_at(i, step):
        moved = list(point)
        moved[i] += step
        return _returned(fc(moved))

    if method == "forward":
        f0 = _returned(fc(list(point)))
        g = [(f_at(i, h) - f0) / h for i in range(len(point))]
    else:
        g = [(f_at(i, h) - f_at(i, -h)) / (2 * h) for i in range(len(point))]
    return GradientResult(g, fc.calls)


def forward_gradient(f, xs) -> GradientResult:
    """The gradient of f(xs) by forward mode: n evaluations, one per input direction."""
    _check_callable(f, "forward_gradient")
    point = _as_point(xs, "forward_gradient")
    fc = _Counted(f)
    g = []
    for i in range(len(point)):
        y = fc([Dual(x, 1.0 if j == i else 0.0) for j, x in enumerate(point)])
        if isinstance(y, Dual):
            g.append(y.deriv)
        else:                                   # f ignored its input: a constant
            _returned(y, "Dual か数")
            g.append(0.0)
    return GradientResult(g, fc.calls)


def reverse_gradient(f, xs) -> GradientResult:
    """The gradient of f(xs) by reverse mode: one evaluation, then one backward()."""
    _check_callable(f, "reverse_gradient")
    inputs = [Value(x) for x in _as_point(xs, "reverse_gradient")]
    fc = _Counted(f)
    y = fc(inputs)
    if isinstance(y, Value):
        y.backward()
    else:
        _returned(y, "Value か数")
    return GradientResult([v.grad for v in inputs], fc.calls)


# ---------------------------------------------------------------------------
# Drawing a Value's graph: DOT text (no Graphviz needed), a text tree, a picture
# ---------------------------------------------------------------------------

MAX_DRAW_NODES = 400


def _fmt(x: float) -> str:
    s = f"{x:.4f}"
    return "0.0000" if s == "-0.0000" else s


def _node_names(order) -> dict:
    return {node: f"n{i}" for i, node in enumerate(order)}


def _record_fields(node: Value) -> list:
    """['x', 'data 3.0000', 'grad 10.0000'] (the label only when there is one)."""
    fields = [node.label] if node.label else []
    return fields + [f"data {_fmt(node.data)}", f"grad {_fmt(node.grad)}"]


def _display_names(order) -> dict:
    """The label of each node, or its DOT name n0, n1, ... when it has none."""
    return {node: node.label or f"n{i}" for i, node in enumerate(order)}


def _dot_escape(text: str) -> str:
    for ch in '\\{}|<>"':
        text = text.replace(ch, "\\" + ch)
    return text


def to_dot(value: Value) -> str:
    """The graph of ``value`` as Graphviz DOT text.

    Value nodes are named n0, n1, ... in topological order (inputs first) and
    show 'label | data | grad'; each operation is a separate node 'nK_op'.
    Keep labels ASCII: Graphviz may have no Japanese font.
    """
    order = _topological_order(value)
    names = _node_names(order)
    lines = ["digraph G {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=11];']
    for node in order:
        n = names[node]
        fields = " | ".join(_dot_escape(f) for f in _record_fields(node))
        lines.append(f'  {n} [shape=record, label="{{ {fields} }}"];')
        if node._edges:
            lines.append(f'  {n}_op [shape=ellipse, label="{_dot_escape(node._op)}"];')
            lines.append(f"  {n}_op -> {n};")
            for child, _ in node._edges:
                lines.append(f"  {names[child]} -> {n}_op;")
    lines.append("}")
    return "\n".join(lines) + "\n"


def text_tree(value: Value, max_lines: int = 200) -> str:
    """The graph of ``value`` as an indented tree, output at the top.

    Lines read 'n4 [**2] z | data 25.0000 | grad 1.0000' with the DOT names;
    an operation reached a second time is not expanded again.
    """
    order = _topological_order(value)
    names = _node_names(order)
    lines, expanded = [], set()
    stack = [(value, "", "")]                   # node, start of its line, indent of its inputs
    while stack:
        if len(lines) == max_lines:
            lines.append(f"... (ここで省略しました。ノードは全部で {len(order)} 個です)")
            break
        node, head, indent = stack.pop()
        inputs = node._prev
        op = f"[{node._op}] " if inputs else ""
        line = f"{head}{names[node]} {op}" + " | ".join(_record_fields(node))
        if node in expanded:
            lines.append(line + f"  (上の {names[node]} と同じ)")
            continue
        lines.append(line)
        if inputs:
            expanded.add(node)
        last = len(inputs) - 1
        for i in reversed(range(len(inputs))):
            stack.append((inputs[i], indent + ("└── " if i == last else "├── "),
                          indent + ("    " if i == last else "│   ")))
    return "\n".join(lines)


def draw(value: Value):
    """A picture of the graph of ``value`` (PNG via Graphviz), or its text tree."""
    from . import dot

    order = _topological_order(value)
    if len(order) > MAX_DRAW_NODES:
        raise ValueError(f"ノードが {len(order)} 個あり、図にするには多すぎます "
                         f"({MAX_DRAW_NODES} 個まで)。text_tree(y) か to_dot(y) を使ってください。")
    return dot.show(to_dot(value), text_tree(value), len(order))
