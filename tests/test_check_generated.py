"""check-generated fails on drift between specs/ and generated/, and passes once `make generate` ran."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _copy_project(dest: Path) -> Path:
    for name in ("specs", "scripts", "generated"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "ruff.toml", dest / "ruff.toml")
    return dest


def _run(project: Path, script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, f"scripts/{script}"], cwd=project, capture_output=True, text=True, timeout=120
    )


def test_spec_edit_without_regeneration_fails_then_passes_after_generate(tmp_path: Path) -> None:
    """A spec change without `make generate` is named file by file; regenerating makes it pass."""
    project = _copy_project(tmp_path)
    assert _run(project, "check_generated.py").returncode == 0

    spec = project / "specs" / "modelarts" / "openapi.yaml"
    spec.write_text(spec.read_text().replace("summary: Stopping an Intelligent Task", "summary: Stop a task"))
    drift = _run(project, "check_generated.py")
    assert drift.returncode == 1
    assert "differs: generated/aitasks_modelarts_api/api/dataset_management/stop_auto_annotation.py" in drift.stderr
    assert "run `make generate`" in drift.stderr

    assert _run(project, "generate.py").returncode == 0
    assert _run(project, "check_generated.py").returncode == 0


def test_hand_edit_and_stray_file_in_generated_fail(tmp_path: Path) -> None:
    """A hand edit, a deleted module and an extra file under generated/ are each reported."""
    project = _copy_project(tmp_path)
    pkg = project / "generated" / "aitasks_gcore_api"
    (pkg / "types.py").write_text((pkg / "types.py").read_text() + "\n# hand edit\n")
    (pkg / "errors.py").unlink()
    (pkg / "extra.py").write_text("x = 1\n")
    result = _run(project, "check_generated.py")
    assert result.returncode == 1
    assert "differs: generated/aitasks_gcore_api/types.py" in result.stderr
    assert "missing: generated/aitasks_gcore_api/errors.py" in result.stderr
    assert "not made by the generator: generated/aitasks_gcore_api/extra.py" in result.stderr


def test_generation_is_reproducible(tmp_path: Path) -> None:
    """Two runs of `make generate` write byte-identical trees, the committed ones, and the committed Gcore slice."""
    project = _copy_project(tmp_path)
    (project / "specs" / "gcore" / "openapi.yaml").unlink()  # made again by each run
    for output in ("one", "two"):
        subprocess.run(
            [sys.executable, "scripts/generate.py", "--output", output], cwd=project, check=True, timeout=120
        )
        slice_ = (project / "specs" / "gcore" / "openapi.yaml").read_bytes()
        assert slice_ == (ROOT / "specs" / "gcore" / "openapi.yaml").read_bytes()
    one = sorted(p.relative_to(project / "one") for p in (project / "one").rglob("*") if p.is_file())
    two = sorted(p.relative_to(project / "two") for p in (project / "two").rglob("*") if p.is_file())
    assert one == two and one
    for rel in one:
        assert (project / "one" / rel).read_bytes() == (project / "two" / rel).read_bytes(), rel
        assert (project / "one" / rel).read_bytes() == (ROOT / "generated" / rel).read_bytes(), rel
