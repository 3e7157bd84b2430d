"""What the student sees of a computational graph: a picture, a text tree, or a summary.

Both the PyTorch graphs (``graphs``) and the teaching engine's graphs (``value_graph``)
come here, so they are drawn the same way:

  * ``show``       a PNG picture through Graphviz, or the text tree with a hint when
                   Graphviz is missing or takes longer than DOT_SECONDS (pictures are
                   PNG, so nbval compares only their stable text form);
  * ``text_tree``  the one text renderer: an indented tree, output first, without recursion;
  * ``summarize``  instead of a picture when a graph has more than MAX_NODES nodes, which
                   Graphviz would take long to lay out and nobody could read.

A graph is given as its output node plus two functions: ``inputs(node)`` (the nodes it was
computed from) and ``describe(node)`` (its one-line text).
"""
from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from . import doctor

MAX_NODES = 400          # more nodes: a summary instead of a picture
DOT_SECONDS = 10         # Graphviz gets this long to draw; then the text tree is shown
TREE_DEPTH = 30          # the text tree stops this many levels below the output
SUMMARY_LINES = 12       # lines of the text tree a summary shows
SAME_AS_ABOVE = "(上と同じ)"

TOO_SLOW = ("[autodiff-lecture] Graphviz が {seconds} 秒では図を描き終わらなかったので、"
            "代わりに文字の木を表示しています。\n"
            "同じノードにたくさんの矢印が集まるグラフは、ノードが少なくても描くのに時間がかかります。")


class GraphPicture:
    """A rendered graph: PNG in Jupyter, a short stable line as text.

    Jupyter fits a wide picture to the cell; ``save`` writes it at full size.
    """

    def __init__(self, png: bytes, source: str, n_nodes: int):
        self.png, self.source, self.n_nodes = png, source, n_nodes

    def _repr_png_(self) -> bytes:
        return self.png

    def __repr__(self) -> str:
        return f"<計算グラフ: ノード {self.n_nodes} 個>"

    def save(self, path: str = "graph.png") -> str:
        """Write the full-size PNG to ``path`` (open it from the file browser to zoom in)."""
        Path(path).write_bytes(self.png)
        return str(path)


@dataclass(repr=False)
class TextGraph:
    """The fallback when Graphviz cannot draw: the graph as an indented text tree, and why."""

    tree: str
    reason: str

    def __repr__(self) -> str:
        return f"{self.tree}\n\n{self.reason}"


@dataclass(repr=False)
class GraphSummary:
    """Shown instead of a picture when a graph has more than MAX_NODES nodes."""

    n_nodes: int
    operations: dict      # operation name -> how many, most common first
    depth: int            # the most operations on one path from the output to an input
    tree: str             # the top of the text tree

    def __repr__(self) -> str:
        kinds = list(self.operations.items())
        shown = "、".join(f"{name} × {count:,}" for name, count in kinds[:5])
        if len(kinds) > 5:
            shown += f" ほか {len(kinds) - 5} 種類"
        return (f"計算グラフのノードが {self.n_nodes:,} 個あり、図にするには多すぎるので "
                f"(図は {MAX_NODES} 個まで)、代わりに概要を表示します。\n"
                f"  演算: {sum(self.operations.values()):,} 個 ({shown})\n"
                f"  出力から入力までの演算の段数: いちばん多いところで {self.depth:,} 段\n"
                f"出力に近いところ:\n{self.tree}")


def render_png(source: str, timeout: float | None = None) -> bytes | None:
    """PNG bytes of DOT ``source``, or None when Graphviz is not usable here.

    Raises TimeoutError when Graphviz has not finished after ``timeout`` seconds
    (DOT_SECONDS by default). Its layout time grows very fast on some graphs (a chain
    x * x * ... with x shared took 7 s at 75 products and a minute at 100), so it is
    never waited for without a limit.
    """
    timeout = DOT_SECONDS if timeout is None else timeout
    program = shutil.which("dot") if doctor.has_dot() else None
    if program is None:
        return None
    try:
        done = subprocess.run([program, "-Tpng"], input=source.encode(), capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise TimeoutError(f"Graphviz took more than {timeout} s") from None
    except OSError:
        return None
    return done.stdout if done.returncode == 0 and done.stdout.startswith(b"\x89PNG") else None


def show(source: str, tree, n_nodes: int) -> GraphPicture | TextGraph:
    """The picture of DOT ``source`` if Graphviz can draw it, else ``tree`` with the reason.

    ``tree`` is the text tree, or a function that makes it (only called when needed).
    """
    try:
        png = render_png(source)
        reason = doctor.MISSING_DOT
    except TimeoutError:
        png, reason = None, TOO_SLOW.format(seconds=DOT_SECONDS)
    if png is None:
        return TextGraph(tree() if callable(tree) else tree, reason)
    return GraphPicture(png, source, n_nodes)


def nodes_below(root, inputs) -> list:
    """root and every node it was computed from, each once (no recursion)."""
    nodes, seen = [root], {root}
    for node in nodes:                          # the list grows while we walk it
        for child in inputs(node):
            if child not in seen:
                seen.add(child)
                nodes.append(child)
    return nodes


def text_tree(root, inputs, describe, max_lines: int = 200, max_depth: int = TREE_DEPTH,
              n_nodes: int | None = None) -> str:
    """The graph below ``root`` as an indented tree, output first, without recursion.

    A node with inputs that is reached a second time is marked (上と同じ) and not drawn
    again. The tree stops after ``max_lines`` lines, and below ``max_depth`` levels,
    with a line that says so (and how many nodes there are: ``n_nodes``, or counted).
    """
    lines, drawn = [], set()
    stack = [(root, 0, "", "")]                 # node, depth, start of its line, indent of its inputs
    while stack:
        if len(lines) >= max_lines:
            total = len(nodes_below(root, inputs)) if n_nodes is None else n_nodes
            lines.append(f"... (ここで省略しました。ノードは全部で {total:,} 個です)")
            break
        node, depth, head, indent = stack.pop()
        children = list(inputs(node))
        if node in drawn:
            lines.append(f"{head}{describe(node)}  {SAME_AS_ABOVE}")
            continue
        lines.append(head + describe(node))
        if not children:
            continue
        drawn.add(node)
        if depth == max_depth:
            lines.append(f"{indent}└── ... (ここより深いところは省略しました)")
            continue
        last = len(children) - 1
        for i in reversed(range(len(children))):
            branch, more = ("└── ", "    ") if i == last else ("├── ", "│   ")
            stack.append((children[i], depth + 1, indent + branch, indent + more))
    return "\n".join(lines)


def summarize(root, inputs, describe, operation, n_nodes: int | None = None) -> GraphSummary:
    """A summary of a graph too large to draw: its size, its operations and the top of its tree.

    ``operation(node)`` names the operation a node stands for, or None for inputs.
    """
    depth = {}                                  # node -> most operations on a path down to an input
    stack = [(root, False)]
    while stack:                                # depth-first, children before parents, no recursion
        node, children_done = stack.pop()
        if children_done:
            below = max((depth[c] for c in inputs(node)), default=0)
            depth[node] = below + (operation(node) is not None)
        elif node not in depth:
            stack.append((node, True))
            stack.extend((c, False) for c in inputs(node) if c not in depth)
    n_nodes = len(depth) if n_nodes is None else n_nodes
    operations = Counter(name for name in map(operation, depth) if name is not None)
    tree = text_tree(root, inputs, describe, SUMMARY_LINES, SUMMARY_LINES, n_nodes)
    return GraphSummary(n_nodes, dict(operations.most_common()), depth[root], tree)
