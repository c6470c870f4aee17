"""The GitHub workflow and the pre-commit config are valid and run the commands the README documents."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
# check-jsonschema ships the GitHub workflow schema, so validation needs no network.
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"
needs_validator = pytest.mark.skipif(
    not CHECK_JSONSCHEMA.exists(), reason="check-jsonschema is not installed (dev dependency check-jsonschema==0.39.0)"
)


def _validate(path: Path, schema: str = "vendor.github-workflows") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", schema, str(path)], capture_output=True, text=True, timeout=60
    )


def _workflow() -> dict[str, Any]:
    doc: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    if True in doc:  # YAML 1.1 reads the key `on` as a boolean
        doc["on"] = doc.pop(True)
    return doc


def _runs(job: dict[str, Any]) -> list[str]:
    return [str(step["run"]) for step in job["steps"] if "run" in step]


def _uses(job: dict[str, Any]) -> list[str]:
    return [str(step["uses"]) for step in job["steps"] if "uses" in step]


@needs_validator
@pytest.mark.parametrize("schema", ["vendor.github-workflows", "custom.github-workflows-require-timeout"])
def test_workflow_validates_against_the_github_schema(schema: str) -> None:
    """ci.yml passes the GitHub workflow schema, and every job has a timeout."""
    result = _validate(WORKFLOW, schema)
    assert result.returncode == 0, result.stdout + result.stderr


BREAKAGES = [
    ("misspelt steps key", "    steps:\n", "    step:\n"),
    ("job without runs-on", "    runs-on: ubuntu-latest\n", "    runs_on: ubuntu-latest\n"),
    ("timeout that is not a number", "timeout-minutes: 30", "timeout-minutes: soon"),
    ("unknown trigger", "  pull_request:\n", "  pull-request:\n"),
]


@needs_validator
@pytest.mark.parametrize(("old", "new"), [(o, n) for _, o, n in BREAKAGES], ids=[b[0] for b in BREAKAGES])
def test_broken_workflow_fails_validation(tmp_path: Path, old: str, new: str) -> None:
    """A workflow broken in one place is rejected by the same validation."""
    text = WORKFLOW.read_text(encoding="utf-8")
    assert old in text
    broken = tmp_path / "ci.yml"
    broken.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = _validate(broken)
    assert result.returncode == 1
    assert "Schema validation errors" in result.stdout + result.stderr


def test_triggers_and_test_matrix() -> None:
    """Push, pull requests and a weekly schedule trigger it; Python 3.10 to 3.13 are all tested.

    `make test` needs the pinned generator, which installs on 3.11 and later; 3.10 runs the library's tests
    with its runtime dependencies only.
    """
    doc = _workflow()
    assert {"push", "pull_request", "schedule"} <= set(doc["on"])
    assert re.fullmatch(r"\d+ \d+ \* \* \d", doc["on"]["schedule"][0]["cron"])
    test = doc["jobs"]["test"]
    assert test["strategy"]["matrix"]["python-version"] == ["3.11", "3.12", "3.13"]
    assert any(run.startswith("make test") for run in _runs(test))
    assert "${{ matrix.python-version }}" in str(test["steps"])
    runtime = doc["jobs"]["runtime"]
    assert runtime["strategy"]["matrix"]["python-version"] == ["3.10"]
    runs = _runs(runtime)
    assert any(run.startswith("python -m pip install . ") and "pyyaml" in run for run in runs)
    assert any("pytest --runtime-only" in run for run in runs)


def test_specs_job_checks_and_diffs_against_the_base_branch() -> None:
    """The specs job runs check-specs, check-generated, and on pull requests spec_diff against the base branch."""
    specs = _workflow()["jobs"]["specs"]
    runs = _runs(specs)
    assert any(run.startswith("make check-specs") for run in runs)
    assert any(run.startswith("make check-generated") for run in runs)
    diff_step = next(step for step in specs["steps"] if "spec_diff.py" in step.get("run", ""))
    assert diff_step["if"] == "github.event_name == 'pull_request'"
    assert diff_step["env"]["BASE_REF"] == "${{ github.base_ref }}"
    assert 'git show "origin/$BASE_REF:$spec"' in diff_step["run"]
    assert (
        next(s for s in specs["steps"] if s.get("uses", "").startswith("actions/checkout"))["with"]["fetch-depth"] == 0
    )


def test_weekly_job_downloads_updates_and_uploads_the_diff() -> None:
    """The scheduled job fetches the vendors' sources (Gcore's spec at a named commit), runs make update-specs, and
    always uploads the result."""
    job = _workflow()["jobs"]["update-specs"]
    assert "schedule" in job["if"]
    script = "\n".join(_runs(job))
    assert "curl --fail" in script and "make update-specs" in script
    assert "GCORE_PAGE=" in script and "MODELARTS_RST=" in script
    assert "GCORE_SPEC=" in script and "GCORE_COMMIT=" in script and "GCORE_SPEC_PATH=" in script
    assert job["env"]["GCORE_SPEC_REPO"] == "G-Core/product-documentation"
    assert "'api-reference/services_docs_mintlify/streaming_api.yaml'" in job["env"]["GCORE_SPEC_PATH"]
    assert "https://raw.githubusercontent.com/$GCORE_SPEC_REPO/$commit/$GCORE_SPEC_PATH" in script
    upload = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["if"] == "always()" and upload["with"]["path"] == "/tmp/spec-update/"


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_run_scripts_are_valid_bash() -> None:
    """Every `run:` script parses as bash once GitHub expressions are filled in."""
    for name, job in _workflow()["jobs"].items():
        for script in _runs(job):
            filled = re.sub(r"\$\{\{[^}]*\}\}", "x", script)
            result = subprocess.run(["bash", "-n"], input=filled, capture_output=True, text=True, timeout=30)
            assert result.returncode == 0, f"{name}: {result.stderr}"


def test_pre_commit_runs_pinned_ruff_and_the_spec_checks() -> None:
    """pre-commit runs ruff at the version pyproject pins, then make check-specs and make check-generated."""
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    ruff_repo = next(r for r in config["repos"] if r["repo"] == "https://github.com/astral-sh/ruff-pre-commit")
    pinned = re.search(r'"ruff==([\d.]+)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pinned is not None and ruff_repo["rev"] == f"v{pinned.group(1)}"
    assert [h["id"] for h in ruff_repo["hooks"]] == ["ruff-check", "ruff-format"]
    local = next(r for r in config["repos"] if r["repo"] == "local")
    entries = {h["id"]: (h["entry"], h["language"], h["pass_filenames"]) for h in local["hooks"]}
    assert entries == {
        "check-specs": ("make check-specs", "system", False),
        "check-generated": ("make check-generated", "system", False),
    }


def test_weekly_job_fetches_every_kept_modelarts_page_from_its_vendor_path() -> None:
    """The weekly job fetches every page specs/modelarts/provenance.json keeps, from its vendor path, at one commit."""
    job = _workflow()["jobs"]["update-specs"]
    provenance = json.loads((ROOT / "specs" / "modelarts" / "provenance.json").read_text(encoding="utf-8"))
    assert job["env"]["MODELARTS_REPO"] == provenance["repository"] == "opentelekomcloud-docs/modelarts"
    pages = dict(page.split("=", 1) for page in job["env"]["MODELARTS_PAGES"].split())
    assert pages == {name: record["path"] for name, record in provenance["pages"].items()}
    assert all(path.startswith("api-ref/source/") for path in pages.values())
    script = "\n".join(_runs(job))
    assert 'git ls-remote "https://github.com/$MODELARTS_REPO.git" HEAD' in script
    assert "https://raw.githubusercontent.com/$MODELARTS_REPO/$commit/${page#*=}" in script
    assert 'MODELARTS_RST=/tmp/pages/modelarts MODELARTS_COMMIT="$(cat /tmp/pages/modelarts.commit)"' in script
