"""How much the test command costs over its floor (the set-up's figures: bench_setup.py).

    .venv/bin/python benchmarks/bench_test_suite.py             # full test command vs its floor
    .venv/bin/python benchmarks/bench_test_suite.py --repeat 3  # the same three times: best and spread
    .venv/bin/python benchmarks/bench_test_suite.py --ignore tests/test_colab.py  # what the rest costs
    .venv/bin/python benchmarks/bench_test_suite.py --notebooks-only  # the nbval part alone
    .venv/bin/python benchmarks/bench_test_suite.py --one [NB ...]  # one-notebook checks vs their floor

Warm: the full test command (`python -m tools.run_tests`, what `make test` runs) against its
floor, measured back to back in one run: pytest with the same options (two workers, nbval) over
as many trivial notebooks (import torch, one backward()) as nbval runs in notebooks/ and
solutions/. Prints both times, the ratio (target <= 2.0), each notebook's time, the time per
test file and how many kernels each command started. --notebooks-only leaves out every
tests/test_*.py: what is left is the nbval part (the notebooks, their second runs and the unsolved
exercises), which the floor is the trivial version of.
One: `python -m tools.run_tests NB` for each notebook against pytest + nbval with the same
options over one trivial notebook (target: floor + 5 s).
The cold set-up's figures are printed by benchmarks/bench_setup.py.
Figures are printed, never asserted: timings belong here, not in tests.
"""
from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tools import run_tests  # noqa: E402 - after the path entry that finds it

COMPARED = sorted(p for d in ("notebooks", "solutions") for p in (ROOT / d).glob("*.ipynb"))

# Loaded into pytest and its workers: appends one line per kernel launched to $KERNEL_LOG.
KERNEL_COUNTER = '''\
import os
from jupyter_client.manager import KernelManager

_launch = KernelManager._async_launch_kernel


async def _counted(self, kernel_cmd, **kw):
    with open(os.environ["KERNEL_LOG"], "a") as f:
        f.write(" ".join(kernel_cmd[:3]) + "\\n")
    return await _launch(self, kernel_cmd, **kw)


KernelManager._async_launch_kernel = _counted
'''


class Run:
    """One timed pytest run: wall time, JUnit report, kernels launched."""

    def __init__(self, cmd: list[str], cwd: Path, tmp: Path, name: str):
        self.junit, log = tmp / f"{name}.xml", tmp / f"{name}.kernels"
        env = {**os.environ, "KERNEL_LOG": str(log),
               "PYTHONPATH": os.pathsep.join(filter(None, [str(tmp), os.environ.get("PYTHONPATH")]))}
        cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run([*cmd, "-p", "kernel_counter", "-q", f"--junitxml={self.junit}"], cwd=cwd,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        # CPU seconds of the run and every process it waited for (workers, kernels): less
        # sensitive than wall time to other work on the machine.
        self.cpu = (after.ru_utime + after.ru_stime) - (cpu.ru_utime + cpu.ru_stime)
        self.returncode = done.returncode
        self.kernels = len(log.read_text().splitlines()) if log.exists() else 0
        self.cases = list(ET.parse(self.junit).iter("testcase")) if self.junit.exists() else []

    def per_file(self) -> dict[str, float]:
        """Seconds per test file (setup + call + teardown of its items)."""
        times: dict[str, float] = defaultdict(float)
        for case in self.cases:
            times[case_file(case)] += float(case.get("time", 0))
        return dict(times)


def case_file(case) -> str:
    """The file a JUnit case belongs to; its classname spells folders with dots."""
    name = case.get("file") or case.get("classname", "")
    if name.endswith(".ipynb"):
        return re.sub(r"^(notebooks|solutions)\.", r"\1/", name)
    return name.replace(".", "/") + ".py" if not name.endswith(".py") else name


def trivial_notebooks(folder: Path, n: int) -> None:
    folder.mkdir()
    for i in range(n):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(
            "import torch\nx = torch.tensor(2.0, requires_grad=True)\n(x ** 2).backward()\nprint(x.grad)",
            id="floor")]
        nb.cells[0].outputs = [nbformat.v4.new_output("stream", text="tensor(4.)\n")]
        nb.cells[0].execution_count = 1
        nbformat.write(nb, folder / f"trivial_{i:02d}.ipynb")


def floor_cmd(options: list[str], folder: Path) -> list[str]:
    """pytest with the test command's options over ``folder``, outside this repository's config."""
    return [sys.executable, "-m", "pytest", *options, "-c", os.devnull, "--rootdir", str(folder), str(folder)]


def prepare(tmp: Path) -> None:
    (tmp / "kernel_counter.py").write_text(KERNEL_COUNTER)


def warm_once(tmp: Path, i: int, ignore: list[str]) -> tuple[Run, Run]:
    floor_dir = tmp / f"floor{i}"
    trivial_notebooks(floor_dir, len(COMPARED))
    floor = Run(floor_cmd(run_tests.EVERYTHING, floor_dir), floor_dir, tmp, f"floor{i}")
    full = Run([sys.executable, "-m", "tools.run_tests", "--", *(f"--ignore={p}" for p in ignore)],
               ROOT, tmp, f"full{i}")
    print(f"run {i + 1}: floor {floor.seconds:5.1f} s, full {full.seconds:5.1f} s, ratio "
          f"{full.seconds / floor.seconds:4.2f}; CPU floor {floor.cpu:5.1f} s, full {full.cpu:5.1f} s, "
          f"ratio {full.cpu / floor.cpu:4.2f}  (exit codes {floor.returncode}, {full.returncode})", flush=True)
    return floor, full


def warm(repeat: int, ignore: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        prepare(tmp)
        runs = [warm_once(tmp, i, ignore) for i in range(repeat)]
    ratios = [full.seconds / floor.seconds for floor, full in runs]
    floor, full = min(runs, key=lambda r: r[1].seconds / r[0].seconds)
    print(f"\nnotebooks run by nbval      : {len(COMPARED)}")
    print(f"floor (trivial notebooks)   : {floor.seconds:7.1f} s   CPU {floor.cpu:6.1f} s   "
          f"kernels started: {floor.kernels}")
    if ignore:
        shown = ", ".join(ignore) if len(ignore) <= 4 else f"{len(ignore)} test files"
        print(f"NOTE: the full command ran without {shown}")
    print(f"full test command           : {full.seconds:7.1f} s   CPU {full.cpu:6.1f} s   "
          f"kernels started: {full.kernels}")
    print(f"ratio full / floor          : {full.seconds / floor.seconds:7.2f}   (target <= 2.00; "
          f"CPU time {full.cpu / floor.cpu:.2f})")
    if repeat > 1:
        print(f"ratio over {repeat} runs         : best {min(ratios):.2f}, median {statistics.median(ratios):.2f}, "
              f"worst {max(ratios):.2f}")
    if full.returncode != 0:
        print(f"NOTE: the test command exited {full.returncode}")
    one_floor = statistics.mean(floor.per_file().values())
    print(f"\none trivial notebook under nbval : {one_floor:5.1f} s (test time)")
    print("each notebook: its time (kernel start, nbval's cells and the pass conftest.py adds: "
          "a second run, or the unsolved exercise), that pass alone, and time - one trivial notebook")
    by_file: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for case in full.cases:
        kind = "cells" if case.get("name", "").startswith("Cell ") else case.get("name", "")
        by_file[case_file(case)][kind] += float(case.get("time", 0))
    for path in COMPARED:
        parts = by_file.get(path.relative_to(ROOT).as_posix(), {})
        total = sum(parts.values())
        passes = ", ".join(f"{name} {secs:4.1f} s" for name, secs in parts.items() if name != "cells")
        print(f"  {total:5.1f} s  {total - one_floor:+5.1f} s  {path.relative_to(ROOT)}  ({passes})")
    print("  (a solution's unsolved exercise runs first, so its time includes the kernel start)")
    print("\nper test file (seconds of test time, summed over both workers):")
    for name, secs in sorted(full.per_file().items(), key=lambda kv: -kv[1]):
        print(f"  {secs:7.1f}  {name}")


def one(args: list[str]) -> None:
    targets = args or [p.relative_to(ROOT).as_posix() for p in COMPARED]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        prepare(tmp)
        print("one-notebook check: time, floor (one trivial notebook, same options, just before), "
              "time - floor (target <= 5.0 s)")
        for i, nb in enumerate(targets):
            floor_dir = tmp / f"one{i}"
            trivial_notebooks(floor_dir, 1)
            floor = Run(floor_cmd(run_tests.NBVAL, floor_dir), floor_dir, tmp, f"onefloor{i}")
            check = Run([sys.executable, "-m", "tools.run_tests", nb, "--"], ROOT, tmp, f"one{i}")
            extra = check.seconds - floor.seconds
            print(f"  {check.seconds:5.1f} s  {floor.seconds:4.1f} s  {extra:+5.1f} s  "
                  f"(CPU {check.cpu:4.1f} s vs {floor.cpu:4.1f} s)  "
                  f"{'ok  ' if extra <= 5 else 'OVER'}  kernels {check.kernels}  exit {check.returncode}  {nb}",
                  flush=True)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     usage=__doc__.split("\n\n")[1].strip("\n"))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--ignore", action="append", default=[])
    parser.add_argument("--notebooks-only", action="store_true")
    parser.add_argument("--one", nargs="*")
    args = parser.parse_args(argv)
    if args.one is not None:
        one(args.one)
        return
    ignore = list(args.ignore)
    if args.notebooks_only:  # each file: pytest does not ignore a testpaths entry itself
        ignore += sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "tests").glob("test_*.py"))
    warm(args.repeat, ignore)


if __name__ == "__main__":
    main(sys.argv[1:])
