# Two commands do all the set-up (README.md):
#   make lab    prepare .venv on first use, then open JupyterLab on the first notebook
#   make test   prepare .venv on first use, then run every test
# Authors: `make execute` re-runs notebooks and writes their outputs back.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
FIRST  := notebooks/01_recap.ipynb

.PHONY: lab test execute sync clean-venv slides site

lab: $(STAMP)
	@$(PY) lecture_utils/doctor.py dot font --warn
	$(VENV)/bin/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) $(FIRST)

test: $(STAMP)
	@$(PY) lecture_utils/doctor.py dot font
	$(PY) -m pytest

# Re-execute notebooks in the pinned environment and write their outputs back
# (all of notebooks/ and solutions/, or NB="path ..."), then regenerate exercises/.
execute: $(STAMP)
	$(PY) -m tools.author execute $(NB)

# Rewrite Colab badges and setup cells and regenerate exercises/, without executing.
sync: $(STAMP)
	$(PY) -m tools.author sync

# Static reveal.js slides of every lecture notebook, from the stored outputs: build/slides/
slides: $(STAMP)
	$(PY) -m tools.slides

# The course site (with the slides), from the stored outputs, warnings as errors: build/site/
site: $(STAMP)
	$(PY) -m tools.site

# The environment is rebuilt whenever pyproject.toml changes; quick when it has not.
$(STAMP): pyproject.toml
	@$(PYTHON) lecture_utils/doctor.py python
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet -e ".[test]" \
	  || { rm -rf $(VENV); $(PYTHON) lecture_utils/doctor.py network; exit 1; }
	@# Build matplotlib's font cache now, not inside the first notebook (its notice goes to stderr).
	@$(PY) -c "import matplotlib.font_manager"
	@touch $(STAMP)

clean-venv:
	rm -rf $(VENV)
