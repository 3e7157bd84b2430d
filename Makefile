# The README's two commands, thin wrappers around tools/course.py (the Windows route,
# `py tools\course.py lab|test`, runs the same code):
#   make lab    prepare .venv when needed, then open JupyterLab on the first notebook
#   make test   prepare .venv when needed, then run every test (NB=path: only that notebook)
# Authors:
#   make test TORCH=2.14.1   every test against another torch, in .venvs/torch-2.14.1
#   make execute [NB=...]    re-run notebooks in .venv and store their outputs
#   make sync                regenerate Colab cells, exercises, environment.yml, README table
#   make status / clean-venv what the environments look like / remove them
PYTHON ?= python3
COURSE := $(PYTHON) tools/course.py
FOUND   = @command -v $(PYTHON) >/dev/null 2>&1 || { echo "[autodiff-lecture] $(PYTHON) が見つかりません。Python 3.11 以上を入れてから、もう一度実行してください (README「はじめかた」)。"; exit 1; }

.PHONY: lab test execute sync status clean-venv slides site

lab:
	$(FOUND)
	@$(COURSE) lab

test:
	$(FOUND)
	@$(COURSE) test $(if $(TORCH),--torch $(TORCH)) $(NB)

execute:
	$(FOUND)
	@$(COURSE) execute $(NB)

sync:
	$(FOUND)
	@$(COURSE) sync

status:
	$(FOUND)
	@$(COURSE) status

# Static reveal.js slides of every lecture notebook, from the stored outputs: build/slides/
slides:
	$(FOUND)
	@$(COURSE) slides

# The course site (with the slides), from the stored outputs, warnings as errors: build/site/
site:
	$(FOUND)
	@$(COURSE) site

clean-venv:
	$(FOUND)
	@$(COURSE) clean
