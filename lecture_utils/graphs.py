"""PyTorch's computational graph, drawn by torchviz, or as a text tree of ``grad_fn``.

    from lecture_utils import graphs
    x = torch.tensor([1., 2., 3.], requires_grad=True)
    y = torch.sin(torch.sum(x) + 2)
    graphs.show_graph(y, {"x": x})   # a PNG picture in Jupyter
    print(graphs.grad_fn_tree(y, {"x": x}))

``show_graph`` uses torchviz's ``make_dot`` and renames its ``id()``-based node
names to ``n0, n1, ...`` in drawing order, so no memory address reaches any
output. Without Graphviz (``lecture_utils.dot``) or when torchviz cannot be
imported (Python 3.12+ without setuptools), it returns the text tree with a
Japanese hint instead. Graphviz labels stay ASCII (no CJK font is assumed).
"""
from __future__ import annotations

import re
import warnings

from . import doctor, dot, validate

TORCHVIZ_MISSING = """\
[autodiff-lecture] torchviz を読み込めなかったため、計算グラフを図の代わりに文字の木で表示しています ({error})。
Python 3.12 以降では、torchviz が使う distutils は setuptools に入っています。
{advice}"""

SAVED_FREED = ("show_saved=True は backward() を呼ぶ前に使ってください。backward() のあとでは、"
               "途中の値 (saved tensors) がメモリから解放されていて表示できません。")

OUTPUT_NAME = "output"  # the label of the drawn tensor when params does not name it

_NODE = re.compile(r"^\t(\d+) (?=\[)")
_EDGE = re.compile(r"^\t(\d+) -> (\d+)(?=[ \n]|$)")


# --- checking input ---------------------------------------------------------------

def _torch():
    import torch
    return torch


def _check_tensor(tensor) -> None:
    torch = _torch()
    if not isinstance(tensor, torch.Tensor):
        raise TypeError("計算グラフを描くには torch.Tensor を渡してください "
                        f"({type(tensor).__name__} が渡されました)。")
    if tensor.grad_fn is None:
        if tensor.requires_grad:
            raise ValueError("この Tensor は自分で作った変数 (葉) で、計算の結果ではありません (grad_fn が None)。"
                             "これを使って計算した結果 (例: y = x ** 2) を渡してください。")
        raise ValueError("この Tensor には計算の記録がありません (requires_grad=False)。"
                         "requires_grad=True の Tensor から計算した結果を渡してください。")


def _check_params(params) -> dict:
    if params is None:
        return {}
    torch = _torch()
    if not isinstance(params, dict):
        raise TypeError("params には {'x': x} のような辞書を渡してください "
                        f"({type(params).__name__} が渡されました)。")
    for name, value in params.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"params の名前は文字列にしてください ({name!r} が渡されました)。")
        if not name.isascii():
            raise ValueError(f"params の名前 {name!r} は英数字 (ASCII) にしてください。"
                             "Graphviz には日本語フォントがないことが多く、図で文字化けするためです。")
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"params[{name!r}] は torch.Tensor にしてください "
                            f"({type(value).__name__} が渡されました)。")
    return dict(params)


def _size(t) -> str:
    """The size as torchviz writes it: ``()``, ``(3)``, ``(2, 3)``."""
    return "(" + ", ".join(str(int(v)) for v in t.size()) + ")"


# --- the graph as nodes: the output tensor, then its grad_fn nodes ------------------------

def _graph(tensor, params: dict):
    """(inputs, describe, operation) of the graph behind ``tensor``, for the dot module.

    The output tensor is the root; below it come the ``grad_fn`` nodes. A leaf's
    ``AccumulateGrad`` shows the tensor's name from ``params`` and its size.
    """
    names = {id(v): k for k, v in params.items()}

    def inputs(node) -> list:
        if node is tensor:
            return [tensor.grad_fn]
        return [fn for fn, _ in getattr(node, "next_functions", ()) if fn is not None]

    def describe(node) -> str:
        if node is tensor:
            return f"{names.get(id(tensor), '出力')} {_size(tensor)}"
        text = type(node).__name__
        var = getattr(node, "variable", None)
        if var is not None:
            text += f" <- {names.get(id(var), '葉')} {_size(var)}"
        return text

    def operation(node):
        if node is tensor or hasattr(node, "variable"):
            return None                        # the output itself, a leaf's AccumulateGrad
        return type(node).__name__

    return inputs, describe, operation


def _boxes(tensor, inputs) -> int:
    """How many boxes torchviz draws: each grad_fn, a leaf tensor beside each AccumulateGrad, the output."""
    fns = dot.nodes_below(tensor, inputs)[1:]
    return len(fns) + sum(hasattr(fn, "variable") for fn in fns) + 1


def grad_fn_tree(tensor, params: dict | None = None) -> str:
    """The graph behind ``tensor`` as an indented text tree of its ``grad_fn`` nodes.

    Leaves (``AccumulateGrad``) show the tensor's name from ``params`` and its size.
    A node reached a second time is marked (上と同じ) and not drawn again.
    """
    _check_tensor(tensor)
    inputs, describe, _ = _graph(tensor, _check_params(params))
    return dot.text_tree(tensor, inputs, describe)


# --- DOT through torchviz ---------------------------------------------------------

def _import_make_dot():
    """torchviz's ``make_dot``, or the import error (torchviz 0.0.3 needs distutils)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # distutils' DeprecationWarning on import
            from torchviz import make_dot
    except Exception as e:  # noqa: BLE001 - ImportError, or distutils missing on 3.12+
        return None, e
    return make_dot, None


def _torchviz_missing(error: Exception) -> str:
    return TORCHVIZ_MISSING.format(error=f"{type(error).__name__}: {error}",
                                   advice=doctor.install_advice("setuptools", "torchviz"))


def stable_names(source: str) -> tuple[str, int]:
    """Rename DOT node ids to n0, n1, ... in order of first appearance; return (source, nodes)."""
    mapping: dict[str, str] = {}

    def name(node_id: str) -> str:
        if node_id not in mapping:
            mapping[node_id] = f"n{len(mapping)}"
        return mapping[node_id]

    out = []
    for line in source.splitlines(keepends=True):
        m = _EDGE.match(line)
        if m:
            line = f"\t{name(m.group(1))} -> {name(m.group(2))}" + line[m.end():]
        else:
            m = _NODE.match(line)
            if m:
                line = f"\t{name(m.group(1))} " + line[m.end():]
        out.append(line)
    return "".join(out), len(mapping)


def graph_source(tensor, params: dict | None = None, show_saved: bool = False, rankdir: str = "TB") -> str:
    """DOT text of ``tensor``'s graph drawn by torchviz, with stable node names."""
    _check_tensor(tensor)
    params = _check_params(params)
    rankdir = validate.CHECKS["rankdir"](rankdir, "graph_source")
    make_dot, error = _import_make_dot()
    if make_dot is None:
        raise ImportError(_torchviz_missing(error))
    return _dot_source(make_dot, tensor, params, show_saved, rankdir)[0]


def _dot_source(make_dot, tensor, params: dict, show_saved: bool, rankdir: str) -> tuple[str, int]:
    if not any(v is tensor for v in params.values()):
        params = {**params, OUTPUT_NAME: tensor}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torchviz's LooseVersion DeprecationWarning
            digraph = make_dot(tensor, params=params, show_saved=show_saved)
    except RuntimeError as e:
        if show_saved and "freed" in str(e):
            raise ValueError(SAVED_FREED) from None
        raise
    digraph.graph_attr["rankdir"] = rankdir
    return stable_names(digraph.source)


def show_graph(tensor, params: dict | None = None, show_saved: bool = False, rankdir: str = "TB"):
    """Draw the computational graph behind ``tensor`` (a PNG picture in Jupyter).

    ``params`` names leaf tensors, e.g. ``{"x": x}``; names must be ASCII. Falls back
    to :func:`grad_fn_tree` text with a Japanese hint when torchviz or Graphviz is
    missing, and shows a summary instead of a picture when the graph has more than
    ``dot.MAX_NODES`` boxes. ``show_saved=True`` also draws saved tensors (only before
    ``backward()``). ``rankdir="TB"`` (torchviz's layout) draws inputs at the top, ``"LR"``
    from left to right.
    """
    _check_tensor(tensor)
    params = _check_params(params)
    rankdir = validate.CHECKS["rankdir"](rankdir, "show_graph")
    inputs, describe, operation = _graph(tensor, params)
    boxes = _boxes(tensor, inputs)
    if boxes > dot.MAX_NODES:
        return dot.summarize(tensor, inputs, describe, operation, n_nodes=boxes)

    def tree() -> str:
        return dot.text_tree(tensor, inputs, describe)

    make_dot, error = _import_make_dot()
    if make_dot is None:
        return dot.TextGraph(tree(), _torchviz_missing(error))
    source, n_nodes = _dot_source(make_dot, tensor, params, show_saved, rankdir)
    return dot.show(source, tree, n_nodes)
