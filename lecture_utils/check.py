"""The exercises' offline judge: one check per exercise, Japanese verdicts, never raises.

    from lecture_utils import check
    check.ex1_1(x)          # prints a verdict, returns True or False
    check.hint("1-1")       # hint 1: points the way without giving the answer
    check.hint("1-1", 2)    # hint 2: more concrete
    check.reveal("1-1")     # the official solution (lecture_utils/solutions.json)

A check grades only what it can verify: types, shapes, values and gradients that it
recomputes with torch. Free text is never graded. A verdict names a mistake only when the
answer's type, shape or values show it (a computed mistake is re-run by the judge and
compared); a likely cause is asked as a question, not stated as a fact.

Each exercise is one decorated function. Its name gives the id (``ex1_1`` -> "1-1",
``final`` -> "final") and the title; the decorator holds the hints. Set ``check.DEBUG``
(or the environment variable LECTURE_CHECK_DEBUG=1) to let the judge's own errors raise
instead of becoming a 「判定できませんでした」 verdict.
"""
from __future__ import annotations

import difflib
import inspect
import json
import math
import numbers
import os
import re
import unicodedata
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources

import numpy as np
import torch

NO_ANSWER = "まだ解答がありません"
PLACEHOLDER = "# ここに解答を書いてください"  # the line tools/author.py puts where a solution was
TOL = 1e-4            # accepted absolute difference for numbers the judge recomputes
FINAL_TOL_X = 1e-3    # 最終問題: accepted distance from the true minimiser
FINAL_TOL_F = 1e-4    # 最終問題: accepted gap between fx and f at the submitted x
DEBUG = os.environ.get("LECTURE_CHECK_DEBUG", "") not in ("", "0")


@dataclass(frozen=True)
class Exercise:
    id: str
    func: Callable[..., bool]
    hints: tuple[str, ...]

    @property
    def title(self) -> str:
        return "最終問題" if self.id == "final" else f"演習{self.id}"

    @property
    def params(self) -> list[str]:
        return list(inspect.signature(self.func).parameters)

    @property
    def call(self) -> str:
        return f"check.{self.func.__name__}({', '.join(self.params)})"


EXERCISES: dict[str, Exercise] = {}


class _Wrong(Exception):
    """A known mistake: the message says what the answer shows and what to do."""


class _NoAnswer(Exception):
    """Some answer is still ``None``: args are the parameter names."""


def _id_of(func_name: str) -> str:
    """ex1_1 -> "1-1"; final -> "final"."""
    return func_name[2:].replace("_", "-") if func_name.startswith("ex") else func_name


def _exercise(*hints: str, if_none: str = ""):
    """Register a grading function as a public check that prints one verdict and returns bool.

    The grading function returns the text after ✅ and raises _Wrong for a mistake.
    ``if_none`` is added to the 📝 message (e.g. where a ``None`` can come from).
    """
    def register(grade):
        ex_id = _id_of(grade.__name__)
        signature = inspect.signature(grade)

        def check(*args, **kwargs) -> bool:
            return _judge(EXERCISES[ex_id], grade, signature, args, kwargs, if_none)

        check.__name__ = check.__qualname__ = grade.__name__
        check.__module__ = grade.__module__
        check.__signature__ = signature.replace(return_annotation=bool)
        check.__doc__ = (
            f"{inspect.cleandoc(grade.__doc__ or '')}\n\n"
            "正解なら ✅ と説明を表示して True を、そうでなければ ❌ と理由 (まだ答えがなければ 📝) を"
            "表示して False を返します。どんな答えを渡しても例外は出しません。\n"
            f'ヒント: check.hint("{ex_id}")、check.hint("{ex_id}", 2)。解答例: check.reveal("{ex_id}")。')
        EXERCISES[ex_id] = Exercise(ex_id, check, hints)
        return check
    return register


def _judge(ex: Exercise, grade, signature, args, kwargs, if_none: str) -> bool:
    hint_line = f'\n   (困ったら check.hint("{ex.id}") でヒントを表示できます)'
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError:
        _say(f"❌ {ex.title}: 答えの渡し方が違います。{ex.call} のように、{len(ex.params)} 個の答えを"
             "この順に渡してください。")
        return False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a verdict never comes with torch's warnings
            missing = [name for name, value in bound.arguments.items() if value is None]
            if missing:
                raise _NoAnswer(*missing)
            verdict = grade(*bound.args)
    except _NoAnswer as e:
        _say(f"📝 {ex.title}: {NO_ANSWER} ({'、'.join(e.args)} が None のままです)。"
             f"「{PLACEHOLDER}」の行 ({ex.params[0]} = None の行より下) に解答を書いて、"
             f"このセルをもう一度実行してください。{if_none}")
        return False
    except _Wrong as e:
        _say(f"❌ {ex.title}: {e}{hint_line}")
        return False
    except Exception as e:  # noqa: BLE001 - the judge never raises on an answer
        if DEBUG:
            raise
        _say(f"❌ {ex.title}: この答えは判定できませんでした (判定の途中で {_type_name(e)} が起きました)。"
             f"{ex.call} に、問題文のとおりの答え (Tensor や数) を渡しているか確かめてください。"
             "\n   (講師・作者の方へ: check.DEBUG = True にして実行し直すと、エラーの詳細が表示されます)")
        return False
    _say(f"✅ {ex.title}: {verdict}")
    return True


def _right(text: str) -> str:
    return f"正解です! {text}"


def _say(text: str) -> None:
    try:
        print(text)
    except Exception:  # noqa: BLE001 - a broken stdout must not turn into a traceback
        pass


def _type_name(obj) -> str:
    try:
        return type(obj).__name__
    except Exception:  # noqa: BLE001 - a hostile metaclass
        return "?"


def _safe_repr(obj, limit: int = 40) -> str:
    """repr(obj), shortened; a stand-in text when repr itself fails."""
    try:
        text = repr(obj)
        if not isinstance(text, str):
            raise TypeError
    except Exception:  # noqa: BLE001 - any object, any failure
        return f"({_type_name(obj)} 型のオブジェクト)"
    return text if len(text) <= limit else text[:limit] + "…"


# --- describing answers ----------------------------------------------------------------

def _fmt_number(v: float) -> str:
    if isinstance(v, float) and math.isfinite(v) and v == round(v) and abs(v) < 1e15:
        return f"{v:.1f}"
    return f"{v:.6g}"


def _describe(t: torch.Tensor) -> str:
    """A short text of a tensor's values (never the whole of a big tensor)."""
    t = t.detach()
    if t.is_complex() or t.numel() == 0:
        return f"形 {_shape(t)} の Tensor"
    if t.numel() > 12:  # its first values and its last one, enough to compare with the task
        flat = t.to("cpu", torch.float64).reshape(-1).tolist()
        head = ", ".join(_fmt_number(v) for v in flat[:3])
        return f"形 {_shape(t)} の Tensor (先頭から {head}, …、最後は {_fmt_number(flat[-1])})"
    vals = t.to("cpu", torch.float64).reshape(-1).tolist()
    if t.dim() == 0:
        return _fmt_number(vals[0])
    return "[" + ", ".join(_fmt_number(v) for v in vals) + "]" + (
        f" (形 {_shape(t)})" if t.dim() > 1 else "")


def _shape(t) -> str:
    dims = tuple(int(n) for n in (t.shape if isinstance(t, torch.Tensor) else t))
    return "(" + ", ".join(str(n) for n in dims) + (",)" if len(dims) == 1 else ")")


def _shapes_text(shapes) -> str:
    return " か ".join(_shape(s) for s in shapes)


def _same_tensor(a: torch.Tensor, b: torch.Tensor, tol: float = TOL) -> bool:
    """Same shape and all values within ``tol`` (plus 1e-5 relative); NaN never matches."""
    if tuple(a.shape) != tuple(b.shape):
        return False
    a = a.detach().to("cpu", torch.float64)
    b = b.detach().to("cpu", torch.float64)
    return bool(torch.allclose(a, b, rtol=1e-5, atol=tol))


def _same_number(a: float, b: float, tol: float = TOL) -> bool:
    """|a - b| <= tol (the tolerance the messages state); NaN never matches."""
    return math.isfinite(a) and abs(a - b) <= tol


def _same_numbers(a, b, tol: float = TOL) -> bool:
    return len(a) == len(b) and all(_same_number(x, y, tol) for x, y in zip(a, b))


def _nonfinite(t: torch.Tensor) -> bool:
    return not bool(torch.isfinite(t.detach().to("cpu", torch.float64)).all())


def _plain_values(obj) -> torch.Tensor | None:
    """The values of a Python/NumPy number or (nested) list/tuple/array of numbers, else None."""
    if isinstance(obj, (bool, str, bytes)) or isinstance(obj, torch.Tensor):
        return None
    if not isinstance(obj, (numbers.Real, list, tuple, np.ndarray, np.generic)):
        return None
    try:
        return torch.tensor(obj, dtype=torch.float64)
    except Exception:  # noqa: BLE001 - ragged, recursive, huge, non-numeric
        return None


def _digits(obj) -> int | None:
    """Decimal places of a hand-written-looking number (shortest text), else None."""
    try:
        if isinstance(obj, torch.Tensor):
            value = obj.detach().to("cpu").reshape(()).item()
            value = np.float32(value) if obj.dtype in (torch.float32, torch.float16, torch.bfloat16) else value
        elif isinstance(obj, (numbers.Real, np.generic)) and not isinstance(obj, bool):
            value = float(obj) if isinstance(obj, numbers.Integral) else obj
        else:
            return None
        text = np.format_float_positional(value, trim="-")
    except Exception:  # noqa: BLE001 - not a plain number
        return None
    places = len(text.split(".")[1]) if "." in text else 0
    return places if places <= 6 else None


def _rounding_note(obj, value: float, right: float, tol: float, name: str, what: str = "正しい値") -> str | None:
    """The message for an answer that misses only because it was rounded, else None."""
    places = _digits(obj)
    if places is None or abs(value - right) <= tol or abs(value - right) > 0.5 * 10.0 ** -places + 1e-12:
        return None
    where = "整数" if places == 0 else f"小数第 {places} 位"
    return (f"{name} = {_fmt_number(value) if places == 0 else f'{value:.{places}f}'} は、{what}を{where}で"
            f"丸めた値と同じです。判定の許容誤差は {tol:g} ({what}との差が {tol:g} 以下なら正解) です。"
            "print で表示された数を書き写すと表示の桁で丸められるので、計算した値 (変数) をそのまま渡しましょう。")


# --- answers that must be tensors --------------------------------------------------------

def _require_tensor(obj, name: str, example: str, known: tuple[tuple[torch.Tensor, str], ...] = ()) -> torch.Tensor:
    """``obj`` as a plain tensor, or raise the message for what it is instead.

    ``known`` pairs values with a message for a non-tensor answer that has those values
    (for example the gradient passed as a number instead of the leaf).
    """
    if isinstance(obj, torch.Tensor):
        if obj.layout != torch.strided or obj.device.type == "meta":
            raise _Wrong(f"{name} が特別な種類の Tensor ({obj.layout}, {obj.device.type}) です。"
                         f"{example} のように作った、ふつうの Tensor を渡してください。")
        return obj
    values = _plain_values(obj)
    if values is not None:
        for value, message in known:
            if values.numel() == value.numel() and _same_tensor(values.reshape(-1), value.reshape(-1)):
                raise _Wrong(message)
    if isinstance(obj, str):
        raise _Wrong(f"{name} が文字列 (str) です。文字列ではなく、{example} のように Tensor を作りましょう。")
    if isinstance(obj, (list, tuple)):
        kind = "リスト" if isinstance(obj, list) else "タプル"
        raise _Wrong(f"{name} が{kind}のままです。{kind}を torch.tensor(..., requires_grad=True) に渡して "
                     f"Tensor にしましょう (例: {example})。")
    if isinstance(obj, (np.ndarray, np.generic)):
        raise _Wrong(f"{name} が NumPy の配列/数です。torch.tensor(..., requires_grad=True) で "
                     f"PyTorch の Tensor にしましょう (例: {example})。")
    if isinstance(obj, bool):
        raise _Wrong(f"{name} が True/False (bool) です。{example} のように Tensor を作りましょう。")
    if isinstance(obj, numbers.Number):
        raise _Wrong(f"{name} が Python の数 ({_type_name(obj)}) です。勾配を記録できるのは Tensor だけです。"
                     f"{example} のように作りましょう。")
    raise _Wrong(f"{name} が Tensor ではありません ({_type_name(obj)} 型です)。{example} のように作りましょう。")


def _check_dtype(t: torch.Tensor, name: str, example: str, int_hint: str = "") -> None:
    if t.dtype == torch.bool:
        raise _Wrong(f"{name} の型が真偽値 (torch.bool) です。{example} のように小数で書きましょう。")
    if t.is_complex():
        raise _Wrong(f"{name} が複素数 ({t.dtype}) です。この問題は実数です: {example}")
    if not t.is_floating_point():
        raise _Wrong(f"{name} の型が整数 ({t.dtype}) です。勾配を計算できるのは浮動小数点数 (と複素数) の "
                     "Tensor だけです。" + (int_hint or "3 ではなく 3.0 のように小数点を付けて書くか、"
                                            f"dtype=torch.float32 を指定しましょう (例: {example})。"))


def _require_leaf(t: torch.Tensor, name: str, example: str) -> None:
    if t.grad_fn is not None:
        raise _Wrong(f"{name} は計算の結果 (grad_fn={_type_name(t.grad_fn)}) で、葉 (leaf) の Tensor ではありません。"
                     "requires_grad=True を付けた後に reshape や足し算・掛け算などの計算をすると、結果は葉でなくなり "
                     f"{name}.grad が入りません。{example} のように直接作るか、計算を済ませてから "
                     ".requires_grad_() を呼びましょう。")


@dataclass(frozen=True)
class _Shapes:
    """What to say about a wrong shape: a message per shape, and one for 'same size, other shape'.

    Messages may use {name} and {shape} (the answer's shape).
    """
    by_shape: Mapping[tuple[int, ...], str] = field(default_factory=dict)
    same_size: str = ""

    def message(self, t: torch.Tensor, name: str, accepted: tuple[tuple[int, ...], ...]) -> str:
        shape = tuple(t.shape)
        text = self.by_shape.get(shape) or (self.same_size if t.numel() == math.prod(accepted[0]) else "")
        text = text or f"{{name}} の形 (shape) が {{shape}} です。この問題の答えは形 {_shapes_text(accepted)} です。"
        return text.format(name=name, shape=_shape(shape))


def _created_tensor(obj, name: str, expected: torch.Tensor, example: str, shapes: _Shapes = _Shapes(),
                    value_hints: tuple[tuple[torch.Tensor, str], ...] = (), no_grad_hint: str = "",
                    int_hint: str = "") -> str:
    """Check a freshly created tensor (演習1): type, dtype, shape, values, requires_grad, leaf."""
    t = _require_tensor(obj, name, example)
    _check_dtype(t, name, example, int_hint)
    if tuple(t.shape) != tuple(expected.shape):
        raise _Wrong(shapes.message(t, name, (tuple(expected.shape),)))
    if _nonfinite(t):
        raise _Wrong(f"{name} に nan や inf が入っています。問題の値をそのまま書きましょう。")
    if not _same_tensor(t, expected):
        for value, message in value_hints:
            if _same_tensor(t, value):
                raise _Wrong(message)
        raise _Wrong(f"{name} の値が違います。あなたの値: {_describe(t)}、問題の値: {_describe(expected)}。")
    if not t.requires_grad:
        raise _Wrong(no_grad_hint or f"{name} の値は合っていますが、requires_grad=True が付いていません "
                     f"(勾配を計算できる Tensor になっていません)。例: {example}")
    _require_leaf(t, name, example)
    return _shape(t)


# --- 演習1: tensors that can hold a gradient --------------------------------------------

def _float_tensor(data) -> torch.Tensor:
    return torch.tensor(data, dtype=torch.float32)


@_exercise(
    "ノートブック 2 の「スカラ」の例を見返しましょう。torch.tensor の第一引数に何を渡すと、"
    "0 次元 (ただの数) の Tensor になりますか?",
    "勾配を計算したい Tensor には requires_grad=True を付けます。値は小数点を付けて書き、[ ] では囲みません "
    "(囲むと要素 1 個のベクトルになります)。作ったら x.shape が torch.Size([]) か確かめましょう。")
def ex1_1(x) -> str:
    """演習1-1: x = 3.0 を、勾配を計算できるスカラの Tensor として作り、check.ex1_1(x) に渡します。"""
    _created_tensor(x, "x", _float_tensor(3.0), "torch.tensor(3.0, requires_grad=True)", _Shapes(
        {(1,): "x の形が (1,) です。[3.0] のように [ ] で囲むと要素 1 個のベクトルになります。"
               "スカラは [ ] なしで作ります。"},
        same_size="x の形が {shape} です。スカラ (形 ()) は [ ] で囲まずに作ります。"))
    return _right("x はスカラ (0 次元、形 ()) の Tensor です。")


@_exercise(
    "ベクトルは 1 次元の Tensor です。ノートブック 2 の「ベクトル」の例のように、torch.tensor の第一引数に "
    "Python のリストを渡します。",
    "リストは [ ] 一重で、中に 3 つの小数を並べます。requires_grad=True も忘れずに。x.shape が "
    "torch.Size([3]) になれば形は合っています。")
def ex1_2(x) -> str:
    """演習1-2: ベクトル (3.0, 4.0, 5.0) を、勾配を計算できる Tensor として作り、check.ex1_2(x) に渡します。"""
    _created_tensor(x, "x", _float_tensor([3.0, 4.0, 5.0]), "torch.tensor([3.0, 4.0, 5.0], requires_grad=True)",
                    _Shapes(same_size="x の形が {shape} です。ベクトルは [ ] 一重のリストから作り、形は (3,) です "
                                      "([[ ]] 二重にすると行列になります)。"))
    return _right("x は形 (3,) のベクトルです。")


@_exercise(
    "行列は「行のリスト」を並べたリストで表します。内側のリスト 1 つが、行列の 1 行です "
    "(ノートブック 2 の「行列」)。",
    "2 行 3 列なので、3 つの小数の入ったリストが 2 つ、それをさらに [ ] で囲みます。X.shape が "
    "torch.Size([2, 3]) になれば形は合っています。")
def ex1_3(X) -> str:
    """演習1-3: 2 行 3 列の行列 [[3, 4, 5], [6, 7, 8]] を、勾配を計算できる Tensor として作り、
    check.ex1_3(X) に渡します。"""
    _created_tensor(X, "X", _float_tensor([[3.0, 4.0, 5.0], [6.0, 7.0, 8.0]]),
                    "torch.tensor([[3.0, 4.0, 5.0], [6.0, 7.0, 8.0]], requires_grad=True)", _Shapes(
                        {(3, 2): "X の形が (3, 2) です。行と列が入れ替わっています。1 行目 [3.0, 4.0, 5.0]、"
                                 "2 行目 [6.0, 7.0, 8.0] の 2 行 3 列 (形 (2, 3)) にしましょう。"},
                        same_size="X の形が {shape} です。行列は [[1 行目], [2 行目]] のように二重の [ ] で書き、"
                                  "形 (2, 3) にしましょう。"))
    return _right("X は 2 行 3 列 (形 (2, 3)) の行列です。")


def _integer_requires_grad_error() -> BaseException | None:
    """The exception torch raises for an integer tensor with requires_grad (found by trying)."""
    try:
        torch.tensor(3, requires_grad=True)
    except Exception as e:  # noqa: BLE001 - we want whichever class torch uses
        return e
    return None


# The model reason of 演習1-4 and what a good reason contains (shown, never graded).
REASON_1_4 = ("勾配を計算できる (requires_grad=True にできる) のは浮動小数点数と複素数の Tensor だけで、"
              "3 と書くと整数 (torch.int64) の Tensor になるから。")
KEY_POINTS_1_4 = (
    "勾配を持てるのは浮動小数点数型 (float) と複素数型 (complex) の Tensor だけ",
    "小数点のない 3 から作った Tensor は整数型 torch.int64 になる",
    "微分は「値を少しだけ動かしたときの変化」なので、とびとびの値しかない整数では考えない",
    "直し方: 3.0 と書くか、dtype=torch.float32 を指定する",
)


def _error_name(error) -> str:
    """The exception class name in ``error`` (a class, an instance or a text starting with the name)."""
    if isinstance(error, type) and issubclass(error, BaseException):
        return error.__name__
    if isinstance(error, BaseException):
        return type(error).__name__
    if isinstance(error, str):
        m = re.match(r"\s*([A-Za-z_][\w.]*)", error)
        return m.group(1).split(".")[-1] if m else ""
    raise _Wrong(f"error には例外クラス (例: ValueError) か、その名前の文字列 (例: \"ValueError\") を入れてください "
                 f"(今は {_type_name(error)} 型です)。")


@_exercise(
    "まず torch.tensor(3, requires_grad=True) を実際に実行してみましょう。問題文にある try / except の書き方を"
    "使うと、止まらずにエラーの種類とメッセージを表示できます。",
    "エラーの最後の行は「〜Error: 概要」の形です。error には「〜Error」の部分を入れます。reason には、概要の英文 "
    "(floating point、complex dtype という言葉) が何を言っているか、なぜ 3 ではだめなのかを自分の言葉で書きます。")
def ex1_4(error, reason) -> str:
    """演習1-4: torch.tensor(3, requires_grad=True) で出るエラーの種類 error と、その理由 reason (文章) を
    check.ex1_4(error, reason) に渡します。

    判定するのは error (例外クラスかその名前) です。reason は中身を自動では判定せず (空でない文字列かだけを
    確かめます)、解答例と要点を表示します。
    """
    raised = _integer_requires_grad_error()
    if raised is None:
        raise _Wrong("この版の PyTorch では整数の Tensor にも requires_grad が付けられました。講師に知らせてください。")
    expected = type(raised)
    name = _error_name(error)
    if name != expected.__name__:
        if isinstance(error, type) and issubclass(expected, error):
            raise _Wrong(f"{name} は、いろいろなエラーをまとめた親のクラスです。実際に出たエラーの、"
                         "もっと具体的な種類 (最後の行の「〜Error」) を入れましょう。")
        if name.lower() == expected.__name__.lower():
            raise _Wrong(f"error の名前 {name!r} は大文字・小文字が違います。"
                         "Python の名前は大文字・小文字を区別します。")
        if isinstance(error, str) and re.sub(r"\s", "", error).lower() == expected.__name__.lower():
            raise _Wrong("error の名前に空白が入っています。〜Error の部分を空白なしでそのまま書きましょう。")
        if isinstance(error, str) and " " in error.strip() and not name.endswith(("Error", "Exception")):
            raise _Wrong("error にはエラーの種類 (最後の行の「〜Error」の部分) だけを入れます。"
                         "エラーメッセージの文章は reason の参考にしましょう。")
        if not name:
            raise _Wrong("error が空です。エラーの種類 (〜Error の部分) を入れましょう。" if not str(error).strip() else
                         "error には、エラーの種類 (最後の行の「〜Error」の部分。英語の名前) を入れます。")
        if difflib.SequenceMatcher(None, name, expected.__name__).ratio() >= 0.8:
            raise _Wrong(f"error の {name!r} は、実際に出るエラーの名前とつづりが少し違います。"
                         "エラーの最後の行から、そのまま写しましょう。")
        raise _Wrong(f"error が {name} になっていますが、実際に出るエラーの種類は違います。"
                     "torch.tensor(3, requires_grad=True) を実行して、最後の行の「〜Error」の部分を見ましょう。")
    if not isinstance(reason, str):
        raise _Wrong(f"error は合っています。reason は文章 (文字列) で書いてください "
                     f"(今は {_type_name(reason)} 型です)。")
    if not reason.strip():
        raise _Wrong("error は合っています。reason が空です。なぜエラーになるのかを、自分の言葉で一行書きましょう。")
    points = "\n".join(f"   ・{p}" for p in KEY_POINTS_1_4)
    return (f"error は正解です ({expected.__name__}: {raised})。\n"
            "   reason は文章なので、自動では判定しません。"
            "あなたの reason を、解答例と要点に照らして確かめてください。\n"
            f"   あなたの reason: {reason.strip()[:200]}\n"
            f"   解答例: {REASON_1_4}\n"
            f"   要点:\n{points}")


_EX1_5 = torch.arange(1, 101, dtype=torch.float32).reshape(10, 10)


@_exercise(
    "上から i 番目の行 (i = 0, 1, …, 9。0 番目が 1〜10、1 番目が 11〜20、…) の最初の数と最後の数を、"
    "i で表してみましょう。"
    "演習1-3 と同じく「行のリスト」のリストを作れば、torch.tensor に渡せます。",
    "内側の for で 1 行分のリスト row を作り、外側の for で row を matrix に追加します。matrix.append(row) を"
    "書く字下げの位置に注意しましょう。range(a, b) には b が入らないことにも注意。"
    "別の方法として、torch.arange で 1〜100 を作ってから形を変えることもできます。")
def ex1_5(X) -> str:
    """演習1-5: 1〜100 を 1 行に 10 個ずつ並べた 10×10 行列を、勾配を計算できる Tensor として作り、
    check.ex1_5(X) に渡します。"""
    _created_tensor(
        X, "X", _EX1_5, "torch.tensor(行のリストのリスト, requires_grad=True)",
        _Shapes({
            (100, 10): "X の形が (100, 10) です。matrix.append(row) が内側の for の中に字下げされていて、"
                       "同じ行が 10 回ずつ追加されていませんか (スライドの解答例にもあるバグです)? "
                       "matrix.append(row) は外側の for の中、内側の for の外に書きます。",
            (10, 9): "X の形が (10, 9) で、1 行に 9 個しかありません。range(a, b) は a から b - 1 までで、"
                     "b は入りません。",
            (9, 10): "X の形が (9, 10) で、9 行しかありません。range(a, b) は a から b - 1 までで、b は入りません。",
            (99,): "X の数が 99 個です。range(1, 100) は 1〜99 で、100 は入りません。",
        }, same_size="X の形が {shape} です。数は 100 個ありますが、10 行 10 列 (形 (10, 10)) になっていません。"
                     ".reshape(10, 10) で並べ直しましょう。"),
        value_hints=(
            (_EX1_5 - 1, "X の値が 0 から始まっています (0〜99)。1〜100 にしましょう。"),
            (_EX1_5.T, "X の行と列が入れ替わっています。1 行目が 1, 2, …, 10 になるように並べましょう。"),
        ),
        no_grad_hint="X の値は合っていますが、requires_grad=True が付いていません (スライドの内包表記の解答例も "
                     "requires_grad=True と最後の ) が抜けています)。torch.tensor(..., requires_grad=True) か "
                     "X.requires_grad_() で付けましょう。",
        int_hint="range が作る数は整数です。float(j) のように小数にしてからリストに入れるか、"
                 "torch.tensor(..., dtype=torch.float32, requires_grad=True) と型を指定しましょう "
                 "(torch.arange なら torch.arange(1.0, 101.0))。")
    return _right("X は 1〜100 を並べた 10 行 10 列の行列です。")


# --- 演習3: gradients with backward() ----------------------------------------------------

def _grad_of(fn, *values) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Leaves from ``values`` (float32), backward through fn(*leaves); return (output, grads)."""
    leaves = [torch.as_tensor(v, dtype=torch.float32).detach().clone().requires_grad_(True) for v in values]
    with torch.enable_grad():
        out = fn(*leaves)
        out.sum().backward()
    return out.detach(), [leaf.grad.detach() for leaf in leaves]


def _gave_a_value(name: str, what: str) -> str:
    joint = " " if what[-1].isascii() else ""
    return (f"{name} が Tensor ではなく、{what}{joint}と同じ値の数 (やリスト) です。check には backward() を済ませた "
            f"Tensor の {name} そのものを渡します (check が {name}.grad を読みます)。")


def _check_leaf(obj, name: str, point: torch.Tensor, grad: torch.Tensor, y: torch.Tensor, example: str,
                shapes: tuple[tuple[int, ...], ...] | None = None, shape_hints: _Shapes = _Shapes()) -> torch.Tensor:
    """Check a leaf the student ran backward() through: type, requires_grad, shape and value (not .grad yet).

    ``shapes`` are the accepted shapes (default: the shape of ``point``); the expected values
    are ``point`` in the student's shape.
    """
    t = _require_tensor(obj, name, example, known=(
        (grad, _gave_a_value(name, f"{name}.grad (勾配。{name}.grad.item() や .tolist() の値)")),
        (point, _gave_a_value(name, f"{name} の値")),
        (y, _gave_a_value(name, "関数の値 y"))))
    if t.grad_fn is not None:
        if t.numel() == y.numel() and _same_tensor(t.reshape(-1), y.reshape(-1)):
            raise _Wrong(f"{name} が関数の値 y と同じ値の、計算の結果 (grad_fn={_type_name(t.grad_fn)}) です。"
                         f"y を渡していませんか? check には backward() を済ませた変数 {name} そのものを渡します。")
        raise _Wrong(f"{name} が計算の結果 (grad_fn={_type_name(t.grad_fn)}) で、葉の Tensor ではありません。"
                     f"check には、{example} のように直接作り、backward() を済ませた {name} を渡します。")
    _check_dtype(t, name, example)
    if not t.requires_grad:
        if t.numel() == grad.numel() and _same_tensor(t.reshape(-1), grad.reshape(-1)):
            raise _Wrong(f"{name}.grad を渡していませんか? check には {name} そのものを渡してください "
                         f"(check が {name}.grad を読みます)。")
        raise _Wrong(f"{name} に requires_grad=True が付いていません。これでは backward() しても勾配が記録されません。"
                     f"例: {example}")
    shapes = shapes or (tuple(point.shape),)
    if tuple(t.shape) not in shapes:
        raise _Wrong(shape_hints.message(t, name, shapes))
    if _nonfinite(t) or not _same_tensor(t, point.reshape(t.shape)):
        raise _Wrong(f"{name} の値が {_describe(t)} です。問題の {name} は {_describe(point)} です。")
    return t


def _check_grad(t: torch.Tensor, name: str, grad: torch.Tensor) -> None:
    """Check ``t.grad`` of a leaf that passed ``_check_leaf`` against ``grad`` (same shape as t)."""
    g = t.grad
    if g is None:
        raise _Wrong(f"{name}.grad が None です。y.backward() を実行しましたか? {name} を作り直したあとに "
                     f"backward() をしていないと、新しい {name} には勾配が入っていません。")
    if tuple(g.shape) != tuple(grad.shape) or _nonfinite(g):
        raise _Wrong(f"{name}.grad が {_describe(g)} です。正しい勾配ではありません。関数の式を確かめましょう。")
    if _same_tensor(g, grad):
        return
    if not g.detach().any():
        raise _Wrong(f"{name}.grad がすべて 0 です。backward() のあとで {name}.grad.zero_() を呼んでいませんか? "
                     f"check には、backward() のあとの {name} をそのまま渡します。")
    for k in range(2, 11):
        if _same_tensor(g, k * grad):
            raise _Wrong(f"{name}.grad が正しい値のちょうど {k} 倍です。backward() を {k} 回実行していませんか? "
                         "PyTorch は勾配を上書きせず足し込むので、backward() のセルを何度も実行すると増えていきます。"
                         f"{name} を作るところから実行し直すか、{name}.grad.zero_() で 0 に戻しましょう。")
    if _same_tensor(g, -grad):
        raise _Wrong(f"{name}.grad の符号が正しい値と逆です。関数の式 (足し算・引き算) を確かめましょう。")
    raise _Wrong(f"{name}.grad が {_describe(g)} で、正しい勾配と違います。関数の式を確かめましょう "
                 "(手で微分した値とも比べてみましょう)。")


def _f3_1(x):
    return x ** 2 + 2 * x + 1


@_exercise(
    "定義 → 計算 → backward() の 3 ステップです (ノートブック 3)。まず x を requires_grad=True の Tensor として"
    "作りましょう。",
    "y = x ** 2 + 2 * x + 1 を計算して y.backward() を呼ぶと、x.grad に dy/dx が入ります。check には x.grad では"
    "なく x を渡します。手で微分した値 (2x + 2 に x = 3 を代入) とも比べましょう。")
def ex3_1(x) -> str:
    """演習3-1: y = x² + 2x + 1 を x = 3.0 で計算して y.backward() を済ませた x を、
    check.ex3_1(x) に渡します (check が x.grad を読みます)。"""
    point = _float_tensor(3.0)
    y, (grad,) = _grad_of(_f3_1, point)
    t = _check_leaf(x, "x", point, grad, y, "torch.tensor(3.0, requires_grad=True)", shape_hints=_Shapes(
        {(1,): "x の形が (1,) です。[3.0] のように [ ] で囲むと、要素 1 個のベクトルになります (backward() は"
               "できますが、この問題の x = 3.0 はスカラです)。[ ] なしの torch.tensor(3.0, requires_grad=True) で"
               "作りましょう。"},
        same_size="x の形が {shape} です。この問題の x = 3.0 はスカラ (形 ()) なので、[ ] で囲まずに作ります。"))
    _check_grad(t, "x", grad)
    return _right(f"x.grad = {_describe(t.grad)} (dy/dx = 2x + 2 の x = 3 での値) です。")


def _f3_2(x):
    return x[0] ** 2 + x[1] ** 2 + x[2] ** 2


@_exercise(
    "x は形 (3,) の Tensor 1 つです。x1, x2, x3 は x[0], x[1], x[2] で取り出せます (Python の番号は 0 から)。",
    "y が数 1 つになるように式を書いて y.backward() を呼びます。x.grad は x と同じ形で、各成分にその成分での"
    "偏微分 ∂y/∂xi が入ります。手で計算した 2xi とも比べましょう。")
def ex3_2(x) -> str:
    """演習3-2: y = x1² + x2² + x3² を x = (1.0, 2.0, 3.0) で計算して y.backward() を済ませた x を、
    check.ex3_2(x) に渡します。"""
    point = _float_tensor([1.0, 2.0, 3.0])
    y, (grad,) = _grad_of(_f3_2, point)
    t = _check_leaf(x, "x", point, grad, y, "torch.tensor([1.0, 2.0, 3.0], requires_grad=True)",
                    shape_hints=_Shapes(same_size="x の形が {shape} です。ベクトル x は [ ] 一重のリストから作り、"
                                                  "形 (3,) にしましょう。"))
    _check_grad(t, "x", grad)
    return _right(f"x.grad = {_describe(t.grad)} (∂y/∂xi = 2xi) です。")


EX3_3_W = _float_tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
EX3_3_X1 = _float_tensor([1.0, 2.0])        # a row vector: shape (1, 2) or (2,)
EX3_3_X2 = _float_tensor([1.0, 2.0, 3.0])   # a column vector: shape (3,) or (3, 1)
EX3_3_SHAPES = {"W": ((2, 3),), "x1": ((1, 2), (2,)), "x2": ((3,), (3, 1))}


def _f3_3(W, x1, x2):
    return torch.matmul(torch.matmul(x1, W), x2)


@_exercise(
    "W, x1, x2 の 3 つとも requires_grad=True の Tensor にします。x1 = (1.0, 2.0) は行ベクトル (横)、"
    "x2 = (1.0, 2.0, 3.0)ᵀ は列ベクトル (縦) です。問題文にある形のどれかで作りましょう。",
    "y = torch.matmul(torch.matmul(x1, W), x2) は要素が 1 個の Tensor なので、そのまま y.backward() を呼べます。"
    "W.grad、x1.grad、x2.grad に、それぞれ W、x1、x2 と同じ形の勾配が入ります。")
def ex3_3(W, x1, x2) -> str:
    """演習3-3: y = x1 W x2 を計算して y.backward() を済ませた W, x1, x2 を、check.ex3_3(W, x1, x2) に渡します。

    x1 は形 (1, 2) か (2,)、x2 は形 (3,) か (3, 1) のどちらでも構いません。
    """
    data = {"W": EX3_3_W, "x1": EX3_3_X1, "x2": EX3_3_X2}
    answers = {"W": W, "x1": x1, "x2": x2}
    examples = {"W": "torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)",
                "x1": "torch.tensor([[1.0, 2.0]], requires_grad=True)",
                "x2": "torch.tensor([1.0, 2.0, 3.0], requires_grad=True)"}
    hints = {
        "W": _Shapes({(3, 2): "W の形が (3, 2) です。行と列が入れ替わっています。W は 2 行 3 列 (形 (2, 3)) です。"}),
        "x1": _Shapes({(2, 1): "x1 の形が (2, 1) (列ベクトル、縦) です。x1 = (1.0, 2.0) は行ベクトル (横) なので、"
                               "形 (1, 2) か (2,) で作りましょう。"}),
        "x2": _Shapes({(1, 3): "x2 の形が (1, 3) (行ベクトル、横) です。x2 = (1.0, 2.0, 3.0)ᵀ は列ベクトル (縦) "
                               "なので、形 (3,) か (3, 1) で作りましょう。"}),
    }
    if all(isinstance(t, torch.Tensor) for t in (x1, x2)) and tuple(x1.shape) in EX3_3_SHAPES["x2"] \
            and tuple(x2.shape) in EX3_3_SHAPES["x1"]:
        raise _Wrong(f"x1 の形が {_shape(x1)}、x2 の形が {_shape(x2)} です。x1 と x2 が入れ替わっていませんか? "
                     "check.ex3_3(W, x1, x2) の順に渡しましょう。")
    # Expected values and gradients in the student's own shapes (when those are accepted).
    shaped = {}
    for name, obj in answers.items():
        ok = isinstance(obj, torch.Tensor) and tuple(obj.shape) in EX3_3_SHAPES[name]
        shaped[name] = data[name].reshape(obj.shape if ok else EX3_3_SHAPES[name][0])
    y, grads = _grad_of(_f3_3, shaped["W"], shaped["x1"], shaped["x2"])
    leaves = {name: _check_leaf(answers[name], name, shaped[name], grad, y, examples[name], EX3_3_SHAPES[name],
                                hints[name]) for name, grad in zip(answers, grads)}
    for (name, t), grad in zip(leaves.items(), grads):
        _check_grad(t, name, grad)
    scalar_note = "" if y.dim() == 0 else "要素が 1 個なら、0 次元でなくても backward() を引数なしで呼べます。"
    return _right(f"W.grad、x1.grad、x2.grad はどれも正しい値です。x1 が形 {_shape(leaves['x1'])}、x2 が形 "
                  f"{_shape(leaves['x2'])} のとき y は形 {_shape(y)} (要素 1 個) です。{scalar_note}")


# --- 演習4: gradient descent loops ---------------------------------------------------------

@dataclass(frozen=True)
class _Descent:
    """A gradient-descent exercise: parameters ``names`` start at ``init``; ``steps`` updates of rate ``lr``."""
    names: tuple[str, ...]
    init: tuple[float, ...]
    lr: float
    steps: int
    loss: Callable[..., torch.Tensor]
    mean_of: int = 1  # the loss is a mean over this many terms (a sum would be this many times larger)
    objective: str = "損失"  # what the student calls the minimised function

    @property
    def settings(self) -> str:
        start = "、".join(f"{n} = {v}" for n, v in zip(self.names, self.init))
        return f"初期値 {start}、lr = {self.lr}、更新 {self.steps} 回"


_LR_CANDIDATES = (0.001, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0)


def _always(step: int, k: int) -> bool:
    return True


def _trajectory(d: _Descent, lr: float | None = None, steps: int | None = None,
                zero: Callable[[int, int], bool] = _always, scale: float = 1.0,
                dtype=torch.float32) -> list[tuple[float, ...]]:
    """Parameters after each update (index 0: the start) of plain gradient descent on d.loss.

    ``zero(step, k)`` says whether parameter k's gradient is set back to 0 after that step.
    """
    lr = d.lr if lr is None else lr
    params = [torch.tensor(v, dtype=dtype, requires_grad=True) for v in d.init]
    path = [tuple(float(v) for v in d.init)]
    with torch.enable_grad():
        for step in range(d.steps if steps is None else steps):
            (scale * d.loss(*params)).backward()
            with torch.no_grad():
                for p in params:
                    p -= lr * p.grad
            for k, p in enumerate(params):
                if zero(step, k):
                    p.grad.zero_()
            path.append(tuple(p.item() for p in params))
    return path


@cache
def _right_path(d: _Descent) -> tuple[tuple[float, ...], ...]:
    """The correct loop's parameters after 0, 1, ..., 3 * steps updates."""
    return tuple(_trajectory(d, steps=3 * d.steps))


@cache
def _optimum(d: _Descent) -> tuple[float, ...]:
    """Where the loss is smallest: the correct loop run (float64) until it stops moving."""
    params = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in d.init]
    with torch.enable_grad():
        for _ in range(100_000):
            d.loss(*params).backward()
            with torch.no_grad():
                moves = [d.lr * p.grad for p in params]
                for p, m in zip(params, moves):
                    p -= m
                    p.grad = None
            if max(abs(float(m)) for m in moves) < 1e-13:
                break
    return tuple(p.item() for p in params)


def _and(names) -> str:
    return " と ".join(names)


@cache
def _mistakes(d: _Descent) -> tuple[tuple[tuple[float, ...], str], ...]:
    """(final parameters, message) of the loop's known mistakes, first match wins."""
    grads = _and(f"{n}.grad" for n in d.names)
    found = [
        (_trajectory(d, zero=lambda i, k: False)[-1],
         f"勾配を 0 に戻さないループと同じ値です。backward() は {grads} を上書きせず足し込むので、"
         f"毎回の更新のあとで {_and(f'{n}.grad.zero_()' for n in d.names)} を呼びましょう。"),
        (_trajectory(d, zero=lambda i, k: i % 2 == 0)[-1],
         "勾配を 2 回に 1 回だけ 0 に戻したループと同じ値です。勾配は毎回の更新のあとで 0 に戻します。"),
        (_trajectory(d, zero=lambda i, k: i % 2 == 1)[-1],
         "勾配を 2 回に 1 回だけ 0 に戻したループと同じ値です。勾配は毎回の更新のあとで 0 に戻します。"),
    ]
    if len(d.names) > 1:
        for k, name in enumerate(d.names):
            found.append((_trajectory(d, zero=lambda i, j, k=k: j != k)[-1],
                          f"{name}.grad だけを 0 に戻さないループと同じ値です。{name}.grad も毎回 0 に戻しましょう。"))
    if d.mean_of > 1:
        found.append((_trajectory(d, scale=d.mean_of)[-1],
                      f"損失を平均 (.mean()) ではなく合計 (.sum()) で計算したループと同じ値です "
                      f"(lr を {d.mean_of} 倍にしたのと同じことになります)。問題の損失は平均です。"))
    for lr in _LR_CANDIDATES:
        if lr != d.lr:
            found.append((_trajectory(d, lr=lr)[-1],
                          f"lr = {lr} で更新したループと同じ値です。問題の学習率は lr = {d.lr} です。"))
    # A mistake is named only where its value tells it apart from the others and from the
    # start, the optimum and the right answer (lr = 1.0 on (x - 2)**2 comes back to the start).
    taken = [tuple(d.init), _optimum(d), _right_path(d)[d.steps]]
    named = []
    for target, message in found:
        if all(math.isfinite(v) for v in target) and not any(_same_numbers(target, t, 2 * TOL) for t in taken):
            named.append((target, message))
            taken.append(target)
    return tuple(named)


def _descent_answer(d: _Descent, answers, extra: tuple[tuple[tuple[float, ...], str], ...] = ()) -> tuple[float, ...]:
    """Check the final parameters of a gradient-descent loop; return them as floats."""
    values = []
    for obj, name in zip(answers, d.names):
        if isinstance(obj, torch.Tensor) and obj.grad_fn is not None:
            raise _Wrong(f"{name} が計算の結果 (grad_fn={_type_name(obj.grad_fn)}) で、葉の Tensor ではありません。"
                         f"{name} = {name} - lr * {name}.grad のように書いていませんか? この書き方では反復のたびに"
                         f"新しい Tensor ができ、前の反復の計算グラフにつながっていきます (retain_grad() で .grad を"
                         f"読めるようにしても同じです)。with torch.no_grad(): の中で {name} -= lr * {name}.grad と"
                         f"書き、{name} そのものを書き換えましょう。")
        values.append(_number(obj, name))
    for v, name in zip(values, d.names):
        if not math.isfinite(v):
            raise _Wrong(f"{name} が nan や inf になっています (発散しています)。"
                         "学習率 lr や更新式の符号を確かめましょう。")
    path = _right_path(d)
    right = path[d.steps]
    if _same_numbers(values, right):
        return tuple(values)
    if _same_numbers(values, _optimum(d)):
        raise _Wrong(f"{_and(d.names)} は{d.objective}が最小になる点そのものです。でも問題の設定 ({d.settings}) で"
                     "更新した値は、まだ最小点に届いていません。設定どおりに更新したあとの値を渡しましょう。")
    if _same_numbers(values, d.init, 0.0):
        raise _Wrong(f"{_and(d.names)} が最初の値のままです。ループの中で更新していますか? "
                     f"({d.names[0]}.grad.zero_() を更新より前に呼ぶと、更新の量が 0 になります。)")
    notes = [_rounding_note(obj, v, r, TOL, name) for obj, v, r, name in zip(answers, values, right, d.names)]
    if any(notes) and all(note or _same_number(v, r) for note, v, r in zip(notes, values, right)):
        raise _Wrong(next(note for note in notes if note))
    for target, message in _mistakes(d) + extra:
        if _same_numbers(values, target):
            raise _Wrong(message)
    # Only counts a slip explains (x made inside the loop, off by one or two, the loop run twice):
    # a far count matches by chance, e.g. lr = 0.15 for 20 steps on (x - 2)**2 meets the right loop's 32nd step.
    plausible = {1, 2 * d.steps} | set(range(d.steps - 2, d.steps + 3))
    counts = [k for k, point in enumerate(path)
              if k != d.steps and k in plausible and _same_numbers(values, point)]
    if len(counts) == 1 and counts[0] > 0:
        again = (f" ループの中で {_and(d.names)} を作り直していませんか? そうすると、毎回最初の値からやり直しに"
                 "なります。" if counts[0] == 1 else "")
        raise _Wrong(f"正しいループを {counts[0]} 回まわしたときの値と同じです。問題は {d.steps} 回の更新です "
                     f"(for i in range({d.steps}): で {d.steps} 回)。{again}")
    for v, v0, name in zip(values, d.init, d.names):
        if len(d.names) > 1 and v == v0:
            raise _Wrong(f"{name} が最初の値 {v0} のままです。{name} も更新していますか?")
    shown = "、".join(f"{n} = {v:.6g}" for n, v in zip(d.names, values))
    raise _Wrong(f"あなたの値 ({shown}) は、問題の設定 ({d.settings}) のまま正しく更新した値と違います。"
                 "更新式、勾配を 0 に戻す場所、設定の数を確かめましょう。")


def _number(obj, name: str) -> float:
    """A real number from a float, int, one-element tensor or NumPy scalar/array."""
    if isinstance(obj, bool):
        raise _Wrong(f"{name} が True/False (bool) です。数を渡してください。")
    if isinstance(obj, (str, bytes)):
        raise _Wrong(f"{name} が文字列です。数 (float か Tensor) を渡してください。")
    if isinstance(obj, (list, tuple)):
        kind = "リスト" if isinstance(obj, list) else "タプル"
        where = (f"中身の 1 つ ({name}[0]) を取り出しましょう。" if len(obj) == 1 else
                 f"途中の値を並べたものなら、最後の値は {name}[-1] です。" if len(obj) > 1 else "")
        raise _Wrong(f"{name} が{kind}です。数を 1 つだけ (float か 0 次元の Tensor) 渡してください。{where}")
    if isinstance(obj, torch.Tensor):
        if obj.layout != torch.strided or obj.device.type == "meta":
            raise _Wrong(f"{name} が特別な種類の Tensor ({obj.layout}, {obj.device.type}) です。数を渡してください。")
        if obj.numel() != 1:
            raise _Wrong(f"{name} の形が {_shape(obj)} です。数 1 つ (形 () の Tensor か float) を渡してください。")
        if obj.is_complex():
            raise _Wrong(f"{name} が複素数です。実数を渡してください。")
        return float(obj.detach().to("cpu", torch.float64).reshape(()).item())
    if isinstance(obj, (np.ndarray, np.generic)):
        if obj.size == 1 and obj.dtype.kind in "iuf":
            return float(obj.reshape(()).item())
        raise _Wrong(f"{name} が NumPy の配列 (要素 {obj.size} 個、型 {obj.dtype}) です。数を 1 つだけ渡してください。")
    if isinstance(obj, numbers.Real):
        try:
            return float(obj)
        except OverflowError:
            raise _Wrong(f"{name} が大きすぎる数です。") from None
    if isinstance(obj, numbers.Number):
        raise _Wrong(f"{name} が複素数です。実数を渡してください。")
    raise _Wrong(f"{name} が数ではありません ({_type_name(obj)} 型です)。float か Tensor を渡してください。")


EX4_1_XS = (0.0, 1.0, 2.0, 3.0)
EX4_1_YS = (1.0, 3.0, 4.0, 6.0)


def _line_loss(a, b):
    xs = torch.tensor(EX4_1_XS, dtype=a.dtype)
    ys = torch.tensor(EX4_1_YS, dtype=a.dtype)
    return ((a * xs + b - ys) ** 2).mean()


EX4_1 = _Descent(names=("a", "b"), init=(0.0, 0.0), lr=0.05, steps=50, loss=_line_loss, mean_of=len(EX4_1_XS))


@_exercise(
    "パラメータが 2 つになっても、1 回の反復は同じです: 損失を計算 → backward() → torch.no_grad() の中で更新 → "
    "勾配を 0 に戻す。a と b の両方を更新し、両方の勾配を 0 に戻します。",
    "損失は、予測 a * xs + b と正解 ys の差の 2 乗の平均です (Tensor の計算は成分ごとに行われ、.mean() で平均)。"
    "loss.backward() を 1 回呼ぶと、a.grad と b.grad の両方に偏微分が入ります。")
def ex4_1(a, b) -> str:
    """演習4-1: 直線 y = ax + b をデータにあてはめる勾配降下法の、最後の a と b を check.ex4_1(a, b) に渡します。

    設定: a, b の初期値 0.0、lr = 0.05、更新 50 回 (損失は 2 乗誤差の平均)。
    """
    right = _right_path(EX4_1)[EX4_1.steps]
    flipped_b = ((right[0], -right[1]),
                 "a は合っていますが、b が正しい値と符号だけ逆です。損失の式のかっこを確かめましょう: "
                 "ys - (a * xs + b) を ys - a * xs + b と書くと、b の符号が逆になります。")
    swapped = ((right[1], right[0]), "a と b が入れ替わっています。check.ex4_1(a, b) の順に渡しましょう。")
    va, vb = _descent_answer(EX4_1, (a, b), extra=(flipped_b, swapped))
    return _right(f"50 回の更新で a ≈ {va:.4f}, b ≈ {vb:.4f} になりました。直線がデータに近づいています。")


def _f4_2(x):
    return (x - 2) ** 2


# An odd number of updates: x - 2 is multiplied by (1 - 2 lr) each step, so with an even count
# lr = 0.9 (factor -0.8) would end exactly where the right lr = 0.1 (factor 0.8) does.
EX4_2 = _Descent(names=("x",), init=(-1.0,), lr=0.1, steps=21, loss=_f4_2, objective=" f(x) = (x − 2)² ")


@_exercise(
    "表示されている x.grad を、手で計算した f'(x) = 2(x − 2) と比べてみましょう。1 回目と 2 回目で、"
    "x.grad はどうなっていますか?",
    "backward() は x.grad を上書きせず、今ある値に足し込みます (ノートブック 3 の「勾配は足し込まれる」)。"
    "毎回の更新のあとで、何をすればよいでしょう?")
def ex4_2(x) -> str:
    """演習4-2: (x − 2)² を最小化するループのバグを直し、最後の x を check.ex4_2(x) に渡します。

    設定: 初期値 x = -1.0、lr = 0.1、更新 21 回 (そのまま変えません)。
    """
    (v,) = _descent_answer(EX4_2, (x,))
    return _right(f"{EX4_2.steps} 回の更新で x ≈ {v:.4f} です。勾配を毎回 0 に戻す (または捨てる) と、"
                  "x は最小点 2 に向かってまっすぐ近づきます。")


def _f4_3(x):
    if x > 0:
        return x ** 3
    else:
        return -2 * x + torch.sin(x)


def _f4_3_other(x):
    """The branch that is NOT taken at x."""
    if x > 0:
        return -2 * x + torch.sin(x)
    else:
        return x ** 3


EX4_3_POINTS = (2.0, -1.0)


@_exercise(
    "点ごとに、定義 → 計算 → backward() をします: x を作り、y = f(x)、y.backward()、そして x.grad を読みます。"
    "2 つの点で同じ x を使い回さないようにしましょう。",
    "x > 0 なら x³ の枝、そうでなければ −2x + sin x の枝が実行されます。手で微分した値 (3x² と −2 + cos x) とも"
    "比べましょう。x.grad.item() で数として取り出しておくと、あとで x.grad が変わっても影響を受けません。",
    if_none="(x.grad は backward() を呼ぶまで None です。)")
def ex4_3(grad_a, grad_b) -> str:
    """演習4-3: if 文のある関数 f の微分係数 f'(2.0) を grad_a に、f'(-1.0) を grad_b に入れて、
    check.ex4_3(grad_a, grad_b) に渡します。

    float でも Tensor でも構いません。
    """
    answers = {"grad_a": grad_a, "grad_b": grad_b}
    if isinstance(grad_a, torch.Tensor) and grad_a is grad_b:
        raise _Wrong("grad_a と grad_b が同じ Tensor です。grad_a = x.grad は中身をコピーせず、"
                     "x.grad そのものを指します。そのあと同じ x でもう一度 backward() (や x.grad.zero_()) を"
                     "すると、その中身が書き換わり、grad_a も変わります。点ごとに x を作り直し、"
                     "grad_a = x.grad.item() のように数として取り出しましょう。")
    (g_a,), (g_b,) = (_grad_of(_f4_3, p)[1] for p in EX4_3_POINTS)
    grads = {2.0: float(g_a), -1.0: float(g_b)}
    for (name, obj), point, other in zip(answers.items(), EX4_3_POINTS, EX4_3_POINTS[::-1]):
        if isinstance(obj, torch.Tensor) and obj.grad_fn is not None:
            raise _Wrong(f"{name} が計算の結果 (grad_fn={_type_name(obj.grad_fn)}) です。関数の値 y を渡して"
                         "いませんか? 微分係数は y.backward() のあとの x.grad です。")
        if isinstance(obj, torch.Tensor) and obj.requires_grad and obj.numel() == 1 \
                and _same_number(_number(obj, name), point, 0.0):
            raise _Wrong(f"{name} が x = {point} そのもの (requires_grad=True の Tensor) です。x を渡していませんか? "
                         f"{name} には微分係数 x.grad を入れます。")
        v = _number(obj, name)
        if not math.isfinite(v):
            raise _Wrong(f"{name} が nan や inf です。")
        right, other_grad = grads[point], grads[other]
        if _same_number(v, right):
            continue
        note = _rounding_note(obj, v, right, TOL, name, f"x = {point} での微分係数")
        if note:
            raise _Wrong(note)
        y = float(_f4_3(torch.tensor(point)))
        if _same_number(v, y):
            raise _Wrong(f"{name} が x = {point} での関数の値 f({point}) = {_fmt_number(y)} と同じです。"
                         "微分係数は y.backward() のあとの x.grad に入っています。")
        for k in range(2, 6):
            if _same_number(v, k * right):
                raise _Wrong(f"{name} が正しい値のちょうど {k} 倍です。同じ x で backward() を {k} 回実行して勾配が"
                             "たまっていませんか? 点ごとに x を作り直しましょう。")
        for i in range(1, 4):
            for j in range(1, 4):
                if _same_number(v, i * right + j * other_grad):
                    times = "" if (i, j) == (1, 1) else f" ({point} の分が {i} 回、{other} の分が {j} 回)"
                    raise _Wrong(f"{name} が f'({point}) と f'({other}) の和{times}と同じ値です。1 つの x を使い回して"
                                 "値だけ変え、backward() をくり返していませんか? 勾配は足し込まれるので、"
                                 "前の点の勾配が残っています。点ごとに x を作り直しましょう。")
        if _same_number(v, other_grad):
            raise _Wrong(f"{name} が x = {other} での微分係数と同じです。{name} は x = {point} での値です。")
        (g_branch,) = _grad_of(_f4_3_other, point)[1]
        if _same_number(v, float(g_branch)):
            raise _Wrong(f"{name} が、x = {point} では通らない方の枝の式を微分した値と同じです。"
                         "if で実際に実行された式だけが計算グラフに記録され、微分されます。")
        raise _Wrong(f"{name} = {_fmt_number(v)} は、x = {point} での微分係数と違います。")
    return _right("if のどちらの枝を通ったかで、記録される演算 (と微分) が変わります。")


# --- 最終問題 ------------------------------------------------------------------------------

def final_function(x):
    """The final problem's f(x) = -log(1/(1+e^{-x}) + 1) / (x^2 + 1)."""
    return -torch.log(1 / (1 + torch.exp(-x)) + 1) / (x ** 2 + 1)


@lru_cache(maxsize=1)
def final_minimum() -> tuple[float, float]:
    """(x*, f(x*)): a fine grid, then Newton steps on the autograd derivative (float64)."""
    xs = torch.linspace(-20.0, 20.0, 400_001, dtype=torch.float64)
    x = xs[int(torch.argmin(final_function(xs)))].clone()
    for _ in range(20):
        t = x.clone().requires_grad_(True)
        with torch.enable_grad():
            (d1,) = torch.autograd.grad(final_function(t), t, create_graph=True)
            (d2,) = torch.autograd.grad(d1, t)
        step = (d1 / d2).detach()
        x = x - step
        if abs(float(step)) < 1e-14:
            break
    return float(x), float(final_function(x))


def _final_slope(x: float) -> float:
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    with torch.enable_grad():
        (d,) = torch.autograd.grad(final_function(t), t)
    return float(d)


@_exercise(
    "まずグラフで、谷 (いちばん低いところ) のおおよその位置を見ましょう。出発点は谷の近くにします。"
    "グラフの平らなところから出発すると、傾きがほとんど 0 なので、なかなか進みません。",
    "ノートブック 4 の勾配降下法のループ (計算 → backward() → torch.no_grad() の中で更新 → 勾配を 0 に戻す) を、"
    "この f で回します。x の変化が十分小さくなるまで反復します。最後に、その x での f の値を .item() で数として"
    "取り出し、x.item() と一緒に渡します。")
def final(x, fx) -> str:
    """最終問題: f を最小にする x と、そこでの値 fx = f(x) を check.final(x, fx) に渡します (float でも Tensor でも)。

    本当の最小点との差が 0.001 以下で、fx があなたの x での f の値と 0.0001 以内で一致すれば正解です。
    """
    xv = _number(x, "x")
    if not math.isfinite(xv):
        raise _Wrong("x が nan や inf です (発散しています)。学習率 lr を小さくしてみましょう。")
    fv = _number(fx, "fx")
    if not math.isfinite(fv):
        raise _Wrong("fx が nan や inf です。fx には、あなたの x での f(x) の値を入れます。")
    x_star, f_star = final_minimum()
    f_at_x = float(final_function(torch.tensor(xv, dtype=torch.float64)))
    if _same_number(xv, f_star, FINAL_TOL_X) and _same_number(fv, x_star, FINAL_TOL_X):
        raise _Wrong("x と fx が逆になっています。x は最小になる点、fx はそこでの f の値です。")
    if not _same_number(fv, f_at_x, FINAL_TOL_F):
        if _same_number(fv, _final_slope(xv), FINAL_TOL_F):
            raise _Wrong("fx が、あなたの x での f の微分係数 (傾き) と同じです。"
                         "fx には f(x) の値そのものを入れましょう。")
        if _same_number(fv, -f_at_x, FINAL_TOL_F):
            raise _Wrong("fx が、あなたの x での f の値と符号だけ逆です。f の式の先頭のマイナスを確かめましょう。")
        note = _rounding_note(fx, fv, f_at_x, FINAL_TOL_F, "fx", "あなたの x での f の値")
        if note:
            raise _Wrong(note)
        raise _Wrong(f"fx = {_fmt_number(fv)} ですが、あなたの x での f の値は {f_at_x:.6f} です "
                     f"(差 {abs(fv - f_at_x):.2g}、許容誤差 {FINAL_TOL_F:g})。fx には、提出する x での f(x) を入れます "
                     "(fx を計算したあとで x を更新していませんか?)。")
    gap = abs(xv - x_star)
    if gap <= FINAL_TOL_X:
        return _right(f"x ≈ {xv:.4f}, f(x) ≈ {fv:.4f} です (本当の最小点との差は {FINAL_TOL_X:g} 以下)。")
    note = _rounding_note(x, xv, x_star, FINAL_TOL_X, "x", "本当の最小点")
    if note:
        raise _Wrong(note)
    slope = _final_slope(xv)
    if gap > 2 and abs(slope) < 2e-3:
        raise _Wrong(f"x = {xv:.4f} のあたりは f がほとんど平らで (傾き f'(x) = {slope:.1e})、勾配降下法の一歩 "
                     "lr × 傾き がとても小さくなります。ここは最小点ではありません。グラフで谷の位置を確かめて、"
                     "出発点を谷の近くにしましょう。")
    if gap <= 0.1:
        raise _Wrong(f"x = {xv:.4f} は最小点に近いですが、許容誤差 {FINAL_TOL_X:g} より離れています "
                     f"(この点での傾き f'(x) = {slope:.1e} で、まだ 0 ではありません)。"
                     "反復回数を増やすか、学習率を調整しましょう。")
    raise _Wrong(f"x = {xv:.4f} は最小点ではありません (f(x) = {f_at_x:.4f}、傾き f'(x) = {slope:.2g})。"
                 "グラフで谷のおおよその位置を確かめましょう。ループが正しくても、反復回数が少ないか学習率 lr が"
                 "小さいと、まだ谷へ向かう途中のことがあります: 反復回数を増やして、x が谷へ近づき続けるかを"
                 "見ましょう。近づかない (止まる・離れていく) なら、更新式 (x -= lr * x.grad) と、勾配を 0 に"
                 "戻しているかを確かめましょう。")


# --- hints and solutions -------------------------------------------------------------------

def ids() -> list[str]:
    """演習の番号の一覧を、順に返します (check.hint や check.reveal に渡せる番号です)。"""
    return list(EXERCISES)


_DASHES = str.maketrans({c: "-" for c in "_.‐‑‒–—―−ー－"})


def _normalize_id(ex_id) -> str | None:
    """"1-1" from "1-1", "演習1-1", "ex1_1", "１－１", check.ex1_1, ...; None when it is none of these."""
    for ex in EXERCISES.values():
        if ex_id is ex.func:
            return ex.id
    if type(ex_id) is int or type(ex_id) is float:
        ex_id = repr(ex_id)
    if type(ex_id) is not str:
        return None
    key = unicodedata.normalize("NFKC", ex_id).strip().lower().translate(_DASHES)
    key = re.sub(r"\s+", "", key)
    for prefix in ("演習", "check-", "ex"):
        key = key.removeprefix(prefix)
    return "final" if key in ("final", "最終問題", "最終") else key


def _lookup(ex_id) -> Exercise | None:
    """The exercise ``ex_id`` names, or None after printing the ids there are. Never raises."""
    try:
        ex = EXERCISES.get(_normalize_id(ex_id) or "")
    except Exception:  # noqa: BLE001 - any object a student passes
        ex = None
    if ex is None:
        _say(f"演習 {_safe_repr(ex_id)} は見つかりません。使える番号: " + ", ".join(f'"{k}"' for k in EXERCISES))
    return ex


def _hint_number(n, count: int) -> int | None:
    try:
        if type(n) is str and n.strip().isdigit():
            n = int(n.strip())
        if type(n) is int and 1 <= n <= count:
            return n
    except Exception:  # noqa: BLE001 - any object
        pass
    return None


def hint(ex_id=None, n=1) -> None:
    """演習 ex_id のヒントを表示します。check.hint("1-1") でヒント 1、check.hint("1-1", 2) でヒント 2。

    ヒント 1 は考える方向を、ヒント 2 はもう少し具体的な手がかりを示します。解答例は check.reveal("1-1") です。
    """
    ex = _lookup(ex_id)
    if ex is None:
        return
    count = len(ex.hints)
    number = _hint_number(n, count)
    if number is None:
        _say(f"{ex.title} のヒントは {count} つです: " + "、".join(
            f'check.hint("{ex.id}", {i})' for i in range(1, count + 1)) + f'。解答例は check.reveal("{ex.id}") です。')
        return
    if number < count:
        after = f'次のヒント: check.hint("{ex.id}", {number + 1})'
    else:
        after = f'これが最後のヒントです。それでも分からなければ check.reveal("{ex.id}") で解答例を表示できます'
    _say(f"💡 {ex.title} のヒント {number}/{count}: {ex.hints[number - 1]}\n   ({after})")


def _solutions() -> dict:
    try:
        text = resources.files("lecture_utils").joinpath("solutions.json").read_text(encoding="utf-8")
        data = json.loads(text)
        return data if isinstance(data, dict) else {}
    except Exception:  # noqa: BLE001 - a missing file becomes a message, not a traceback
        return {}


def reveal(ex_id=None) -> None:
    """演習 ex_id の解答例を表示します (例: check.reveal("1-1"))。まずヒントで考えてから使いましょう。"""
    ex = _lookup(ex_id)
    if ex is None:
        return
    code = _solutions().get(ex.id)
    if not code:
        _say(f"{ex.title} の解答例が見つかりません (lecture_utils/solutions.json)。講師に知らせてください。")
        return
    _say(f"🔑 {ex.title} の解答例 (まず自分で試してから見ましょう):\n{code}")
