"""Shared helpers for the tests: where notebooks live and how to read them."""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]

# The one way to skip a test that needs Graphviz's `dot` (the test command itself refuses
# to start without it, so this only matters for single tests run by hand).
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


def notebooks_in(*folders: str) -> list[Path]:
    return sorted(p for f in folders for p in (ROOT / f).glob("*.ipynb"))


def ids(paths) -> list[str]:
    return [p.relative_to(ROOT).as_posix() for p in paths]


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def read(path: Path):
    return nbformat.read(path, as_version=4)
