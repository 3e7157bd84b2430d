"""Every generated exercise notebook, unsolved, runs to the end and asks for an answer."""
import re

import pytest
from helpers import ids, notebooks_in, read
from nbexec import errors, run_all

from tools import author

EXERCISES = notebooks_in("exercises")
CHECK_CALL = re.compile(r"^\s*check\.\w+\(", re.M)


def test_every_solution_has_an_exercise():
    assert EXERCISES, "no exercise notebooks generated"
    assert [p.name for p in EXERCISES] == [p.name for p in notebooks_in("solutions")]


@pytest.mark.parametrize("path", EXERCISES, ids=ids(EXERCISES))
def test_unsolved_exercise_runs_to_the_end(path):
    nb = run_all(read(path), path.parent)
    assert not errors(nb), errors(nb)
    asked = 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or author.CODE_PLACEHOLDER not in cell.source:
            continue
        if not CHECK_CALL.search(cell.source):
            continue
        shown = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
        assert "まだ解答がありません" in shown, f"cell {i} of {path.name} printed: {shown!r}"
        asked += 1
    assert asked, f"{path.name}: no exercise cell with a check call"
