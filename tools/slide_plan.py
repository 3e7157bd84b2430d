"""Slide metadata from notebook structure (run by ``make sync`` through tools/author.py).

Every lecture notebook gets, per cell:

* ``metadata.slideshow.slide_type`` (the standard key RISE, jupyterlab-rise and nbconvert read):
  ``#``/``##`` headings start a slide, ``###`` a sub-slide; the Colab badge and setup cells and
  import-only code cells are ``skip``; a cell that is nothing but 「スライドからの修正」 boxes is
  ``notes`` (speaker notes); a cell that no longer fits under the previous ones starts a sub-slide.
* ``metadata.slide_breaks`` only where one cell is taller than a slide (or holds a ``##``/``###``
  heading below its first line): where the static deck (tools/slides.py) continues it on a new
  sub-slide. ``{"source": [line, ...]}`` cuts the source before those lines;
  ``{"outputs": [[i, line], ...]}`` cuts before line ``line`` of output ``i`` (``[0, 0]``: the outputs
  start on their own sub-slide).

Heights are estimated for the static decks' layout (tools/slides_template/static/slides.css, 1280x720,
the sizes below). The estimate is deliberately generous; the browser tests (tests/test_site_browser.py)
measure the real decks and fail when a slide overflows.
"""
from __future__ import annotations

import ast
import base64
import copy
import math
import re
import struct
import unicodedata
from typing import NamedTuple

# --- the static decks' geometry (keep in step with tools/slides_template/static/slides.css) ---
SLIDE_WIDTH, SLIDE_HEIGHT = 1280, 720
PAD_X, PAD_Y = 48, 24                 # section padding
CONTENT_WIDTH = SLIDE_WIDTH - 2 * PAD_X
BUDGET = SLIDE_HEIGHT - 2 * PAD_Y - 40  # what the plan may fill; the rest is safety margin

TEXT_PX, TEXT_LH = 22, 1.6            # body text
CODE_PX, CODE_LH = 17, 1.4            # code input and text outputs
HEADING = {1: (40, 1.25, 26), 2: (32, 1.25, 22), 3: (26, 1.25, 18), 4: (23, 1.3, 14)}  # px, lh, margins
PARA_GAP = 12                         # margin between markdown blocks
CELL_GAP = 10                         # between cells
CODE_BOX = 18                         # code input: padding + border, top and bottom together
OUTPUT_BOX = 12                       # one output: padding and margin, top and bottom together
CODE_INDENT = 26                      # code text is this much narrower than the slide's content
IMAGE_MAX_HEIGHT = 440                # slides.css caps images at this height
MONO_EM = 0.62                        # advance of one monospace column, in em (generous)
SAFETY = 1.08                         # multiplies every estimate

BADGE_ID, SETUP_ID = "colab-badge", "colab-setup"
FIX_BOX = re.compile(r"^>\s*\*\*スライドからの修正")
HEADING_LINE = re.compile(r"^(#{1,6})\s+\S")


# --- text measurement -------------------------------------------------------------------

def _char_em(ch: str) -> float:
    """Width of one proportional-font character in em (CJK full width, Latin about half)."""
    if unicodedata.east_asian_width(ch) in "WF":
        return 1.0
    if ch == " ":
        return 0.28
    if ch in "il.,:;'|!()[]{}`":
        return 0.32
    if ch.isupper() or ch in "mwMW@%&":
        return 0.7
    return 0.56


def _mono_columns(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


_INLINE_MATH = re.compile(r"\$([^$]+)\$")
_INLINE_CODE = re.compile(r"`([^`]*)`")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_TEX_COMMAND = re.compile(r"\\[A-Za-z]+")
_TALL_MATH = re.compile(r"\$[^$]*\\(?:d?frac|sum|prod|int|binom|begin)[^$]*\$")
TALL_INLINE = 14                      # extra height of a line with a fraction in it


def _math_em(tex: str) -> float:
    """Rough rendered width of inline TeX: each command is one symbol."""
    body = _TEX_COMMAND.sub("M", tex)
    body = re.sub(r"[{}^_\\ ]", "", body)
    return 0.75 * len(body) + 0.3


def text_em(text: str) -> float:
    """Rendered width in em of one line of markdown text (markup removed)."""
    width = 0.0
    text = _LINK.sub(r"\1", text)

    def math(m):
        nonlocal width
        width += _math_em(m.group(1))
        return ""

    def code(m):
        nonlocal width
        width += 0.9 * MONO_EM * _mono_columns(m.group(1)) + 0.5
        return ""

    text = _INLINE_CODE.sub(code, text)
    text = _INLINE_MATH.sub(math, text)
    text = text.replace("**", "").replace("__", "")
    return width + sum(_char_em(ch) for ch in text)


def wrapped_lines(text: str, width_px: float, font_px: float) -> int:
    return max(1, math.ceil(text_em(text) * font_px / width_px))


def mono_lines(line: str, width_px: float, font_px: float = CODE_PX) -> int:
    return max(1, math.ceil(_mono_columns(line.expandtabs(4)) * MONO_EM * font_px / width_px))


# --- markdown ----------------------------------------------------------------------------

def md_blocks(source: str) -> list[tuple[int, int]]:
    """``(start, end)`` line ranges of the blocks of a markdown source (blank-line separated;
    display math and code fences kept whole)."""
    lines = source.split("\n")
    blocks, start, fence, math_open = [], None, None, False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if start is None:
            if not stripped:
                continue
            start = i
        if fence:
            if stripped.startswith(fence):
                fence = None
        elif stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
        elif stripped.count("$$") % 2 == 1:
            math_open = not math_open
        if HEADING_LINE.match(line) and not fence and not math_open:
            if i > start:   # a heading ends the block before it
                blocks.append((start, i))
            blocks.append((i, i + 1))
            start = None
            continue
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if not fence and not math_open and not nxt:
            blocks.append((start, i + 1))
            start = None
    if start is not None:
        blocks.append((start, len(lines)))
    return blocks


def is_fix_box(lines: list[str]) -> bool:
    return bool(lines) and all(ln.startswith(">") for ln in lines) and bool(FIX_BOX.match(lines[0]))


def fix_box_ranges(source: str) -> list[tuple[int, int]]:
    """Line ranges of the 「スライドからの修正」 boxes (blockquotes) of a markdown source."""
    lines = source.split("\n")
    out = []
    for start, end in md_blocks(source):
        if is_fix_box(lines[start:end]):
            # a box may span several blank-separated '>' blocks ('>' alone on a line keeps it one)
            if out and out[-1][1] == start:
                out[-1] = (out[-1][0], end)
            else:
                out.append((start, end))
    return out


def _math_block_height(tex: str) -> float:
    """Display math: its rows, 1em above and below, and the paragraph margin."""
    rows = tex.count("\\\\") + 1
    tall = len(re.findall(r"\\(frac|dfrac|sum|prod|int|begin\{pmatrix|left|bigl|Bigl)", tex))
    per_row = TEXT_PX * (2.3 if tall else 1.6)
    extra = max(0, wrapped_lines(tex, CONTENT_WIDTH, TEXT_PX) - 1) * TEXT_PX  # very long formulas
    return rows * per_row + 2 * TEXT_PX + PARA_GAP + extra


def block_height(lines: list[str], width: float = CONTENT_WIDTH) -> float:
    """Estimated height in px of one markdown block."""
    first = lines[0].strip()
    line_px = TEXT_PX * TEXT_LH
    m = HEADING_LINE.match(lines[0])
    if m:
        px, lh, margin = HEADING.get(len(m.group(1)), HEADING[4])
        return wrapped_lines(lines[0][len(m.group(1)):].strip(), width, px) * px * lh + margin
    if first.startswith(("```", "~~~")):
        return sum(mono_lines(ln, width - CODE_INDENT) for ln in lines[1:-1]) * CODE_PX * CODE_LH + CODE_BOX + PARA_GAP
    if first.startswith("$$") or first.startswith("\\begin"):
        return _math_block_height("\n".join(lines))
    if first.startswith(">"):
        inner = "\n".join(re.sub(r"^>\s?", "", ln) for ln in lines)
        return markdown_height(inner, width - 40) + 24
    if first.startswith("|"):
        rows = [ln for ln in lines if not re.match(r"^\|?\s*:?-{3,}", ln.strip())]
        ncols = max(1, first.count("|") - 1)
        col_w = width / ncols
        height = 0.0
        for row in rows:
            cells = [c for c in row.strip().strip("|").split("|")]
            tallest = 1
            for c in cells:
                if "\\begin{pmatrix" in c:
                    tallest = max(tallest, 3)
                tallest = max(tallest, wrapped_lines(c.strip(), col_w - 16, TEXT_PX * 0.9))
            height += tallest * TEXT_PX * 0.9 * 1.45 + 14
        return height + PARA_GAP
    # paragraph or list: list items and their continuation lines; a picture counts as a full one
    height, item, indent = IMAGE_MAX_HEIGHT * len(re.findall(r"!\[[^\]]*\]\(|<img\b", "\n".join(lines))), [], 0

    def flush():
        nonlocal height
        if item:
            text = " ".join(item)
            height += wrapped_lines(text, width - indent, TEXT_PX) * line_px
            height += TALL_INLINE * len(_TALL_MATH.findall(text))

    for ln in lines:
        marker = re.match(r"^(\s*)([-*+]|\d+[.)])\s+", ln)
        if marker:
            flush()
            item, indent = [ln[marker.end():]], 40 + 24 * (len(marker.group(1)) // 2)
            height += 4
        else:
            item.append(ln.strip())
    flush()
    return height + PARA_GAP


def markdown_height(source: str, width: float = CONTENT_WIDTH) -> float:
    lines = source.split("\n")
    return sum(block_height(lines[s:e], width) for s, e in md_blocks(source))


# --- code cells --------------------------------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def png_size(data: str) -> tuple[int, int]:
    raw = base64.b64decode(data[:64] + "=" * (-len(data[:64]) % 4))
    return struct.unpack(">II", raw[16:24])


def image_height(width: int, height: int, metadata: dict | None = None) -> float:
    md = metadata or {}
    if isinstance(md.get("width"), (int, float)):
        width, height = md["width"], md.get("height", height * md["width"] / width)
    scale = min(1.0, CONTENT_WIDTH / width, IMAGE_MAX_HEIGHT / height)
    return height * scale


def output_pieces(output) -> list[float]:
    """Heights of the unbreakable pieces of one output (text: one piece per line)."""
    kind = output.get("output_type")
    line_px = CODE_PX * CODE_LH
    width = CONTENT_WIDTH - CODE_INDENT
    if kind == "stream":
        text = output.get("text", "")
        lines = (text[:-1] if text.endswith("\n") else text).split("\n")
        return [mono_lines(ln, width) * line_px for ln in lines]
    if kind == "error":
        lines = _ANSI.sub("", "\n".join(output.get("traceback", []))).split("\n")
        return [mono_lines(ln, width) * line_px for ln in lines]
    data = output.get("data", {})
    if "application/vnd.jupyter.widget-view+json" in data:
        return [2 * TEXT_PX * TEXT_LH + 2 * OUTPUT_BOX]
    if "image/png" in data:
        w, h = png_size(data["image/png"])
        return [image_height(w, h, output.get("metadata", {}).get("image/png"))]
    if "text/latex" in data:
        return [_math_block_height(data["text/latex"].strip("$"))]
    if "text/markdown" in data:
        return [markdown_height(data["text/markdown"])]
    text = data.get("text/plain", "")
    return [mono_lines(ln, width) * line_px for ln in text.split("\n")]


def is_import_only(source: str) -> bool:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    return bool(tree.body) and all(isinstance(s, (ast.Import, ast.ImportFrom)) for s in tree.body)


# --- the plan ----------------------------------------------------------------------------

def heading_level(cell) -> int:
    if cell.cell_type != "markdown":
        return 0
    first = cell.source.lstrip("\n").split("\n", 1)[0]
    m = HEADING_LINE.match(first)
    return len(m.group(1)) if m else 0


class Unit(NamedTuple):
    """A piece of a cell that is never cut: where a cut before it goes, its height, whether a
    cut must go before it (a heading inside the cell) and whether a cut there reads well."""
    position: tuple
    height: float
    forced: bool = False
    preferred: bool = True


def _markdown_units(source: str) -> list[Unit]:
    """The blocks of a markdown cell that are not speaker-notes boxes (a block taller than a
    slide is cut between its lines)."""
    lines = source.split("\n")
    boxes = fix_box_ranges(source)
    units: list[Unit] = []
    for start, end in md_blocks(source):
        if any(b0 <= start < b1 for b0, b1 in boxes):
            continue
        m = HEADING_LINE.match(lines[start])
        forced = bool(m) and len(m.group(1)) <= 3 and bool(units)
        height = block_height(lines[start:end]) * SAFETY
        first = lines[start].strip()
        if height <= BUDGET or end - start == 1 or first.startswith(("```", "~~~", "$$", "\\begin", "|")):
            units.append(Unit(("source", start), height, forced))
            continue
        for i in range(start, end):  # one over-long block: cut between its lines
            share = block_height([lines[i]]) * SAFETY
            units.append(Unit(("source", i), share, forced and i == start, i == start))
    return units


def _code_units(cell) -> list[Unit]:
    """One unit per source line and per output line (an image is one unit)."""
    width = CONTENT_WIDTH - CODE_INDENT
    units: list[Unit] = []
    lines = cell.source.split("\n")
    for i, ln in enumerate(lines):
        h = mono_lines(ln, width) * CODE_PX * CODE_LH * SAFETY + (CODE_BOX if i == 0 else 0)
        preferred = i > 0 and not lines[i - 1].strip() and not ln.startswith((" ", "\t", ")", "]", "}"))
        units.append(Unit(("source", i), h, False, preferred))
    for oi, out in enumerate(cell.get("outputs", [])):
        for li, h in enumerate(output_pieces(out)):
            units.append(Unit(("outputs", [oi, li]), h * SAFETY + (OUTPUT_BOX if li == 0 else 0),
                              False, li == 0))
    return units


def _split(units: list[Unit], budget: float, used: float) -> tuple[list[int], float]:
    """Indices of the units a new sub-slide starts at, and how full the last slide is.
    ``used`` is how much of the current slide is filled when the cell starts."""
    cuts: list[int] = []
    segment: list[int] = []          # this cell's units on the current slide
    for k, unit in enumerate(units):
        cut = None
        if unit.forced and k > 0:
            cut = k
        elif segment and used + unit.height > budget:
            cut = k
            if not unit.preferred:   # back up to a boundary that reads well, if one is not too early
                for j in reversed(segment[1:]):
                    if units[j].preferred and sum(units[m].height for m in segment if m < j) >= budget / 2:
                        cut = j
                        break
        if cut is not None:
            cuts.append(cut)
            segment = list(range(cut, k))
            used = sum(units[m].height for m in segment)
        used += unit.height
        segment.append(k)
    return cuts, used


def plan_cells(nb) -> list[dict]:
    """Per cell: ``{"slide_type": ..., "breaks": {...}}`` for a lecture notebook."""
    plans: list[dict] = []
    used, started = 0.0, False
    for cell in nb.cells:
        if cell.get("id") in (BADGE_ID, SETUP_ID) or cell.cell_type not in ("markdown", "code") \
                or (cell.cell_type == "code" and is_import_only(cell.source)):
            plans.append({"slide_type": "skip"})
            continue
        if cell.cell_type == "markdown":
            units = _markdown_units(cell.source)
            if not units:
                plans.append({"slide_type": "notes" if fix_box_ranges(cell.source) else "skip"})
                continue
        else:
            units = _code_units(cell)
        level = heading_level(cell)
        height = sum(u.height for u in units)
        if level in (1, 2) or not started:
            slide_type, used = "slide", 0.0
        elif level == 3:
            slide_type, used = "subslide", 0.0
        elif used + CELL_GAP + height > BUDGET:
            slide_type, used = "subslide", 0.0
        else:
            slide_type, used = "-", used + CELL_GAP
        started = True
        cuts, used = _split(units, BUDGET, used)
        plan: dict = {"slide_type": slide_type}
        for k in cuts:
            kind, where = units[k].position
            plan.setdefault("breaks", {}).setdefault(kind, []).append(where)
        plans.append(plan)
    return plans


def with_slide_metadata(nb):
    """A copy of ``nb`` whose cells carry the generated slide metadata (and no stale one)."""
    nb = copy.deepcopy(nb)
    for cell, plan in zip(nb.cells, plan_cells(nb)):
        md = cell.setdefault("metadata", {})
        md["slideshow"] = {"slide_type": plan["slide_type"]}
        if "breaks" in plan:
            md["slide_breaks"] = plan["breaks"]
        else:
            md.pop("slide_breaks", None)
    return nb


def expected_slide_count(nb) -> int:
    """How many slides (reveal.js leaf sections) the static deck of ``nb`` has, from its metadata."""
    count, first = 0, True
    for cell in nb.cells:
        kind = cell.get("metadata", {}).get("slideshow", {}).get("slide_type", "-")
        if kind in ("skip", "notes"):
            continue
        if first or kind in ("slide", "subslide"):
            count += 1
        first = False
        breaks = cell.get("metadata", {}).get("slide_breaks", {})
        count += len(breaks.get("source", [])) + len(breaks.get("outputs", []))
    return count
