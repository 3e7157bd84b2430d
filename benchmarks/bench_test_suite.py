"""How much the test command costs over its floor, and how much the set-up costs over plain pip.

    .venv/bin/python benchmarks/bench_test_suite.py          # warm environment (a few minutes)
    .venv/bin/python benchmarks/bench_test_suite.py --cold   # the cold set-up instead (downloads)

Warm: the full test command (pytest as `make test` runs it) against the floor, pytest +
nbval with the same options over as many trivial notebooks (import torch, one backward())
as nbval compares in notebooks/ and solutions/. Prints both times, the ratio (target <= 1.5)
and each notebook's time. Cold: `make`'s set-up in a fresh clone against a plain
`pip install` of the same pins into a new venv, both without pip's cache (target <= 1.2).
Figures are printed, never asserted: timings belong here, not in tests.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
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


def pins() -> list[str]:
    with open(ROOT / "pyproject.toml", "rb") as f:
        project = tomllib.load(f)["project"]
    reqs = list(project["dependencies"]) + [r for extra in project["optional-dependencies"].values()
                                            for r in extra]
    return reqs


def du(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def cold() -> None:
    env = {**os.environ, "PIP_NO_CACHE_DIR": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        venv = tmp / "plain"
        start = time.perf_counter()
        subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", *pins()], env=env, check=True,
                       stderr=subprocess.DEVNULL)
        plain = time.perf_counter() - start
        clone = tmp / "clone"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        start = time.perf_counter()
        subprocess.run(["make", ".venv/.installed"], cwd=clone, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ours = time.perf_counter() - start
        print(f"\nplain pip install of the pins : {plain:7.1f} s  ({du(venv):7.0f} MiB)")
        print(f"make's set-up, fresh clone    : {ours:7.1f} s  ({du(clone / '.venv'):7.0f} MiB)")
        print(f"ratio                         : {ours / plain:7.2f}   (target <= 1.20)")
        torch_dirs = [p for p in (clone / ".venv").rglob("torch-*.dist-info")]
        print(f"torch installs in the venv    : {[p.name for p in torch_dirs]}")
        shutil.rmtree(clone, ignore_errors=True)


if __name__ == "__main__":
    cold() if "--cold" in sys.argv else warm()
