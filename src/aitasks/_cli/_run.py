"""`aitasks cancel`: which refs (resumed, --all), the event loop run, and SIGINT/SIGTERM handled gracefully.

SIGINT and SIGTERM mean "stop sending, finish what is in flight".
"""

from __future__ import annotations

import signal
import sys
from collections.abc import AsyncIterator, Callable, Iterable
from typing import TYPE_CHECKING, TypeVar

from ._exit import FAILED, INTERRUPTED, OK, TERMINATED, USAGE, UsageError
from ._progress import Progress, choose_progress
from ._report import Report, plural
from ._source import Skip, Source, open_source

if TYPE_CHECKING:
    import argparse
    import asyncio

    from .._client import AsyncClient
    from .._tasks import Task

__all__ = ["cancel"]

T = TypeVar("T")
_STOP_SIGNALS = {signal.SIGINT: INTERRUPTED, signal.SIGTERM: TERMINATED}  # each exits 128 + its number


def cancel(args: argparse.Namespace) -> int:
    """Check the configuration, then run the cancellations on an event loop and return the exit code."""
    import asyncio
    import logging

    from .._client import AsyncClient
    from .._errors import ConfigurationError

    report = Report(json_lines=args.json, wait=args.wait)
    skip: Skip | None = None
    if args.resume:
        from ._resume import read_records

        skip = read_records(args.resume, report.note).has
    refs = list(args.refs)
    if args.scope is not None:
        chosen = _matching(args, skip, report)
        if isinstance(chosen, int):
            return chosen
        refs = chosen
    if args.dry_run:
        return _dry_run(args, refs, skip, report)
    source = open_source(args.source, refs, report.bad_line, skip)
    # stamina logs each scheduled retry as a WARNING; with no logging configured Python would print the bare
    # event name on stderr. A handler on its logger stops that, and records still reach any configured root.
    quiet = logging.NullHandler()
    logging.getLogger("stamina").addHandler(quiet)
    try:
        try:
            client = AsyncClient.from_env(timeout=args.timeout, max_retries=args.max_retries)
        except ConfigurationError as exc:
            raise UsageError(f"configuration: {exc} (see 'aitasks cancel --help')") from None
        wait = (args.wait_timeout or True) if args.wait else False
        return asyncio.run(_run(client, source, report, args.concurrency, args.strict, wait))
    finally:
        logging.getLogger("stamina").removeHandler(quiet)
        source.close()


def _matching(args: argparse.Namespace, skip: Skip | None, report: Report) -> list[str] | int:
    """`--all`: the refs of the matching tasks that have no record yet, once the user agreed; or an exit code.

    The whole listing is read first, so that the count shown is the set cancelled (one ref each in memory).
    With --dry-run the tasks are printed here and nothing is sent.
    """
    from .._errors import AITasksError
    from ._tasks import TaskLines, listing, open_client, provider_statuses

    statuses = provider_statuses(args.scope, args.statuses)
    tasks: list[Task] = []
    with open_client(args, "cancel") as client:
        try:
            tasks.extend(listing(client, args.scope, statuses, active=statuses is None))
        except AITasksError as exc:
            report.note(f"error: listing {args.scope} failed after {plural(len(tasks), 'task')}: {exc}")
            return FAILED
    chosen = [task for task in tasks if skip is None or not skip(str(task.ref))]
    which = "not in a final state" if statuses is None else "with status " + ",".join(map(str, statuses))
    found = f"found {plural(len(chosen), 'task')} of {args.scope} {which}"
    if len(chosen) < len(tasks):
        found += f" (and {len(tasks) - len(chosen)} already recorded by --resume)"
    if args.dry_run:
        report.note(f"{found}; dry run: none is cancelled")
        out = TaskLines(json_lines=args.json)
        for task in chosen:
            out.task(task)
        return FAILED if out.closed else OK
    if chosen and not args.yes and not _stdin_is_terminal():
        raise UsageError(f"{found}; cancelling them needs --yes when stdin is not a terminal")
    report.note(found)
    if not chosen:
        return OK
    if not args.yes and not _confirm(f"aitasks: cancel {plural(len(chosen), 'task')}? [y/N] "):
        report.note("nothing was cancelled")
        return FAILED
    return [str(task.ref) for task in chosen]


def _stdin_is_terminal() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def _confirm(question: str) -> bool:
    """Ask on the terminal; only "y" or "yes" is a yes (end of input is a no)."""
    print(question, end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def _dry_run(args: argparse.Namespace, refs: list[str], skip: Skip | None, report: Report) -> int:
    """`--dry-run` with REFs or --from: print each ref that would be sent (a bad line is noted), send nothing."""
    import asyncio
    import json

    from ._report import write_line

    bad: list[str] = []

    def bad_line(ref: str, message: str) -> None:
        bad.append(ref)
        report.note(f"not a ref: {message}")

    source = open_source(args.source, refs, bad_line, skip)

    async def show() -> int:
        count = 0
        async for ref in _each(source.refs()):
            count += 1
            if not write_line(json.dumps({"ref": str(ref)}) if args.json else str(ref)):
                return FAILED
        skipped = f", {source.skipped} skipped as already recorded" if source.skipped else ""
        report.note(f"{plural(count, 'ref')} would be sent (dry run: nothing is sent){skipped}")
        return FAILED if bad else OK

    try:
        code = asyncio.run(show())
    finally:
        source.close()
    if source.read_error is not None:
        report.note(f"error: reading {source.name} failed: {source.read_error.strerror or source.read_error}")
        return USAGE
    return code


async def _each(refs: Iterable[T] | AsyncIterator[T]) -> AsyncIterator[T]:
    """The items of a sync or an async iterator alike."""
    if isinstance(refs, AsyncIterator):
        async for ref in refs:
            yield ref
    else:
        for ref in refs:
            yield ref


async def _run(
    client: AsyncClient, source: Source, report: Report, concurrency: int, strict: bool, wait: bool | float
) -> int:
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
                async for item in client.cancel_many(source.refs(), concurrency=concurrency, strict=strict, wait=wait):
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
    if source.skipped:
        report.note(f"{plural(source.skipped, 'ref')} not sent again: --resume holds their records")
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
    if report.failed or report.waits_failed or report.stdout_closed:
        return FAILED
    if report.done == 0 and not source.skipped:
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
