"""Bulk cancellation records: one per input ref, whether it was cancelled or failed."""

from __future__ import annotations

import attrs

from ._errors import AITasksError
from ._results import CancelResult

__all__ = ["BulkResult"]


@attrs.frozen
class BulkResult:
    """The result or the error for the input ref at `index` (0-based); with `wait`, the cancel's `result` stands
    whatever the reads after it did: `result.task` is the final state, or `wait_error` says why the wait failed."""

    index: int
    ref: str
    result: CancelResult | None = None
    error: AITasksError | None = None
    wait_error: AITasksError | None = None

    @property
    def ok(self) -> bool:
        """True when the cancel was done (cancelled now or already finished) and, if asked, the wait too."""
        return self.result is not None and self.wait_error is None
