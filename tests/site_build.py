"""The course site build for tests/test_site_browser.py, started early and run in the background.

tests/conftest.py starts it as soon as the browser tests are collected, so that the build
(Sphinx, nbconvert) runs beside the notebook tests instead of in front of the browser checks.
Under pytest-xdist, the workers of one run share it (the first to get the lock starts it).

    python tests/site_build.py OUT     # what the background process runs
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "build" / "test-site"
STALE_AFTER = 3 * 3600   # seconds; older runs' directories are removed


def run_dir() -> Path:
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID") or os.environ.setdefault("COURSE_TEST_RUN", uuid.uuid4().hex)
    return BASE / run


def start() -> Path:
    """Start the build for this test run unless another worker did; return its directory."""
    out = run_dir()
    out.mkdir(parents=True, exist_ok=True)
    for old in BASE.iterdir():
        if old != out and time.time() - old.stat().st_mtime > STALE_AFTER:
            shutil.rmtree(old, ignore_errors=True)
    try:
        os.close(os.open(out / "started", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return out
    with open(out / "build.log", "w", encoding="utf-8") as log:
        subprocess.Popen([sys.executable, __file__, str(out)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                         start_new_session=True)
    return out


def wait(out: Path, timeout: float = 900) -> tuple[int, str]:
    """Wait for the build in ``out``; return its exit status and log."""
    done = out / "done.json"
    deadline = time.monotonic() + timeout
    while not done.exists():
        if time.monotonic() > deadline:
            return 1, "the site build did not finish in time\n" + (out / "build.log").read_text(encoding="utf-8")
        time.sleep(0.2)
    status = json.loads(done.read_text(encoding="utf-8"))["status"]
    return status, (out / "build.log").read_text(encoding="utf-8")


def build(out: Path) -> int:
    """The site (with its decks) and the bad-input deck of tests/test_site_browser.py."""
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    import nbformat
    from test_site_browser import long_headingless_notebook

    from tools import site, slides

    status = site.main([str(out / "site")])
    long_nb = out / "bad-input" / "99_long.ipynb"
    long_nb.parent.mkdir(exist_ok=True)
    nbformat.write(long_headingless_notebook(), long_nb)
    slides.build(out / "bad-input", [long_nb])
    return status


if __name__ == "__main__":
    target = Path(sys.argv[1])
    try:
        code = build(target)
    except Exception:  # noqa: BLE001 - any failure is reported to the tests through done.json
        import traceback
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    (target / "done.json").write_text(json.dumps({"status": code}), encoding="utf-8")
