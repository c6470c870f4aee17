# Every target creates .venv first when it is missing, so a machine with python3, pip and make is enough.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: venv generate check-specs check-generated lint typecheck pytest pytest-httpx-other docs test demo bench update-specs

# pip is pinned first: 26.x resolves the dev extra in a third of the time of the 23.x that `venv` bundles (12 s
# against 30 s). `--without-pip` and the outer pip's `--python` skip ensurepip's install of the old one (6 s);
# an outer pip without `--python` (before 22.3) falls back to ensurepip.
PIP_VERSION := 26.3

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv --without-pip $(VENV)
	@$(BIN)/python -m pip --version 2>/dev/null | grep -q '^pip $(PIP_VERSION) ' \
		|| $(PYTHON) -m pip --python $(BIN)/python install --quiet pip==$(PIP_VERSION) \
		|| ($(BIN)/python -m ensurepip --default-pip && $(BIN)/python -m pip install --quiet pip==$(PIP_VERSION))
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
# MODELARTS_RST=path [MODELARTS_COMMIT=sha] [FAIL_ON=ERR|WARN] (any of them): take in newly downloaded vendor files,
# print the breaking-change report (scripts/spec_diff.py, levels as the oasdiff release it names), regenerate and run
# check-specs (see docs/specs.md, "Updating a spec"). MODELARTS_RST may be a folder of pages; MODELARTS_COMMIT records the
# vendor commit they were downloaded at. Exit 1 when the report has a change at FAIL_ON or worse: ERR (the default)
# fails on breaking changes, WARN on changes to review too; CI's weekly refresh uses FAIL_ON=WARN.
FAIL_ON ?= ERR

update-specs: venv
	$(BIN)/python scripts/update_specs.py --fail-on '$(FAIL_ON)' $(if $(GCORE_SPEC),--gcore-spec '$(GCORE_SPEC)') \
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

# worksteal balances the slow tests (subprocesses, docs pages) across workers: 215 and 200 s here against 220 and 224 s.
pytest: venv
	$(BIN)/pytest -n auto --dist worksteal

# The runtime range admits httpx 0.28 and 0.29; the pinned generator needs 0.28 in .venv, so the conformance and
# hostile suites run a second time with 0.29 put first on the path (the rest of .venv is shared).
HTTPX_OTHER := 0.29.0
OTHER := $(VENV)/httpx-$(HTTPX_OTHER)

$(OTHER)/.stamp: $(STAMP)
	$(BIN)/python -m pip install --quiet --no-deps --target $(OTHER) httpx==$(HTTPX_OTHER)
	@touch $@

pytest-httpx-other: venv $(OTHER)/.stamp
	AITASKS_EXPECT_HTTPX=$(HTTPX_OTHER) PYTHONPATH=$(OTHER) $(BIN)/pytest -n auto -q -p no:cacheprovider \
		tests/test_conformance.py tests/test_hostile.py


# The site (docs/, mkdocs.yml) into site/, git-ignored; --strict: a broken link or reference fails the build.
# The pages' examples are run by tests/test_docs_examples.py, in `make pytest`. (No --quiet: it hides the
# warnings from --strict, and a broken link then passes.)
docs: venv
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

# The checks run side by side with the httpx-0.29 pass, whose hostile tests mostly wait on timeouts and slow
# servers (a core idles there while mypy can use it); the main pass runs last, on both cores, its summary last.
test: venv
	$(MAKE) --no-print-directory -j --output-sync=target check-specs check-generated lint typecheck docs pytest-httpx-other
	$(MAKE) --no-print-directory pytest

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
