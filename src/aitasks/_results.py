"""What a cancel returns when the provider accepted it or the task had already finished."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

import attrs

from ._errors import UnexpectedResponse
from ._refs import TaskRef

if TYPE_CHECKING:
    from ._core import Call

__all__ = ["CancelResult", "Outcome", "cancel_result"]


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


def cancel_result(call: Call[CancelResult], ref: TaskRef, *, success: int, json: bool, strict: bool) -> CancelResult:
    """A cancel's answer: `success`, or the provider's "already finished" status (its other answer)."""
    outcome = Outcome.CANCELLED
    if call.status != success:
        # An earlier attempt may have cancelled the task without our seeing the answer: then this is our doing.
        if not call.maybe_applied:
            if strict:
                raise call.error()
            outcome = Outcome.ALREADY_FINISHED
    elif json and call.parse_failed:
        raise call.error(UnexpectedResponse, "success status but the body is not a JSON object")
    return CancelResult(ref, outcome, call.status, call.message(), call.request_id(), call.attempts)
