"""Authoring tool: keeps notebooks' Colab cells, exercises and stored outputs honest.

    python -m tools.author sync              # badges + setup cells, slide metadata, exercises/, solutions.json
    python -m tools.author execute [NB ...]  # sync, re-execute, write outputs back
    python -m tools.author check             # exit 1 when anything generated is stale

The repository location is read from one place, ``[tool.autodiff-lecture]`` in
pyproject.toml. Solution notebooks are the source of the exercise notebooks:
``### BEGIN SOLUTION`` / ``### END SOLUTION`` blocks become a placeholder.
"""
from __future__ import annotations

import copy
import json
import re
import sys
import textwrap
import tomllib
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
LECTURE_DIRS = ("notebooks", "solutions")
SOLUTIONS_JSON = ROOT / "lecture_utils" / "solutions.json"
README = ROOT / "README.md"
TABLE_START, TABLE_END = "<!-- notebooks:start -->", "<!-- notebooks:end -->"

BADGE_ID = "colab-badge"
SETUP_ID = "colab-setup"
EXERCISE_TAG_PREFIX = "ex:"        # tag on a solution cell: ex:1-1 names the exercise
SOLUTION_ONLY_TAG = "solution-only"  # cell dropped from the exercise notebook

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
CODE_PLACEHOLDER = "# ここに解答を書いてください"
MARKDOWN_PLACEHOLDER = "(ここに答えを書いてください)"

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def config() -> dict:
    """``[tool.autodiff-lecture]`` of pyproject.toml: repository and branch."""
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["tool"]["autodiff-lecture"]


def colab_url(rel_path: str, cfg: dict | None = None) -> str:
    cfg = cfg or config()
    return (f"https://colab.research.google.com/github/{cfg['repository']}"
            f"/blob/{cfg['branch']}/{rel_path}")


def badge_source(rel_path: str, cfg: dict | None = None) -> str:
    return ("[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
            f"({colab_url(rel_path, cfg)})")


def install_source(cfg: dict | None = None) -> str:
    cfg = cfg or config()
    return f"git+https://github.com/{cfg['repository']}@{cfg['branch']}"


def setup_source(cfg: dict | None = None) -> str:
    """The first code cell: on Colab only, install what Colab lacks (never torch or numpy)."""
    return textwrap.dedent(f'''\
        # Google Colab で開いたときだけ、Colab にないものを入れます (手元の JupyterLab では何もしません)。
        import sys
        if "google.colab" in sys.modules:
            import os
            _source = os.environ.get("LECTURE_UTILS_SOURCE", "{install_source(cfg)}")
            %pip install --quiet torchviz==0.0.3 matplotlib-fontja==1.1.0
            %pip install --quiet --no-deps "{{_source}}"''')


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
    return files


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
    binder = (f"https://mybinder.org/v2/gh/{cfg['repository']}/{cfg['branch']}"
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


def execute(path: Path) -> None:
    """Run ``path`` top to bottom in a fresh kernel; write its outputs back."""
    nb = nbformat.read(path, as_version=4)
    notebook_client(nb, path.parent).execute()
    path.write_text(dumps(normalize(nb)), encoding="utf-8")


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
        sync()
        targets = [Path(a).resolve() for a in args] or lecture_notebooks()
        for p in targets:
            print("executing", rel(p), flush=True)
            execute(p)
        for p in sync():
            print("wrote", rel(p))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
