"""Every registered check survives a battery of bad inputs: it returns False and never raises.

The battery runs with check.DEBUG on, so an input that the judge does not handle on purpose
(an error inside the judge) fails the test instead of hiding behind 「判定できませんでした」.
"""
import math
import re
import warnings

import numpy as np
import pytest
import torch
from helpers import correct_answers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lecture_utils import check

PUBLIC_CHECK = re.compile(r"^(ex\d+_\d+|final)$")
CORRECT = correct_answers()
IDS = list(check.EXERCISES)


@pytest.fixture(autouse=True)
def debug(monkeypatch):
    monkeypatch.setattr(check, "DEBUG", True)


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


class Unprintable:
    """repr() and str() fail (issue 8's escape from hint/reveal)."""
    def __repr__(self):
        raise ValueError("no repr")

    __str__ = __repr__


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
    "unprintable": Unprintable,
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
    return check.EXERCISES[ex_id].params


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
            # 1-4's reason is free text and never graded: any non-empty text passes with the right error.
            free_text = (ex_id, position, others) == ("1-4", 1, "correct") and isinstance(args[1], str) \
                and args[1].strip()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                assert func(*args) is bool(free_text), (position, others)
            assert not caught, [str(w.message) for w in caught]  # stderr noise in a notebook
            out = capsys.readouterr().out
            assert out.startswith(("✅",) if free_text else ("❌", "📝")) and "Traceback" not in out, out


@pytest.mark.parametrize("ex_id", IDS)
def test_wrong_arity_and_keywords_do_not_raise(ex_id, capsys):
    func = check.EXERCISES[ex_id].func
    assert func() is False
    assert func(*[None] * 5) is False
    assert func(nonsense=1) is False
    assert capsys.readouterr().out.count("答えの渡し方が違います") == 3


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
