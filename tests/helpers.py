"""Shared helpers for the tests: where notebooks live, how to read them and their outputs."""
from __future__ import annotations

import re
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


def output_text(output) -> str:
    """The text nbval would compare for one output (text/plain, stream, error name/value)."""
    kind = output.get("output_type")
    if kind == "stream":
        return f"[{output.get('name')}] {output.get('text', '')}"
    if kind == "error":
        return f"[error] {output.get('ename')}: {output.get('evalue')}"
    data = output.get("data", {})
    return "\n".join(f"[{mime}] {data[mime]}" for mime in sorted(data)
                     if mime in ("text/plain", "text/html", "image/svg+xml"))


def load_sanitizers() -> list[tuple[re.Pattern, str]]:
    """The regex/replace pairs of tests/sanitize.cfg, as nbval applies them."""
    import configparser
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "tests" / "sanitize.cfg", encoding="ascii")
    return [(re.compile(cfg[s]["regex"]), cfg[s]["replace"]) for s in cfg.sections()]


def sanitize(text: str) -> str:
    for pattern, replacement in load_sanitizers():
        text = pattern.sub(replacement, text)
    return text


def read(path: Path):
    return nbformat.read(path, as_version=4)
