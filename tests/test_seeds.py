"""The kept vendor sources are the seed pages the project was built from, unchanged."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"

sys.path.insert(0, str(ROOT / "scripts"))
from extract_gcore_spec import extract  # noqa: E402

needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not beside this checkout")


@needs_seeds
def test_gcore_spec_is_the_seed_pages_yaml_block() -> None:
    """specs/gcore/openapi.yaml is byte-for-byte the YAML block of the Gcore seed page."""
    page = (SEEDS / "004_301c3bd664954392.txt").read_bytes()
    assert (ROOT / "specs" / "gcore" / "openapi.yaml").read_bytes() == extract(page)
    assert (ROOT / "specs" / "gcore" / "source-page.txt").read_bytes() == page


@needs_seeds
def test_modelarts_rst_is_the_seed_page() -> None:
    """specs/modelarts/source.rst is the ModelArts seed page, unchanged."""
    seed = (SEEDS / "000_03e9ca1196fb4629.txt").read_bytes()
    assert (ROOT / "specs" / "modelarts" / "source.rst").read_bytes() == seed
