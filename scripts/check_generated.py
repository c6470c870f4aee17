"""Fail when generated/ or a spec made from a vendor file differs from what `make generate` makes, so drift never lands.

Also runs scripts/check_models.py on generated/: every property a response schema documents has a home in the models.
"""

from __future__ import annotations

import argparse
import filecmp
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import ROOT, GenerateError, generate, made_specs


def _files(base: Path) -> set[str]:
    return {
        p.relative_to(base).as_posix()
        for p in base.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


def compare(committed: Path, fresh: Path) -> list[str]:
    """Return one line per file that is missing, extra or different in committed/ compared with fresh/."""
    have, want = _files(committed), _files(fresh)
    problems = [f"missing: generated/{name}" for name in sorted(want - have)]
    problems += [f"not made by the generator: generated/{name}" for name in sorted(have - want)]
    problems += [
        f"differs: generated/{name}"
        for name in sorted(have & want)
        if not filecmp.cmp(committed / name, fresh / name, shallow=False)
    ]
    return problems


def main(argv: list[str] | None = None) -> int:
    """Regenerate into a temporary folder and compare it with generated/ file by file."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--generated", type=Path, default=ROOT / "generated", help="default: generated/")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "generated"
        try:
            specs = made_specs()
            problems = [
                f"differs: {path.relative_to(ROOT)} (scripts/slice_gcore.py makes it from the vendor's file)"
                for path, data in specs.items()
                if not path.exists() or path.read_bytes() != data
            ]
            (Path(tmp) / "gcore.yaml").write_bytes(next(iter(specs.values())))
            generate(fresh, {"gcore": Path(tmp) / "gcore.yaml"})
        except GenerateError as exc:
            print(f"check-generated: {exc}", file=sys.stderr)
            return 1
        problems += compare(args.generated, fresh)
    models = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_models.py"), "--generated", str(args.generated)],
        capture_output=True,
        text=True,
    )
    sys.stderr.write(models.stderr)
    if models.returncode != 0:
        problems.append("the generated models drop properties the specs document (check-models lines above)")
    if problems:
        for line in problems:
            print(f"check-generated: {line}", file=sys.stderr)
        print("check-generated: generated/ does not match specs/; run `make generate` and commit.", file=sys.stderr)
        return 1
    print(f"check-generated: generated/ matches specs/; {models.stdout.strip().removeprefix('check-models: ')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
