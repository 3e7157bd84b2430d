"""lecture_utils.plotting: the figures hold what they claim, and bad input is explained in Japanese."""
import math
import re
import warnings

import matplotlib

matplotlib.use("Agg", force=True)

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st

from lecture_utils import plotting  # noqa: E402

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.fixture
def shown(monkeypatch):
    """Collect the figures the helpers show (instead of opening windows)."""
    figures = []
    monkeypatch.setattr(plt, "show", lambda *a, **k: figures.append(plt.gcf()))
    yield figures
    plt.close("all")


def f_torch(x):
    return x ** 2 + torch.exp(-x)


def f_numpy(x):
    return x ** 2 + np.exp(-x)


def f_math(x):
    return x ** 2 + math.exp(-x)


def df(x):
    return 2 * x - math.exp(-x)


def lines_by_label(ax):
    return {line.get_label(): line for line in ax.lines}


def test_import_sets_up_japanese_font_and_size():
    assert plotting.HAS_JAPANESE_FONT
    assert plt.rcParams["font.family"] == ["IPAexGothic"]
    assert tuple(plt.rcParams["figure.figsize"]) == plotting.FIGSIZE


@pytest.mark.parametrize("f", [f_torch, f_numpy, f_math, lambda x: torch.sin(x) if torch.is_tensor(x) else 1 / 0],
                         ids=["torch", "numpy", "math", "torch-only"])
def test_curve_values_whatever_f_accepts(shown, f):
    assert plotting.plot_function(f, (-1, 2)) is None
    (fig,) = shown
    (curve,) = fig.axes[0].lines
    x, y = curve.get_xdata(), curve.get_ydata()
    assert len(x) == plotting.NUM_POINTS and x[0] == -1 and x[-1] == 2
    expected = np.sin(x) if f not in (f_torch, f_numpy, f_math) else x ** 2 + np.exp(-x)
    np.testing.assert_allclose(y, expected, rtol=1e-12)


def test_explicit_x_values_and_tensor_range(shown):
    xs = torch.linspace(0, 1, 11)
    plotting.plot_function(f_numpy, xs)
    plotting.plot_function(f_numpy, (torch.tensor(0.0), np.float64(1.0)), num=7)
    assert len(shown[0].axes[0].lines[0].get_xdata()) == 11
    assert len(shown[1].axes[0].lines[0].get_xdata()) == 7


@pytest.mark.parametrize("f", [f_torch, f_math], ids=["autograd", "difference"])
@pytest.mark.parametrize("x0", [-0.5, 1.0, 2.5])
def test_tangent_slope_is_the_derivative(shown, f, x0):
    plotting.plot_function(f, (-1, 3), tangent_at=x0)
    ax = shown[0].axes[0]
    tangent = next(line for line in ax.lines if "接線" in line.get_label())
    (t0, t1), (y0, y1) = tangent.get_xdata(), tangent.get_ydata()
    assert (y1 - y0) / (t1 - t0) == pytest.approx(df(x0), rel=1e-6)
    # the line touches the curve at x0
    assert y0 + (y1 - y0) / (t1 - t0) * (x0 - t0) == pytest.approx(f_math(x0), rel=1e-9)
    point = [line for line in ax.lines if len(line.get_xdata()) == 1]
    assert point and point[0].get_xdata()[0] == x0


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-3, 3), min_size=1, max_size=4), st.floats(-2, 2))
def test_derivative_of_polynomials(coefs, x0):
    def p(x):
        return sum(c * x ** k for k, c in enumerate(coefs))
    exact = sum(k * c * x0 ** (k - 1) for k, c in enumerate(coefs) if k)
    assert plotting.derivative_at(p, x0) == pytest.approx(exact, abs=1e-9)


def test_descent_path_is_drawn_on_the_curve(shown):
    path = [3.0]
    for _ in range(200):
        path.append(path[-1] - 0.1 * df(path[-1]))
    plotting.plot_descent(f_torch, [torch.tensor(p) for p in path])
    (fig,) = shown
    ax, ax_values = fig.axes
    labels = lines_by_label(ax)
    trail = next(line for label, line in labels.items() if "勾配降下法" in label)
    np.testing.assert_allclose(trail.get_xdata(), path)
    np.testing.assert_allclose(trail.get_ydata(), [f_math(p) for p in path])
    start = next(line for label, line in labels.items() if label.startswith("出発点"))
    end = next(line for label, line in labels.items() if label.startswith("最後の点"))
    assert start.get_xdata()[0] == 3.0 and end.get_xdata()[0] == pytest.approx(path[-1])
    # the range covers the path, and the second panel is f(x_k) against k
    lo, hi = ax.lines[0].get_xdata()[[0, -1]]
    assert lo < min(path) and hi > max(path)
    (values,) = ax_values.lines
    np.testing.assert_array_equal(values.get_xdata(), np.arange(len(path)))
    np.testing.assert_allclose(values.get_ydata(), [f_math(p) for p in path])
    assert ax_values.get_ylabel() == "f_torch(x_k)"


def test_values_panel_is_labelled_with_the_functions_own_name(shown):
    def g(x):
        return x ** 2

    plotting.plot_descent(g, [1.0, 0.5])
    assert shown[0].axes[1].get_ylabel() == "$g(x_k)$"


def test_descent_without_values_panel_and_path_in_plot_function(shown):
    plotting.plot_descent(f_numpy, np.array([2.0, 1.0, 0.5]), xs=(-1, 3), values_panel=False)
    plotting.plot_function(f_numpy, (-1, 3), path=torch.tensor([2.0, 1.0, 0.5]))
    assert len(shown[0].axes) == 1
    for fig in shown:
        assert any(len(line.get_xdata()) == 3 for line in fig.axes[0].lines)


def test_plot_several_curves_loglog(shown):
    h = np.logspace(-12, -1, 12)
    err_forward, err_central = h, h ** 2
    err_central[0] = 0.0  # an exact zero has no place on a log axis: left out
    plotting.plot_loglog(h, [err_forward, err_central], labels=["前進差分", "中心差分"],
                         xlabel="刻み幅 $h$", ylabel="誤差", title="誤差と h")
    (fig,) = shown
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert [line.get_label() for line in ax.lines] == ["前進差分", "中心差分"]
    assert len(ax.lines[0].get_xdata()) == 12 and len(ax.lines[1].get_xdata()) == 11
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["前進差分", "中心差分"]


def test_plot_one_series_linear(shown):
    n = [1, 2, 4, 8]
    plotting.plot(n, [3 * k for k in n], xlabel="$n$", ylabel="計算回数")
    (line,) = shown[0].axes[0].lines
    assert list(line.get_ydata()) == [3, 6, 12, 24]
    assert shown[0].axes[0].get_legend() is None


def test_japanese_labels_render_without_missing_glyphs(shown):
    plotting.plot_function(f_torch, (-2, 2), tangent_at=-1.0, title="関数のグラフと接線 −1")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        shown[0].canvas.draw()
    assert not [w for w in caught if "missing" in str(w.message).lower()], [str(w.message) for w in caught]


BAD_CALLS = [
    (lambda: plotting.plot_function(3), TypeError),
    (lambda: plotting.plot_function(f_numpy, "0..1"), TypeError),
    (lambda: plotting.plot_function(f_numpy, None), TypeError),
    (lambda: plotting.plot_function(f_numpy, (2, 1)), ValueError),
    (lambda: plotting.plot_function(f_numpy, ("a", 1)), TypeError),
    (lambda: plotting.plot_function(f_numpy, [[0, 1, 2], [1, 2, 3]]), TypeError),
    (lambda: plotting.plot_function(f_numpy, [[0, 1, 2], [1, 2, 3], [4, 5, 6]]), ValueError),
    (lambda: plotting.plot_function(lambda x: 1 / 0, (0, 1)), ValueError),
    (lambda: plotting.plot_function(f_numpy, (0, 1), tangent_at="1"), TypeError),
    (lambda: plotting.plot_function(f_numpy, (0, 1), tangent_at=torch.ones(2)), ValueError),
    (lambda: plotting.plot_descent(f_numpy, []), ValueError),
    (lambda: plotting.plot_descent(f_numpy, 3.0), TypeError),
    (lambda: plotting.plot([1, 2, 3], [1, 2]), ValueError),
    (lambda: plotting.plot([1, 2], [[1, 2], [3, 4]], labels=["a"]), ValueError),
    (lambda: plotting.plot([1, 2], [1, 2], yscale="symlog"), ValueError),
    (lambda: plotting.plot_loglog([1, 2], [0, -1]), ValueError),
]


@pytest.mark.parametrize("call, error", BAD_CALLS, ids=range(len(BAD_CALLS)))
def test_bad_input_gets_a_short_japanese_message(shown, call, error):
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    assert JAPANESE.search(message), message
    assert len(message) < 200
    assert info.value.__suppress_context__ or info.value.__context__ is None  # no chained traceback


def test_error_names_what_failed_inside_f():
    def broken(x):
        return torch.exp(x) + undefined_name  # noqa: F821

    with pytest.raises(ValueError, match="NameError"):
        plotting.evaluate(broken, [0.0, 1.0])


def test_a_diverging_path_is_cut_at_the_first_inf_and_labelled(shown):
    path = [3.0, -22.06, float("inf"), float("nan"), float("nan")]  # f = x^2 + e^-x, η = 1
    plotting.plot_descent(f_numpy, path)
    ax, ax_values = shown[0].axes
    trail = next(line for line in ax.lines if "勾配降下法" in line.get_label())
    assert list(trail.get_xdata()) == [3.0, -22.06]
    assert "2 回目の更新で発散" in trail.get_label()
    assert len(ax_values.lines[0].get_xdata()) == 2
    # a finite x whose f(x) overflows counts as diverged too
    plotting.plot_function(f_numpy, (-5, 5), path=[1.0, -800.0, 1e6])
    trail = next(line for line in shown[1].axes[0].lines if "勾配降下法" in line.get_label())
    assert list(trail.get_xdata()) == [1.0] and "1 回目の更新で発散" in trail.get_label()
    with pytest.raises(ValueError, match="最初の点"):
        plotting.plot_descent(f_numpy, [float("nan"), 1.0])


def test_plot_leaves_out_inf_and_nan(shown):
    plotting.plot([0, 1, 2, 3], [[1.0, 2.0, float("inf"), float("nan")], [1.0, 1.0, 1.0, 1.0]])
    first, second = shown[0].axes[0].lines
    assert list(first.get_xdata()) == [0, 1] and len(second.get_xdata()) == 4


@pytest.mark.parametrize("text, expected", [
    ("$x_0$ = -10, η = 1", "$x_0$ = \u221210, η = 1"),
    ("傾き -0.5 (x = -.5)", "傾き \u22120.5 (x = \u2212.5)"),
    ("$x=-3$ での接線", "$x=-3$ での接線"),          # mathtext draws its own minus
    ("演習1-4, x-1, 1e-05, f(x)-2", "演習1-4, x-1, 1e-05, f(x)-2"),  # hyphens between things stay
    ("", ""),
])
def test_minus_signs(text, expected):
    assert plotting.minus_signs(text) == expected


def test_numbers_in_labels_get_a_real_minus_sign(shown):
    plotting.plot([0, 1], [[-1.0, -2.0], [1.0, 2.0]], labels=["$x_0$ = -10, η = 1", "η = 0.5"],
                  title="出発点 -10", xlabel="k", ylabel="x (-1 から)")
    plotting.plot_function(f_math, (-3, 1), tangent_at=-2.0)
    ax = shown[0].axes[0]
    texts = [ax.get_title(), ax.get_ylabel()] + [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == ["出発点 \u221210", "x (\u22121 から)", "$x_0$ = \u221210, η = 1", "η = 0.5"]
    tangent = next(t.get_text() for t in shown[1].axes[0].get_legend().get_texts() if "接線" in t.get_text())
    assert tangent == f"$x=-2$ での接線 (傾き \u2212{abs(df(-2.0)):.4g})"
    with warnings.catch_warnings(record=True) as caught:  # the font has U+2212: no missing glyph
        warnings.simplefilter("always")
        for fig in shown:
            fig.canvas.draw()
    assert not [w for w in caught if "missing" in str(w.message).lower()], [str(w.message) for w in caught]
