"""The authoring tool: one repository location, generated cells and exercises up to date."""
import json
import re
import subprocess

import nbformat
import pytest
from helpers import ROOT, ids, notebooks_in, read

from tools import author

ALL = notebooks_in("notebooks", "solutions", "exercises")


def test_generated_files_are_up_to_date():
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


@pytest.mark.parametrize("path", ALL, ids=ids(ALL))
def test_badge_and_setup_cell_match_the_configuration(path):
    nb = read(path)
    badge, setup = nb.cells[0], nb.cells[1]
    rel = path.relative_to(ROOT).as_posix()
    assert badge.cell_type == "markdown" and badge.source == author.badge_source(rel)
    assert author.colab_url(rel) in badge.source
    assert setup.cell_type == "code" and setup.source == author.setup_source()


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


def test_solutions_json_matches_tagged_cells():
    shipped = json.loads((ROOT / "lecture_utils" / "solutions.json").read_text(encoding="utf-8"))
    assert shipped == author.collect_solutions(notebooks_in("solutions"))
