"""Environment checks speak one clear Japanese paragraph, and Japanese text renders."""
import sys
import warnings

from helpers import ROOT, needs_dot

from lecture_utils import doctor, dot


def test_missing_dot_exits_1_with_commands_for_every_platform(monkeypatch, capsys):
    monkeypatch.setattr(doctor.shutil, "which", lambda name: None)
    assert doctor.main(["dot"]) == 1
    out = capsys.readouterr().out
    for command in ("apt-get install graphviz", "brew install graphviz",
                    "conda install -c conda-forge graphviz", "winget install"):
        assert command in out
    assert doctor.main(["dot", "--warn"]) == 0


def test_missing_font_advice_names_this_environment_and_the_pinned_version(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib_fontja", None)
    assert doctor.main(["font"]) == 1
    out = capsys.readouterr().out
    assert f"matplotlib-fontja=={doctor.pinned('matplotlib-fontja')}" in out
    assert "-m pip install" in out and not any(ln.strip().startswith("pip install") for ln in out.splitlines())


def test_pinned_versions_come_from_the_pins():
    from tools.course_env import pins

    for name, version in pins().items():
        assert doctor.pinned(name) == version
    assert doctor.pinned("no-such-package") is None


def test_install_advice_follows_the_environment_the_notebook_runs_in(monkeypatch):
    monkeypatch.setattr(doctor.sys, "prefix", str(ROOT / ".venv"))
    monkeypatch.setattr(doctor.sys, "executable", str(ROOT / ".venv" / "bin" / "python"))
    advice = doctor.install_advice("torchviz")
    assert "make lab" in advice and f".venv/bin/python -m pip install torchviz=={doctor.pinned('torchviz')}" in advice
    monkeypatch.setattr(doctor.sys, "prefix", "/opt/conda/envs/autodiff-lecture")
    monkeypatch.setattr(doctor.sys, "executable", "/opt/conda/envs/autodiff-lecture/bin/python")
    advice = doctor.install_advice("torchviz")
    conda_python = "/opt/conda/envs/autodiff-lecture/bin/python"
    assert f'"{conda_python}" -m pip install torchviz=={doctor.pinned("torchviz")}' in advice
    assert "make lab" not in advice
    monkeypatch.setitem(sys.modules, "google.colab", object())
    assert "最初のセル" in doctor.install_advice("torchviz")


def test_unknown_check_is_a_usage_error(capsys):
    assert doctor.main(["coffee"]) == 2


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
