"""check-specs proves the Gcore slicer against the seed page, keeps vendor files pinned, lists vendor defects."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from spec_check import run_check

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "check-specs: "
CANCEL = "/paths/~1streaming~1ai~1tasks~1{task_id}~1cancel/post"
SEED_VERSION = "2026-05-15T06:37:28.230198+00:00"


def edit_vendor(root: Path, old: str, new: str, *, file: str = "streaming_api.yaml", count: int = 1) -> None:
    """Replace text in a Gcore vendor file and record its new sha256, so only the edit itself is seen."""
    path = root / "specs" / "gcore" / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == count, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    provenance = root / "specs" / "gcore" / "provenance.json"
    records = json.loads(provenance.read_text(encoding="utf-8"))
    records[file]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    provenance.write_text(json.dumps(records), encoding="utf-8")


def test_slice_differing_from_the_seed_page_in_one_field_is_named(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One field of the cancel operation changed in the aggregated spec: check-specs names its pointer, once."""
    edit_vendor(root, '"description": "Precondition Failed. AI-task', '"description": "Precondition failed. AI-task')
    code, errors = run_check(root, capsys)
    assert code == 1
    assert errors == [
        f"{PREFIX}gcore slice: slicing {root}/specs/gcore/streaming_api.yaml for post_ai_tasks_cancel does not give"
        f" the seed page's YAML ({root}/specs/gcore/seed/cancel-ai-task.yaml): first difference at"
        f" {CANCEL}/responses/412/description: \"Precondition Failed. AI-task can't be cancelled, because it is"
        ' already cancelled or completed." in the seed page, "Precondition failed. AI-task can\'t be cancelled, because'
        ' it is already cancelled or completed." in the slice'
    ]


def test_one_field_changed_names_its_pointer(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A changed summary, a dropped component and an extra tag are each named by their JSON pointer."""
    edit_vendor(root, '"summary": "Cancel AI task"', '"summary": "Cancel an AI task"')
    (line,) = run_check(root, capsys)[1]
    assert line.endswith(f'first difference at {CANCEL}/summary: "Cancel AI task" in the seed page, "Cancel an AI task"'
                         " in the slice")  # fmt: skip
    edit_vendor(root, '"summary": "Cancel an AI task"', '"summary": "Cancel AI task"')
    edit_vendor(root, '"name": "Videos"', '"name": "Video"')
    (line,) = run_check(root, capsys)[1]
    assert '/tags/11/name: "Videos" in the seed page, "Video" in the slice' in line


def test_newer_vendor_version_is_named_as_the_newer(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Different info.versions: the message says which file is older, by the timestamps."""
    edit_vendor(root, SEED_VERSION, "2026-07-01T00:00:00+00:00")
    (line,) = run_check(root, capsys)[1]
    assert f'first difference at /info/version: "{SEED_VERSION}" in the seed page, "2026-07-01T00:00:00+00:00"' in line
    assert line.endswith(
        f"the seed page's YAML is info.version {SEED_VERSION}, streaming_api.yaml is info.version"
        " 2026-07-01T00:00:00+00:00: the seed page is older (2026-05-15 by info.version against 2026-07-01 by"
        " info.version); take in the newer version of the other with `make update-specs`"
    )


def test_hash_version_is_dated_by_provenance(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A hash info.version (as the vendor's newer files have) is dated by its record; here the seed is newer."""
    edit_vendor(root, SEED_VERSION, "e43692b643aa")
    records = json.loads((root / "specs" / "gcore" / "provenance.json").read_text())
    records["streaming_api.yaml"]["commit_date"] = "2025-09-05"
    (root / "specs" / "gcore" / "provenance.json").write_text(json.dumps(records))
    (line,) = run_check(root, capsys)[1]
    assert line.endswith(
        "streaming_api.yaml is older (2026-05-15 by info.version against 2025-09-05 by commit_date in"
        " provenance.json); take in the newer version of the other with `make update-specs`"
    )


def test_seed_yaml_edit_breaks_its_pin_and_the_proof(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The seed YAML is pinned too; an edit without its record is named by sha256, and the proof fails as well."""
    path = root / "specs" / "gcore" / "seed" / "cancel-ai-task.yaml"
    path.write_text(path.read_text().replace("summary: Cancel AI task", "summary: Cancel"))
    errors = run_check(root, capsys)[1]
    assert errors[0].startswith(f"{PREFIX}{path}: sha256 is ")
    assert f'{CANCEL}/summary: "Cancel" in the seed page, "Cancel AI task" in the slice' in errors[1]


def test_unlisted_example_defect_fails_and_stale_entry_fails(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An example its schema rejects fails unless vendor-defects.json lists it; a listed one that passes fails too."""
    spec = root / "specs" / "gcore" / "openapi.yaml"
    text = spec.read_text()
    assert text.count("error: Task not found") == 1
    spec.write_text(text.replace("error: Task not found", "error: 404"))
    (line,) = run_check(root, capsys)[1]
    assert "example at /components/schemas/ai_post_response_error404/example does not match" in line
    spec.write_text(text)
    defects = root / "specs" / "gcore" / "vendor-defects.json"
    listed = json.loads(defects.read_text())
    listed["examples"]["/components/schemas/ai_post_response_result/example"] = "not a defect"
    defects.write_text(json.dumps(listed))
    assert run_check(root, capsys)[1] == [
        f"{PREFIX}{defects}: the example at /components/schemas/ai_post_response_result/example now matches its"
        " schema; remove its entry"
    ]


def test_provenance_without_a_record_is_one_line(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A provenance.json missing the record of a vendor file fails with one line naming it."""
    provenance = root / "specs" / "gcore" / "provenance.json"
    records = json.loads(provenance.read_text())
    del records["seed/cancel-ai-task.md"]
    provenance.write_text(json.dumps(records))
    assert run_check(root, capsys)[1] == [
        f'{PREFIX}{provenance}: no record for seed/cancel-ai-task.md with a "sha256" field holding 64 lowercase'
        " hex digits"
    ]


def test_vendor_file_without_the_operation_is_one_line(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An aggregated spec that lost the seed page's operation fails with one line naming the operationId."""
    edit_vendor(root, '"operationId": "post_ai_tasks_cancel"', '"operationId": "cancel_ai_task"')
    assert run_check(root, capsys)[1] == [
        f"{PREFIX}{root}/specs/gcore/streaming_api.yaml: no operation with operationId post_ai_tasks_cancel"
    ]
