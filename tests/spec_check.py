"""What the check-specs tests share: a copy of specs/ to edit (the `root` fixture, loaded by conftest), and
check-specs run in-process on it."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

__all__ = ["root", "run_check"]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A copy of the repository's specs/ to edit."""
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    return tmp_path


def run_check(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    """Run check-specs in-process on root; return the exit code and the stderr lines (stdout is the summary)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import check_specs  # the dev tools it needs are not there on a --runtime-only run, which never calls this

    code = check_specs.main(["--root", str(root)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, err.splitlines()
