"""stdout gets one record per ref, flushed as it completes (JSON lines or aligned text); stderr the summary."""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from ._config import message
from ._progress import Progress

if TYPE_CHECKING:
    from .._results import BulkResult


_WORDS = {"cancelled": "cancelled", "already_finished": "already finished", "error": "failed"}


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def printable(text: str) -> str:
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


def write_line(line: str, out: TextIO | None = None) -> bool:
    """Write one line to `out` (stdout by default) and flush it, so it is in the file or pipe before the next one.

    False when it could not be written: stdout was closed (`| head`), or the file is full or gone. A record that
    is printed is thus whole on disk even if the process is killed right after (what `--resume` relies on); a
    kill during the write leaves at most a torn last line.
    """
    if out is None:
        out = sys.stdout  # looked up each time: rich may redirect it while its progress bar is shown
    try:
        try:
            out.write(line + "\n")
        except UnicodeEncodeError:
            encoding = out.encoding or "ascii"
            out.write(line.encode(encoding, "backslashreplace").decode(encoding) + "\n")
        out.flush()
    except (OSError, ValueError):  # BrokenPipeError, ENOSPC, EIO; ValueError: the stream was closed
        return False
    return True


def silence_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so the interpreter's final flush does not complain."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


class Report:
    """One record per ref on stdout, flushed at once (JSON lines or aligned text), and the counts for the summary."""

    def __init__(
        self, *, json_lines: bool, wait: bool = False, quiet: bool = False, out: TextIO | None = None, target: str = ""
    ) -> None:
        self.json_lines = json_lines
        self.wait = wait  # records carry the state each task ended in
        self.quiet = quiet  # no summary, no informational notes: records, warnings and errors only
        self.out = out  # where records go (an --output file); None: stdout, looked up at each write
        self.target = target or "stdout"
        self.states: Counter[str] = Counter()
        self.cancelled = 0
        self.already_finished = 0
        self.failed = 0
        self.waits_failed = 0  # cancels done whose wait for the final state failed (counted among cancelled)
        self.started = time.monotonic()
        self.progress = Progress()
        self.stdout_closed = False
        self.on_stdout_closed: Callable[[], None] | None = None

    @property
    def done(self) -> int:
        return self.cancelled + self.already_finished + self.failed

    def counts(self, separator: str = ", ") -> str:
        """The three counts in words, as the summary and the progress display show them."""
        return separator.join(
            (f"{self.cancelled} cancelled", f"{self.already_finished} already finished", f"{self.failed} failed")
        )

    def item(self, item: BulkResult) -> None:
        """Report one cancel_many result: the cancel's own fields, and the wait's (final or last seen state)."""
        if item.result is not None:
            result, failed_wait = item.result, item.wait_error
            task = result.task if failed_wait is None else getattr(failed_wait, "task", None)
            state = None if task is None else task.state.name
            self.emit(item.ref, result.outcome.value, result.status_code, None, result.message, state, failed_wait)
        else:
            error = item.error
            status = getattr(error, "status_code", None)
            self.emit(item.ref, "error", status, type(error).__name__, message(error))

    def bad_line(self, ref: str, message: str) -> None:
        """Report an input line that is not a ref; it is never sent."""
        self.emit(ref, "error", None, "InvalidTaskRef", message)

    def abandoned(self, ref: str) -> None:
        """Report a call given up by a second Ctrl-C: whether the provider cancelled the task is unknown."""
        message = "abandoned by a second Ctrl-C before an answer arrived; the task may or may not be cancelled"
        self.emit(ref, "error", None, "Interrupted", message)

    def emit(
        self,
        ref: str,
        outcome: str,
        status: int | None,
        error: str | None,
        message: str | None,
        state: str | None = None,
        failed_wait: Exception | None = None,
    ) -> None:
        if outcome == "cancelled":
            self.cancelled += 1
        elif outcome == "already_finished":
            self.already_finished += 1
        else:
            self.failed += 1
        if self.json_lines:
            import json

            record = {"ref": ref, "outcome": outcome, "status_code": status, "error": error, "message": message}
            if self.wait:
                record["state"] = state
            if failed_wait is not None:
                record["wait_error"], record["wait_message"] = type(failed_wait).__name__, str(failed_wait)
            line = json.dumps(record)
        else:
            detail = message or ""
            if error is not None:
                detail = f"{error}: {detail}"
            if failed_wait is not None:
                detail = f"{detail}; wait failed: {type(failed_wait).__name__}: {failed_wait}".lstrip("; ")
            code = "-" if status is None else str(status)
            final = f"{state or '-':<9}  " if self.wait else ""
            line = f"{_WORDS[outcome]:<16}  {code:>3}  {final}{printable(ref):<40}  {printable(detail)}".rstrip()
        if self.wait and state is not None:
            self.states[state] += 1
        self.waits_failed += failed_wait is not None
        self._write(line)
        self.progress.advance(self)

    def _write(self, line: str) -> None:
        """A record on stdout (or the --output file); once that cannot be written, on stderr, so none is lost."""
        if not self.stdout_closed:
            if write_line(line, self.out):
                return
            self.stdout_closed = True
            self.note(f"{self.target} could not be written (closed?): sending no more refs; records follow here")
            if self.on_stdout_closed is not None:
                self.on_stdout_closed()
        self.note(f"record: {line}")

    def note(self, text: str) -> None:
        """A line on stderr that does not tear the progress bar: a warning or an error, shown even with --quiet."""
        self.progress.note(f"aitasks: {text}")

    def info(self, text: str) -> None:
        """A note that --quiet leaves out: counts, what is being resumed, the summary."""
        if not self.quiet:
            self.note(text)

    def summary(self, *, interrupted: bool, unsent: Callable[[], str]) -> str:
        """Counts and time; after an interruption or a closed stdout, also which refs were not sent."""
        elapsed = time.monotonic() - self.started
        text = f"{self.counts()} ({plural(self.done, 'ref')}) in {elapsed:.1f}s"
        if self.waits_failed:
            text += f"; {plural(self.waits_failed, 'wait')} failed"
        if self.states:
            text += "; task states: " + ", ".join(f"{count} {state}" for state, count in sorted(self.states.items()))
        if interrupted or self.stdout_closed:
            text = ("interrupted: " if interrupted else f"{self.target} was closed: ") + f"{text}; {unsent()}"
        return text
