"""The judge and the solution notebooks agree: ids, hints, reveal, stored verdicts."""
import inspect
import json
import re
from pathlib import Path

import nbformat
import pytest
import torch

from lecture_utils import check
from tools import author

ROOT = Path(__file__).resolve().parents[1]
SOLUTION_NOTEBOOKS = sorted((ROOT / "solutions").glob("*.ipynb"))
SOLUTIONS = json.loads((ROOT / "lecture_utils" / "solutions.json").read_text(encoding="utf-8"))
IDS = list(check.EXERCISES)
CHECK_CALL = re.compile(r"^check\.(ex\d+_\d+|final)\(", re.M)


def tagged_cells():
    for path in SOLUTION_NOTEBOOKS:
        for cell in nbformat.read(path, as_version=4).cells:
            for tag in cell.get("metadata", {}).get("tags", []):
                if tag.startswith(author.EXERCISE_TAG_PREFIX):
                    yield path.name, tag[len(author.EXERCISE_TAG_PREFIX):], cell


def test_solutions_json_ids_match_the_checks():
    assert set(SOLUTIONS) == set(IDS)


def test_each_exercise_cell_calls_its_own_check():
    seen = set()
    for name, ex_id, cell in tagged_cells():
        called = CHECK_CALL.findall(cell.source)
        assert called == [check.EXERCISES[ex_id].func.__name__], f"{name} ex:{ex_id} calls {called}"
        seen.add(ex_id)
    assert seen == set(IDS)


def test_every_stored_check_output_is_a_pass():
    found = 0
    for path in SOLUTION_NOTEBOOKS:
        for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if cell.cell_type != "code" or not CHECK_CALL.search(cell.source):
                continue
            text = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
            verdicts = [line for line in text.splitlines() if line[:1] in ("✅", "❌", "📝")]
            assert verdicts and all(v.startswith("✅") for v in verdicts), f"{path.name} cell {i}: {text!r}"
            found += 1
    assert found >= len(IDS)


# Names a solution relies on from earlier cells of its notebook.
CONTEXT = {"4-3": {"f": lambda x: x ** 3 if x > 0 else -2 * x + torch.sin(x)}}


@pytest.mark.parametrize("ex_id", IDS)
def test_the_revealed_solution_passes_its_check(ex_id, capsys):
    namespace = {"torch": torch, "check": check, **CONTEXT.get(ex_id, {})}
    exec(SOLUTIONS[ex_id], namespace)  # noqa: S102 - our own solution text
    func = check.EXERCISES[ex_id].func
    args = [namespace[p] for p in inspect.signature(func).parameters]
    assert func(*args) is True, capsys.readouterr().out


@pytest.mark.parametrize("ex_id", IDS)
def test_hint_and_reveal(ex_id, capsys):
    check.hint(ex_id)
    out = capsys.readouterr().out
    assert "ヒント" in out and check.EXERCISES[ex_id].hint in out
    check.reveal(ex_id)
    out = capsys.readouterr().out
    assert SOLUTIONS[ex_id] in out and "解答例" in out


@pytest.mark.parametrize("bad", [None, "", "2-1", "演習9", 11, 1.5, [], object(), "1-1 "])
def test_hint_and_reveal_never_raise(bad, capsys):
    assert check.hint(bad) is None
    assert check.reveal(bad) is None
    out = capsys.readouterr().out
    assert out.strip()


def test_ids_accept_the_slides_spelling(capsys):
    check.hint("演習1-5")
    assert "演習1-5 のヒント" in capsys.readouterr().out


def test_ids_are_listed_in_order():
    assert check.ids() == ["1-1", "1-2", "1-3", "1-4", "1-5", "3-1", "3-2", "3-3", "4-1", "4-2", "4-3", "final"]
