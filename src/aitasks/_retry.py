"""Retry policy: which failures are worth another attempt, how long to wait, and the switch tests use to skip waits.

Retried: connection errors, timeouts, HTTP 429, 500, 502, 503, 504 and Gcore's "Queue limit reached" 400
(`_errors.is_transient`); after an attempt that may have been applied, only operations safe to repeat. Waits grow
exponentially with jitter, capped at 8 s, like the official Gcore SDK; a `Retry-After` of at most 60 s is used
instead, plus a random share of itself, so that callers told the same wait do not all come back at once. The loop
itself is `Core.call` in `_core.py`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import random
from collections.abc import Iterator

import httpx

__all__ = ["MAX_RETRY_AFTER", "WAIT_INITIAL", "WAIT_JITTER", "WAIT_MAX", "backoff", "no_backoff", "retry_after"]

WAIT_INITIAL = 0.5  # seconds before the first retry (plus jitter)
WAIT_JITTER = 0.5  # up to this much random extra per wait
WAIT_MAX = 8.0  # no exponential wait is longer, and no Retry-After gets more jitter than this
MAX_RETRY_AFTER = 60.0  # a server's Retry-After is honoured up to this

_testing = [False]  # set by no_backoff(): every wait is zero


def backoff(retry: int, headers: httpx.Headers | None) -> float:
    """Seconds before retry number `retry` (1, 2, ...): the server's Retry-After if usable, else exponential."""
    if _testing[0]:
        return 0.0
    asked = retry_after(headers) if headers is not None else None
    if asked is not None:
        return asked
    return min(WAIT_INITIAL * 2.0 ** (retry - 1), WAIT_MAX) + random.uniform(0.0, WAIT_JITTER)


@contextlib.contextmanager
def no_backoff() -> Iterator[None]:
    """Within the block, retries happen at once, with the configured number of attempts (for tests)."""
    before, _testing[0] = _testing[0], True
    try:
        yield
    finally:
        _testing[0] = before


def retry_after(headers: httpx.Headers) -> float | None:
    """Seconds to wait when the server asked for at most MAX_RETRY_AFTER, jittered upwards; None otherwise."""
    value = headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.timezone.utc)
        seconds = max(0.0, (when - dt.datetime.now(dt.timezone.utc)).total_seconds())
    if seconds > MAX_RETRY_AFTER:
        return None
    return seconds + random.uniform(0.0, min(max(WAIT_JITTER, seconds), WAIT_MAX))
