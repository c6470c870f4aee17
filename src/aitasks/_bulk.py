"""Bulk cancellation records: one per input ref, whether it was cancelled or failed."""

from __future__ import annotations

import attrs

from ._errors import AITasksError
from ._results import CancelResult

__all__ = ["BulkResult"]


@attrs.frozen
class BulkResult:
    """The result or the error for the input ref at `index` (0-based, in input order)."""

    index: int
    ref: str
    result: CancelResult | None = None
    error: AITasksError | None = None

    @property
    def ok(self) -> bool:
        """True when the task is no longer running (cancelled now or already finished)."""
        return self.result is not None
