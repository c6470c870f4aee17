"""Retry policy: which failures are retried, how long to wait, and the switch tests use to skip the waiting.

Retried (cancel is safe to repeat: a repeat answers 412 or 404): connection errors, including a connection
closed before any response; timeouts; HTTP 429, 500, 502, 503, 504. Waits grow exponentially with jitter,
capped at 8 s, like the official Gcore SDK; a `Retry-After` of at most 60 s (seconds or an HTTP date) is
used instead; a longer or invalid one is ignored.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
from collections.abc import Iterator

import httpx

__all__ = ["MAX_RETRY_AFTER", "WAIT_INITIAL", "WAIT_JITTER", "WAIT_MAX", "no_backoff", "retry_after", "waits"]

WAIT_INITIAL = 0.5  # seconds before the first retry (plus jitter)
WAIT_JITTER = 0.5  # up to this much random extra per wait
WAIT_MAX = 8.0  # no exponential wait is longer
MAX_RETRY_AFTER = 60.0  # a server's Retry-After is honoured up to this


class _Switch:
    """Process-wide testing switch; real waits unless a test turned them off."""

    backoff = True


def waits() -> dict[str, float]:
    """stamina wait parameters for the current mode (all zero while backoff is off)."""
    if _Switch.backoff:
        return {"wait_initial": WAIT_INITIAL, "wait_max": WAIT_MAX, "wait_jitter": WAIT_JITTER}
    return {"wait_initial": 0.0, "wait_max": 0.0, "wait_jitter": 0.0}


@contextlib.contextmanager
def no_backoff() -> Iterator[None]:
    """Within the block, retries happen at once: no exponential wait and no Retry-After sleep."""
    previous, _Switch.backoff = _Switch.backoff, False
    try:
        yield
    finally:
        _Switch.backoff = previous


def retry_after(response: httpx.Response) -> float | None:
    """Seconds the server asked us to wait, when valid and at most MAX_RETRY_AFTER; zero while backoff is off."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    seconds: float | None
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
    return seconds if _Switch.backoff else 0.0
