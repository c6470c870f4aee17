"""What a cancel returns, alone or as one record of a bulk run."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

import attrs

from ._errors import AITasksError
from ._refs import TaskRef

if TYPE_CHECKING:
    from ._core import Answer
    from ._tasks import Task


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
    task: Task | None = None  # the final state, when the cancel was asked to wait for it


def cancel_result(answer: Answer, ref: TaskRef, *, success: int, json: bool, strict: bool) -> CancelResult:
    """A cancel's answer: `success`, or the provider's "already finished" status (its other answer)."""
    outcome = Outcome.CANCELLED
    if answer.status != success:
        # An earlier attempt may have cancelled the task without our seeing the answer: then this is our doing.
        if not answer.applied:
            if strict:
                raise answer.error()
            outcome = Outcome.ALREADY_FINISHED
    elif json:
        answer.data("the success body")  # UnexpectedResponse unless a JSON object
    message = answer.fields(snippet=False)[1]
    return CancelResult(ref, outcome, answer.status, message, answer.request_id(), answer.attempts)


@attrs.frozen
class BulkResult:
    """The ref at `index`: its cancel's `result` or `error`; with `wait`, `result.task` or else `wait_error`."""

    index: int
    ref: str
    result: CancelResult | None = None
    error: AITasksError | None = None
    wait_error: AITasksError | None = None

    @property
    def ok(self) -> bool:
        """True when the cancel was done (cancelled now or already finished) and, if asked, the wait too."""
        return self.result is not None and self.wait_error is None
