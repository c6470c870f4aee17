"""check-models (run by check-generated) finds every documented response property a home, or names what is dropped."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import slice_gcore
from generate import run_generator

ROOT = Path(__file__).resolve().parent.parent


def _check_models(generated: Path) -> subprocess.CompletedProcess[str]:
    script = ROOT / "scripts" / "check_models.py"
    return subprocess.run(
        [sys.executable, str(script), "--generated", str(generated)], capture_output=True, text=True, timeout=120
    )


def test_committed_packages_give_every_property_a_home() -> None:
    """Both generated packages hold every property their specs document for the sliced operations' responses."""
    result = _check_models(ROOT / "generated")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("check-models: every documented response property has a home (")


@pytest.fixture(scope="module")
def unrewritten(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Gcore package as the generator makes it from the plain slice (no rewrites): today's output."""
    base = tmp_path_factory.mktemp("plain")
    vendor = slice_gcore.load((ROOT / "specs" / "gcore" / "streaming_api.yaml").read_bytes(), "vendor")
    spec = base / "plain.yaml"
    spec.write_bytes(slice_gcore.render(slice_gcore.slice_spec(vendor, slice_gcore.OPERATIONS), {}))
    run_generator(spec, ROOT / "specs" / "gcore" / "config.yaml", base / "generated" / "aitasks_gcore_api")
    shutil.copytree(ROOT / "generated" / "aitasks_modelarts_api", base / "generated" / "aitasks_modelarts_api")
    return base / "generated"


def test_todays_output_drops_result_and_processing_time(unrewritten: Path) -> None:
    """Without the allOf rewrite, ai_results collapses into AiTaskBase: the check names the two lost properties."""
    result = _check_models(unrewritten)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert (
        "check-models: aitasks_gcore_api: GET /streaming/ai/tasks/{task_id} 200 (ai_results): the closest,"
        " AiTaskBase, lacks processing_time, result"
    ) in lines
    assert any(line.endswith("(ai_contentmoderation_hardnudity): the closest, AiContentmoderationGeneral, lacks"
                             " stop_objects") for line in lines)  # fmt: skip
    assert "check-models: the generated models drop what the spec documents" in result.stdout


def test_property_added_to_the_spec_without_regenerating_has_no_home(tmp_path: Path) -> None:
    """A response property the ModelArts spec gains, with generated/ left as it was, is named."""
    project = tmp_path / "repo"
    for name in ("specs", "scripts", "generated"):
        shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns("__pycache__"))
    spec = project / "specs" / "modelarts" / "openapi.yaml"
    text = spec.read_text()
    anchor = "        error_msg:\n"
    assert anchor in text
    spec.write_text(text.replace(anchor, "        error_hint:\n          type: string\n" + anchor, 1))
    result = subprocess.run(
        [sys.executable, str(project / "scripts" / "check_models.py")], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert "aitasks_modelarts_api: " in result.stderr and "lacks error_hint" in result.stderr
