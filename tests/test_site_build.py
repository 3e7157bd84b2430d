"""Bad input for the site build: a broken internal link and a missing image fail it, named."""
import subprocess
import sys

import nbformat
from helpers import ROOT

BUILD = ("import sys; from pathlib import Path; from tools import site; "
         "sys.exit(site.sphinx_build(*map(Path, sys.argv[1:])))")


def test_broken_link_and_missing_image_fail_the_build_naming_page_and_target(tmp_path):
    src = tmp_path / "src"
    (src / "notebooks").mkdir(parents=True)
    (src / "index.md").write_text("# 目次\n\n```{toctree}\nnotebooks/bad\n```\n", encoding="utf-8")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 壊れたページ\n\n[次](99_missing.ipynb) を見てください。"),
                nbformat.v4.new_markdown_cell("![図](figures/missing.png)")]
    nbformat.write(nb, src / "notebooks" / "bad.ipynb")
    result = subprocess.run([sys.executable, "-c", BUILD, str(src), str(tmp_path / "out"), str(tmp_path / "dt")],
                            cwd=ROOT, capture_output=True, text=True)
    log = result.stdout + result.stderr
    assert result.returncode != 0, log
    lines = [ln for ln in log.splitlines() if "notebooks/bad" in ln]
    assert any("99_missing" in ln for ln in lines), log
    assert any("figures/missing.png" in ln for ln in lines), log
