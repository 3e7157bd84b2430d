"""The exercises' offline judge: one check per exercise, Japanese verdicts, never raises.

    from lecture_utils import check
    check.ex1_1(x)        # prints a verdict, returns True or False
    check.hint("1-1")     # a hint for a stuck student
    check.reveal("1-1")   # the official solution (from solutions.json)

Every check takes the student's answer objects, prints one short Japanese verdict
(``✅`` when right, ``❌`` and a specific hint for a known mistake, or
「まだ解答がありません」 for an untouched ``None`` placeholder) and returns a bool.
Expected answers are computed here with torch, not stored.
"""
from __future__ import annotations

import functools
import json
import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

import torch

NO_ANSWER = "まだ解答がありません"
TOL = 1e-4            # absolute tolerance for float32 answers that the judge recomputes
FINAL_TOL_X = 1e-3    # 最終問題: accepted distance from the true minimiser
FINAL_TOL_F = 1e-4    # 最終問題: allowed gap between the submitted f(x) and f at the submitted x


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    hint: str
    func: Callable[..., bool]


EXERCISES: dict[str, Exercise] = {}


class _Wrong(Exception):
    """A known mistake: the message is the hint shown to the student."""


class _NoAnswer(Exception):
    """The placeholder is untouched (``None``)."""


def _exercise(ex_id: str, title: str, hint: str):
    """Register a check; wrap it so that it prints one verdict and never raises."""
    def wrap(inner):
        @functools.wraps(inner)
        def check(*args, **kwargs) -> bool:
            label = f"{title}"
            try:
                praise = inner(*args, **kwargs)
            except _NoAnswer as e:
                detail = f" ({e})" if str(e) else ""
                _say(f"📝 {label}: {NO_ANSWER}{detail}。解答を書いてから、このセルをもう一度実行してください。")
                return False
            except _Wrong as e:
                _say(f"❌ {label}: {e}\n   (困ったら check.hint(\"{ex_id}\") でヒントを表示できます)")
                return False
            except Exception as e:  # noqa: BLE001 - the judge never raises
                _say(f"❌ {label}: この解答は判定できませんでした ({_type_name(e)})。"
                     "問題文どおりの形で答えを渡しているか確かめてください。"
                     f"\n   (困ったら check.hint(\"{ex_id}\") でヒントを表示できます)")
                return False
            _say(f"✅ {label}: 正解です! {praise}".rstrip())
            return True
        EXERCISES[ex_id] = Exercise(ex_id, title, hint, check)
        return check
    return wrap


def _say(text: str) -> None:
    try:
        print(text)
    except Exception:  # noqa: BLE001 - a broken stdout must not turn into a traceback
        pass


def _type_name(obj) -> str:
    return type(obj).__name__


# --- describing and converting answers ---------------------------------------------

def _fmt_number(v: float) -> str:
    if isinstance(v, float) and math.isfinite(v) and v == round(v) and abs(v) < 1e15:
        return f"{v:.1f}"
    return f"{v:.6g}"


def _show(t: torch.Tensor) -> str:
    """A short, safe text for a tensor's values (never the whole of a big tensor)."""
    t = t.detach()
    if t.numel() > 12 or t.is_complex():
        return f"形 {_shape(t)} の Tensor"
    vals = t.to("cpu", torch.float64).reshape(-1).tolist()
    if t.dim() == 0:
        return _fmt_number(vals[0])
    return "[" + ", ".join(_fmt_number(v) for v in vals) + "]" + (
        f" (形 {_shape(t)})" if t.dim() > 1 else "")


def _shape(t) -> str:
    return "(" + ", ".join(str(int(n)) for n in t.shape) + (",)" if t.dim() == 1 else ")")


def _not_a_tensor(obj, name: str, example: str) -> None:
    """Raise the hint for an answer that is not a torch.Tensor (``None`` means no answer)."""
    if obj is None or obj is Ellipsis:
        raise _NoAnswer(f"{name} が None のままです" if name else "")
    if isinstance(obj, torch.Tensor):
        return
    if isinstance(obj, str):
        raise _Wrong(f"{name} が文字列 (str) です。文字列ではなく {example} のように Tensor を作りましょう。")
    if isinstance(obj, (list, tuple)):
        kind = "リスト" if isinstance(obj, list) else "タプル"
        raise _Wrong(f"{name} が{kind}のままです。{kind}を torch.tensor(..., requires_grad=True) に渡して "
                     f"Tensor にしましょう (例: {example})。")
    if _type_name(obj) == "ndarray" or type(obj).__module__.split(".")[0] == "numpy":
        raise _Wrong(f"{name} が NumPy の配列/数です。torch.tensor(..., requires_grad=True) で "
                     f"PyTorch の Tensor にしましょう (例: {example})。")
    if isinstance(obj, bool):
        raise _Wrong(f"{name} が True/False (bool) です。{example} のように Tensor を作りましょう。")
    if isinstance(obj, numbers.Number):
        raise _Wrong(f"{name} が Python の数 ({_type_name(obj)}) です。勾配を記録できるのは Tensor だけです。"
                     f"{example} のように作りましょう。")
    raise _Wrong(f"{name} が Tensor ではありません ({_type_name(obj)} 型です)。{example} のように作りましょう。")


def _check_dtype(t: torch.Tensor, name: str, example: str) -> None:
    if t.dtype == torch.bool:
        raise _Wrong(f"{name} の型が真偽値 (torch.bool) です。{example} のように小数で書きましょう。")
    if t.is_complex():
        raise _Wrong(f"{name} が複素数 ({t.dtype}) です。この問題は実数です: {example}")
    if not t.is_floating_point():
        raise _Wrong(f"{name} の型が整数 ({t.dtype}) です。勾配を計算できるのは浮動小数点数 (と複素数) の "
                     f"Tensor だけです。3 ではなく 3.0 のように小数点を付けて書きましょう (例: {example})。")


def _close(a: torch.Tensor, b: torch.Tensor, tol: float = TOL) -> bool:
    """Same shape and all values within ``tol`` (NaN never matches)."""
    if tuple(a.shape) != tuple(b.shape):
        return False
    a = a.detach().to("cpu", torch.float64)
    b = b.detach().to("cpu", torch.float64)
    return bool(torch.allclose(a, b, rtol=1e-5, atol=tol))


def _nonfinite(t: torch.Tensor) -> bool:
    return not bool(torch.isfinite(t.detach().to("cpu", torch.float64)).all())


def _require_leaf(t: torch.Tensor, name: str, example: str) -> None:
    if t.grad_fn is not None:
        op = _type_name(t.grad_fn)
        raise _Wrong(f"{name} は計算の結果 (grad_fn={op}) で、葉 (leaf) の Tensor ではありません。"
                     "requires_grad=True を付けた後に reshape や掛け算などをすると、結果は葉でなくなり "
                     f"{name}.grad が入りません。{example} のように直接作るか、計算を済ませてから "
                     ".requires_grad_() を呼びましょう。")


def _tensor_answer(obj, name: str, expected: torch.Tensor, example: str,
                   shape_hint: Callable[[torch.Tensor], str | None] | None = None,
                   value_hint: Callable[[torch.Tensor], str | None] | None = None) -> torch.Tensor:
    """Check a freshly created tensor: type, dtype, shape, values, requires_grad, leaf."""
    _not_a_tensor(obj, name, example)
    t = obj
    _check_dtype(t, name, example)
    if tuple(t.shape) != tuple(expected.shape):
        extra = shape_hint(t) if shape_hint else None
        raise _Wrong(extra or f"{name} の形 (shape) が {_shape(t)} です。この問題の答えは形 "
                     f"{_shape(expected)} です。[ ] の入れ子の深さを確かめましょう。")
    if _nonfinite(t):
        raise _Wrong(f"{name} に nan や inf が入っています。問題の値をそのまま書きましょう。")
    if not _close(t, expected):
        extra = value_hint(t) if value_hint else None
        raise _Wrong(extra or f"{name} の値が違います。あなたの値: {_show(t)}、問題の値: {_show(expected)}。")
    if not t.requires_grad:
        raise _Wrong(f"{name} の値は合っていますが、requires_grad=True が付いていません "
                     f"(勾配を計算できる Tensor になっていません)。例: {example}")
    _require_leaf(t, name, example)
    return t


def _number(obj, name: str) -> float:
    """A real number from a float, int, 0-d/one-element tensor or numpy scalar."""
    if obj is None or obj is Ellipsis:
        raise _NoAnswer(f"{name} が None のままです")
    if isinstance(obj, bool):
        raise _Wrong(f"{name} が True/False (bool) です。数を渡してください。")
    if isinstance(obj, str):
        raise _Wrong(f"{name} が文字列 (str) です。数 (float か Tensor) を渡してください。")
    if isinstance(obj, (list, tuple)):
        raise _Wrong(f"{name} がリスト/タプルです。数を 1 つだけ (float か 0 次元の Tensor) 渡してください。")
    if isinstance(obj, torch.Tensor):
        if obj.numel() != 1:
            raise _Wrong(f"{name} の形が {_shape(obj)} です。数 1 つ (形 () の Tensor か float) を渡してください。")
        if obj.is_complex():
            raise _Wrong(f"{name} が複素数です。実数を渡してください。")
        return float(obj.detach().to("cpu", torch.float64).reshape(()).item())
    if isinstance(obj, numbers.Real):
        return float(obj)
    if isinstance(obj, numbers.Number):
        raise _Wrong(f"{name} が複素数です。実数を渡してください。")
    if _type_name(obj) == "ndarray" and getattr(obj, "size", None) == 1 and obj.dtype.kind in "iuf":
        return float(obj.reshape(()).item())
    raise _Wrong(f"{name} が数ではありません ({_type_name(obj)} 型です)。float か Tensor を渡してください。")


def _near(a: float, b: float, tol: float = TOL) -> bool:
    return math.isfinite(a) and abs(a - b) <= tol + 1e-5 * abs(b)


# --- 演習1: tensors that can hold a gradient --------------------------------------------

def _float_tensor(data) -> torch.Tensor:
    return torch.tensor(data, dtype=torch.float32)


@_exercise("1-1", "演習1-1", hint=(
    "スカラ (0 次元の Tensor) は torch.tensor(数, requires_grad=True) で作ります。"
    "整数 3 ではなく小数 3.0 と書くこと、[ ] で囲まないこと (囲むと形 (1,) のベクトルになります) に注意。"))
def ex1_1(x) -> str:
    """x = 3.0 as a scalar tensor that requires grad."""
    def shape_hint(t):
        if t.numel() == 1:
            return (f"x の形が {_shape(t)} です。[3.0] のように [ ] で囲むと要素 1 個のベクトルになります。"
                    "スカラは [ ] なしで torch.tensor(3.0, requires_grad=True) です。")
        return None
    _tensor_answer(x, "x", _float_tensor(3.0), "torch.tensor(3.0, requires_grad=True)", shape_hint)
    return "x はスカラ (0 次元) の Tensor です。"


@_exercise("1-2", "演習1-2", hint=(
    "ベクトル (1 次元の Tensor) は torch.tensor([数, 数, 数], requires_grad=True) のように、"
    "リストを第一引数に渡して作ります。"))
def ex1_2(x) -> str:
    """x = (3.0, 4.0, 5.0) as a vector tensor that requires grad."""
    def shape_hint(t):
        if t.numel() == 3:
            return (f"x の形が {_shape(t)} です。ベクトルは [ ] 一重の torch.tensor([3.0, 4.0, 5.0], "
                    "requires_grad=True) で、形は (3,) です ([[ ]] 二重にすると行列になります)。")
        return None
    _tensor_answer(x, "x", _float_tensor([3.0, 4.0, 5.0]),
                   "torch.tensor([3.0, 4.0, 5.0], requires_grad=True)", shape_hint)
    return "x は形 (3,) のベクトルです。"


@_exercise("1-3", "演習1-3", hint=(
    "行列 (2 次元の Tensor) は「行のリスト」のリストを渡して作ります: [[1 行目], [2 行目]]。"
    "2 行 3 列なら形は (2, 3) です。"))
def ex1_3(X) -> str:
    """X = [[3, 4, 5], [6, 7, 8]] as a float matrix that requires grad."""
    expected = _float_tensor([[3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])

    def shape_hint(t):
        if tuple(t.shape) == (3, 2):
            return ("X の形が (3, 2) です。行と列が入れ替わっています。1 行目 [3.0, 4.0, 5.0]、"
                    "2 行目 [6.0, 7.0, 8.0] の 2 行 3 列 (形 (2, 3)) にしましょう。")
        if t.numel() == 6:
            return (f"X の形が {_shape(t)} です。行列は [[1 行目], [2 行目]] のように二重の [ ] で書き、"
                    "形 (2, 3) にしましょう。")
        return None
    _tensor_answer(X, "X", expected, "torch.tensor([[3.0, 4.0, 5.0], [6.0, 7.0, 8.0]], requires_grad=True)",
                   shape_hint)
    return "X は 2 行 3 列 (形 (2, 3)) の行列です。"


def _integer_requires_grad_error() -> type[BaseException] | None:
    """The exception class torch raises for an integer tensor with requires_grad (found by trying)."""
    try:
        torch.tensor(3, requires_grad=True)
    except Exception as e:  # noqa: BLE001 - we want whichever class torch uses
        return type(e)
    return None


REASON_WORDS = ("浮動小数点", "小数", "float", "complex", "複素")


def _error_name(error) -> str:
    if isinstance(error, type) and issubclass(error, BaseException):
        return error.__name__
    if isinstance(error, BaseException):
        return type(error).__name__
    if isinstance(error, str):
        return error.strip().split(":")[0].strip().split(".")[-1]
    raise _Wrong(f"error には例外クラス (例: ValueError) かその名前の文字列を入れてください "
                 f"(今は {_type_name(error)} 型です)。")


@_exercise("1-4", "演習1-4", hint=(
    "まず torch.tensor(3, requires_grad=True) を実際に実行してみましょう。エラーの最後の行は "
    "「〜Error: 概要」の形です。〜Error の部分 (例外クラスの名前) を error に、概要が言っていることを "
    "自分の言葉で reason に書きます。「整数はダメ」だけでなく、どんな型なら勾配を持てるかも書きましょう。"))
def ex1_4(error, reason) -> str:
    """The exception class (or its name) for torch.tensor(3, requires_grad=True), and why."""
    if error is None and reason is None:
        raise _NoAnswer("")
    if error is None:
        raise _NoAnswer("error (エラーの種類) が None のままです")
    if reason is None:
        raise _NoAnswer("reason (理由) が None のままです")
    expected = _integer_requires_grad_error()
    if expected is None:
        raise _Wrong("この版の PyTorch では整数の Tensor にも requires_grad が付けられました。講師に知らせてください。")
    name = _error_name(error)
    if name != expected.__name__:
        if name.lower() == expected.__name__.lower():
            raise _Wrong(f"error の名前 {name!r} は大文字・小文字が違います。"
                         "Python の名前は大文字・小文字を区別します。")
        if not name:
            raise _NoAnswer("error が空です")
        raise _Wrong(f"error が {name} になっていますが、実際に出るエラーの種類は違います。"
                     "torch.tensor(3, requires_grad=True) を実行して、最後の行の「〜Error」の部分を見ましょう。")
    if not isinstance(reason, str):
        raise _Wrong(f"reason は日本語の文 (文字列) で書いてください (今は {_type_name(reason)} 型です)。")
    if not reason.strip():
        raise _NoAnswer("reason (理由) が空です")
    low = reason.lower()
    if not any(w in low for w in REASON_WORDS):
        raise _Wrong("error は正解です。reason には、どんな型の Tensor なら勾配を計算できるのか "
                     "(エラーメッセージの floating point と complex) を書きましょう。")
    return f"{expected.__name__}: 勾配を計算できるのは浮動小数点数と複素数の Tensor だけです。"


@_exercise("1-5", "演習1-5", hint=(
    "1 行目は 1〜10、2 行目は 11〜20、… と 10 個ずつの「行のリスト」を 10 個並べたリストを作ります。"
    "for 文なら、内側のループで row に数を足し、外側のループで matrix に row を足します (字下げに注意)。"
    "または torch.arange(1.0, 101.0).reshape(10, 10) を作ってから .requires_grad_() を呼びます。"))
def ex1_5(X) -> str:
    """The 10x10 matrix of 1..100 (row by row) as a float tensor that requires grad."""
    expected = torch.arange(1, 101, dtype=torch.float32).reshape(10, 10)

    def shape_hint(t):
        if tuple(t.shape) == (100, 10):
            return ("X の形が (100, 10) です。matrix.append(row) が内側の for の中に字下げされていて、"
                    "行が 10 回ずつ追加されていませんか (スライドの解答例にもあるバグです)。"
                    "matrix.append(row) は外側の for の中、内側の for の外に書きます。")
        if t.numel() == 100:
            return (f"X の形が {_shape(t)} です。数は 100 個ありますが、10 行 10 列 (形 (10, 10)) になっていません。"
                    ".reshape(10, 10) で並べ直しましょう。")
        return None

    def value_hint(t):
        v = t.detach().to("cpu", torch.float64)
        e = expected.to(torch.float64)
        if _close(v, e - 1):
            return "X の値が 0 から始まっています。range(1, 101) のように 1〜100 にしましょう。"
        if _close(v, e.T):
            return "X の行と列が入れ替わっています。1 行目が 1, 2, …, 10 になるように並べましょう。"
        return None

    t = X if isinstance(X, torch.Tensor) else None
    if t is not None and t.is_floating_point() and tuple(t.shape) == (10, 10) and not t.requires_grad \
            and _close(t, expected):
        raise _Wrong("X の値は合っていますが、requires_grad=True が付いていません。スライドの内包表記の解答例も "
                     "requires_grad=True と最後の ) が抜けています。torch.tensor(..., requires_grad=True) か "
                     "X.requires_grad_() で付けましょう。")
    _tensor_answer(X, "X", expected, "torch.tensor(行のリストのリスト, requires_grad=True)", shape_hint, value_hint)
    return "X は 1〜100 を並べた 10 行 10 列の行列です。"


# --- 演習3: gradients with backward() ----------------------------------------------------

def _grad_of(fn, *values) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Build leaves from ``values``, run backward on fn(*leaves); return (output, grads)."""
    leaves = [torch.tensor(v, dtype=torch.float32, requires_grad=True) for v in values]
    with torch.enable_grad():
        out = fn(*leaves)
        out.sum().backward()
    return out.detach(), [leaf.grad.detach() for leaf in leaves]


def _leaf_after_backward(obj, name: str, value: torch.Tensor, grad: torch.Tensor, example: str,
                         shape_hint: Callable[[torch.Tensor], str | None] | None = None) -> None:
    """Check a leaf that the student ran backward() through (its type, shape and value, not yet .grad)."""
    _not_a_tensor(obj, name, example)
    t = obj
    if t.grad_fn is not None:
        raise _Wrong(f"{name} が計算の結果 (grad_fn={_type_name(t.grad_fn)}) です。関数の値 y など、計算結果を"
                     f"渡していませんか? check には backward() を済ませた変数 {name} そのもの "
                     f"(微分係数は {name}.grad に入っています) を渡してください。")
    _check_dtype(t, name, example)
    if not t.requires_grad:
        if _close(t, grad):
            raise _Wrong(f"{name}.grad を渡していませんか? check には {name} そのものを渡してください "
                         f"(check が {name}.grad を読みます)。")
        raise _Wrong(f"{name} に requires_grad=True が付いていません。これでは backward() しても勾配が記録されません。"
                     f"例: {example}")
    if tuple(t.shape) != tuple(value.shape):
        extra = shape_hint(t) if shape_hint else None
        raise _Wrong(extra or f"{name} の形が {_shape(t)} です。問題の {name} は形 {_shape(value)} です。")
    if not _close(t, value):
        raise _Wrong(f"{name} の値が {_show(t)} です。問題の点 {name} = {_show(value)} で微分してください "
                     "(違う点での微分係数になっています)。")


def _grad_after_backward(t: torch.Tensor, name: str, grad: torch.Tensor) -> None:
    """Check ``t.grad`` of a leaf that passed ``_leaf_after_backward``."""
    g = t.grad
    if g is None:
        raise _Wrong(f"{name}.grad が None です。y.backward() を実行しましたか? {name} を作り直したあとに "
                     "backward() をしていないと、新しい {name} には勾配が入っていません。".replace("{name}", name))
    if tuple(g.shape) != tuple(grad.shape) or _nonfinite(g):
        raise _Wrong(f"{name}.grad が {_show(g)} です。関数の式を確かめましょう。")
    if _close(g, grad):
        return
    for k in range(2, 11):
        if _close(g, k * grad):
            raise _Wrong(f"{name}.grad が正しい値のちょうど {k} 倍です。backward() を {k} 回実行していませんか? "
                         "PyTorch は勾配を上書きせず足し込む (たまる) ので、セルを何度も実行すると増えていきます。"
                         f"{name} を作るところから実行し直すか、{name}.grad.zero_() で 0 に戻しましょう。")
    if _close(g, -grad):
        raise _Wrong(f"{name}.grad の符号が逆です。関数の式 (足し算・引き算) を確かめましょう。")
    raise _Wrong(f"{name}.grad が {_show(g)} です。手で微分した値と比べて、関数の式を確かめましょう。")


def _f3_1(x):
    return x ** 2 + 2 * x + 1


@_exercise("3-1", "演習3-1", hint=(
    "定義 → 計算 → backward() の順です: x = torch.tensor(3.0, requires_grad=True) を作り、"
    "y = x ** 2 + 2 * x + 1 を計算して y.backward() を呼ぶと、x.grad に dy/dx が入ります。"
    "check には x を渡します。"))
def ex3_1(x) -> str:
    """dy/dx of x**2 + 2x + 1 at x = 3.0: pass the leaf x after y.backward()."""
    _, (grad,) = _grad_of(_f3_1, 3.0)
    _leaf_after_backward(x, "x", _float_tensor(3.0), grad, "torch.tensor(3.0, requires_grad=True)")
    _grad_after_backward(x, "x", grad)
    return f"x.grad = {_show(x.grad)} (dy/dx = 2x + 2 の x = 3 での値) です。"


def _f3_2(x):
    return x[0] ** 2 + x[1] ** 2 + x[2] ** 2


@_exercise("3-2", "演習3-2", hint=(
    "x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True) を作り、x[0], x[1], x[2] で成分を取り出して "
    "y を計算し、y.backward() を呼びます。x.grad に勾配ベクトル (∂y/∂x1, ∂y/∂x2, ∂y/∂x3) が入ります。"))
def ex3_2(x) -> str:
    """The gradient of x1**2 + x2**2 + x3**2 at (1, 2, 3): pass the leaf x after backward."""
    _, (grad,) = _grad_of(_f3_2, [1.0, 2.0, 3.0])
    _leaf_after_backward(x, "x", _float_tensor([1.0, 2.0, 3.0]), grad,
                         "torch.tensor([1.0, 2.0, 3.0], requires_grad=True)")
    _grad_after_backward(x, "x", grad)
    return f"x.grad = {_show(x.grad)} (∂y/∂xi = 2xi) です。"


EX3_3_W = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
EX3_3_X1 = [[1.0, 2.0]]          # a row vector: shape (1, 2)
EX3_3_X2 = [1.0, 2.0, 3.0]


def _f3_3(W, x1, x2):
    return torch.matmul(torch.matmul(x1, W), x2)


@_exercise("3-3", "演習3-3", hint=(
    "W (形 (2, 3))、x1 (行ベクトル、形 (1, 2): torch.tensor([[1.0, 2.0]], ...))、x2 (形 (3,)) を "
    "requires_grad=True で作り、y = torch.matmul(torch.matmul(x1, W), x2) を計算して y.backward() を呼びます。"
    "W.grad, x1.grad, x2.grad に勾配が入ります。"))
def ex3_3(W, x1, x2) -> str:
    """The gradients of y = x1 W x2 w.r.t. W, x1 (shape (1, 2)) and x2: pass the three leaves."""
    if W is None and x1 is None and x2 is None:
        raise _NoAnswer("")
    _, (gW, gx1, gx2) = _grad_of(_f3_3, EX3_3_W, EX3_3_X1, EX3_3_X2)

    def x1_shape(t):
        if tuple(t.shape) == (2,):
            return ("x1 の形が (2,) です。問題の x1 は行ベクトルなので、torch.tensor([[1.0, 2.0]], "
                    "requires_grad=True) のように形 (1, 2) で作りましょう (スライドの問題文からの修正点です)。"
                    "形 (2,) でも計算は通りますが、x1.grad も形 (2,) になり、行ベクトル x1 と形が合いません。")
        if tuple(t.shape) == (2, 1):
            return ("x1 の形が (2, 1) (列ベクトル) です。"
                    "x1 は行ベクトル (形 (1, 2)) です: torch.tensor([[1.0, 2.0]], ...)")
        return None

    def x2_shape(t):
        if tuple(t.shape) in ((3, 1), (1, 3)):
            return (f"x2 の形が {_shape(t)} です。この問題では x2 を torch.tensor([1.0, 2.0, 3.0], requires_grad=True) "
                    "(形 (3,)) で作りましょう。そうすると y が数 1 個になり、そのまま backward() できます。")
        return None

    def w_shape(t):
        if tuple(t.shape) == (3, 2):
            return "W の形が (3, 2) です。行と列が入れ替わっています。W は 2 行 3 列 (形 (2, 3)) です。"
        return None

    ex = "torch.tensor(..., requires_grad=True)"
    _leaf_after_backward(W, "W", _float_tensor(EX3_3_W), gW, ex, w_shape)
    _leaf_after_backward(x1, "x1", _float_tensor(EX3_3_X1), gx1, "torch.tensor([[1.0, 2.0]], requires_grad=True)",
                         x1_shape)
    _leaf_after_backward(x2, "x2", _float_tensor(EX3_3_X2), gx2, "torch.tensor([1.0, 2.0, 3.0], requires_grad=True)",
                         x2_shape)
    for t, name, g in ((W, "W", gW), (x1, "x1", gx1), (x2, "x2", gx2)):
        _grad_after_backward(t, name, g)
    return "W.grad = x1ᵀx2ᵀ、x1.grad = (W x2)ᵀ、x2.grad = (x1 W)ᵀ になっています。"


# --- 演習4: what goes wrong next (gradient descent loops, branches) ----------------------

def _descent(f, x0: float, lr: float, steps: int, zero_grad: bool = True) -> float:
    """Plain gradient descent on a leaf, optionally forgetting to zero the gradient."""
    x = torch.tensor(x0, requires_grad=True)
    with torch.enable_grad():
        for _ in range(steps):
            y = f(x)
            y.backward()
            with torch.no_grad():
                x -= lr * x.grad
            if zero_grad:
                x.grad.zero_()
    return float(x.detach())


def _f4_1(x):
    return x ** 2 + torch.exp(-x)


EX4_1 = {"x0": 3.0, "lr": 0.1, "steps": 100}


def _gd_answer(obj, f, setting: dict, forgot_zero_hint: str) -> float:
    """Shared checks of a gradient-descent loop's final x."""
    if isinstance(obj, torch.Tensor) and obj.numel() == 1 and obj.grad_fn is not None:
        raise _Wrong("x が計算の結果 (葉でない Tensor) になっています。x = x - lr * x.grad と書くと、x は毎回 "
                     "新しい計算結果に置き換わります。すると計算グラフが反復のたびに長くなります "
                     "(retain_grad() で動くようにしても同じです)。"
                     "with torch.no_grad(): の中で x -= lr * x.grad と書き、x そのものを書き換えましょう。")
    v = _number(obj, "x")
    if not math.isfinite(v):
        raise _Wrong("x が nan や inf になりました (発散しています)。学習率 lr や更新式の符号を確かめましょう。")
    right = _descent(f, **setting)
    if _near(v, right):
        return v
    if _near(v, _descent(f, **setting, zero_grad=False)):
        raise _Wrong(forgot_zero_hint)
    if _near(v, setting["x0"]):
        raise _Wrong("x が最初の値のままです。ループの中で x を更新していますか?")
    raise _Wrong(f"最後の x が {_fmt_number(v)} です。問題の設定 (x の初期値 {setting['x0']}, lr = {setting['lr']}, "
                 f"反復 {setting['steps']} 回) のまま、正しく更新した結果と違います。")


@_exercise("4-1", "演習4-1", hint=(
    "x = x - lr * x.grad の右辺は計算結果なので、新しい x は葉 (leaf) ではなくなり、次の反復で x.grad が None "
    "になります。x を置き換えずに書き換えましょう: with torch.no_grad(): の中で x -= lr * x.grad とし、"
    "そのあと x.grad.zero_() で勾配を 0 に戻します。"))
def ex4_1(x) -> str:
    """The slides' descent loop on x**2 + exp(-x), fixed: pass the final x (x0=3.0, lr=0.1, 100 steps)."""
    v = _gd_answer(x, _f4_1, EX4_1, "x が「勾配を 0 に戻し忘れた」ときの値になっています。x.grad.zero_() "
                   "を毎回の更新のあとに呼びましょう (演習4-2 も見てください)。")
    return f"最後の x ≈ {v:.4f} (2x = e^(-x) の解の近く) です。"


def _f4_2(x):
    return (x - 2) ** 2


EX4_2 = {"x0": -1.0, "lr": 0.1, "steps": 50}


@_exercise("4-2", "演習4-2", hint=(
    "backward() は勾配を x.grad に足し込みます (上書きしません)。何もしないと、過去の反復の勾配が全部たまって "
    "いきます。更新のあとに x.grad.zero_() を呼んで、毎回 0 から勾配を計算しましょう。"))
def ex4_2(x) -> str:
    """The descent loop on (x-2)**2 that forgot x.grad.zero_(), fixed: pass the final x."""
    v = _gd_answer(x, _f4_2, EX4_2, "x が直す前のループと同じ値です。x.grad.zero_() で、更新のたびに"
                   "勾配を 0 に戻していますか? 戻さないと勾配が反復ごとにたまり、x は最小点のまわりを行き来します。")
    return f"最後の x ≈ {v:.4f} (最小点 x = 2 の近く) です。"


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


@_exercise("4-3", "演習4-3", hint=(
    "点ごとに x = torch.tensor(点, requires_grad=True) を作り直し、y = f(x) を計算して y.backward() を呼び、"
    "x.grad を読みます。if で実際に通った枝の演算だけが記録されるので、x = 2.0 と x = -1.0 では "
    "違う式の微分になります。"))
def ex4_3(grad_a, grad_b) -> str:
    """f'(2.0) and f'(-1.0) of the branching f: pass the two derivative values (x.grad)."""
    if grad_a is None and grad_b is None:
        raise _NoAnswer("")
    names = ("grad_a", "grad_b")
    for obj, name, point, other_point in ((grad_a, names[0], *EX4_3_POINTS),
                                          (grad_b, names[1], *EX4_3_POINTS[::-1])):
        if isinstance(obj, torch.Tensor) and obj.grad_fn is not None:
            raise _Wrong(f"{name} が計算の結果 (grad_fn={_type_name(obj.grad_fn)}) です。関数の値 y を渡して"
                         "いませんか? 微分係数は y.backward() のあとの x.grad です。")
        v = _number(obj, name)
        y, (g,) = _grad_of(_f4_3, point)
        if _near(v, float(g)):
            continue
        _, (g_other_point,) = _grad_of(_f4_3, other_point)
        _, (g_branch,) = _grad_of(_f4_3_other, point)
        if _near(v, float(y)):
            raise _Wrong(f"{name} が x = {point} での関数の値 f({point}) = {_fmt_number(float(y))} です。"
                         "微分係数は y.backward() のあとの x.grad に入っています。")
        if _near(v, 2 * float(g)):
            raise _Wrong(f"{name} が正しい値のちょうど 2 倍です。同じ x で backward() を 2 回実行して勾配が"
                         "たまっていませんか? 点ごとに x を作り直しましょう。")
        if _near(v, float(g_other_point)):
            raise _Wrong(f"{name} が x = {other_point} での微分係数になっています。{name} は x = {point} での値です。")
        if _near(v, float(g_branch)):
            raise _Wrong(f"{name} が、x = {point} では通らない方の枝の式の微分になっています。"
                         "if で実際に実行された式だけが計算グラフに記録されます。")
        if not math.isfinite(v):
            raise _Wrong(f"{name} が nan や inf です。")
        raise _Wrong(f"{name} = {_fmt_number(v)} は x = {point} での微分係数と違います。")
    return "if のどちらの枝を通ったかで、記録される演算 (と微分) が変わります。"


# --- 最終問題 ------------------------------------------------------------------------------

def final_function(x):
    """The final problem's f(x) = -log(1/(1+e^{-x}) + 1) / (x^2 + 1)."""
    return -torch.log(1 / (1 + torch.exp(-x)) + 1) / (x ** 2 + 1)


@functools.lru_cache(maxsize=1)
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


@_exercise("final", "最終問題", hint=(
    "f(x) を torch の関数 (torch.log, torch.exp) で書き、x = torch.tensor(初期値, requires_grad=True) から "
    "勾配降下法を回します: y = f(x); y.backward(); with torch.no_grad(): x -= lr * x.grad; x.grad.zero_()。"
    "x の変化が十分小さくなるまで反復回数を増やしましょう。最後に fx = f(x) も計算して提出します。"))
def final(x, fx) -> str:
    """The minimiser x of final_function and the value f(x), within FINAL_TOL_X of the true x*."""
    if x is None and fx is None:
        raise _NoAnswer("")
    xv = _number(x, "x")
    if not math.isfinite(xv):
        raise _Wrong("x が nan や inf です (発散しています)。学習率 lr を小さくしてみましょう。")
    fv = _number(fx, "fx")
    x_star, f_star = final_minimum()
    f_at_x = float(final_function(torch.tensor(xv, dtype=torch.float64)))
    if _near(xv, f_star, 1e-3) and _near(fv, x_star, 1e-3):
        raise _Wrong("x と fx が逆になっています。x は最小になる点、fx はそこでの f の値です。")
    if not _near(fv, f_at_x, FINAL_TOL_F):
        t = torch.tensor(xv, dtype=torch.float64, requires_grad=True)
        with torch.enable_grad():
            (d,) = torch.autograd.grad(final_function(t), t)
        if _near(fv, float(d), FINAL_TOL_F):
            raise _Wrong("fx が f の微分係数になっています。fx には f(x) の値そのものを入れましょう。")
        raise _Wrong(f"fx = {_fmt_number(fv)} ですが、あなたの x での f の値は {f_at_x:.6f} です。"
                     "fx = f(x) を計算し直しましょう (式の符号や括弧も確かめましょう)。")
    gap = abs(xv - x_star)
    if gap <= FINAL_TOL_X:
        return f"x ≈ {xv:.4f}, f(x) ≈ {fv:.4f} (真の最小点との差は {FINAL_TOL_X:g} 以下です)。"
    if gap <= 0.1:
        raise _Wrong(f"x = {xv:.4f} は最小点に近いですが、まだ収束しきっていません (許容誤差 {FINAL_TOL_X:g})。"
                     "反復回数を増やすか、学習率を調整しましょう。")
    raise _Wrong(f"x = {xv:.4f} は最小点ではありません (f(x) = {f_at_x:.4f})。グラフを描いて最小点のおおよその位置を"
                 "確かめ、勾配降下法の更新式 (x -= lr * x.grad) と x.grad.zero_() を確かめましょう。")


# --- hints and solutions -------------------------------------------------------------------

def ids() -> list[str]:
    """Every exercise id, in order."""
    return list(EXERCISES)


def _lookup(ex_id) -> Exercise | None:
    key = str(ex_id).strip() if isinstance(ex_id, (str, int, float)) else None
    if key is not None and key.startswith("演習"):
        key = key[2:]
    if key in EXERCISES:
        return EXERCISES[key]
    _say(f"演習 {ex_id!r} は見つかりません。使える番号: " + ", ".join(f'"{k}"' for k in EXERCISES))
    return None


def hint(ex_id) -> None:
    """Print the hint of exercise ``ex_id`` (e.g. "1-1", "3-3", "final")."""
    ex = _lookup(ex_id)
    if ex is not None:
        _say(f"💡 {ex.title} のヒント: {ex.hint}")


def _solutions() -> dict:
    try:
        text = resources.files("lecture_utils").joinpath("solutions.json").read_text(encoding="utf-8")
        data = json.loads(text)
        return data if isinstance(data, dict) else {}
    except Exception:  # noqa: BLE001 - a missing file becomes a message, not a traceback
        return {}


def reveal(ex_id) -> None:
    """Print the official solution of exercise ``ex_id``, for a student who is stuck."""
    ex = _lookup(ex_id)
    if ex is None:
        return
    code = _solutions().get(ex.id)
    if not code:
        _say(f"{ex.title} の解答例が見つかりません (lecture_utils/solutions.json)。講師に知らせてください。")
        return
    _say(f"🔑 {ex.title} の解答例 (まず自分で試してから見ましょう):\n{code}")
