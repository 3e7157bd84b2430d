"""Running a lecture notebook twice in one kernel gives the same outputs.

Cells tagged ``accumulates`` demonstrate state on purpose (gradients adding up),
and ``nbval-ignore-output`` cells print timings; both are left out of the comparison.
"""
import pytest
from helpers import ids, notebooks_in, output_text, read, sanitize
from nbexec import kernel

NOTEBOOKS = notebooks_in("notebooks")
SKIP_TAGS = {"accumulates", "nbval-ignore-output"}


def shown(outputs) -> list[str]:
    return [sanitize(output_text(o)) for o in outputs]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_second_run_in_the_same_kernel_matches_the_first(path):
    nb = read(path)
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
            and not SKIP_TAGS & set(c.get("metadata", {}).get("tags", []))]
    with kernel(nb, path.parent) as run:
        first = {i: shown(run(i)) for i, c in enumerate(nb.cells) if c.cell_type == "code"}
        second = {i: shown(run(i)) for i, c in enumerate(nb.cells) if c.cell_type == "code"}
    differ = [i for i in code if first[i] != second[i]]
    assert not differ, "\n".join(f"cell {i}: {first[i]} != {second[i]}" for i in differ)
