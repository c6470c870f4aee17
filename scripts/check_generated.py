"""Fail when generated/ differs from what `make generate` makes of the specs, so drift never lands."""

from __future__ import annotations

import argparse
import filecmp
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import ROOT, GenerateError, generate


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
            generate(fresh)
        except GenerateError as exc:
            print(f"check-generated: {exc}", file=sys.stderr)
            return 1
        problems = compare(args.generated, fresh)
    if problems:
        for line in problems:
            print(f"check-generated: {line}", file=sys.stderr)
        print("check-generated: generated/ does not match specs/; run `make generate` and commit.", file=sys.stderr)
        return 1
    print("check-generated: generated/ matches specs/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
