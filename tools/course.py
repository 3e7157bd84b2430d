# -*- coding: utf-8 -*-
"""The course's commands; `make lab` / `make test` and the Windows route all run this file.

    python3 tools/course.py lab                 # prepare .venv when needed, open JupyterLab
    python3 tools/course.py test [NB ...]       # prepare .venv when needed, run every test
    python3 tools/course.py test --torch 2.14.1 # the tests against another torch (.venvs/)
    python3 tools/course.py execute [NB ...]    # authors: re-run notebooks, store outputs
    python3 tools/course.py sync                # authors: regenerate cells, exercises, tables
    python3 tools/course.py status | clean

This file is only the gate: it must parse and print on any Python (2.7 and 3.6 under
LANG=C included), so it keeps to old syntax and writes UTF-8 bytes itself. An old
interpreter gets one Japanese paragraph, or hands over to a newer Python found on PATH.
Everything else is in tools/course_env.py (Python 3.11+, standard library only).
"""
from __future__ import print_function, unicode_literals

import os
import subprocess
import sys

MIN_PYTHON = (3, 11)
NEWER = ("3.13", "3.12", "3.11")  # tried in this order when the running Python is too old
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PYTHON_TOO_OLD = """\
[autodiff-lecture] Python {found} では動きません。Python {need} 以上が必要です。
新しい Python を入れると、次からは同じコマンドがその Python を見つけて使います。
  - Debian / Ubuntu: sudo apt-get install python3.11 python3.11-venv
  - macOS (Homebrew): brew install python@3.12
  - Windows: winget install Python.Python.3.12 (そのあと py -3.12 tools\\course.py lab)
  - conda: conda env create -f environment.yml && conda activate autodiff-lecture
Python を指定するときは make lab PYTHON=python3.12 のようにします。"""

HANDING_OVER = "[autodiff-lecture] この Python ({found}) は古いので、Python {other} ({path}) で続けます。"


def say(text):
    """Print Japanese text whatever the locale says (LANG=C, Python 2.7, 3.6)."""
    data = (text + "\n").encode("utf-8")
    sys.stdout.flush()
    out = getattr(sys.stdout, "buffer", sys.stdout)
    out.write(data)
    out.flush()


def version_of(command):
    """(major, minor) of the Python that ``command`` starts, or None."""
    try:
        with open(os.devnull, "w") as devnull:
            text = subprocess.check_output(
                command + ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                stderr=devnull)
        major, minor = text.decode("ascii").strip().split(".")
        return int(major), int(minor)
    except Exception:  # noqa: BLE001 - not there, a shim without that version, a broken install
        return None


def newer_python():
    """A command starting a Python >= MIN_PYTHON, looked up on PATH (``py`` on Windows)."""
    if os.name == "nt":
        candidates = [["py", "-" + v] for v in NEWER]
    else:
        candidates = [["python" + v] for v in NEWER]
    for command in candidates:
        found = version_of(command)
        if found is not None and found >= MIN_PYTHON:
            return command, found
    return None, None


def main(argv):
    found = tuple(sys.version_info[:2])
    if found < MIN_PYTHON:
        command, other = newer_python()
        if command is None:
            say(PYTHON_TOO_OLD.format(found="%d.%d" % found, need="%d.%d" % MIN_PYTHON))
            return 1
        say(HANDING_OVER.format(found="%d.%d" % found, other="%d.%d" % other, path=" ".join(command)))
        command = command + [os.path.abspath(__file__)] + argv
        if os.name != "nt":
            os.execvp(command[0], command)  # replaced: Ctrl-C and the exit code are the new Python's
        try:
            return subprocess.call(command)
        except KeyboardInterrupt:
            return 130
    sys.path[0] = ROOT  # import tools.course_env, not modules that sit beside this file
    from tools import course_env
    return course_env.main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
