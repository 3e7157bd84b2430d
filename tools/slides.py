"""Static reveal.js decks of the lecture notebooks, from their stored outputs (never executed).

    python -m tools.slides [OUT]      # default: build/slides (one .slides.html per notebook)

The decks follow the slide metadata that ``make sync`` writes (tools/slide_plan.py): cells are
cut where ``slide_breaks`` says, 「スライドからの修正」 boxes become speaker notes (key S),
ipywidgets outputs become a short note. reveal.js 5 (from the sphinx-revealjs wheel) and
MathJax 3 (from the sphinx-mathjax-offline wheel) are copied into OUT/_assets: nothing loads from a CDN.
"""
from __future__ import annotations

import copy
import re
import shutil
import sys
import time
from pathlib import Path

import nbformat

from tools import author, slide_plan

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "build" / "slides"
TEMPLATE = "slides_template"          # tools/slides_template/
ASSETS = "_assets"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = "スライダー (ipywidgets) は、JupyterLab か Google Colab で実行したときだけ動きます。"


def lecture_notebooks() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("*.ipynb"))


def deck_name(notebook: Path) -> str:
    return notebook.stem + ".slides.html"


# --- assets ------------------------------------------------------------------------------

def reveal_source() -> Path:
    import sphinx_revealjs
    return Path(sphinx_revealjs.__file__).parent / "_static" / "revealjs"


def mathjax_source() -> Path:
    """MathJax 3.2.2 (es5 build) as shipped in the sphinx-mathjax-offline wheel."""
    import importlib.util

    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    return Path(spec.origin).parent / "static" / "mathjax"


def _copytree(src: Path, dst: Path, ignore=None) -> None:
    shutil.copytree(src, dst, dirs_exist_ok=True, ignore=ignore)


MATHJAX_SCRIPT = "tex-chtml-full.js"   # TeX input with every extension, CommonHTML output


def copy_mathjax(dst: Path) -> None:
    """The one MathJax file the decks and the site load, and its web fonts."""
    src = mathjax_source()
    fonts = dst / "output" / "chtml" / "fonts" / "woff-v2"
    fonts.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src / MATHJAX_SCRIPT, dst / MATHJAX_SCRIPT)
    _copytree(src / "output" / "chtml" / "fonts" / "woff-v2", fonts)


THEME = "white"     # reveal.js's white theme; its fonts (Source Sans Pro) ship beside it


def copy_assets(out: Path) -> None:
    """reveal.js (core, the white theme and its fonts, the notes plugin) and MathJax."""
    reveal = reveal_source()
    target = out / ASSETS / "reveal"
    (target / "dist" / "theme").mkdir(parents=True, exist_ok=True)
    for name in ("reveal.js", "reveal.css", "reset.css"):
        shutil.copy2(reveal / "dist" / name, target / "dist" / name)
    shutil.copy2(reveal / "dist" / "theme" / f"{THEME}.css", target / "dist" / "theme")
    _copytree(reveal / "dist" / "theme" / "fonts" / "source-sans-pro",
              target / "dist" / "theme" / "fonts" / "source-sans-pro")
    _copytree(reveal / "plugin" / "notes", target / "plugin" / "notes",
              ignore=shutil.ignore_patterns("*.esm.js"))
    copy_mathjax(out / ASSETS / "mathjax")



# --- the notebook a deck is made from -------------------------------------------------------

_LINK = re.compile(r"\]\(((?:\.\./)?(?:notebooks/)?)([\w./-]+?)\.ipynb(#[^)]*)?\)")


# A link from a notebook to a repository file that is not a notebook: ](../README.md)
_FILE_LINK = re.compile(r"\]\((?:\.\./)+((?:[\w-]+/)*(?:[\w.-]+\.(?:md|txt|py|toml|yml|cfg)|LICENSE))(#[^)]*)?\)")


def rewrite_file_links(source: str, cfg: dict) -> str:
    """Links to repository files (README.md, ...) point at GitHub: no deck or page has them beside it."""
    return _FILE_LINK.sub(lambda m: f"]({author.repository_file_url(m.group(1), cfg)}{m.group(2) or ''})", source)


def rewrite_links(source: str, colab_url) -> str:
    """Links to other lecture notebooks point at their decks; links to exercises and other
    notebooks at Colab (a deck has no notebook next to it)."""
    def repl(m):
        prefix, stem, anchor = m.group(1), m.group(2), m.group(3) or ""
        if not prefix and "/" not in stem:
            return f"]({stem}.slides.html{anchor})"
        rel = (prefix + stem).replace("../", "") + ".ipynb"
        if not rel.startswith(("exercises/", "solutions/", "notebooks/")):
            rel = "notebooks/" + rel
        return f"]({colab_url(rel)})"
    return _LINK.sub(repl, source)


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _markdown_parts(cell) -> list:
    """A markdown cell as deck cells: its text cut at ``slide_breaks`` and its fix boxes as notes."""
    md = cell.get("metadata", {})
    lines = _lines(cell.source)
    boxes = slide_plan.fix_box_ranges(cell.source)
    in_box = set()
    for b0, b1 in boxes:
        in_box.update(range(b0, b1))
    cuts = sorted(md.get("slide_breaks", {}).get("source", []))
    bounds = [0] + cuts + [len(lines)]
    parts = []
    for k in range(len(bounds) - 1):
        text = "\n".join(ln for i, ln in enumerate(lines[bounds[k]:bounds[k + 1]], bounds[k]) if i not in in_box)
        kind = md.get("slideshow", {}).get("slide_type", "-") if k == 0 else "subslide"
        parts.append(nbformat.v4.new_markdown_cell(text.strip("\n"), metadata={"slideshow": {"slide_type": kind}}))
    if len(parts) > 1 and not parts[0].source.strip():  # the cell opened with a box: the next part takes its place
        parts[1].metadata = parts[0].metadata
        parts = parts[1:]
    for b0, b1 in boxes:
        notes = "\n".join(re.sub(r"^>\s?", "", ln) for ln in lines[b0:b1])
        parts.append(nbformat.v4.new_markdown_cell(notes, metadata={"slideshow": {"slide_type": "notes"}}))
    return parts


def _text_lines(output) -> list[str]:
    """The lines of a text output, numbered as tools/slide_plan.py numbers them."""
    kind = output.get("output_type")
    if kind == "stream":
        text = output.get("text", "")
        return (text[:-1] if text.endswith("\n") else text).split("\n")
    if kind == "error":
        return "\n".join(output.get("traceback", [])).split("\n")
    return output.get("data", {}).get("text/plain", "").split("\n")


def _with_lines(output, lines: list[str]):
    out = copy.deepcopy(output)
    kind = output.get("output_type")
    if kind == "stream":
        out["text"] = "\n".join(lines) + "\n"
    elif kind == "error":
        out["traceback"] = ["\n".join(lines)]
    else:
        out["data"] = {"text/plain": "\n".join(lines)}
    return out


def _code_parts(cell) -> list:
    """A code cell as deck cells: its source cut at ``slide_breaks.source``; its outputs cut at
    ``slide_breaks.outputs``, each later group in an input-less cell on a sub-slide of its own."""
    md = cell.get("metadata", {})
    breaks = md.get("slide_breaks", {})
    kind = md.get("slideshow", {}).get("slide_type", "-")
    lines = _lines(cell.source)
    bounds = [0, *sorted(breaks.get("source", [])), len(lines)]
    parts = [nbformat.v4.new_code_cell("\n".join(lines[a:b]),
                                       metadata={"slideshow": {"slide_type": kind if k == 0 else "subslide"}})
             for k, (a, b) in enumerate(zip(bounds, bounds[1:]))]
    cuts = [tuple(c) for c in breaks.get("outputs", [])]
    groups: list[list] = [[]]
    for i, output in enumerate(cell.get("outputs", [])):
        output = _with_alt(_deck_output(output), cell.source)
        here = sorted(line for oi, line in cuts if oi == i)
        if 0 in here:
            groups.append([])
        inner = [line for line in here if line > 0]
        if not inner:
            groups[-1].append(output)
            continue
        text = _text_lines(output)
        edges = [0, *inner, len(text)]
        for k, (a, b) in enumerate(zip(edges, edges[1:])):
            if k:
                groups.append([])
            groups[-1].append(_with_lines(output, text[a:b]))
    parts[-1].outputs = groups[0]
    for group in groups[1:]:
        only_outputs = nbformat.v4.new_code_cell("", metadata={"slideshow": {"slide_type": "subslide"},
                                                                "transient": {"remove_source": True}})
        only_outputs.outputs = group
        parts.append(only_outputs)
    return parts


_TITLE = re.compile(r"title\s*=\s*f?[\"']([^\"']+)[\"']")


def figure_alt(source: str) -> str:
    """Alt text for a figure a cell draws: its title= argument if it has one."""
    m = _TITLE.search(source)
    if m and "{" not in m.group(1):
        return f"図: {m.group(1)}"
    if re.search(r"graphs\.|autodiff\.draw|make_dot", source):
        return "計算グラフの図"
    return "図"


def _with_alt(output, source: str):
    """An image output whose metadata carries alt text (authors may set it; else figure_alt)."""
    if "image/png" not in output.get("data", {}):
        return output
    output = copy.deepcopy(output)
    md = output.setdefault("metadata", {}).setdefault("image/png", {})
    md.setdefault("alt", figure_alt(source))
    return output


def _deck_output(output):
    data = output.get("data", {})
    if WIDGET_MIME in data:
        note = f'<div class="course-widget-note">{WIDGET_NOTE}</div>'
        return nbformat.v4.new_output("display_data", data={"text/html": note})
    return output


def deck_notebook(nb, colab_url, cfg: dict | None = None):
    """The notebook the deck is exported from: only what the slides show, in slide-sized cells."""
    deck = nbformat.v4.new_notebook(metadata=copy.deepcopy(nb.metadata))
    for cell in nb.cells:
        kind = cell.get("metadata", {}).get("slideshow", {}).get("slide_type", "-")
        if kind == "skip":
            continue
        if cell.cell_type == "markdown":
            cell = copy.deepcopy(cell)
            cell.source = rewrite_file_links(rewrite_links(cell.source, colab_url), cfg or author.config())
            if kind == "notes":
                cell.source = "\n".join(re.sub(r"^>\s?", "", ln) for ln in _lines(cell.source))
                deck.cells.append(cell)
            else:
                deck.cells.extend(_markdown_parts(cell))
        elif cell.cell_type == "code":
            deck.cells.extend(_code_parts(cell))
    # strip empty text parts (a part can be empty when a box filled it)
    deck.cells = [c for c in deck.cells if c.source.strip() or c.cell_type == "code"]
    return deck


# --- export -------------------------------------------------------------------------------

def exporter():
    from nbconvert import SlidesExporter

    return SlidesExporter(
        template_name=TEMPLATE,
        extra_template_basedirs=[str(ROOT / "tools")],
        reveal_url_prefix=f"{ASSETS}/reveal",
        reveal_theme=THEME,
        reveal_transition="none",
        reveal_width=str(slide_plan.SLIDE_WIDTH),
        reveal_height=str(slide_plan.SLIDE_HEIGHT),
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        language_code="ja",
        embed_images=True,
    )


def build(out: Path | None = None, notebooks: list[Path] | None = None) -> list[Path]:
    """Write one deck per notebook (and the assets) to ``out``; return the deck paths."""
    out = Path(out or DEFAULT_OUT)
    out.mkdir(parents=True, exist_ok=True)
    copy_assets(out)
    cfg = author.config()
    exp = exporter()
    written = []
    for path in notebooks or lecture_notebooks():
        nb = nbformat.read(path, as_version=4)
        deck = deck_notebook(nb, lambda rel: author.colab_url(rel, cfg), cfg)
        title = author.title(nb)
        deck.metadata["title"] = title
        html, _ = exp.from_notebook_node(deck, resources={"reveal": {"assets": ASSETS},
                                                          "metadata": {"name": title}})
        target = out / deck_name(path)
        target.write_text(html, encoding="utf-8")
        written.append(target)
    return written


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else DEFAULT_OUT
    start = time.perf_counter()
    decks = build(out)
    print(f"{len(decks)} decks in {out} ({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
