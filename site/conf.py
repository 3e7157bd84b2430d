"""Sphinx configuration of the course site (built by ``python -m tools.site``, see README).

Built from the notebooks' stored outputs (myst-nb, execution off), in Japanese, with the book
theme. Every file a page loads is served from the build: MathJax 3 is copied into
``_static/mathjax`` (from the sphinx-mathjax-offline wheel), the theme ships its own icons.
The repository location comes from ``[tool.autodiff-lecture]`` in pyproject.toml.
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools import author as authoring  # noqa: E402
from tools import slides  # noqa: E402

_cfg = authoring.config()

project = "機械学習講習会 第3回「自動微分」"
author = "traP アルゴリズム班 Kaggle 部"
copyright = "traP アルゴリズム班 Kaggle 部"
language = "ja"
html_title = "自動微分 — 動かして学ぶ機械学習講習会 第3回"
html_search_language = "ja"

extensions = ["myst_nb"]
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

# The notebooks are executed (and checked) by nbval; the site shows their stored outputs.
nb_execution_mode = "off"
nb_ipywidgets_js = {}               # no widget manager from a CDN (widget outputs are replaced)
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
# Notebooks 05 and 06 put a ### heading right under the title; a skipped level breaks no page or
# link (every other warning fails the build).
suppress_warnings = ["myst.header"]

# MathJax 3 from the build, not a CDN.
mathjax_path = "mathjax/" + slides.MATHJAX_SCRIPT
mathjax3_config = {"options": {"enableMenu": False}}

html_theme = "sphinx_book_theme"
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_last_updated_fmt = None
html_copy_source = False
html_show_sourcelink = False
html_context = {"default_mode": "light"}  # figures are drawn on white
html_theme_options = {
    "repository_url": f"https://github.com/{_cfg['repository']}",
    "repository_branch": _cfg["branch"],
    "path_to_docs": "",
    "use_repository_button": True,
    "use_download_button": False,
    "launch_buttons": {"colab_url": "https://colab.research.google.com"},
    "show_toc_level": 2,
    "navigation_with_keys": False,
}


def _copy_mathjax(app, exception):
    if exception is None:
        slides.copy_mathjax(Path(app.outdir) / "_static" / "mathjax")


def setup(app):
    app.connect("build-finished", _copy_mathjax)
