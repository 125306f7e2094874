# The two commands users run: `make test` and `make report`. Both set everything up on a machine
# that has only python3: a virtual environment in .venv with the project and its extras installed.
# `make lab` opens the notebooks in JupyterLab (trainers: 01-order-lifecycle-walkthrough.ipynb).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LAB    := $(VENV)/.lab-installed

.PHONY: test report lab calibration lint format venv clean

venv: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the project's declared dependencies change. The test suite exercises the
# optional extras too (pm4py reads our OCEL export, dask runs replications), so they are
# installed here.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,mining,dask]'
	touch $@

# Notebooks are linted, not formatted: a parameters cell keeps one `name: type = value  # help`
# per line, however long, so that papermill --help-notebook documents it.
lint: $(STAMP)
	$(BIN)/ruff check omsim tests benchmarks notebooks
	$(BIN)/ruff format --check omsim tests benchmarks
	$(BIN)/mypy omsim

format: $(STAMP)
	$(BIN)/ruff format omsim tests benchmarks
	$(BIN)/ruff check --fix omsim tests benchmarks

# Two pytest workers (xdist), a test file per worker at a time: the suite's slow files run side
# by side on a 2-core machine. The browser test needs Debian's chromium and chromium-driver
# (.ci/run installs them); without them it is skipped, saying so.
test: lint
	$(BIN)/python -m pytest -n 2 --dist loadfile omsim tests

# The main job: every notebook executed for the default scenario into
# reports/regional_retailer-<time>/, rendered as HTML that opens offline; prints index.html.
report: $(STAMP)
	$(BIN)/omsim report --scenario regional_retailer

# JupyterLab on notebooks/, its kernel the project's environment: the `lab` extra and a kernel
# spec named omsim (Python (omsim), running .venv's Python) are installed here, on the first
# `make lab` and again when the project's dependencies change; `make test` and `make report` do
# not install JupyterLab. Stop the server with Ctrl-C. LAB_ARGS passes options to JupyterLab
# (`make lab LAB_ARGS=--no-browser`); as root (a container) it gets --allow-root, which it needs.
$(LAB): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[lab]'
	$(BIN)/python -m ipykernel install --sys-prefix --name omsim --display-name 'Python (omsim)'
	touch $@

lab: $(LAB)
	$(BIN)/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

# omsim against the published figures (docs/figures.md): the bands' full interval check (the
# `calibration` test marker, six 42-day replications), then 10 replications each of the default
# and the peak-season scenario, the table printed and written to docs/calibration.md. It takes a
# while.
calibration: $(STAMP)
	$(BIN)/python -m pytest -m calibration tests/integration/test_return_rate_band.py
	$(BIN)/omsim calibrate regional_retailer peak_season -n 10 --write-docs docs/calibration.md

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .mypy_cache .ruff_cache
