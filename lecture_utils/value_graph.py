"""Pictures and text of the teaching engine's computational graphs (``autodiff.Value``).

    to_dot(y)            the graph as Graphviz DOT text (no Graphviz needed)
    text_tree(y)         the graph as an indented text tree, output first
    draw(y)              a PNG picture in Jupyter: the text tree without Graphviz, and a
                         summary when the graph has more than dot.MAX_NODES nodes
    explain_backward(y)  y.backward(), with one Japanese line per step of the chain rule

Value nodes are named n0, n1, ... in topological order (inputs first). Labels in
pictures stay ASCII: Graphviz may have no Japanese font.
"""
from __future__ import annotations

from . import dot
from .autodiff import topological_order
from .validate import checked


def _fmt(x: float) -> str:
    s = f"{x:.4f}"
    return "0.0000" if s == "-0.0000" else s


def _fields(node) -> list:
    """['x', 'data 3.0000', 'grad 10.0000'] (the label only when there is one)."""
    fields = [node.label] if node.label else []
    return fields + [f"data {_fmt(node.data)}", f"grad {_fmt(node.grad)}"]


def _inputs(node):
    return node._prev


def _operation(node):
    return node._op if node._prev else None


def _describer(order):
    """'n4 [**2] z | data 25.0000 | grad 1.0000': a node's line in the text tree."""
    names = {node: f"n{i}" for i, node in enumerate(order)}

    def describe(node) -> str:
        op = f"[{node._op}] " if node._prev else ""
        return f"{names[node]} {op}" + " | ".join(_fields(node))

    return describe


def _dot_escape(text: str) -> str:
    for ch in '\\{}|<>"':
        text = text.replace(ch, "\\" + ch)
    return text


@checked
def to_dot(y, rankdir="LR") -> str:
    """The graph of ``y`` as Graphviz DOT text.

    Value nodes show 'label | data | grad'; each operation is an ellipse 'nK_op'.
    ``rankdir="LR"`` draws from left to right, ``"TB"`` from top to bottom
    (narrower for wide graphs such as Goldstein-Price's).
    """
    order = topological_order(y)
    number = {node: i for i, node in enumerate(order)}
    lines = ["digraph G {", f"  rankdir={rankdir};", '  node [fontname="Helvetica", fontsize=11];']
    for node, i in number.items():
        fields = " | ".join(_dot_escape(f) for f in _fields(node))
        lines.append(f'  n{i} [shape=record, label="{{ {fields} }}"];')
        if node._prev:
            lines.append(f'  n{i}_op [shape=ellipse, label="{_dot_escape(node._op)}"];')
            lines.append(f"  n{i}_op -> n{i};")
            lines.extend(f"  n{number[child]} -> n{i}_op;" for child in node._prev)
    lines.append("}")
    return "\n".join(lines) + "\n"


@checked
def text_tree(y, max_lines=200) -> str:
    """The graph of ``y`` as an indented tree, output at the top.

    Lines read 'n4 [**2] z | data 25.0000 | grad 1.0000' with the DOT names; a node
    reached a second time is marked (上と同じ) and not drawn again.
    """
    return dot.text_tree(y, _inputs, _describer(topological_order(y)), max_lines)


@checked
def draw(y, rankdir="LR"):
    """A picture of the graph of ``y`` (PNG via Graphviz), its text tree, or a summary.

    ``rankdir="TB"`` lays the graph out from top to bottom. ``draw(y).save("graph.png")``
    writes the full-size picture, to open and zoom in from the file browser.
    """
    order = topological_order(y)
    describe = _describer(order)
    if len(order) > dot.MAX_NODES:
        return dot.summarize(y, _inputs, describe, _operation)
    return dot.show(to_dot(y, rankdir), lambda: dot.text_tree(y, _inputs, describe), len(order))


@checked
def explain_backward(y) -> str:
    """Run ``y.backward()`` and return its steps as Japanese text.

    One line per edge: local derivative x the gradient of the node it leads from, and
    the running gradient of its input. The numbers are those backward() used: each
    node's final gradient, and running sums that start where backward() starts.
    """
    order = topological_order(y)
    names = {node: node.label or f"n{i}" for i, node in enumerate(order)}
    running = {node: 0.0 if node._prev else node.grad for node in order}   # leaves keep their gradient
    y.backward()
    running[y] += 1.0
    lines = [f"{names[y]}: 出力なので勾配 {_fmt(y.grad)} から始めます"]
    for node in reversed(order):
        for child, local in zip(node._prev, node._local_grads):
            running[child] += local * node.grad
            lines.append(f"{names[node]} [{node._op}] → {names[child]}: "
                         f"局所微分 {_fmt(local)} × 勾配 {_fmt(node.grad)} = {_fmt(local * node.grad)}"
                         f" (いまの {names[child]}.grad = {_fmt(running[child])})")
    return "\n".join(lines)
