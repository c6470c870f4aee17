"""The `aitasks` command: argument parsing is cheap; httpx, the clients and rich load only when a command runs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, BinaryIO, NoReturn

from ._errors import InvalidTaskRef  # both already loaded by `import aitasks`
from ._refs import TaskRef

if TYPE_CHECKING:
    import asyncio

    from ._bulk import BulkResult
    from ._client import AsyncClient

__all__ = ["main"]

EXIT_OK = 0  # every ref was cancelled or had already finished
EXIT_FAILED = 1  # at least one ref failed
EXIT_USAGE = 2  # usage, configuration or input error
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it

DEFAULT_CONCURRENCY = 16
MAX_CONCURRENCY = 100  # httpx's default pool size: more calls would only wait for a connection inside the client
MAX_LINE = 16384  # bytes; a valid ref is at most ~8 KiB of UTF-8, and a longer line is never held in memory
READ_AHEAD = 256  # lines a pipe reader may hold before the event loop takes them
PROGRESS_INTERVAL = 2.0  # seconds between plain counter lines when rich is not installed

ENVIRONMENT = """\
environment:
  GCORE_API_KEY                   Gcore API key (sent as "Authorization: apikey <key>")
  GCORE_BASE_URL                  Gcore API base URL (default https://api.gcore.com)
  MODELARTS_ENDPOINT              ModelArts endpoint, e.g. https://modelarts.eu-de.otc.t-systems.com
  MODELARTS_PROJECT_ID            ModelArts project id
  HUAWEICLOUD_SDK_PROJECT_ID      ModelArts project id, used when MODELARTS_PROJECT_ID is not set
  MODELARTS_TOKEN                 IAM token sent as X-Auth-Token (preferred over AK/SK when both are set)
  HUAWEICLOUD_SDK_AK              access key for AK/SK request signing
  HUAWEICLOUD_SDK_SK              secret key for AK/SK request signing
  HUAWEICLOUD_SDK_SECURITY_TOKEN  security token of temporary AK/SK credentials
  A provider whose variables are missing is skipped; its refs then fail with ConfigurationError.

exit codes:
  0    no ref failed (each was cancelled or had already finished)
  1    at least one ref failed
  2    usage, configuration or input error
  130  interrupted by Ctrl-C: no new refs were sent, the calls in flight were finished and reported
"""

CANCEL_DESCRIPTION = """\
Cancel AI tasks on Gcore Streaming and ModelArts. A ref is provider:native-ref:
gcore:TASK_ID or modelarts:DATASET_ID/TASK_ID. Each ref gets exactly one line on stdout
(one JSON object with --json) as soon as its call completes; progress (on a terminal) and a
summary go to stderr. Ctrl-C stops sending new refs, lets the calls in flight finish and
reports them; a second Ctrl-C abandons them (reported as "Interrupted").
"""

JSON_FORMAT = '{"ref", "outcome": "cancelled"|"already_finished"|"error", "status_code", "error", "message"}'


# --- arguments -------------------------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr (no usage dump), exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _whole(low: int, high: int | None = None) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low or (high is not None and value > high):
            bound = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise argparse.ArgumentTypeError(f"{value} is out of range ({bound})")
        return value

    return parse


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text} must be a positive number of seconds")
    return value


def _parser() -> argparse.ArgumentParser:
    from ._version import __version__

    parser = _Parser(
        prog="aitasks",
        description="Cancel running AI tasks on Gcore Streaming and ModelArts.",
        epilog=ENVIRONMENT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"aitasks {__version__}")
    commands = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND")
    cancel = commands.add_parser(
        "cancel",
        help="cancel tasks given as arguments or read from a file",
        description=CANCEL_DESCRIPTION,
        epilog=ENVIRONMENT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cancel.add_argument("refs", nargs="*", metavar="REF", help="gcore:TASK_ID or modelarts:DATASET_ID/TASK_ID")
    cancel.add_argument(
        "--from",
        dest="source",
        metavar="FILE",
        help="read refs from FILE ('-' for stdin), one per line; blank lines and lines starting with # are skipped",
    )
    cancel.add_argument(
        "--concurrency",
        type=_whole(1, MAX_CONCURRENCY),
        default=DEFAULT_CONCURRENCY,
        metavar="N",
        help=f"calls in flight at once, 1-{MAX_CONCURRENCY} (default {DEFAULT_CONCURRENCY})",
    )
    cancel.add_argument("--json", action="store_true", help=f"one JSON object per ref on stdout: {JSON_FORMAT}")
    cancel.add_argument(
        "--strict", action="store_true", help="count a task that had already finished as failed (TaskAlreadyFinished)"
    )
    cancel.add_argument(
        "--timeout", type=_seconds, default=30.0, metavar="S", help="seconds per HTTP attempt (default 30)"
    )
    cancel.add_argument(
        "--max-retries",
        type=_whole(0),
        default=2,
        metavar="N",
        help="retries after a 429, a 5xx, a timeout or a dropped connection (default 2)",
    )
    commands.add_parser(
        "fake-cloud",
        add_help=False,
        help="serve a fake of both clouds on 127.0.0.1 for trying things out (see 'aitasks fake-cloud --help')",
    )
    return parser


class _UsageError(Exception):
    """A usage, configuration or input problem: reported as one line on stderr, exit 2."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `aitasks` command and return its exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["fake-cloud"]:
        from .testing._serve import main as serve

        return serve(args_list[1:])
    try:
        args = _parser().parse_args(args_list)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        if args.command is None:
            raise _UsageError("a command is required: cancel or fake-cloud (see 'aitasks --help')")
        return _cancel_command(args)
    except _UsageError as exc:
        print(f"aitasks: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:  # before the event loop took over Ctrl-C
        return EXIT_INTERRUPTED


def _cancel_command(args: argparse.Namespace) -> int:
    """Check the arguments and configuration, then run the cancellations on an event loop."""
    import asyncio
    import logging

    from ._client import AsyncClient
    from ._errors import ConfigurationError

    if args.refs and args.source is not None:
        raise _UsageError("give refs as arguments or with --from, not both")
    if not args.refs and args.source is None:
        raise _UsageError("no refs: give REF arguments or --from FILE (see 'aitasks cancel --help')")
    report = _Report(json_lines=args.json)
    source = _open_source(args, report)
    # stamina logs each scheduled retry as a WARNING; with no logging configured Python would print the bare
    # event name on stderr. A handler on its logger stops that, and records still reach any configured root.
    quiet = logging.NullHandler()
    logging.getLogger("stamina").addHandler(quiet)
    try:
        try:
            client = AsyncClient.from_env(timeout=args.timeout, max_retries=args.max_retries)
        except ConfigurationError as exc:
            raise _UsageError(f"configuration: {exc} (see 'aitasks cancel --help')") from None
        return asyncio.run(_run(client, source, report, args.concurrency, args.strict))
    finally:
        logging.getLogger("stamina").removeHandler(quiet)
        source.close()


# --- input -----------------------------------------------------------------------------------------------------


def _open_source(args: argparse.Namespace, report: _Report) -> _Source:
    if args.source is None:
        return _Source(report, refs=list(args.refs))
    if args.source == "-":
        stdin = sys.stdin
        if stdin is None:
            raise _UsageError("--from -: there is no stdin")
        stream: BinaryIO = stdin.buffer if hasattr(stdin, "buffer") else stdin  # type: ignore[assignment]
        return _Source(report, stream=stream, name="stdin", owned=False)
    try:
        stream = open(args.source, "rb")  # noqa: SIM115 (closed by _Source.close)
    except OSError as exc:
        raise _UsageError(f"cannot read {args.source}: {exc.strerror or exc}") from None
    return _Source(report, stream=stream, name=args.source, owned=True)


def _lines(stream: BinaryIO) -> Iterator[bytes]:
    """Raw lines; a line over MAX_LINE bytes comes back cut (and longer than MAX_LINE) with its rest skipped."""
    while line := stream.readline(MAX_LINE + 1):
        if len(line) > MAX_LINE and not line.endswith(b"\n"):
            while (rest := stream.readline(MAX_LINE)) and not rest.endswith(b"\n"):
                pass
        yield line


def _blocks(stream: BinaryIO) -> Iterator[bytes]:
    """Bytes as they arrive; from the file descriptor when there is one, so no buffer lock is held while waiting.

    (A daemon thread blocked inside sys.stdin.buffer.read holds its lock, and the interpreter aborts at exit.)
    """
    import os

    try:
        fd: int | None = stream.fileno()
    except (OSError, ValueError):  # io.UnsupportedOperation is both
        fd = None
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

    try:
        return stat.S_ISREG(os.fstat(stream.fileno()).st_mode)
    except (OSError, ValueError):  # io.UnsupportedOperation is both
        return False


class _Source:
    """The refs to cancel, read lazily and numbered; yields nothing more once `stop()` was called.

    It also remembers which refs were handed out and not yet reported (for a forced abort), the last line
    read (for the resume hint), and a read error, which ends the input without losing the calls in flight.
    """

    def __init__(
        self,
        report: _Report,
        *,
        refs: list[str] | None = None,
        stream: BinaryIO | None = None,
        name: str = "",
        owned: bool = False,
    ) -> None:
        self._report = report
        self.listed = refs
        self._stream = stream
        self._owned = owned
        self.name = name
        self.stopped = False
        self.exhausted = False
        self.line = 0
        self.sent = 0
        self.in_flight: dict[int, str] = {}
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
        for line in _lines(self._stream):
            text = line.strip()
            total += bool(text) and not text.startswith(b"#")
        self._stream.seek(0)
        return total

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

    def _hand_out(self, label: str) -> None:
        self.in_flight[self.sent] = label
        self.sent += 1

    def _listed(self) -> Iterator[str]:
        assert self.listed is not None
        for ref in self.listed:
            if self.stopped:
                return
            self._hand_out(ref)
            yield ref
        self.exhausted = True

    def _take(self, raw: bytes, number: int) -> TaskRef | None:
        """Parse one line; a bad one is reported at once (with its line number) and skipped."""
        self.line = number
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        text = raw.strip()
        if not text or text.startswith(b"#"):
            return None
        if len(text) > MAX_LINE:
            label = text[:60].decode("utf-8", "backslashreplace") + "..."
            self._report.bad_line(label, f"line {number}: longer than {MAX_LINE} bytes")
            return None
        try:
            value = text.decode("utf-8")
        except UnicodeDecodeError:
            self._report.bad_line(text.decode("utf-8", "backslashreplace"), f"line {number}: not valid UTF-8")
            return None
        try:
            ref = TaskRef.parse(value)
        except InvalidTaskRef as exc:
            self._report.bad_line(value, f"line {number}: {exc}")
            return None
        self._hand_out(value)
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
            self.read_error = exc if isinstance(exc, OSError) else OSError(str(exc))
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
                end = exc if isinstance(exc, OSError) else OSError(str(exc))
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


# --- output ----------------------------------------------------------------------------------------------------

_WORDS = {"cancelled": "cancelled", "already_finished": "already finished", "error": "failed"}


def _printable(text: str) -> str:
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


class _Report:
    """One record per ref on stdout, flushed at once (JSON lines or aligned text), and the counts for the summary."""

    def __init__(self, *, json_lines: bool) -> None:
        import time

        self.json_lines = json_lines
        self.cancelled = 0
        self.already_finished = 0
        self.failed = 0
        self.started = time.monotonic()
        self.progress: _Progress = _Progress()
        self.stdout_closed = False
        self.on_stdout_closed: Callable[[], None] | None = None

    @property
    def done(self) -> int:
        return self.cancelled + self.already_finished + self.failed

    def item(self, item: BulkResult) -> None:
        """Report one cancel_many result."""
        if item.result is not None:
            result = item.result
            outcome = result.outcome.value
            self.emit(item.ref, outcome, result.status_code, None, result.message)
        else:
            error = item.error
            status = getattr(error, "status_code", None)
            self.emit(item.ref, "error", status, type(error).__name__, str(error))

    def bad_line(self, ref: str, message: str) -> None:
        """Report an input line that is not a ref; it is never sent."""
        self.emit(ref, "error", None, "InvalidTaskRef", message)

    def abandoned(self, ref: str) -> None:
        """Report a call given up by a second Ctrl-C: whether the provider cancelled the task is unknown."""
        message = "abandoned by a second Ctrl-C before an answer arrived; the task may or may not be cancelled"
        self.emit(ref, "error", None, "Interrupted", message)

    def emit(self, ref: str, outcome: str, status: int | None, error: str | None, message: str | None) -> None:
        if outcome == "cancelled":
            self.cancelled += 1
        elif outcome == "already_finished":
            self.already_finished += 1
        else:
            self.failed += 1
        if self.json_lines:
            import json

            record = {"ref": ref, "outcome": outcome, "status_code": status, "error": error, "message": message}
            line = json.dumps(record)
        else:
            detail = message or ""
            if error is not None:
                detail = f"{error}: {detail}"
            code = "-" if status is None else str(status)
            line = f"{_WORDS[outcome]:<16}  {code:>3}  {_printable(ref):<40}  {_printable(detail)}".rstrip()
        self._write(line)
        self.progress.advance(self)

    def _write(self, line: str) -> None:
        if self.stdout_closed:
            return
        out = sys.stdout  # looked up each time: rich may redirect it while its progress bar is shown
        try:
            try:
                out.write(line + "\n")
            except UnicodeEncodeError:
                encoding = out.encoding or "ascii"
                out.write(line.encode(encoding, "backslashreplace").decode(encoding) + "\n")
            out.flush()
        except BrokenPipeError:
            self.stdout_closed = True
            if self.on_stdout_closed is not None:
                self.on_stdout_closed()

    def note(self, text: str) -> None:
        """A line on stderr that does not tear the progress bar."""
        self.progress.note(f"aitasks: {text}")

    def summary(self, source: _Source, interrupted: bool) -> str:
        import time

        elapsed = time.monotonic() - self.started
        counts = f"{self.cancelled} cancelled, {self.already_finished} already finished, {self.failed} failed"
        text = f"{counts} ({self.done} ref{'' if self.done == 1 else 's'}) in {elapsed:.1f}s"
        if interrupted or self.stdout_closed:
            text = ("interrupted: " if interrupted else "stdout was closed: ") + text
            if source.exhausted:
                text += "; every ref had been sent"
            elif source.listed is not None:
                text += f"; stopped after {source.sent} of {len(source.listed)} refs, the rest were not sent"
            else:
                text += f"; refs after line {source.line} of {source.name} were not sent"
                if source.name != "stdin":
                    text += f" (resume with: tail -n +{source.line + 1} {source.name} | aitasks cancel --from - ...)"
        return text


def _stderr_is_terminal() -> bool:
    return sys.stderr is not None and sys.stderr.isatty()


class _Progress:
    """No progress display (stderr is not a terminal); notes still go to stderr."""

    shown = False

    def start(self, total: int | None) -> None:
        pass

    def advance(self, report: _Report) -> None:
        pass

    def note(self, text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    def stop(self) -> None:
        pass


class _CounterProgress(_Progress):
    """A plain counter line every few seconds, for terminals without rich."""

    shown = True

    def __init__(self) -> None:
        import time

        self._clock = time.monotonic
        self._last = self._clock()
        self._total: int | None = None

    def start(self, total: int | None) -> None:
        self._total = total

    def advance(self, report: _Report) -> None:
        now = self._clock()
        if now - self._last >= PROGRESS_INTERVAL:
            self._last = now
            of = f"/{self._total}" if self._total is not None else ""
            self.note(
                f"aitasks: {report.done}{of} done: {report.cancelled} cancelled, "
                f"{report.already_finished} already finished, {report.failed} failed"
            )


class _RichProgress(_Progress):
    """A rich progress bar on stderr; records written to a terminal stdout are printed above it."""

    shown = True

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        stdout_tty = sys.stdout is not None and sys.stdout.isatty()
        self._bar = Progress(
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

    def advance(self, report: _Report) -> None:
        counts = f"{report.cancelled} cancelled · {report.already_finished} already finished · {report.failed} failed"
        self._bar.update(self._task, completed=report.done, counts=counts)

    def note(self, text: str) -> None:
        self._bar.console.print(text, markup=False, highlight=False, soft_wrap=True)

    def stop(self) -> None:
        self._bar.stop()


def _progress() -> _Progress:
    """rich's bar when stderr is a terminal and rich is installed, a counter line without rich, else nothing."""
    if not _stderr_is_terminal():
        return _Progress()
    try:
        return _RichProgress()
    except ImportError:
        return _CounterProgress()


# --- the run ---------------------------------------------------------------------------------------------------


async def _run(client: AsyncClient, source: _Source, report: _Report, concurrency: int, strict: bool) -> int:
    """Cancel every ref, report each, and turn Ctrl-C into "stop sending, finish what is in flight"."""
    import asyncio

    interrupts = 0
    main_task = asyncio.current_task()
    assert main_task is not None

    def on_interrupt() -> None:
        nonlocal interrupts
        interrupts += 1
        if interrupts == 1:
            source.stop()
            waiting = len(source.in_flight)
            report.note(
                f"interrupted: sending no more refs, finishing {waiting} call{'' if waiting == 1 else 's'} in flight"
                " (Ctrl-C again to abandon them)"
            )
        else:
            main_task.cancel()

    report.on_stdout_closed = source.stop
    progress = _progress()
    progress.start(source.count() if progress.shown else None)
    report.progress = progress
    restore = _handle_sigint(asyncio.get_running_loop(), on_interrupt)
    try:
        async with client:
            try:
                async for item in client.cancel_many(source.refs(), concurrency=concurrency, strict=strict):
                    source.done(item.index)
                    report.item(item)
            except asyncio.CancelledError:
                if interrupts < 2:
                    raise
                if sys.version_info >= (3, 11):
                    main_task.uncancel()
                for ref in list(source.in_flight.values()):
                    report.abandoned(ref)
                source.in_flight.clear()
    finally:
        restore()
        progress.stop()
        report.progress = _Progress()
    return _finish(report, source, interrupted=interrupts > 0)


def _finish(report: _Report, source: _Source, *, interrupted: bool) -> int:
    """Print the summary and choose the exit code."""
    report.note(report.summary(source, interrupted))
    if source.read_error is not None:
        error = source.read_error
        report.note(f"error: reading {source.name} failed: {error.strerror or error}")
    if report.stdout_closed:
        _silence_stdout()
    if interrupted:
        return EXIT_INTERRUPTED
    if source.read_error is not None:
        return EXIT_USAGE
    if report.failed or report.stdout_closed:
        return EXIT_FAILED
    if report.done == 0:
        report.note(f"warning: {source.name or 'the input'} held no refs")
    return EXIT_OK


def _silence_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so the interpreter's final flush does not complain."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def _handle_sigint(loop: asyncio.AbstractEventLoop, callback: Callable[[], None]) -> Callable[[], None]:
    """Run `callback` on the loop for each SIGINT; returns the function that puts the old handler back."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = signal.signal(signal.SIGINT, lambda signum, frame: loop.call_soon_threadsafe(callback))

    def restore() -> None:
        signal.signal(signal.SIGINT, previous)

    return restore
