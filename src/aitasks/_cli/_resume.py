"""`--resume FILE` and `--output FILE`: the refs an earlier run's JSON records say are done, so none is sent twice.

A record is a complete line holding a JSON object with a string "ref" and an "outcome" of cancelled,
already_finished or error. One whose "error" is "Interrupted" (abandoned by a second Ctrl-C: whether the task was
cancelled is unknown) does not count as done: its ref is sent again (a cancel is idempotent: the second answers
"already finished"). Every other line (text, other JSON, JSON nested too deep, binary junk, a line over 1 MiB)
is skipped and counted, never an error; a file with no record at all is a usage error, as it is not a checkpoint.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from stat import S_ISBLK, S_ISCHR, S_ISREG
from typing import TextIO

from .._errors import InvalidTaskRef
from .._refs import TaskRef
from . import _source
from ._exit import UsageError
from ._report import plural

MAX_RECORD = 1 << 20  # bytes; a longer line is not one of our records, and is never held in memory whole
OUTCOMES = ("cancelled", "already_finished", "error")


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


def read_records(
    paths: Sequence[str], info: Callable[[str], None], recorded: Recorded | None = None, *, missing_ok: bool = False
) -> Recorded:
    """Every ref with a complete record in `paths`; a torn last line (a run killed mid-write) is no record.

    If stdout appends to one of the files and that file ends in a torn line, a newline is written first so the
    first new record starts on a line of its own. Writing over a file that is being resumed is a usage error.
    """
    recorded = Recorded() if recorded is None else recorded
    for path in paths:
        try:
            with open(path, "rb") as stream:
                mode = os.fstat(stream.fileno()).st_mode
                if S_ISCHR(mode) or S_ISBLK(mode):
                    raise UsageError(f"--resume: {path} is a device, not a file of records (/dev/zero never ends)")
                counts = _read(stream, recorded)
                _guard_stdout(path, os.fstat(stream.fileno()), counts.torn)
        except FileNotFoundError:
            if missing_ok:
                continue
            raise UsageError(f"--resume: cannot read {path}: no such file") from None
        except OSError as exc:
            raise UsageError(f"--resume: cannot read {path}: {exc.strerror or exc}") from None
        if counts.others and not counts.records:
            raise UsageError(f"--resume: {path} holds no JSON records (write them with 'aitasks cancel --json')")
        info(f"resuming from {path}: {counts}")
    return recorded


def open_output(path: str, recorded: Recorded, info: Callable[[str], None], source: str | None) -> TextIO:
    """`--output FILE`: its records (if any) join `recorded`, then it is opened to append, a torn line ended first.

    Opening to append never empties the file, so a checkpoint survives however the command is run again.
    """
    try:
        with open(path, "rb") as stream:
            stat = os.fstat(stream.fileno())
            if not S_ISREG(stat.st_mode):  # a device or a pipe cannot be read back (/dev/zero would never end)
                raise UsageError(f"--output: {path} is not a regular file; records are read back from it")
            _refuse_source(path, stat, source)
            counts = _read(stream, recorded)
    except FileNotFoundError:
        counts = _Counts()
    except OSError as exc:
        raise UsageError(f"--output: cannot read {path}: {exc.strerror or exc}") from None
    if counts.others and not counts.records:
        raise UsageError(f"--output: {path} holds lines that are not aitasks records; give a new file or the same one")
    if counts.records or counts.torn:
        info(f"resuming from {path}: {counts}")
    try:
        out = open(path, "a", encoding="utf-8")  # noqa: SIM115 (closed by the command)
    except OSError as exc:
        raise UsageError(f"--output: cannot write {path}: {exc.strerror or exc}") from None
    if counts.torn:
        out.write("\n")
        out.flush()
    return out


class _Counts:
    """What one file held: records (those sent again among them), other complete lines, a torn last line."""

    def __init__(self) -> None:
        self.records = self.again = self.others = 0
        self.torn = False

    def __str__(self) -> str:
        text = plural(self.records, "record")
        if self.again:
            text += f" ({self.again} Interrupted, outcome unknown: sent again)"
        if self.others:
            text += f"; skipped {plural(self.others, 'other line')}"
        if self.torn:
            text += "; its torn last line ignored (that ref is sent again)"
        return text


def _read(stream: object, recorded: Recorded) -> _Counts:
    """The counts of one file; each ref whose record says it is done is added to `recorded`."""
    counts = _Counts()
    for line in _source._lines(stream, MAX_RECORD):  # type: ignore[arg-type]
        if not line.endswith(b"\n") and len(line) <= MAX_RECORD:
            counts.torn = True  # only the last line can lack its newline
            break
        record = _record(line) if len(line) <= MAX_RECORD else None
        if record is None:
            counts.others += 1 if line.strip() else 0
            continue
        ref, done = record
        counts.records += 1
        if done:
            recorded.add(ref)
        else:
            counts.again += 1
    return counts


def _record(line: bytes) -> tuple[str, bool] | None:
    """(ref, whether its outcome is known) of a record line, or None for anything else (junk, odd JSON, too deep)."""
    try:
        record = json.loads(line)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return None
    if not isinstance(record, dict):
        return None
    ref, outcome = record.get("ref"), record.get("outcome")
    if not isinstance(ref, str) or outcome not in OUTCOMES:
        return None
    return ref, record.get("error") != "Interrupted"


def _refuse_source(path: str, stat: os.stat_result, source: str | None) -> None:
    """Appending records to the file the refs are read from would feed them back as refs."""
    if source is None or source == "-":
        return
    try:
        other = os.stat(source)
    except OSError:
        return
    if (other.st_dev, other.st_ino) == (stat.st_dev, stat.st_ino):
        raise UsageError(f"--output {path} is the --from file; give another file")


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
