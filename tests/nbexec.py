"""Run notebooks in a fresh kernel from the tests, as the authoring tool does."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from tools.author import notebook_client


@contextmanager
def kernel(nb, cwd: Path, **kwargs):
    """A started kernel for ``nb``; yields a function that runs cell ``i`` and returns its outputs."""
    client = notebook_client(nb, cwd, allow_errors=True, **kwargs)
    with client.setup_kernel():
        def run(i: int):
            cell = nb.cells[i]
            client.execute_cell(cell, i)
            return list(cell.get("outputs", []))
        yield run


def run_all(nb, cwd: Path, **kwargs):
    """Execute every code cell of ``nb`` in order (errors are stored, not raised)."""
    with kernel(nb, cwd, **kwargs) as run:
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                run(i)
    return nb


def errors(nb) -> list[str]:
    """`cell i: Name: message` for every error output of ``nb``."""
    found = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                found.append(f"cell {i}: {out.get('ename')}: {out.get('evalue')}")
    return found
