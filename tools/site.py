"""The course site: a static HTML book of every notebook, from their stored outputs.

    python -m tools.site [OUT]       # default: build/site (open OUT/index.html)

Stages the notebooks (lecture, exercises, solutions, in that order) and site/index.md into
``OUT/../<name>-src``, builds the static slides into ``OUT/slides`` (tools/slides.py), then runs
Sphinx (myst-nb, execution off, sphinx-book-theme; site/conf.py) with warnings as errors, so a
broken internal link or a missing image fails the build naming the page and the target.
Nothing is executed and nothing is loaded from a CDN.
"""
from __future__ import annotations

import copy
import shutil
import sys
import time
from pathlib import Path

import nbformat

from tools import author, slides

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "site"
DEFAULT_OUT = ROOT / "build" / "site"
SECTIONS = (("notebooks", "講義"), ("exercises", "演習"), ("solutions", "演習の解答"))
COLAB_LOGO = "_static/images/logo_colab.png"   # shipped by sphinx-book-theme


def section_notebooks(folder: str) -> list[Path]:
    return sorted((ROOT / folder).glob("*.ipynb"))


def _up(rel: str) -> str:
    return "../" * rel.count("/")


def badge_html(rel: str, cfg: dict) -> str:
    """The links at the top of a page: Colab, and the page's slides for a lecture notebook."""
    up = _up(rel)
    links = [f'<a class="course-colab" href="{author.colab_url(rel, cfg)}">'
             f'<img src="{up}{COLAB_LOGO}" alt="">Colab で開く</a>']
    if rel.startswith("notebooks/"):
        deck = slides.deck_name(Path(rel))
        links.append(f'<a class="course-slides" href="{up}slides/{deck}">スライドで見る</a>')
    return '<div class="course-links">\n' + "\n".join(links) + "\n</div>"


def page_notebook(nb, rel: str, cfg: dict):
    """What a page shows: the badge cell becomes the site's links, the Colab setup cell and the
    slide-only metadata go, widget outputs become a note."""
    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        cid = cell.get("id")
        if cid == author.SETUP_ID:
            continue
        if cid == author.BADGE_ID:
            cell.source = badge_html(rel, cfg)
        cell.get("metadata", {}).pop("slide_breaks", None)
        if cell.cell_type == "markdown":
            cell.source = slides.rewrite_file_links(cell.source, cfg)
        if cell.cell_type == "code":
            cell.outputs = [slides._deck_output(o) for o in cell.get("outputs", [])]
        cells.append(cell)
    nb.cells = cells
    # the links go right under the page title: "# title" / links / the rest of the title cell
    titles = [i for i, c in enumerate(cells) if c.cell_type == "markdown" and c.source.startswith("# ")]
    badges = [i for i, c in enumerate(cells) if c.get("id") == author.BADGE_ID]
    if titles and badges:
        badge = cells.pop(badges[0])
        t = titles[0] - (1 if badges[0] < titles[0] else 0)
        head, _, rest = cells[t].source.partition("\n")
        cells[t].source = head
        tail = nbformat.v4.new_markdown_cell(rest.strip("\n"))
        cells[t + 1:t + 1] = [badge] + ([tail] if tail.source else [])
        badge["id"], tail["id"] = "course-links", "title-rest"
    return nb


def lectures_table(cfg: dict) -> str:
    rows = ["| # | ノートブック | スライド | Colab |", "|---|---|---|---|"]
    for i, path in enumerate(section_notebooks("notebooks"), 1):
        rel = f"notebooks/{path.name}"
        title = author.title(nbformat.read(path, as_version=4))
        deck = f'<a href="slides/{slides.deck_name(path)}">スライド</a>'
        colab = f'<a href="{author.colab_url(rel, cfg)}">Colab で開く</a>'
        rows.append(f"| {i} | [{title}]({rel}) | {deck} | {colab} |")
    return "\n".join(rows)


def toctrees() -> str:
    blocks = []
    for folder, caption in SECTIONS:
        entries = "\n".join(f"{folder}/{p.stem}" for p in section_notebooks(folder))
        blocks.append(f"```{{toctree}}\n:caption: {caption}\n:maxdepth: 1\n\n{entries}\n```")
    return "\n\n".join(blocks)


def stage(src: Path, cfg: dict) -> None:
    """Write the Sphinx source tree: index.md and the page notebooks."""
    if src.exists():
        shutil.rmtree(src)
    src.mkdir(parents=True)
    index = (SITE / "index.md").read_text(encoding="utf-8")
    index = index.replace("<!-- course:lectures -->", lectures_table(cfg))
    index = index.replace("<!-- course:toctrees -->", toctrees())
    (src / "index.md").write_text(index, encoding="utf-8")
    for folder, _ in SECTIONS:
        (src / folder).mkdir()
        for path in section_notebooks(folder):
            rel = f"{folder}/{path.name}"
            nb = page_notebook(nbformat.read(path, as_version=4), rel, cfg)
            nbformat.write(nb, src / rel)


def sphinx_build(src: Path, out: Path, doctrees: Path, warnings: Path | None = None) -> int:
    """Sphinx with site/conf.py, warnings as errors (also written to ``warnings`` if given)."""
    from sphinx.cmd.build import build_main

    extra = ["-w", str(warnings)] if warnings else []
    return build_main(["-b", "html", "-q", "-W", "--keep-going", "-n", "-c", str(SITE), *extra,
                       "-d", str(doctrees), str(src), str(out)])


def build(out: Path | None = None) -> int:
    """Build the whole site into ``out``; returns Sphinx's exit status (0: no warning)."""
    out = Path(out or DEFAULT_OUT).resolve()
    work = out.parent / (out.name + "-src")
    cfg = author.config()
    stage(work / "src", cfg)
    if out.exists():
        shutil.rmtree(out)
    status = sphinx_build(work / "src", out, work / "doctrees")
    if status == 0:
        slides.build(out / "slides")
    return status


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else DEFAULT_OUT
    start = time.perf_counter()
    status = build(out)
    if status:
        print("サイトの生成に失敗しました (上の警告を直してください)。", file=sys.stderr)
        return status
    print(f"site in {out} ({time.perf_counter() - start:.1f} s): open {out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
