"""The judge: right answers pass, and each common mistake gets its own hint."""
import math

import numpy as np
import pytest
import sympy
import torch

from lecture_utils import check


def verdict(capsys, func, *args):
    """Call a check; return (result, printed text)."""
    result = func(*args)
    out = capsys.readouterr().out
    assert isinstance(result, bool)
    return result, out


def assert_hint(capsys, func, args, phrase):
    result, out = verdict(capsys, func, *args)
    assert result is False, out
    assert "❌" in out and phrase in out, out
    return out


def assert_ok(capsys, func, *args):
    result, out = verdict(capsys, func, *args)
    assert result is True, out
    assert out.startswith("✅"), out


def leaf(data, **kw):
    return torch.tensor(data, requires_grad=True, **kw)


def after_backward(fn, *leaves, times=1):
    for _ in range(times):
        fn(*leaves).sum().backward()
    return leaves


# --- 演習1 -------------------------------------------------------------------------------

def test_ex1_1_right(capsys):
    assert_ok(capsys, check.ex1_1, leaf(3.0))
    assert_ok(capsys, check.ex1_1, leaf(3.0, dtype=torch.float64))
    assert_ok(capsys, check.ex1_1, torch.nn.Parameter(torch.tensor(3.0)))


@pytest.mark.parametrize("answer, phrase", [
    (lambda: torch.tensor(3), "整数"),
    (lambda: torch.tensor(3.0), "requires_grad=True が付いていません"),
    (lambda: [3.0], "リストのまま"),
    (lambda: (3.0,), "タプルのまま"),
    (lambda: 3.0, "Python の数"),
    (lambda: "3.0", "文字列"),
    (lambda: leaf([3.0]), "[ ] で囲むと"),
    (lambda: leaf(4.0), "値が違います"),
    (lambda: leaf(3.0) * 1, "葉 (leaf)"),
    (lambda: torch.tensor(True), "bool"),
    (lambda: torch.tensor(3 + 0j), "複素数"),
    (lambda: object(), "Tensor ではありません"),
])
def test_ex1_1_mistakes(capsys, answer, phrase):
    assert_hint(capsys, check.ex1_1, (answer(),), phrase)


def test_ex1_1_numpy(capsys):
    assert_hint(capsys, check.ex1_1, (np.array(3.0),), "NumPy")


def test_no_answer_is_not_a_mistake(capsys):
    result, out = verdict(capsys, check.ex1_1, None)
    assert result is False
    assert check.NO_ANSWER in out and "❌" not in out


def test_ex1_2(capsys):
    assert_ok(capsys, check.ex1_2, leaf([3.0, 4.0, 5.0]))
    assert_hint(capsys, check.ex1_2, (leaf([[3.0, 4.0, 5.0]]),), "[ ] 一重")
    assert_hint(capsys, check.ex1_2, (torch.tensor([3, 4, 5]),), "整数")
    assert_hint(capsys, check.ex1_2, (leaf([3.0, 4.0]),), "形 (shape) が (2,)")


def test_ex1_3(capsys):
    rows = [[3.0, 4.0, 5.0], [6.0, 7.0, 8.0]]
    assert_ok(capsys, check.ex1_3, leaf(rows))
    assert_hint(capsys, check.ex1_3, (leaf(rows).detach().T.clone().requires_grad_(),), "行と列が入れ替わって")
    assert_hint(capsys, check.ex1_3, (leaf(rows[0] + rows[1]),), "二重の [ ]")
    assert_hint(capsys, check.ex1_3, (rows,), "リストのまま")


def test_ex1_4_right_in_every_form(capsys):
    reason = "浮動小数点数と複素数の Tensor しか勾配を持てないから"
    assert_ok(capsys, check.ex1_4, RuntimeError, reason)
    assert_ok(capsys, check.ex1_4, "RuntimeError", reason)
    assert_ok(capsys, check.ex1_4, "RuntimeError: Only Tensors of floating point ...", reason)
    assert_ok(capsys, check.ex1_4, RuntimeError("x"), "requires grad needs a FLOAT or complex dtype")


@pytest.mark.parametrize("error, reason, phrase", [
    (TypeError, "浮動小数点数だけ", "実際に出るエラーの種類は違います"),
    ("ValueError", "浮動小数点数だけ", "実際に出るエラーの種類は違います"),
    ("runtimeerror", "浮動小数点数だけ", "大文字・小文字"),
    (RuntimeError, "整数だから", "どんな型の Tensor なら"),
    (RuntimeError, 3, "文字列"),
    (3, "浮動小数点数だけ", "例外クラス"),
])
def test_ex1_4_mistakes(capsys, error, reason, phrase):
    assert_hint(capsys, check.ex1_4, (error, reason), phrase)


@pytest.mark.parametrize("error, reason, phrase", [
    (None, None, ""), (RuntimeError, None, "reason"), (None, "float", "error"), (RuntimeError, "  ", "reason"),
])
def test_ex1_4_partly_unanswered(capsys, error, reason, phrase):
    result, out = verdict(capsys, check.ex1_4, error, reason)
    assert result is False and check.NO_ANSWER in out and phrase in out


def slides_matrix(buggy):
    matrix = []
    for i in range(10):
        row = []
        for j in range(10 * i + 1, 10 * i + 11):
            row.append(float(j))
            if buggy:
                matrix.append(row)  # the slides' indentation
        if not buggy:
            matrix.append(row)
    return matrix


def test_ex1_5(capsys):
    assert_ok(capsys, check.ex1_5, leaf(slides_matrix(buggy=False)))
    assert_ok(capsys, check.ex1_5, torch.arange(1.0, 101.0).reshape(10, 10).requires_grad_())


@pytest.mark.parametrize("answer, phrase", [
    (lambda: leaf(slides_matrix(buggy=True)), "matrix.append(row) が内側"),
    (lambda: torch.tensor([[float(i) for i in range(10 * j + 1, 10 * j + 11)] for j in range(10)]), "内包表記"),
    (lambda: torch.arange(0.0, 100.0).reshape(10, 10).requires_grad_(), "0 から始まっています"),
    (lambda: torch.arange(1.0, 101.0).reshape(10, 10).T.contiguous().requires_grad_(), "行と列が入れ替わって"),
    (lambda: torch.arange(1.0, 101.0).requires_grad_(), "reshape(10, 10)"),
    (lambda: torch.arange(1.0, 101.0, requires_grad=True).reshape(10, 10), "葉 (leaf)"),
    (lambda: torch.arange(1, 101).reshape(10, 10), "整数"),
])
def test_ex1_5_mistakes(capsys, answer, phrase):
    assert_hint(capsys, check.ex1_5, (answer(),), phrase)


# --- 演習3 -------------------------------------------------------------------------------

def f31(x):
    return x ** 2 + 2 * x + 1


def nan_grad(x):
    x.grad = torch.tensor(float("nan"))
    return x


def test_ex3_1(capsys):
    (x,) = after_backward(f31, leaf(3.0))
    assert x.grad.item() == 8.0  # by hand: 2 * 3 + 2
    assert_ok(capsys, check.ex3_1, x)


@pytest.mark.parametrize("make, phrase", [
    (lambda: after_backward(f31, leaf(3.0), times=2)[0], "ちょうど 2 倍"),
    (lambda: after_backward(f31, leaf(3.0), times=3)[0], "ちょうど 3 倍"),
    (lambda: f31(leaf(3.0)), "関数の値 y"),
    (lambda: after_backward(f31, leaf(3.0))[0].grad, "x.grad を渡していませんか"),
    (lambda: after_backward(f31, leaf(2.0))[0], "違う点"),
    (lambda: leaf(3.0), "backward() を実行しましたか"),
    (lambda: torch.tensor(3.0), "requires_grad=True が付いていません"),
    (lambda: torch.tensor(3), "整数"),
    (lambda: after_backward(f31, leaf([3.0]))[0], "形が (1,)"),
    (lambda: after_backward(lambda x: -f31(x), leaf(3.0))[0], "符号が逆"),
    (lambda: 8.0, "Python の数"),
    (lambda: nan_grad(leaf(3.0)), "関数の式"),
])
def test_ex3_1_mistakes(capsys, make, phrase):
    assert_hint(capsys, check.ex3_1, (make(),), phrase)


def f32(x):
    return x[0] ** 2 + x[1] ** 2 + x[2] ** 2


def test_ex3_2(capsys):
    (x,) = after_backward(f32, leaf([1.0, 2.0, 3.0]))
    assert x.grad.tolist() == [2.0, 4.0, 6.0]
    assert_ok(capsys, check.ex3_2, x)
    assert_hint(capsys, check.ex3_2, (after_backward(f32, leaf([1.0, 2.0, 3.0]), times=2)[0],), "ちょうど 2 倍")
    assert_hint(capsys, check.ex3_2, (after_backward(f32, leaf([3.0, 4.0, 5.0]))[0],), "違う点")
    assert_hint(capsys, check.ex3_2, ([1.0, 2.0, 3.0],), "リストのまま")


W_DATA = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]


def f33(W, x1, x2):
    return torch.matmul(torch.matmul(x1, W), x2)


def test_ex3_3(capsys):
    W, x1, x2 = after_backward(f33, leaf(W_DATA), leaf([[1.0, 2.0]]), leaf([1.0, 2.0, 3.0]))
    assert x1.grad.tolist() == [[14.0, 32.0]] and x2.grad.tolist() == [9.0, 12.0, 15.0]
    assert W.grad.tolist() == [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]]
    assert_ok(capsys, check.ex3_3, W, x1, x2)


def test_ex3_3_slides_pitfall_x1_shape(capsys):
    answer = after_backward(f33, leaf(W_DATA), leaf([1.0, 2.0]), leaf([1.0, 2.0, 3.0]))
    out = assert_hint(capsys, check.ex3_3, answer, "スライドの問題文からの修正")
    assert "(1, 2)" in out


@pytest.mark.parametrize("make, phrase", [
    (lambda: after_backward(f33, leaf(W_DATA), leaf([[1.0, 2.0]]), leaf([[1.0], [2.0], [3.0]])), "x2 の形が (3, 1)"),
    (lambda: after_backward(lambda W, a, b: torch.matmul(torch.matmul(a, W.T), b),
                            leaf([[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]), leaf([[1.0, 2.0]]), leaf([1.0, 2.0, 3.0])),
     "W の形が (3, 2)"),
    (lambda: after_backward(f33, leaf(W_DATA), leaf([[1.0, 2.0]]), leaf([1.0, 2.0, 3.0]), times=2), "ちょうど 2 倍"),
    (lambda: (leaf(W_DATA), None, None), "まだ"),
    (lambda: after_backward(f33, leaf(W_DATA), leaf([[2.0, 1.0]]), leaf([1.0, 2.0, 3.0])), "違う点"),
])
def test_ex3_3_mistakes(capsys, make, phrase):
    result, out = verdict(capsys, check.ex3_3, *make())
    assert result is False and phrase in out, out


def test_judge_leaves_the_answer_alone(capsys):
    (x,) = after_backward(f31, leaf(3.0))
    check.ex3_1(x)
    with torch.no_grad():
        check.ex3_1(x)
        check.ex4_3(12.0, 1.0)
    assert torch.is_grad_enabled()
    assert x.grad.item() == 8.0 and x.requires_grad and x.is_leaf


# --- 演習4 -------------------------------------------------------------------------------

def descent(f, x0, lr, steps, zero=True, retain=False):
    """Independent re-implementation of the loops of the pitfalls notebook."""
    x = torch.tensor(x0, requires_grad=True)
    for _ in range(steps):
        y = f(x)
        y.backward()
        if retain:
            x = x - lr * x.grad
            x.retain_grad()
            continue
        with torch.no_grad():
            x -= lr * x.grad
        if zero:
            x.grad.zero_()
    return x


def f41(x):
    return x ** 2 + torch.exp(-x)


def f42(x):
    return (x - 2) ** 2


def test_ex4_1(capsys):
    x = descent(f41, 3.0, 0.1, 100)
    assert abs(2 * x.item() - math.exp(-x.item())) < 1e-4  # f'(x) = 0 at the minimiser
    assert_ok(capsys, check.ex4_1, x)
    assert_ok(capsys, check.ex4_1, x.item())


@pytest.mark.parametrize("make, phrase", [
    (lambda: descent(f41, 3.0, 0.1, 100, retain=True), "x = x - lr * x.grad"),
    (lambda: descent(f41, 3.0, 0.1, 100, zero=False), "勾配を 0 に戻し忘れた"),
    (lambda: torch.tensor(float("nan")), "発散"),
    (lambda: 3.0, "最初の値のまま"),
    (lambda: descent(f41, 3.0, 0.1, 10), "正しく更新した結果と違います"),
    (lambda: [0.35], "リスト"),
])
def test_ex4_1_mistakes(capsys, make, phrase):
    assert_hint(capsys, check.ex4_1, (make(),), phrase)


def test_ex4_2(capsys):
    x = descent(f42, -1.0, 0.1, 50)
    assert abs(x.item() - 2.0) < 1e-3
    assert_ok(capsys, check.ex4_2, x)
    assert_hint(capsys, check.ex4_2, (descent(f42, -1.0, 0.1, 50, zero=False),), "直す前のループと同じ値")


def f43(x):
    if x > 0:
        return x ** 3
    else:
        return -2 * x + torch.sin(x)


def grad_at(f, point, times=1):
    x = torch.tensor(point, requires_grad=True)
    for _ in range(times):
        f(x).backward()
    return x.grad


def test_ex4_3(capsys):
    a, b = grad_at(f43, 2.0), grad_at(f43, -1.0)
    assert a.item() == 12.0 and abs(b.item() - (-2 + math.cos(1.0))) < 1e-6
    assert_ok(capsys, check.ex4_3, a, b)
    assert_ok(capsys, check.ex4_3, 12.0, -2 + math.cos(1.0))


@pytest.mark.parametrize("make, phrase", [
    (lambda: (f43(torch.tensor(2.0)).item(), grad_at(f43, -1.0)), "関数の値 f(2.0)"),
    (lambda: (grad_at(f43, 2.0, times=2), grad_at(f43, -1.0)), "ちょうど 2 倍"),
    (lambda: (grad_at(f43, -1.0), grad_at(f43, 2.0)), "x = -1.0 での微分係数"),
    (lambda: (grad_at(f43, 2.0), torch.tensor(3.0)), "通らない方の枝"),
    (lambda: (f43(torch.tensor(2.0, requires_grad=True)), 1.0), "関数の値 y"),
    (lambda: (grad_at(f43, 2.0), None), "まだ"),
])
def test_ex4_3_mistakes(capsys, make, phrase):
    result, out = verdict(capsys, check.ex4_3, *make())
    assert result is False and phrase in out, out


# --- 最終問題 ------------------------------------------------------------------------------

def test_final_minimum_agrees_with_sympy():
    s = sympy.Symbol("x", real=True)
    f = -sympy.log(1 / (1 + sympy.exp(-s)) + 1) / (s ** 2 + 1)
    root = float(sympy.nsolve(sympy.diff(f, s), s, 0.2, prec=30))
    x_star, f_star = check.final_minimum()
    assert abs(x_star - root) < 1e-9
    assert abs(f_star - float(f.subs(s, root))) < 1e-12
    assert float(sympy.diff(f, s, 2).subs(s, root)) > 0  # a minimum, not a maximum


def test_final(capsys):
    x_star, f_star = check.final_minimum()
    x = x_star + 0.5 * check.FINAL_TOL_X
    fx = check.final_function(torch.tensor(x, dtype=torch.float64)).item()
    assert_ok(capsys, check.final, x, fx)
    assert_ok(capsys, check.final, torch.tensor(x), torch.tensor(fx))


def final_at(x):
    return x, check.final_function(torch.tensor(x, dtype=torch.float64)).item()


@pytest.mark.parametrize("make, phrase", [
    (lambda: final_at(check.final_minimum()[0])[::-1], "逆"),
    (lambda: final_at(check.final_minimum()[0] + 0.01), "収束しきって"),
    (lambda: final_at(3.0), "最小点ではありません"),
    (lambda: (float("nan"), 0.0), "発散"),
    (lambda: (check.final_minimum()[0], 1.0), "計算し直し"),
    (lambda: (check.final_minimum()[0], None), "fx が None"),
])
def test_final_mistakes(capsys, make, phrase):
    result, out = verdict(capsys, check.final, *make())
    assert result is False and phrase in out, out


def test_final_fx_is_the_derivative(capsys):
    x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    (d,) = torch.autograd.grad(-torch.log(torch.sigmoid(x) + 1) / (x ** 2 + 1), x)
    assert_hint(capsys, check.final, (1.0, d.item()), "微分係数")
