"""教育用の小さな自動微分エンジン: reverse モード (誤差逆伝播法)。

    x = Value(3.0)
    y = x * x + x      # 計算しながら、計算グラフ (どの値からどう計算したか) を作る
    y.backward()       # グラフを出力から逆にたどって、勾配を求める
    x.grad             # 7.0  (dy/dx = 2x + 1)

名前は micrograd (https://github.com/karpathy/micrograd) と同じです (data, grad, backward, _prev, _op)。
micrograd との違い:
  * 演算をするとき、値の計算のすぐ隣で「局所的な微分」も計算して _local_grads に覚えておく。
    だから backward() は、それを掛けて足すだけ (連鎖律) の短いループになる。
  * backward() は再帰呼び出しを使わないので、20000 段の計算グラフでも動く。
  * backward() を 2 回呼ぶと、PyTorch と同じく葉の勾配は足し込まれる。

このファイルは上から順に、Value (ノード)、topological_order (並べ方)、基本的な関数の規則、
それを使う関数 (sin(x) など) と勾配を求める関数、の順に並んでいます。
forward モード (Dual) は forward_mode.py、数値微分は numerical.py、グラフの図は value_graph.py にあり、
どれも autodiff.Dual, autodiff.draw のように、このモジュールからも使えます。
入力のチェック (@checked, @rule) は validate.py にあります。
"""
from __future__ import annotations

import importlib
import itertools
import math
from operator import attrgetter

from .numerical import GradientResult, counted
from .validate import checked, rule
from .validate import label as _valid_label
from .validate import number as _valid_number

_numbers = itertools.count()            # 0, 1, 2, ...: Value に、作られた順に通し番号をつける


class Value:
    """数 1 個と、それがどの値からどう計算されたかを覚えるノード。

    data          値
    grad          出力をこのノードで微分した値 (backward() で入る。それまでは 0)
    label         図に出す名前 (なくてもよい)
    _prev         このノードを作った演算の入力ノード (micrograd と同じ名前)
    _local_grads  このノードを、_prev の各入力で微分した値 (局所的な微分)。_prev と同じ順
    _op           このノードを作った演算の名前 ("+", "*", "sin" など)
    _number       作られた順の通し番号 (topological_order が使う)
    """

    __slots__ = ("data", "grad", "label", "_prev", "_local_grads", "_op", "_number")

    def __init__(self, data, _children=(), _op="", _local_grads=(), *, label=""):
        # float 以外のもの (int、文字列など) は、数かどうか確かめてから float にする
        self.data = data if type(data) is float else _valid_number(data, "Value")
        self.grad = 0.0
        self.label = label if type(label) is str else _valid_label(label)
        self._prev = _children
        self._local_grads = _local_grads
        self._op = _op
        self._number = next(_numbers)   # 入力は、いつもその出力より小さい番号をもつ

    # --- 演算子: a + b と書くと、Python は a.__add__(b) を呼ぶ ---------------------------------

    def __add__(self, other):
        """a + b。Python は a + b を a.__add__(b) に読みかえる (演算子のオーバーロード)。

        だから Value どうしの足し算を、ここに書いたとおりに計算させられる。値 a + b と、
        入力 (a, b)、局所的な微分 (∂(a+b)/∂a, ∂(a+b)/∂b) = (1, 1) を覚えた新しいノードを返す。
        """
        other = other if isinstance(other, Value) else Value(other)   # 2 などの数は Value に包む
        return Value(self.data + other.data, (self, other), "+", (1.0, 1.0))

    def __mul__(self, other):
        """a * b (Python が a.__mul__(b) を呼ぶ)。局所的な微分は ∂(ab)/∂a = b, ∂(ab)/∂b = a。"""
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), "*", (other.data, self.data))

    def __sub__(self, other):
        """a - b。局所的な微分は ∂(a-b)/∂a = 1, ∂(a-b)/∂b = -1。"""
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data - other.data, (self, other), "-", (1.0, -1.0))

    def __truediv__(self, other):
        """a / b。局所的な微分は ∂(a/b)/∂a = 1/b, ∂(a/b)/∂b = -a/b² (規則 divide_rule)。"""
        other = other if isinstance(other, Value) else Value(other)
        y, slopes = divide_rule(self.data, other.data)
        return Value(y, (self, other), "/", slopes)

    def __pow__(self, n):
        """a ** n (n は数)。局所的な微分は n a^(n-1) (規則 power_rule)。"""
        y, slope = power_rule(self.data, n)
        return Value(y, (self,), f"**{n:g}", (slope,))

    def __neg__(self):
        """-a。局所的な微分は -1。"""
        return Value(-self.data, (self,), "neg", (-1.0,))

    # 2 + x のように左が数のときは、Python は x.__radd__(2) を呼ぶ。数を Value にして計算する。
    def __radd__(self, other):
        return Value(other) + self

    def __rsub__(self, other):
        return Value(other) - self

    def __rmul__(self, other):
        return Value(other) * self

    def __rtruediv__(self, other):
        return Value(other) / self

    def __rpow__(self, other):
        raise TypeError("数 ** Value (例: 2 ** x) は扱いません。"
                        "(x * math.log(2)).exp() のように exp で書いてください。")

    # --- 基本的な関数: x.exp(), x.sin() など ---------------------------------------------------

    def _apply(self, name):
        """基本的な関数 name を計算する。規則 RULES[name] が、値 f(a) と微分係数 f'(a) をくれる。"""
        y, slope = RULES[name](self.data)
        return Value(y, (self,), name, (slope,))

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

    # --- reverse モード ----------------------------------------------------------------------

    def backward(self):
        """出力 self から計算グラフを逆にたどり、各ノードの grad に d(self)/d(ノード) を入れる。

        PyTorch と同じく、葉 (入力と定数) の grad には新しい勾配が足し込まれる。
        はじめからやり直すときは、先に zero_grad() を呼ぶ。途中のノードは毎回 0 から計算する。
        """
        order = topological_order(self)         # どのノードも、自分の入力より後に来る順
        made = [node for node in order if node._prev]   # 演算で作られたノード (葉は除く)
        for node in made:
            node.grad = 0.0                     # 途中のノードは 0 から
        self.grad += 1.0                        # d(self)/d(self) = 1
        for node in reversed(made):             # 出力から入力へ
            for child, local in zip(node._prev, node._local_grads):
                child.grad += local * node.grad  # 連鎖律: 局所的な微分 × 勾配 を入力に足し込む

    def zero_grad(self):
        """このグラフのすべてのノードの grad を 0 に戻す。"""
        for node in topological_order(self):
            node.grad = 0.0

    def __float__(self):
        raise TypeError("Value は float の代わりには使えません。math.sin(x) ではなく x.sin() か autodiff.sin(x) を、"
                        "** の指数には数を使ってください (値は x.data)。")

    def __repr__(self):
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"


@checked
def topological_order(root):
    """root の計算に使われたノードをすべて、どのノードも自分の入力より後に来る順に並べる。

    演算の入力は、いつもその出力より先に作られている。だから、ノードを集めて
    作られた順 (通し番号 _number) に並べるだけで、この順になる。再帰呼び出しは使わない。
    """
    nodes, seen = [root], {root}
    for node in nodes:                          # たどりながら、リストが後ろに伸びていく
        for child in node._prev:
            if child not in seen:
                seen.add(child)
                nodes.append(child)
    nodes.sort(key=attrgetter("_number"))
    return nodes


# ---------------------------------------------------------------------------
# 基本的な関数の規則: 点 a での値 f(a) と微分係数 f'(a) の組を返す。
# Value (reverse モード) も Dual (forward モード) も、この同じ規則を使う。
# @rule は、math のエラー (大きすぎる、定義されていない) を日本語のメッセージにする。
# ---------------------------------------------------------------------------

@rule
def relu_rule(a):
    return (a, 1.0) if a > 0 else (0.0, 0.0)          # 微分係数は a > 0 なら 1、それ以外は 0


@rule
def exp_rule(a):
    y = math.exp(a)
    return y, y                                       # 値 e^a と微分係数 e^a: (e^a)' = e^a


@rule
def log_rule(a):
    return math.log(a), 1.0 / a                       # 値 log a と微分係数: (log a)' = 1/a


@rule
def sin_rule(a):
    return math.sin(a), math.cos(a)                   # 値 sin a と微分係数: (sin a)' = cos a


@rule
def cos_rule(a):
    return math.cos(a), -math.sin(a)                  # 値 cos a と微分係数: (cos a)' = -sin a


@rule
def tanh_rule(a):
    t = math.tanh(a)
    return t, 1.0 - t * t                             # 微分係数: (tanh a)' = 1 - tanh(a)^2


@rule
def sigmoid_rule(a):
    e = math.exp(-abs(a))                             # e^-|a| は 1 以下なので、大きくなりすぎない
    s = 1.0 / (1.0 + e) if a >= 0 else e / (1.0 + e)  # = 1 / (1 + e^-a)
    return s, s * (1.0 - s)                           # 微分係数: sigmoid'(a) = s (1 - s)


RULES = {"relu": relu_rule, "exp": exp_rule, "log": log_rule, "sin": sin_rule,
         "cos": cos_rule, "tanh": tanh_rule, "sigmoid": sigmoid_rule}


@rule
def power_rule(a, n):
    y = math.pow(a, n)                                # a^n (n は数)
    if a == 0 and n < 1:                              # 0 での微分は極限で (PyTorch と同じ)
        return y, (0.0 if n == 0 else math.inf)
    return y, n * math.pow(a, n - 1)                  # 微分係数: (a^n)' = n a^(n-1)


@rule
def divide_rule(a, b):
    y = a / b
    return y, (1.0 / b, -y / b)                       # 偏微分: ∂(a/b)/∂a = 1/b, ∂(a/b)/∂b = -a/b² = -y/b


# ---------------------------------------------------------------------------
# 数にも Value にも Dual にも使える関数: autodiff.sin(x) など。
# 1 つの Python の関数 f を、ふつうに計算することも、どちらのモードで微分することもできる。
# ---------------------------------------------------------------------------

def _elementary(name):
    def function(x):
        if hasattr(x, "_apply"):                      # Value か Dual: 微分もいっしょに計算する
            return x._apply(name)
        return RULES[name](_valid_number(x, name))[0]  # 数: 値だけ

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"{name}(x): x が数なら数を、Value なら Value を、Dual なら Dual を返す。"
    return function


relu, exp, log, sin, cos, tanh, sigmoid = (_elementary(name) for name in (
    "relu", "exp", "log", "sin", "cos", "tanh", "sigmoid"))


@checked
def reverse_gradient(f, xs) -> GradientResult:
    """f(xs) の勾配を reverse モードで求める (xs は数のリスト): f を 1 回計算して、backward() を 1 回。

    f を計算した回数 (いつも 1) もいっしょに返す。
    """
    f = counted(f)
    inputs = [Value(x) for x in xs]
    y = f(inputs)
    if isinstance(y, Value):                          # 数が返ったら f は定数: 勾配は 0 のまま
        y.backward()
    return GradientResult([v.grad for v in inputs], f.calls)


@checked
def grad(f, *xs):
    """f(*xs) の勾配を reverse モードで: 入力が 1 個なら数、2 個以上なら数のタプル。

    grad(lambda x, y: (x + y) ** 2, 3.0, 2.0) == (10.0, 10.0)
    """
    inputs = [Value(x) for x in xs]
    y = f(*inputs)
    if isinstance(y, Value):
        y.backward()
    grads = tuple(v.grad for v in inputs)
    return grads[0] if len(grads) == 1 else grads


# ---------------------------------------------------------------------------
# ほかのモジュールにあるものも、autodiff.Dual や autodiff.draw のように使えるようにする
# (必要になったときに import するので、モジュールどうしが import し合っても困らない)。
# ---------------------------------------------------------------------------

_ELSEWHERE = {
    "forward_mode": ("Dual", "derivative", "forward_gradient"),
    "numerical": ("forward_difference", "central_difference", "numerical_gradient"),
    "value_graph": ("to_dot", "text_tree", "draw", "explain_backward"),
}
_MODULE_OF = {name: module for module, names in _ELSEWHERE.items() for name in names}


def __getattr__(name):
    if name in _MODULE_OF:
        return getattr(importlib.import_module(f"{__package__}.{_MODULE_OF[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_MODULE_OF))
