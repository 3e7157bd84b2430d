"""The judge and the solution notebooks agree: ids, stored verdicts, reveal, and what a student runs."""
import json
import re

import pytest
import torch
from helpers import ROOT, notebooks_in, read

from lecture_utils import check
from tools import author

SOLUTION_NOTEBOOKS = notebooks_in("solutions")
EXERCISE_NOTEBOOKS = notebooks_in("exercises")
SOLUTIONS = json.loads((ROOT / "lecture_utils" / "solutions.json").read_text(encoding="utf-8"))
IDS = list(check.EXERCISES)
CHECK_CALL = re.compile(r"^check\.(ex\d+_\d+|final)\(", re.M)


def tagged_cells(paths):
    for path in paths:
        for i, cell in enumerate(read(path).cells):
            for tag in cell.get("metadata", {}).get("tags", []):
                if tag.startswith(author.EXERCISE_TAG_PREFIX):
                    yield path, i, tag[len(author.EXERCISE_TAG_PREFIX):], cell


def test_solutions_json_ids_match_the_checks():
    assert set(SOLUTIONS) == set(IDS)


def test_each_exercise_cell_calls_its_own_check():
    seen = set()
    for path, _, ex_id, cell in tagged_cells(SOLUTION_NOTEBOOKS):
        called = CHECK_CALL.findall(cell.source)
        assert called == [check.EXERCISES[ex_id].func.__name__], f"{path.name} ex:{ex_id} calls {called}"
        seen.add(ex_id)
    assert seen == set(IDS)


def test_every_stored_check_output_is_a_pass():
    found = 0
    for path in SOLUTION_NOTEBOOKS:
        for i, cell in enumerate(read(path).cells):
            if cell.cell_type != "code" or not CHECK_CALL.search(cell.source):
                continue
            text = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
            verdicts = [line for line in text.splitlines() if line[:1] in ("✅", "❌", "📝")]
            assert verdicts and all(v.startswith("✅") for v in verdicts), f"{path.name} cell {i}: {text!r}"
            found += 1
    assert found >= len(IDS)


def run_before(nb, index: int, namespace: dict) -> None:
    """Run the code cells above ``index`` as a student would (the Colab cell does nothing off Colab)."""
    for cell in nb.cells[:index]:
        if cell.cell_type == "code" and cell.get("id") != author.SETUP_ID:
            exec(cell.source, namespace)  # noqa: S102 - our own notebook


# (id, the exercise notebook that asks it): `make test NB=...` keeps the cases of its notebook.
ASKED = [(ex_id, path) for path, _, ex_id, _ in tagged_cells(EXERCISE_NOTEBOOKS)]


@pytest.mark.parametrize("ex_id, path", ASKED, ids=[ex_id for ex_id, _ in ASKED])
def test_the_revealed_solution_passes_in_the_exercise_notebook(ex_id, path, capsys):
    """A student who pastes check.reveal(...)'s code into the exercise cell gets ✅."""
    ((index, cell),) = [(i, c) for p, i, e, c in tagged_cells([path]) if e == ex_id]
    namespace = {}
    run_before(read(path), index, namespace)
    student_cell = cell.source.replace(author.CODE_PLACEHOLDER, SOLUTIONS[ex_id])
    exec(student_cell.replace(CHECK_CALL.search(student_cell).group(0), "result = " + CHECK_CALL.search(
        student_cell).group(0)), namespace)  # noqa: S102 - our own solution text
    assert namespace["result"] is True, capsys.readouterr().out
    assert torch.is_grad_enabled()


@pytest.mark.parametrize("ex_id", IDS)
def test_reveal_prints_the_solution_of_the_notebook(ex_id, capsys):
    check.reveal(ex_id)
    out = capsys.readouterr().out
    assert SOLUTIONS[ex_id] in out and "解答例" in out
