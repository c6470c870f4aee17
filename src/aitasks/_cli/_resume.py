"""`--resume FILE`: the refs an earlier run's JSON lines already hold a complete record for, so none is sent twice."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence

from .._errors import InvalidTaskRef
from .._refs import TaskRef
from ._exit import UsageError
from ._report import plural
from ._source import _lines

__all__ = ["MAX_RECORD", "Recorded", "read_records"]

MAX_RECORD = 1 << 20  # bytes; a longer line is not one of our records, and is never held in memory whole


def _canonical(label: str) -> str:
    """The ref as the library prints it, so `gcore:x` written by hand and `gcore:x` from a file match."""
    try:
        return str(TaskRef.parse(label))
    except InvalidTaskRef:
        return label


class Recorded:
    """The refs that have a record; `has` matches a ref however its record spelled it."""

    def __init__(self) -> None:
        self._labels: set[str] = set()

    def __len__(self) -> int:
        return len(self._labels)

    def add(self, label: str) -> None:
        self._labels.add(label)
        self._labels.add(_canonical(label))

    def has(self, label: str) -> bool:
        return label in self._labels or _canonical(label) in self._labels


def read_records(paths: Sequence[str], note: Callable[[str], None]) -> Recorded:
    """Every ref with a complete record in `paths`; a torn last line (a run killed mid-write) is no record.

    If stdout appends to one of the files and that file ends in a torn line, a newline is written first so the
    first new record starts on a line of its own. Writing over a file that is being resumed is a usage error.
    """
    recorded = Recorded()
    for path in paths:
        try:
            with open(path, "rb") as stream:
                records, others, torn = _read(stream, recorded)
                _guard_stdout(path, os.fstat(stream.fileno()), torn)
        except OSError as exc:
            raise UsageError(f"--resume: cannot read {path}: {exc.strerror or exc}") from None
        if others and not records:
            raise UsageError(f"--resume: {path} holds no JSON records (write them with 'aitasks cancel --json')")
        detail = f"{plural(records, 'record')}"
        if others:
            detail += f"; skipped {plural(others, 'other line')}"
        if torn:
            detail += "; its torn last line ignored (that ref is sent again)"
        note(f"resuming from {path}: {detail}")
    return recorded


def _read(stream: object, recorded: Recorded) -> tuple[int, int, bool]:
    """(records, other complete lines, whether the last line is torn) of one file, each ref added to `recorded`."""
    records = others = 0
    torn = False
    for line in _lines(stream, MAX_RECORD):  # type: ignore[arg-type]
        if not line.endswith(b"\n") and len(line) <= MAX_RECORD:
            torn = True  # only the last line can lack its newline
            break
        ref = _ref_of(line) if len(line) <= MAX_RECORD else None
        if ref is None:
            others += 1 if line.strip() else 0
        else:
            records += 1
            recorded.add(ref)
    return records, others, torn


def _ref_of(line: bytes) -> str | None:
    """The "ref" of a record line, or None for anything else."""
    try:
        record = json.loads(line)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError both are
        return None
    ref = record.get("ref") if isinstance(record, dict) else None
    return ref if isinstance(ref, str) and "outcome" in record else None


def _guard_stdout(path: str, stat: os.stat_result, torn: bool) -> None:
    """When stdout is the resumed file itself: refuse to write over it, and end its torn line before appending."""
    try:
        fd = sys.stdout.fileno()
        out = os.fstat(fd)
    except (AttributeError, OSError, ValueError):  # no stdout, or one in memory
        return
    if (out.st_dev, out.st_ino) != (stat.st_dev, stat.st_ino):
        return
    try:
        import fcntl

        appending = bool(fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_APPEND)
    except ImportError:  # pragma: no cover (Windows)
        appending = True
    if not appending:
        raise UsageError(f"--resume: stdout writes over {path}; append to it with >> or write to another file")
    if torn:
        sys.stdout.write("\n")
        sys.stdout.flush()
