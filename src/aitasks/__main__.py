"""`python -m aitasks` and the `aitasks` console script."""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `aitasks` command line with `argv` (default: sys.argv[1:]) and return the exit code."""
    from ._cli import main as run

    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
