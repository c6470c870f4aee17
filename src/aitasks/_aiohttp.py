"""httpx over aiohttp's pool (the `aiohttp` extra), its failures raised as the httpx errors httpcore gives alike."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from typing import NoReturn

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

# First match wins: subclasses before their bases.
_ERRORS: tuple[tuple[type[BaseException], type[httpx.TransportError]], ...] = (
    (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout),  # connect, or waiting for a pooled connection
    (aiohttp.ServerTimeoutError, httpx.ReadTimeout),  # no byte within the read timeout
    (aiohttp.ClientProxyConnectionError, httpx.ProxyError),
    (aiohttp.ClientHttpProxyError, httpx.ProxyError),
    (aiohttp.ClientConnectorError, httpx.ConnectError),  # refused, unreachable, TLS handshake or certificate
    (aiohttp.ServerDisconnectedError, httpx.RemoteProtocolError),  # hung up before or while answering
    (aiohttp.ClientPayloadError, httpx.RemoteProtocolError),  # the body ended short of its length
    (aiohttp.ClientResponseError, httpx.RemoteProtocolError),  # an answer aiohttp could not parse
    (aiohttp.ClientError, httpx.ReadError),  # reset or failed once the request was (maybe) sent
)


def _raise_as_httpx(exc: BaseException) -> NoReturn:
    """Raise an aiohttp failure (raw, or wrapped by httpx-aiohttp) as the matching httpx error; else `exc` itself."""
    cause = exc.__cause__ if isinstance(exc, httpx.TransportError) else exc
    if not isinstance(cause, aiohttp.ClientError):
        raise exc
    error = next(target for source, target in _ERRORS if isinstance(cause, source))
    raise error(str(cause) or type(cause).__name__) from cause


class _Stream(httpx.AsyncByteStream):
    """A response body whose read errors are mapped too."""

    def __init__(self, stream: httpx.AsyncByteStream) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._stream:
                yield chunk
        except (httpx.TransportError, aiohttp.ClientError) as exc:
            _raise_as_httpx(exc)

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        except (httpx.TransportError, aiohttp.ClientError) as exc:
            _raise_as_httpx(exc)


class _Mapped(httpx.AsyncBaseTransport):
    """Wraps one httpx-aiohttp transport (direct or through a proxy)."""

    def __init__(self, transport: httpx.AsyncBaseTransport) -> None:
        self._transport = transport

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = await self._transport.handle_async_request(request)
        except (httpx.TransportError, aiohttp.ClientError) as exc:
            _raise_as_httpx(exc)
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _Stream(response.stream)
        return response

    async def aclose(self) -> None:
        await self._transport.aclose()


def transport(*, verify: ssl.SSLContext, limits: httpx.Limits, proxy: str | None) -> httpx.AsyncBaseTransport:
    """A session that keeps no cookies, its proxy looked up once (`trust_env` costs 0.5 ms of CPU per request)."""

    def session() -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            ssl=verify, limit=limits.max_connections or 0, keepalive_timeout=limits.keepalive_expiry
        )
        return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())

    via = httpx.Proxy(proxy) if proxy else None
    return _Mapped(AiohttpTransport(verify=verify, limits=limits, client=session, proxy=via))
