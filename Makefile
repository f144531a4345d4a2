# ComputeLab: `make start` for learners, `make test` for developers and CI.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
RUNTIME_STAMP := $(VENV)/.runtime-stamp

.PHONY: start test test-fast test-browser lint docs serve-docs bench clean

# A learner's `make start` installs only what the trainer needs; `make test` adds the test
# and docs tools.
$(RUNTIME_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUNTIME_STAMP)

$(STAMP): $(RUNTIME_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,docs,instructor]'
	touch $(STAMP)

start: $(RUNTIME_STAMP)
	$(BIN)/computelab start

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -n auto --dist loadfile tests
	COMPUTELAB_HOME=$$(mktemp -d) COMPUTELAB_KERNEL_SANDBOX=1 $(BIN)/python -m pytest -q --nbval-lax labs/*/solution.ipynb

# The everyday loop: no browser, no nbval, nothing marked slow (grading pools, the wheel in
# a fresh venv, JupyterLab, per-lab private sandboxes): at most 90 s on 2 cores.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -x -n auto --dist loadfile -m "not browser and not slow" tests

test-browser: $(STAMP)
	$(BIN)/python -m pytest -q -m browser tests

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

serve-docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve -a 127.0.0.1:8000

bench: $(STAMP)
	$(BIN)/python bench/bench_lab01.py

clean:
	rm -rf site build dist *.egg-info .pytest_cache
