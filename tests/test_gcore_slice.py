"""The Gcore slice: cut from the vendor's file deterministically, written by `make generate`, drift-checked."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import slice_gcore

ROOT = Path(__file__).resolve().parent.parent
GCORE = ROOT / "specs" / "gcore"
HISTORY = ROOT / "tests" / "fixtures" / "gcore-history"


def _copy_project(dest: Path) -> Path:
    for name in ("specs", "scripts", "generated"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "ruff.toml", dest / "ruff.toml")
    return dest


def _run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=project, capture_output=True, text=True, timeout=180)


def test_committed_slice_is_what_the_slicer_makes() -> None:
    """specs/gcore/openapi.yaml is the slicer's output for the pinned vendor file, byte for byte."""
    assert slice_gcore.build((GCORE / "streaming_api.yaml").read_bytes()) == (GCORE / "openapi.yaml").read_bytes()


def test_slice_holds_the_three_operations_and_only_what_they_reference() -> None:
    """Three operations, the 22 schemas they reach (of the vendor's 88), the API key scheme, no tag groups."""
    doc = yaml.safe_load((GCORE / "openapi.yaml").read_bytes())
    operations = {op["operationId"] for item in doc["paths"].values() for op in item.values()}
    assert operations == {"post_ai_tasks_cancel", "get_ai_task", "get_ai_tasks_list"}
    assert len(doc["components"]["schemas"]) == 22
    assert "ai_task_base" in doc["components"]["schemas"] and "ai_results_failure" in doc["components"]["schemas"]
    assert list(doc["components"]["securitySchemes"]) == ["APIKey"]
    assert "x-tagGroups" not in doc
    vendor = yaml.load((GCORE / "streaming_api.yaml").read_bytes(), Loader=yaml.CSafeLoader)
    assert len(vendor["components"]["schemas"]) == 88


def test_rewrites_keep_every_property_and_are_listed_in_the_header() -> None:
    """The allOf rewrite moves the properties beside allOf into it; the header names each schema rewritten."""
    plain = slice_gcore.slice_spec(slice_gcore.load((GCORE / "streaming_api.yaml").read_bytes(), "v"), ["get_ai_task"])
    assert set(plain["components"]["schemas"]["ai_results"]["properties"]) == {"processing_time", "result"}
    rewritten, done = slice_gcore.for_generator(plain)
    results = rewritten["components"]["schemas"]["ai_results"]
    assert "properties" not in results
    assert results["allOf"][0] == {"$ref": "#/components/schemas/ai_task_base"}
    assert set(results["allOf"][1]["properties"]) == {"processing_time", "result"}
    assert results["allOf"][1]["properties"]["result"]["oneOf"][-1] == {"type": "null"}
    assert "/components/schemas/ai_results" in done["allof-siblings"]
    assert "/components/schemas/ai_task_base/properties/progress" in done["null-defaults"]
    header = (GCORE / "openapi.yaml").read_text().split("\nopenapi:")[0]
    assert "#     /components/schemas/ai_results\n" in header
    assert "#     /components/schemas/ai_results/properties/result\n" in header


@pytest.mark.parametrize("name", sorted(p.name for p in HISTORY.glob("*.yaml")))
def test_every_vendor_version_slices_deterministically(name: str) -> None:
    """Each real version of the vendor's file slices (both of its layouts), twice to the same bytes."""
    data = (HISTORY / name).read_bytes()
    first = slice_gcore.build(data, name)
    assert first == slice_gcore.build(data, name)
    assert b"operationId: get_ai_tasks_list" in first


def test_unknown_operation_and_broken_ref_are_one_line() -> None:
    """A vendor file without an operation, or with a $ref that leads nowhere, is refused with one line."""
    doc = slice_gcore.load((GCORE / "streaming_api.yaml").read_bytes(), "v")
    with pytest.raises(slice_gcore.SliceError, match="no operation with operationId stop_everything"):
        slice_gcore.slice_spec(doc, ["stop_everything"], "v")
    del doc["components"]["schemas"]["ai_task_base"]
    with pytest.raises(slice_gcore.SliceError, match="'#/components/schemas/ai_task_base' does not resolve"):
        slice_gcore.slice_spec(doc, ["get_ai_task"], "v")
    with pytest.raises(slice_gcore.SliceError, match="not valid YAML at line 2"):
        slice_gcore.load(b"paths: [", "v")


def test_hand_edited_slice_fails_check_generated_until_make_generate(tmp_path: Path) -> None:
    """Editing the slice by hand is drift: check-generated and `slice_gcore.py --check` name it; slicing fixes it."""
    project = _copy_project(tmp_path)
    spec = project / "specs" / "gcore" / "openapi.yaml"
    spec.write_text(spec.read_text().replace("summary: Get AI task result", "summary: Get a task"))
    drift = _run(project, "scripts/check_generated.py")
    assert drift.returncode == 1
    assert (
        "check-generated: differs: specs/gcore/openapi.yaml (scripts/slice_gcore.py makes it from the vendor's file)"
        in drift.stderr
    )
    assert _run(project, "scripts/slice_gcore.py", "--check").returncode == 1
    assert _run(project, "scripts/slice_gcore.py").returncode == 0  # what `make generate` does first
    assert _run(project, "scripts/slice_gcore.py", "--check").returncode == 0
    assert spec.read_bytes() == (GCORE / "openapi.yaml").read_bytes()


def test_vendor_edit_without_generate_fails_check_generated(tmp_path: Path) -> None:
    """A change to the vendor file reaching a sliced operation shows as drift in the slice and in generated/."""
    project = _copy_project(tmp_path)
    vendor = project / "specs" / "gcore" / "streaming_api.yaml"
    text = vendor.read_text()
    assert text.count('"summary": "Get AI task result"') == 1
    vendor.write_text(text.replace('"summary": "Get AI task result"', '"summary": "Get a task"'))
    drift = _run(project, "scripts/check_generated.py")
    assert drift.returncode == 1
    assert "differs: specs/gcore/openapi.yaml" in drift.stderr
    assert "differs: generated/aitasks_gcore_api/api/ai/get_ai_task.py" in drift.stderr
