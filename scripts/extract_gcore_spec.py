"""Pull the OpenAPI YAML block out of a Gcore doc page, byte-for-byte, so the spec can be refreshed."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

# A fence opens with three or more backticks then "yaml" (the vendor adds words after it) and closes with a
# line of at least as many backticks and nothing else.
_OPEN = re.compile(rb"^(?P<ticks>`{3,})yaml(?:[ \t][^\r\n]*)?\r?\n$")


class ExtractError(Exception):
    """A page that does not hold exactly one YAML fence; the message is one line for the user."""


def extract(page: bytes, source: str = "page") -> bytes:
    """Return the bytes between the YAML fence lines, exactly as written on the page."""
    lines = page.splitlines(keepends=True)
    blocks: list[bytes] = []
    i = 0
    while i < len(lines):
        match = _OPEN.match(lines[i])
        if not match:
            i += 1
            continue
        ticks = match.group("ticks")
        close = re.compile(rb"^" + re.escape(ticks) + rb"`*[ \t]*\r?\n?$")
        for j in range(i + 1, len(lines)):
            if close.match(lines[j]):
                blocks.append(b"".join(lines[i + 1 : j]))
                i = j + 1
                break
        else:
            raise ExtractError(f"{source}: the ```yaml fence opened on line {i + 1} is never closed")
    if not blocks:
        raise ExtractError(f"{source}: no ```yaml fenced block found")
    if len(blocks) > 1:
        raise ExtractError(f"{source}: {len(blocks)} ```yaml fenced blocks found, expected exactly one")
    if not blocks[0].strip():
        raise ExtractError(f"{source}: the ```yaml fenced block is empty")
    return blocks[0]


def main(argv: list[str] | None = None) -> int:
    """Write the YAML block of PAGE to stdout or to --output."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("page", type=Path, help="a Gcore doc page holding one ```yaml fenced block")
    parser.add_argument("-o", "--output", type=Path, help="write here instead of stdout")
    args = parser.parse_args(argv)
    try:
        block = extract(args.page.read_bytes(), str(args.page))
    except OSError as exc:
        print(f"extract_gcore_spec: cannot read {args.page}: {exc.strerror}", file=sys.stderr)
        return 1
    except ExtractError as exc:
        print(f"extract_gcore_spec: {exc}", file=sys.stderr)
        return 1
    if args.output:
        args.output.write_bytes(block)
    else:
        sys.stdout.buffer.write(block)
    return 0


if __name__ == "__main__":
    sys.exit(main())
