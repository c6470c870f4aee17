"""What a task is, across clouds: its normalised state, the provider's own status, and how waiting polls it."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping

import attrs

from ._errors import AITasksError
from ._refs import TaskRef

__all__ = [
    "FINAL_STATES",
    "MAX_PAGES",
    "POLL_FIRST",
    "POLL_GROWTH",
    "POLL_MAX",
    "Page",
    "Task",
    "TaskState",
    "WaitTimeout",
    "poll_waits",
]

POLL_FIRST = 1.0  # seconds before the first re-read of a task that is not final yet
POLL_GROWTH = 1.5  # each wait is this much longer than the one before
POLL_MAX = 10.0  # and never longer than this
MAX_PAGES = 100_000  # a listing that claims more pages than this is cut short (a server paging forever)


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
        return table.get(status, cls.UNKNOWN)

    @property
    def final(self) -> bool:
        """The task will not change any more: succeeded, failed or cancelled."""
        return self in FINAL_STATES


FINAL_STATES = frozenset({TaskState.SUCCEEDED, TaskState.FAILED, TaskState.CANCELLED})


@attrs.frozen
class Task:
    """One task as its provider reported it; `status` is the provider's own value, kept as received."""

    ref: TaskRef
    state: TaskState
    status: str | int | None
    progress: float | None = None
    name: str | None = None  # the task's own name (ModelArts)
    type: str | int | None = None  # what kind of task it is (Gcore's task_name, ModelArts' type)
    created_at: str | None = None  # times as the provider gives them (ISO 8601 text)
    started_at: str | None = None
    finished_at: str | None = None

    @property
    def final(self) -> bool:
        """True once the task has succeeded, failed or been cancelled."""
        return self.state.final


@attrs.frozen
class Page:
    """One page of a task listing, and whether the provider says another follows."""

    tasks: list[Task]
    more: bool


class WaitTimeout(AITasksError):
    """`wait()` ran out of time before the task reached a final state; `.task` is the last state seen."""

    def __init__(self, task: Task, timeout: float) -> None:
        self.task = task
        self.timeout = timeout
        status = f" (status {task.status!r})" if task.status is not None else ""
        super().__init__(f"{task.ref}: still {task.state.name}{status} after waiting {timeout:g} s")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.task, self.timeout))


def poll_waits() -> Iterator[float]:
    """Pauses between reads of a task: 1 s, then 1.5 times longer each time, at most 10 s (kept apart from retries)."""
    pause = POLL_FIRST
    while True:
        yield pause
        pause = min(pause * POLL_GROWTH, POLL_MAX)
