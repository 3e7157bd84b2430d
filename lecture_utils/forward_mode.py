"""forward モードの自動微分: 二重数 (dual number) primal + tangent·ε (ε² = 0)。

    y = f(Dual(2.0, 1.0))    # x = 2 + 1ε を入れて 1 回計算するだけで
    y.primal, y.tangent      # f(2) と f'(2) が同時に求まる

基本的な関数の規則 (sin_rule など) は、reverse モードの Value と同じもの (autodiff.py) を使います。
"""
from __future__ import annotations

from .autodiff import RULES, Value, divide_rule, power_rule
from .numerical import GradientResult, counted
from .validate import checked
from .validate import number as _valid_number


class Dual:
    """二重数 primal + tangent·ε (ε² = 0)。

    名前は PyTorch の forward モード (torch.autograd.forward_ad.make_dual(primal, tangent)) と同じ:
    primal (主値) が値、tangent (接ベクトル) が ε の係数。Dual(x, 1.0) を f に入れると、
    f(x + 1ε) = f(x) + f'(x)ε なので、結果の primal が f(x)、tangent が f'(x) になる。
    """

    __slots__ = ("primal", "tangent")

    def __init__(self, primal, tangent=0.0):
        self.primal = _valid_number(primal, "Dual")
        self.tangent = _valid_number(tangent, "Dual")

    def __add__(self, other):                   # 足し算: (a + bε) + (c + dε) = (a + c) + (b + d)ε
        other = other if isinstance(other, Dual) else Dual(other)   # 数 c は c + 0ε
        return Dual(self.primal + other.primal, self.tangent + other.tangent)

    def __sub__(self, other):                   # 引き算: (a + bε) - (c + dε) = (a - c) + (b - d)ε
        other = other if isinstance(other, Dual) else Dual(other)
        return Dual(self.primal - other.primal, self.tangent - other.tangent)

    def __mul__(self, other):                   # ε² = 0 なので (a + bε)(c + dε) = ac + (ad + bc)ε
        other = other if isinstance(other, Dual) else Dual(other)
        a, b, c, d = self.primal, self.tangent, other.primal, other.tangent
        return Dual(a * c, a * d + b * c)

    def __truediv__(self, other):               # 連鎖律で (a + bε)/(c + dε) = a/c + (b/c - a d/c²)ε
        other = other if isinstance(other, Dual) else Dual(other)
        y, (da, dc) = divide_rule(self.primal, other.primal)   # ∂(a/c)/∂a = 1/c, ∂(a/c)/∂c = -a/c²
        return Dual(y, da * self.tangent + dc * other.tangent)

    def __pow__(self, n):                       # 二項定理と ε² = 0 で (a + bε)^n = a^n + n a^(n-1) b ε
        y, slope = power_rule(self.primal, n)
        return Dual(y, slope * self.tangent)

    def __neg__(self):
        return Dual(-self.primal, -self.tangent)

    __radd__ = __add__                          # 2 + x = x + 2, 2 * x = x * 2: 二重数の足し算と掛け算は順番によらない
    __rmul__ = __mul__

    def __rsub__(self, other):
        return Dual(other) - self

    def __rtruediv__(self, other):
        return Dual(other) / self

    def __rpow__(self, other):
        raise TypeError("数 ** Dual (例: 2 ** x) は扱いません。"
                        "(x * math.log(2)).exp() のように exp で書いてください。")

    def _apply(self, name):                     # f(a + bε) = f(a) + f'(a) b ε: 規則が f(a) と f'(a) をくれる
        y, slope = RULES[name](self.primal)
        return Dual(y, slope * self.tangent)

    def __float__(self):
        raise TypeError("Dual は float の代わりには使えません。math.sin(x) ではなく x.sin() か autodiff.sin(x) を、"
                        "** の指数には数を使ってください (値は x.primal)。")

    def __repr__(self):
        return f"Dual(primal={self.primal!r}, tangent={self.tangent!r})"


# x.exp(), x.sin() などは Value のものをそのまま使う: どれも規則の名前で self._apply を呼ぶだけ。
for _name in RULES:
    setattr(Dual, _name, getattr(Value, _name))
del _name


@checked
def derivative(f, x) -> float:
    """f'(x) を forward モードで求める: 二重数 x + 1ε を f に入れて 1 回計算し、ε の係数を取り出す。"""
    y = f(Dual(x, 1.0))
    return y.tangent if isinstance(y, Dual) else 0.0   # 数が返ったら f は定数: 微分は 0


@checked
def forward_gradient(f, xs) -> GradientResult:
    """The gradient of f(xs) by forward mode: one evaluation per input (x_i gets tangent 1)."""
    f = counted(f)
    grad = []
    for i in range(len(xs)):
        y = f([Dual(x, 1.0 if j == i else 0.0) for j, x in enumerate(xs)])
        grad.append(y.tangent if isinstance(y, Dual) else 0.0)
    return GradientResult(grad, f.calls)
