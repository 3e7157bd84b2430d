"""The course environment: create, check, repair and use the virtual environment.

Run through ``tools/course.py``, which refuses Pythons older than 3.11 first. Standard
library only: it runs before any environment exists, with whatever Python started it.

- The pins are read from pyproject.toml (``[project]`` dependencies and every extra);
  nothing here repeats a version.
- On Linux and Windows torch comes from PyTorch's CPU wheel index (the default Linux
  wheel carries several GB of CUDA). Its reachability is decided within PROBE_TIMEOUT
  seconds; when it cannot be reached the set-up says so in one line and uses the default
  index. ``TORCH_INDEX`` chooses: ``auto`` (default), ``cpu``, ``pypi``, or an index URL.
- ``.venv/.course-ready`` is written last, after a health check: an interrupted set-up
  never looks ready. Every command re-checks the environment (pinned versions, the
  dependencies they need, their files; about 0.2 s) and repairs what is broken.
- Every pip failure is explained by its cause, in Japanese, with the command that
  continues (``diagnose``).

The same file runs inside the environment for the health check (``check`` below), with
the environment's own Python.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv"
OTHER_TORCH = ROOT / ".venvs"  # `test --torch X`: one environment per torch version
FIRST_NOTEBOOK = "notebooks/01_recap.ipynb"
STAMP = ".course-ready"
SCHEMA = 1  # bump when the set-up steps change, so that existing environments redo them
PROJECT = "autodiff-lecture"
PACKAGE = "lecture_utils"

CPU_INDEX = "https://download.pytorch.org/whl/cpu"
PROBE_TIMEOUT = 5.0  # seconds to decide whether the CPU index answers
TORCH_INDEX_CHOICES = ("auto", "cpu", "pypi")

PREFIX = "[autodiff-lecture]"


def test_command(python: Path | str, args: list[str]) -> list[str]:
    """THE test command, run by `make test` in the prepared environment (extra args: NB=...)."""
    return [str(python), "-m", "tools.run_tests", *args]


# --- the pins (pyproject.toml) -------------------------------------------------

REQ = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;,]+)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pyproject() -> dict:
    import tomllib

    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


# Commands that need only [project] dependencies (learning in JupyterLab); every other command
# (tests, authoring, slides, site) needs the extras on top, installed into the same .venv.
LAB_ONLY = ("lab", "setup")


def requirements(extras: tuple[str, ...] | None = None) -> list[str]:
    """The pinned requirement strings (markers included): dependencies and ``extras`` (default: every extra)."""
    project = pyproject()["project"]
    found = project.get("optional-dependencies", {})
    names = sorted(found) if extras is None else extras
    return [*project["dependencies"], *(r for name in names for r in found[name])]


def pins(reqs: list[str] | None = None) -> dict[str, str]:
    """``{canonical name: version}`` of ``name==version`` requirements (markers ignored)."""
    found = {}
    for req in requirements() if reqs is None else reqs:
        m = REQ.match(req)
        if m:
            found[canonical(m.group(1))] = m.group(2)
    return found


def with_torch(reqs: list[str], version: str) -> list[str]:
    """``reqs`` with the torch pin replaced by ``torch==version``."""
    out = [r for r in reqs if not (REQ.match(r) and canonical(REQ.match(r).group(1)) == "torch")]
    if len(out) == len(reqs):
        raise ValueError("no torch pin in pyproject.toml")
    return [f"torch=={version}", *out]


def version() -> str:
    """The course's version: ``__version__`` of lecture_utils (pyproject reads it too)."""
    text = (ROOT / PACKAGE / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'^__version__ = "([^"]+)"', text, re.M).group(1)


# --- the environment ---------------------------------------------------------------

@dataclass
class Env:
    """A virtual environment the course commands prepare and use."""
    path: Path
    reqs: list[str]
    python: Path | None = None  # default: the venv's own interpreter
    stamp: Path | None = None  # default: STAMP inside the venv
    label: str = ""

    def __post_init__(self):
        scripts = "Scripts" if os.name == "nt" else "bin"
        exe = "python.exe" if os.name == "nt" else "python"
        self.python = self.python or self.path / scripts / exe
        self.stamp = self.stamp or self.path / STAMP
        if not self.label:
            try:
                self.label = self.path.relative_to(ROOT).as_posix()
            except ValueError:
                self.label = str(self.path)

    def fingerprint(self, index_mode: str) -> dict:
        # The whole [project] table: any change to the package's metadata (pins, license, ...)
        # reinstalls the project itself, so what is installed never lags behind pyproject.toml.
        project = hashlib.sha256(json.dumps(pyproject()["project"], sort_keys=True).encode()).hexdigest()
        return {"schema": SCHEMA, "requirements": self.reqs, "version": version(),
                "project": project[:16], "torch_index": index_mode}


def main_env(command: str = "test") -> Env:
    """.venv, with what ``command`` needs (a student's `make lab` gets no test or site tools)."""
    return Env(VENV, requirements(() if command in LAB_ONLY else None))


def same_setup(old: dict, new: dict) -> bool:
    """Two fingerprints of the same set-up (schema, version, project, torch index), packages aside."""
    def rest(fp):
        return {k: v for k, v in fp.items() if k != "requirements"}
    return bool(old) and rest(old) == rest(new)


def covers(old: dict, new: dict) -> bool:
    """An environment stamped ``old`` is ready for ``new``: the same set-up, at least its packages."""
    return same_setup(old, new) and set(new["requirements"]) <= set(old.get("requirements", []))


def torch_env(torch_version: str) -> Env:
    if not re.fullmatch(r"\d+(\.\d+)*(\+\w+)?", torch_version):
        raise UsageError(f"torch のバージョンは 2.14.1 のように書いてください (指定: {torch_version!r})")
    return Env(OTHER_TORCH / f"torch-{torch_version}", with_torch(requirements(), torch_version))


class UsageError(Exception):
    """A wrong command line or setting; its message is shown as is."""


class SetupFailed(Exception):
    """The environment could not be prepared; the paragraph is already printed."""


@dataclass
class State:
    """What a command found: what is wrong, and the one line that says so."""
    exists: bool = False
    python_ok: bool = False
    has_pip: bool = False
    stamp_ok: bool = False
    stamp_found: bool = False
    problems: list[dict] = field(default_factory=list)
    note: str = ""

    @property
    def ready(self) -> bool:
        return self.exists and self.python_ok and self.has_pip and self.stamp_ok and not self.problems


def read_stamp(env: Env) -> dict | None:
    try:
        return json.loads(env.stamp.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def run_check(env: Env) -> tuple[str, list[dict]]:
    """Run the health check inside ``env``: ("ok"|"no-python"|"old-python"|"no-pip", problems)."""
    kind, problems, _ = _check_report(env)
    return kind, problems


def _check_report(env: Env) -> tuple[str, list[dict], dict]:
    try:
        result = subprocess.run([str(env.python), str(Path(__file__)), "check-inside", json.dumps(env.reqs)],
                                capture_output=True, text=True, encoding="utf-8", errors="replace")
    except OSError:
        return "no-python", [], {}
    try:
        report = json.loads(result.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        alive = subprocess.run([str(env.python), "-c", "import sys; print(sys.version_info >= (3, 11))"],
                               capture_output=True, text=True)
        if alive.returncode != 0:
            return "no-python", [], {}
        if alive.stdout.strip() != "True":
            return "old-python", [], {}
        raise RuntimeError("health check failed:\n" + result.stdout + result.stderr) from None
    if tuple(report.get("python", (0, 0))) < (3, 11):
        return "old-python", [], report
    if not report.get("pip"):
        return "no-pip", [], report
    return "ok", report["problems"], report


def inspect(env: Env, index_mode: str) -> State:
    """The state of ``env``, with the one line a command prints about it (empty when ready)."""
    state = State(exists=env.python.exists() or env.path.exists())
    if not state.exists:
        state.note = (f"{PREFIX} 初回の準備です: {env.label} に Python {py_version()} の環境を作り、"
                      "パッケージを入れます (数分かかります)。")
        return state
    kind, state.problems = run_check(env)
    state.python_ok = kind not in ("no-python", "old-python")
    state.has_pip = kind == "ok"
    stamp = read_stamp(env)
    state.stamp_found = stamp is not None
    state.stamp_ok = state.stamp_found and covers(stamp.get("fingerprint", {}), env.fingerprint(index_mode))
    if kind == "no-python":
        state.note = f"{PREFIX} {env.label} の Python が動きません。環境を作り直します。"
    elif kind == "old-python":
        state.note = f"{PREFIX} {env.label} の Python が 3.11 より古いので、環境を作り直します。"
    elif kind == "no-pip":
        state.note = (f"{PREFIX} {env.label} に pip がありません (作成の途中で止まったようです)。"
                      "環境を作り直します。")
    elif stamp is None and (env.path / ".installed").exists():  # the Makefile's stamp before course.py
        state.note = f"{PREFIX} 準備の手順が新しくなったので、{env.label} を確かめて更新します。"
    elif stamp is None:  # never finished: whatever is missing is expected, not damage
        state.note = f"{PREFIX} 前回の準備が途中で止まっていたので、続きから準備します。"
    elif not state.stamp_ok:
        old = stamp.get("fingerprint", {})
        if same_setup(old, env.fingerprint(index_mode)):  # e.g. `make test` after `make lab`
            state.note = (f"{PREFIX} このコマンドに必要なパッケージ (テスト・教材づくりの道具) を "
                          f"{env.label} に足します。")
        elif old.get("torch_index") != index_mode:
            state.note = f"{PREFIX} TORCH_INDEX が変わったので ({index_mode})、{env.label} を更新します。"
        else:
            state.note = f"{PREFIX} pyproject.toml のパッケージが変わったので、{env.label} を更新します。"
    elif state.problems:
        state.note = f"{PREFIX} {env.label} が壊れています ({describe(state.problems)})。直します。"
    return state


def describe(problems: list[dict], limit: int = 3) -> str:
    """One short Japanese phrase per problem, joined: 'torch 2.13.0+cpu のファイルが一部ありません、...'."""
    words = []
    for p in problems[:limit]:
        kind, name = p["kind"], p.get("name", "")
        if kind == "missing":
            words.append(f"{name} がありません")
        elif kind == "version":
            words.append(f"{name} が {p['want']} ではなく {p['have']} です")
        elif kind == "files":
            words.append(f"{name} {p['have']} のファイルが一部ありません")
        elif kind == "project":
            words.append(f"{PACKAGE} が入っていません" if not p.get("detail") else p["detail"])
        else:
            words.append(f"{name}: {kind}")
    if len(problems) > limit:
        words.append(f"ほか {len(problems) - limit} 件")
    return "、".join(words)


def steps(state: State) -> list[str]:
    """What a command does before its real work; [] for a ready environment."""
    if state.ready:
        return []
    todo = []
    if not state.exists or not state.python_ok or not state.has_pip:
        todo += (["remove"] if state.exists else []) + ["create"]
    elif any(p["kind"] == "files" for p in state.problems):
        todo.append("reinstall-damaged")
    todo.append("install")
    changed = state.exists and not state.stamp_ok  # pins, metadata or version changed, or an older set-up
    if "create" in todo or changed or any(p["kind"] == "project" for p in state.problems):
        todo.append("project")  # its metadata carries the pins that messages quote
    return todo + ["warm-up", "check", "stamp"]


# --- the CPU wheel index of PyTorch -------------------------------------------

def reachable(url: str, timeout: float = PROBE_TIMEOUT) -> bool:
    """True when ``url`` answers within ``timeout`` seconds (DNS included; proxies honoured)."""
    answer = []

    def probe():
        try:
            request = urllib.request.Request(url, method="HEAD")
            with urllib.request.urlopen(request, timeout=timeout) as response:
                answer.append(response.status < 400)
        except Exception:  # noqa: BLE001 - any failure means "not reachable"
            answer.append(False)

    worker = threading.Thread(target=probe, daemon=True)  # a hung DNS lookup cannot hold us
    worker.start()
    worker.join(timeout)
    return bool(answer and answer[0])


def index_mode() -> str:
    mode = os.environ.get("TORCH_INDEX", "").strip() or "auto"
    if mode not in TORCH_INDEX_CHOICES and not re.match(r"^(https?|file)://", mode):
        raise UsageError(f"{PREFIX} TORCH_INDEX={mode} は使えません。auto (既定)、cpu、pypi、"
                         "または配布元の URL を指定してください。")
    return mode


def torch_index(mode: str, system: str | None = None, probe=reachable) -> tuple[list[str], str]:
    """pip's index options for torch and the one line to print about them (or '')."""
    system = system or platform.system()
    if mode == "pypi":
        return [], ""
    if mode == "cpu":
        return ["--extra-index-url", CPU_INDEX], ""
    if mode != "auto":
        return ["--extra-index-url", mode], ""
    if system == "Darwin":  # macOS wheels on the default index are CPU (and MPS) builds
        return [], ""
    if probe(f"{CPU_INDEX}/torch/"):
        return ["--extra-index-url", CPU_INDEX], ""
    host = CPU_INDEX.split("/")[2]
    return [], (f"{PREFIX} PyTorch の CPU 版の配布元 ({host}) に {PROBE_TIMEOUT:.0f} 秒以内につながらないので、"
                "通常の配布元 (PyPI) から torch を入れます "
                "(Linux ではそれが CUDA 入りの数 GB の版になることがあります。配布元は TORCH_INDEX で選べます)。")


# --- pip, and what its failures mean --------------------------------------------

SHOWN = re.compile(r"^\s*Downloading (\S+) \(([^)]+)\)")


def pip(env: Env, args: list[str], command: str) -> None:
    """``pip install args`` in ``env``; raise SetupFailed with the cause explained."""
    cmd = [str(env.python), "-m", "pip", "install", "--disable-pip-version-check", "--no-input", *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            encoding="utf-8", errors="replace", bufsize=1, cwd=ROOT,
                            env={**os.environ, "PYTHONUTF8": "1"})  # pip's output in UTF-8 on Windows too
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line)
            shown = SHOWN.match(line)
            if shown:
                print(f"    ダウンロード: {shown.group(1).rsplit('/', 1)[-1]} ({shown.group(2)})", flush=True)
    finally:
        if proc.poll() is None and sys.exc_info()[0] is not None:
            proc.terminate()
        proc.wait()
    if proc.returncode != 0:
        output = "".join(lines)
        tail = [ln.rstrip() for ln in lines if ln.strip()][-8:]
        print("\n".join(["  pip の出力 (最後の部分):", *("    " + ln for ln in tail)]))
        print(diagnose(output, env, command))
        raise SetupFailed


NETWORK = re.compile(r"NewConnectionError|Failed to establish a new connection|Temporary failure in name "
                     r"resolution|Name or service not known|nodename nor servname|getaddrinfo failed|"
                     r"Max retries exceeded|Read timed out|ConnectTimeout|ReadTimeout|ProxyError|"
                     r"Connection refused|Network is unreachable|Connection reset|Connection aborted|"
                     r"IncompleteRead|SSLError|CERTIFICATE_VERIFY_FAILED|Retrying \(Retry\(")
NOT_FOUND = re.compile(r"Could not find a version that satisfies the requirement (\S+) \(from versions: ([^)]*)\)")


def command_hint(command: str) -> str:
    """The command a student types to run ``command`` again (as make names it)."""
    if os.name == "nt":
        return f"py tools\\course.py {command}"
    return f"make {command if command in ('lab', 'test', 'execute', 'sync', 'slides', 'site') else 'lab'}"


def py_version() -> str:
    return "{}.{}".format(*sys.version_info[:2])


def this_computer() -> str:
    system = platform.system()
    if system == "Darwin":
        system = f"macOS {platform.mac_ver()[0]}"
    return f"{system} {platform.machine()}, Python {py_version()}"


def diagnose(output: str, env: Env, command: str = "lab") -> str:
    """The Japanese paragraph for a failed ``pip install``, chosen by what pip printed."""
    again = f"直したら、もう一度 {command_hint(command)} を実行してください。続きから準備します。"
    if "No module named pip" in output:
        return (f"{PREFIX} {env.label} に pip がありません (環境の作成が途中で止まったようです)。\n"
                f"もう一度 {command_hint(command)} を実行すると、環境を作り直します。")
    if "No space left on device" in output or "[Errno 28]" in output:
        return (f"{PREFIX} ディスクの空きが足りません。PyTorch を含む環境には約 1.5 GB 必要です。\n"
                f"空きを作ってから、もう一度 {command_hint(command)} を実行してください。")
    missing = NOT_FOUND.search(output)
    if missing and missing.group(2).strip() not in ("", "none"):
        return no_wheel(missing.group(1), missing.group(2), command)
    if NETWORK.search(output):
        return (f"{PREFIX} パッケージをダウンロードできませんでした (ネットワークにつながりません)。\n"
                "インターネットにつながっているか、プロキシの設定 (HTTPS_PROXY) が正しいかを確かめてください。\n"
                + again)
    if missing:
        return no_wheel(missing.group(1), "", command)
    if "ResolutionImpossible" in output or "conflicting dependencies" in output:
        cause = re.search(r"The conflict is caused by:\n((?:\s+.+\n?)+)", output)
        lines = cause.group(1).rstrip().splitlines() if cause else []
        constraint = "(constraint)" in output
        return ("\n".join([f"{PREFIX} 指定したバージョンどうしが両立しません (pip の依存関係の衝突):",
                           *("  " + ln.strip() for ln in lines[:6])]) + "\n"
                + ("この pip には制約 (constraint) が設定されています: `pip config list` と環境変数 "
                   "PIP_CONSTRAINT を確かめてください。\n" if constraint else
                   "バージョンは pyproject.toml の [project] に1か所だけ書いてあります。そこを直してください。\n")
                + again)
    if "Permission denied" in output or "[Errno 13]" in output:
        return (f"{PREFIX} {env.label} に書き込めません (権限がありません)。sudo で作った環境かもしれません。\n"
                f"{env.label} を消してから (sudo rm -rf {env.label})、sudo を付けずに "
                f"{command_hint(command)} を実行してください。")
    if "Failed building wheel" in output or "subprocess-exited-with-error" in output:
        return (f"{PREFIX} パッケージの組み立て (wheel の作成) に失敗しました。上の pip の出力に、"
                f"どのパッケージかが書いてあります。\nこの環境の Python は {py_version()} です。"
                f"Python 3.11〜3.13 で試すには: {clean_hint()} のあと {command_hint(command)} PYTHON=python3.12\n"
                "それでも失敗するときは、上の pip の出力を講師に見せてください。")
    return (f"{PREFIX} パッケージを入れられませんでした (原因は上の pip の出力にあります)。\n"
            f"{again}\nそれでも失敗するときは、上の pip の出力を講師に見せてください。")


def no_wheel(requirement: str, available: str, command: str) -> str:
    """No file of ``requirement`` for this platform or Python: say which computers have one."""
    name = re.split(r"[=<>!~;\[ ]", requirement, maxsplit=1)[0]
    lines = [f"{PREFIX} このコンピュータ ({this_computer()}) 向けの {requirement} が配布されていません。"]
    if canonical(name) == "torch" and platform.system() == "Darwin":
        lines.append("この講習の torch は、Apple シリコン (M1 以降) の macOS 14 (Sonoma) 以降の Mac に対応しています。"
                     "Intel の Mac や macOS 13 以前では入らないので、Google Colab で開いてください "
                     "(README の「Google Colab で開く」)。")
    else:
        if available:
            lines.append(f"配布されているバージョン: {available.strip()[-60:]}")
        lines.append("Python のバージョンが新しすぎる (または古すぎる) と、こうなることがあります。"
                     f"Python 3.11〜3.13 で作り直すには: {clean_hint()} のあと {command_hint(command)} "
                     "PYTHON=python3.12 (Windows: py -3.12 tools\\course.py ...)。Google Colab でも動きます。")
    return "\n".join(lines)


def clean_hint() -> str:
    return "py tools\\course.py clean" if os.name == "nt" else "make clean-venv"


# --- preparing an environment --------------------------------------------------

def create(env: Env, command: str) -> None:
    env.path.parent.mkdir(parents=True, exist_ok=True)
    result = subprocess.run([sys.executable, "-m", "venv", str(env.path)], capture_output=True, text=True)
    if result.returncode != 0:
        output = result.stdout + result.stderr
        shutil.rmtree(env.path, ignore_errors=True)
        if "ensurepip" in output:
            print(f"{PREFIX} 仮想環境を作れません: この Python には venv と pip の部品 (ensurepip) がありません。\n"
                  f"  - Debian / Ubuntu: sudo apt-get install python{py_version()}-venv\n"
                  f"入れたら、もう一度 {command_hint(command)} を実行してください。")
        else:
            print(output.strip())
            print(f"{PREFIX} 仮想環境 {env.label} を作れませんでした (上のメッセージを参照)。")
        raise SetupFailed


def prepare(env: Env, command: str, state: State | None = None, mode: str | None = None) -> None:
    """Bring ``env`` to ready, printing one line about what is done; SetupFailed when it cannot."""
    mode = mode or index_mode()
    state = state or inspect(env, mode)
    todo = steps(state)
    if not todo:
        return
    print(state.note, flush=True)
    before = (read_stamp(env) or {}).get("fingerprint", {})
    env.stamp.unlink(missing_ok=True)  # from here on, nothing says "ready" until the end
    if "remove" in todo:
        shutil.rmtree(env.path)
    if "create" in todo:
        create(env, command)
    index_args, line = torch_index(mode)
    if line:
        print(line, flush=True)
    if "reinstall-damaged" in todo:
        wanted = pins(env.reqs)
        damaged = [p for p in state.problems if p["kind"] == "files"]
        again = [f"{p['name']}=={wanted.get(canonical(p['name']), p['have'])}" for p in damaged]
        pip(env, ["--force-reinstall", "--no-deps", *index_args, *again], command)
    print(f"{PREFIX} パッケージを入れています…", flush=True)
    pip(env, [*index_args, *env.reqs], command)
    if "project" in todo:
        pip(env, ["--no-deps", "--no-build-isolation", "--editable", str(ROOT)], command)
    # matplotlib builds its font cache on first import; do it now, not inside a notebook.
    subprocess.run([str(env.python), "-c", "import importlib.util as u\n"
                    "if u.find_spec('matplotlib'): import matplotlib.font_manager"], capture_output=True)
    kind, problems, report = _check_report(env)
    if kind != "ok" or problems:
        print(f"{PREFIX} {env.label} を直せませんでした ({describe(problems) or kind})。\n"
              f"作り直すには: {clean_hint()} のあと {command_hint(command)}")
        raise SetupFailed
    installed = report.get("torch", "")
    fingerprint = env.fingerprint(mode)
    if same_setup(before, fingerprint):  # added to a current environment: it keeps what it had
        fingerprint["requirements"] = [*before["requirements"],
                                       *(r for r in env.reqs if r not in before["requirements"])]
    env.stamp.write_text(json.dumps({"fingerprint": fingerprint, "torch": installed,
                                     "torch_index": index_args[-1] if index_args else "default"},
                                    indent=1) + "\n", encoding="utf-8")
    print(f"{PREFIX} 準備ができました ({env.label}: torch {installed or '?'})。", flush=True)


def installed_torch(env: Env) -> str:
    """The torch version installed in ``env`` ('2.13.0+cpu'), or ''."""
    return _check_report(env)[2].get("torch", "")


# --- the health check, run inside the environment --------------------------------

def check(reqs: list[str]) -> dict:
    """Problems of the running environment against ``reqs``: pins, their dependencies, files.

    Standard library only, and quick (it runs before every command): pinned versions are
    compared exactly; the dependencies they need are walked and must be present (one that
    only some platforms need is checked only when installed); each distribution's files
    are checked one per directory, enough to see a deleted package or a half-finished upgrade.
    """
    import importlib.metadata as md
    import importlib.util

    installed = {}
    for dist in md.distributions():
        name, ver, requires = _metadata(dist)
        installed.setdefault(canonical(name), (name, ver, requires, dist))
    problems, walked = [], {}
    todo = [(r, (), True) for r in reqs]
    while todo:
        text, extras, top = todo.pop()
        m = REQUIREMENT.match(text)
        if not m:
            continue
        name, wanted_extras, marker = m.group(1), _extras(m.group(2)), m.group(4) or ""
        needed = _applies(marker, extras)
        if needed is False:
            continue
        key = canonical(name)
        if key not in installed:
            if needed:
                problems.append({"kind": "missing", "name": name, "want": m.group(3).strip()})
            continue
        real_name, have, requires, dist = installed[key]
        pinned = REQ.match(text)
        if top and pinned and have.split("+")[0] != pinned.group(2).split("+")[0]:
            problems.append({"kind": "version", "name": real_name, "want": pinned.group(2), "have": have})
        if key in walked and wanted_extras <= walked[key]:
            continue
        if key not in walked:
            gone = _missing_file(dist)
            if gone:
                problems.append({"kind": "files", "name": real_name, "have": have, "path": gone})
        walked[key] = walked.get(key, set()) | wanted_extras
        todo += [(sub, tuple(wanted_extras), False) for sub in requires]
    spec = importlib.util.find_spec(PACKAGE)
    where = Path(spec.origin).resolve().parent if spec and spec.origin else None
    project = installed.get(PROJECT)
    if project is None:
        problems.append({"kind": "project", "detail": ""})
    elif where != ROOT / PACKAGE:
        problems.append({"kind": "project", "detail": f"{PACKAGE} がこのフォルダを指していません ({where})"})
    elif project[1] != version():
        problems.append({"kind": "project", "detail": f"{PROJECT} {project[1]} が古いです"})
    # Looked up on the path, not imported or found through import hooks (setuptools' own
    # hook for the name "pip" would warn about distutils).
    has_pip = any(os.path.isfile(os.path.join(p, "pip", "__init__.py")) for p in sys.path if p)
    torch = installed.get("torch")
    return {"pip": has_pip, "problems": problems, "python": sys.version_info[:2], "torch": torch[1] if torch else ""}


REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([^;]*)(?:;(.*))?$")


def _extras(text: str | None) -> set[str]:
    return {canonical(e) for e in (text or "").strip("[]").split(",") if e.strip()}


def _applies(marker: str, extras: tuple[str, ...]) -> bool | None:
    """Whether a requirement with ``marker`` is needed: True, False, or None (depends on the platform).

    ``extra == "x"`` is decided by the extras asked for, ``python_version`` by this Python;
    any other condition (platform, implementation) counts as "only if installed".
    """
    marker = marker.strip()
    if not marker:
        return True
    named = re.findall(r"extra\s*==\s*['\"]([^'\"]+)['\"]", marker)
    if named and not {canonical(e) for e in named} & set(extras):
        return False
    rest = re.sub(r"extra\s*==\s*['\"][^'\"]+['\"]", "", marker)
    rest = re.sub(r"^[\s()]*(and|or)?[\s()]*|[\s()]*(and|or)?[\s()]*$", "", rest)
    if not rest:
        return True
    versions = re.fullmatch(r"python_version\s*(>=|<=|==|!=|<|>)\s*['\"](\d+(?:\.\d+)*)['\"]", rest)
    if versions:
        op, wanted = versions.groups()
        here, there = sys.version_info[:2], tuple(int(x) for x in wanted.split("."))[:2]
        return {">=": here >= there, "<=": here <= there, "==": here == there, "!=": here != there,
                "<": here < there, ">": here > there}[op]
    return None


def _metadata(dist) -> tuple[str, str, list[str]]:
    """Name, version and Requires-Dist of ``dist``, read from the METADATA headers directly."""
    name, ver, requires = "", "", []
    for line in (dist.read_text("METADATA") or dist.read_text("PKG-INFO") or "").splitlines():
        if not line.strip():
            break
        key, _, value = line.partition(":")
        if key == "Name":
            name = value.strip()
        elif key == "Version":
            ver = value.strip()
        elif key == "Requires-Dist":
            requires.append(value.strip())
    return name, ver, requires


def _missing_file(dist) -> str:
    """The first file of ``dist`` (one per directory of its RECORD) that is gone, or ''."""
    record = dist.read_text("RECORD")
    if record is None:
        return ""
    base = str(dist.locate_file(""))
    firsts = {}
    for line in record.splitlines():
        path = line.rsplit(",", 2)[0]
        if path and not path.startswith(".."):
            firsts.setdefault(os.path.dirname(path), path)
    for path in firsts.values():
        if not os.path.exists(os.path.join(base, path)):
            return path
    return ""


# --- the commands ---------------------------------------------------------------

def dot_or_explain(strict: bool) -> bool:
    """True when Graphviz's dot is there; else print why it matters (the test command needs it)."""
    if shutil.which("dot"):
        return True
    from lecture_utils import doctor  # the package's own message, shared with its text fallback

    print(doctor.MISSING_DOT)
    if strict:
        print(f"{PREFIX} テストは図も確かめるので、Graphviz を入れてから {command_hint('test')} を実行してください。")
    return False


def run(cmd: list[str], env_vars: dict | None = None) -> int:
    """Run ``cmd`` in place of this process where the OS allows (Ctrl-C goes straight to it)."""
    sys.stdout.flush()
    if os.name != "nt" and env_vars is None:
        os.execv(cmd[0], cmd)
    return subprocess.call(cmd, env={**os.environ, **(env_vars or {})})


def lab(args: list[str]) -> int:
    env = main_env("lab")
    prepare(env, "lab")
    dot_or_explain(strict=False)
    root = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    return run([str(env.python), "-m", "jupyterlab", *root, *args, str(ROOT / FIRST_NOTEBOOK)])


def test(args: list[str]) -> int:
    torch_version = None
    if "--torch" in args:
        i = args.index("--torch")
        if i + 1 >= len(args):
            raise UsageError("--torch の後に torch のバージョンを書いてください (例: --torch 2.14.1)")
        torch_version = args[i + 1]
        args = args[:i] + args[i + 2:]
    env = torch_env(torch_version) if torch_version else main_env()
    prepare(env, "test")
    if not dot_or_explain(strict=True):
        return 1
    if torch_version is None:
        return run(test_command(env.python, args))
    return test_other_torch(env, torch_version, args)


def test_other_torch(env: Env, torch_version: str, args: list[str]) -> int:
    """The whole test command under another torch; then the stored outputs that differ."""
    report = env.path / "report.xml"
    report.unlink(missing_ok=True)
    opts = (os.environ.get("PYTEST_ADDOPTS", "") + f" --junitxml={report}").strip()
    print(f"{PREFIX} torch {torch_version} ({env.label}) でテストを実行します。", flush=True)
    code = run(test_command(env.python, args), {"PYTEST_ADDOPTS": opts})
    print(summarize(report, torch_version, env))
    return code


def summarize(report: Path, torch_version: str, env: Env) -> str:
    """Which stored notebook outputs differ under ``torch_version``, from pytest's JUnit report."""
    import xml.etree.ElementTree as ET

    if not report.exists():
        return f"{PREFIX} テストの結果 ({report.name}) がありません。"
    cases = list(ET.parse(report).iter("testcase"))
    cells, tests = [], []
    for case in cases:
        bad = case.find("failure") if case.find("failure") is not None else case.find("error")
        if bad is None:
            continue
        classname, name = case.get("classname", ""), case.get("name", "")
        if classname.endswith(".ipynb"):  # an nbval item: one stored cell
            cells.append(f"  - {notebook_item(case)}  ({nbval_reason(bad.get('message', '') + (bad.text or ''))})")
        else:
            tests.append(f"  - {classname.replace('.', '/')}.py::{name}")
    lines = [f"{PREFIX} torch {torch_version} での結果: {len(cases)} 件中 {len(cells) + len(tests)} 件が失敗。"]
    if cells:
        lines += ["保存された出力と違うセル:", *cells]
    if tests:
        lines += ["失敗したテスト:", *tests]
    lines.append(f"この環境は {env.label} にあります (消すには {clean_hint()})。")
    return "\n".join(lines)


def nbval_reason(text: str) -> str:
    """nbval's failure text, in a few Japanese words."""
    mismatch = sorted(set(re.findall(r"mismatch '([^']+)'", text)))
    extra = re.search(r"Unexpected output fields from running code: \{([^}]*)\}", text)
    missing = re.search(r"Missing output fields from running code: \{([^}]*)\}", text)
    if mismatch:
        return "出力が違う: " + ", ".join(mismatch)
    if extra:
        return "保存されていない出力が出る: " + extra.group(1).replace("'", "")
    if missing:
        return "保存された出力が出ない: " + missing.group(1).replace("'", "")
    return "実行時にエラー" if "caused an exception" in text else "失敗"


def notebook_item(case) -> str:
    """'notebooks/03_backward.ipynb::Cell 26' from a JUnit test case of nbval."""
    classname, name = case.get("classname", ""), case.get("name", "")
    folder, _, notebook = classname.removesuffix(".ipynb").partition(".")
    return f"{folder}/{notebook}.ipynb::{name}"


def author(command: str, args: list[str]) -> int:
    env = main_env()
    prepare(env, command)
    return run([str(env.python), "-m", "tools.author", command, *args])


def build(module: str, command: str, args: list[str]) -> int:
    """Build the static slides or the site (tools.slides, tools.site) in .venv."""
    env = main_env()
    prepare(env, command)
    return run([str(env.python), "-m", module, *args])


def setup(_args: list[str]) -> int:
    """Only prepare .venv (for CI caches, benchmarks, or before a class without network)."""
    prepare(main_env("setup"), "lab")
    return 0


def status(_args: list[str]) -> int:
    mode = index_mode()
    others = [torch_env(p.name.removeprefix("torch-")) for p in sorted(OTHER_TORCH.glob("torch-*"))]
    for env in [main_env("lab"), *others]:
        state = inspect(env, mode)
        stamp = read_stamp(env) or {}
        verdict = "準備できています" if state.ready else (state.note.removeprefix(PREFIX).strip() or "未完了")
        if state.ready and env.path == VENV and not covers(stamp["fingerprint"], main_env().fingerprint(mode)):
            verdict += " (make lab の分だけ。テストの道具は make test が足します)"
        print(f"{env.label}: {verdict}")
        if stamp:
            where = stamp.get("torch_index")
            print(f"  torch {stamp.get('torch')} (配布元: {'通常の配布元 (PyPI)' if where == 'default' else where})")
    print(f"Graphviz dot: {shutil.which('dot') or 'なし'}")
    return 0


def clean(_args: list[str]) -> int:
    for path in (VENV, OTHER_TORCH):
        if path.exists():
            shutil.rmtree(path)
            print(f"{PREFIX} {path.relative_to(ROOT)} を消しました。")
    return 0


def dry_run(command: str, args: list[str]) -> int:
    """Print what ``command`` would do, without doing it (for the tests and the curious)."""
    env = main_env(command)
    state = inspect(env, index_mode())
    if state.note:
        print(state.note)
    for step in steps(state):
        print("step:", step)
    if command == "test":
        print("run:", " ".join(test_command(env.python, args)))
    return 0


COMMANDS = {"lab": lab, "test": test, "execute": lambda a: author("execute", a),
            "sync": lambda a: author("sync", a), "slides": lambda a: build("tools.slides", "slides", a),
            "site": lambda a: build("tools.site", "site", a), "setup": setup, "status": status, "clean": clean}
USAGE = ("使い方: python3 tools/course.py {lab|test|execute|sync|slides|site|setup|status|clean} [...]\n"
         "  (make lab / make test / make execute / make sync / make slides / make site / make clean-venv と同じです)")


def main(argv: list[str]) -> int:
    if argv[:1] == ["check-inside"]:  # run by the environment's own Python
        print(json.dumps(check(json.loads(argv[1]))))
        return 0
    if not argv or argv[0] not in COMMANDS:
        print(USAGE)
        return 0 if argv[:1] in ([], ["help"], ["--help"], ["-h"]) else 2
    command, args = argv[0], argv[1:]
    if Path.cwd().resolve() != ROOT:  # run from elsewhere: paths as the user meant them, then work in ROOT
        args = [str(Path(a).resolve()) if not a.startswith("-") and Path(a).exists() else a for a in args]
        os.chdir(ROOT)
    try:
        if "--dry-run" in args:
            return dry_run(command, [a for a in args if a != "--dry-run"])
        return COMMANDS[command](args)
    except UsageError as e:
        print(e)
        return 2
    except SetupFailed:
        return 1
    except KeyboardInterrupt:
        print(f"\n{PREFIX} 中断しました。次に {command_hint(command)} を実行すると、続きから準備します。")
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
