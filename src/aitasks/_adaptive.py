"""Bulk runs send fewer attempts at once while a provider signals overload, and more again as calls succeed.

The scheme is AIMD, as in TCP congestion avoidance (RFC 5681, section 3.1): the limit on attempts in flight
halves on an overload signal (429, 503, Gcore's queue-limit 400) and grows by 1/limit on each success, that is by
about one per round of calls. Signals from attempts sent before the last cut belong to the round that caused it
and do not cut again. The limit never exceeds the run's concurrency and never falls below one.
"""

from __future__ import annotations

import asyncio
import collections
import enum
import threading

from ._errors import APIError, is_overload

__all__ = ["AsyncGate", "Signal", "SyncGate"]


class Signal(enum.Enum):
    """How an attempt ended, as far as the provider's load is concerned."""

    OK = "ok"
    OVERLOAD = "overload"
    OTHER = "other"

    @classmethod
    def of(cls, error: BaseException | None) -> Signal:
        """A result is OK; 429, 503 and Gcore's queue limit are OVERLOAD; anything else says nothing."""
        if error is None:
            return cls.OK
        if isinstance(error, APIError) and is_overload(error.status_code, type(error)):
            return cls.OVERLOAD
        return cls.OTHER


class _Limit:
    """The AIMD arithmetic, shared by both gates; callers hold the gate's lock."""

    __slots__ = ("ceiling", "cut_at", "in_flight", "limit", "sent")

    def __init__(self, ceiling: int) -> None:
        self.ceiling, self.limit, self.in_flight = ceiling, float(ceiling), 0
        self.sent = 0  # attempts started so far; an attempt's ticket is its number
        self.cut_at = 0  # the last attempt started before the latest cut

    def free(self) -> int:
        return max(1, int(self.limit)) - self.in_flight

    def start(self) -> int:
        self.in_flight += 1
        self.sent += 1
        return self.sent

    def end(self, ticket: int, signal: Signal) -> None:
        self.in_flight -= 1
        if signal is Signal.OVERLOAD:
            if ticket > self.cut_at:
                self.limit = max(1.0, self.limit / 2)
                self.cut_at = self.sent
        elif signal is Signal.OK:
            self.limit = min(float(self.ceiling), self.limit + 1 / self.limit)


class SyncGate:
    """The limit for a threaded bulk run: `enter` blocks while the limit is reached."""

    def __init__(self, ceiling: int) -> None:
        self.limit = _Limit(ceiling)
        self._cond = threading.Condition()

    def enter(self) -> int:
        with self._cond:
            self._cond.wait_for(lambda: self.limit.free() > 0)
            return self.limit.start()

    def leave(self, ticket: int, signal: Signal) -> None:
        with self._cond:
            self.limit.end(ticket, signal)
            self._cond.notify(max(0, self.limit.free()))


class AsyncGate:
    """The limit for an asyncio bulk run: `enter` waits, in arrival order, while the limit is reached."""

    def __init__(self, ceiling: int) -> None:
        self.limit = _Limit(ceiling)
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    async def enter(self) -> int:
        while self.limit.free() <= 0 or self._waiters:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
                elif not waiter.cancelled():
                    self._wake()  # woken, then cancelled: pass the free slot on
                raise
            if self.limit.free() > 0:
                break
        return self.limit.start()

    def leave(self, ticket: int, signal: Signal) -> None:
        self.limit.end(ticket, signal)
        self._wake()

    def _wake(self) -> None:
        for _ in range(max(0, self.limit.free())):
            if not self._waiters:
                break
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
