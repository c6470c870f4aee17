"""`aitasks cancel`: which refs (resumed, --all), the event loop run, and SIGINT/SIGTERM handled gracefully.

SIGINT and SIGTERM mean "stop sending, finish what is in flight".
"""

from __future__ import annotations

import signal
import sys
from collections.abc import AsyncIterator, Callable, Iterable
from typing import TYPE_CHECKING, TypeVar

from ._exit import CLOSED, FAILED, INTERRUPTED, OK, TERMINATED, USAGE, UsageError
from ._progress import Progress, choose_progress
from ._report import Report, plural, silence_stdout
from ._source import Skip, Source, open_source

if TYPE_CHECKING:
    import argparse
    import asyncio

    from .._client import AsyncClient
    from .._tasks import Task


T = TypeVar("T")
_STOP_SIGNALS = {signal.SIGINT: INTERRUPTED, signal.SIGTERM: TERMINATED}  # each exits 128 + its number


def cancel(args: argparse.Namespace) -> int:
    """Check the configuration, then run the cancellations on an event loop and return the exit code."""
    from ._resume import Recorded, open_output, read_records

    recorded = Recorded()
    report = Report(json_lines=args.json or args.output is not None, wait=args.wait, quiet=args.quiet)
    try:
        if args.resume:
            read_records(args.resume, report.info, recorded)
        if args.output is not None and not args.dry_run:
            report.out = open_output(args.output, recorded, report.info, args.source)
            report.target = args.output
        elif args.output is not None:  # a dry run writes nothing, but shows what is left to send
            read_records([args.output], report.info, recorded, missing_ok=True)
        return _cancel(args, report, recorded.has if len(recorded) else None)
    finally:
        if report.out is not None:
            report.out.close()


def _cancel(args: argparse.Namespace, report: Report, skip: Skip | None) -> int:
    import asyncio

    from .._client import AsyncClient
    from ._config import from_env, needed

    refs = list(args.refs)
    if args.scope is not None:
        chosen = _matching(args, skip, report)
        if isinstance(chosen, int):
            return chosen
        refs, problems = chosen
        for problem in problems:  # items of the listing that name no task: each a failed record, never dropped
            report.emit(args.scope, "error", None, "IncompleteListing", problem)
        if not refs:
            return _finish_listing(report)
    if args.dry_run:
        return _dry_run(args, refs, skip, report)
    source = open_source(args.source, refs, report.bad_line, skip)
    try:
        providers = needed([args.scope] if args.scope is not None else refs) if args.source is None else None
        client = from_env(AsyncClient, providers, "cancel", args.timeout, args.max_retries)
        wait = (args.wait_timeout or True) if args.wait else False
        return asyncio.run(_run(client, source, report, args, wait))
    finally:
        source.close()


def _finish_listing(report: Report) -> int:
    """--all found nothing to cancel: the summary of the listing's failed items, if any."""
    if report.failed:
        report.info(report.summary(interrupted=False, unsent=lambda: ""))
        return FAILED
    return OK


def _matching(args: argparse.Namespace, skip: Skip | None, report: Report) -> tuple[list[str], tuple[str, ...]] | int:
    """`--all`: the refs of the matching tasks with no record yet, each once, and the items of the listing that
    name no task (IncompleteListing's problems), once the user agreed; or an exit code.

    The whole listing is read first, so that the count shown is the set cancelled (one ref each in memory).
    With --dry-run the tasks are printed here and nothing is sent.
    """
    from .._errors import AITasksError, IncompleteListing
    from ._tasks import TaskLines, closed, listing, open_client, provider_statuses

    statuses = provider_statuses(args.scope, args.statuses)
    tasks: dict[str, Task] = {}  # by ref: a task listed twice is cancelled once
    problems: tuple[str, ...] = ()
    with open_client(args, "cancel", [args.scope]) as client:
        try:
            for task in listing(client, args.scope, statuses, active=statuses is None):
                tasks.setdefault(str(task.ref), task)
        except IncompleteListing as exc:
            problems = exc.problems
        except AITasksError as exc:
            report.note(f"error: listing {args.scope} failed after {plural(len(tasks), 'task')}: {exc}")
            return FAILED
    chosen = [task for ref, task in tasks.items() if skip is None or not skip(ref)]
    which = "not in a final state" if statuses is None else "with status " + ",".join(map(str, statuses))
    found = f"found {plural(len(chosen), 'task')} of {args.scope} {which}"
    if len(chosen) < len(tasks):
        found += f" (and {len(tasks) - len(chosen)} already recorded by --resume)"
    if problems:
        found += f"; the listing is incomplete: {plural(len(problems), 'problem')}, each reported as a failed record"
    if args.dry_run:
        report.info(f"{found}; dry run: none is cancelled")
        for problem in problems:
            report.note(f"error: listing {args.scope}: {problem}")
        out = TaskLines(json_lines=args.json)
        for number, task in enumerate(chosen):
            out.task(task)
            if out.closed:
                return closed(f"after {plural(number, 'task')} of {len(chosen)} (dry run: none is cancelled)")
        return FAILED if problems else OK
    if chosen and not args.yes and not _stdin_is_terminal():
        raise UsageError(f"{found}; cancelling them needs --yes when stdin is not a terminal")
    (report.note if problems else report.info)(found)
    if chosen and not args.yes and not _confirm(f"aitasks: cancel {plural(len(chosen), 'task')}? [y/N] "):
        report.note("nothing was cancelled")
        return FAILED
    return [str(task.ref) for task in chosen], problems


def _stdin_is_terminal() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def _confirm(question: str) -> bool:
    """Ask on the terminal; only "y" or "yes" is a yes (end of input is a no)."""
    print(question, end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def _dry_run(args: argparse.Namespace, refs: list[str], skip: Skip | None, report: Report) -> int:
    """`--dry-run` with REFs or --from: print each ref that would be sent (a bad line is noted), send nothing.

    Nothing is kept per ref (track=False), so memory stays constant however many refs the file holds.
    """
    import asyncio
    import json

    from ._report import write_line
    from ._tasks import closed

    bad = 0

    def bad_line(ref: str, message: str) -> None:
        nonlocal bad
        bad += 1
        report.note(f"not a ref: {message}")

    source = open_source(args.source, refs, bad_line, skip, track=False)

    async def show() -> int:
        count = 0
        async for ref in _each(source.refs()):
            if not write_line(json.dumps({"ref": str(ref)}) if args.json else str(ref)):
                source.stop()
                return closed(f"after {plural(count, 'ref')} (dry run: nothing is sent)")
            count += 1
        skipped = f", {source.skipped} skipped as already recorded" if source.skipped else ""
        report.info(f"{plural(count, 'ref')} would be sent (dry run: nothing is sent){skipped}")
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
    client: AsyncClient, source: Source, report: Report, args: argparse.Namespace, wait: bool | float
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
    progress = Progress() if args.quiet else choose_progress()
    progress.start(source.count() if progress.shown else None)
    report.progress = progress
    restore = _on_signals(asyncio.get_running_loop(), on_signal)
    try:
        async with client:
            try:
                refs = source.refs()
                async for item in client.cancel_many(refs, concurrency=args.concurrency, strict=args.strict, wait=wait):
                    source.done(item.index)
                    report.item(item)
            except asyncio.CancelledError:
                if not abandons:
                    raise
                if sys.version_info >= (3, 11):
                    main_task.uncancel()
                for ref in source.abandon():
                    report.abandoned(ref)
    finally:
        restore()
        progress.stop()
        report.progress = Progress()
    return _finish(report, source, stopped_by, args)


def _finish(report: Report, source: Source, stopped_by: signal.Signals | None, args: argparse.Namespace) -> int:
    """Print the summary (with what to run to resume, after a stop) and choose the exit code."""
    if source.skipped:
        report.info(f"{plural(source.skipped, 'ref')} not sent again: --resume holds their records")
    stopped = stopped_by is not None or report.stdout_closed
    summary = report.summary(interrupted=stopped_by is not None, unsent=source.unsent)
    if stopped and not (source.exhausted and not source.abandoned):
        summary += f" (resume with: {_resume_hint(source, args)})"
    (report.note if stopped else report.info)(summary)
    if source.read_error is not None:
        error = source.read_error
        report.note(f"error: reading {source.name} failed: {error.strerror or error}")
    if report.stdout_closed and report.out is None:
        silence_stdout()
    if stopped_by is not None:
        return _STOP_SIGNALS[stopped_by]
    if report.stdout_closed:
        return CLOSED
    if source.read_error is not None:
        return USAGE
    if report.failed or report.waits_failed:
        return FAILED
    if report.done == 0 and not source.skipped:
        report.note(f"warning: {source.name or 'the input'} held no refs")
    return OK


def _resume_hint(source: Source, args: argparse.Namespace) -> str:
    """What to run so that every ref not known done (unsent, or abandoned: Interrupted) is sent, and no other."""
    if args.output is not None:
        return f"the same command again: --output {args.output} holds the records; Interrupted refs are sent again"
    hint = "the same command with --resume FILE, FILE holding this run's --json records"
    tail = source.tail_hint()
    return hint if tail is None else f"{tail}, or {hint}"


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
