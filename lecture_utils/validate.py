"""Input checks for the teaching engine, with short Japanese messages.

The engine's functions stay as the lecture prints them with ``inspect.getsource``;
the checks live here and are applied from outside the bodies:

    @checked   checks a function's arguments by their names (see CHECKS) before the body runs
    @rule      turns the errors ``math`` raises inside a rule (overflow, outside the domain)
               into short Japanese ones: overflow and domain errors are handled here, once

``functools.wraps`` keeps ``inspect.getsource`` showing the undecorated function.
"""
from __future__ import annotations

import functools
import inspect
import numbers


def describe(x) -> str:
    """'str 型の 'abc'' -- the type and a short repr, for messages."""
    shown = repr(x)
    if len(shown) > 40:
        shown = shown[:37] + "..."
    return f"{type(x).__name__} 型の {shown}"


def is_number(x) -> bool:
    """int, float or another real number type (NumPy's), but not bool."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def engine_type(x) -> type | None:
    """Value or Dual when x is one of them (imported here, when needed: they import this module)."""
    from .autodiff import Value
    from .forward_mode import Dual

    return type(x) if isinstance(x, (Value, Dual)) else None


def number(x, where: str) -> float:
    """x as a float, or a Japanese TypeError saying that ``where`` wants a number."""
    if type(x) is float:
        return x
    if is_number(x):
        return float(x)
    if hasattr(x, "item"):
        hint = " (tensor や NumPy 配列なら .item() で数に直せます)"
    elif engine_type(x) is not None and type(x).__name__ != where:
        hint = " (Value と Dual は混ぜて計算できません。どちらかにそろえてください)"
    else:
        hint = ""
    raise TypeError(f"{where} には数 (int か float) を渡してください。渡されたのは {describe(x)} です{hint}。")


def label(text) -> str:
    if not isinstance(text, str):
        raise TypeError(f"label には文字列を渡してください。渡されたのは {describe(text)} です。")
    return text


# --- checks by argument name, for @checked ----------------------------------------

class _ReturnsNumber:
    """f, checked to return a number, or a Value/Dual when it is given Values/Duals."""

    __slots__ = ("f",)

    def __init__(self, f):
        self.f = f

    def __call__(self, *args):
        y = self.f(*args)
        first = args[0] if args else None
        if isinstance(first, list) and first:
            first = first[0]
        if type(y) is float or type(y) is type(first) or is_number(y):
            return y
        kind = engine_type(first)
        expected = "数" if kind is None else f" {kind.__name__} か数"
        raise TypeError(f"f は{expected}を返す必要があります。返ってきたのは {describe(y)} です。")


def _function(f, where: str):
    if not callable(f):
        raise TypeError(f"{where} の最初の引数には関数を渡してください。渡されたのは {describe(f)} です。")
    return _ReturnsNumber(f)


def _point(xs, where: str) -> list:
    if isinstance(xs, (str, bytes)) or not hasattr(xs, "__len__") or len(xs) == 0:
        raise TypeError(f"{where} の xs には数のリスト (例: [1.0, 2.0]) を渡してください。"
                        f"渡されたのは {describe(xs)} です。")
    return [number(x, f"{where} の xs の要素") for x in xs]


def _step(h, where: str) -> float:
    h = number(h, "h")
    if not h > 0:
        raise ValueError(f"h は正の数にしてください (h = {h:g})。")
    return h


def _one_of(name: str, choices: dict):
    """A check that the argument ``name`` is one of ``choices`` (value -> what it means)."""
    listed = "、".join(f'"{value}" ({meaning})' for value, meaning in choices.items())

    def check(value, where: str):
        if value not in choices:
            raise ValueError(f"{name} は {listed} のどれかにしてください (渡されたのは {value!r})。")
        return value

    return check


def _value(y, where: str):
    from .autodiff import Value

    if not isinstance(y, Value):
        raise TypeError(f"{where} には Value を渡してください。渡されたのは {describe(y)} です。")
    return y


def _count(n, where: str) -> int:
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"{where} の行数には 1 以上の整数を渡してください (渡されたのは {n!r})。")
    return n


CHECKS = {
    "f": _function,
    "x": lambda x, where: number(x, f"{where} の x"),
    "xs": _point,
    "h": _step,
    "method": _one_of("method", {"forward": "前進差分", "central": "中心差分"}),
    "y": _value,
    "root": _value,
    "max_lines": _count,
    "rankdir": _one_of("rankdir", {"LR": "左から右", "TB": "上から下"}),
}


def checked(func):
    """Check ``func``'s arguments by their names (CHECKS) before its body runs.

    A ``*xs`` parameter gets each of its values checked as a number. Calls with the
    arguments in order take a short path; others go through ``inspect.Signature.bind``.
    """
    signature = inspect.signature(func)
    where = func.__name__
    in_order = [p for p in signature.parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
    checks = [CHECKS.get(p.name) for p in in_order]
    required = sum(p.default is p.empty for p in in_order)
    star = any(p.kind is p.VAR_POSITIONAL for p in signature.parameters.values())

    def check_all(args, kwargs):
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as e:
            raise TypeError(f"{where}{signature} の引数が合いません ({e})。") from None
        for name, value in bound.arguments.items():
            if signature.parameters[name].kind is inspect.Parameter.VAR_POSITIONAL:
                bound.arguments[name] = tuple(number(v, f"{where} の入力") for v in value)
            elif name in CHECKS:
                bound.arguments[name] = CHECKS[name](value, where)
        return bound.args, bound.kwargs

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if kwargs or len(args) < required or (len(args) > len(in_order) and not star):
            args, kwargs = check_all(args, kwargs)
        else:
            rest = [number(v, f"{where} の入力") for v in args[len(in_order):]]
            args = [v if check is None else check(v, where) for v, check in zip(args, checks)] + rest
        return func(*args, **kwargs)

    return wrapper


# --- math's errors inside rules, handled once ----------------------------------------

DOMAINS = {
    "log": "log は正の数にしか使えません",
    "power": "0 の負の累乗や、負の数の整数でない累乗は実数になりません",
}


def _call(name: str, args) -> str:
    """How the failed computation reads: exp(1000), (-8) ** 0.5, 1 / 0."""
    if name == "power":
        base = f"({args[0]:g})" if args[0] < 0 else f"{args[0]:g}"
        return f"{base} ** {args[1]:g}"
    if name == "divide":
        return f"{args[0]:g} / {args[1]:g}"
    return f"{name}({args[0]:g})"


def rule(f):
    """Mark ``f`` as a rule (value, derivative); math's errors inside it become Japanese."""
    name = f.__name__.removesuffix("_rule")

    @functools.wraps(f)
    def wrapper(*args):
        try:
            return f(*args)
        except OverflowError:
            raise OverflowError(f"{_call(name, args)} は大きすぎて float で表せません。") from None
        except ZeroDivisionError:
            raise ZeroDivisionError(f"{_call(name, args)}: 0 で割ることはできません。") from None
        except ValueError:
            domain = DOMAINS.get(name, f"{name} の定義域の外です")
            raise ValueError(f"{_call(name, args)} は定義されていません ({domain})。") from None
        except TypeError:           # a rule gets floats from the engine: only an exponent can be wrong
            raise TypeError(f"** の指数には数 (int か float) を使ってください。渡されたのは {describe(args[-1])} です "
                            "(a ** b は (b * a.log()).exp() と書けます)。") from None

    return wrapper
