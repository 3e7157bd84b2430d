"""How much the test command costs over its floor (the set-up's figures: bench_setup.py).

    .venv/bin/python benchmarks/bench_test_suite.py          # warm environment (a few minutes)

Warm: the full test command (pytest as `make test` runs it) against the floor, pytest +
nbval with the same options over as many trivial notebooks (import torch, one backward())
as nbval compares in notebooks/ and solutions/. Prints both times, the ratio (target <= 1.5)
and each notebook's time.
Figures are printed, never asserted: timings belong here, not in tests.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
PYTEST_OPTS = ["-n", "2", "--dist", "loadscope", "--nbval", "--nbval-current-env",
               "-p", "no:cacheprovider", "-q"]


def run_pytest(args: list[str], cwd: Path, junit: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pytest", *args, f"--junitxml={junit}"], cwd=cwd,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def per_file_times(junit: Path) -> dict[str, float]:
    """Seconds per test file (setup + call + teardown of its items), from a JUnit report."""
    times: dict[str, float] = defaultdict(float)
    for case in ET.parse(junit).iter("testcase"):
        name = case.get("file") or case.get("classname", "")
        m = re.search(r"([\w./-]+\.(?:ipynb|py))", name.replace("::", "/"))
        key = m.group(1) if m else name
        times[key] += float(case.get("time", 0))
    return dict(times)


def trivial_notebooks(folder: Path, n: int) -> None:
    for i in range(n):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(
            "import torch\nx = torch.tensor(2.0, requires_grad=True)\n(x ** 2).backward()\nprint(x.grad)",
            id="floor")]
        nb.cells[0].outputs = [nbformat.v4.new_output("stream", text="tensor(4.)\n")]
        nb.cells[0].execution_count = 1
        nbformat.write(nb, folder / f"trivial_{i:02d}.ipynb")


def warm() -> None:
    compared = sorted(p for d in ("notebooks", "solutions") for p in (ROOT / d).glob("*.ipynb"))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        floor_dir = tmp / "floor"
        floor_dir.mkdir()
        trivial_notebooks(floor_dir, len(compared))
        floor = run_pytest([*PYTEST_OPTS, "-c", os.devnull, "--rootdir", str(floor_dir), str(floor_dir)],
                           floor_dir, tmp / "floor.xml")
        full = run_pytest([], ROOT, tmp / "full.xml")  # the README's command: options from pyproject
        files = per_file_times(tmp / "full.xml")
        floor_files = per_file_times(tmp / "floor.xml")
    one_floor = sum(floor_files.values()) / max(len(floor_files), 1)
    print(f"notebooks compared by nbval : {len(compared)}")
    print(f"floor (trivial notebooks)   : {floor:7.1f} s")
    print(f"full test command           : {full:7.1f} s")
    print(f"ratio full / floor          : {full / floor:7.2f}   (target <= 1.50)")
    print(f"\none trivial notebook (floor)  : {one_floor:5.1f} s")
    print("each notebook under nbval     : time, time - floor (target <= 3.0 s)")
    for path in compared:
        key = next((k for k in files if k.endswith(path.name)), None)
        if key is not None:
            extra = files[key] - one_floor
            print(f"  {files[key]:5.1f} s  {extra:+5.1f} s  {'ok  ' if extra <= 3 else 'OVER'}  "
                  f"{path.relative_to(ROOT)}")
    print("\nper test file (seconds of test time, summed over both workers):")
    for name, secs in sorted(files.items(), key=lambda kv: -kv[1]):
        print(f"  {secs:7.1f}  {name}")


if __name__ == "__main__":
    warm()
