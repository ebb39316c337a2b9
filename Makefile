# peir — two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
OUT ?= out/brief

.PHONY: demo test lint typecheck pytest bench docs clean venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

venv: $(BIN)/python

# Creates the environment, installs peir and runs the main job on the embedded example.
demo: venv
	$(BIN)/python -m pip install --quiet .
	$(BIN)/peir validate --example el_salvador
	$(BIN)/peir brief --example el_salvador --peers central_america --out $(OUT) --lang en
	$(BIN)/peir brief --example el_salvador --peers central_america --out $(OUT)-es --lang es
	@echo "Brief written to $(OUT)/brief.html and $(OUT)-es/brief.html"

# Creates the environment, installs with dev (and spark) extras, then lint, types and tests.
test: venv
	$(BIN)/python -m pip install --quiet -e ".[dev,spark]"
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python tests/test_import_contract.py
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 --dist loadgroup

# ruff, then the import contract (the layers of docs/architecture.md; tests/test_import_contract.py)
lint: venv
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python tests/test_import_contract.py

typecheck: venv
	$(BIN)/mypy

# Benchmarks run on demand and rewrite docs/performance.md.
bench: venv
	$(BIN)/python -m pip install --quiet -e ".[dev,spark,bench]"
	$(BIN)/python -m benchmarks.run

docs: venv
	$(BIN)/python -m peir.indicators.docs docs/indicators.md

clean:
	rm -rf $(VENV) out build dist .pytest_cache .mypy_cache .ruff_cache
