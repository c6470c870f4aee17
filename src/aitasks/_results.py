"""What a cancel returns when the provider accepted it or the task had already finished."""

from __future__ import annotations

import enum

import attrs

from ._refs import TaskRef

__all__ = ["CancelResult", "Outcome"]


class Outcome(enum.Enum):
    """Both outcomes mean the task is no longer running."""

    CANCELLED = "cancelled"
    ALREADY_FINISHED = "already_finished"


@attrs.frozen
class CancelResult:
    """One cancel call's outcome, with what the provider said about it."""

    ref: TaskRef
    outcome: Outcome
    status_code: int
    message: str | None = None
    request_id: str | None = None
    attempts: int = 1
