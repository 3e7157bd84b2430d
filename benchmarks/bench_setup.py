"""Figures for the set-up, printed, never asserted (timings belong here, not in tests).

    python3 benchmarks/bench_setup.py --cold           # cold set-up against a plain pip install
    python3 benchmarks/bench_setup.py --torch 2.14.1   # nbval under the pinned torch and under 2.14.1
    python3 benchmarks/bench_setup.py                  # both

Cold: tools/course.py's set-up (what `make lab` prepares: the [project] dependencies) in a
fresh clone of the committed tree (HEAD) against a plain ``python3 -m venv`` + ``pip install``
of the same pins from the same index, both
without pip's cache, alternated twice (the machine is shared: best of each, wall and CPU
time). Prints the times, the ratios (target <= 1.2), each venv's size (target <= 1.5 GB)
and which torch build it holds.

Torch: nbval over notebooks/ and solutions/ with the pinned torch (.venv) and with the
given torch (.venvs/torch-X, made by the set-up's own code, removed afterwards unless
--keep). Prints each notebook's result under both, and every cell whose output differs.
"""
from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools import course_env  # noqa: E402 - after the path entry above

NBVAL = ["-p", "no:cacheprovider", "-o", "addopts=", "-q", "-n", "2", "--dist", "loadscope",
         "--nbval", "--nbval-current-env", "--nbval-sanitize-with", "tests/sanitize.cfg"]


def size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6


def torch_build(venv: Path) -> str:
    infos = sorted(p.name for p in venv.rglob("torch-*.dist-info"))
    nvidia = len(list(venv.rglob("nvidia_*.dist-info")))
    return f"{', '.join(infos) or 'no torch'}; {nvidia} nvidia-* packages"


def timed(*commands: list[str], **kwargs) -> tuple[float, float]:
    """Wall and CPU seconds (user + sys of the child processes) of running ``commands`` in turn."""
    before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    for command in commands:
        subprocess.run(command, check=True, **kwargs)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return time.perf_counter() - start, cpu


def cold(rounds: int = 2) -> None:
    """Plain pip and the set-up, alternated (plain, ours, ours, plain, ...): best of each."""
    env = {**os.environ, "PIP_NO_CACHE_DIR": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    index_args, line = course_env.torch_index(course_env.index_mode())
    print(f"torch index used by both: {index_args[-1] if index_args else 'default'}"
          + (" (CPU index unreachable here)" if line else ""))
    plain_runs, our_runs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        clone = tmp / "clone"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        quiet = {"env": env, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        for turn in range(rounds):
            for who in (("plain", "ours") if turn % 2 == 0 else ("ours", "plain")):
                if who == "plain":
                    plain = tmp / "plain"
                    shutil.rmtree(plain, ignore_errors=True)
                    plain_runs.append(timed([sys.executable, "-m", "venv", str(plain)],
                                            [str(plain / "bin" / "python"), "-m", "pip", "install", "--quiet",
                                             *index_args, *course_env.main_env("setup").reqs], **quiet))
                else:
                    shutil.rmtree(clone / ".venv", ignore_errors=True)
                    our_runs.append(timed([sys.executable, str(clone / "tools" / "course.py"), "setup"],
                                          cwd=clone, **quiet))
        for label, runs, venv in (("plain venv + pip install of the pins", plain_runs, tmp / "plain"),
                                  ("tools/course.py setup, fresh clone  ", our_runs, clone / ".venv")):
            print(f"{label}: wall {min(w for w, _ in runs):6.1f} s, cpu {min(c for _, c in runs):6.1f} s  "
                  f"({size_mb(venv):.0f} MB; {torch_build(venv)})  runs: "
                  + ", ".join(f"{w:.0f}/{c:.0f}" for w, c in runs))
        wall = min(w for w, _ in our_runs) / min(w for w, _ in plain_runs)
        cpu = min(c for _, c in our_runs) / min(c for _, c in plain_runs)
        print(f"ratio set-up / plain: wall {wall:.2f}, cpu {cpu:.2f}   (target <= 1.20; venv <= 1500 MB)")
        warm = timed([sys.executable, str(clone / "tools" / "course.py"), "test", "--dry-run"], cwd=clone,
                     stdout=subprocess.DEVNULL)
        print(f"warm check before a command: wall {warm[0]:.2f} s, cpu {warm[1]:.2f} s")


def nbval(python: Path, junit: Path) -> dict[str, list[str]]:
    """{notebook: [failed cell and why, ...]} for one nbval run over notebooks/ and solutions/."""
    subprocess.run([str(python), "-m", "pytest", *NBVAL, f"--junitxml={junit}", "notebooks", "solutions"],
                   cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results: dict[str, list[str]] = {}
    for case in ET.parse(junit).iter("testcase"):
        item = course_env.notebook_item(case)
        nb, _, cell = item.partition("::")
        results.setdefault(nb, [])
        bad = case.find("failure") if case.find("failure") is not None else case.find("error")
        if bad is not None:
            results[nb].append(f"{cell} ({course_env.nbval_reason(bad.get('message', '') + (bad.text or ''))})")
    return results


def other_torch(version: str, keep: bool) -> None:
    runs = {}
    main = course_env.main_env()
    course_env.prepare(main, "test")
    other = course_env.torch_env(version)
    existed = other.path.exists()
    course_env.prepare(other, "test")
    with tempfile.TemporaryDirectory() as tmp:
        for label, env in ((f"pinned ({course_env.installed_torch(main)})", main),
                           (f"{version} ({course_env.installed_torch(other)})", other)):
            start = time.perf_counter()
            runs[label] = nbval(env.python, Path(tmp) / "junit.xml")
            runs[label + f"  [{time.perf_counter() - start:.0f} s]"] = runs.pop(label)
    labels = list(runs)
    notebooks = sorted(set().union(*runs.values()))
    print(f"\nnbval over notebooks/ and solutions/: {len(notebooks)} notebooks")
    width = max(len(n) for n in notebooks)
    print(f"{'notebook':{width}}  " + "  ".join(f"{lb.split()[0]:>8}" for lb in labels))
    for nb in notebooks:
        cells = [runs[lb].get(nb, []) for lb in labels]
        print(f"{nb:{width}}  " + "  ".join(f"{'pass' if not c else f'{len(c)} fail':>8}" for c in cells))
    for lb in labels:
        failed = [(nb, c) for nb in notebooks for c in runs[lb].get(nb, [])]
        print(f"\ntorch {lb}: {'all cells match the stored outputs' if not failed else f'{len(failed)} cells differ'}")
        for nb, c in failed:
            print(f"  {nb}::{c}")
    print(f"\n{other.label}: {torch_build(other.path)}, {size_mb(other.path):.0f} MB")
    if not keep and not existed:
        shutil.rmtree(other.path)
        print(f"removed {other.label}")


if __name__ == "__main__":
    args = sys.argv[1:]
    torch = args[args.index("--torch") + 1] if "--torch" in args else None
    if "--cold" in args or torch is None:
        cold()
    if torch or "--cold" not in args:
        other_torch(torch or "2.14.1", keep="--keep" in args)
