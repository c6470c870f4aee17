# Every target creates .venv first when it is missing, so a machine with python3, pip and make is enough.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: venv generate check-specs check-generated lint typecheck pytest docs test demo bench update-specs

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

# make update-specs GCORE_SPEC=path [GCORE_COMMIT=sha GCORE_SPEC_PATH=path-in-repo] GCORE_PAGE=path
# MODELARTS_RST=path [MODELARTS_COMMIT=sha] (any of them): take in newly downloaded vendor files, print the
# breaking-change report, regenerate and run check-specs (see docs/specs.md, "Updating a spec"). MODELARTS_RST may be a
# folder of pages; MODELARTS_COMMIT records the vendor commit they were downloaded at.
update-specs: venv
	$(BIN)/python scripts/update_specs.py $(if $(GCORE_SPEC),--gcore-spec '$(GCORE_SPEC)') \
		$(if $(GCORE_COMMIT),--gcore-commit '$(GCORE_COMMIT)') \
		$(if $(GCORE_SPEC_PATH),--gcore-spec-path '$(GCORE_SPEC_PATH)') \
		$(if $(GCORE_PAGE),--gcore-page '$(GCORE_PAGE)') \
		$(if $(MODELARTS_RST),--modelarts-rst '$(MODELARTS_RST)') \
		$(if $(MODELARTS_COMMIT),--modelarts-commit '$(MODELARTS_COMMIT)')

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy

pytest: venv
	$(BIN)/pytest -n auto

# The site (docs/, mkdocs.yml) into site/, git-ignored; --strict: a broken link or reference fails the build.
# The pages' examples are run by tests/test_docs_examples.py, in `make pytest`. (No --quiet: it hides the
# warnings from --strict, and a broken link then passes.)
docs: venv
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

test: check-specs check-generated lint typecheck pytest docs

demo: venv
	$(BIN)/python scripts/demo.py

# The bench extra (the cli extra, the official gcore SDK, h2, trustme) goes into the same .venv once; its own
# stamp keeps `make test` from needing it. Writes benchmarks/RESULTS.md.
BENCH_STAMP := $(VENV)/.bench-installed-stamp

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	@touch $(BENCH_STAMP)

bench: venv $(BENCH_STAMP)
	$(BIN)/python benchmarks/run.py
