"""One-call figures for the notebooks, with Japanese labels.

Importing this module sets matplotlib up once (Japanese font through
matplotlib-fontja, PNG inline figures, one small figure size), so notebooks
never repeat plot boilerplate. Every public function draws one figure and
ends with ``plt.show()``; it returns None so no ``Line2D`` repr is printed.

    from lecture_utils import plotting
    plotting.plot_function(f, (-2, 3), tangent_at=1.0)
    plotting.plot_descent(f, path)
    plotting.plot([hs, hs], [err1, err2], labels=["前進差分", "中心差分"],
                  xscale="log", yscale="log")

``f`` may work on floats/NumPy arrays (``math``/``numpy``) or on torch tensors.
Bad input raises ``TypeError``/``ValueError`` with a short Japanese message.
"""
from __future__ import annotations

import math
import numbers
import re
import warnings
from collections.abc import Callable, Sequence

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

from . import doctor

FIGSIZE = (4.8, 3.2)  # inches; small enough for a laptop screen and Colab
WIDE_FIGSIZE = (9.0, 3.2)  # two panels side by side
DPI = 100
NUM_POINTS = 400  # samples of a (start, stop) range
MAX_MARKERS = 30  # a long descent path shows at most this many markers

try:
    import matplotlib_fontja  # noqa: F401  (registers IPAexGothic and selects it)
    HAS_JAPANESE_FONT = True
except Exception:  # noqa: BLE001  # pragma: no cover - a broken install reads as "missing"
    HAS_JAPANESE_FONT = False
    print(doctor.missing_font())


def setup() -> None:
    """Apply the course's matplotlib style (called once on import; safe to call again)."""
    matplotlib.rcParams.update({
        "figure.figsize": FIGSIZE,
        "figure.dpi": DPI,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.unicode_minus": True,  # ticks show U+2212 (IPAexGothic has it); labels: minus_signs
        "legend.fontsize": "small",
        "legend.framealpha": 0.8,
    })
    try:  # PNG inline figures: nbval compares no PNG, so figures never break a test
        from IPython import get_ipython
        if get_ipython() is not None and "IPKernelApp" in get_ipython().config:
            from matplotlib_inline.backend_inline import set_matplotlib_formats
            set_matplotlib_formats("png")
    except Exception:  # noqa: BLE001  # pragma: no cover - not inside Jupyter
        pass


setup()


# --- input checking -------------------------------------------------------------

def _is_tensor(obj) -> bool:
    return type(obj).__module__.startswith("torch") and hasattr(obj, "detach")


def _as_float(value, what: str) -> float:
    """``value`` (number, 0-d array or 1-element tensor) as a float."""
    if _is_tensor(value):
        value = value.detach()
        if value.numel() != 1:
            raise ValueError(f"{what} には数を 1 つだけ渡してください "
                             f"(形 {tuple(value.shape)} の Tensor が渡されました)。")
        return float(value.item())
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.ndarray, np.generic)):
        raise TypeError(f"{what} には数を渡してください ({type(value).__name__} が渡されました)。")
    arr = np.asarray(value, dtype=float)
    if arr.size != 1:
        raise ValueError(f"{what} には数を 1 つだけ渡してください。")
    return float(arr.reshape(()))


def _as_array(values, what: str) -> np.ndarray:
    """A 1-D float array from a list, tuple, NumPy array, tensor or list of tensors."""
    if isinstance(values, (str, bytes, dict, set)) or values is None or isinstance(values, numbers.Number):
        raise TypeError(f"{what} には数の並び (リスト、NumPy 配列、Tensor) を渡してください"
                        f" ({type(values).__name__} が渡されました)。")
    if _is_tensor(values):
        arr = values.detach().cpu().double().numpy()
    else:
        try:
            arr = np.array([_as_float(v, what) if _is_tensor(v) else v for v in values], dtype=float)
        except TypeError:
            raise TypeError(f"{what} には数の並び (リスト、NumPy 配列、Tensor) を渡してください"
                            f" ({type(values).__name__} が渡されました)。") from None
        except ValueError:
            raise ValueError(f"{what} に数でないものが入っています。") from None
    if arr.ndim != 1:
        raise ValueError(f"{what} は 1 次元の並びにしてください (形 {arr.shape} が渡されました)。")
    if arr.size == 0:
        raise ValueError(f"{what} が空です。")
    return arr


def _x_values(xs, num: int = NUM_POINTS) -> np.ndarray:
    """``(start, stop)`` -> ``num`` evenly spaced points; a longer sequence is used as is."""
    if isinstance(xs, (range,)):
        xs = list(xs)
    if isinstance(xs, (tuple, list)) and len(xs) == 2:
        lo, hi = (_as_float(v, "範囲 xs") for v in xs)
        if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
            raise ValueError("範囲 xs は (左端, 右端) の順で、左端 < 右端 にしてください "
                             f"({lo:g}, {hi:g} が渡されました)。")
        return np.linspace(lo, hi, num)
    arr = _as_array(xs, "範囲 xs")
    if arr.size < 2 or not np.all(np.isfinite(arr)):
        raise ValueError("範囲 xs には (左端, 右端) か、有限な x の値を 2 つ以上並べたものを渡してください。")
    return arr


def _check_callable(f) -> None:
    if not callable(f):
        raise TypeError(f"f には関数を渡してください ({type(f).__name__} が渡されました)。")


def _name(f) -> str:
    """``f(x)`` with the function's name; mathtext only for one-letter names."""
    name = getattr(f, "__name__", "")
    if not name or name == "<lambda>":
        name = "f"
    return f"${name}(x)$" if re.fullmatch(r"[A-Za-z]", name) else f"{name}(x)"


# --- evaluating f on many x -------------------------------------------------------

def _to_numpy(result, shape) -> np.ndarray:
    if _is_tensor(result):
        result = result.detach().cpu().double().numpy()
    arr = np.asarray(result, dtype=float)
    return np.broadcast_to(arr, shape).astype(float)


def _torch():
    import torch  # imported lazily: plotting NumPy functions needs no torch
    return torch


def evaluate(f: Callable, xs) -> np.ndarray:
    """``f`` at every x of ``xs`` as a float array, whether ``f`` wants NumPy, floats or tensors."""
    _check_callable(f)
    xs = np.asarray(xs, dtype=float)
    attempts = [
        lambda: f(xs),                                        # NumPy-vectorised
        lambda: f(_torch().tensor(xs, dtype=_torch().float64)),  # torch-vectorised
        lambda: np.array([float(_plain(f(float(x)))) for x in xs]),  # math on floats
        lambda: np.array([float(_plain(f(_torch().tensor(float(x), dtype=_torch().float64))))
                          for x in xs]),                     # torch, one scalar at a time
    ]
    errors = []
    for attempt in attempts:
        try:
            with np.errstate(all="ignore"):
                return _to_numpy(attempt(), xs.shape)
        except Exception as e:  # noqa: BLE001 - reported in Japanese below
            errors.append(e)
    # A TypeError usually means "wrong kind of x" (NumPy vs torch); another error is f's own.
    err = next((e for e in errors if not isinstance(e, TypeError)), errors[0])
    raise ValueError(f"関数 {_name(f).strip('$')} を x の値で計算できませんでした "
                     f"({type(err).__name__}: {err})") from None


def _plain(value):
    return value.detach().item() if _is_tensor(value) else value


def _value_at(f: Callable, x0: float) -> float:
    return float(evaluate(f, np.array([x0]))[0])


def derivative_at(f: Callable, x0) -> float:
    """f'(x0): by autograd when ``f`` is built from torch operations, else by a central difference.

    Both are computed: if they disagree, part of ``f`` was not recorded by autograd
    (e.g. ``math.exp`` turned the tensor into a float), so the difference is used.
    """
    _check_callable(f)
    x0 = _as_float(x0, "x0")
    h = 1e-6 * max(1.0, abs(x0))
    difference = (_value_at(f, x0 + h) - _value_at(f, x0 - h)) / (2 * h)
    try:
        torch = _torch()
        x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "converting a tensor to a scalar" from math.*
            y = f(x)
        if _is_tensor(y) and y.requires_grad and y.numel() == 1:
            (grad,) = torch.autograd.grad(y.reshape(()), x)
            exact = float(grad)
            if math.isclose(exact, difference, rel_tol=1e-4, abs_tol=1e-6):
                return exact
    except Exception:  # noqa: BLE001 - f is a NumPy/math function: use the difference
        pass
    return difference


# --- drawing ----------------------------------------------------------------------

def _draw_curve(ax, f, x, label):
    y = evaluate(f, x)
    ax.plot(x, y, color="C0", label=label)
    return y


def _draw_tangent(ax, f, x0, x):
    slope = derivative_at(f, x0)
    y0 = _value_at(f, x0)
    half = (x[-1] - x[0]) / 4
    t = np.array([max(x[0], x0 - half), min(x[-1], x0 + half)])
    ax.plot(t, y0 + slope * (t - x0), "--", color="C3",
            label=f"$x={x0:g}$ での接線 (傾き {slope:.4g})")
    ax.plot([x0], [y0], "o", color="C3")
    return slope


def _finite_path(f, path: np.ndarray):
    """``path`` and f(path), cut before the first inf/nan (a diverging run); the cut index or None."""
    ys = evaluate(f, path)
    bad = ~(np.isfinite(path) & np.isfinite(ys))
    if not bad.any():
        return path, ys, None
    cut = int(np.argmax(bad))
    if cut == 0:
        raise ValueError("path の最初の点で、x か f(x) が数になっていません (inf か nan)。")
    return path[:cut], ys[:cut], cut


def _draw_path(ax, path, ys, diverged_at=None):
    every = max(1, len(path) // MAX_MARKERS)
    if diverged_at is None:
        label = f"勾配降下法の点 ({len(path) - 1} 回更新)"
    else:
        label = f"勾配降下法の点 ({diverged_at} 回目の更新で発散)"
    ax.plot(path, ys, "-o", color="C1", markersize=3, linewidth=1, markevery=every, label=label)
    ax.plot(path[:1], ys[:1], "s", color="C2", markersize=7, label=f"出発点 $x_0={path[0]:.4g}$")
    ax.plot(path[-1:], ys[-1:], "*", color="C3", markersize=11, label=f"最後の点 $x={path[-1]:.4g}$")


_HYPHEN_AS_MINUS = re.compile(r"(?<![\w.)\]}])-(?=\.?\d)")  # "-10", "(-0.5", "= -3"; not "1-4"
_MATHTEXT = re.compile(r"(\$[^$]*\$)")


def minus_signs(text: str) -> str:
    """``text`` with hyphens used as minus signs (before a number) turned into U+2212.

    Tick labels get U+2212 from ``axes.unicode_minus``; labels built with f-strings
    (``f"x0 = {x0:g}"``) would show an ASCII hyphen. Mathtext (``$...$``) already
    draws a real minus, so it is left as is.
    """
    parts = _MATHTEXT.split(text)
    return "".join(part if i % 2 else _HYPHEN_AS_MINUS.sub("\u2212", part)
                   for i, part in enumerate(parts))


def _label_axes(ax, title, xlabel, ylabel, ylim=None):
    if title:
        ax.set_title(minus_signs(title))
    ax.set_xlabel(minus_signs(xlabel))
    ax.set_ylabel(minus_signs(ylabel))
    if ylim is not None:
        ax.set_ylim(*ylim)
    for line in ax.get_lines():  # legend labels, e.g. "x0 = -10" or the tangent's slope
        line.set_label(minus_signs(str(line.get_label())))
    if ax.get_legend_handles_labels()[0]:
        ax.legend()


def _show(fig) -> None:
    # No tight_layout (a whole extra draw): the inline backend already saves with
    # bbox_inches="tight", and two-panel figures get their spacing from wspace.
    plt.show()


def _range_around(path: np.ndarray, margin: float = 0.25):
    lo, hi = float(path.min()), float(path.max())
    pad = max((hi - lo) * margin, 1.0)
    return (lo - pad, hi + pad)


def plot_function(f: Callable, xs=(-3, 3), *, tangent_at=None, path=None, title=None,
                  xlabel="$x$", ylabel=None, label=None, ylim=None, num: int = NUM_POINTS) -> None:
    """Draw ``f`` over ``xs``; optionally its tangent at ``tangent_at`` and a descent ``path``.

    ``xs`` is ``(start, stop)`` or a sequence of x values. ``path`` is a sequence of x
    values (floats or tensors) visited by gradient descent.
    """
    _check_callable(f)
    x = _x_values(xs, num)
    pts = None if path is None else _as_array(path, "path")
    x0 = None if tangent_at is None else _as_float(tangent_at, "tangent_at")
    fig, ax = plt.subplots()
    _draw_curve(ax, f, x, label or _name(f))
    if x0 is not None:
        _draw_tangent(ax, f, x0, x)
    if pts is not None:
        _draw_path(ax, *_finite_path(f, pts))
    _label_axes(ax, title, xlabel, ylabel or _name(f), ylim)
    _show(fig)


def plot_descent(f: Callable, path, xs=None, *, title=None, xlabel="$x$", ylabel=None,
                 ylim=None, values_panel: bool = True) -> None:
    """Draw a gradient-descent trajectory on the graph of ``f``.

    With ``values_panel`` a second panel shows f(x_k) against the step k, which
    makes a plateau (many steps, little progress) visible. ``xs`` defaults to a
    range a little wider than the path. A diverging path (inf/nan) is drawn up to
    its last finite point and labelled as diverged.
    """
    _check_callable(f)
    pts, ys, diverged_at = _finite_path(f, _as_array(path, "path"))
    x = _x_values(_range_around(pts) if xs is None else xs)
    name = _name(f)
    if values_panel:
        fig, (ax, ax2) = plt.subplots(1, 2, figsize=WIDE_FIGSIZE, gridspec_kw={"wspace": 0.3})
    else:
        fig, ax = plt.subplots()
    _draw_curve(ax, f, x, name)
    _draw_path(ax, pts, ys, diverged_at)
    _label_axes(ax, title, xlabel, ylabel or name, ylim)
    if values_panel:
        ax2.plot(np.arange(len(pts)), ys, color="C1")
        _label_axes(ax2, "更新回数と関数の値", "更新回数 $k$", name.replace("(x)", "(x_k)"))
    _show(fig)


def _series(values, what: str) -> list[np.ndarray]:
    """One series or a list of series, as a list of 1-D arrays."""
    if isinstance(values, (list, tuple)) and values and not isinstance(values[0], numbers.Number) \
            and not (_is_tensor(values[0]) and values[0].dim() == 0):
        return [_as_array(v, what) for v in values]
    return [_as_array(values, what)]


def plot(xs, ys, *, labels: Sequence[str] | None = None, title=None, xlabel=None, ylabel=None,
         xscale="linear", yscale="linear", fmts=None, xlim=None, ylim=None) -> None:
    """Several curves in one figure with a legend (in the spirit of d2l's ``plot``).

    ``ys`` is one series or a list of series; ``xs`` is one x series shared by all
    or one per series. On a log scale, values <= 0 are left out (they have no place
    on a log axis).
    """
    y_list = _series(ys, "ys")
    x_list = _series(xs, "xs")
    if len(x_list) == 1:
        x_list = x_list * len(y_list)
    if len(x_list) != len(y_list):
        raise ValueError(f"xs の本数 ({len(x_list)}) と ys の本数 ({len(y_list)}) が合いません。")
    for i, (x, y) in enumerate(zip(x_list, y_list)):
        if x.shape != y.shape:
            raise ValueError(f"{i + 1} 本目の xs と ys の長さが違います ({x.size} と {y.size})。")
    if labels is not None:
        if isinstance(labels, str) or len(labels) != len(y_list):
            raise ValueError(f"labels には系列の数 ({len(y_list)}) だけ名前を並べてください。")
    for scale, what in ((xscale, "xscale"), (yscale, "yscale")):
        if scale not in ("linear", "log"):
            raise ValueError(f"{what} は 'linear' か 'log' にしてください ({scale!r} が渡されました)。")
    fmts = list(fmts) if fmts else ["-", "--", "-.", ":", "-o", "-s"]
    for x, y in zip(x_list, y_list):
        for scale, arr, what in ((xscale, x, "xs"), (yscale, y, "ys")):
            if scale == "log" and not np.any(arr > 0):
                raise ValueError(f"対数目盛の {what} に正の値が 1 つもありません。")
    fig, ax = plt.subplots()
    for i, (x, y) in enumerate(zip(x_list, y_list)):
        keep = np.isfinite(x) & np.isfinite(y)  # inf/nan (a diverging run) leave the curve
        if xscale == "log":
            keep &= x > 0
        if yscale == "log":
            keep &= y > 0
        ax.plot(x[keep], y[keep], fmts[i % len(fmts)], label=None if labels is None else labels[i])
    ax.set_xscale(xscale)
    ax.set_yscale(yscale)
    if xlim is not None:
        ax.set_xlim(*xlim)
    _label_axes(ax, title, xlabel or "", ylabel or "", ylim)
    _show(fig)


def plot_loglog(xs, ys, **kwargs) -> None:
    """``plot`` with both axes logarithmic (e.g. error against step size h)."""
    plot(xs, ys, xscale="log", yscale="log", **kwargs)
