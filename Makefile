# Two commands set up everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --quiet --disable-pip-version-check
TORCH_VERSION := 2.13.0

.PHONY: run test bench lint clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip

# Stamp files remember which extras are installed; they are redone when pyproject.toml changes.
$(VENV)/.stamp-run: pyproject.toml | $(PY)
	$(PIP) -e .
	@touch $@

$(VENV)/.stamp-test: pyproject.toml | $(PY)
	$(PIP) -e '.[test]'
	@touch $@ $(VENV)/.stamp-run

$(VENV)/.stamp-bench: pyproject.toml | $(PY)
	$(PIP) -e '.[test,bench]'
	$(PIP) torch==$(TORCH_VERSION)
	@touch $@ $(VENV)/.stamp-run $(VENV)/.stamp-test

run: $(VENV)/.stamp-run
	$(VENV)/bin/scimlkit demo --out scimlkit-report

test: $(VENV)/.stamp-test
	$(PY) -m pytest -q -n 2 --dist loadfile

bench: $(VENV)/.stamp-bench
	$(PY) benchmarks/run_all.py

lint: $(VENV)/.stamp-test
	$(VENV)/bin/ruff check src tests benchmarks examples

clean:
	rm -rf $(VENV) scimlkit-report .pytest_cache build src/*.egg-info
