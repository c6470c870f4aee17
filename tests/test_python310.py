"""The generated packages import and parse on Python 3.10, the oldest Python the library supports.

The pinned generator needs 3.11, so the packages are generated there; this runs them on a 3.10 interpreter (found on
PATH or under pyenv) in a fresh venv holding only the library's runtime dependencies. CI's `runtime` job runs the
same model tests on 3.10 directly.
"""

from __future__ import annotations

import glob
import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _find_python310() -> str | None:
    """A working 3.10 interpreter: pyenv's builds first (a pyenv shim on PATH may not resolve), then PATH's."""
    candidates = [*sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.10*/bin/python3.10")))]
    candidates += [path for path in [shutil.which("python3.10")] if path]
    for candidate in candidates:
        try:
            probe = subprocess.run(
                [candidate, "-c", "import sys; print(sys.version_info[:2] == (3, 10))"],
                capture_output=True,
                text=True,
                timeout=30,
            )
        except OSError:
            continue
        if probe.stdout.strip() == "True":
            return candidate
    return None


PYTHON310 = _find_python310()
pytestmark = [
    pytest.mark.skipif(PYTHON310 is None, reason="no Python 3.10 interpreter on PATH or under ~/.pyenv"),
    pytest.mark.skipif(sys.version_info < (3, 11), reason="already on 3.10: the suite itself is the check"),
]
IMPORT_ALL = """
import importlib, pkgutil, sys
assert sys.version_info[:2] == (3, 10), sys.version
count = 0
for name in ("aitasks_gcore_api", "aitasks_modelarts_api"):
    package = importlib.import_module(name)
    for info in pkgutil.walk_packages(package.__path__, name + "."):
        importlib.import_module(info.name)
        count += 1
print(count)
"""


def _runtime_requirements() -> list[str]:
    """The library's runtime dependencies, as pyproject.toml declares them."""
    tomllib = importlib.import_module("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [str(requirement) for requirement in project["dependencies"]]


@pytest.fixture(scope="module")
def python310(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 3.10 venv with the runtime dependencies, and what the model tests use (pytest, PyYAML, hypothesis)."""
    assert PYTHON310 is not None
    venv = tmp_path_factory.mktemp("py310") / "venv"
    # No pip of its own: this suite's pip installs into it (`--python`), skipping ensurepip and resolving ~3x faster.
    subprocess.run([PYTHON310, "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True, timeout=120)
    python = venv / "bin" / "python"
    tools = ["pytest", "pytest-timeout", "hypothesis>=6.100", "pyyaml>=6.0"]
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet"]
    install = subprocess.run(
        [*pip, *_runtime_requirements(), *tools],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    return python


def _run(python: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT / "generated")])}
    env.pop("PYTHONHOME", None)
    return subprocess.run([str(python), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_every_generated_module_imports_on_310(python310: Path) -> None:
    """Every module of both generated packages imports on 3.10 (no StrEnum, no typing.Self, no 3.11 syntax)."""
    result = _run(python310, "-c", IMPORT_ALL)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 60


def test_generated_models_parse_on_310(python310: Path) -> None:
    """The model tests (RECEIVED, the spec's examples, every enum open) pass on 3.10."""
    result = _run(python310, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_generated_models.py")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert " passed" in result.stdout and "failed" not in result.stdout
