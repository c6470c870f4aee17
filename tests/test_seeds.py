"""The kept vendor sources are the seed pages the project was built from, unchanged."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
VENDOR = ROOT.parent / "shared" / "vendor"

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
def test_modelarts_rst_is_the_seed_page() -> None:
    """specs/modelarts/source.rst is the ModelArts seed page, unchanged."""
    seed = (SEEDS / "000_03e9ca1196fb4629.txt").read_bytes()
    assert (ROOT / "specs" / "modelarts" / "source.rst").read_bytes() == seed
