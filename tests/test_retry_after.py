"""Retry-After is read in seconds or as an HTTP date, capped at 60 s, and ignored when invalid."""

from __future__ import annotations

import datetime as dt
import email.utils

import httpx
import pytest

from aitasks._retry import _Switch, retry_after


@pytest.fixture(autouse=True)
def _backoff_on() -> None:
    _Switch.backoff = True


def _after(value: str) -> float | None:
    return retry_after(httpx.Response(429, headers={"Retry-After": value}))


def test_seconds() -> None:
    """Whole seconds up to 60 are honoured as given."""
    assert _after("0") == 0.0
    assert _after("7") == 7.0
    assert _after("60") == 60.0


def test_http_date() -> None:
    """An HTTP date in the future gives the seconds until then."""
    when = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=30)
    seconds = _after(email.utils.format_datetime(when, usegmt=True))
    assert seconds is not None and 25 <= seconds <= 31
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=30)
    assert _after(email.utils.format_datetime(past, usegmt=True)) == 0.0


@pytest.mark.parametrize("value", ["61", "3600", "-1", "1.5", "soon", "", "Mon, 99 Foo 2026 00:00:00 GMT"])
def test_invalid_or_too_long_is_ignored(value: str) -> None:
    """Above 60 s, negative, fractional or unparseable: the normal backoff applies instead."""
    assert _after(value) is None


def test_absent() -> None:
    """No header, no override."""
    assert retry_after(httpx.Response(503)) is None


def test_no_backoff_switch_turns_waits_to_zero() -> None:
    """The testing switch keeps the retry but drops the wait."""
    from aitasks._retry import no_backoff, waits

    with no_backoff():
        assert _after("30") == 0.0
        assert waits() == {"wait_initial": 0.0, "wait_max": 0.0, "wait_jitter": 0.0}
    assert waits()["wait_max"] == 8.0
