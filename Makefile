# Every target creates .venv first when it is missing, so a machine with python3, pip and make is enough.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: venv generate check-specs check-generated lint typecheck pytest test demo bench

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

generate: venv
	$(BIN)/python scripts/generate.py

check-specs: venv
	$(BIN)/python scripts/check_specs.py

check-generated: venv
	$(BIN)/python scripts/check_generated.py

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy

pytest: venv
	$(BIN)/pytest

test: check-specs check-generated lint typecheck pytest
