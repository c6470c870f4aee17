"""Retry policy: how long to wait between attempts, and the switch tests use to skip the waiting.

Retried: connection errors, timeouts, HTTP 429, 500, 502, 503, 504, and Gcore's "Queue limit reached" 400
(`_status.is_transient`); after an attempt that may have been applied, only operations safe to repeat. Waits
grow exponentially with jitter, capped at 8 s, like the official Gcore SDK. A `Retry-After` of at most 60 s
(seconds or an HTTP date) is used instead, plus a random share of itself, so that callers told the same wait
do not all come back in the same instant; a longer or invalid one is ignored.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import random
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import stamina

__all__ = ["MAX_RETRY_AFTER", "WAIT_INITIAL", "WAIT_JITTER", "WAIT_MAX", "attempts", "no_backoff", "retry_after"]

WAIT_INITIAL = 0.5  # seconds before the first retry (plus jitter)
WAIT_JITTER = 0.5  # up to this much random extra per wait
WAIT_MAX = 8.0  # no exponential wait is longer, and no Retry-After gets more jitter than this
MAX_RETRY_AFTER = 60.0  # a server's Retry-After is honoured up to this


def attempts(hook: Callable[[Exception], bool | float], count: int) -> Any:
    """The one retry loop's attempts: stamina decides, through `hook`, whether and how long to wait."""
    return stamina.retry_context(
        on=hook, attempts=count, timeout=None, wait_initial=WAIT_INITIAL, wait_max=WAIT_MAX, wait_jitter=WAIT_JITTER
    )


@contextlib.contextmanager
def no_backoff() -> Iterator[None]:
    """Within the block, retries happen at once (stamina's testing mode), with the configured number of attempts."""
    with stamina.set_testing(True, attempts=1_000_000, cap=True):
        yield


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
