"""`aitasks ls` and `aitasks status`: tasks as a table on a terminal, JSON lines otherwise; statuses checked."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ._config import message
from ._exit import CLOSED, FAILED, OK, UsageError
from ._report import plural, printable, silence_stdout, write_line

if TYPE_CHECKING:
    import argparse

    from .._client import Client
    from .._errors import AITasksError
    from .._tasks import Task


TASK_KEYS = ("ref", "state", "status", "progress", "name", "type", "created_at", "started_at", "finished_at")
HEADER = f"{'STATE':<9}  {'STATUS':<8}  {'PROGRESS':>8}  REF"
STATUS_WORKERS = 16  # tasks `aitasks status` reads at once


def task_record(task: Task) -> dict[str, Any]:
    """A task as one JSON object (TASK_KEYS): ref, state, status, progress first, then what else the provider told."""
    values = (task.name, task.type, task.created_at, task.started_at, task.finished_at)
    return dict(zip(TASK_KEYS, (str(task.ref), task.state.name, task.status, task.progress, *values), strict=True))


def _progress(value: float | None) -> str:
    return "-" if value is None else f"{value:g}%"


class TaskLines:
    """Tasks on stdout, one line each as they come: JSON objects, or a table with its header first."""

    def __init__(self, *, json_lines: bool, errors: bool = False) -> None:
        self.json_lines = json_lines
        self.errors = errors  # each JSON object also has "error" and "message" (null when the task was read)
        self.closed = False  # stdout went away (`| head`)
        self._header = not json_lines

    def task(self, task: Task) -> None:
        if self.json_lines:
            self._write(task_record(task) | ({"error": None, "message": None} if self.errors else {}))
        else:
            self._row(task.state.name, task.status, _progress(task.progress), str(task.ref))

    def error(self, ref: str, error: AITasksError) -> None:
        """A task that could not be read (`status` only)."""
        if self.json_lines:
            record = dict.fromkeys(TASK_KEYS)
            self._write({**record, "ref": ref, "error": type(error).__name__, "message": message(error)})
        else:
            self._row("-", None, "-", ref, f"{type(error).__name__}: {message(error)}")

    def _row(self, state: str, status: object, progress: str, ref: str, detail: str = "") -> None:
        if self._header:
            self._header = False
            self._line(HEADER)
        shown = "-" if status is None else printable(str(status))
        self._line(f"{state:<9}  {shown:<8}  {progress:>8}  {printable(ref)}  {printable(detail)}".rstrip())

    def _write(self, record: dict[str, Any]) -> None:
        import json

        self._line(json.dumps(record))

    def _line(self, line: str) -> None:
        if not self.closed and not write_line(line):
            self.closed = True


def provider_statuses(scope: str, values: list[str] | None) -> list[str | int] | None:
    """The --status values as the listing's provider takes them (its `status` check), each one it documents."""
    from .. import providers

    name = scope.partition(":")[0]
    if values is None or name not in providers.names():
        return None  # not a listing: the client says so
    try:
        return [providers.get(name).status(value) for value in values]
    except ValueError as exc:
        raise UsageError(f"--status {exc}") from None


def open_client(args: argparse.Namespace, command: str, names: list[str]) -> Client:
    """A blocking client configured from the environment; no provider of `names` configured is a usage error."""
    from .._client import Client
    from ._config import from_env, needed

    return from_env(Client, needed(names), command, args.timeout, args.max_retries)


def listing(client: Client, scope: str, statuses: list[str | int] | None, active: bool) -> Iterator[Task]:
    """The tasks of `scope`, lazily; a scope that is not a listing, or an unconfigured provider, is a usage error."""
    from .._errors import ConfigurationError, InvalidTaskRef

    try:
        return client.tasks(scope, status=statuses, active=active)
    except ConfigurationError as exc:
        raise UsageError(f"configuration: {message(exc)}") from None
    except InvalidTaskRef as exc:
        raise UsageError(str(exc)) from None


def list_command(args: argparse.Namespace) -> int:
    """`aitasks ls`: every task of the listing, printed as each page arrives; one error line per unusable item."""
    from .._errors import AITasksError, IncompleteListing

    statuses = provider_statuses(args.scope, args.statuses)
    out = TaskLines(json_lines=args.json or not _stdout_is_terminal())
    count = 0
    with open_client(args, "ls", [args.scope]) as client:
        try:
            for task in listing(client, args.scope, statuses, args.active):
                out.task(task)
                if out.closed:
                    break
                count += 1
        except IncompleteListing as exc:
            for problem in exc.problems:
                _note(f"error: listing {args.scope}: {problem}")
            _note(f"error: listing {args.scope} is incomplete: {plural(count, 'task')} printed")
            return FAILED
        except AITasksError as exc:
            _note(f"error: listing {args.scope} failed after {plural(count, 'task')}: {exc}")
            return FAILED
    if out.closed:
        return closed(f"after {plural(count, 'task')}: the rest of the listing was not read")
    if not args.quiet:
        _note(f"{plural(count, 'task')}")
    return OK


def closed(what: str) -> int:
    """stdout went away (`| head`): say what was left undone, quiet the final flush, and exit CLOSED."""
    _note(f"stdout was closed {what}")
    silence_stdout()
    return CLOSED


def status_command(args: argparse.Namespace) -> int:
    """`aitasks status`: each ref's task, read a few at a time and printed in the order given."""
    import concurrent.futures

    from .._errors import AITasksError

    out = TaskLines(json_lines=args.json or not _stdout_is_terminal(), errors=True)
    failed = printed = 0
    with open_client(args, "status", args.refs) as client:

        def read(ref: str) -> Task | AITasksError:
            try:
                return client.get(ref)
            except AITasksError as exc:
                return exc

        with concurrent.futures.ThreadPoolExecutor(min(STATUS_WORKERS, len(args.refs))) as pool:
            results: Iterable[Task | AITasksError] = pool.map(read, args.refs)
            for ref, result in zip(args.refs, results, strict=True):
                if isinstance(result, Exception):
                    out.error(ref, result)
                else:
                    out.task(result)
                if out.closed:
                    pool.shutdown(cancel_futures=True)
                    break
                printed += 1
                failed += isinstance(result, Exception)
    if out.closed:
        return closed(f"after {plural(printed, 'task')} of {len(args.refs)}: the rest were not printed")
    if failed:
        _note(f"{plural(failed, 'task')} of {len(args.refs)} could not be read")
    return FAILED if failed else OK


def _note(text: str) -> None:
    print(f"aitasks: {text}", file=sys.stderr, flush=True)


def _stdout_is_terminal() -> bool:
    return sys.stdout is not None and sys.stdout.isatty()
