"""Progress on stderr: rich's bar on a terminal, a plain counter line without rich, nothing when redirected."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._report import Report


PROGRESS_INTERVAL = 2.0  # seconds between plain counter lines when rich is not installed


def choose_progress() -> Progress:
    """rich's bar when stderr is a terminal and rich is installed, a counter line without rich, else nothing."""
    if not _stderr_is_terminal():
        return Progress()
    try:
        return _RichProgress()
    except ImportError:
        return _CounterProgress()


def _stderr_is_terminal() -> bool:
    return sys.stderr is not None and sys.stderr.isatty()


class Progress:
    """No progress display (stderr is not a terminal); notes still go to stderr."""

    shown = False

    def start(self, total: int | None) -> None:
        pass

    def advance(self, report: Report) -> None:
        pass

    def note(self, text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    def stop(self) -> None:
        pass


class _CounterProgress(Progress):
    """A plain counter line every few seconds, for terminals without rich."""

    shown = True

    def __init__(self) -> None:
        import time

        self._clock = time.monotonic
        self._last = self._clock()
        self._total: int | None = None

    def start(self, total: int | None) -> None:
        self._total = total

    def advance(self, report: Report) -> None:
        now = self._clock()
        if now - self._last >= PROGRESS_INTERVAL:
            self._last = now
            of = f"/{self._total}" if self._total is not None else ""
            self.note(f"aitasks: {report.done}{of} done: {report.counts()}")


class _RichProgress(Progress):
    """A rich progress bar on stderr; records written to a terminal stdout are printed above it."""

    shown = True

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as Bar

        stdout_tty = sys.stdout is not None and sys.stdout.isatty()
        self._bar = Bar(
            TextColumn("cancelling"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[counts]}"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
            redirect_stdout=stdout_tty,
            redirect_stderr=False,
        )
        self._task = self._bar.add_task("cancel", total=None, counts="", start=False)

    def start(self, total: int | None) -> None:
        self._bar.update(self._task, total=total)
        self._bar.start_task(self._task)
        self._bar.start()

    def advance(self, report: Report) -> None:
        self._bar.update(self._task, completed=report.done, counts=report.counts(" · "))

    def note(self, text: str) -> None:
        self._bar.console.print(text, markup=False, highlight=False, soft_wrap=True)

    def stop(self) -> None:
        self._bar.stop()
