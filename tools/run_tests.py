"""The test command: every test, or one notebook with everything that concerns it.

    python -m tools.run_tests                  # everything: what `make test` and CI run
    python -m tools.run_tests NB               # one notebook (make test NB=notebooks/03_backward.ipynb)
    python -m tools.run_tests [NB] -- ARGS     # more pytest arguments, e.g. -- -x

One notebook means: nbval against its stored outputs, its second run in the same kernel (lecture
notebooks), its generated exercise run unsolved and the judge's tests (solutions), its hygiene
and the freshness of everything generated. An exercise path stands for its solution.
Exit code: pytest's, or 2 with one line when NB names no notebook of the course.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("notebooks", "solutions", "exercises")

# nbval with this environment's kernel; no .pytest_cache in the checkout.
NBVAL = ["--nbval", "--nbval-current-env", "--nbval-sanitize-with", str(ROOT / "tests" / "sanitize.cfg"),
         "-p", "no:cacheprovider"]
# Two workers; one notebook's cells (and the passes conftest.py adds) stay on one
# worker, in the order conftest.py gives them.
EVERYTHING = ["-n", "2", "--dist", "loadscope", "--no-loadscope-reorder", *NBVAL]
# The tests that concern one notebook, besides its own run.
ABOUT_ANY_NOTEBOOK = ["tests/test_hygiene.py", "tests/test_author.py"]
ABOUT_A_SOLUTION = ["tests/test_check_solutions.py"]


class BadNotebook(Exception):
    """NB names no notebook of the course (the message says why, in one line)."""


def notebook(arg: str) -> tuple[Path, str | None]:
    """The notebook ``arg`` names, and for an exercise (which stands for its solution) its path."""
    path = Path(arg).resolve()
    if not path.is_file():
        raise BadNotebook(f"NB={arg}: そのファイルはありません。")
    folders = {ROOT / f for f in FOLDERS}
    if path.suffix != ".ipynb" or path.parent not in folders:
        raise BadNotebook(f"NB={arg}: notebooks/、solutions/、exercises/ のどれかにあるノートブック "
                          "(.ipynb) を指定してください。")
    if path.parent.name != "exercises":
        return path, None
    solution = ROOT / "solutions" / path.name
    if not solution.is_file():
        raise BadNotebook(f"NB={arg}: exercises/{path.name} の元になる solutions/{path.name} がありません。")
    return solution, f"exercises/{path.name}"


def notebooks_named(args: list[str], action: str) -> list[Path]:
    """The notebooks ``args`` name, once each; an exercise stands for its solution, and a line
    says so ("... から生成されるので、<solution> <action>。"). BadNotebook for anything else."""
    found = []
    for arg in args:
        path, exercise = notebook(arg)
        if exercise:
            sol = path.relative_to(ROOT).as_posix()
            print(f"{exercise} は {sol} から生成されるので、{sol} {action}。")
        if path not in found:
            found.append(path)
    return found


def pytest_args(notebooks: list[Path]) -> list[str]:
    """pytest's arguments: everything, or the given notebooks and the tests that concern them."""
    if not notebooks:
        return list(EVERYTHING)
    rels = [p.relative_to(ROOT).as_posix() for p in notebooks]
    tests = ABOUT_ANY_NOTEBOOK + (ABOUT_A_SOLUTION if any(r.startswith("solutions/") for r in rels) else [])
    return [*NBVAL, *rels, *tests, *(f"--notebook={r}" for r in rels)]


def main(argv: list[str]) -> int:
    extra = []
    if "--" in argv:
        argv, extra = argv[:argv.index("--")], argv[argv.index("--") + 1:]
    if any(a.startswith("-") for a in argv):
        print("usage: python -m tools.run_tests [NB ...] [-- PYTEST_ARGS ...]", file=sys.stderr)
        return 2
    try:
        notebooks = notebooks_named(argv, "を確かめます (演習は未解答のまま、その中で実行されます)")
    except BadNotebook as e:
        print(e, file=sys.stderr)
        return 2
    cmd = [sys.executable, "-m", "pytest", *pytest_args(notebooks), *extra]
    return subprocess.run(cmd, cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
