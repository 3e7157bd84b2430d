"""A simulated Google Colab: the setup cell must install lecture_utils and the notebook run to the end.

The simulation: a stub ``google.colab`` module is imported first (Colab's kernel has it);
the kernel runs in a new virtual environment that sees this environment's packages
(torch, matplotlib, ...) but not lecture_utils; the setup cell's install source is
pointed at this checkout through ``LECTURE_UTILS_SOURCE``.
"""
import json
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import nbformat
import pytest
from helpers import ROOT, read
from nbexec import errors, run_all

pytestmark = pytest.mark.slow  # builds environments and starts kernels: scheduled first

STUB_COLAB = textwrap.dedent("""\
    import sys, types
    sys.modules.setdefault("google", types.ModuleType("google"))
    sys.modules["google.colab"] = types.ModuleType("google.colab")
    import importlib.util
    assert importlib.util.find_spec("lecture_utils") is None, "lecture_utils must not be importable yet"
    """)
BREAK_TORCHVIZ = 'sys.modules["torchviz"] = None  # as on Python 3.13 without setuptools\n'
WHERE = "import lecture_utils, os; print('LECTURE_UTILS_AT', os.path.dirname(lecture_utils.__file__))"


@pytest.fixture
def colab_kernel(tmp_path_factory):
    """A kernelspec whose Python lacks lecture_utils but has everything else of this env."""
    base = tmp_path_factory.mktemp("colab")  # new venv per case: each starts without lecture_utils
    venv = base / "venv"
    # No pip of its own: `%pip` finds this environment's pip through the path entry below.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    # This environment's packages, as a plain path entry: its .pth files (among them the
    # editable install of lecture_utils) are not processed, so lecture_utils stays hidden.
    Path(site, "host_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    spec = base / "share" / "jupyter" / "kernels" / "colab-sim"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Colab simulation", "language": "python"}))
    return base, Path(site)


CASES = [
    ("notebooks/01_recap.ipynb", ""),
    ("notebooks/03_backward.ipynb", BREAK_TORCHVIZ),
    ("exercises/ex1_tensor.ipynb", ""),
]


@pytest.mark.parametrize("rel, extra", CASES, ids=[c[0] + (" (no torchviz)" if c[1] else "")
                                                   for c in CASES])
def test_notebook_runs_on_simulated_colab(rel, extra, colab_kernel, tmp_path, monkeypatch):
    base, site = colab_kernel
    source = ROOT / rel
    if not source.exists():
        pytest.fail(f"{rel} is missing")
    nb = read(source)
    nb.cells.insert(0, nbformat.v4.new_code_cell(STUB_COLAB + extra))
    nb.cells.append(nbformat.v4.new_code_cell(WHERE))
    monkeypatch.setenv("JUPYTER_PATH", str(base / "share" / "jupyter"))
    monkeypatch.setenv("LECTURE_UTILS_SOURCE", str(ROOT))
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    run_all(nb, tmp_path, kernel_name="colab-sim", timeout=900)
    assert not errors(nb), errors(nb)
    where = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    assert f"LECTURE_UTILS_AT {site / 'lecture_utils'}" in where, where
