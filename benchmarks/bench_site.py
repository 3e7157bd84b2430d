"""What the slides, the site and their browser checks cost.

    .venv/bin/python benchmarks/bench_site.py            # builds and browser checks (about a minute)
    .venv/bin/python benchmarks/bench_site.py --suite    # also the test command with and without them

Prints wall time and CPU time (this process and its children: Sphinx, Chromium) for
  the site build (python -m tools.site, slides included)    target <= 30 s
  the slide build (python -m tools.slides)                    target <= 15 s
  the browser checks (tests/test_site_browser.py, build excluded) target <= 30 s
and with --suite, how much the test command grows with this work's tests (target <= 20 s): the
README's test command, once as is and once without tests/test_site_browser.py,
tests/test_site_build.py and tests/test_slide_plan.py. This machine is shared and noisy: the CPU
times are the steadier figures. Figures are printed, never asserted.
"""
from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OURS = ["tests/test_site_browser.py", "tests/test_site_build.py", "tests/test_slide_plan.py"]


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd: list[str], **kw) -> tuple[float, float, subprocess.CompletedProcess]:
    cpu0, t0 = children_cpu(), time.perf_counter()
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, **kw)
    return time.perf_counter() - t0, children_cpu() - cpu0, result


def report(name: str, wall: float, cpu: float, target: float | None = None) -> None:
    goal = f"   (target <= {target:.0f} s)" if target else ""
    print(f"{name:38} {wall:6.1f} s wall  {cpu:6.1f} s CPU{goal}")


def browser_checks(tmp: Path) -> None:
    junit = tmp / "browser.xml"
    wall, cpu, result = timed([sys.executable, "-m", "pytest", "-o", "addopts=", "-p", "no:cacheprovider", "-q",
                               OURS[0], f"--junitxml={junit}"])
    if result.returncode != 0:
        print(result.stdout[-2000:])
    build = browser = 0.0
    for case in ET.parse(junit).iter("testcase"):
        t = float(case.get("time", 0))
        if case.get("name") == "test_site_builds_with_warnings_as_errors":
            build += t
        else:
            browser += t
    report("site test module (build + checks)", wall, cpu)
    print(f"{'  of which the build (fixture)':38} {build:6.1f} s")
    print(f"{'  of which the browser checks':38} {browser:6.1f} s         (target <= 30 s)")


def suite(tmp: Path) -> None:
    runs = {}
    for label, extra in (("test command", []), ("test command without this work", [f"--ignore={p}" for p in OURS])):
        wall, cpu, result = timed([sys.executable, "-m", "pytest", "-q", *extra])
        runs[label] = (wall, cpu)
        report(label, wall, cpu)
        print("    " + (result.stdout.strip().splitlines() or ["?"])[-1])
    (w1, c1), (w0, c0) = runs.values()
    print(f"{'growth':38} {w1 - w0:6.1f} s wall  {c1 - c0:6.1f} s CPU   (target <= 20 s)")
    print("    (the tests' site build runs in a detached process: its CPU, about the site build's above,\n"
          "     may be missing from these CPU figures)")


def main() -> None:
    print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        wall, cpu, r = timed([sys.executable, "-m", "tools.site", str(tmp / "site")])
        report("site build (slides included)", wall, cpu, 30)
        if r.returncode:
            print(r.stderr[-2000:])
        wall, cpu, r = timed([sys.executable, "-m", "tools.slides", str(tmp / "slides")])
        report("slide build", wall, cpu, 15)
        browser_checks(tmp)
        if "--suite" in sys.argv:
            suite(tmp)


if __name__ == "__main__":
    main()
