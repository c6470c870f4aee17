"""The fake's tasks: each provider's documented statuses, and one record per seeded task.

Every status is one the vendor documents, nothing else is accepted:
- Gcore: the task status enum of `GET /streaming/ai/tasks` (`status` query parameter) in the vendor's spec
  (specs/gcore/streaming_api.yaml). The pinned spec's response enum lacks RECEIVED; the vendor added it to the
  responses in its June 2026 spec (mintlify-2ac03f04b) and the official SDK knows it.
  A cancel "moves the task to REVOKED"; 412 "because it is already cancelled or completed": SUCCESS, FAILURE,
  REVOKED are final, everything else can be cancelled.
- ModelArts: the integers of `status` in obtaining_details_about_an_auto_labeling_task.rst, Table 2
  ("Task status. Options:" -1 queuing, 0 initializing, 1 running, 2 failed, 3 succeeded, 4 stopping, 5 stopped).
  A stop moves -1/0/1 to 4, which becomes 5 after the fake's `modelarts_stop_delay`.
"""

from __future__ import annotations

import datetime as dt

import attrs

__all__ = [
    "GCORE_FINISHED",
    "GCORE_RUNNING",
    "GCORE_STATUSES",
    "GCORE_TASK_NAMES",
    "MODELARTS_FINISHED",
    "MODELARTS_RUNNING",
    "MODELARTS_STATUSES",
    "MODELARTS_STOPPED",
    "MODELARTS_STOPPING",
    "MODELARTS_TYPES",
    "GcoreTask",
    "ModelArtsTask",
    "Task",
    "check_gcore_seed",
    "check_modelarts_seed",
]

GCORE_RUNNING = ("RECEIVED", "PENDING", "STARTED", "RETRY")
GCORE_FINISHED = ("SUCCESS", "FAILURE", "REVOKED")
GCORE_STATUSES = GCORE_RUNNING + GCORE_FINISHED
GCORE_TASK_NAMES = ("transcription", "content-moderation")  # ai_task_base.task_name enum

MODELARTS_RUNNING = (-1, 0, 1)  # queuing, initializing, running: a stop moves these to 4
MODELARTS_STOPPING = 4
MODELARTS_STOPPED = 5
MODELARTS_FINISHED = (2, 3, 5)  # failed, succeeded, stopped
MODELARTS_STATUSES = (-1, 0, 1, 2, 3, 4, 5)
# The `type` query parameter's options (obtaining_an_auto_labeling_task_list_by_page.rst, Table 2).
MODELARTS_TYPES = ("auto-label", "pre-label", "auto-grouping")


@attrs.define
class GcoreTask:
    """One Gcore AI task; times come from the fake's clock."""

    task_id: str
    status: str
    task_name: str
    progress: int | None  # None: derived from the status when a body is rendered
    created: dt.datetime
    completed: dt.datetime | None
    seq: int  # seeding order: breaks ties between equal timestamps so pages are stable


@attrs.define
class ModelArtsTask:
    """One ModelArts auto labeling / auto grouping task."""

    dataset_id: str
    task_id: str
    status: int
    task_type: str
    task_name: str | None
    progress: float | None
    created: dt.datetime
    finished: dt.datetime | None
    seq: int
    stopped_by: float | None = None  # monotonic time at which a stopping (4) task becomes stopped (5)


Task = GcoreTask | ModelArtsTask


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_gcore_seed(status: object, task_name: object, progress: object) -> None:
    """Raise ValueError naming the first value the Gcore documents do not allow."""
    if status not in GCORE_STATUSES:
        raise ValueError(f"undocumented gcore status {status!r}; expected one of {', '.join(GCORE_STATUSES)}")
    if task_name is not None and task_name not in GCORE_TASK_NAMES:
        raise ValueError(f"undocumented gcore task_name {task_name!r}; expected one of {', '.join(GCORE_TASK_NAMES)}")
    if progress is not None and not (isinstance(progress, int) and _is_number(progress) and 0 <= progress <= 100):
        raise ValueError(f"gcore progress must be an integer percentage 0..100, not {progress!r}")


def check_modelarts_seed(status: object, task_type: object, progress: object, task_name: object) -> None:
    """Raise ValueError naming the first value the ModelArts pages do not allow (status is an integer)."""
    if isinstance(status, bool) or status not in MODELARTS_STATUSES or not isinstance(status, int):
        expected = ", ".join(map(str, MODELARTS_STATUSES))
        raise ValueError(f"undocumented modelarts status {status!r}; expected one of the integers {expected}")
    if task_type is not None and task_type not in MODELARTS_TYPES:
        raise ValueError(f"undocumented modelarts type {task_type!r}; expected one of {', '.join(MODELARTS_TYPES)}")
    if progress is not None and not (_is_number(progress) and 0 <= progress <= 100):  # type: ignore[operator]
        raise ValueError(f"modelarts progress must be a percentage 0..100, not {progress!r}")
    if task_name is not None and (not isinstance(task_name, str) or not task_name):
        raise ValueError("modelarts task_name must be a non-empty string")
