"""Run notebooks in a fresh kernel from the tests (nbclient underneath)."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from nbclient import NotebookClient


def client_for(nb, cwd: Path, kernel_name: str = "python3", timeout: int = 600) -> NotebookClient:
    return NotebookClient(nb, kernel_name=kernel_name, timeout=timeout, allow_errors=True,
                          resources={"metadata": {"path": str(cwd)}},
                          store_widget_state=False, record_timing=False)


@contextmanager
def kernel(nb, cwd: Path, **kwargs):
    """A started kernel for ``nb``; yields a function that runs cell ``i`` and returns its outputs."""
    client = client_for(nb, cwd, **kwargs)
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
