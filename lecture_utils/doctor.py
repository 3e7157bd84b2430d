"""Environment checks with one clear Japanese paragraph per problem.

Runs as a plain script with any Python 3 (the Makefile calls it before the
virtual environment exists), so it uses the standard library only and keeps
to syntax old interpreters can parse.
"""
import shutil
import sys

MIN_PYTHON = (3, 11)

PYTHON_TOO_OLD = """\
[autodiff-lecture] Python {found} では動きません。Python {need} 以上が必要です。
新しい Python を入れてから、もう一度同じコマンドを実行してください。
  - Debian / Ubuntu: sudo apt-get install python3.11 python3.11-venv
  - macOS (Homebrew): brew install python@3.12
  - conda: conda env create -f environment.yml && conda activate autodiff-lecture
  - Windows: winget install Python.Python.3.12
別の Python を使うときは `make PYTHON=python3.12 lab` のように指定できます。"""

MISSING_DOT = """\
[autodiff-lecture] Graphviz の `dot` コマンドが見つかりません。計算グラフの図を描くのに使います。
図の代わりに文字の木を表示して先へ進めますが、図で見るには Graphviz を入れてください。
  - Debian / Ubuntu: sudo apt-get install graphviz
  - macOS (Homebrew): brew install graphviz
  - conda: conda install -c conda-forge graphviz
  - Windows: winget install Graphviz.Graphviz (入れたあと PATH に dot があるか確かめてください)
  - Google Colab: 最初から入っています。"""

MISSING_FONT = """\
[autodiff-lecture] 日本語フォント (matplotlib-fontja) が見つかりません。図の日本語が □ になります。
  - pip install matplotlib-fontja   (conda 環境でも pip で入れます)
  - Google Colab では、ノートブックの最初のセルがこれを自動で入れます。"""

NO_NETWORK = """\
[autodiff-lecture] パッケージをダウンロードできませんでした (初回だけネットワークが必要です)。
ネットワークにつながっているか、プロキシの設定 (HTTPS_PROXY) が正しいかを確かめてから、
もう一度同じコマンドを実行してください。途中まで作られた .venv は自動で消してあります。
それでも失敗するときは、上に表示された pip のエラーの最後の数行を講師に見せてください。"""


def python_ok(version=None):
    """Return True when the running Python is new enough, else print why."""
    version = tuple(version or sys.version_info[:2])
    if version >= MIN_PYTHON:
        return True
    print(PYTHON_TOO_OLD.format(found="%d.%d" % version[:2], need="%d.%d" % MIN_PYTHON))
    return False


def has_dot():
    """True when Graphviz's `dot` program is on PATH."""
    return shutil.which("dot") is not None


def has_japanese_font():
    """True when matplotlib-fontja can be imported."""
    try:
        import matplotlib_fontja  # noqa: F401
    except Exception:  # noqa: BLE001 - a broken install must read as "missing", not crash
        return False
    return True


def main(argv):
    """`doctor.py python|dot|font|network [--warn]`: exit 1 on a problem unless --warn."""
    warn_only = "--warn" in argv
    checks = [a for a in argv if not a.startswith("--")] or ["python", "dot", "font"]
    ok = True
    for name in checks:
        if name == "python":
            ok = python_ok() and ok
        elif name == "dot":
            if not has_dot():
                print(MISSING_DOT)
                ok = False
        elif name == "font":
            if not has_japanese_font():
                print(MISSING_FONT)
                ok = False
        elif name == "network":
            print(NO_NETWORK)
            ok = False
        else:
            print("doctor.py: unknown check %r (python, dot, font, network)" % name)
            return 2
    return 0 if ok or warn_only else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
