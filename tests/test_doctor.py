"""Environment checks speak one clear Japanese paragraph, and Japanese text renders."""
import subprocess
import sys
import warnings

from helpers import ROOT, needs_dot

from lecture_utils import doctor, dot


def test_old_python_is_refused_with_advice(capsys):
    assert doctor.python_ok((3, 9)) is False
    out = capsys.readouterr().out
    assert "Python 3.9 では動きません" in out and "3.11 以上" in out
    assert doctor.python_ok((3, 11)) is True and capsys.readouterr().out == ""


def test_missing_dot_exits_1_with_commands_for_every_platform(monkeypatch, capsys):
    monkeypatch.setattr(doctor.shutil, "which", lambda name: None)
    assert doctor.main(["dot"]) == 1
    out = capsys.readouterr().out
    for command in ("apt-get install graphviz", "brew install graphviz",
                    "conda install -c conda-forge graphviz", "winget install"):
        assert command in out
    assert doctor.main(["dot", "--warn"]) == 0


def test_missing_font_is_explained(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib_fontja", None)
    assert doctor.main(["font"]) == 1
    assert "pip install matplotlib-fontja" in capsys.readouterr().out


def test_unknown_check_is_a_usage_error(capsys):
    assert doctor.main(["coffee"]) == 2


def test_doctor_runs_as_a_plain_script_before_any_venv_exists():
    """The Makefile calls it with the system Python; it must not need the package's deps."""
    result = subprocess.run([sys.executable, "-S", "-I", str(ROOT / "lecture_utils" / "doctor.py"),
                             "python"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    result = subprocess.run([sys.executable, "-S", "-I", str(ROOT / "lecture_utils" / "doctor.py"),
                             "network"], capture_output=True, text=True)
    assert result.returncode == 1 and "ネットワーク" in result.stdout


def test_graph_falls_back_to_text_without_dot(monkeypatch):
    monkeypatch.setattr(doctor.shutil, "which", lambda name: None)
    shown = dot.show("digraph { a -> b }", "b\n└─ a", 2)
    assert isinstance(shown, dot.TextGraph)
    assert "└─ a" in repr(shown) and "Graphviz" in repr(shown)


@needs_dot
def test_graph_renders_png_with_a_stable_text_form():
    shown = dot.show("digraph { a -> b }", "b\n└─ a", 2)
    assert isinstance(shown, dot.GraphPicture)
    assert shown._repr_png_().startswith(b"\x89PNG")
    assert repr(shown) == "<計算グラフ: ノード 2 個>"


def test_japanese_text_renders_with_a_real_font_and_no_missing_glyphs(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib_fontja  # noqa: F401
    from matplotlib import font_manager

    family = matplotlib.rcParams["font.family"]
    path = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    assert "ipaex" in path.lower(), path
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font" would raise here
        fig, ax = plt.subplots()
        ax.set_title("勾配降下法の軌跡")
        ax.set_xlabel("学習率 η")
        fig.savefig(tmp_path / "ja.png")
        plt.close(fig)
