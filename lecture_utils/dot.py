"""Turn Graphviz DOT text into a picture for the notebook, or a readable text tree.

Both the torch-graph helper (``graphs``) and the teaching engine (``autodiff``)
produce DOT text and a text tree; this module decides which one the student sees.
Pictures are PNG, so nbval compares only their stable text form.
"""
from __future__ import annotations

from . import doctor


class GraphPicture:
    """A rendered graph: shows as PNG in Jupyter, as a short stable line in text."""

    def __init__(self, png: bytes, source: str, n_nodes: int):
        self.png = png
        self.source = source
        self.n_nodes = n_nodes

    def _repr_png_(self) -> bytes:
        return self.png

    def __repr__(self) -> str:
        return f"<計算グラフ: ノード {self.n_nodes} 個>"


class TextGraph:
    """The fallback when Graphviz cannot draw: the graph as an indented text tree."""

    def __init__(self, tree: str, source: str, reason: str):
        self.tree = tree
        self.source = source
        self.reason = reason

    def __repr__(self) -> str:
        return f"{self.tree}\n\n{self.reason}"


def render_png(source: str) -> bytes | None:
    """PNG bytes of DOT ``source``, or None when Graphviz is not usable here."""
    if not doctor.has_dot():
        return None
    try:
        import graphviz
    except ImportError:
        return None
    try:
        return graphviz.Source(source).pipe(format="png")
    except (graphviz.ExecutableNotFound, graphviz.CalledProcessError):
        return None


def show(source: str, tree: str, n_nodes: int) -> GraphPicture | TextGraph:
    """The picture of ``source`` if Graphviz can draw it, else ``tree`` with a hint."""
    png = render_png(source)
    if png is None:
        return TextGraph(tree, source, doctor.MISSING_DOT)
    return GraphPicture(png, source, n_nodes)
