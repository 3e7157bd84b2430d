"""Slide metadata planned from notebook structure (tools/slide_plan.py) and the decks made from it."""
import re

import nbformat
import pytest
from helpers import ROOT, ids, notebooks_in

from tools import author, slide_plan, slides

LECTURES = notebooks_in("notebooks")


def md(source, **kw):
    return nbformat.v4.new_markdown_cell(source, **kw)


def code(source, outputs=(), **kw):
    return nbformat.v4.new_code_cell(source, execution_count=1, outputs=list(outputs), **kw)


def stream(text):
    return nbformat.v4.new_output("stream", name="stdout", text=text)


def planned(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return slide_plan.with_slide_metadata(nb)


def kinds(nb):
    return [c.metadata["slideshow"]["slide_type"] for c in nb.cells]


@pytest.mark.parametrize("path", LECTURES, ids=ids(LECTURES))
def test_slide_metadata_is_what_make_sync_writes(path):
    nb = nbformat.read(path, as_version=4)
    want = slide_plan.with_slide_metadata(nb)
    differ = [c.get("id") for c, w in zip(nb.cells, want.cells)
              if (c.metadata.get("slideshow"), c.metadata.get("slide_breaks"))
              != (w.metadata.get("slideshow"), w.metadata.get("slide_breaks"))]
    assert not differ, (f"slide metadata of {path.relative_to(ROOT)} differs from what `make sync` writes "
                        f"in cells {differ}: run `make sync`")


def test_headings_start_slides_and_setup_cells_are_skipped():
    nb = planned(md("[![Open In Colab](x)](y)", id=author.BADGE_ID),
                 code("import sys", id=author.SETUP_ID),
                 md("# タイトル\n\n導入の文です。"),
                 code("import torch\nfrom lecture_utils import plotting"),
                 md("## 節\n\n本文です。"),
                 code("x = torch.tensor(2.0)\nprint(x)", [stream("tensor(2.)\n")]),
                 md("### 小節\n\n続きです。"),
                 md("まだ同じスライドに入ります。"))
    assert kinds(nb) == ["skip", "skip", "slide", "skip", "slide", "-", "subslide", "-"]


def test_code_that_does_more_than_import_is_shown():
    nb = planned(md("# タイトル"), code("import torch\ntorch.manual_seed(0)"))
    assert kinds(nb) == ["slide", "-"]


def test_fix_boxes_become_speaker_notes():
    box = "> **スライドからの修正**: スライドでは `4.0` でしたが、正しくは `4` です。\n>\n> 理由も書きます。"
    nb = planned(md("# タイトル"), md(box), md("本文です。\n\n" + box + "\n\nその後の本文です。"))
    assert kinds(nb) == ["slide", "notes", "-"]
    deck = slides.deck_notebook(nb, lambda rel: "https://colab.example/" + rel)
    notes = [c.source for c in deck.cells if c.metadata["slideshow"]["slide_type"] == "notes"]
    shown = [c.source for c in deck.cells if c.metadata["slideshow"]["slide_type"] != "notes"]
    assert len(notes) == 2 and all(n.startswith("**スライドからの修正**") for n in notes)
    assert not any("スライドからの修正" in s for s in shown)
    assert "その後の本文です。" in "\n".join(shown)


def test_a_cell_that_does_not_fit_starts_a_subslide():
    filler = "\n\n".join("一行の段落です。" for _ in range(8))
    nb = planned(md("## 節"), md(filler), md(filler), md(filler))
    assert kinds(nb)[0] == "slide" and "subslide" in kinds(nb)[1:]


def segments_fit(units, cuts):
    bounds = [0, *cuts, len(units)]
    return all(sum(u.height for u in units[a:b]) <= slide_plan.BUDGET for a, b in zip(bounds, bounds[1:]))


def test_long_headingless_markdown_is_cut_into_slide_sized_parts():
    sentence = "番目の段落です。学習率が大きすぎると行き過ぎ、小さすぎると進みません。"
    prose = "\n\n".join(f"{i} {sentence}" for i in range(80))
    nb = planned(md("# タイトル"), md(prose))
    breaks = nb.cells[1].metadata["slide_breaks"]["source"]
    assert len(breaks) >= 4
    lines = prose.split("\n")
    assert all(lines[b].strip() and not lines[b - 1].strip() for b in breaks), "cuts fall between paragraphs"
    units = slide_plan._markdown_units(prose)
    cut_units = [k for k, u in enumerate(units) if u.position[1] in breaks]
    assert segments_fit(units, cut_units)


def test_long_code_and_long_output_are_cut():
    source = "\n".join(f"x{i} = {i}" for i in range(100))
    printed = stream("".join(f"行 {i}\n" for i in range(120)))
    nb = planned(md("# タイトル"), code(source, [printed]))
    breaks = nb.cells[1].metadata["slide_breaks"]
    assert breaks["source"] and breaks["outputs"]
    units = slide_plan._code_units(nb.cells[1])
    positions = [u.position for u in units]
    cuts = [positions.index(("source", b)) for b in breaks["source"]]
    cuts += [positions.index(("outputs", o)) for o in breaks["outputs"]]
    assert segments_fit(units, sorted(cuts))


def test_expected_slide_count_is_what_the_deck_holds():
    """Counted from the metadata, and counted in the exported deck's sections (no browser)."""
    source = "\n".join(f"x{i} = {i}" for i in range(60))
    nb = planned(md("# タイトル\n\n## 目標\n\n- 一つ目"), code(source, [stream("".join(f"{i}\n" for i in range(50)))]),
                 md("## 次の節"), md("> **スライドからの修正**: 直しました。"))
    html, _ = slides.exporter().from_notebook_node(slides.deck_notebook(nb, str),
                                                   resources={"reveal": {"assets": "_assets"},
                                                              "metadata": {"name": "t"}})
    sections = re.findall(r"<section[ >]", html)
    outer = html.count('<div class="slides">')
    assert outer == 1
    # every slide start opens two sections (slide + its first sub-slide), a sub-slide one
    slide_starts = sum(1 for c in slides.deck_notebook(nb, str).cells
                       if c.metadata["slideshow"]["slide_type"] == "slide")
    assert len(sections) - slide_starts == slide_plan.expected_slide_count(nb)


def test_deck_links_point_at_decks_and_colab():
    text = "[4](04_gradient_descent.ipynb) と [演習](../exercises/ex1_tensor.ipynb)"
    out = slides.rewrite_links(text, lambda rel: f"https://colab/{rel}")
    assert out == "[4](04_gradient_descent.slides.html) と [演習](https://colab/exercises/ex1_tensor.ipynb)"
