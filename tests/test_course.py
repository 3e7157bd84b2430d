"""The set-up (tools/course.py, tools/course_env.py): old Pythons, the CPU torch index,
pip failures by cause, and a real environment that is interrupted, damaged and repaired.
"""
from __future__ import annotations

import base64
import hashlib
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
from helpers import ROOT

from tools import course_env

PYENV = Path.home() / ".pyenv" / "versions"
# Runs the command in argv[1:] in this process (the same pid) with SIGINT's default action.
WITH_SIGINT = ("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
               "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])")


def old_python(version: str) -> Path | None:
    found = sorted(PYENV.glob(f"{version}.*/bin/python"))
    return found[-1] if found else None


# --- the gate: old Pythons get the Japanese paragraph, whatever the locale --------------

@pytest.mark.parametrize("version, lang", [("2.7", "C"), ("3.6", "C"), ("3.9", "C.UTF-8"), ("3.10", "C")])
def test_old_python_gets_the_paragraph_not_a_traceback(version, lang, tmp_path):
    python = old_python(version)
    if python is None:
        pytest.skip(f"no Python {version} on this machine")
    env = {"PATH": str(tmp_path), "LANG": lang, "LC_ALL": lang, "HOME": str(tmp_path)}  # no newer Python
    result = subprocess.run([str(python), str(ROOT / "tools" / "course.py"), "lab"], capture_output=True, env=env)
    out = result.stdout.decode("utf-8")
    assert result.returncode == 1, out + result.stderr.decode("utf-8", "replace")
    assert f"Python {version} では動きません。Python 3.11 以上が必要です。" in out
    assert "brew install python@3.12" in out and "make lab PYTHON=python3.12" in out
    assert result.stderr == b""


def test_old_python_hands_over_to_a_newer_one_on_path(tmp_path):
    python = old_python("3.10") or old_python("3.9")
    if python is None:
        pytest.skip("no Python older than 3.11 on this machine")
    (tmp_path / "python3.12").symlink_to(sys.executable)  # a newer Python, found by name on PATH
    env = {"PATH": str(tmp_path), "LANG": "C", "HOME": str(tmp_path)}
    result = subprocess.run([str(python), str(ROOT / "tools" / "course.py"), "help"], capture_output=True, env=env)
    out = result.stdout.decode("utf-8")
    assert result.returncode == 0, out + result.stderr.decode("utf-8", "replace")
    assert "は古いので、Python {}.{} (python3.12) で続けます".format(*sys.version_info[:2]) in out
    assert "使い方:" in out


def test_the_gate_parses_on_every_old_python():
    """Only tools/course.py must parse there; it imports the rest after its version check."""
    pythons = [p for p in (old_python(v) for v in ("2.7", "3.6", "3.7", "3.8")) if p]
    if not pythons:
        pytest.skip("no old Pythons on this machine")
    for python in pythons:
        code = "import sys; compile(open(sys.argv[1], 'rb').read(), sys.argv[1], 'exec')"
        result = subprocess.run([str(python), "-c", code, str(ROOT / "tools" / "course.py")], capture_output=True)
        assert result.returncode == 0, (python, result.stderr)


# --- PyTorch's CPU wheel index -----------------------------------------------------------

def test_linux_and_windows_get_torch_from_the_cpu_index_when_it_answers():
    for system in ("Linux", "Windows"):
        args, line = course_env.torch_index("auto", system, probe=lambda url: True)
        assert args == ["--extra-index-url", course_env.CPU_INDEX] and line == ""


def test_unreachable_cpu_index_falls_back_to_the_default_index_with_one_line():
    args, line = course_env.torch_index("auto", "Linux", probe=lambda url: False)
    assert args == [] and line.count("\n") == 0
    assert "CPU 版の配布元" in line and "通常の配布元 (PyPI)" in line and "TORCH_INDEX" in line


def test_macos_keeps_the_default_wheel_and_settings_choose_without_probing():
    def never(url):
        raise AssertionError("probed")
    assert course_env.torch_index("auto", "Darwin", probe=never) == ([], "")
    assert course_env.torch_index("pypi", "Linux", probe=never) == ([], "")
    assert course_env.torch_index("cpu", "Linux", probe=never) == (["--extra-index-url", course_env.CPU_INDEX], "")
    url = "https://mirror.example/whl/cpu"
    assert course_env.torch_index(url, "Linux", probe=never) == (["--extra-index-url", url], "")


def test_unknown_torch_index_setting_is_refused(monkeypatch):
    monkeypatch.setenv("TORCH_INDEX", "cuda-please")
    with pytest.raises(course_env.UsageError, match="TORCH_INDEX=cuda-please"):
        course_env.index_mode()


def test_the_decision_here_is_quick_and_consistent():
    """This machine cannot reach the CPU index: the real probe decides within seconds."""
    start = time.monotonic()
    args, line = course_env.torch_index("auto", "Linux")
    assert time.monotonic() - start < course_env.PROBE_TIMEOUT + 2
    assert (args, bool(line)) in (([], True), (["--extra-index-url", course_env.CPU_INDEX], False))


def test_a_server_that_accepts_and_never_answers_is_given_up_on_time():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        start = time.monotonic()
        assert course_env.reachable(f"http://127.0.0.1:{silent.getsockname()[1]}/", timeout=1.0) is False
        assert time.monotonic() - start < 2.5


def test_an_answering_index_is_reachable(local_index):
    assert course_env.reachable(local_index + "/", timeout=5.0) is True


# --- pip failures, by cause ----------------------------------------------------------------

ENV = course_env.Env(ROOT / ".venv", ["torch==2.13.0"], label=".venv")
NO_MAC_WHEEL = ("ERROR: Could not find a version that satisfies the requirement torch==2.13.0 "
                "(from versions: 2.0.0, 2.0.1, 2.1.0, 2.2.0, 2.2.1, 2.2.2)\n"
                "ERROR: No matching distribution found for torch==2.13.0\n")
NETWORK = ("WARNING: Retrying (Retry(total=0, connect=None, read=None, redirect=None, status=None)) after "
           "connection broken by 'NewConnectionError('<HTTPSConnection object>: Failed to establish a new "
           "connection: [Errno -2] Name or service not known')': /simple/torch/\n"
           "ERROR: Could not find a version that satisfies the requirement torch==2.13.0 (from versions: none)\n")
CONFLICT = ("ERROR: Cannot install torch==2.13.0 because these package versions have conflicting dependencies.\n\n"
            "The conflict is caused by:\n    The user requested torch==2.13.0\n"
            "    The user requested (constraint) torch<=2.12\n\n"
            "ERROR: ResolutionImpossible: for help visit https://pip.pypa.io/\n")


def test_no_wheel_for_an_intel_mac_says_which_macs_are_supported(monkeypatch):
    monkeypatch.setattr(course_env.platform, "system", lambda: "Darwin")
    monkeypatch.setattr(course_env.platform, "mac_ver", lambda: ("13.6", ("", "", ""), "x86_64"))
    monkeypatch.setattr(course_env.platform, "machine", lambda: "x86_64")
    text = course_env.diagnose(NO_MAC_WHEEL, ENV, "lab")
    assert "macOS 13.6 x86_64" in text and "torch==2.13.0 が配布されていません" in text
    assert "Apple シリコン" in text and "macOS 14" in text and "Google Colab" in text
    assert "ネットワーク" not in text


def test_no_wheel_for_this_python_suggests_a_supported_python(monkeypatch):
    monkeypatch.setattr(course_env.platform, "system", lambda: "Linux")
    text = course_env.diagnose(NETWORK.split("\n", 1)[1], ENV, "test")  # versions: none, no network trouble
    assert "torch==2.13.0 が配布されていません" in text and "PYTHON=python3.12" in text
    assert "make clean-venv" in text and "ネットワーク" not in text


def test_network_failure_is_named_as_such_with_the_command_that_continues():
    text = course_env.diagnose(NETWORK, ENV, "test")
    assert "ネットワーク" in text and "HTTPS_PROXY" in text and "make test" in text


def test_resolver_conflict_quotes_the_conflict_and_names_the_constraint():
    text = course_env.diagnose(CONFLICT, ENV, "lab")
    assert "両立しません" in text and "(constraint) torch<=2.12" in text and "PIP_CONSTRAINT" in text
    without = CONFLICT.replace("(constraint) torch<=2.12", "torch<2.12")
    assert "pyproject.toml" in course_env.diagnose(without, ENV, "lab")


@pytest.mark.parametrize("output, expected", [
    ("/x/.venv/bin/python: No module named pip\n", "pip がありません"),
    ("ERROR: Could not install packages due to an OSError: [Errno 28] No space left on device\n", "ディスク"),
    ("ERROR: Could not install packages due to an OSError: [Errno 13] Permission denied: '/x'\n", "権限"),
    ("error: subprocess-exited-with-error\n  Failed building wheel for torchviz\n", "wheel の作成"),
    ("ERROR: something nobody has seen before\n", "上の pip の出力"),
])
def test_every_other_failure_gets_its_own_paragraph(output, expected):
    text = course_env.diagnose(output, ENV, "lab")
    assert expected in text and "ネットワーク" not in text
    assert not any(line.strip().startswith("pip install") for line in text.splitlines())


# --- a real environment, set up, damaged, interrupted and repaired ----------------------------
#
# A toy project with the same layout (tools/course*.py copied, lecture_utils, pyproject.toml)
# pins two small wheels made here, and installs itself through an in-tree build backend, so
# that pip works offline and quickly. Its venv starts without packages (as after an interrupted
# first set-up); its pip is this environment's pip, through a path entry.

BACKEND = '''\
import base64, hashlib, os, zipfile

def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    info = "autodiff_lecture-0.1.0.dist-info"
    files = {"autodiff_lecture.pth": root + "\\n",
             info + "/METADATA": "Metadata-Version: 2.1\\nName: autodiff-lecture\\nVersion: 0.1.0\\n",
             info + "/WHEEL": "Wheel-Version: 1.0\\nGenerator: toy\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}
    name = "autodiff_lecture-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as z:
        record = []
        for path, text in files.items():
            data = text.encode()
            z.writestr(path, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append("%s,sha256=%s,%d" % (path, digest, len(data)))
        z.writestr(info + "/RECORD", "\\n".join(record + [info + "/RECORD,,"]) + "\\n")
    return name

build_wheel = build_editable
'''


def make_wheel(folder: Path, name: str, version: str, requires: tuple[str, ...] = ()) -> Path:
    """A pure-Python wheel with a package ``name`` holding two directories of files."""
    info = f"{name}-{version}.dist-info"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    meta += "".join(f"Requires-Dist: {r}\n" for r in requires)
    files = {f"{name}/__init__.py": f"VERSION = {version!r}\n", f"{name}/data/table.txt": "1 2 3\n",
             f"{info}/METADATA": meta,
             f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    path = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as z:
        record = []
        for member, text in files.items():
            data = text.encode()
            z.writestr(member, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{member},sha256={digest},{len(data)}")
        z.writestr(f"{info}/RECORD", "\n".join([*record, f"{info}/RECORD,,"]) + "\n")
    return path


@pytest.fixture(scope="module")
def wheels(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("wheels")
    make_wheel(folder, "toydep", "1.0", requires=("toysub", 'toyextra; extra == "never"'))
    make_wheel(folder, "toysub", "1.0")
    return folder


@pytest.fixture(scope="module")
def local_index(tmp_path_factory, wheels):
    """A PEP 503 index on 127.0.0.1 serving toysub only (as PyTorch's index serves torch)."""
    root = tmp_path_factory.mktemp("index")
    (root / "simple" / "toysub").mkdir(parents=True)
    shutil.copy(wheels / "toysub-1.0-py3-none-any.whl", root / "simple" / "toysub")
    (root / "simple" / "toysub" / "index.html").write_text(
        '<a href="toysub-1.0-py3-none-any.whl">toysub-1.0-py3-none-any.whl</a>\n')

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=str(root), **k)

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/simple"
    server.shutdown()


@pytest.fixture(scope="module")
def toy(tmp_path_factory, wheels) -> Path:
    root = tmp_path_factory.mktemp("toy")
    (root / "tools").mkdir()
    for name in ("__init__.py", "course.py", "course_env.py"):
        shutil.copy(ROOT / "tools" / name, root / "tools" / name)
    shutil.copytree(ROOT / "lecture_utils", root / "lecture_utils",
                    ignore=shutil.ignore_patterns("*.json", "__pycache__"))
    (root / "backend").mkdir()
    (root / "backend" / "toy_backend.py").write_text(BACKEND)
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "toy_backend"\nbackend-path = ["backend"]\n\n'
        '[project]\nname = "autodiff-lecture"\ndynamic = ["version"]\ndependencies = ["toydep==1.0"]\n')
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / ".venv")], check=True)
    pip_only = root / "host-pip"
    pip_only.mkdir()
    (pip_only / "pip").symlink_to(Path(__import__("pip").__file__).parent)
    (toy_site(root) / "host_pip.pth").write_text(f"{pip_only}\n")
    return root


def toy_site(root: Path) -> Path:
    out = subprocess.run([str(root / ".venv" / "bin" / "python"), "-c",
                          "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                         capture_output=True, text=True, check=True)
    return Path(out.stdout.strip())


def toy_env(wheels: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "TORCH_INDEX"))}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheels),
               PIP_DISABLE_PIP_VERSION_CHECK="1", TORCH_INDEX="pypi", PYTHONDONTWRITEBYTECODE="1")
    env.update(extra)
    return {k: v for k, v in env.items() if v is not None}


def course_run(root: Path, env: dict, *args: str) -> tuple[int, str]:
    result = subprocess.run([sys.executable, str(root / "tools" / "course.py"), *args], cwd=root, env=env,
                            capture_output=True, text=True, encoding="utf-8")
    return result.returncode, result.stdout + result.stderr


def remove_dist(site: Path, name: str) -> None:
    shutil.rmtree(site / name)
    for info in site.glob(f"{name}-*.dist-info"):
        shutil.rmtree(info)


def test_an_environment_is_prepared_checked_repaired_and_never_mistaken_for_ready(toy, wheels, local_index):
    site = toy_site(toy)
    env = toy_env(wheels)
    stamp = toy / ".venv" / course_env.STAMP

    # 1. A venv without the packages or a stamp (as after an interrupted first set-up): continued.
    code, out = course_run(toy, env, "setup")
    assert code == 0, out
    assert "前回の準備が途中で止まっていたので、続きから準備します。" in out and "準備ができました" in out
    assert (site / "toydep" / "data" / "table.txt").exists() and stamp.exists()

    # 2. Warm: straight on, no pip, no notes.
    code, out = course_run(toy, env, "test", "--dry-run")
    assert (code, out.strip()) == (0, f"run: {toy / '.venv' / 'bin' / 'python'} -m tools.run_tests"), out

    # 3. Damaged: a package's directory deleted, a dependency uninstalled. One line, then repaired.
    shutil.rmtree(site / "toydep" / "data")
    remove_dist(site, "toysub")
    code, out = course_run(toy, env, "setup")
    assert code == 0, out
    assert ".venv が壊れています (toydep 1.0 のファイルが一部ありません、toysub がありません)。直します。" in out
    assert (site / "toydep" / "data" / "table.txt").exists() and (site / "toysub").exists()

    # 4. Ctrl-C while pip waits for a server that never answers: no stamp, the next command continues.
    remove_dist(site, "toysub")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        stalled = toy_env(wheels, PIP_NO_INDEX=None, PIP_FIND_LINKS=None, PIP_DEFAULT_TIMEOUT="60",
                          PIP_INDEX_URL=f"http://127.0.0.1:{silent.getsockname()[1]}/simple")
        # With Ctrl-C's signal back to its default: a run started in the background by a shell
        # without job control (nohup ... &) ignores SIGINT, and its children inherit that.
        proc = subprocess.Popen([sys.executable, "-c", WITH_SIGINT, str(toy / "tools" / "course.py"), "setup"],
                                cwd=toy, env=stalled, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                encoding="utf-8", start_new_session=True)
        seen = ""
        while "パッケージを入れています" not in seen:
            line = proc.stdout.readline()
            assert line, seen
            seen += line
        silent.settimeout(60)
        waiting, _ = silent.accept()  # pip has connected: it is now waiting for the silent server
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
        try:
            rest, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # leave no set-up running behind the test
            proc.communicate()
            pytest.fail("course.py setup did not stop within 30 s of Ctrl-C. Its output:\n" + seen)
        waiting.close()
    assert proc.returncode == 130, seen + rest
    assert "中断しました。次に make lab を実行すると、続きから準備します。" in rest
    assert not stamp.exists()

    # 5. No network at all: pip's failure is named as a network problem; still not ready.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    offline = toy_env(wheels, PIP_NO_INDEX=None, PIP_FIND_LINKS=None, PIP_RETRIES="1",
                      PIP_INDEX_URL=f"http://127.0.0.1:{port}/simple")
    code, out = course_run(toy, offline, "setup")
    assert code == 1, out
    assert "途中で止まっていた" in out and "ネットワークにつながりません" in out and "make lab" in out
    assert not stamp.exists()

    # 6. The next command recovers, taking the package from the index TORCH_INDEX names (as the
    #    set-up takes torch from PyTorch's CPU index): proof that the chosen index reaches pip.
    empty = toy / "empty-index"
    empty.mkdir(exist_ok=True)
    online = toy_env(wheels, PIP_NO_INDEX=None, PIP_FIND_LINKS=str(wheels / "none"),
                     PIP_INDEX_URL=empty.as_uri(), TORCH_INDEX=local_index)
    code, out = course_run(toy, online, "setup")
    assert code == 0, out
    assert (site / "toysub").exists() and json.loads(stamp.read_text())["torch_index"] == local_index

    # 7. A stamp removed by hand is the same as an interrupted set-up.
    stamp.unlink()
    code, out = course_run(toy, online, "test", "--dry-run")
    assert "途中で止まっていた" in out and "step: install" in out and "step: stamp" in out

    # 8. A venv without pip (Ctrl-C while it was created) is made again, not patched.
    (site / "host_pip.pth").unlink()
    code, out = course_run(toy, online, "test", "--dry-run")
    assert "pip がありません" in out and "step: remove\nstep: create" in out


# --- `make test TORCH=X`: the report of what differs ----------------------------------------

def test_other_torch_report_lists_the_stored_outputs_that_differ(tmp_path):
    report = tmp_path / "report.xml"
    report.write_text("""<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite>
<testcase classname="notebooks.03_backward.ipynb" name="Cell 26"><failure message="Cell outputs differ">
 mismatch 'stderr'</failure></testcase>
<testcase classname="notebooks.06_reverse_and_forward_mode.ipynb" name="Cell 16"><failure message="x">
Unexpected output fields from running code: {'stderr'}</failure></testcase>
<testcase classname="solutions.ex1_tensor.ipynb" name="Cell 3"/>
<testcase classname="tests.test_rerun" name="test_second_run[notebooks/06_reverse_and_forward_mode.ipynb]">
<failure message="AssertionError">cell 33</failure></testcase>
</testsuite></testsuites>""", encoding="utf-8")
    text = course_env.summarize(report, "2.14.1", course_env.torch_env("2.14.1"))
    assert "torch 2.14.1 での結果: 4 件中 3 件が失敗" in text
    assert "notebooks/03_backward.ipynb::Cell 26  (出力が違う: stderr)" in text
    assert "notebooks/06_reverse_and_forward_mode.ipynb::Cell 16  (保存されていない出力が出る: stderr)" in text
    assert "tests/test_rerun.py::test_second_run[notebooks/06_reverse_and_forward_mode.ipynb]" in text
    assert "ex1_tensor" not in text and ".venvs/torch-2.14.1" in text


def test_other_torch_environment_replaces_only_the_torch_pin():
    env = course_env.torch_env("2.14.1")
    assert env.path == ROOT / ".venvs" / "torch-2.14.1"
    assert course_env.pins(env.reqs) == {**course_env.pins(), "torch": "2.14.1"}
    with pytest.raises(course_env.UsageError):
        course_env.torch_env("latest; rm -rf /")
