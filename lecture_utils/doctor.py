"""What the notebooks need from the computer, with one clear Japanese paragraph per problem.

Standard library only: the set-up (tools/course_env.py) prints ``MISSING_DOT`` before
the environment has the package's dependencies. Advice names the environment the
notebook runs in and the course's pinned versions (read from the installed package's
metadata, or from pyproject.toml in a checkout), never a bare ``pip install``.

    python -m lecture_utils.doctor [dot] [font] [--warn]
"""
from __future__ import annotations

import re
import shutil
import sys
from importlib import metadata
from pathlib import Path

PROJECT = "autodiff-lecture"
ROOT = Path(__file__).resolve().parents[1]

MISSING_DOT = """\
[autodiff-lecture] Graphviz の `dot` コマンドが見つかりません。計算グラフの図を描くのに使います。
図の代わりに文字の木を表示して先へ進めますが、図で見るには Graphviz を入れてください。
  - Debian / Ubuntu: sudo apt-get install graphviz
  - macOS (Homebrew): brew install graphviz
  - conda: conda install -c conda-forge graphviz
  - Windows: winget install Graphviz.Graphviz (入れたあと PATH に dot があるか確かめてください)
  - Google Colab: 最初から入っています。"""

MISSING_FONT = """\
[autodiff-lecture] 日本語フォント (matplotlib-fontja) が見つかりません。図の日本語が □ になります。
{advice}"""


def pinned(name: str) -> str | None:
    """The course's pinned version of ``name`` (``matplotlib-fontja`` -> ``1.1.0``), or None."""
    try:
        reqs = metadata.requires(PROJECT) or []
    except metadata.PackageNotFoundError:
        reqs = _pyproject_requirements()
    want = _canonical(name)
    for req in reqs:
        m = re.match(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;,]+)", req)
        if m and _canonical(m.group(1)) == want:
            return m.group(2)
    return None


def install_advice(*names: str) -> str:
    """How to (re)install ``names`` at the course's versions into the environment running now."""
    specs = " ".join(f"{n}=={pinned(n)}" if pinned(n) else n for n in names)
    if "google.colab" in sys.modules:
        return ("  - Google Colab: ノートブックの最初のセル (準備) を実行してから、"
                "このセルをもう一度実行してください。\n"
                f"    (直接入れるなら: %pip install {specs})")
    python = Path(sys.executable)
    venv = Path(sys.prefix).resolve()
    if venv == ROOT / ".venv" or venv.parent == ROOT / ".venvs":
        command = "py tools\\course.py lab" if sys.platform == "win32" else "make lab"
        shown = python.relative_to(ROOT) if python.is_relative_to(ROOT) else python
        return (f"  - {command} を実行し直すと、環境 ({venv.relative_to(ROOT).as_posix()}) を確かめて直します。\n"
                f"    (このノートブックの環境に直接入れるなら: {shown} -m pip install {specs})")
    return f"  - このノートブックの環境に入れるには: \"{python}\" -m pip install {specs}"


def has_dot() -> bool:
    """True when Graphviz's `dot` program is on PATH."""
    return shutil.which("dot") is not None


def has_japanese_font() -> bool:
    """True when matplotlib-fontja can be imported."""
    try:
        import matplotlib_fontja  # noqa: F401
    except Exception:  # noqa: BLE001 - a broken install must read as "missing", not crash
        return False
    return True


def missing_font() -> str:
    return MISSING_FONT.format(advice=install_advice("matplotlib-fontja"))


def main(argv: list[str]) -> int:
    """``doctor dot|font [--warn]``: exit 1 on a problem unless --warn."""
    warn_only = "--warn" in argv
    checks = [a for a in argv if not a.startswith("--")] or ["dot", "font"]
    ok = True
    for name in checks:
        if name == "dot":
            if not has_dot():
                print(MISSING_DOT)
                ok = False
        elif name == "font":
            if not has_japanese_font():
                print(missing_font())
                ok = False
        else:
            print(f"doctor: unknown check {name!r} (dot, font)")
            return 2
    return 0 if ok or warn_only else 1


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pyproject_requirements() -> list[str]:
    """The pins of pyproject.toml, for a checkout whose package is not installed."""
    try:
        import tomllib

        with open(ROOT / "pyproject.toml", "rb") as f:
            project = tomllib.load(f)["project"]
    except (OSError, ImportError, KeyError, ValueError):
        return []
    return [*project.get("dependencies", []),
            *(r for extra in project.get("optional-dependencies", {}).values() for r in extra)]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
