"""The course site build for tests/test_site_browser.py, started early and run in the background.

tests/conftest.py starts it as soon as the tests that need it are collected, so that the build
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


def wait(out: Path, part: str = "site", timeout: float = 900) -> dict:
    """Wait for one part of the build in ``out`` ("broken" or "site"); return its result
    (``status``, and ``log``: the build's output so far, or ``warnings`` for "broken")."""
    done = out / f"{part}.json"
    deadline = time.monotonic() + timeout
    while not done.exists():
        if time.monotonic() > deadline:
            return {"status": 1, "log": "did not finish in time", "warnings": ""}
        time.sleep(0.2)
    result = json.loads(done.read_text(encoding="utf-8"))
    log = (out / "build.log").read_bytes()[result.get("log_from", 0):]
    result["log"] = log.decode("utf-8", "replace")
    return result


def clean() -> None:
    """Remove the finished builds (the run is over) and stale ones."""
    if BASE.exists():
        for run in BASE.iterdir():
            if (run / "site.json").exists() or time.time() - run.stat().st_mtime > STALE_AFTER:
                shutil.rmtree(run, ignore_errors=True)


def broken_site(src: Path) -> None:
    """Bad input: a page with a broken internal link and a missing image."""
    import nbformat

    (src / "notebooks").mkdir(parents=True)
    (src / "index.md").write_text("# 目次\n\n```{toctree}\nnotebooks/bad\n```\n", encoding="utf-8")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 壊れたページ\n\n[次](99_missing.ipynb) を見てください。"),
                nbformat.v4.new_markdown_cell("![図](figures/missing.png)")]
    nbformat.write(nb, src / "notebooks" / "bad.ipynb")


def report(out: Path, part: str, **result) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    (out / f"{part}.json").write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")


def build(out: Path) -> None:
    """The broken site (tests/test_site_build.py), then the site with its decks and the
    bad-input deck (tests/test_site_browser.py), in one process."""
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    import nbformat
    from test_site_browser import long_headingless_notebook

    from tools import site, slides

    broken = out / "broken"
    broken_site(broken / "src")
    status = site.sphinx_build(broken / "src", broken / "html", broken / "doctrees", broken / "warnings.txt")
    report(out, "broken", status=status, warnings=(broken / "warnings.txt").read_text(encoding="utf-8"))

    sys.stdout.flush()
    sys.stderr.flush()
    log_from = (out / "build.log").stat().st_size
    status = site.main([str(out / "site")])
    long_nb = out / "bad-input" / "99_long.ipynb"
    long_nb.parent.mkdir(exist_ok=True)
    nbformat.write(long_headingless_notebook(), long_nb)
    slides.build(out / "bad-input", [long_nb])
    report(out, "site", status=status, log_from=log_from)


if __name__ == "__main__":
    target = Path(sys.argv[1])
    try:
        build(target)
    except Exception:  # noqa: BLE001 - any failure reaches the tests through the result files
        import traceback
        traceback.print_exc()
        for part in ("broken", "site"):
            if not (target / f"{part}.json").exists():
                report(target, part, status=1, warnings="")
