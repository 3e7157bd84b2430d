"""The course site and the static slides, built once and checked in one headless Chromium.

Built from the stored outputs (nothing executed) with warnings as errors; then every page's links
and assets are checked on disk, and the site's index, every lecture page and every deck are
loaded from 127.0.0.1: no console error, no request leaving the machine, every image loaded,
all math typeset, Japanese text shown; each deck has the slides its notebooks' metadata says,
and none overflows 1280x720.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest
import site_build
import web
from helpers import notebooks_in

from tools import author, slide_plan, slides

LECTURES = notebooks_in("notebooks")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]{4,}")
RAW_MATH = re.compile(r"\$\$|\\\(|\\\[|\$[^$\s][^$]*\$")

# Measurement mode: every slide laid out at once, at the deck's own width, for its real height.
ALL_SLIDES_CSS = """.reveal .slides section { display: block !important; position: relative !important;
  transform: none !important; opacity: 1 !important; visibility: visible !important;
  top: 0 !important; left: 0 !important; }"""
MEASURE = """async () => {
  await document.fonts.ready;
  return Reveal.getSlides().map((s, k) => ({k, height: Math.max(s.scrollHeight, s.offsetHeight),
    width: s.scrollWidth, text: s.innerText.trim().slice(0, 60)}));
}"""


def long_headingless_notebook() -> nbformat.NotebookNode:
    """Bad input: cells that run for many screens without a heading."""
    prose = "\n\n".join(f"{i} 番目の段落です。勾配降下法では、今いる点での傾きを使って少しずつ進みます。"
                        "学習率が大きすぎると行き過ぎ、小さすぎるとなかなか進みません。" for i in range(60))
    code = "\n".join(f"x{i} = {i} * 2  # 長いセル" for i in range(120))
    printed = nbformat.v4.new_output("stream", name="stdout", text="".join(f"行 {i}\n" for i in range(150)))
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 長いノートブック"),
                nbformat.v4.new_markdown_cell(prose),
                nbformat.v4.new_code_cell(code, execution_count=1, outputs=[printed])]
    return slide_plan.with_slide_metadata(nb)


@pytest.fixture(scope="module")
def built():
    """The site (with its decks) and the bad-input deck, built once per test run, in the
    background from the start of the run (tests/site_build.py); removed afterwards."""
    out = site_build.start()   # already started by tests/conftest.py; this only finds it
    result = site_build.wait(out, "site")
    yield out, result["status"], result["log"]


@pytest.fixture(scope="module")
def browser(built):
    executable = web.require_chromium()
    from playwright.sync_api import sync_playwright

    out, status, _ = built
    if status != 0:
        pytest.skip("the site did not build (see test_site_builds_with_warnings_as_errors)")
    server = web.Server(out)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, args=web.CHROMIUM_ARGS)
        context = chromium.new_context(viewport={"width": slide_plan.SLIDE_WIDTH,
                                                 "height": slide_plan.SLIDE_HEIGHT})
        external: list[str] = []
        web.block_outside(context, server.url, external)
        yield context, server.url, external
        chromium.close()
    server.close()


def test_site_builds_with_warnings_as_errors(built):
    out, status, log = built
    assert status == 0, f"site build failed:\n{log[-6000:]}"
    assert "WARNING" not in log, log[-3000:]
    for path in LECTURES:
        assert (out / "site" / "notebooks" / (path.stem + ".html")).exists()
        assert (out / "site" / "slides" / slides.deck_name(path)).exists()


# --- on disk: links, assets, speaker notes --------------------------------------------------

class Refs(HTMLParser):
    """Every URL a page links to or loads, and its speaker notes."""

    def __init__(self):
        super().__init__()
        self.loads: list[str] = []
        self.links: list[str] = []
        self.notes: list[str] = []
        self._in_notes = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "video", "audio") and a.get("src"):
            self.loads.append(a["src"])
        if tag == "link" and a.get("href") and "stylesheet" in (a.get("rel") or "") + (a.get("as") or ""):
            self.loads.append(a["href"])
        if tag == "link" and a.get("href") and a.get("rel") in ("preload", "icon", "modulepreload"):
            self.loads.append(a["href"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "aside" and "notes" in (a.get("class") or ""):
            self._in_notes += 1
            self.notes.append("")

    def handle_endtag(self, tag):
        if tag == "aside" and self._in_notes:
            self._in_notes -= 1

    def handle_data(self, data):
        if self._in_notes:
            self.notes[-1] += data


def parse(page: Path) -> Refs:
    refs = Refs()
    refs.feed(page.read_text(encoding="utf-8"))
    return refs


def local_target(page: Path, url: str) -> Path | None:
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    return (page.parent / unquote(parts.path)).resolve()


def test_every_local_link_and_asset_exists(built):
    out, *_ = built
    broken = []
    for page in sorted((out / "site").rglob("*.html")):
        if "_static" in page.parts:   # the theme's template fragments, not pages
            continue
        refs = parse(page)
        for url in refs.loads + refs.links:
            target = local_target(page, url)
            if target is not None and not target.exists():
                broken.append(f"{page.relative_to(out)} -> {url}")
    assert not broken, "broken local links:\n" + "\n".join(broken[:40])


def test_nothing_is_loaded_from_the_internet(built):
    """Scripts, style sheets, images and fonts come from the build (links to other sites are fine)."""
    out, *_ = built
    remote = []
    for page in sorted((out / "site").rglob("*.html")) + sorted((out / "bad-input").glob("*.html")):
        for url in parse(page).loads:
            if urlsplit(url).scheme in ("http", "https") or url.startswith("//"):
                remote.append(f"{page.relative_to(out)} loads {url}")
    for css in (out / "site").rglob("*.css"):
        for url in re.findall(r"url\(['\"]?((?:https?:)?//[^)'\"]+)", css.read_text(encoding="utf-8")):
            remote.append(f"{css.relative_to(out)} loads {url}")
    assert not remote, "\n".join(remote[:20])


@pytest.mark.parametrize("path", LECTURES, ids=[p.stem for p in LECTURES])
def test_fix_boxes_are_speaker_notes_not_slide_text(built, path):
    out, *_ = built
    nb = nbformat.read(path, as_version=4)
    boxes = sum(len(slide_plan.fix_box_ranges(c.source)) for c in nb.cells if c.cell_type == "markdown")
    deck = out / "site" / "slides" / slides.deck_name(path)
    refs = parse(deck)
    shown = re.sub(r"<aside class=\"notes\">.*?</aside>", "", deck.read_text(encoding="utf-8"), flags=re.S)
    assert sum("スライドからの修正" in n for n in refs.notes) == boxes
    assert "スライドからの修正" not in re.sub(r"<[^>]+>", "", shown)


# --- in the browser ------------------------------------------------------------------------

def settle(page) -> list[str]:
    """Wait for images and MathJax; return the images that did not load."""
    missing = page.evaluate(web.WAIT_IMAGES)
    page.evaluate("async () => { if (window.MathJax && MathJax.startup) await MathJax.startup.promise; }")
    return missing


def check_page_content(page, name: str, problems: list[str], missing: list[str]) -> list[str]:
    found = [f"{name}: {p}" for p in problems] + [f"{name}: image not loaded: {m}" for m in missing]
    text = page.evaluate(web.VISIBLE_TEXT)
    math = page.evaluate(web.MATH_STATE)
    raw = RAW_MATH.findall(text)
    if raw:
        found.append(f"{name}: math left untypeset: {raw[:3]}")
    if math["errors"]:
        found.append(f"{name}: MathJax errors: {math['errors'][:3]}")
    if not JAPANESE.search(text):
        found.append(f"{name}: no Japanese text")
    return found


def test_site_index_and_lecture_pages(browser):
    context, origin, external = browser
    cfg = author.config()
    found = []
    pages = {f"{origin}/site/index.html": None}
    pages.update({f"{origin}/site/notebooks/{p.stem}.html": p for p in LECTURES})
    for url, page, v in web.open_all(context, list(pages), origin):
        name, notebook = url[len(origin) + 6:], pages[url]
        found += check_page_content(page, name, v.problems, settle(page))
        if notebook is None:
            if page.evaluate("() => document.documentElement.lang") != "ja":
                found.append(f"{name}: not marked as Japanese")
            continue
        nb_rel = f"notebooks/{notebook.name}"
        badge = page.evaluate("() => { const a = document.querySelector('a.course-colab'); return a && a.href; }")
        deck = page.evaluate("() => { const a = document.querySelector('a.course-slides'); return a && a.href; }")
        if badge != author.colab_url(nb_rel, cfg):
            found.append(f"{name}: Colab badge {badge!r}, expected {author.colab_url(nb_rel, cfg)!r}")
        if not deck or not deck.endswith(f"/site/slides/{slides.deck_name(notebook)}"):
            found.append(f"{name}: no link to its slides ({deck!r})")
        if "$" in "".join(c.source for c in nbformat.read(notebook, as_version=4).cells) \
                and page.evaluate(web.MATH_STATE)["typeset"] == 0:
            found.append(f"{name}: no typeset math")
    assert not found, "\n".join(found)
    assert not external, f"requests that left the machine: {external[:10]}"


def test_site_search_finds_japanese_words(browser):
    context, origin, external = browser
    for _, page, v in web.open_all(context, [f"{origin}/site/search.html?q=勾配降下法"], origin):
        page.wait_for_function("() => document.querySelectorAll('#search-results li').length > 0", timeout=15000)
        hits = page.evaluate("() => [...document.querySelectorAll('#search-results li a')].map(a => a.textContent)")
        assert any("勾配降下法" in h for h in hits), hits
        assert not v.problems, v.problems
    assert not external, external


def check_deck(page, v, expected: int, name: str) -> list[str]:
    page.wait_for_function("() => window.Reveal && Reveal.isReady()")
    found = check_page_content(page, name, v.problems, settle(page))
    total = page.evaluate("() => Reveal.getTotalSlides()")
    if total != expected:
        found.append(f"{name}: {total} slides, the notebook's metadata says {expected}")
    page.add_style_tag(content=ALL_SLIDES_CSS)
    for s in page.evaluate(MEASURE):
        if s["height"] > slide_plan.SLIDE_HEIGHT or s["width"] > slide_plan.SLIDE_WIDTH:
            found.append(f"{name}: slide {s['k'] + 1} is {s['width']}x{s['height']} (> "
                         f"{slide_plan.SLIDE_WIDTH}x{slide_plan.SLIDE_HEIGHT}): {s['text']!r}")
    return found


def test_every_deck_has_its_slides_and_none_overflows(browser):
    context, origin, external = browser
    decks = {f"{origin}/site/slides/{slides.deck_name(p)}": p for p in LECTURES}
    found = []
    for url, page, v in web.open_all(context, list(decks), origin):
        path = decks[url]
        expected = slide_plan.expected_slide_count(nbformat.read(path, as_version=4))
        found += check_deck(page, v, expected, path.stem)
    assert not found, "\n".join(found)
    assert not external, f"requests that left the machine: {external[:10]}"


def test_long_headingless_cells_are_split_into_slides_that_fit(browser, built):
    context, origin, _ = browser
    out, *_ = built
    nb = nbformat.read(out / "bad-input" / "99_long.ipynb", as_version=4)
    expected = slide_plan.expected_slide_count(nb)
    assert expected >= 10
    for _, page, v in web.open_all(context, [f"{origin}/bad-input/99_long.slides.html"], origin):
        found = check_deck(page, v, expected, "99_long")
        assert not found, "\n".join(found)
