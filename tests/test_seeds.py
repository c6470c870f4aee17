"""The kept vendor sources are the seed pages and vendor files the project was built from, unchanged: checked against
the sha256 recorded for each (tests/fixtures/shared-sources.json) on any clone, and against ../shared when it is
beside the checkout."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
HISTORY = ROOT / "tests" / "fixtures" / "modelarts"
RECORDS = json.loads((ROOT / "tests" / "fixtures" / "shared-sources.json").read_text(encoding="utf-8"))["files"]

sys.path.insert(0, str(ROOT / "scripts"))
from extract_gcore_spec import extract  # noqa: E402


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_kept_copies_are_the_recorded_sources() -> None:
    """Each seed page and vendor file is kept in this repository with the sha256 recorded when it was taken in."""
    assert len(RECORDS) == 15
    assert {record["kept_as"]: _sha256(ROOT / record["kept_as"]) for record in RECORDS} == {
        record["kept_as"]: record["sha256"] for record in RECORDS
    }


def test_shared_folder_when_present_holds_what_is_recorded() -> None:
    """Beside ../shared (as in the workspace), every seed and vendor file there is recorded, with its sha256: a new
    vendor file must be taken in before the record is whole. On a fresh clone there is nothing to compare."""
    present = sorted(
        str(path.relative_to(SHARED))
        for folder in ("seeds", "vendor")
        for path in (SHARED / folder).rglob("*")
        if path.is_file() and path.name != "README.md"
    )
    if not present:
        return
    assert present == sorted(record["shared"] for record in RECORDS)
    assert {record["shared"]: record["sha256"] for record in RECORDS} == {
        name: _sha256(SHARED / name) for name in present
    }


def test_gcore_spec_is_the_seed_pages_yaml_block() -> None:
    """specs/gcore/seed/ holds the Gcore seed page (recorded above) and, byte-for-byte, its YAML block."""
    page = (ROOT / "specs" / "gcore" / "seed" / "cancel-ai-task.md").read_bytes()
    assert (ROOT / "specs" / "gcore" / "seed" / "cancel-ai-task.yaml").read_bytes() == extract(page)
    (seed,) = [record for record in RECORDS if record["shared"] == "seeds/004_301c3bd664954392.txt"]
    assert seed["kept_as"] == "specs/gcore/seed/cancel-ai-task.md"


def test_gcore_aggregated_spec_is_the_pinned_vendor_file() -> None:
    """specs/gcore/streaming_api.yaml is the vendor's aggregated spec as recorded, and as its provenance pins it."""
    (vendor,) = [record for record in RECORDS if record["shared"] == "vendor/gcore/streaming_api.yaml"]
    provenance = json.loads((ROOT / "specs" / "gcore" / "provenance.json").read_text(encoding="utf-8"))
    assert vendor["sha256"] == provenance["streaming_api.yaml"]["sha256"] == _sha256(ROOT / vendor["kept_as"])


def test_modelarts_fixtures_hold_their_pins() -> None:
    """Each history fixture has the sha256 its provenance records."""
    record = json.loads((HISTORY / "provenance.json").read_text(encoding="utf-8"))
    assert {name: entry["sha256"] for name, entry in record["pages"].items()} == {
        path.name: _sha256(path) for path in HISTORY.glob("*.rst")
    }


def test_modelarts_pages_are_the_recorded_vendor_files() -> None:
    """Every kept page named by specs/modelarts/provenance.json is a recorded vendor file, at the sha256 it pins."""
    pages = json.loads((ROOT / "specs" / "modelarts" / "provenance.json").read_text(encoding="utf-8"))["pages"]
    recorded = {record["kept_as"]: record["sha256"] for record in RECORDS}
    assert {f"specs/modelarts/{name}": page["sha256"] for name, page in pages.items()} == {
        kept: sha for kept, sha in recorded.items() if kept.startswith("specs/modelarts/")
    }
