"""The authoring tool: one repository location, generated cells and exercises up to date."""
import re
import subprocess

import nbformat
import pytest
from helpers import ROOT

from tools import author


def test_generated_files_are_up_to_date():
    """The one freshness check: Colab cells, exercises/, solutions.json and the README table."""
    stale = [p.relative_to(ROOT).as_posix() for p in author.stale_files()]
    assert not stale, f"out of date, run `make sync`: {stale}"


def source_files() -> list:
    """The files of the checkout (tracked or new, not ignored build products)."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, text=True)
    if listed.returncode != 0:  # not a git checkout: every file outside the usual build dirs
        skip = {".venv", ".git", "build", "__pycache__"}
        return [p for p in ROOT.rglob("*") if p.is_file() and not skip & set(p.parts)
                and not any(part.endswith(".egg-info") for part in p.parts)]
    return [ROOT / line for line in listed.stdout.splitlines() if (ROOT / line).is_file()]


def test_repository_location_is_written_once():
    """pyproject.toml says where the course lives; elsewhere only generated text repeats it."""
    repo = author.config()["repository"]
    hits = []
    for p in source_files():
        if p.suffix not in {".py", ".toml", ".yml", ".cfg", ".md", ".txt", ""}:
            continue
        text = p.read_text(encoding="utf-8", errors="ignore")
        if p == author.README and author.TABLE_START in text:
            head, rest = text.split(author.TABLE_START, 1)
            text = head + rest.split(author.TABLE_END, 1)[1]
        if repo in text:
            hits.append(p.relative_to(ROOT).as_posix())
    assert sorted(hits) == ["pyproject.toml"], f"repository location written by hand in: {hits}"


def test_colab_cells_come_first_point_at_the_notebook_and_replace_old_ones():
    cfg = {"repository": "owner/course", "branch": "dev", "ref": "v9.9.9"}
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 題", id="title")]
    once = author._with_colab_cells(nb, "notebooks/x.ipynb", cfg)
    twice = author._with_colab_cells(once, "notebooks/x.ipynb", cfg)
    assert [c.get("id") for c in twice.cells] == [author.BADGE_ID, author.SETUP_ID, "title"]
    assert "github/owner/course/blob/v9.9.9/notebooks/x.ipynb)" in twice.cells[0].source
    assert twice.cells[1].source == author.setup_source(cfg)


def test_setup_cell_installs_pinned_extras_and_the_release_of_this_version():
    """Colab keeps its own torch and numpy; the rest comes at our pins, the package at our tag."""
    import lecture_utils
    from tools.course_env import pins

    src = author.setup_source()
    installed = re.findall(r'"([A-Za-z0-9_.-]+)": "([^"]+)"', src)
    assert [name for name, _ in installed] == list(author.COLAB_LACKS)
    assert all(pins()[name] == ver for name, ver in installed), installed
    assert not any(name in ("torch", "numpy") for name, _ in installed)
    tag = f"v{lecture_utils.__version__}"
    assert author.config()["ref"] == tag
    assert f'@{tag}"' in src and '["--no-deps", _course]' in src
    assert f'_missing("autodiff-lecture", "{lecture_utils.__version__}")' in src
    assert 'if "google.colab" in sys.modules:' in src and "%pip" not in src  # no restart-the-kernel notes


def test_strip_solutions_keeps_indentation_and_surroundings():
    src = "x = None\nif True:\n    ### BEGIN SOLUTION\n    x = 1\n    y = 2\n    ### END SOLUTION\ncheck(x)"
    out = author.strip_solutions(src)
    assert out == f"x = None\nif True:\n    {author.CODE_PLACEHOLDER}\ncheck(x)"
    assert author.solution_blocks(src) == ["x = 1\ny = 2"]


def test_strip_solutions_rejects_unbalanced_markers():
    with pytest.raises(ValueError):
        author.strip_solutions("### BEGIN SOLUTION\nx = 1\n")


def test_exercise_generation_drops_solution_only_cells_and_outputs():
    nb = nbformat.v4.new_notebook()
    keep = nbformat.v4.new_code_cell("a = None\n### BEGIN SOLUTION\na = 1\n### END SOLUTION\nprint(a)",
                                     id="keep", execution_count=3,
                                     outputs=[nbformat.v4.new_output("stream", text="1\n")])
    drop = nbformat.v4.new_markdown_cell("解説", id="drop", metadata={"tags": ["solution-only"]})
    nb.cells = [keep, drop]
    ex = author.exercise_from_solution(nb, "exercises/x.ipynb", author.config())
    assert [c.get("id") for c in ex.cells] == [author.BADGE_ID, author.SETUP_ID, "keep"]
    assert ex.cells[2].outputs == [] and ex.cells[2].execution_count is None
    assert "a = 1" not in ex.cells[2].source

