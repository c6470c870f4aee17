"""One attempt over the wire: sent with our auth and no redirects, its body read under a cap and a deadline."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
import threading
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Iterator
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import httpx

if TYPE_CHECKING:
    from ._core import Call

__all__ = [
    "MAX_BODY_BYTES",
    "AsyncExchange",
    "AsyncSender",
    "BodyRefused",
    "Parsed",
    "Sender",
    "SyncExchange",
    "within",
]

MAX_BODY_BYTES = 1 << 20  # a response body larger than this, counted after decompression, is refused
# Bodies are decoded here, under the cap, so only what zlib can decode that way is asked for.
ACCEPT = {"Accept-Encoding": "gzip, deflate"}  # an owned client has it by default; a caller's gets it per request
_ZLIB = {"gzip": zlib.MAX_WBITS | 16, "x-gzip": zlib.MAX_WBITS | 16, "deflate": zlib.MAX_WBITS}

R = TypeVar("R")


class Sender(Protocol):
    """What the generated `sync_detailed` calls on `client.get_httpx_client()`: the seam to generated code."""

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response: ...


class Parsed(Protocol):
    """What the generated `*_detailed` functions return: we take only the parsed model."""

    @property
    def parsed(self) -> object: ...


class AsyncSender(Protocol):
    """What the generated `asyncio_detailed` calls on `client.get_async_httpx_client()`."""

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response: ...


class BodyRefused(Exception):
    """A body over the cap or in an encoding we did not ask for: the answer is unusable, and not retried."""


class _Body:
    """A response body read under the cap (counted after decompression) and the attempt's deadline."""

    __slots__ = ("_data", "_deadline", "_decoder", "_response")

    def __init__(self, response: httpx.Response, deadline: float) -> None:
        self._response, self._deadline, self._data = response, deadline, bytearray()
        self._decoder: Any = None

    def chunks(self) -> Iterator[bytes]:
        """The raw stream as the transport gives it (we decode and count; httpx's re-chunking adds nothing here).

        A transport that answered from memory (httpx.MockTransport) has read and decoded the body already.
        """
        response = self._response
        if response.is_stream_consumed:
            return iter((response.content,))
        self._decoder = self._decoder_for(response.headers.get("Content-Encoding", "identity"))
        assert isinstance(response.stream, httpx.SyncByteStream)
        return iter(response.stream)

    async def achunks(self) -> AsyncIterator[bytes]:
        response = self._response
        if response.is_stream_consumed:
            yield response.content
            return
        self._decoder = self._decoder_for(response.headers.get("Content-Encoding", "identity"))
        assert isinstance(response.stream, httpx.AsyncByteStream)
        async for chunk in response.stream:
            yield chunk

    @staticmethod
    def _decoder_for(encoding: str) -> Any:
        encoding = encoding.strip().lower()
        if encoding in ("", "identity"):
            return None
        if encoding not in _ZLIB:
            raise BodyRefused(f"the body has Content-Encoding {encoding[:40]!r}, which was not asked for")
        return zlib.decompressobj(_ZLIB[encoding])

    def feed(self, chunk: bytes) -> None:
        if time.monotonic() > self._deadline:
            raise TimeoutError
        if self._decoder is None:
            self._add(chunk)
            return
        try:
            while chunk:
                self._add(self._decoder.decompress(chunk, MAX_BODY_BYTES + 1 - len(self._data)))
                chunk = self._decoder.unconsumed_tail
        except zlib.error as exc:
            raise BodyRefused(f"the body does not decompress: {exc}") from None

    def _add(self, data: bytes) -> None:
        self._data += data
        if len(self._data) > MAX_BODY_BYTES:
            raise BodyRefused(f"the body is larger than the {MAX_BODY_BYTES:,}-byte cap (MAX_BODY_BYTES)")

    def done(self) -> None:
        """Leave what was read (decoded) in place, as `Response.read()` would, so errors can quote it."""
        self._response._content = bytes(self._data[:MAX_BODY_BYTES])


class _Watchdog:
    """One daemon thread that ends blocking body reads at their attempt's deadline, by shutting the socket down.

    A sync read waits up to httpx's read timeout for each chunk, so a server sending a byte just before each
    timeout could hold an attempt open indefinitely; asyncio attempts are bounded by an asyncio timeout instead.
    """

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


def _request(call: Call[Any], method: str, url: str, kwargs: dict[str, Any]) -> httpx.Request:
    core = call.core
    if core.transport is None:  # a caller's client: its own defaults, hooks and auth flow; ACCEPT on each request
        kwargs["headers"] = {**ACCEPT, **kwargs.get("headers", {})}
        return core.http.build_request(method, core.base_url + url, timeout=core.timeout, **kwargs)  # type: ignore[no-any-return]
    if core.http.is_closed:  # what httpx's own send says when used after close
        raise RuntimeError("Cannot send a request, as the client has been closed.")
    headers = core.headers
    if "headers" in kwargs:
        headers = headers.copy()
        headers.update(kwargs.pop("headers"))
    request = httpx.Request(method, core.base_url + url, headers=headers, extensions=dict(core.extensions), **kwargs)
    core.provider.auth.apply(request)
    return request


def _unbind(response: httpx.Response) -> None:
    """Once closed, the response keeps the bytes read instead of its stream.

    httpx's `Client.send` binds the stream to its response, a reference cycle that would leave the response and
    all it holds (request, headers, the transport's own response) to the cyclic GC: in a bulk run at 50 in flight
    over a caller's client that took about a quarter of the client's CPU.
    """
    response.stream = httpx.ByteStream(response.content)


class Exchange:
    """Stands in for the generated Client: sends with our auth, deadline, body cap and no redirects."""

    __slots__ = ("call", "deadline")
    raise_on_unexpected_status = False

    def __init__(self, call: Call[Any]) -> None:
        self.call, self.deadline = call, time.monotonic() + call.core.seconds
        call.response, call.parsed = None, None


class SyncExchange(Exchange):
    """What `sync_detailed` is given as its client."""

    __slots__ = ()

    def get_httpx_client(self) -> Sender:
        return self

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        core = self.call.core
        request = _request(self.call, method, url, kwargs)
        if core.transport is None:
            response: httpx.Response = core.http.send(
                request, auth=core.provider.auth, follow_redirects=False, stream=True
            )
        else:
            response = core.transport.handle_request(request)
            response.request = request
        self.call.response = response
        body = _Body(response, self.deadline)
        watch = _WATCHDOG.watch(response, self.deadline, self.call.core.seconds)
        try:
            for chunk in body.chunks():
                body.feed(chunk)
        except httpx.HTTPError:
            if time.monotonic() > self.deadline:  # the watchdog cut the connection
                raise TimeoutError from None
            raise
        finally:
            _WATCHDOG.release(watch)
            body.done()
            response.close()
            _unbind(response)
        return response


class AsyncExchange(Exchange):
    """What `asyncio_detailed` is given; the whole attempt also runs under an asyncio timeout."""

    __slots__ = ()

    def get_async_httpx_client(self) -> AsyncSender:
        return self

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        core = self.call.core
        request = _request(self.call, method, url, kwargs)
        if core.transport is None:
            response: httpx.Response = await core.http.send(
                request, auth=core.provider.auth, follow_redirects=False, stream=True
            )
        else:
            response = await core.transport.handle_async_request(request)
            response.request = request
        self.call.response = response
        body = _Body(response, self.deadline)
        try:
            async for chunk in body.achunks():
                body.feed(chunk)
        finally:
            body.done()
            await response.aclose()
            _unbind(response)
        return response


if sys.version_info >= (3, 11):

    async def within(seconds: float, awaitable: Awaitable[R]) -> R:
        async with asyncio.timeout(seconds):
            return await awaitable

else:  # pragma: no cover - Python 3.10

    async def within(seconds: float, awaitable: Awaitable[R]) -> R:
        return await asyncio.wait_for(awaitable, seconds)
