"""A simulated Google Colab: the setup cell installs lecture_utils, and notebooks run to the end.

The simulation, prepared once per test run and shared by the cases:
- the course package is built once as a wheel, as pip builds it from the git source on Colab;
- one kernel runs in a new virtual environment that sees this environment's packages (torch,
  matplotlib, torchviz, ...) but not lecture_utils, with a stub ``google.colab`` module;
- each case first resets that kernel to a new Colab session (no lecture_utils installed or
  imported, no user variables), then runs the whole notebook, its real setup cell included,
  with ``LECTURE_UTILS_SOURCE`` pointing at the wheel.
"""
import json
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import nbformat
import pytest
from helpers import ROOT, read

from tools import author

pytestmark = pytest.mark.slow  # builds environments and starts kernels: scheduled first

NEW_SESSION = textwrap.dedent("""\
    %reset -f
    def _new_session(site, source):
        import glob, importlib, os, shutil, sys, types
        import matplotlib.pyplot
        matplotlib.pyplot.close("all")
        for name in [m for m in sys.modules if m.split(".")[0] in ("lecture_utils", "torchviz")]:
            del sys.modules[name]
        for pattern in ("lecture_utils", "autodiff_lecture-*"):
            for path in glob.glob(os.path.join(site, pattern)):
                shutil.rmtree(path)
        importlib.invalidate_caches()
        os.environ["LECTURE_UTILS_SOURCE"] = source
        sys.modules.setdefault("google", types.ModuleType("google"))
        sys.modules["google.colab"] = types.ModuleType("google.colab")
        assert importlib.util.find_spec("lecture_utils") is None, "lecture_utils must not be importable yet"
    _new_session({site!r}, {source!r})
    del _new_session
    """)
BREAK_TORCHVIZ = 'import sys\nsys.modules["torchviz"] = None  # as on Python 3.13 without setuptools\n'
WHERE = "import lecture_utils, os; print('LECTURE_UTILS_AT', os.path.dirname(lecture_utils.__file__))"


class Colab:
    """One simulated Colab runtime: its site-packages and a running kernel."""

    def __init__(self, site: Path, client, wheel: Path):
        self.site, self.client, self.wheel = site, client, wheel

    def run(self, source: str, env: dict | None = None) -> list:
        """Run one cell; return its outputs."""
        if env:
            source = "import os\nos.environ.update(" + repr(env) + ")\n" + source
        cell = nbformat.v4.new_code_cell(source)
        self.client.nb.cells = [cell]
        self.client.execute_cell(cell, 0)
        return list(cell.outputs)

    def new_session(self) -> None:
        outputs = self.run(NEW_SESSION.format(site=str(self.site), source=str(self.wheel)))
        assert not any(o.get("output_type") == "error" for o in outputs), outputs


def stream(outputs) -> str:
    return "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")


def errors(outputs) -> list[str]:
    return [f"{o['ename']}: {o['evalue']}" for o in outputs if o.get("output_type") == "error"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The course package built as pip builds it on Colab (from the source, not editable).

    Built from a copy of what the wheel is made of, so that the build writes nothing into the
    checkout (setuptools puts build/ and an .egg-info beside pyproject.toml)."""
    src, dist = tmp_path_factory.mktemp("src"), tmp_path_factory.mktemp("dist")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "lecture_utils", src / "lecture_utils", ignore=shutil.ignore_patterns("__pycache__"))
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                             "--wheel-dir", str(dist), str(src)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    (built,) = dist.glob("autodiff_lecture-*.whl")
    return built


@pytest.fixture(scope="module")
def colab(tmp_path_factory, wheel):
    base = tmp_path_factory.mktemp("colab")
    venv = base / "venv"
    # No pip of its own: the setup cell's `python -m pip` finds this environment's pip through
    # the path entry below, and installs into this venv (its sys.prefix).
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    # This environment's packages, without ours (Colab has never heard of it): links to each
    # entry of its site-packages but the course package's, added as a plain path entry.
    host = Path(sysconfig.get_paths()["purelib"])
    shadow = base / "colab-preinstalled"
    shadow.mkdir()
    for entry in host.iterdir():
        if not entry.name.startswith(("autodiff_lecture", "__editable__", "lecture_utils")) and entry.suffix != ".pth":
            (shadow / entry.name).symlink_to(entry)
    Path(site, "preinstalled.pth").write_text(f"{shadow}\n")
    spec = base / "share" / "jupyter" / "kernels" / "colab-sim"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Colab simulation", "language": "python"}))
    patch = pytest.MonkeyPatch()
    patch.setenv("JUPYTER_PATH", str(base / "share" / "jupyter"))
    patch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    cwd = base / "work"
    cwd.mkdir()
    client = author.notebook_client(nbformat.v4.new_notebook(), cwd, kernel_name="colab-sim", timeout=900,
                                    allow_errors=True)
    client.shutdown_kernel = "immediate"  # nothing to save at the end
    try:
        with client.setup_kernel():
            yield Colab(Path(site), client, wheel)
    finally:
        patch.undo()


CASES = [
    ("notebooks/01_recap.ipynb", ""),
    ("exercises/ex1_tensor.ipynb", ""),
    ("notebooks/03_backward.ipynb", BREAK_TORCHVIZ),
]


@pytest.mark.parametrize("rel, extra", CASES, ids=[c[0] + (" (no torchviz)" if c[1] else "") for c in CASES])
def test_notebook_runs_on_simulated_colab(rel, extra, colab):
    source = ROOT / rel
    if not source.exists():
        pytest.fail(f"{rel} is missing")
    colab.new_session()
    if extra:
        assert not errors(colab.run(extra))
    nb = read(source)
    assert nb.cells[1].get("id") == author.SETUP_ID
    failures = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        outputs = colab.run(cell.source)
        if i == 1:
            assert stream(outputs) == "準備ができました。\n", outputs  # the student sees only this
        expected = "raises-exception" in cell.get("metadata", {}).get("tags", [])
        if errors(outputs) and not expected:
            failures.append(f"cell {i}: {errors(outputs)}")
    assert not failures, failures
    where = stream(colab.run(WHERE))
    assert f"LECTURE_UTILS_AT {colab.site / 'lecture_utils'}" in where, where


def test_failed_install_ends_the_setup_cell_with_one_japanese_paragraph(colab):
    """The repository cannot be reached (here: a host that never resolves), as offline on Colab."""
    source, shown = "git+https://example.invalid/autodiff-lecture@v0.0.0", "fatal: unable to access"
    colab.new_session()
    setup = read(ROOT / "notebooks" / "01_recap.ipynb").cells[1].source
    outputs = colab.run(setup, env={"LECTURE_UTILS_SOURCE": source})
    (error,) = [o for o in outputs if o.get("output_type") == "error"]
    message = "\n".join(error["traceback"])
    assert error["ename"] == "RuntimeError" and "を入れられませんでした" in message
    assert shown in message and source in message  # pip's own reason, and the setting to check
    assert "Traceback" not in message and "File " not in message  # the paragraph, no Python traceback
    assert stream(outputs) == ""  # and nothing else (no pip notes)
