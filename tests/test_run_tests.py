"""The test command's runner: what it runs for everything and for one notebook, and bad NB."""
import pytest
from helpers import ROOT

from tools import run_tests


@pytest.fixture
def ran(monkeypatch):
    """The pytest command the runner would start (nothing is run)."""
    calls = []

    class Done:
        returncode = 0

    monkeypatch.setattr(run_tests.subprocess, "run", lambda cmd, cwd: calls.append(cmd) or Done())
    return calls


def test_everything_runs_on_two_workers_with_nbval(ran):
    assert run_tests.main([]) == 0
    (cmd,) = ran
    assert cmd[1:3] == ["-m", "pytest"] and "--nbval" in cmd and cmd[cmd.index("-n") + 1] == "2"
    assert not any(a.endswith(".ipynb") for a in cmd)  # testpaths: every notebook


def test_one_lecture_notebook_with_its_hygiene_and_freshness(ran):
    assert run_tests.main(["notebooks/03_backward.ipynb"]) == 0
    (cmd,) = ran
    assert "notebooks/03_backward.ipynb" in cmd and "--notebook=notebooks/03_backward.ipynb" in cmd
    assert "tests/test_hygiene.py" in cmd and "tests/test_author.py" in cmd
    assert "tests/test_check_solutions.py" not in cmd and "-n" not in cmd


def test_an_exercise_stands_for_its_solution_and_says_so(ran, capsys):
    assert run_tests.main(["exercises/ex3_autograd.ipynb"]) == 0
    (cmd,) = ran
    assert "solutions/ex3_autograd.ipynb" in cmd and "tests/test_check_solutions.py" in cmd
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "exercises/ex3_autograd.ipynb は solutions/ex3_autograd.ipynb から生成" in out


@pytest.mark.parametrize("arg, reason", [
    ("notebooks/99_missing.ipynb", "そのファイルはありません"),
    ("README.md", "notebooks/、solutions/、exercises/ のどれか"),
    ("tests/helpers.py", "notebooks/、solutions/、exercises/ のどれか"),
])
def test_a_bad_notebook_is_one_line_and_exit_code_2(arg, reason, ran, capsys):
    assert run_tests.main([arg]) == 2
    err = capsys.readouterr().err
    assert ran == [] and err.count("\n") == 1 and reason in err and arg in err


def test_paths_are_taken_from_anywhere(ran, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert run_tests.main([str(ROOT / "notebooks" / "01_recap.ipynb")]) == 0
    assert "notebooks/01_recap.ipynb" in ran[0]
