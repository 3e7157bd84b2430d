"""Every registered check survives a battery of bad inputs: it returns False and never raises."""
import inspect
import math
import re
import warnings

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lecture_utils import check

PUBLIC_CHECK = re.compile(r"^(ex\d+_\d+|final)$")


def correct_answers():
    """One right answer per exercise id, built here with torch (independently of the judge)."""
    def after(fn, *leaves):
        fn(*leaves).sum().backward()
        return leaves

    def leaf(data):
        return torch.tensor(data, requires_grad=True)

    def descent(f, x0, lr, steps):
        x = torch.tensor(x0, requires_grad=True)
        for _ in range(steps):
            f(x).backward()
            with torch.no_grad():
                x -= lr * x.grad
            x.grad.zero_()
        return x

    def branch(x):
        return x ** 3 if x > 0 else -2 * x + torch.sin(x)

    def grad_at(point):
        x = leaf(point)
        branch(x).backward()
        return x.grad

    x_star, f_star = check.final_minimum()
    return {
        "1-1": lambda: (leaf(3.0),),
        "1-2": lambda: (leaf([3.0, 4.0, 5.0]),),
        "1-3": lambda: (leaf([[3.0, 4.0, 5.0], [6.0, 7.0, 8.0]]),),
        "1-4": lambda: (RuntimeError, "浮動小数点数 (float) と複素数だけが勾配を持てる"),
        "1-5": lambda: (torch.arange(1.0, 101.0).reshape(10, 10).requires_grad_(),),
        "3-1": lambda: after(lambda x: x ** 2 + 2 * x + 1, leaf(3.0)),
        "3-2": lambda: after(lambda x: (x ** 2).sum(), leaf([1.0, 2.0, 3.0])),
        "3-3": lambda: after(lambda W, a, b: a @ W @ b, leaf([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]),
                             leaf([[1.0, 2.0]]), leaf([1.0, 2.0, 3.0])),
        "4-1": lambda: (descent(lambda x: x ** 2 + torch.exp(-x), 3.0, 0.1, 100),),
        "4-2": lambda: (descent(lambda x: (x - 2) ** 2, -1.0, 0.1, 50),),
        "4-3": lambda: (grad_at(2.0), grad_at(-1.0)),
        "final": lambda: (x_star, f_star),
    }


CORRECT = correct_answers()
IDS = list(check.EXERCISES)


class Hostile:
    """An object on which every operation fails."""
    def __getattr__(self, name):
        raise RuntimeError("no")

    def __eq__(self, other):
        raise RuntimeError("no")

    def __bool__(self):
        raise RuntimeError("no")

    def __float__(self):
        raise RuntimeError("no")

    def __len__(self):
        raise RuntimeError("no")

    def __iter__(self):
        raise RuntimeError("no")

    __hash__ = object.__hash__


def recursive_list():
    a = []
    a.append(a)
    return a


def leaf_with_nan_grad():
    x = torch.tensor(7.0, requires_grad=True)
    x.grad = torch.tensor(float("nan"))
    return x


BAD = {
    "None": lambda: None,
    "Ellipsis": lambda: ...,
    "empty str": lambda: "",
    "str": lambda: "tensor(3.)",
    "bytes": lambda: b"3.0",
    "int": lambda: 7,
    "huge int": lambda: 10 ** 400,
    "bool": lambda: True,
    "nan": lambda: float("nan"),
    "inf": lambda: float("inf"),
    "-inf": lambda: float("-inf"),
    "complex": lambda: 1 + 2j,
    "empty list": lambda: [],
    "list": lambda: [3.0, 4.0],
    "ragged list": lambda: [[1.0, 2.0], [3.0]],
    "recursive list": recursive_list,
    "tuple": lambda: (1, 2),
    "dict": lambda: {"x": 3.0},
    "set": lambda: {3.0},
    "object": object,
    "function": lambda: (lambda: 3.0),
    "class": lambda: int,
    "exception class": lambda: ValueError,
    "exception": lambda: ValueError("x"),
    "generator": lambda: (i for i in range(3)),
    "hostile": Hostile,
    "numpy scalar": lambda: np.float64(2.5),
    "numpy array": lambda: np.arange(6.0).reshape(2, 3),
    "numpy str array": lambda: np.array(["a", "b"]),
    "nan tensor": lambda: torch.tensor(float("nan"), requires_grad=True),
    "inf tensor": lambda: torch.full((10, 10), float("inf"), requires_grad=True),
    "huge tensor": lambda: torch.zeros(3_000_000),
    "empty tensor": lambda: torch.zeros(0),
    "4-d tensor": lambda: torch.ones(2, 3, 4, 5, requires_grad=True),
    "int tensor": lambda: torch.tensor(3),
    "bool tensor": lambda: torch.tensor([True, False]),
    "complex tensor": lambda: torch.tensor([1 + 2j], requires_grad=True),
    "uint8 tensor": lambda: torch.ones(2, 3, dtype=torch.uint8),
    "float16 tensor": lambda: torch.tensor(1.5, dtype=torch.float16),
    "bfloat16 tensor": lambda: torch.ones(10, 10, dtype=torch.bfloat16),
    "non-leaf tensor": lambda: torch.tensor(5.0, requires_grad=True) * 2,
    "meta tensor": lambda: torch.empty(3, device="meta"),
    "sparse tensor": lambda: torch.eye(3).to_sparse(),
    "nan grad": leaf_with_nan_grad,
    "parameter": lambda: torch.nn.Parameter(torch.zeros(2, 3)),
    "module": lambda: torch.nn.Linear(2, 3),
    "dtype": lambda: torch.float32,
}


def params(ex_id):
    return list(inspect.signature(check.EXERCISES[ex_id].func).parameters)


def test_every_public_check_is_registered():
    public = {n for n, obj in vars(check).items() if PUBLIC_CHECK.match(n) and callable(obj)}
    registered = {ex.func.__name__ for ex in check.EXERCISES.values()}
    assert public == registered
    for ex in check.EXERCISES.values():
        assert getattr(check, ex.func.__name__) is ex.func


def test_every_check_has_a_correct_answer_in_this_battery():
    assert set(CORRECT) == set(check.EXERCISES)


@pytest.mark.parametrize("ex_id", IDS)
def test_correct_answer_passes(ex_id, capsys):
    assert check.EXERCISES[ex_id].func(*CORRECT[ex_id]()) is True
    assert capsys.readouterr().out.startswith("✅")


@pytest.mark.parametrize("ex_id", IDS)
def test_all_none_is_no_answer(ex_id, capsys):
    n = len(params(ex_id))
    assert check.EXERCISES[ex_id].func(*[None] * n) is False
    out = capsys.readouterr().out
    assert check.NO_ANSWER in out and out.count("\n") == 1


@pytest.mark.parametrize("bad", list(BAD), ids=list(BAD))
@pytest.mark.parametrize("ex_id", IDS)
def test_bad_input_returns_false_and_never_raises(ex_id, bad, capsys):
    func = check.EXERCISES[ex_id].func
    n = len(params(ex_id))
    for position in range(n):
        for others in ("none", "correct"):
            args = list(CORRECT[ex_id]()) if others == "correct" else [None] * n
            args[position] = BAD[bad]()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                assert func(*args) is False, (position, others)
            assert not caught, [str(w.message) for w in caught]  # stderr noise in a notebook
            out = capsys.readouterr().out
            assert out.startswith(("❌", "📝")) and "Traceback" not in out, out


@pytest.mark.parametrize("ex_id", IDS)
def test_wrong_arity_and_keywords_do_not_raise(ex_id, capsys):
    func = check.EXERCISES[ex_id].func
    assert func() is False
    assert func(*[None] * 5) is False
    assert func(nonsense=1) is False
    assert "判定できませんでした" in capsys.readouterr().out


@pytest.mark.parametrize("ex_id", IDS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_tensors_never_raise(ex_id, data, capsys):
    dtype = data.draw(st.sampled_from([torch.float32, torch.float64, torch.int64, torch.bool, torch.float16]))
    shape = data.draw(st.lists(st.integers(0, 4), max_size=3))
    values = data.draw(st.floats(allow_nan=True, allow_infinity=True, width=16))
    t = torch.full(shape, values).to(dtype) if dtype != torch.bool else torch.zeros(shape, dtype=dtype)
    if t.is_floating_point() and data.draw(st.booleans()):
        t.requires_grad_()
    n = len(params(ex_id))
    result = check.EXERCISES[ex_id].func(*[t] * n)
    assert isinstance(result, bool)
    out = capsys.readouterr().out
    assert out.startswith(("✅", "❌", "📝"))
    if not math.isfinite(values):
        assert result is False
