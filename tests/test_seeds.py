"""The kept vendor sources are the seed pages the project was built from, unchanged."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
VENDOR = ROOT.parent / "shared" / "vendor"
HISTORY = ROOT / "tests" / "fixtures" / "modelarts"

sys.path.insert(0, str(ROOT / "scripts"))
from extract_gcore_spec import extract  # noqa: E402

needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not beside this checkout")
needs_vendor = pytest.mark.skipif(not VENDOR.is_dir(), reason="../shared/vendor is not beside this checkout")


@needs_seeds
def test_gcore_spec_is_the_seed_pages_yaml_block() -> None:
    """specs/gcore/seed/ holds the Gcore seed page and, byte-for-byte, its YAML block."""
    page = (SEEDS / "004_301c3bd664954392.txt").read_bytes()
    assert (ROOT / "specs" / "gcore" / "seed" / "cancel-ai-task.yaml").read_bytes() == extract(page)
    assert (ROOT / "specs" / "gcore" / "seed" / "cancel-ai-task.md").read_bytes() == page


@needs_vendor
def test_gcore_aggregated_spec_is_the_vendors_file() -> None:
    """specs/gcore/streaming_api.yaml is the vendor's aggregated spec as retrieved, byte-for-byte."""
    vendor = (VENDOR / "gcore" / "streaming_api.yaml").read_bytes()
    assert (ROOT / "specs" / "gcore" / "streaming_api.yaml").read_bytes() == vendor


@needs_seeds
def test_modelarts_seed_page_is_kept_as_a_fixture() -> None:
    """The ModelArts seed page (the stop page's first version) is kept, unchanged, among the history fixtures."""
    seed = (SEEDS / "000_03e9ca1196fb4629.txt").read_bytes()
    assert (HISTORY / "stopping_an_intelligent_task@seed.rst").read_bytes() == seed


def test_modelarts_fixtures_hold_their_pins() -> None:
    """Each history fixture has the sha256 its provenance records."""
    record = json.loads((HISTORY / "provenance.json").read_text(encoding="utf-8"))
    assert {name: entry["sha256"] for name, entry in record["pages"].items()} == {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in HISTORY.glob("*.rst")
    }


@needs_vendor
def test_modelarts_pages_are_the_vendor_files() -> None:
    """The kept pages and the history fixtures are the files in ../shared/vendor/modelarts/, byte for byte."""
    for name in json.loads((ROOT / "specs" / "modelarts" / "provenance.json").read_text(encoding="utf-8"))["pages"]:
        assert (ROOT / "specs" / "modelarts" / name).read_bytes() == (VENDOR / "modelarts" / name).read_bytes(), name
    for path in (VENDOR / "modelarts" / "history").glob("*.rst"):
        assert (HISTORY / path.name).read_bytes() == path.read_bytes(), path.name
