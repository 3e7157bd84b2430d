"""Answers as students write them: each gets the verdict, and the words, that fit its mistake.

A case is the code a student puts in an exercise cell, the arguments of the check call
(the check's parameters by default), the verdict mark, and phrases the message must contain.
The code runs after the exercise notebook's own set-up (CONTEXT), as in the notebook.
"""
import textwrap

import numpy as np
import pytest
import torch

from lecture_utils import check

CONTEXT = {
    "4-1": "xs = torch.tensor([0.0, 1.0, 2.0, 3.0])\nys = torch.tensor([1.0, 3.0, 4.0, 6.0])",
    "4-3": "def f(x):\n    if x > 0:\n        return x ** 3\n    else:\n        return -2 * x + torch.sin(x)",
    "final": "def f(x):\n    return -torch.log(1 / (1 + torch.exp(-x)) + 1) / (x ** 2 + 1)",
}

RIGHT, WRONG, NONE = "✅", "❌", "📝"


def case(ex_id, code, mark, *phrases, call=None, name=None):
    return pytest.param(ex_id, textwrap.dedent(code).strip(), call, mark, phrases, id=f"{ex_id}: {name}")


def loop_4_1(update="a -= lr * a.grad\n        b -= lr * b.grad", zero="a.grad.zero_()\n    b.grad.zero_()",
             loss="((a * xs + b - ys) ** 2).mean()", lr="0.05", steps="range(50)"):
    return f"""
a = torch.tensor(0.0, requires_grad=True)
b = torch.tensor(0.0, requires_grad=True)
lr = {lr}
for i in {steps}:
    loss = {loss}
    loss.backward()
    with torch.no_grad():
        {update}
    {zero}
"""


def loop_4_2(zero="x.grad.zero_()", lr="0.1", steps="range(21)", order="update-zero"):
    update = "with torch.no_grad():\n        x -= lr * x.grad"
    body = f"{update}\n    {zero}" if order == "update-zero" else f"{zero}\n    {update}"
    return f"""
x = torch.tensor(-1.0, requires_grad=True)
lr = {lr}
for i in {steps}:
    y = (x - 2) ** 2
    y.backward()
    {body}
"""


FINAL_LOOP = """
x = torch.tensor({x0}, requires_grad=True)
for i in range({steps}):
    y = f(x)
    y.backward()
    with torch.no_grad():
        x {op}= {lr} * x.grad
    x.grad.zero_()
"""

CASES = [
    # --- 演習1-1 ----------------------------------------------------------------------------
    case("1-1", "x = torch.tensor(3.0, requires_grad=True)", RIGHT, "スカラ", name="right"),
    case("1-1", "x = torch.tensor(3., dtype=torch.float64, requires_grad=True)", RIGHT, name="float64"),
    case("1-1", "x = torch.tensor(3.0).requires_grad_()", RIGHT, name="requires_grad_()"),
    case("1-1", "x = torch.tensor(3, dtype=torch.float32, requires_grad=True)", RIGHT, name="dtype given"),
    case("1-1", "x = torch.tensor(3.0)", WRONG, "requires_grad=True が付いていません", name="no requires_grad"),
    case("1-1", "x = torch.tensor([3.0], requires_grad=True)", WRONG, "[ ] で囲むと", name="in brackets"),
    case("1-1", "x = torch.Tensor([3.0])", WRONG, "[ ] で囲むと", name="torch.Tensor([3.0])"),
    case("1-1", "x = torch.tensor(3)", WRONG, "整数", name="integer"),
    case("1-1", "x = 3.0", WRONG, "Python の数", name="python float"),
    case("1-1", "x = torch.tensor(3.0, requires_grad=True).item()", WRONG, "Python の数", name=".item()"),
    case("1-1", 'x = "torch.tensor(3.0, requires_grad=True)"', WRONG, "文字列", name="quoted code"),
    case("1-1", "x = torch.tensor(4.0, requires_grad=True)", WRONG, "値が違います", "4.0", name="other value"),
    case("1-1", "x = torch.tensor(3.0, requires_grad=True) + 0", WRONG, "葉 (leaf)", name="computed"),
    case("1-1", "x = None", NONE, "x が None", "x = None の行より下", name="untouched"),
    case("1-1", "x = torch.tensor(3.0, requires_grad=True)\nx = None", NONE, "「# ここに解答を書いてください」の行",
         "x = None の行より下", name="answer above the placeholder"),
    # --- 演習1-2 ----------------------------------------------------------------------------
    case("1-2", "x = torch.tensor([3.0, 4.0, 5.0], requires_grad=True)", RIGHT, "(3,)", name="right"),
    case("1-2", "x = torch.tensor((3.0, 4.0, 5.0), requires_grad=True)", RIGHT, name="from a tuple"),
    case("1-2", "x = torch.tensor([[3.0, 4.0, 5.0]], requires_grad=True)", WRONG, "[ ] 一重", name="double brackets"),
    case("1-2", "x = torch.tensor([3, 4, 5])", WRONG, "整数", name="integers"),
    case("1-2", "x = [3.0, 4.0, 5.0]", WRONG, "リストのまま", name="a list"),
    case("1-2", "x = np.array([3.0, 4.0, 5.0])", WRONG, "NumPy", name="numpy"),
    case("1-2", "x = torch.tensor([3.0, 4.0], requires_grad=True)", WRONG, "形 (shape) が (2,)", "(3,)",
         name="two values"),
    # --- 演習1-3 ----------------------------------------------------------------------------
    case("1-3", "X = torch.tensor([[3.0, 4.0, 5.0], [6.0, 7.0, 8.0]], requires_grad=True)", RIGHT, name="right"),
    case("1-3", "X = torch.tensor([[3.0, 6.0], [4.0, 7.0], [5.0, 8.0]], requires_grad=True)", WRONG,
         "行と列が入れ替わって", name="transposed"),
    case("1-3", "X = torch.tensor([3.0, 4.0, 5.0, 6.0, 7.0, 8.0], requires_grad=True)", WRONG, "二重の [ ]",
         name="flat"),
    case("1-3", "X = torch.tensor([[3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])", WRONG, "requires_grad=True",
         name="no requires_grad"),
    case("1-3", "X = torch.tensor([[3, 4, 5], [6, 7, 8]])", WRONG, "整数", name="integers"),
    case("1-3", "X = torch.tensor([[3.0, 4.0, 5.0], [6.0, 7.0, 9.0]], requires_grad=True)", WRONG, "値が違います",
         name="a typo"),
    # --- 演習1-4: error is graded, reason is shown next to the model answer --------------------
    case("1-4", 'error = RuntimeError\nreason = "float と complex だけが勾配を持てるから"', RIGHT,
         "自動では判定しません", "解答例", "要点", name="right"),
    case("1-4", 'error = RuntimeError\nreason = "float は勾配を持てないから"', RIGHT, "自動では判定しません",
         "float は勾配を持てないから", name="wrong reason is not graded"),
    case("1-4", 'error = RuntimeError\nreason = "整数は連続な値ではないので微分が定義できない"', RIGHT,
         "自動では判定しません", name="notebook 02's reason is not graded"),
    case("1-4", """
try:
    torch.tensor(3, requires_grad=True)
except Exception as e:
    error = e
reason = "整数は微分できない"
""", RIGHT, name="the caught exception"),
    case("1-4", """
try:
    torch.tensor(3, requires_grad=True)
except Exception as e:
    error = type(e)
    message = str(e)
reason = message
""", RIGHT, name="type(e), the message as reason"),
    case("1-4", 'error = "RuntimeError: Only Tensors of floating point and complex dtype can require gradients"\n'
                'reason = "小数だけ"', RIGHT, name="the whole last line"),
    case("1-4", 'error = TypeError\nreason = "小数だけ"', WRONG, "実際に出るエラーの種類は違います", name="TypeError"),
    case("1-4", 'error = "ValueError"\nreason = "小数だけ"', WRONG, "実際に出るエラーの種類は違います",
         name="ValueError"),
    case("1-4", 'error = "runtimeerror"\nreason = "小数だけ"', WRONG, "大文字・小文字", name="lower case"),
    case("1-4", 'error = "Runtime Error"\nreason = "小数だけ"', WRONG, "空白", name="with a space"),
    case("1-4", 'error = "RuntimeErorr"\nreason = "小数だけ"', WRONG, "つづり", name="misspelt"),
    case("1-4", 'error = Exception\nreason = "小数だけ"', WRONG, "親のクラス", name="Exception"),
    case("1-4", 'error = "エラー"\nreason = "x"', WRONG, "英語の名前", name="a Japanese word as error"),
    case("1-4", 'error = "Only Tensors of floating point and complex dtype can require gradients"\nreason = "x"',
         WRONG, "エラーメッセージの文章", name="the message as error"),
    case("1-4", 'error = RuntimeError\nreason = ""', WRONG, "reason が空", name="empty reason"),
    case("1-4", "error = RuntimeError\nreason = 3", WRONG, "文字列", name="reason not text"),
    case("1-4", "error = RuntimeError\nreason = None", NONE, "reason が None", name="reason missing"),
    # --- 演習1-5 ----------------------------------------------------------------------------
    case("1-5", """
matrix = []
for i in range(10):
    row = []
    for j in range(10 * i + 1, 10 * i + 11):
        row.append(float(j))
    matrix.append(row)
X = torch.tensor(matrix, requires_grad=True)
""", RIGHT, name="loops"),
    case("1-5", "X = torch.tensor([[float(i) for i in range(10 * j + 1, 10 * j + 11)] for j in range(10)], "
                "requires_grad=True)", RIGHT, name="comprehension"),
    case("1-5", "X = torch.arange(2.0, 102.0).reshape(10, 10).requires_grad_()", WRONG,
         "先頭から 2.0, 3.0, 4.0", "最後は 101.0", "最後は 100.0", name="one too many: 2 to 101"),
    case("1-5", "X = torch.arange(1, 101, dtype=torch.float32).reshape(10, 10).requires_grad_()", RIGHT,
         name="arange"),
    case("1-5", "X = torch.linspace(1, 100, 100).reshape(10, 10).requires_grad_()", RIGHT, name="linspace"),
    case("1-5", """
matrix = []
for i in range(10):
    row = []
    for j in range(10 * i + 1, 10 * i + 11):
        row.append(float(j))
        matrix.append(row)
X = torch.tensor(matrix, requires_grad=True)
""", WRONG, "(100, 10)", "内側の for", name="the slides' indentation"),
    case("1-5", "X = torch.tensor([[float(i) for i in range(10 * j + 1, 10 * j + 11)] for j in range(10)])", WRONG,
         "内包表記", name="the slides' comprehension"),
    case("1-5", "X = torch.tensor([[float(i) for i in range(10 * j, 10 * j + 10)] for j in range(10)], "
                "requires_grad=True)", WRONG, "0 から始まって", name="0 to 99"),
    case("1-5", "X = torch.tensor([[float(i) for i in range(10 * j + 1, 10 * j + 10)] for j in range(10)], "
                "requires_grad=True)", WRONG, "9 個", "range", name="range end left out"),
    case("1-5", "X = torch.arange(1.0, 100.0, requires_grad=True)", WRONG, "99 個", name="1 to 99"),
    case("1-5", "X = torch.arange(1.0, 101.0, requires_grad=True).reshape(10, 10)", WRONG, "葉 (leaf)",
         name="reshape after requires_grad"),
    case("1-5", "X = torch.arange(1.0, 101.0, requires_grad=True)", WRONG, "reshape(10, 10)", name="not reshaped"),
    case("1-5", "X = torch.tensor([[j for j in range(10 * i + 1, 10 * i + 11)] for i in range(10)])", WRONG, "整数",
         "float(j)", name="integers"),
    case("1-5", "X = torch.arange(1, 101).reshape(10, 10)", WRONG, "整数", "torch.arange(1.0, 101.0)",
         name="integer arange"),
    case("1-5", "X = torch.tensor([[float(10 * j + i + 1) for j in range(10)] for i in range(10)], "
                "requires_grad=True)", WRONG, "行と列が入れ替わって", name="transposed"),
    # --- 演習3-1 ----------------------------------------------------------------------------
    case("3-1", "x = torch.tensor(3.0, requires_grad=True)\ny = x ** 2 + 2 * x + 1\ny.backward()", RIGHT, "8.0",
         name="right"),
    case("3-1", "x = torch.tensor(3.0, requires_grad=True)\ny = x ** 2 + 2 * x\ny.backward()", RIGHT,
         name="constant left out: same derivative"),
    case("3-1", "x = torch.tensor(3.0, requires_grad=True)\ny = x ** 2 + 2 * x + 1\ny.backward()\n"
                "y = x ** 2 + 2 * x + 1\ny.backward()", WRONG, "ちょうど 2 倍", "backward() を 2 回",
         name="backward twice"),
    case("3-1", "x = torch.tensor(3.0, requires_grad=True)\ny = x ** 2 + 2 * x + 1\ny.backward()", WRONG,
         "x.grad を渡していませんか", call="x.grad", name="x.grad passed"),
    case("3-1", "x = torch.tensor(3.0, requires_grad=True)\ny = x ** 2 + 2 * x + 1\ny.backward()", WRONG,
         "x.grad (勾配", "x そのもの", call="x.grad.item()", name="x.grad.item() passed"),
    case("3-1", "x = torch.tensor(3.0, requires_grad=True)\ny = x ** 2 + 2 * x + 1\ny.backward()", WRONG,
         "関数の値 y", call="y", name="y passed"),
    case("3-1", "x = torch.tensor(3.0, requires_grad=True)\ny = x ** 2 + 2 * x + 1\ny.backward()", WRONG,
         "関数の値 y", call="y.item()", name="y.item() passed"),
    case("3-1", "x = torch.tensor(3.0, requires_grad=True)\ny = x ** 2 + 2 * x + 1\ny.backward()", WRONG,
         "x の値", call="x.item()", name="x.item() passed"),
    case("3-1", "x = torch.tensor(2.0, requires_grad=True)\ny = x ** 2 + 2 * x + 1\ny.backward()", WRONG,
         "問題の x は 3.0", name="other point"),
    case("3-1", "x = torch.tensor([3.0], requires_grad=True)\ny = x ** 2 + 2 * x + 1\ny.backward()", WRONG,
         "要素 1 個のベクトル", "[ ] なし", name="[3.0], as notebook 3 shows works"),
    case("3-1", "x = torch.tensor(3.0, requires_grad=True)\ny = x ** 2 + 2 * x + 1", WRONG,
         "backward() を実行しましたか", name="no backward"),
    case("3-1", "x = torch.tensor(3.0, requires_grad=True)\ny = x ** 2 + 2 * x + 1\ny.backward()\n"
                "x = torch.tensor(3.0, requires_grad=True)", WRONG, "x.grad が None", name="x made again after"),
    case("3-1", "x = torch.tensor(3.0, requires_grad=True)\ny = x ** 2 + 2 * x + 1\ny.backward()\nx.grad.zero_()",
         WRONG, "すべて 0", name="zeroed before the check"),
    case("3-1", "x = torch.tensor(3.0, requires_grad=True)\ny = x ** 2 - 2 * x + 1\ny.backward()", WRONG,
         "正しい勾配と違います", name="wrong sign inside"),
    case("3-1", "x = torch.tensor(3.0, requires_grad=True)\ny = -(x ** 2 + 2 * x + 1)\ny.backward()", WRONG,
         "符号が正しい値と逆", name="negated"),
    case("3-1", "x = torch.tensor([3.0], requires_grad=True)\ny = x ** 2 + 2 * x + 1\ny.backward()", WRONG,
         "(1,)", "()", name="in brackets"),
    # --- 演習3-2 ----------------------------------------------------------------------------
    case("3-2", "x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\n"
                "y = x[0] ** 2 + x[1] ** 2 + x[2] ** 2\ny.backward()", RIGHT, "[2.0, 4.0, 6.0]", name="right"),
    case("3-2", "x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\n(x ** 2).sum().backward()", RIGHT,
         name="sum()"),
    case("3-2", "x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\ny = x ** 2\ny.backward(torch.ones(3))",
         RIGHT, name="backward with a vector"),
    case("3-2", "x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\n(x ** 2).sum().backward()\n"
                "(x ** 2).sum().backward()", WRONG, "ちょうど 2 倍", name="backward twice"),
    case("3-2", "x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\n(x ** 2).sum().backward()", WRONG,
         "x.grad (勾配", call="x.grad.tolist()", name="x.grad.tolist() passed"),
    case("3-2", "x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\n(x ** 2).sum().backward()", WRONG,
         "x.grad を渡していませんか", call="x.grad", name="x.grad passed"),
    case("3-2", "x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\ny = x[0] ** 2 + x[1] ** 2\ny.backward()",
         WRONG, "正しい勾配と違います", name="a term left out"),
    case("3-2", "x = torch.tensor([[1.0, 2.0, 3.0]], requires_grad=True)\n(x ** 2).sum().backward()", WRONG,
         "形 (3,)", name="a row matrix"),
    # --- 演習3-3: the faithful shapes pass, the others are named --------------------------------
    case("3-3", """
W = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
x1 = torch.tensor([[1.0, 2.0]], requires_grad=True)
x2 = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
torch.matmul(torch.matmul(x1, W), x2).backward()
""", RIGHT, "要素 1 個", "backward() を引数なしで", name="the slides' shapes"),
    case("3-3", """
W = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
x1 = torch.tensor([1.0, 2.0], requires_grad=True)
x2 = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
(x1 @ W @ x2).backward()
""", RIGHT, "形 ()", name="x1 of shape (2,)"),
    case("3-3", """
W = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
x1 = torch.tensor([[1.0, 2.0]], requires_grad=True)
x2 = torch.tensor([[1.0], [2.0], [3.0]], requires_grad=True)
(x1 @ W @ x2).backward()
""", RIGHT, "形 (1, 1)", name="column x2 of shape (3, 1)"),
    case("3-3", """
W = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
x1 = torch.tensor([1.0, 2.0], requires_grad=True)
x2 = torch.tensor([[1.0], [2.0], [3.0]], requires_grad=True)
torch.matmul(x1, torch.matmul(W, x2)).backward()
""", RIGHT, name="(2,) and (3, 1), other bracketing"),
    case("3-3", """
W = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
x1 = torch.tensor([[1.0], [2.0]], requires_grad=True)
x2 = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
(x1.T @ W @ x2).backward()
""", WRONG, "列ベクトル", "(1, 2) か (2,)", name="x1 as a column"),
    case("3-3", """
W = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
x1 = torch.tensor([[1.0, 2.0]], requires_grad=True)
x2 = torch.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
(x1 @ W @ x2.T).backward()
""", WRONG, "行ベクトル", "(3,) か (3, 1)", name="x2 as a row"),
    case("3-3", """
W = torch.tensor([[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]], requires_grad=True)
x1 = torch.tensor([[1.0, 2.0]], requires_grad=True)
x2 = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
(x1 @ W.T @ x2).backward()
""", WRONG, "W の形が (3, 2)", name="W transposed"),
    case("3-3", """
W = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
x1 = torch.tensor([[1.0, 2.0]])
x2 = torch.tensor([1.0, 2.0, 3.0])
(x1 @ W @ x2).backward()
""", WRONG, "x1 に requires_grad=True が付いていません", name="only W requires grad"),
    case("3-3", """
W = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
x1 = torch.tensor([[1.0, 2.0]], requires_grad=True)
x2 = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
(x1 @ W @ x2).backward()
""", WRONG, "W.grad を渡していませんか", call="W.grad, x1.grad, x2.grad", name="the gradients passed"),
    case("3-3", """
W = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
x1 = torch.tensor([1.0, 2.0], requires_grad=True)
x2 = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
(x1 @ W @ x2).backward()
""", WRONG, "入れ替わっていませんか", call="W, x2, x1", name="x1 and x2 swapped"),
    case("3-3", """
W = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
x1 = torch.tensor([[1.0, 2.0]], requires_grad=True)
x2 = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x1 @ W @ x2
y.backward(retain_graph=True)
y.backward()
""", WRONG, "ちょうど 2 倍", name="backward twice"),
    case("3-3", """
W = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
x1 = torch.tensor([[1.0, 2.0]], requires_grad=True)
x2 = None
""", NONE, "x2 が None", name="x2 not yet"),
    case("3-3", "W = x1 = x2 = None", WRONG, "渡し方", call="W, x1", name="two arguments"),
    # --- 演習4-1: the final (a, b) after exactly these settings --------------------------------
    case("4-1", loop_4_1(), RIGHT, "a ≈ 1.6298", name="right"),
    case("4-1", loop_4_1(zero="a.grad = None\n    b.grad = None"), RIGHT, name="grad = None"),
    case("4-1", loop_4_1(), RIGHT, call="a.item(), b.item()", name="as numbers"),
    case("4-1", loop_4_1(zero="pass"), WRONG, "勾配を 0 に戻さないループと同じ値", name="never zeroed"),
    case("4-1", loop_4_1(zero="a.grad.zero_()"), WRONG, "b.grad だけを 0 に戻さない", name="only a zeroed"),
    case("4-1", loop_4_1(zero="if i % 2 == 0:\n        a.grad.zero_()\n        b.grad.zero_()"), WRONG,
         "2 回に 1 回", name="every other step"),
    case("4-1", loop_4_1(loss="((a * xs + b - ys) ** 2).sum()"), WRONG, "合計 (.sum())", name="sum, not mean"),
    case("4-1", loop_4_1(loss="((ys - a * xs + b) ** 2).mean()"), WRONG, "符号だけ逆", "かっこ",
         name="missing brackets"),
    case("4-1", loop_4_1(lr="0.1"), WRONG, "lr = 0.1 で更新したループ", "lr = 0.05", name="other lr"),
    case("4-1", loop_4_1(steps="range(1, 50)"), WRONG, "49 回", name="49 updates"),
    case("4-1", loop_4_1(update="a -= lr * a.grad"), WRONG, "b が最初の値 0.0 のまま", name="b never updated"),
    case("4-1", loop_4_1(), WRONG, "入れ替わって", call="b, a", name="swapped"),
    case("4-1", "a, b = 1.6, 1.1", WRONG, "最小になる点そのもの", "まだ最小点に届いていません", name="the optimum"),
    case("4-1", "a, b = 1.63, 1.04", WRONG, "小数第 2 位で丸めた", "0.0001", name="rounded by hand"),
    case("4-1", """
a = torch.tensor(0.0, requires_grad=True)
b = torch.tensor(0.0, requires_grad=True)
for i in range(50):
    loss = ((a * xs + b - ys) ** 2).mean()
    loss.backward()
    a = a - 0.05 * a.grad
    b = b - 0.05 * b.grad
    a.retain_grad()
    b.retain_grad()
""", WRONG, "葉の Tensor ではありません", "a -= lr * a.grad", name="a = a - lr * a.grad"),
    case("4-1", loop_4_1(), WRONG, "渡し方", call="[a, b]", name="one list"),
    # --- 演習4-2: the fixed loop's x after 21 updates --------------------------------------------
    case("4-2", loop_4_2(), RIGHT, "1.9723", name="right"),
    case("4-2", loop_4_2(zero="x.grad = None"), RIGHT, name="grad = None"),
    case("4-2", """
x = torch.tensor(-1.0, requires_grad=True)
for i in range(21):
    if x.grad is not None:
        x.grad.zero_()
    y = (x - 2) ** 2
    y.backward()
    with torch.no_grad():
        x -= 0.1 * x.grad
""", RIGHT, name="zeroed before backward"),
    case("4-2", loop_4_2(zero="pass"), WRONG, "勾配を 0 に戻さないループと同じ値", name="the buggy loop"),
    case("4-2", loop_4_2(zero="if i % 2 == 0:\n        x.grad.zero_()"), WRONG, "2 回に 1 回",
         name="zeroed every other step"),
    case("4-2", loop_4_2(zero="if i % 2 == 1:\n        x.grad.zero_()"), WRONG, "2 回に 1 回",
         name="zeroed every other step, odd"),
    case("4-2", loop_4_2(lr="0.05"), WRONG, "lr = 0.05 で更新したループ", name="smaller lr"),
    case("4-2", loop_4_2(lr="0.01"), WRONG, "lr = 0.01", name="much smaller lr"),
    case("4-2", "x = 2.0", WRONG, "最小になる点そのもの", "まだ最小点に届いていません", name="bare 2.0"),
    case("4-2", "x = torch.tensor(2.0)", WRONG, "最小になる点そのもの", name="tensor 2.0"),
    case("4-2", loop_4_2(order="zero-update"), WRONG, "最初の値のまま", "zero_() を更新より前",
         name="zeroed before the update"),
    case("4-2", loop_4_2(steps="range(20)"), WRONG, "20 回", name="20 updates"),
    case("4-2", loop_4_2(lr="0.9"), WRONG, "問題の設定", name="lr 0.9 (0.1's mirror: the same x after an even count)"),
    case("4-2", loop_4_2(steps="range(50)"), WRONG, "最小になる点そのもの", name="the old 50 updates"),
    case("4-2", loop_4_2(lr="0.15"), WRONG, "問題の設定", name="lr 0.15 (equals the right loop's 32nd step)"),
    case("4-2", """
for i in range(21):
    x = torch.tensor(-1.0, requires_grad=True)
    y = (x - 2) ** 2
    y.backward()
    with torch.no_grad():
        x -= 0.1 * x.grad
    x.grad.zero_()
""", WRONG, "1 回まわしたときの値", "作り直していませんか", name="x made inside the loop"),
    case("4-2", "x = 1.97", WRONG, "小数第 2 位で丸めた", name="rounded by hand"),
    case("4-2", "x = 1.9723", RIGHT, name="copied from tensor(1.9723)"),
    case("4-2", """
x = torch.tensor(-1.0, requires_grad=True)
for i in range(21):
    y = (x - 2) ** 2
    y.backward()
    x = x - 0.1 * x.grad
    x.retain_grad()
""", WRONG, "葉の Tensor ではありません", "retain_grad()", name="x = x - lr * x.grad with retain_grad"),
    # --- 演習4-3: each point's own derivative ----------------------------------------------
    case("4-3", """
x = torch.tensor(2.0, requires_grad=True)
f(x).backward()
grad_a = x.grad
x = torch.tensor(-1.0, requires_grad=True)
f(x).backward()
grad_b = x.grad
""", RIGHT, name="right, tensors"),
    case("4-3", "grad_a = 12.0\ngrad_b = -1.4597", RIGHT, name="copied from the printout"),
    case("4-3", """
x = torch.tensor(2.0, requires_grad=True)
f(x).backward()
grad_a = x.grad
with torch.no_grad():
    x.fill_(-1.0)
f(x).backward()
grad_b = x.grad
""", WRONG, "同じ Tensor", "コピーせず", name="one x reused, grad_a = x.grad"),
    case("4-3", """
x = torch.tensor(2.0, requires_grad=True)
f(x).backward()
grad_a = x.grad.item()
x.data = torch.tensor(-1.0)
f(x).backward()
grad_b = x.grad.item()
""", WRONG, "grad_b が f'(-1.0) と f'(2.0) の和", "作り直しましょう", name="one x reused, .item()"),
    case("4-3", """
x = torch.tensor(2.0, requires_grad=True)
f(x).backward()
f(x).backward()
grad_a = x.grad.item()
x = torch.tensor(-1.0, requires_grad=True)
f(x).backward()
grad_b = x.grad.item()
""", WRONG, "ちょうど 2 倍", name="backward twice at 2.0"),
    case("4-3", """
x = torch.tensor(2.0, requires_grad=True)
grad_a = f(x)
grad_b = -1.4597
""", WRONG, "計算の結果", "関数の値 y", name="y passed"),
    case("4-3", "grad_a = f(torch.tensor(2.0)).item()\ngrad_b = -1.4597", WRONG, "関数の値 f(2.0)",
         name="f(2.0) passed"),
    case("4-3", "grad_a = -1.4597\ngrad_b = 12.0", WRONG, "x = -1.0 での微分係数", name="swapped"),
    case("4-3", "grad_a = 12.0\ngrad_b = 3.0", WRONG, "通らない方の枝", name="other branch"),
    case("4-3", "x = torch.tensor(2.0, requires_grad=True)\nf(x).backward()\ngrad_a = x\ngrad_b = -1.4597", WRONG,
         "x を渡していませんか", name="x passed"),
    case("4-3", "grad_a = 12.0\ngrad_b = -1.46", WRONG, "小数第 2 位で丸めた", name="rounded by hand"),
    case("4-3", "x = torch.tensor(2.0, requires_grad=True)\ngrad_a = x.grad\ngrad_b = -1.4597", NONE,
         "grad_a が None", "backward() を呼ぶまで None", name="read before backward"),
    # --- 最終問題 ---------------------------------------------------------------------------------
    case("final", FINAL_LOOP.format(x0=3.0, steps=100, op="-", lr=1.0) + "fx = f(x).item()\nx = x.item()", RIGHT,
         name="right"),
    case("final", FINAL_LOOP.format(x0=3.0, steps=500, op="-", lr=0.5) + "fx = f(x)", RIGHT,
         name="tensors passed"),
    case("final", "x, fx = 0.19, -0.4213", RIGHT, name="four decimals copied"),
    case("final", "x, fx = 0.190, -0.421", WRONG, "小数第 3 位で丸めた", "0.0001", name="fx rounded to 3 places"),
    case("final", "x, fx = 0.2, -0.4213", WRONG, "小数第 1 位で丸めた", "0.001", name="x rounded to 1 place"),
    case("final", "x, fx = -0.4213, 0.19", WRONG, "逆", name="swapped"),
    case("final", FINAL_LOOP.format(x0=10.0, steps=300, op="-", lr=1.0) + "fx = f(x).item()", WRONG,
         "ほとんど平ら", name="started on the plateau"),
    case("final", FINAL_LOOP.format(x0=3.0, steps=100, op="+", lr=1.0) + "fx = f(x).item()", WRONG,
         "最小点ではありません", name="gradient ascent"),
    case("final", FINAL_LOOP.format(x0=3.0, steps=10, op="-", lr=1.0) + "fx = f(x).item()", WRONG,
         "最小点ではありません", "反復回数を増やして", name="too few updates"),
    case("final", FINAL_LOOP.format(x0=3.0, steps=100, op="-", lr=0.1) + "fx = f(x).item()", WRONG,
         "ループが正しくても", "学習率 lr が小さい", name="right loop, notebook 4's lr = 0.1: still on its way"),
    case("final", FINAL_LOOP.format(x0=3.0, steps=30, op="-", lr=1.0) + "fx = f(x).item()", WRONG,
         "近いですが", "0.001", name="almost there"),
    case("final", FINAL_LOOP.format(x0=3.0, steps=100, op="-", lr=1.0) + "fx = -f(x).item()", WRONG,
         "符号だけ逆", name="fx with the sign dropped"),
    case("final", FINAL_LOOP.format(x0=3.0, steps=100, op="-", lr=1.0) + "fx = f(x + 0.1).item()", WRONG,
         "あなたの x での f の値は", name="fx at another x"),
    case("final", FINAL_LOOP.format(x0=3.0, steps=100, op="-", lr=1.0) + "fx = None", NONE, "fx が None",
         name="fx not yet"),
]


@pytest.mark.parametrize("ex_id, code, call, mark, phrases", CASES)
def test_student_answer(ex_id, code, call, mark, phrases, capsys):
    namespace = {"torch": torch, "np": np, "check": check}
    exec(CONTEXT.get(ex_id, ""), namespace)  # noqa: S102 - the exercise notebook's own set-up
    exec(code, namespace)  # noqa: S102 - the student's answer
    ex = check.EXERCISES[ex_id]
    args = eval(f"({call or ', '.join(ex.params)},)", namespace)  # noqa: S307 - the check call's arguments
    capsys.readouterr()
    result = ex.func(*args)
    out = capsys.readouterr().out
    assert out.startswith(f"{mark} {ex.title}"), out
    assert result is (mark == RIGHT), out
    for phrase in phrases:
        assert phrase in out, f"{phrase!r} not in {out!r}"
