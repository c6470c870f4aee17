"""What a task is, across clouds: its normalised state, the provider's own status, and how waiting polls it."""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from ._errors import AITasksError, InvalidTaskRef
from ._refs import TaskRef, check_id

if TYPE_CHECKING:
    from ._results import CancelResult

R = TypeVar("R")
V = TypeVar("V")


POLL_FIRST = 1.0  # seconds before the first re-read of a task that is not final yet
POLL_GROWTH = 1.5  # each wait is this much longer than the one before
POLL_MAX = 10.0  # and never longer than this
MAX_PAGES = 100_000  # a listing that claims more pages than this ends in IncompleteListing (a server paging forever)


class TaskState(enum.Enum):
    """A task's state in words both clouds share; `UNKNOWN` is a status no table lists (never an error)."""

    QUEUED = "queued"
    RUNNING = "running"
    STOPPING = "stopping"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"

    @classmethod
    def of(cls, status: object, table: Mapping[str | int, TaskState]) -> TaskState:
        """The state a provider's status maps to in its table (booleans are not the integers they equal)."""
        if isinstance(status, bool) or not isinstance(status, (str, int)):
            return cls.UNKNOWN
        return table.get(status if status in table else integer(status), cls.UNKNOWN)

    @property
    def final(self) -> bool:
        """The task will not change any more: succeeded, failed or cancelled."""
        return self in FINAL_STATES


FINAL_STATES = frozenset({TaskState.SUCCEEDED, TaskState.FAILED, TaskState.CANCELLED})


@attrs.frozen
class Task:
    """One task as its provider reported it: fields of an unexpected type are None, `raw` keeps them as received."""

    ref: TaskRef
    state: TaskState
    status: str | int | None  # the provider's own value, as received
    progress: float | None = None  # percent, as a number (numeric text is read as one)
    name: str | None = None  # the task's own name (ModelArts)
    # What kind of task it is: Gcore's task_name. ModelArts' details page has no type, so none here, as listed or
    # read alike (a listed task's `raw["type"]` keeps it).
    type: str | int | None = None
    created_at: str | None = None  # times as the provider gives them; epoch numbers become ISO 8601 text (UTC)
    started_at: str | None = None
    finished_at: str | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)  # the provider's object as received

    @property
    def final(self) -> bool:
        """True once the task has succeeded, failed or been cancelled."""
        return self.state.final


@attrs.frozen
class Dataset:
    """One dataset of a ModelArts project, as listed: its id (as received), its name, and `raw`, the rest."""

    dataset_id: str
    name: str | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen
class Page:
    """One page of a listing: the items read (tasks or datasets), those that could not be, whether more follow."""

    items: list[Any]
    problems: list[str]
    more: bool


def integer(value: V) -> V | int:
    """Integer text (" -1") as the integer it spells, anything else as it is: a status sent as text means the same."""
    return int(value) if isinstance(value, str) and value.strip().lstrip("-").isdigit() else value


def text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def number(value: object) -> float | None:
    """A finite number as received (int or float), numeric text read as one; anything else None."""
    if isinstance(value, str):
        try:
            value = int(value) if value.strip().lstrip("-").isdigit() else float(value)
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return value


def when(value: object) -> str | None:
    """A time as received; an epoch number (seconds, or milliseconds when that large) as ISO 8601 text in UTC."""
    if isinstance(value, str):
        return value
    seconds = number(value)
    if seconds is None:
        return None
    if abs(seconds) > 1e11:
        seconds /= 1000
    try:
        return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).isoformat().replace("+00:00", "Z")
    except (OverflowError, OSError, ValueError):
        return None


def read_items(data: Mapping[str, Any], key: str, build: Callable[[Mapping[str, Any]], R]) -> tuple[list[R], list[str]]:
    """The tasks of a listing's `key`, and one line for each item that is not one (`key[3].task_id: missing`)."""
    value = data.get(key)
    if value is None:
        return [], []
    if not isinstance(value, list):
        return [], [f"{key}: a JSON {_kind(value)} where a list was expected"]
    tasks: list[R] = []
    problems: list[str] = []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            problems.append(f"{key}[{index}]: a JSON {_kind(item)}, not an object")
            continue
        try:
            tasks.append(build(item))
        except InvalidTaskRef as exc:
            problems.append(f"{key}[{index}].{exc}")
    return tasks, problems


def ident(item: Mapping[str, Any], key: str) -> str:
    """An id as received, or InvalidTaskRef naming the field and why it cannot be used."""
    value = item.get(key)
    if not isinstance(value, str):
        raise InvalidTaskRef(f"{key}: missing" if key not in item else f"{key}: a JSON {_kind(value)}, not text")
    try:
        return check_id(value, "the id")  # one path segment, or the line names the field: `task_id: the id is empty`
    except InvalidTaskRef as exc:
        raise InvalidTaskRef(f"{key}: {exc}") from None


def _kind(value: object) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number"
    )


class WaitTimeout(AITasksError):
    """Out of time: `.task` the last state seen, `.error` the last failed read, `.result` the cancel's, if one was."""

    def __init__(
        self, task: Task | None, timeout: float, error: AITasksError | None = None, *, ref: object = None
    ) -> None:
        self.task, self.timeout, self.error = task, timeout, error
        self.result: CancelResult | None = None
        where = task.ref if task is not None else ref
        status = f" (status {task.status!r})" if task is not None and task.status is not None else ""
        what = f"still {task.state.name}{status}" if task is not None else "never read"
        last = f"; last read failed: {error}" if error is not None else ""
        super().__init__(f"{where}: {what} after waiting {timeout:g} s{last}")


def poll_waits() -> Iterator[float]:
    """Pauses between reads of a task: 1 s, then 1.5 times longer each time, at most 10 s (kept apart from retries)."""
    pause = POLL_FIRST
    while True:
        yield pause
        pause = min(pause * POLL_GROWTH, POLL_MAX)
