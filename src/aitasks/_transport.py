"""The HTTP client an aitasks client owns: a pool sized for bulk runs, aiohttp's for asyncio (docs/benchmarks.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    import ssl


# Connections per owned client, all kept alive between calls: the CLI's highest --concurrency. More calls in
# flight than this wait for a free connection.
MAX_CONNECTIONS = 100
_BULK = httpx.Limits(max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS)


class _Cookieless(httpx.Cookies):
    """Never takes a cookie a server sets (credentials travel in headers) nor parses one (7.6 % of a TLS bulk run)."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


# An owned client's `cookies`: empty whatever is assigned, so nothing is kept between calls or sent back.
_EMPTY = _Cookieless()
_NO_COOKIES = property(lambda client: _EMPTY, lambda client, value: None)


class _Client(httpx.Client):
    cookies = _NO_COOKIES


class _AsyncClient(httpx.AsyncClient):
    cookies = _NO_COOKIES


def sync_client(*, headers: dict[str, str], verify: ssl.SSLContext, base_url: str) -> httpx.Client:
    """A blocking client whose pool keeps a connection per thread of `Client.cancel_many` (up to the cap)."""
    return _Client(headers=headers, verify=verify, follow_redirects=False, limits=_BULK)


def env_proxy(url: str) -> str | None:
    """The proxy the environment names for `url` (HTTP(S)_PROXY, ALL_PROXY, NO_PROXY), as httpx reads them."""
    import urllib.request

    target = httpx.URL(url)
    proxies = urllib.request.getproxies()
    proxy = proxies.get(target.scheme) or proxies.get("all")
    return None if proxy is None or urllib.request.proxy_bypass(target.host) else proxy


def async_client(*, headers: dict[str, str], verify: ssl.SSLContext, base_url: str) -> httpx.AsyncClient:
    """On aiohttp's pool when `httpx-aiohttp` is installed, else httpx's; proxy variables apply on either."""
    try:
        from ._aiohttp import transport
    except ImportError:
        return _AsyncClient(headers=headers, verify=verify, follow_redirects=False)
    pool = transport(verify=verify, limits=_BULK, proxy=env_proxy(base_url))
    return _AsyncClient(headers=headers, verify=verify, follow_redirects=False, transport=pool, limits=_BULK)
