"""Retry-After is read in seconds or as an HTTP date, capped at 60 s, jittered upwards, and ignored when invalid."""

from __future__ import annotations

import datetime as dt
import email.utils
import statistics
import time

import httpx
import pytest

import aitasks
from aitasks._core import WAIT_INITIAL, WAIT_JITTER, WAIT_MAX, backoff, no_backoff, retry_after


def _after(value: str) -> float | None:
    return retry_after(httpx.Headers({"Retry-After": value}))


def test_seconds() -> None:
    """Whole seconds up to 60 are honoured, plus at most their own length (and at most WAIT_MAX) of jitter."""
    zero = _after("0")
    assert zero is not None and 0.0 <= zero <= WAIT_JITTER
    seven = _after("7")
    assert seven is not None and 7.0 <= seven <= 14.0
    sixty = _after("60")
    assert sixty is not None and 60.0 <= sixty <= 60.0 + WAIT_MAX


def test_callers_told_the_same_wait_spread_out() -> None:
    """1,000 callers told `Retry-After: 1` come back over half a second or more, not in the same instant."""
    waits = [_after("1") for _ in range(1000)]
    assert all(w is not None and 1.0 <= w <= 2.0 for w in waits)
    spread = [w for w in waits if w is not None]
    assert max(spread) - min(spread) > 0.5
    assert statistics.pstdev(spread) > 0.15  # uniform over [1, 2] has 0.29


def test_http_date() -> None:
    """An HTTP date in the future gives the seconds until then."""
    when = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=30)
    seconds = _after(email.utils.format_datetime(when, usegmt=True))
    assert seconds is not None and 25 <= seconds <= 31 + WAIT_MAX
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=30)
    passed = _after(email.utils.format_datetime(past, usegmt=True))
    assert passed is not None and passed <= WAIT_JITTER


@pytest.mark.parametrize("value", ["61", "3600", "-1", "1.5", "soon", "", "Mon, 99 Foo 2026 00:00:00 GMT"])
def test_invalid_or_too_long_is_ignored(value: str) -> None:
    """Above 60 s, negative, fractional or unparseable: the normal backoff applies instead."""
    assert _after(value) is None


def test_absent() -> None:
    """No header, no override."""
    assert retry_after(httpx.Headers()) is None


@pytest.mark.backoff
def test_no_backoff_skips_every_wait_and_keeps_every_attempt() -> None:
    """Within no_backoff() a Retry-After of 30 s is not waited and all 3 attempts run; after it, waits are back."""
    calls = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(429, headers={"Retry-After": "30"}, json={"error": "slow down"})

    client = aitasks.Gcore("k-123456", http_client=httpx.Client(transport=httpx.MockTransport(answer)))
    assert backoff(1, httpx.Headers({"Retry-After": "30"})) >= 30
    with no_backoff():
        started = time.monotonic()
        with pytest.raises(aitasks.RateLimited) as caught:
            client.cancel("t")
        assert time.monotonic() - started < 5
    assert backoff(1, httpx.Headers()) >= WAIT_INITIAL
    assert caught.value.attempts == 3 and len(calls) == 3
