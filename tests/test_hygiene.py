"""Notebook hygiene: what is stored in the notebooks is clean, real, and in order.

The cases run over notebooks/ and solutions/, the notebooks authors write. exercises/ is
generated from solutions/ (tests/test_author.py checks that it is up to date), so it is
as clean as its solution.
"""
import json
import re

import pytest
from helpers import ROOT, code_cells, ids, notebooks_in, read

LECTURE = notebooks_in("notebooks", "solutions")

ALLOWED_METADATA = {"kernelspec", "language_info", "colab"}
MACHINE_PATH = re.compile(r"(/root/|/home/[A-Za-z]|/Users/[A-Za-z]|[A-Z]:\\\\Users|/tmp/|"
                          r"site-packages|/work/|ipykernel_\d+)")
# What torch prints about itself, not the lesson: it differs between torch releases and on Colab.
TORCH_INTERNALS = re.compile(
    r"Triggered internally at"                                     # torch's C++ warning suffix
    r"|/__w/|pytorch/build|aten/src|torch/csrc|\bc10/"             # torch's build paths
    r"|\w\.(?:h|hpp|hh|c|cc|cpp|cxx|cu|cuh):\d+"                     # C++ file and line: TensorBody.h:493
    r"|\b(?:Future|Deprecation|PendingDeprecation)Warning\b"        # notices about torch's own API
    r"|:\d+: \w*Warning: "                                         # any warning left uncaught (file:line: ...)
)
TIME_GUIDE = re.compile(r"^\*\*所要時間の目安\*\*: 約 \d+ 分$", re.M)
THINK_FIRST = "<details><summary>考えてから開いてください</summary>"
PROMPT = re.compile(r"^(\*\*考えてみよう\*\*|#+ 考えてみよう)", re.M)
IDENTITY_KEYS = re.compile(r'"(author|authors|user|username|email|uid|hostname)"', re.I)


def test_there_are_notebooks():
    assert (ROOT / "notebooks" / "01_recap.ipynb") in LECTURE


@pytest.mark.parametrize("path", LECTURE, ids=ids(LECTURE))
def test_metadata_names_nobody(path):
    nb = read(path)
    assert set(nb.metadata) <= ALLOWED_METADATA, f"unexpected notebook metadata: {set(nb.metadata)}"
    text = json.dumps([nb.metadata] + [c.get("metadata", {}) for c in nb.cells])
    assert not IDENTITY_KEYS.search(text), "user name or id in metadata"


@pytest.mark.parametrize("path", LECTURE, ids=ids(LECTURE))
def test_no_machine_paths_in_outputs(path):
    for i, cell in enumerate(code_cells(read(path))):
        for out in cell.get("outputs", []):
            shown = json.dumps({k: v for k, v in out.items() if k != "traceback"}, ensure_ascii=False)
            assert not MACHINE_PATH.search(shown), f"cell {i} shows a path of this machine: {shown[:300]}"


@pytest.mark.parametrize("path", LECTURE, ids=ids(LECTURE))
def test_no_torch_internals_in_outputs(path):
    """Stored outputs show the lesson, never torch's internals (issue 8).

    A warning that is the point of a cell is caught and its first sentence printed
    (notebook 03's non-leaf ``.grad``); any other torch warning is silenced narrowly.
    """
    for i, cell in enumerate(code_cells(read(path))):
        for out in cell.get("outputs", []):
            text = {k: v for k, v in out.items() if k != "data"}
            text["data"] = {k: v for k, v in out.get("data", {}).items() if not k.startswith("image/")}
            shown = json.dumps(text, ensure_ascii=False)  # base64 images left out: they hold no words
            found = TORCH_INTERNALS.search(shown)
            assert not found, f"cell {i} shows torch internals ({found.group(0)!r}): {shown[:300]}"


@pytest.mark.parametrize("path", LECTURE, ids=ids(LECTURE))
def test_every_code_cell_executed_in_order(path):
    counts = [c.execution_count for c in code_cells(read(path))]
    assert counts == list(range(1, len(counts) + 1)), (
        f"execution counts {counts}: re-execute with `make execute NB={path.relative_to(ROOT)}`")


@pytest.mark.parametrize("path", LECTURE, ids=ids(LECTURE))
def test_errors_only_where_tagged(path):
    for i, cell in enumerate(code_cells(read(path))):
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        tags = cell.get("metadata", {}).get("tags", [])
        if errors:
            assert "raises-exception" in tags, f"cell {i} stored an error without raises-exception"


@pytest.mark.parametrize("path", LECTURE, ids=ids(LECTURE))
def test_no_unstable_mime_types(path):
    """SVG and HTML are compared by nbval; graph and plot helpers must store PNG."""
    for i, cell in enumerate(code_cells(read(path))):
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            assert "image/svg+xml" not in data, f"cell {i} stores SVG (addresses/dates vary)"


@pytest.mark.parametrize("path", LECTURE, ids=ids(LECTURE))
def test_the_title_cell_states_the_time_a_first_year_student_needs(path):
    """The line `**所要時間の目安**: 約 N 分` under the title (exercises inherit it from their solution)."""
    title = next(c for c in read(path).cells if c.cell_type == "markdown" and c.source.startswith("# "))
    assert TIME_GUIDE.search(title.source), title.source[:200]


def _minutes(text: str) -> int:
    """'約 4 時間 40 分', '約 3 時間半', '約 8 時間', '約 25 分' in minutes."""
    m = re.fullmatch(r"約 (?:(\d+) 時間)? ?(半|(\d+) 分)?", text.strip())
    assert m and (m[1] or m[2]), text
    return int(m[1] or 0) * 60 + (30 if m[2] == "半" else int(m[3] or 0))


def _readme_section(title: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split(f"### {title}\n", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]


def _row_notebook(name: str):
    """The notebook a README row names: "N. ..." notebooks/0N, "演習N" exN, "最終問題" ex5."""
    m = re.match(r"(\d)\.|演習(\d)|最終問題", name)
    found = sorted(ROOT.glob(f"notebooks/0{m[1]}_*.ipynb" if m[1] else f"solutions/ex{m[2] or 5}_*.ipynb")) if m else []
    assert len(found) == 1, f"README row {name!r}: names no notebook (N. for notebooks/0N, 演習N, 最終問題)"
    return found[0]


def test_the_readme_time_table_agrees_with_the_notebooks_and_adds_up():
    """README「所要時間の目安」: each notebook's rows add up to the time under its title, the totals
    below the table are their sums, and the self-study plan's first two days add up to the core
    rows, its third day to the advanced ones."""
    section = _readme_section("所要時間の目安")
    rows = re.findall(r"^\| (\S+) \| (.+?) \| (約 [^|(]+?)(?: \(.*\))? \|$", section, re.M)
    per_notebook, core, advanced = {}, 0, 0
    for order, name, time in rows:
        path, minutes = _row_notebook(name), _minutes(time)
        per_notebook[path] = per_notebook.get(path, 0) + minutes
        if order == "発展":
            advanced += minutes
        else:
            core += minutes
    assert set(per_notebook) == set(LECTURE), rows
    for path, minutes in per_notebook.items():
        title = next(c for c in read(path).cells if c.cell_type == "markdown" and c.source.startswith("# "))
        assert _minutes(TIME_GUIDE.search(title.source)[0].split(": ")[1]) == minutes, path.name
    totals = re.search(r"1〜4 と演習で(約 [^、]+)、5・6 まで含めると(約 [^で]+?)です", section)
    assert _minutes(totals[1]) == core and round((core + advanced) / 60) * 60 == _minutes(totals[2]), totals[0]
    days = [_minutes(t) for t in re.findall(r"\((約 [^)]+)\)", _readme_section("ひとりで学ぶとき"))]
    assert days == [days[0], core - days[0], advanced], days


@pytest.mark.parametrize("path", LECTURE, ids=ids(LECTURE))
def test_every_think_prompt_has_an_answer_behind_a_think_first_step(path):
    """A 「考えてみよう」 question (a **考えてみよう** paragraph or section) is answered within the next
    markdown cells, folded away; each numbered question of a section gets its own answer."""
    cells = read(path).cells
    for i, cell in enumerate(cells):
        if cell.cell_type != "markdown" or not PROMPT.search(cell.source):
            continue
        questions = len(re.findall(r"^\*\*\d+\.\*\*", cell.source, re.M))
        assert cell.source.count(THINK_FIRST) >= questions, f"cell {i}: {questions} questions"
        following = [c.source for c in cells[i:i + 4] if c.cell_type == "markdown"]
        assert any(THINK_FIRST in s and "</details>" in s for s in following), f"cell {i}: {cell.source[:120]}"
