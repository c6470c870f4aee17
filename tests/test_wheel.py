"""The `aitasks` wheel ships the facade and both generated packages, importable from a fresh venv."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_installs_and_imports_all_packages(tmp_path: Path) -> None:
    """Build the wheel offline, install it alone into a new venv, and import the three packages from it."""
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    (wheel,) = dist.glob("aitasks-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for required in (
        "aitasks/__init__.py",
        "aitasks/py.typed",
        "aitasks_gcore_api/client.py",
        "aitasks_modelarts_api/client.py",
    ):
        assert required in names

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(purelib)
    # Runtime dependencies come from this interpreter's site-packages, appended after the fresh venv's own
    # (a plain path line: the editable install's .pth files in there are not processed).
    (Path(purelib) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    code = (
        "import aitasks, aitasks_gcore_api, aitasks_modelarts_api, sys\n"
        "for m in (aitasks, aitasks_gcore_api, aitasks_modelarts_api):\n"
        "    assert m.__file__.startswith(sys.argv[1]), m.__file__\n"
        "print(aitasks.__version__)\n"
    )
    out = subprocess.run([str(python), "-c", code, purelib], check=True, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == __import__("aitasks").__version__


def test_every_runtime_dependency_is_imported() -> None:
    """A runtime dependency that nothing in src/ or generated/ imports is dead weight for every user."""
    import ast
    import importlib.metadata
    import re

    declared = [spec for spec in importlib.metadata.requires("aitasks") or [] if "extra ==" not in spec]
    names = {re.split(r"[<>=;\[ ]", spec, maxsplit=1)[0].lower().replace("-", "_") for spec in declared}
    imported: set[str] = set()
    for path in [*ROOT.joinpath("src").rglob("*.py"), *ROOT.joinpath("generated").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0].lower() for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0].lower())
    assert names - imported == set(), f"declared but never imported: {sorted(names - imported)}"
    assert "python_dateutil" not in names and "dateutil" not in imported
