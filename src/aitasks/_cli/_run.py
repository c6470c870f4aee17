"""`aitasks cancel`: the event loop run, and SIGINT/SIGTERM turned into "stop sending, finish what is in flight"."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from ._exit import FAILED, INTERRUPTED, OK, TERMINATED, USAGE, UsageError
from ._progress import Progress, choose_progress
from ._report import Report, plural
from ._source import Source, open_source

if TYPE_CHECKING:
    import argparse
    import asyncio

    from .._client import AsyncClient

__all__ = ["cancel"]

_STOP_SIGNALS = {signal.SIGINT: INTERRUPTED, signal.SIGTERM: TERMINATED}  # each exits 128 + its number


def cancel(args: argparse.Namespace) -> int:
    """Check the configuration, then run the cancellations on an event loop and return the exit code."""
    import asyncio
    import logging

    from .._client import AsyncClient
    from .._errors import ConfigurationError

    report = Report(json_lines=args.json)
    source = open_source(args.source, list(args.refs), report.bad_line)
    # stamina logs each scheduled retry as a WARNING; with no logging configured Python would print the bare
    # event name on stderr. A handler on its logger stops that, and records still reach any configured root.
    quiet = logging.NullHandler()
    logging.getLogger("stamina").addHandler(quiet)
    try:
        try:
            client = AsyncClient.from_env(timeout=args.timeout, max_retries=args.max_retries)
        except ConfigurationError as exc:
            raise UsageError(f"configuration: {exc} (see 'aitasks cancel --help')") from None
        return asyncio.run(_run(client, source, report, args.concurrency, args.strict))
    finally:
        logging.getLogger("stamina").removeHandler(quiet)
        source.close()


async def _run(client: AsyncClient, source: Source, report: Report, concurrency: int, strict: bool) -> int:
    """Cancel every ref and report each; the first SIGINT or SIGTERM stops sending, a further SIGINT abandons."""
    import asyncio

    stopped_by: signal.Signals | None = None
    abandons = 0
    main_task = asyncio.current_task()
    assert main_task is not None

    def on_signal(signum: signal.Signals) -> None:
        nonlocal stopped_by, abandons
        if stopped_by is None:
            stopped_by = signum
            source.stop()
            why, again = ("interrupted", "Ctrl-C again") if signum == signal.SIGINT else ("terminated", "Ctrl-C")
            report.note(
                f"{why}: sending no more refs, finishing {plural(len(source.in_flight), 'call')} in flight"
                f" ({again} to abandon them)"
            )
        elif signum == signal.SIGINT:
            abandons += 1
            main_task.cancel()

    report.on_stdout_closed = source.stop
    progress = choose_progress()
    progress.start(source.count() if progress.shown else None)
    report.progress = progress
    restore = _on_signals(asyncio.get_running_loop(), on_signal)
    try:
        async with client:
            try:
                async for item in client.cancel_many(source.refs(), concurrency=concurrency, strict=strict):
                    source.done(item.index)
                    report.item(item)
            except asyncio.CancelledError:
                if not abandons:
                    raise
                if sys.version_info >= (3, 11):
                    main_task.uncancel()
                for ref in list(source.in_flight.values()):
                    report.abandoned(ref)
                source.in_flight.clear()
    finally:
        restore()
        progress.stop()
        report.progress = Progress()
    return _finish(report, source, stopped_by)


def _finish(report: Report, source: Source, stopped_by: signal.Signals | None) -> int:
    """Print the summary and choose the exit code."""
    report.note(report.summary(interrupted=stopped_by is not None, unsent=source.unsent))
    if source.read_error is not None:
        error = source.read_error
        report.note(f"error: reading {source.name} failed: {error.strerror or error}")
    if report.stdout_closed:
        _silence_stdout()
    if stopped_by is not None:
        return _STOP_SIGNALS[stopped_by]
    if source.read_error is not None:
        return USAGE
    if report.failed or report.stdout_closed:
        return FAILED
    if report.done == 0:
        report.note(f"warning: {source.name or 'the input'} held no refs")
    return OK


def _silence_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so the interpreter's final flush does not complain."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def _on_signals(loop: asyncio.AbstractEventLoop, callback: Callable[[signal.Signals], None]) -> Callable[[], None]:
    """Run `callback` on the loop for each SIGINT and SIGTERM; returns the function that puts the old handlers back."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def handler(signum: int, frame: object) -> None:
        loop.call_soon_threadsafe(callback, signal.Signals(signum))

    previous = {signum: signal.signal(signum, handler) for signum in _STOP_SIGNALS}

    def restore() -> None:
        for signum, old in previous.items():
            if old is not None:  # None: a handler installed outside Python, which cannot be put back from here
                signal.signal(signum, old)

    return restore
