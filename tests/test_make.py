"""The README's two commands: thin make wrappers around tools/course.py, the Windows route
runs the same script, CI runs the README's test command, and a warm run goes straight on.

Nothing here needs `.venv`: the environment under test is the one running these tests
(`.venv`, or a conda environment made from environment.yml).
"""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT

from tools import course_env

needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def readme_block(heading: str, lang: str) -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(rf"## {heading}.*?```{lang}\n(.*?)```", text, re.S).group(1)
    return [ln.split("#")[0].strip() for ln in block.splitlines() if ln.strip()]


def dry_run(*args: str) -> list[str]:
    # A clean make: not the variables of the `make test TORCH=...` that may be running us.
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "TORCH", "NB", "PYTHON", "TORCH_INDEX")}
    out = subprocess.run(["make", "--no-print-directory", "-n", *args], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True)
    return [ln for ln in out.stdout.splitlines() if ln.strip()]


def test_readme_gives_exactly_two_commands():
    assert readme_block("はじめかた", "bash") == ["make lab", "make test"]


def test_windows_route_is_the_same_script_with_the_same_two_commands():
    assert readme_block("Windows", "bat") == [r"py tools\course.py lab", r"py tools\course.py test"]


def test_ci_runs_the_readme_test_command():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [ln.strip() for ln in script.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    assert commands[-1] == readme_block("はじめかた", "bash")[1]


@needs_make
@pytest.mark.parametrize("args, called", [
    (["lab"], "tools/course.py lab"),
    (["test"], "tools/course.py test"),
    (["test", "NB=notebooks/03_backward.ipynb"], "tools/course.py test notebooks/03_backward.ipynb"),
    (["test", "TORCH=2.14.1"], "tools/course.py test --torch 2.14.1"),
    (["execute", "NB=notebooks/01_recap.ipynb"], "tools/course.py execute notebooks/01_recap.ipynb"),
])
def test_make_targets_only_call_the_course_script(args, called):
    lines = dry_run(*args)
    assert re.sub(r"\s+", " ", lines[-1]).strip().endswith(called), lines
    assert all("pip" not in ln and "venv" not in ln for ln in lines), lines


def prepared_for() -> list[str]:
    """What the environment running these tests was prepared for: its stamp (`.venv`, or
    `.venvs/torch-X` under `make test TORCH=X`), else the pins (a conda environment)."""
    stamp = Path(sys.prefix) / course_env.STAMP
    if stamp.exists():
        return json.loads(stamp.read_text(encoding="utf-8"))["fingerprint"]["requirements"]
    return course_env.requirements()


def running_env(tmp_path: Path) -> course_env.Env:
    """The environment running these tests, with its own stamp file in tmp_path."""
    return course_env.Env(Path(sys.prefix), prepared_for(), python=Path(sys.executable),
                          stamp=tmp_path / "stamp", label="this environment")


def test_the_environment_running_the_tests_passes_the_health_check():
    report = course_env.check(prepared_for())
    assert report["pip"] and report["problems"] == [], report


def test_warm_environment_goes_straight_to_the_tests(tmp_path, monkeypatch):
    env = running_env(tmp_path)
    mode = course_env.index_mode()
    env.stamp.write_text(json.dumps({"fingerprint": env.fingerprint(mode)}), encoding="utf-8")
    state = course_env.inspect(env, mode)
    assert state.ready and course_env.steps(state) == [] and state.note == ""

    ran = []
    monkeypatch.setattr(course_env, "main_env", lambda command="test": env)
    monkeypatch.setattr(course_env, "pip", lambda *a: pytest.fail(f"pip ran on a warm environment: {a}"))
    monkeypatch.setattr(course_env, "run", lambda cmd, env_vars=None: ran.append(cmd) or 0)
    monkeypatch.setattr(course_env.shutil, "which", lambda name: "/usr/bin/dot")
    assert course_env.test(["notebooks/01_recap.ipynb"]) == 0
    assert ran == [course_env.test_command(env.python, ["notebooks/01_recap.ipynb"])]


def test_lab_opens_the_first_lecture_notebook(tmp_path, monkeypatch):
    assert (ROOT / course_env.FIRST_NOTEBOOK).exists()
    env = running_env(tmp_path)
    ran = []
    monkeypatch.setattr(course_env, "main_env", lambda command="test": env)
    monkeypatch.setattr(course_env, "prepare", lambda *a, **k: None)
    monkeypatch.setattr(course_env, "run", lambda cmd, env_vars=None: ran.append(cmd) or 0)
    course_env.lab([])
    assert ran[0][:3] == [str(env.python), "-m", "jupyterlab"]
    assert ran[0][-1] == str(ROOT / course_env.FIRST_NOTEBOOK)


def test_lab_needs_only_the_dependencies_and_test_adds_the_extras_to_the_same_venv():
    """A student's `make lab` installs no test or site tools; `make test` afterwards adds them
    without reinstalling, and `make lab` after `make test` finds everything it needs."""
    lab, test = course_env.main_env("lab"), course_env.main_env("test")
    assert lab.path == test.path and set(lab.reqs) < set(test.reqs)
    assert not any(r.startswith(("pytest", "sphinx", "playwright")) for r in lab.reqs)
    mode = course_env.index_mode()
    after_lab, after_test = lab.fingerprint(mode), test.fingerprint(mode)
    assert course_env.covers(after_test, after_lab) and not course_env.covers(after_lab, after_test)
    assert course_env.same_setup(after_lab, after_test)
