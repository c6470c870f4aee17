"""Bulk runs send fewer attempts at once while a provider signals overload (AIMD, RFC 5681; docs/guide/bulk.md)."""

from __future__ import annotations

import asyncio
import collections
import threading

from ._errors import APIError, RateLimited, is_overload


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

    def end(self, ticket: int, error: BaseException | None) -> bool:
        """A result grows the limit, an overload cuts it; True for a rate limit met beside others the run had sent."""
        self.in_flight -= 1
        if error is None:
            self.limit = min(float(self.ceiling), self.limit + 1 / self.limit)
        elif isinstance(error, APIError) and is_overload(error.status_code, type(error)):
            if ticket > self.cut_at:
                self.limit, self.cut_at = max(1.0, self.limit / 2), self.sent
            return self.in_flight > 0 and isinstance(error, RateLimited)  # a 503 may be the provider's own trouble
        return False


class SyncGate:
    """The limit for a threaded bulk run: `enter` blocks while the limit is reached."""

    def __init__(self, ceiling: int) -> None:
        self.limit = _Limit(ceiling)
        self._cond = threading.Condition()

    def enter(self) -> int:
        with self._cond:
            self._cond.wait_for(lambda: self.limit.free() > 0)
            return self.limit.start()

    def leave(self, ticket: int, error: BaseException | None) -> bool:
        with self._cond:
            crowded = self.limit.end(ticket, error)
            self._cond.notify(max(0, self.limit.free()))
            return crowded


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

    def leave(self, ticket: int, error: BaseException | None) -> bool:
        crowded = self.limit.end(ticket, error)
        self._wake()
        return crowded

    def _wake(self) -> None:
        for _ in range(max(0, self.limit.free())):
            if not self._waiters:
                break
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
