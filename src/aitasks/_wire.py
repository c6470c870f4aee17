"""One attempt through the client's public `send`: no redirects, the body read under a cap and a deadline."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
import threading
import time
import zlib
from collections.abc import Awaitable
from typing import Any, TypeVar

import attrs
import httpx

MAX_BODY_BYTES = 1 << 20  # a response body larger than this, counted after decompression, is refused
# Bodies are decoded here, under the cap, so only what zlib can decode that way is asked for (on every request).
ACCEPT = {"Accept-Encoding": "gzip, deflate"}
_ZLIB = {"gzip": zlib.MAX_WBITS | 16, "x-gzip": zlib.MAX_WBITS | 16, "deflate": zlib.MAX_WBITS}
_NO_HEADERS = httpx.Headers()
_DEADLINE = (TimeoutError, asyncio.TimeoutError)  # the attempt's own deadline (they differ on Python 3.10)

R = TypeVar("R")


class BodyRefused(Exception):
    """A body over the cap or in an encoding we did not ask for: the answer is unusable, and not retried."""


@attrs.define(repr=False)  # a body may echo a credential: never shown
class Reply:
    """How one attempt ended: the status, headers and body as read, and the failure that cut it short, if any."""

    status: int = 0
    headers: httpx.Headers = _NO_HEADERS
    body: bytes = b""
    failure: Exception | None = None


class _Body:
    """A response body read under the cap (counted after decompression) and the attempt's deadline."""

    __slots__ = ("data", "deadline", "decoder")

    def __init__(self, response: httpx.Response, deadline: float) -> None:
        self.deadline, self.data = deadline, bytearray()
        encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
        self.decoder: Any = None
        if encoding not in ("", "identity"):
            if encoding not in _ZLIB:
                raise BodyRefused(f"the body has Content-Encoding {encoding[:40]!r}, which was not asked for")
            self.decoder = zlib.decompressobj(_ZLIB[encoding])

    def raw(self, response: httpx.Response) -> tuple[bytes, ...]:
        """A body httpx has read already (an in-memory transport such as MockTransport), decoded; else nothing."""
        if not response.is_stream_consumed:
            return ()
        self.decoder = None
        return (response.content,)

    def feed(self, chunk: bytes) -> None:
        if time.monotonic() > self.deadline:
            raise TimeoutError
        if self.decoder is None:
            self._add(chunk)
            return
        try:
            while chunk:
                self._add(self.decoder.decompress(chunk, MAX_BODY_BYTES + 1 - len(self.data)))
                chunk = self.decoder.unconsumed_tail
        except zlib.error as exc:
            raise BodyRefused(f"the body does not decompress: {exc}") from None

    def _add(self, data: bytes) -> None:
        self.data += data
        if len(self.data) > MAX_BODY_BYTES:
            raise BodyRefused(f"the body is larger than the {MAX_BODY_BYTES:,}-byte cap (MAX_BODY_BYTES)")


class _Watchdog:
    """Shuts a socket down at its attempt's deadline: a sync read's timeout is per chunk, so a drip could go on."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._watched: dict[int, tuple[float, socket.socket]] = {}
        self._wake_at = float("inf")
        # The shortest attempt deadline seen: while nothing is watched the thread still wakes this often, so a new
        # watch (its deadline at least this far off) never has to wake it early: no lock on the hot path.
        self._period = float("inf")
        self._thread: threading.Thread | None = None

    def watch(self, response: httpx.Response, deadline: float, seconds: float) -> int | None:
        """Watch the socket under `response` until `release`; None when there is none (an in-memory transport)."""
        stream = response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if not isinstance(sock, socket.socket):
            return None
        key = id(sock)
        self._watched[key] = (deadline, sock)  # a dict item set or pop is atomic: no lock on the hot path
        if deadline < self._wake_at or self._thread is None:
            self._period = min(self._period, seconds)
            with self._cond:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="aitasks-deadline", daemon=True)
                    self._thread.start()
                self._cond.notify()
        return key

    def release(self, key: int | None) -> None:
        if key is not None:
            self._watched.pop(key, None)

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                for key, (deadline, sock) in list(self._watched.items()):
                    if deadline <= now and self._watched.pop(key, None) is not None:
                        with contextlib.suppress(OSError):
                            sock.shutdown(socket.SHUT_RDWR)  # the blocked read returns at once
                pending = [deadline for deadline, _ in list(self._watched.values())]
                self._wake_at = min(pending, default=now + self._period)
                self._cond.wait(max(0.0, self._wake_at - now))


_WATCHDOG = _Watchdog()


def _done(response: httpx.Response, body: _Body | None, failure: Exception | None) -> Reply:
    # httpx binds a streamed response and its stream to each other; dropping the stream lets refcounting free both
    # at once instead of leaving them to the cyclic GC (a quarter of the client's CPU in a bulk run at 50 in flight).
    response.stream = httpx.ByteStream(b"")
    data = bytes(body.data[:MAX_BODY_BYTES]) if body is not None else b""
    return Reply(response.status_code, response.headers, data, failure)


def send(http: httpx.Client, request: httpx.Request, auth: httpx.Auth, seconds: float) -> Reply:
    """Send one request and read its answer within `seconds` from now, wall clock (a watchdog ends dripping bodies)."""
    deadline = time.monotonic() + seconds
    try:
        response = http.send(request, auth=auth, follow_redirects=False, stream=True)
    except httpx.HTTPError as exc:
        return Reply(failure=exc)
    body, watch = None, None
    failure: Exception | None = None
    try:
        body = _Body(response, deadline)
        watch = _WATCHDOG.watch(response, deadline, seconds)
        for chunk in body.raw(response) or response.iter_raw():
            body.feed(chunk)
    except httpx.HTTPError as exc:
        failure = TimeoutError() if time.monotonic() > deadline else exc  # past it, the watchdog cut the connection
    except (BodyRefused, TimeoutError) as exc:
        failure = exc
    finally:
        _WATCHDOG.release(watch)
        response.close()
    return _done(response, body, failure)


async def asend(http: httpx.AsyncClient, request: httpx.Request, auth: httpx.Auth, seconds: float) -> Reply:
    """Send one request and read its answer, the whole attempt under an asyncio timeout of `seconds`."""
    try:
        return await within(seconds, _aexchange(http, request, auth))
    except _DEADLINE as exc:
        return Reply(failure=TimeoutError(str(exc)))


async def _aexchange(http: httpx.AsyncClient, request: httpx.Request, auth: httpx.Auth) -> Reply:
    try:
        response = await http.send(request, auth=auth, follow_redirects=False, stream=True)
    except httpx.HTTPError as exc:
        return Reply(failure=exc)
    body = None
    failure: Exception | None = None
    try:
        body = _Body(response, float("inf"))
        for chunk in body.raw(response):
            body.feed(chunk)
        if not response.is_stream_consumed:
            async for chunk in response.aiter_raw():
                body.feed(chunk)
    except (httpx.HTTPError, BodyRefused) as exc:
        failure = exc
    finally:
        await response.aclose()
    return _done(response, body, failure)


if sys.version_info >= (3, 11):

    async def within(seconds: float, awaitable: Awaitable[R]) -> R:
        async with asyncio.timeout(seconds):
            return await awaitable

else:  # pragma: no cover - Python 3.10

    async def within(seconds: float, awaitable: Awaitable[R]) -> R:
        return await asyncio.wait_for(awaitable, seconds)
