"""The refs to cancel, from arguments, a file or stdin, read lazily; a line that is not a ref gets a record."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import BinaryIO

from .._errors import InvalidTaskRef  # both already loaded by `import aitasks`
from .._refs import TaskRef
from ._exit import UsageError

MAX_LINE = 16384  # bytes; a valid ref is at most ~8 KiB of UTF-8, and a longer line is never held in memory
READ_AHEAD = 256  # lines a pipe reader may hold before the event loop takes them

BadLine = Callable[[str, str], None]
"""Reports a line that is not a ref: (what to show as its ref, why), e.g. `Report.bad_line`."""

Skip = Callable[[str], bool]
"""True for a ref (as its record would name it) that must not be sent again, e.g. `Recorded.has`."""


def _never(label: str) -> bool:
    return False


def open_source(
    path: str | None, refs: list[str], bad_line: BadLine, skip: Skip | None = None, *, track: bool = True
) -> Source:
    """The REF arguments, or the lines of `path` ('-' for stdin); a file that cannot be opened is a usage error.

    `track=False` (a dry run) keeps no ref handed out, so memory stays constant however many refs are read.
    """
    if path is None:
        return Source(bad_line, refs=refs, skip=skip, track=track)
    if path == "-":
        stdin = sys.stdin
        if stdin is None:
            raise UsageError("--from -: there is no stdin")
        stream: BinaryIO = stdin.buffer if hasattr(stdin, "buffer") else stdin  # type: ignore[assignment]
        return Source(bad_line, stream=stream, name="stdin", owned=False, skip=skip, track=track)
    try:
        stream = open(path, "rb")  # noqa: SIM115 (closed by Source.close)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    return Source(bad_line, stream=stream, name=path, owned=True, skip=skip, track=track)


class Source:
    """The refs to cancel, read lazily and numbered; yields nothing more once `stop()` was called.

    It also remembers which refs were handed out and not yet reported, with their line (for a forced abort), the
    last line read and the first line abandoned (for the resume hint), and a read error, which ends the input
    without losing the calls in flight.
    A ref (or bad line) that `skip` names is neither sent nor reported: an earlier run has its record.
    """

    def __init__(
        self,
        bad_line: BadLine,
        *,
        refs: list[str] | None = None,
        stream: BinaryIO | None = None,
        name: str = "",
        owned: bool = False,
        skip: Skip | None = None,
        track: bool = True,
    ) -> None:
        self._bad_line = bad_line
        self._track = track
        self._skip = skip or _never
        self.skipped = 0
        self.listed = refs
        self._stream = stream
        self._owned = owned
        self.name = name
        self.stopped = False
        self.exhausted = False
        self.line = 0
        self.sent = 0
        self.in_flight: dict[int, tuple[str, int]] = {}  # index: (ref as given, its line or position)
        self.abandoned = 0
        self.first_abandoned = 0  # the line (or position) of the first abandoned ref
        self.read_error: OSError | None = None
        self._wake: Callable[[], None] | None = None

    def refs(self) -> Iterable[str | TaskRef] | AsyncIterator[TaskRef]:
        """What to feed to cancel_many: a plain iterator for arguments and regular files, else an async one."""
        if self._stream is None:
            return self._listed()
        if _is_regular_file(self._stream):
            return self._from_file(self._stream)
        return self._from_pipe(self._stream)

    def count(self) -> int | None:
        """How many refs there are, when that is cheap to know (arguments, a regular file), for the progress bar."""
        if self.listed is not None:
            return len(self.listed)
        if self._stream is None or not _is_regular_file(self._stream):
            return None
        total = 0
        for number, raw in enumerate(_lines(self._stream), 1):
            text = _ref_text(raw, number)
            total += text is not None and not self._skip(text.decode("utf-8", "backslashreplace"))
        self._stream.seek(0)
        return total

    def unsent(self) -> str:
        """Which refs were not sent, or were abandoned with no known outcome, after a run that stopped early."""
        if self.exhausted and not self.abandoned:
            return "every ref had been sent"
        parts = []
        if not self.exhausted:
            if self.listed is not None:
                parts.append(f"stopped after {self.sent} of {len(self.listed)} refs, the rest were not sent")
            else:
                parts.append(f"refs after line {self.line} of {self.name} were not sent")
        if self.abandoned:
            where = "position" if self.listed is not None else "line"
            parts.append(
                f"{self.abandoned} abandoned (Interrupted, outcome unknown) from {where} {self.first_abandoned} on"
            )
        return "; ".join(parts)

    def tail_hint(self) -> str | None:
        """`tail -n +LINE FILE | aitasks cancel --from - ...` covering every ref not known done, for a named file."""
        if self.listed is not None or self.name == "stdin" or (self.exhausted and not self.abandoned):
            return None
        first = self.first_abandoned if self.abandoned else self.line + 1
        return f"tail -n +{first} {self.name} | aitasks cancel --from - ..."

    def abandon(self) -> list[str]:
        """The refs in flight, given up by a second Ctrl-C; the resume hint then starts at the first of them."""
        refs = [ref for ref, _ in self.in_flight.values()]
        if refs:
            first = min(line for _, line in self.in_flight.values())
            self.first_abandoned = min(first, self.first_abandoned) if self.abandoned else first
            self.abandoned += len(refs)
        self.in_flight.clear()
        return refs

    def stop(self) -> None:
        """Hand out no more refs (the event loop thread calls this)."""
        self.stopped = True
        if self._wake is not None:
            self._wake()

    def done(self, index: int) -> None:
        """The ref handed out as number `index` has been reported."""
        self.in_flight.pop(index, None)

    def close(self) -> None:
        """Close the file we opened (never stdin)."""
        if self._owned and self._stream is not None:
            self._stream.close()

    def _hand_out(self, label: str, line: int) -> None:
        if self._track:
            self.in_flight[self.sent] = (label, line)
        self.sent += 1

    def _listed(self) -> Iterator[str]:
        assert self.listed is not None
        for ref in self.listed:
            if self.stopped:
                return
            if self._skipped(ref):
                continue
            self._hand_out(ref, self.sent + 1)
            yield ref
        self.exhausted = True

    def _skipped(self, label: str) -> bool:
        if not self._skip(label):
            return False
        self.skipped += 1
        return True

    def _take(self, raw: bytes, number: int) -> TaskRef | None:
        """Parse one line; a bad one is reported at once (with its line number) and skipped."""
        self.line = number
        text = _ref_text(raw, number)
        if text is None:
            return None
        if len(text) > MAX_LINE:
            label = text[:60].decode("utf-8", "backslashreplace") + "..."
            if not self._skipped(label):
                self._bad_line(label, f"line {number}: longer than {MAX_LINE} bytes")
            return None
        try:
            value = text.decode("utf-8")
        except UnicodeDecodeError:
            label = text.decode("utf-8", "backslashreplace")
            if not self._skipped(label):
                self._bad_line(label, f"line {number}: not valid UTF-8")
            return None
        if self._skipped(value):
            return None
        try:
            ref = TaskRef.parse(value)
        except InvalidTaskRef as exc:
            self._bad_line(value, f"line {number}: {exc}")
            return None
        self._hand_out(value, number)
        return ref

    def _from_file(self, stream: BinaryIO) -> Iterator[TaskRef]:
        try:
            for number, raw in enumerate(_lines(stream), 1):
                if self.stopped:
                    return
                ref = self._take(raw, number)
                if ref is not None:
                    yield ref
        except (OSError, ValueError) as exc:
            self.read_error = _read_error(exc)
            return
        self.exhausted = True

    async def _from_pipe(self, stream: BinaryIO) -> AsyncIterator[TaskRef]:
        """Lines read by a helper thread, so a slow or interactive stdin never blocks the event loop (or Ctrl-C)."""
        import asyncio
        import contextlib
        import threading

        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[bytes | OSError | None] = asyncio.Queue()
        room = threading.Semaphore(READ_AHEAD)
        closed = threading.Event()

        def pump() -> None:
            end: OSError | None = None
            try:
                for raw in _split(_blocks(stream)):
                    while not room.acquire(timeout=0.5):
                        if closed.is_set():
                            return
                    if closed.is_set():
                        return
                    loop.call_soon_threadsafe(queue.put_nowait, raw)
            except (OSError, ValueError) as exc:
                end = _read_error(exc)
            finally:
                with contextlib.suppress(RuntimeError):  # the loop is gone: nobody is waiting any more
                    loop.call_soon_threadsafe(queue.put_nowait, end)

        self._wake = lambda: queue.put_nowait(None)
        threading.Thread(target=pump, name="aitasks-read-refs", daemon=True).start()
        number = 0
        try:
            while not self.stopped:
                item = await queue.get()
                if self.stopped:
                    return
                if item is None:
                    self.exhausted = True
                    return
                if isinstance(item, OSError):
                    self.read_error = item
                    return
                room.release()
                number += 1
                ref = self._take(item, number)
                if ref is not None:
                    yield ref
        finally:
            closed.set()
            self._wake = None


def _ref_text(raw: bytes, number: int) -> bytes | None:
    """Line `number` without its BOM (on line 1) and surrounding blanks; None for a blank line or a # comment."""
    if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    text = raw.strip()
    return None if not text or text.startswith(b"#") else text


def _read_error(exc: OSError | ValueError) -> OSError:
    """A failed read as an OSError: reading a stream that was closed under us raises ValueError."""
    return exc if isinstance(exc, OSError) else OSError(str(exc))


def _lines(stream: BinaryIO, limit: int = MAX_LINE) -> Iterator[bytes]:
    """Raw lines; a line over `limit` bytes comes back cut (and longer than `limit`) with its rest skipped."""
    while line := stream.readline(limit + 1):
        if len(line) > limit and not line.endswith(b"\n"):
            while (rest := stream.readline(limit)) and not rest.endswith(b"\n"):
                pass
        yield line


def _blocks(stream: BinaryIO) -> Iterator[bytes]:
    """Bytes as they arrive; from the file descriptor when there is one, so no buffer lock is held while waiting.

    (A daemon thread blocked inside sys.stdin.buffer.read holds its lock, and the interpreter aborts at exit.)
    """
    import os

    fd = _fileno(stream)
    while block := (os.read(fd, 65536) if fd is not None else stream.read(65536)):
        yield block


def _split(blocks: Iterable[bytes]) -> Iterator[bytes]:
    """Lines from blocks, with the rule of `_lines`: past MAX_LINE bytes a line is cut and its rest skipped."""
    pending = b""
    skipping = False
    for block in blocks:
        pending += block
        start = 0
        while (end := pending.find(b"\n", start)) != -1:
            if not skipping:
                yield pending[start : min(end + 1, start + MAX_LINE + 1)]
            skipping = False
            start = end + 1
        pending = pending[start:]
        if len(pending) > MAX_LINE:
            if not skipping:
                yield pending[: MAX_LINE + 1]
            skipping = True
            pending = b""
    if pending and not skipping:
        yield pending


def _is_regular_file(stream: BinaryIO) -> bool:
    """Regular files never block, so they can be read on the event loop; pipes and terminals can."""
    import os
    import stat

    fd = _fileno(stream)
    try:
        return fd is not None and stat.S_ISREG(os.fstat(fd).st_mode)
    except OSError:
        return False


def _fileno(stream: BinaryIO) -> int | None:
    """The stream's file descriptor, or None for an in-memory stream."""
    try:
        return stream.fileno()
    except (OSError, ValueError):  # io.UnsupportedOperation is both
        return None
