"""The README's two commands: what they run, and that CI runs the same test command."""
import re
import shutil
import subprocess

import pytest
from helpers import ROOT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def dry_run(target: str) -> list[str]:
    out = subprocess.run(["make", "--no-print-directory", "-n", target], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    return [ln for ln in out.stdout.splitlines() if ln.strip()]


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## はじめかた.*?```bash\n(.*?)```", text, re.S).group(1)
    return [ln.split("#")[0].strip() for ln in block.splitlines() if ln.strip()]


def test_readme_gives_exactly_two_commands():
    assert readme_commands() == ["make lab", "make test"]


def test_ci_runs_the_readme_test_command():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [ln.strip() for ln in script.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    assert commands[-1] == readme_commands()[1]


def test_lab_opens_the_first_lecture_notebook():
    first = re.search(r"^FIRST\s*:=\s*(\S+)", (ROOT / "Makefile").read_text(), re.M).group(1)
    assert (ROOT / first).exists(), first
    assert any("jupyter lab" in ln and first in ln for ln in dry_run("lab"))


def test_existing_environment_is_not_reinstalled():
    """With .venv in place (it is: this test runs in it), `make test` goes straight to pytest."""
    lines = dry_run("test")
    assert not any("pip install" in ln or "-m venv" in ln for ln in lines), lines
    assert lines[-1].rstrip().endswith("-m tools.run_tests")
