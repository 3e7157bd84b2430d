"""Figures for the teaching engine lecture_utils.autodiff (a script that prints tables; not a test).

    .venv/bin/python benchmarks/bench_autodiff.py [--quick]

0. Lines of the engine's modules (the reverse-mode core, autodiff.py, is read top to bottom).
1. backward() on an expression graph of about 100 000 nodes, against micrograd 0.1.0
   and DeZero 0.0.13 from PyPI. Both are installed by this script only, with
   ``pip install --target benchmarks/.cache/...`` (git-ignored), never into .venv.
2. The cost of a gradient of f: R^n -> R for n = 1 ... 1000: numerical (forward
   difference), forward mode (Dual) and reverse mode (Value), in evaluations of f
   and in time relative to one evaluation of f on floats.
3. Drawing graphs: what draw / show_graph return for large or deep graphs and how long
   they take, and the picture size of notebook 5's Goldstein-Price graph.

Timings are the best of a few runs with the garbage collector paused; they vary
from machine to machine, the ratios much less.
"""
from __future__ import annotations

import functools
import gc
import importlib
import math
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lecture_utils import autodiff as ad  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache"
QUICK = "--quick" in sys.argv


# ---------------------------------------------------------------------------
# Other engines, installed for the benchmark only
# ---------------------------------------------------------------------------

def install(package: str, version: str, module: str):
    """Import ``module`` from benchmarks/.cache, pip-installing it there first if needed."""
    target = CACHE / f"{package}-{version}"
    if not (target / module).exists():
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        "--no-deps", "--target", str(target), f"{package}=={version}"],
                       capture_output=True, text=True)
    if not (target / module).exists():
        return None, f"{package} {version} をインストールできませんでした"
    sys.path.insert(0, str(target))
    return target, ""


def load_micrograd():
    where, why = install("micrograd", "0.1.0", "micrograd")
    if where is None:
        return None, why
    return importlib.import_module("micrograd.engine").Value, ""


def load_dezero():
    where, why = install("dezero", "0.0.13", "dezero")
    if where is None:
        return None, why
    import numpy as np
    # DeZero 0.0.13 uses np.int, removed in NumPy 2.0: a shim for its import only.
    had_int = hasattr(np, "int")
    np.int = int
    try:
        dezero = importlib.import_module("dezero")
    except Exception as e:  # noqa: BLE001 - report any import failure as a row
        return None, f"DeZero を import できませんでした: {type(e).__name__}"
    finally:
        if not had_int:
            del np.int
    return (lambda x: dezero.Variable(np.array(x))), ""


# ---------------------------------------------------------------------------
# The same graphs, built by each engine from its own leaf constructor
# ---------------------------------------------------------------------------

def wide_graph(leaf, n_leaves):
    """sum_i (x_i * x_{i+1} + 0.5) ** 2, summed as a balanced tree (shallow: depth ~ log n)."""
    xs = [leaf(0.001 * (i % 1000)) for i in range(n_leaves)]
    terms = [(xs[i] * xs[(i + 1) % n_leaves] + 0.5) ** 2 for i in range(n_leaves)]
    while len(terms) > 1:
        pairs = [terms[i] + terms[i + 1] for i in range(0, len(terms) - 1, 2)]
        terms = pairs + ([terms[-1]] if len(terms) % 2 else [])
    return xs, terms[0]


def chain_graph(leaf, steps):
    """y <- y * 0.5 + 0.5, ``steps`` times: a chain as deep as the graph is large."""
    x = leaf(0.3)
    y = x
    for _ in range(steps):
        y = y * 0.5 + 0.5
    return [x], y


def time_backward(build, repeats):
    """Best times of (``y.backward()``, building the graph + backward) over fresh graphs.

    The garbage collector is paused while timing.
    """
    best_backward = best_total = math.inf
    for _ in range(repeats):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            xs, y = build()
            middle = time.perf_counter()
            y.backward()
            end = time.perf_counter()
        finally:
            gc.enable()
        best_backward = min(best_backward, end - middle)
        best_total = min(best_total, end - start)
        del xs, y
    return best_backward, best_total


def node_count(y) -> int:
    return len(ad.topological_order(y))


def backward_table():
    n_leaves = 2_000 if QUICK else 16_667
    steps = 2_500 if QUICK else 25_000
    repeats = 3 if QUICK else 5
    micro_value, micro_why = load_micrograd()
    dezero_leaf, dezero_why = load_dezero()

    wide_nodes = node_count(wide_graph(ad.Value, n_leaves)[1])
    chain_nodes = node_count(chain_graph(ad.Value, steps)[1])
    print(f"## 1. backward() の時間 (各 {repeats} 回の最短、GC 停止中)")
    depth = math.ceil(math.log2(n_leaves)) + 4
    print(f"  wide : sum_i (x_i * x_(i+1) + 0.5)**2 を二分木で合計  ノード {wide_nodes:,} 個 (深さ約 {depth})")
    print(f"  chain: y = y * 0.5 + 0.5 を {steps:,} 回               "
          f"ノード {chain_nodes:,} 個 (深さ {chain_nodes - 1:,})")
    print()
    print(f"  {'':<28}{'backward() だけ':^36}{'グラフ作成 + backward()':^26}")
    print(f"  {'エンジン':<28}{'wide (s)':>10}{'比':>7}{'chain (s)':>11}{'比':>7}{'wide (s)':>11}{'比':>7}")
    ours_wide, ours_wide_total = time_backward(lambda: wide_graph(ad.Value, n_leaves), repeats)
    ours_chain, _ = time_backward(lambda: chain_graph(ad.Value, steps), repeats)

    def row(name, wide, chain, wide_total, ours=(ours_wide, ours_chain, ours_wide_total)):
        cells = "".join(f"{t:>{w}.4f}{o / t:>7.3f}" for t, o, w in zip((wide, chain, wide_total), ours, (10, 11, 11)))
        print(f"  {name:<28}{cells}")

    row("lecture_utils.autodiff", ours_wide, ours_chain, ours_wide_total)

    notes = []
    if micro_value is None:
        print(f"  {'micrograd 0.1.0':<28}  ({micro_why})")
    else:
        mg_wide, mg_wide_total = time_backward(lambda: wide_graph(micro_value, n_leaves), repeats)
        # micrograd sorts the graph recursively: a deep chain needs a higher limit.
        old = sys.getrecursionlimit()
        try:
            chain_graph(micro_value, 10_000)[1].backward()   # 20 000 deep
            at_default = "動きました"
        except RecursionError:
            at_default = "RecursionError"
        sys.setrecursionlimit(max(old, 4 * chain_nodes + 1000))
        try:
            mg_chain, _ = time_backward(lambda: chain_graph(micro_value, steps), repeats)
        finally:
            sys.setrecursionlimit(old)
        row("micrograd 0.1.0", mg_wide, mg_chain, mg_wide_total)
        notes.append(f"micrograd の chain は再帰の上限を {old} から {4 * chain_nodes + 1000:,} に上げて計測"
                     f" (上限 {old} のまま深さ 20 000 では: {at_default})。")
    if dezero_leaf is None:
        print(f"  {'DeZero 0.0.13':<28}  ({dezero_why})")
    else:
        # DeZero re-sorts its list of pending functions at every step: on the wide graph
        # that list holds ~n/2 functions, so it is timed on a smaller wide graph.
        dz_leaves = max(1, n_leaves // 8)
        dz_wide, dz_wide_total = time_backward(lambda: wide_graph(dezero_leaf, dz_leaves), 1)
        ours_small, ours_small_total = time_backward(lambda: wide_graph(ad.Value, dz_leaves), repeats)
        dz_chain, _ = time_backward(lambda: chain_graph(dezero_leaf, steps), 1)
        row("DeZero 0.0.13 (NumPy)", dz_wide, dz_chain, dz_wide_total,
            ours=(ours_small, ours_chain, ours_small_total))
        small_nodes = node_count(wide_graph(ad.Value, dz_leaves)[1])
        notes.append(f"DeZero の wide は 1/8 の大きさ (ノード {small_nodes:,} 個) で計測し、"
                     f"同じ大きさの autodiff ({ours_small:.4f} s) と比べています。1 回だけ計測。")
        notes.append("DeZero 0.0.13 は NumPy 2 で消えた np.int を使うので、"
                     "import の間だけ np.int = int を補っています。")
    print()
    print("  比 = autodiff の時間 / そのエンジンの時間 (1.0 以下なら autodiff が同じか速い)")
    for note in notes:
        print("  " + note)
    print()


# ---------------------------------------------------------------------------
# The cost of a gradient of f: R^n -> R
# ---------------------------------------------------------------------------

def f(v):
    """sum_i sin(x_i) * x_(i+1): one line for floats, Duals and Values alike."""
    n = len(v)
    total = 0.0
    for i in range(n):
        total = total + ad.sin(v[i]) * v[(i + 1) % n]
    return total


def best_time(action, budget=0.3, at_least=3):
    """Best time of ``action()``, repeated while time is left in ``budget`` seconds."""
    best, spent, runs = math.inf, 0.0, 0
    while runs < at_least or spent < budget:
        gc.disable()
        try:
            start = time.perf_counter()
            result = action()
            took = time.perf_counter() - start
        finally:
            gc.enable()
        best, spent, runs = min(best, took), spent + took, runs + 1
        if took > budget:
            break
    return best, result


def cost_table():
    sizes = [1, 10, 100, 1000] if not QUICK else [1, 10, 100]
    methods = [
        ("数値微分 (前進差分)", lambda xs: ad.numerical_gradient(f, xs, h=1e-6, method="forward")),
        ("forward モード (Dual)", lambda xs: ad.forward_gradient(f, xs)),
        ("reverse モード (Value)", lambda xs: ad.reverse_gradient(f, xs)),
    ]
    print("## 2. 勾配 1 回のコスト  f(x) = sum_i sin(x_i) x_(i+1),  x は n 次元")
    print("   f 評価回数 = f を呼んだ回数、f 比 = 勾配の時間 / float での f 1 回の時間")
    print()
    header = f"  {'n':>5}{'f (s)':>11}"
    for name, _ in methods:
        header += f" | {name:<20}"
    print(header)
    print(f"  {'':>16}" + "".join(f" | {'回数':>4}{'時間 (s)':>9}{'f 比':>7}" for _ in methods))
    t_fs = {}
    relative = {name: {} for name, _ in methods}
    raw = {name: {} for name, _ in methods}
    for n in sizes:
        xs = [0.01 * (i + 1) for i in range(n)]
        t_f, _ = best_time(lambda xs=xs: f(xs))
        t_fs[n] = t_f
        row = f"  {n:>5}{t_f:>11.2e}"
        exact = ad.reverse_gradient(f, xs).grad
        for name, method in methods:
            t, result = best_time(lambda method=method, xs=xs: method(xs))
            err = max(abs(a - b) for a, b in zip(result.grad, exact))
            assert err < 1e-3, (name, n, err)   # all three compute the same gradient
            relative[name][n], raw[name][n] = t / t_f, t
            row += f" | {result.evaluations:>4}{t:>10.2e}{t / t_f:>7.0f}"
        print(row)
    lo, hi = sizes[0], sizes[-1]
    print()
    print(f"  n = {hi} と n = {lo} の比較:")
    for name, _ in methods:
        print(f"    {name:<22} f 比の比 {relative[name][hi] / relative[name][lo]:>8.1f}"
              f"   時間の比 {raw[name][hi] / raw[name][lo]:>10.1f}")
    print(f"  (f そのものが n に比例して重くなり、float での f 1 回の時間も {t_fs[hi] / t_fs[lo]:.0f} 倍になるので、")
    print("   時間の比にはそれが掛かっています。")
    print("   勾配法どうしの比較は「f 比」= f 何回分か、で見ます。)")
    print()


# ---------------------------------------------------------------------------
# Lines of the engine's modules
# ---------------------------------------------------------------------------

ENGINE_MODULES = [
    ("autodiff.py", "reverse モードの中心 (Value, backward, topological_order, 規則)"),
    ("forward_mode.py", "forward モード (Dual)"),
    ("numerical.py", "数値微分"),
    ("value_graph.py", "エンジンの計算グラフの図・文字の木"),
    ("validate.py", "入力のチェック"),
]


def lines_table():
    print("## 0. エンジンのモジュールの行数")
    for name, job in ENGINE_MODULES:
        lines = len((ROOT / "lecture_utils" / name).read_text(encoding="utf-8").splitlines())
        print(f"  {name:<17}{lines:>5} 行  {job}")
    print()


# ---------------------------------------------------------------------------
# Drawing graphs
# ---------------------------------------------------------------------------

def goldstein_price(x, y):
    return ((1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x ** 2 - 14 * y + 6 * x * y + 3 * y ** 2))
            * (30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x ** 2 + 48 * y - 36 * x * y + 27 * y ** 2)))


def png_size(png: bytes) -> str:
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    return f"{width} x {height} px"


def drawing_table():
    import torch

    from lecture_utils import dot, graphs

    def products(n):
        """x * x * ... * x with n products and x shared: a graph as deep as it is large."""
        x = torch.tensor(1.0, requires_grad=True)
        return functools.reduce(lambda y, _: y * x, range(n), x)

    def timed(action):
        start = time.perf_counter()
        shown = action()
        return shown, time.perf_counter() - start

    print("## 3. 計算グラフを描く")
    print(f"  図にするのはノード {dot.MAX_NODES} 個まで、Graphviz を待つのは {dot.DOT_SECONDS} 秒まで")
    cases = [("show_graph: x * x * ... (10,000 回)", lambda: graphs.show_graph(products(10_000))),
             ("show_graph: x * x * ... (2,000 回)", lambda: graphs.show_graph(products(2_000))),
             ("grad_fn_tree: x * x * ... (2,000 回)", lambda: graphs.grad_fn_tree(products(2_000))),
             ("show_graph: x * x * ... (100 回)", lambda: graphs.show_graph(products(100)))]
    x, y = ad.Value(0.0, label="x"), ad.Value(-1.0, label="y")
    z = goldstein_price(x, y)
    z.label = "z"
    cases += [(f"draw: Goldstein-Price, rankdir={rankdir}", lambda rankdir=rankdir: ad.draw(z, rankdir=rankdir))
              for rankdir in ("LR", "TB")]
    for name, action in cases:
        shown, seconds = timed(action)
        if isinstance(shown, dot.GraphPicture):
            what = f"図 {png_size(shown.png)}"
        elif isinstance(shown, dot.TextGraph):
            what = "文字の木 (" + ("時間切れ" if shown.reason.startswith(dot.TOO_SLOW[:30]) else "Graphviz なし") + ")"
        elif isinstance(shown, dot.GraphSummary):
            what = f"概要 (ノード {shown.n_nodes:,} 個)"
        else:
            what = f"文字の木 {len(shown.splitlines())} 行"
        print(f"  {name:<40}{seconds:>7.2f} s  {what}")
    print()


def main():
    print(f"Python {sys.version.split()[0]}  lecture_utils.autodiff  {'(--quick)' if QUICK else ''}")
    print()
    lines_table()
    backward_table()
    cost_table()
    drawing_table()


if __name__ == "__main__":
    main()
