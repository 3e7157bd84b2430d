"""Authoring tool: keeps notebooks' Colab cells, exercises and stored outputs honest.

    python -m tools.author sync              # badges + setup cells, slide metadata, exercises/,
                                             # solutions.json, environment.yml's pins, the README table
    python -m tools.author execute [NB ...]  # sync, re-execute, write outputs back
    python -m tools.author check             # exit 1 when anything generated is stale

The repository location is read from one place, ``[tool.autodiff-lecture]`` in
pyproject.toml; the pins from ``[project]`` there; the version from lecture_utils.
Colab badges and setup cells point at the release tag ``v<version>``, so a notebook
and the package its setup cell installs come from one revision.
Solution notebooks are the source of the exercise notebooks:
``### BEGIN SOLUTION`` / ``### END SOLUTION`` blocks become a placeholder.
"""
from __future__ import annotations

import copy
import hashlib
import json
import re
import sys
import textwrap
import time
import tomllib
from pathlib import Path

import nbformat

from tools.course_env import CPU_INDEX, PROJECT, pins, requirements, version

ROOT = Path(__file__).resolve().parents[1]
LECTURE_DIRS = ("notebooks", "solutions")
SOLUTIONS_JSON = ROOT / "lecture_utils" / "solutions.json"
README = ROOT / "README.md"
TABLE_START, TABLE_END = "<!-- notebooks:start -->", "<!-- notebooks:end -->"
ENVIRONMENT = ROOT / "environment.yml"
PINS_START, PINS_END = "# pins:start", "# pins:end"
COLAB_LACKS = ("torchviz", "matplotlib-fontja")  # what the setup cell installs on Colab

BADGE_ID = "colab-badge"
SETUP_ID = "colab-setup"
EXERCISE_TAG_PREFIX = "ex:"        # tag on a solution cell: ex:1-1 names the exercise
SOLUTION_ONLY_TAG = "solution-only"  # cell dropped from the exercise notebook

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
CODE_PLACEHOLDER = "# ここに解答を書いてください"
MARKDOWN_PLACEHOLDER = "(ここに答えを書いてください)"

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def config() -> dict:
    """``[tool.autodiff-lecture]`` of pyproject.toml (repository, branch) and ``ref``, the release tag."""
    with open(ROOT / "pyproject.toml", "rb") as f:
        cfg = dict(tomllib.load(f)["tool"]["autodiff-lecture"])
    cfg["ref"] = release_tag()
    return cfg


def release_tag() -> str:
    """The git tag of this version: what Colab opens and installs."""
    return f"v{version()}"


def colab_url(rel_path: str, cfg: dict | None = None) -> str:
    cfg = cfg or config()
    return (f"https://colab.research.google.com/github/{cfg['repository']}"
            f"/blob/{cfg['ref']}/{rel_path}")


def repository_file_url(rel_path: str, cfg: dict | None = None) -> str:
    """A file of the repository (README.md, LICENSE, ...) on GitHub, at this release."""
    cfg = cfg or config()
    return f"https://github.com/{cfg['repository']}/blob/{cfg['ref']}/{rel_path}"


def badge_source(rel_path: str, cfg: dict | None = None) -> str:
    return ("[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
            f"({colab_url(rel_path, cfg)})")


def install_source(cfg: dict | None = None) -> str:
    cfg = cfg or config()
    return f"git+https://github.com/{cfg['repository']}@{cfg['ref']}"


def setup_source(cfg: dict | None = None) -> str:
    """The first code cell: on Colab only, install what Colab lacks (never torch or numpy).

    pip runs quietly through subprocess (``%pip`` would add its restart-the-kernel note)
    and only for what is missing, so running the cell again is instant. A failure ends the
    cell with one Japanese paragraph and no traceback, and "run all" stops there instead
    of a cascade of NameErrors.
    """
    cfg = cfg or config()
    pinned = pins()
    extras = ", ".join(f'"{name}": "{pinned[name]}"' for name in COLAB_LACKS)
    return textwrap.dedent(f'''\
        #@title 準備 (Google Colab で開いたときだけ、Colab にないものを入れます。手元の JupyterLab では何もしません)
        import sys
        if "google.colab" in sys.modules:
            import os
            import subprocess
            from importlib import metadata

            def _missing(name, version):
                try:
                    return metadata.version(name) != version
                except metadata.PackageNotFoundError:
                    return True

            _course = os.environ.get("LECTURE_UTILS_SOURCE", "{install_source(cfg)}")
            _extras = [f"{{n}}=={{v}}" for n, v in {{{extras}}}.items() if _missing(n, v)]
            _package = ["--no-deps", _course] if _missing("{PROJECT}", "{version()}") else []
            _steps = [("torchviz と日本語フォント", _extras), ("教材のパッケージ (lecture_utils)", _package)]
            for _what, _args in _steps:
                if not _args:
                    continue
                _pip = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-color",
                                       "--disable-pip-version-check", *_args], capture_output=True, text=True)
                if _pip.returncode != 0:
                    _lines = [ln.strip() for ln in _pip.stderr.splitlines() if ln.strip()] or ["(表示なし)"]
                    _why = [ln for ln in _lines if ln.startswith(("fatal:", "ERROR:", "error:"))] or _lines[-1:]
                    _error = RuntimeError(
                        f"[autodiff-lecture] {{_what}} を入れられませんでした。\\n  pip: {{_why[0]}}\\n"
                        "  - Colab がインターネットにつながっているか確かめて、このセルをもう一度実行してください。\\n"
                        f"  - LECTURE_UTILS_SOURCE を設定したときは、その値 ({{_course}}) を確かめてください。\\n"
                        "  - 直らないときは、このメッセージを講師に見せてください。")
                    _error._render_traceback_ = _error.args[0].splitlines  # shown instead of a traceback
                    raise _error
            print("準備ができました。")''')


def _cell_tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _with_colab_cells(nb, rel_path: str, cfg: dict):
    """Return ``nb`` with the badge and setup cells first, replacing old ones."""
    nb = copy.deepcopy(nb)
    old = {c.get("id"): c for c in nb.cells if c.get("id") in (BADGE_ID, SETUP_ID)}
    rest = [c for c in nb.cells if c.get("id") not in (BADGE_ID, SETUP_ID)]
    badge = nbformat.v4.new_markdown_cell(badge_source(rel_path, cfg), id=BADGE_ID)
    setup = nbformat.v4.new_code_cell(setup_source(cfg), id=SETUP_ID)
    if SETUP_ID in old:  # keep its stored output/count; execution refreshes them
        kept = old[SETUP_ID]
        kept.source = setup.source
        setup = kept
    setup.metadata["cellView"] = "form"  # Colab shows the #@title line, the code folded
    nb.cells = [badge, setup] + rest
    return nb


# --- exercises from solutions -------------------------------------------------

_BLOCK = re.compile(r"^([ \t]*)### BEGIN SOLUTION[^\n]*\n(.*?)^[ \t]*### END SOLUTION[^\n]*(\n|$)",
                    re.S | re.M)


def strip_solutions(source: str, markdown: bool = False) -> str:
    """Replace every solution block of ``source`` with the placeholder."""
    def repl(m):
        indent = m.group(1)
        text = MARKDOWN_PLACEHOLDER if markdown else CODE_PLACEHOLDER
        return f"{indent}{text}{m.group(3)}"
    out = _BLOCK.sub(repl, source)
    if BEGIN in out or END in out:
        raise ValueError("unbalanced ### BEGIN/END SOLUTION markers:\n" + source)
    return out


def solution_blocks(source: str) -> list[str]:
    """The dedented bodies of the solution blocks in ``source``."""
    return [textwrap.dedent(m.group(2)).rstrip("\n") for m in _BLOCK.finditer(source)]


def exercise_from_solution(nb, rel_path: str, cfg: dict):
    """The student's notebook: solutions replaced, outputs cleared, Colab cells kept."""
    ex = copy.deepcopy(nb)
    cells = []
    for cell in ex.cells:
        if SOLUTION_ONLY_TAG in _cell_tags(cell):
            continue
        cell.source = strip_solutions(cell.source, markdown=cell.cell_type == "markdown")
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cells.append(cell)
    ex.cells = cells
    return _with_colab_cells(ex, rel_path, cfg)


def collect_solutions(solution_paths) -> dict:
    """``{exercise id: solution code}`` from the tagged cells of the solution notebooks."""
    found = {}
    for path in solution_paths:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            for tag in _cell_tags(cell):
                if tag.startswith(EXERCISE_TAG_PREFIX):
                    key = tag[len(EXERCISE_TAG_PREFIX):]
                    blocks = solution_blocks(cell.source)
                    if key in found:
                        raise ValueError(f"exercise {key} is tagged twice ({path.name})")
                    found[key] = "\n".join(blocks)
    return dict(sorted(found.items()))


# --- slide metadata (tools/slide_plan.py) ---------------------------------------

def _with_slide_metadata(nb, path: Path):
    """Lecture notebooks (notebooks/) carry slide metadata planned from their structure."""
    if path.parent.name != "notebooks":
        return nb
    from tools import slide_plan

    return slide_plan.with_slide_metadata(nb)


# --- the files ----------------------------------------------------------------

def rel(path: Path) -> str:
    return path.resolve().relative_to(ROOT).as_posix()


def lecture_notebooks() -> list[Path]:
    return sorted(p for d in LECTURE_DIRS for p in (ROOT / d).glob("*.ipynb"))


def exercise_path(solution: Path) -> Path:
    return ROOT / "exercises" / solution.name


def normalize(nb):
    """Metadata that says nothing about the machine or the person who ran it."""
    nb.metadata = {
        "kernelspec": dict(KERNELSPEC),
        "language_info": {"name": "python"},
        **({"colab": nb.metadata["colab"]} if "colab" in nb.metadata else {}),
    }
    for cell in nb.cells:
        md = cell.get("metadata", {})
        for key in ("execution", "collapsed", "scrolled", "jupyter", "ExecuteTime"):
            md.pop(key, None)
    return nb


def dumps(nb) -> str:
    return nbformat.writes(nb) + "\n"


def expected_files(cfg: dict | None = None) -> dict[Path, str]:
    """Every generated file's path and its expected text, from the current sources."""
    cfg = cfg or config()
    files = {}
    solutions = sorted((ROOT / "solutions").glob("*.ipynb"))
    for path in lecture_notebooks():
        nb = normalize(_with_colab_cells(nbformat.read(path, as_version=4), rel(path), cfg))
        files[path] = dumps(_with_slide_metadata(nb, path))
    for path in solutions:
        nb = nbformat.reads(files[path], as_version=4)
        ex_path = exercise_path(path)
        files[ex_path] = dumps(normalize(exercise_from_solution(nb, rel(ex_path), cfg)))
    files[SOLUTIONS_JSON] = json.dumps(collect_solutions(solutions), ensure_ascii=False,
                                       indent=1) + "\n"
    readme = readme_text(cfg)
    if readme is not None:
        files[README] = readme
    if ENVIRONMENT.exists():
        files[ENVIRONMENT] = environment_text()
    return files


def environment_text() -> str:
    """environment.yml with the pip pins between its markers regenerated from pyproject.toml."""
    text = ENVIRONMENT.read_text(encoding="utf-8")
    head, rest = text.split(PINS_START, 1)
    tail = rest.split(PINS_END, 1)[1]
    indent = head[head.rfind("\n") + 1:]
    lines = [f"{PINS_START} (generated by `make sync` from pyproject.toml; do not edit)",
             f"- --extra-index-url {CPU_INDEX}  # CPU build of torch on Linux",
             *(f"- {req}" for req in requirements()), PINS_END]
    return head + f"\n{indent}".join(lines) + tail


def title(nb) -> str:
    """The first markdown heading of a notebook (its title in the README)."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return "(無題)"


def readme_table(cfg: dict) -> str:
    """The README's generated list of notebooks, in order, with Colab badges."""
    solutions = sorted((ROOT / "solutions").glob("*.ipynb"))
    sections = [
        ("講義ノートブック", [(p, p) for p in sorted((ROOT / "notebooks").glob("*.ipynb"))]),
        ("演習 (解答を書き込むノートブック)", [(exercise_path(p), p) for p in solutions]),
        ("演習の解答", [(p, p) for p in solutions]),
    ]
    lines = [TABLE_START, "<!-- generated by `make sync` from the notebooks; do not edit -->"]
    for heading, rows in sections:
        lines += ["", f"**{heading}**", "", "| # | ノートブック | Colab |", "|---|---|---|"]
        for i, (path, source) in enumerate(rows, 1):
            r = rel(path)
            name = title(nbformat.read(source, as_version=4))
            lines.append(f"| {i} | [{name}]({r}) | {badge_source(r, cfg)} |")
    binder = (f"https://mybinder.org/v2/gh/{cfg['repository']}/{cfg['ref']}"
              "?urlpath=lab/tree/notebooks")
    lines += ["", f"Binder (クラス全員がブラウザだけで使うとき): "
              f"[![Binder](https://mybinder.org/badge_logo.svg)]({binder})", TABLE_END]
    return "\n".join(lines)


def readme_text(cfg: dict) -> str | None:
    """README.md with its notebook table regenerated, or None when it has no table markers."""
    if not README.exists():
        return None
    text = README.read_text(encoding="utf-8")
    if TABLE_START not in text or TABLE_END not in text:
        return None
    head, rest = text.split(TABLE_START, 1)
    tail = rest.split(TABLE_END, 1)[1]
    return head + readme_table(cfg) + tail


def _orphan_exercises() -> list[Path]:
    """Exercise notebooks whose solution notebook is gone."""
    wanted = {exercise_path(p) for p in (ROOT / "solutions").glob("*.ipynb")}
    return [p for p in (ROOT / "exercises").glob("*.ipynb") if p not in wanted]


def _differing(files: dict[Path, str]) -> list[Path]:
    return [p for p, text in files.items()
            if not p.exists() or p.read_text(encoding="utf-8") != text]


def stale_files() -> list[Path]:
    """Generated files whose content differs from what ``sync`` would write."""
    return _differing(expected_files()) + _orphan_exercises()


def sync() -> list[Path]:
    """Write every generated file; remove exercises without a solution. Returns changed paths."""
    files = expected_files()
    changed = _differing(files)
    for path in changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files[path], encoding="utf-8")
    orphans = _orphan_exercises()
    for path in orphans:
        path.unlink()
    return changed + orphans


def notebook_client(nb, cwd: Path, *, kernel_name: str = "python3", timeout: int = 900,
                    allow_errors: bool = False):
    """An nbclient runner for ``nb`` in a fresh kernel of this environment, cwd ``cwd``.

    Streams are coalesced per cell, as nbval compares them: ipykernel splits printed
    text into chunks at points that vary from run to run.
    """
    from nbclient import NotebookClient

    return NotebookClient(nb, kernel_name=kernel_name, timeout=timeout, allow_errors=allow_errors,
                          resources={"metadata": {"path": str(cwd)}},
                          store_widget_state=False, record_timing=False, coalesce_streams=True)


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def stable_widget_ids(nb, rel_path: str):
    """Widget views get model ids derived from where they are, not random ones.

    No widget state is stored (``store_widget_state=False``), so the id refers to nothing
    once the kernel is gone; a random one would only make each execution differ.
    """
    for cell in nb.cells:
        for i, out in enumerate(cell.get("outputs", [])):
            view = out.get("data", {}).get(WIDGET_VIEW)
            if isinstance(view, dict) and "model_id" in view:
                key = f"{rel_path}:{cell.get('id')}:{i}".encode()
                view["model_id"] = hashlib.md5(key, usedforsecurity=False).hexdigest()
    return nb


def execute(path: Path) -> None:
    """Run ``path`` top to bottom in a fresh kernel; write its outputs back.

    Executing twice writes the same bytes, except the outputs of cells tagged
    ``nbval-ignore-output`` (timings), which vary by nature.
    """
    nb = nbformat.read(path, as_version=4)
    notebook_client(nb, path.parent).execute()
    path.write_text(dumps(normalize(stable_widget_ids(nb, rel(path)))), encoding="utf-8")


def main(argv: list[str]) -> int:
    cmd, args = (argv[0], argv[1:]) if argv else ("sync", [])
    if cmd == "sync":
        for p in sync():
            print("wrote", rel(p))
        return 0
    if cmd == "check":
        stale = stale_files()
        for p in stale:
            print("stale:", rel(p), "(run: make sync)")
        return 1 if stale else 0
    if cmd == "execute":
        from tools.run_tests import BadNotebook, notebooks_named

        try:
            targets = notebooks_named(args, "を実行して作り直します")
        except BadNotebook as e:
            print(e, file=sys.stderr)
            return 2
        sync()
        total = time.perf_counter()
        for p in targets or lecture_notebooks():
            print(f"executing {rel(p)}", flush=True)
            start = time.perf_counter()
            execute(p)
            print(f"{time.perf_counter() - start:7.1f} s  {rel(p)}", flush=True)
        print(f"{time.perf_counter() - total:7.1f} s  in all")
        for p in sync():
            print("wrote", rel(p))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
