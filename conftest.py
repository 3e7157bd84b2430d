"""Notebook checks that share nbval's kernel, so that each notebook starts one kernel per run.

This is the repository's root conftest, so pytest loads it for every run, whichever paths
are given (tests/conftest.py would only load when tests/ is collected).

nbval (``--nbval``, given by ``python -m tools.run_tests``) runs every notebook of notebooks/ and
solutions/ in a fresh kernel and compares each cell's output with the stored one. This plugin adds
one item to each notebook, run in that same kernel:

* ``notebooks/NN.ipynb::second run`` (after nbval's cells): running every cell again prints what
  the first run printed. Cells tagged ``accumulates`` (they show state adding up on purpose) or
  ``nbval-ignore-output`` are run but not compared.
* ``solutions/X.ipynb::unsolved exercise`` (before nbval's cells, while the kernel is fresh): the
  generated exercises/X.ipynb runs to the end and every checked cell says it has no answer yet.
  The kernel's namespace is then reset (``%reset -f``) and nbval runs the solution.

It also orders the modules marked ``slow`` and the notebooks first, so that both xdist workers
end together, and ``--notebook PATH`` narrows notebook-parametrized tests to that notebook.
"""
from __future__ import annotations

import copy
import queue
import re
from pathlib import Path

import nbformat
import pytest
from helpers import ROOT, code_cells
from nbval.plugin import IPyNbCell, IPyNbFile, coalesce_streams

from tools.author import CODE_PLACEHOLDER, exercise_path

NOT_COMPARED_TAGS = {"accumulates", "nbval-ignore-output"}
CHECK_CALL = re.compile(r"^\s*check\.\w+\(", re.M)
OUTPUT_TIMEOUT = 5  # seconds to wait for a cell's last output after its reply, as nbval does


def pytest_addoption(parser):
    parser.addoption("--notebook", action="append", default=[], metavar="PATH",
                     help="keep only this notebook's cases of notebook-parametrized tests")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: a module that takes seconds; scheduled first")


# --- running a cell in nbval's kernel ----------------------------------------------------------

class CellFailed(Exception):
    """A cell could not be run (timeout, dead kernel)."""


def run_cell(kernel, source: str, timeout: float) -> list:
    """Run ``source`` in nbval's kernel; its outputs as nbval records them (streams coalesced)."""
    if not kernel.is_alive():
        raise CellFailed("the kernel is not running")
    msg_id = kernel.execute_cell_input(source, allow_stdin=False)
    try:
        kernel.await_reply(msg_id, timeout=timeout)
    except queue.Empty:
        kernel.interrupt()
        raise CellFailed(f"no reply within {timeout:g} s") from None
    outputs = []
    while True:
        try:
            msg = kernel.get_message("iopub", timeout=OUTPUT_TIMEOUT)
        except queue.Empty:
            raise CellFailed(f"no output within {OUTPUT_TIMEOUT} s after the reply") from None
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "status" and content["execution_state"] == "idle":
            return coalesce_streams(outputs)
        if kind == "stream":
            outputs.append(nbformat.NotebookNode(output_type=kind, name=content["name"], text=content["text"]))
        elif kind in ("display_data", "execute_result"):
            outputs.append(nbformat.NotebookNode(output_type=kind, data=content["data"],
                                                 metadata=content["metadata"]))
        elif kind == "error":
            outputs.append(nbformat.NotebookNode(output_type=kind, ename=content["ename"],
                                                 evalue=content["evalue"], traceback=content["traceback"]))


def _kinds(outputs) -> list[str]:
    return [o.get("name", o.output_type) for o in outputs]


class NotebookPass(pytest.Item):
    """An item that runs a whole pass of cells in its notebook's nbval kernel."""

    label = ""

    def reportinfo(self):
        return self.path, None, f"{self.nodeid}"

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, (CellFailed, PassFailed)):
            return f"{self.label}\n{excinfo.value}"
        return super().repr_failure(excinfo, style=style)

    def timeout(self) -> float:
        return self.config.option.nbval_cell_timeout


class PassFailed(Exception):
    """The pass ran, and what it found is wrong (the message says what)."""


class SecondRun(NotebookPass):
    label = "Running the notebook a second time in the same kernel printed something else:"

    def __init__(self, *, first_run: list[IPyNbCell], **kwargs):
        super().__init__(**kwargs)
        self.first_run = [item for item in first_run if not item.options["skip"]]

    def runtest(self):
        missing = [item.cell_num for item in self.first_run if item.test_outputs is None]
        if missing:
            pytest.skip(f"the first run of cells {missing} did not happen in this session")
        differ = []
        for item in self.first_run:
            outputs = run_cell(self.parent.kernel, item.cell.source, self.timeout())
            tags = set(item.cell.metadata.get("tags", []))
            if not item.options["check"] or NOT_COMPARED_TAGS & tags:
                continue
            first = coalesce_streams(copy.deepcopy(item.test_outputs))
            if not item.compare_outputs(outputs, first):  # first run as the reference
                differ.append(f"Cell {item.cell_num} (reference: the first run; test: the second):\n"
                              + "\n".join(item.comparison_traceback))
            elif _kinds(outputs) != _kinds(first):  # nbval's comparison ignores their order
                differ.append(f"Cell {item.cell_num}: outputs in another order: {_kinds(first)} "
                              f"the first time, {_kinds(outputs)} the second")
        if differ:
            raise PassFailed("\n\n".join(differ) + "\n\n(tag a cell `accumulates` only if it shows "
                             "state adding up on purpose)")


class UnsolvedExercise(NotebookPass):
    label = "The unsolved exercise notebook, run in a fresh kernel:"

    def runtest(self):
        from lecture_utils.check import NO_ANSWER

        exercise = exercise_path(self.path)
        rel = exercise.relative_to(ROOT).as_posix()
        if not exercise.exists():
            raise PassFailed(f"{rel} is missing (run: make sync)")
        kernel = self.parent.kernel
        problems, asked = [], 0
        try:
            run_cell(kernel, f"__import__('os').chdir({str(exercise.parent)!r})", self.timeout())
            for i, cell in enumerate(code_cells(nbformat.read(exercise, as_version=4))):
                outputs = run_cell(kernel, cell.source, self.timeout())
                errors = [f"{o.ename}: {o.evalue}" for o in outputs if o.output_type == "error"]
                asks = CODE_PLACEHOLDER in cell.source and CHECK_CALL.search(cell.source)
                asked += bool(asks)
                if errors:
                    problems.append(f"{rel} Cell {i} raised {errors[0]}")
                elif asks:
                    shown = "".join(o.text for o in outputs if o.output_type == "stream")
                    if NO_ANSWER not in shown:
                        problems.append(f"{rel} Cell {i} printed {shown!r}, not 「{NO_ANSWER}」")
        finally:  # the solution's cells then start from an empty namespace in the solution's folder
            run_cell(kernel, "%reset -f", self.timeout())
            run_cell(kernel, f"__import__('os').chdir({str(self.path.parent)!r})", self.timeout())
        if not asked:
            problems.append(f"{rel}: no cell asks for an answer ({CODE_PLACEHOLDER} and a check call)")
        if problems:
            raise PassFailed("\n".join(problems))


# --- collection: add the passes, narrow to --notebook, order the work --------------------------

def _notebook_folder(path: Path) -> str | None:
    return path.parent.name if path.parent.parent == ROOT else None


def _with_passes(items: list) -> list:
    """``items`` with a second run after each lecture notebook, an exercise before each solution."""
    out, cells = [], {}
    for item in items:
        if isinstance(item, IPyNbCell):
            cells.setdefault(item.parent, []).append(item)
    for item in items:
        nb = item.parent if isinstance(item, IPyNbCell) else None
        folder = _notebook_folder(nb.path) if nb else None
        if nb and folder == "solutions" and item is cells[nb][0]:
            out.append(UnsolvedExercise.from_parent(nb, name="unsolved exercise"))
        out.append(item)
        if nb and folder == "notebooks" and item is cells[nb][-1]:
            out.append(SecondRun.from_parent(nb, name="second run", first_run=cells[nb]))
    return out


def _notebook_params(item) -> set[Path]:
    spec = getattr(item, "callspec", None)
    if spec is None:
        return set()
    return {Path(v).resolve() for v in spec.params.values() if isinstance(v, Path) and v.suffix == ".ipynb"}


def _narrowed(config, items: list) -> list:
    wanted = {(ROOT / p).resolve() for p in config.getoption("notebook")}
    if not wanted:
        return items
    wanted |= {exercise_path(p) for p in wanted if _notebook_folder(p) == "solutions"}
    keep, drop = [], []
    for item in items:
        params = _notebook_params(item)
        (drop if params and not params & wanted else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
    return keep


def _scope(item) -> str:
    return item.nodeid.rsplit("::", 1)[0]


def _ordered(items: list) -> list:
    """Whole scopes (what `--dist loadscope` sends to one worker), the long ones first.

    Modules marked ``slow`` first, then notebooks, the largest file first (their outputs grow
    with their work), then the rest in collection order: the last units are short, so neither
    worker waits long for the other at the end.
    """
    scopes: dict[str, list] = {}
    for item in items:
        scopes.setdefault(_scope(item), []).append(item)

    def rank(scope: str):
        first = scopes[scope][0]
        if first.get_closest_marker("slow"):
            return (0, 0)
        if isinstance(first.parent, IPyNbFile):
            return (1, -first.parent.path.stat().st_size)
        return (2, 0)

    return [item for scope in sorted(scopes, key=rank) for item in scopes[scope]]


@pytest.hookimpl(tryfirst=True)  # before -k/-m deselection, which then applies to the passes too
def pytest_collection_modifyitems(session, config, items):
    items[:] = _ordered(_narrowed(config, _with_passes(items)))


def pytest_report_header(config):
    if not (config.option.nbval or config.option.nbval_lax):
        return "notebooks are not run without --nbval: `python -m tools.run_tests` runs everything"
    return None
