"""The judge's machinery: ids and titles, help text, hints in steps, lookup, the debug switch,
and the facts its verdicts rest on (the final minimum, tolerances, distinctive settings).

What each exercise says to a student's answers is in test_check_students.py; that no input
makes it raise is in test_check_battery.py.
"""
import pydoc
import re

import pytest
import sympy
import torch
from helpers import after_backward, correct_answers, leaf, verdict

from lecture_utils import check
from tools import author

IDS = ["1-1", "1-2", "1-3", "1-4", "1-5", "3-1", "3-2", "3-3", "4-1", "4-2", "4-3", "final"]


# --- one place for each exercise ------------------------------------------------------------

def test_exercises_are_listed_in_order():
    assert check.ids() == IDS


@pytest.mark.parametrize("ex_id", IDS)
def test_id_title_and_function_name_come_from_one_name(ex_id):
    ex = check.EXERCISES[ex_id]
    name = "final" if ex_id == "final" else "ex" + ex_id.replace("-", "_")
    assert ex.func is getattr(check, name) and ex.func.__name__ == name
    assert ex.title == ("最終問題" if ex_id == "final" else f"演習{ex_id}")


@pytest.mark.parametrize("ex_id", IDS)
def test_help_shows_the_call_and_bool_in_japanese(ex_id):
    ex = check.EXERCISES[ex_id]
    text = pydoc.render_doc(ex.func, renderer=pydoc.plaintext)
    assert f"{ex.func.__name__}({', '.join(ex.params)}) -> bool" in text
    assert ex.title in text and ex.call in text.replace("\n", "")
    assert "True" in text and "False" in text and f'check.hint("{ex_id}")' in text


def test_the_placeholder_named_in_messages_is_the_one_exercises_contain():
    assert check.PLACEHOLDER == author.CODE_PLACEHOLDER


# --- verdicts: one line of the right kind, and a bool --------------------------------------------

def test_a_right_answer_prints_a_check_mark_and_returns_true(capsys):
    result, out = verdict(capsys, check.ex1_1, leaf(3.0))
    assert result is True and out.startswith("✅ 演習1-1: 正解です!")


def test_a_wrong_answer_points_to_the_first_hint(capsys):
    result, out = verdict(capsys, check.ex1_1, leaf(4.0))
    assert result is False and out.startswith("❌ 演習1-1:")
    assert 'check.hint("1-1")' in out


def test_no_answer_says_where_to_write(capsys):
    result, out = verdict(capsys, check.ex3_3, leaf([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), None, None)
    assert result is False and out.startswith(f"📝 演習3-3: {check.NO_ANSWER}")
    assert "x1、x2 が None" in out and f"「{check.PLACEHOLDER}」の行 (W = None の行より下)" in out


def test_wrong_number_of_answers_names_the_call(capsys):
    result, out = verdict(capsys, check.ex3_3, None)
    assert result is False and "check.ex3_3(W, x1, x2)" in out and "3 個" in out


def test_keyword_answers_are_accepted(capsys):
    assert verdict(capsys, check.ex4_3, grad_b=-1.4597, grad_a=12.0)[0] is True


def test_the_judge_leaves_the_answer_and_grad_mode_alone(capsys):
    (x,) = after_backward(lambda t: t ** 2 + 2 * t + 1, leaf(3.0))
    with torch.no_grad():
        assert verdict(capsys, check.ex3_1, x)[0] is True
        assert verdict(capsys, check.ex4_2, x)[0] is False
    assert torch.is_grad_enabled()
    assert x.grad.item() == 8.0 and x.requires_grad and x.is_leaf


# --- the judge's own errors: a message for students, a traceback under DEBUG -------------------

class BrokenTensor(torch.Tensor):
    """A tensor on which every torch operation fails, so grading it fails inside the judge."""
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        raise RuntimeError("broken on purpose")


def broken():
    return torch.tensor(3.0).as_subclass(BrokenTensor)


def test_an_error_inside_the_judge_becomes_a_message(capsys, monkeypatch):
    monkeypatch.setattr(check, "DEBUG", False)
    result, out = verdict(capsys, check.ex1_1, broken())
    assert result is False and "判定できませんでした" in out and "RuntimeError" in out and "check.DEBUG" in out


def test_debug_lets_an_error_inside_the_judge_raise(monkeypatch):
    monkeypatch.setattr(check, "DEBUG", True)
    with pytest.raises(RuntimeError, match="broken on purpose"):
        check.ex1_1(broken())


# --- hints in steps, then the solution ---------------------------------------------------------

@pytest.mark.parametrize("ex_id", IDS)
def test_every_exercise_has_two_hints(ex_id):
    hints = check.EXERCISES[ex_id].hints
    assert len(hints) == 2 and all(h.strip() for h in hints)


@pytest.mark.parametrize("ex_id", IDS)
def test_hint_1_shows_the_first_hint_and_the_call_for_the_next(ex_id, capsys):
    check.hint(ex_id)
    out = capsys.readouterr().out
    assert check.EXERCISES[ex_id].hints[0] in out and "1/2" in out
    assert f'check.hint("{ex_id}", 2)' in out


@pytest.mark.parametrize("ex_id", IDS)
def test_the_last_hint_points_to_reveal(ex_id, capsys):
    check.hint(ex_id, 2)
    out = capsys.readouterr().out
    assert check.EXERCISES[ex_id].hints[1] in out and "2/2" in out and f'check.reveal("{ex_id}")' in out


@pytest.mark.parametrize("ex_id", IDS)
def test_hints_do_not_contain_the_answer_lines(ex_id):
    """No line of the solution that sets an answer variable appears in a hint."""
    ex = check.EXERCISES[ex_id]
    solution = author.collect_solutions(sorted((author.ROOT / "solutions").glob("*.ipynb")))[ex_id]
    setting = re.compile(rf"^\s*({'|'.join(ex.params)})\s*[-+]?=")
    lines = [ln.split("#")[0].strip() for ln in solution.splitlines() if setting.match(ln)]
    hints = " ".join(ex.hints)
    assert lines and not [ln for ln in lines if ln in hints]


@pytest.mark.parametrize("n", [0, 3, -1, "x", 1.0, True, None])
def test_a_hint_number_out_of_range_lists_the_hints(n, capsys):
    check.hint("1-1", n)
    out = capsys.readouterr().out
    assert 'check.hint("1-1", 1)' in out and 'check.hint("1-1", 2)' in out and "💡" not in out


def test_a_hint_number_may_be_text(capsys):
    check.hint("1-1", "2")
    assert check.EXERCISES["1-1"].hints[1] in capsys.readouterr().out


# --- finding an exercise by the names students use -----------------------------------------------

@pytest.mark.parametrize("spelling", ["1-5", " 1-5 ", "演習1-5", "演習 1-5", "ex1_5", "１－５", "1.5", 1.5, "1ー5",
                                      "check.ex1_5", "EX1-5"])
def test_exercise_ids_in_students_spellings(spelling, capsys):
    check.hint(spelling)
    assert "演習1-5 のヒント 1/2" in capsys.readouterr().out


@pytest.mark.parametrize("spelling", ["final", "Final", "最終問題"])
def test_the_final_problem_by_name(spelling, capsys):
    check.hint(spelling)
    assert "最終問題 のヒント" in capsys.readouterr().out


def test_a_check_function_names_its_exercise(capsys):
    check.hint(check.ex4_3)
    assert "演習4-3 のヒント" in capsys.readouterr().out


class Unprintable:
    def __repr__(self):
        raise ValueError("no repr")

    __str__ = __repr__


class HostileStr(str):
    def __str__(self):
        raise ValueError("no str")

    def __hash__(self):
        raise ValueError("no hash")

    def __eq__(self, other):
        raise ValueError("no eq")


@pytest.mark.parametrize("bad", [None, "", "2-1", "演習9", 11, [], object(), Unprintable(), HostileStr("1-1"),
                                 float("nan"), b"1-1", check.hint])
def test_hint_and_reveal_print_a_message_for_any_object(bad, capsys):
    assert check.hint(bad) is None and check.reveal(bad) is None
    out = capsys.readouterr().out
    assert out.count("見つかりません") == 2 and '"1-1"' in out


def test_reveal_prints_the_solution_after_a_warning(capsys):
    check.reveal("1-1")
    out = capsys.readouterr().out
    assert out.startswith("🔑 演習1-1 の解答例") and "torch.tensor(3.0, requires_grad=True)" in out


# --- what the verdicts rest on -----------------------------------------------------------------------

def test_final_minimum_agrees_with_sympy():
    s = sympy.Symbol("x", real=True)
    f = -sympy.log(1 / (1 + sympy.exp(-s)) + 1) / (s ** 2 + 1)
    root = float(sympy.nsolve(sympy.diff(f, s), s, 0.2, prec=30))
    x_star, f_star = check.final_minimum()
    assert abs(x_star - root) < 1e-9
    assert abs(f_star - float(f.subs(s, root))) < 1e-12
    assert float(sympy.diff(f, s, 2).subs(s, root)) > 0  # a minimum, not a maximum


def test_final_accepts_exactly_the_stated_tolerance(capsys):
    x_star, _ = check.final_minimum()
    for gap, expected in ((0.99 * check.FINAL_TOL_X, True), (1.01 * check.FINAL_TOL_X, False)):
        x = x_star + gap
        fx = check.final_function(torch.tensor(x, dtype=torch.float64)).item()
        assert verdict(capsys, check.final, x, fx)[0] is expected, gap


@pytest.mark.parametrize("setting", [check.EX4_1, check.EX4_2], ids=["4-1", "4-2"])
def test_the_descent_settings_make_the_right_answer_distinctive(setting):
    """The right final values are far (100 x TOL) from the optimum, the start and every named mistake."""
    right = check._right_path(setting)[setting.steps]
    others = [setting.init, check._optimum(setting)] + [t for t, _ in check._mistakes(setting)]
    assert len(check._mistakes(setting)) >= 8
    for other in others:
        assert max(abs(a - b) for a, b in zip(right, other)) > 100 * check.TOL, other


def test_the_right_descent_answers_agree_with_an_independent_loop():
    answers = correct_answers()
    assert [p.item() for p in answers["4-1"]()] == pytest.approx(check._right_path(check.EX4_1)[50], abs=1e-6)
    assert [p.item() for p in answers["4-2"]()] == pytest.approx(check._right_path(check.EX4_2)[21], abs=1e-6)


def test_rounding_is_recognised_only_within_half_a_unit_of_the_last_place():
    assert check._rounding_note(1.97, 1.97, 1.9654, check.TOL, "x") is not None
    assert check._rounding_note(1.96, 1.96, 1.9654, check.TOL, "x") is None  # 1.9654 rounds to 1.97
    assert check._rounding_note(1.9653, 1.9653, 1.965412, check.TOL, "x") is None  # within TOL already
    assert check._rounding_note(torch.tensor(1.97), 1.97, 1.9654, check.TOL, "x") is not None  # float32 text


def test_each_stated_tolerance_is_the_one_applied():
    assert re.search(r"0\.001 以下", check.final.__doc__) and check.FINAL_TOL_X == 0.001
    assert re.search(r"0\.0001 以内", check.final.__doc__) and check.FINAL_TOL_F == 0.0001
