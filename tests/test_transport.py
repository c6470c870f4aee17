"""The HTTP client an aitasks client owns: aiohttp's pool when the `aiohttp` extra is installed, httpx's when not.

Bulk runs keep one connection per call in flight (sync and async); certificates are checked on either transport;
aiohttp's failures surface as the errors httpx's own transport gives; a caller's own client is used as given.
The conformance suite (test_conformance.py) runs every async target on each transport too.
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

import aitasks
from aitasks import _transport

from conftest import async_transport

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from bench_server import running, server_stats

KEY = "gk-0123456789abcdef"
CALLS, CONCURRENCY = 240, 40  # above httpx's 20 kept-alive connections
ASYNC_TRANSPORT_NAMES = ["httpx"] + (["aiohttp"] if importlib.util.find_spec("httpx_aiohttp") else [])
needs_aiohttp = pytest.mark.skipif(
    importlib.util.find_spec("httpx_aiohttp") is None, reason="the aiohttp extra is not installed"
)


def _refs() -> list[str]:
    return [f"gcore:task-{n}" for n in range(CALLS)]


@pytest.fixture(scope="module")
def slow_server() -> Iterator[str]:
    """Plain HTTP answering after 20 ms, a connection's first answer 40 ms later still (bench_server.py)."""
    with running(delay=0.02) as base:
        yield base


def _opened(base: str, before: float) -> int:
    return int(server_stats(base)["connections"] - before) - 1  # less the stats call's own connection


@needs_aiohttp
def test_owned_async_client_runs_on_aiohttp_when_the_extra_is_installed() -> None:
    """With httpx-aiohttp importable, the owned async client is the error-mapping aiohttp client."""
    from aitasks._aiohttp import _Mapped

    with async_transport("aiohttp"):
        client = aitasks.AsyncGcore(KEY, base_url="https://gcore.test")
    assert isinstance(client._core.http._transport, _Mapped)  # test-only peek at which pool it was built on
    asyncio.run(client.aclose())


def test_owned_async_client_falls_back_to_httpx_without_the_extra() -> None:
    """Without the extra the owned async client is httpx's own, and nothing about aiohttp is imported for it."""
    with async_transport("httpx"):
        with pytest.raises(ImportError):
            importlib.import_module("aitasks._aiohttp")
        client = aitasks.AsyncGcore(KEY, base_url="https://gcore.test")
    assert type(client._core.http._transport) is httpx.AsyncHTTPTransport  # test-only peek: httpx's own pool
    asyncio.run(client.aclose())


def test_owned_sync_client_keeps_a_connection_per_thread() -> None:
    """The sync pool keeps every connection it may open alive: MAX_CONNECTIONS, not httpx's 20."""
    client = _transport.sync_client(headers={}, verify=True, base_url="https://gcore.test")  # type: ignore[arg-type]
    pool = client._transport._pool  # type: ignore[attr-defined]
    assert pool._max_connections == pool._max_keepalive_connections == _transport.MAX_CONNECTIONS
    client.close()


def test_a_callers_http_client_is_used_as_given(transport: str) -> None:
    """A given http_client is the one used, on any transport the owned one would pick, and is not closed."""
    given = httpx.AsyncClient()
    client = aitasks.AsyncGcore(KEY, base_url="https://gcore.test", http_client=given)
    assert client._core.http is given
    asyncio.run(client.aclose())
    assert not given.is_closed
    asyncio.run(given.aclose())


@needs_aiohttp
def test_async_bulk_keeps_one_connection_per_call_in_flight(slow_server: str) -> None:
    """`AsyncClient.cancel_many` at 40 in flight opens at most 40 connections for 240 calls."""
    before = server_stats(slow_server)["connections"]

    async def run() -> list[aitasks.BulkResult]:
        with async_transport("aiohttp"):
            gcore = aitasks.AsyncGcore(KEY, base_url=slow_server)
        async with aitasks.AsyncClient(gcore=gcore) as client:
            return [item async for item in client.cancel_many(_refs(), concurrency=CONCURRENCY)]

    results = asyncio.run(run())
    assert len(results) == CALLS and all(item.ok for item in results)
    assert _opened(slow_server, before) <= CONCURRENCY


def test_sync_bulk_keeps_one_connection_per_thread(slow_server: str) -> None:
    """`Client.cancel_many` with 40 threads opens at most 40 connections for 240 calls."""
    before = server_stats(slow_server)["connections"]
    with aitasks.Client(gcore=aitasks.Gcore(KEY, base_url=slow_server)) as client:
        results = list(client.cancel_many(_refs(), concurrency=CONCURRENCY))
    assert len(results) == CALLS and all(item.ok for item in results)
    assert _opened(slow_server, before) <= CONCURRENCY


def test_httpx_default_pool_reconnects_above_20_in_flight(slow_server: str) -> None:
    """Why the pools are sized: with httpx's default limits the same sync run reconnects for most calls.

    httpcore 1.0.9 closes a returned connection when 20 are open, idle or not (encode/httpcore PR #1000). If
    this starts failing, httpx's defaults keep connections alive and the sizing in _transport may go.
    """
    with (
        httpx.Client() as http,
        aitasks.Client(gcore=aitasks.Gcore(KEY, base_url=slow_server, http_client=http)) as client,
    ):
        # One call first (a raw post through `http` does as well): a run on a client that never sent anything
        # opened as few as 57-111 connections for 240 calls in 3 processes of 8; after one call, 207-239 in 16.
        client.cancel(_refs()[0])
        before = server_stats(slow_server)["connections"]
        assert all(item.ok for item in client.cancel_many(_refs(), concurrency=CONCURRENCY))
    assert _opened(slow_server, before) > 2 * CONCURRENCY


# --- TLS: certificates checked on every transport -----------------------------------------------------------


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A TLS server whose certificate a throwaway CA signed (trustme): (base URL, the CA's PEM)."""
    pytest.importorskip("trustme")  # the dev extra has it; the runtime-only job does not
    from bench_tls import make_certs

    ca_file, server_file = make_certs(tmp_path_factory.mktemp("tls"))
    with running(cert=server_file) as base:
        yield base, ca_file


def test_certificates_are_checked_on_every_transport(
    tls_server: tuple[str, Path], transport: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An untrusted certificate is a TransportError (not a Timeout); trusting its CA through SSL_CERT_FILE works."""
    base, ca_file = tls_server
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)

    async def cancel() -> aitasks.CancelResult:
        async with aitasks.AsyncGcore(KEY, base_url=base, max_retries=0) as client:
            return await client.cancel("task-1")

    with pytest.raises(aitasks.TransportError) as info:
        asyncio.run(cancel())
    assert not isinstance(info.value, aitasks.Timeout)
    assert "ConnectError" in str(info.value) and "certificate" in str(info.value).lower()
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    assert asyncio.run(cancel()).outcome is aitasks.Outcome.CANCELLED
    with aitasks.Gcore(KEY, base_url=base, max_retries=0) as sync:
        assert sync.cancel("task-1").outcome is aitasks.Outcome.CANCELLED


def test_a_refused_connection_is_a_connect_error_on_every_transport(transport: str) -> None:
    """Nothing listening: TransportError naming ConnectError on either transport, never a Timeout."""
    with running() as base:
        closed = base
    with pytest.raises(aitasks.TransportError) as info:
        asyncio.run(_cancel_once(closed))
    assert not isinstance(info.value, aitasks.Timeout)
    assert "ConnectError" in str(info.value)


async def _cancel_once(base: str) -> aitasks.CancelResult:
    async with aitasks.AsyncGcore(KEY, base_url=base, max_retries=0) as client:
        return await client.cancel("task-1")


# --- aiohttp's errors as httpx's ----------------------------------------------------------------------------


def _aiohttp_errors() -> list[tuple[BaseException, type[httpx.TransportError]]]:
    if importlib.util.find_spec("httpx_aiohttp") is None:
        return []
    import aiohttp
    import yarl
    from multidict import CIMultiDict, CIMultiDictProxy

    url = yarl.URL("http://127.0.0.1/")
    info = aiohttp.RequestInfo(url=url, method="POST", headers=CIMultiDictProxy(CIMultiDict()), real_url=url)
    return [
        (aiohttp.ConnectionTimeoutError("connect"), httpx.ConnectTimeout),
        (aiohttp.SocketTimeoutError("read"), httpx.ReadTimeout),
        (aiohttp.ServerTimeoutError("read"), httpx.ReadTimeout),
        (aiohttp.ServerDisconnectedError(), httpx.RemoteProtocolError),
        (aiohttp.ClientPayloadError("cut short"), httpx.RemoteProtocolError),
        (aiohttp.ClientResponseError(info, (), status=400, message="bad status line"), httpx.RemoteProtocolError),
        (aiohttp.ClientOSError(104, "Connection reset by peer"), httpx.ReadError),
        (aiohttp.ClientConnectionResetError("reset"), httpx.ReadError),
    ]


@needs_aiohttp
@pytest.mark.parametrize(("error", "expected"), _aiohttp_errors(), ids=lambda v: type(v).__name__)
def test_aiohttp_errors_become_the_httpx_errors_httpcore_gives(
    error: BaseException, expected: type[httpx.TransportError]
) -> None:
    """Raw, or wrapped by httpx-aiohttp's own table (which calls a hang-up a ConnectTimeout), each maps the same."""
    wrapped = httpx.ConnectTimeout("as httpx-aiohttp maps it")
    wrapped.__cause__ = error
    for raised in (error, wrapped):
        with pytest.raises(httpx.TransportError) as info:
            asyncio.run(_through_the_mapping(raised))
        assert type(info.value) is expected
        assert info.value.__cause__ is error


@needs_aiohttp
def test_other_errors_pass_through_the_mapping() -> None:
    """httpx's own errors and anything not from aiohttp are left alone."""
    for error in (httpx.ReadTimeout("own"), ValueError("not aiohttp's")):
        with pytest.raises(type(error)) as info:
            asyncio.run(_through_the_mapping(error))
        assert info.value is error


async def _through_the_mapping(error: BaseException) -> httpx.Response:
    """Send through the wrapper aitasks puts around each httpx-aiohttp transport, over one that raises `error`."""
    from aitasks._aiohttp import _Mapped

    class Failing(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            raise error

    return await _Mapped(Failing()).handle_async_request(httpx.Request("POST", "https://gcore.test/"))


@needs_aiohttp
def test_body_read_errors_are_mapped() -> None:
    """A body that aiohttp finds cut short is a RemoteProtocolError while it is read, as with httpcore."""
    import aiohttp

    from aitasks._aiohttp import _Stream

    class Broken(httpx.AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            yield b'{"result": '
            raise aiohttp.ClientPayloadError("Response payload is not completed")

    async def read() -> bytes:
        return b"".join([chunk async for chunk in _Stream(Broken())])

    with pytest.raises(httpx.RemoteProtocolError, match="not completed"):
        asyncio.run(read())


def test_proxy_variables_are_honoured_on_every_transport(transport: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """HTTP_PROXY from the environment carries the call on either transport (the proxy sees the absolute URL)."""
    from scripted_server import ScriptedServer, json_reply

    with ScriptedServer() as proxy:
        proxy.script(json_reply(202, '{"result": "Task has been cancelled successfully."}'))
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        result = asyncio.run(_cancel_once("http://gcore.invalid"))
        assert result.outcome is aitasks.Outcome.CANCELLED
        (request,) = proxy.requests
        assert request.target == "http://gcore.invalid/streaming/ai/tasks/task-1/cancel"
        assert request.headers["authorization"] == f"apikey {KEY}"


def test_the_environment_proxy_is_read_as_httpx_reads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The owned aiohttp transport's proxy: HTTPS_PROXY or ALL_PROXY for the base URL's scheme, unless NO_PROXY."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert _transport.env_proxy("https://api.gcore.com") is None
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.test:3128")
    assert _transport.env_proxy("https://api.gcore.com") == "http://proxy.test:3128"
    assert _transport.env_proxy("http://api.gcore.com") is None
    monkeypatch.setenv("NO_PROXY", "gcore.com")
    assert _transport.env_proxy("https://api.gcore.com") is None
    assert _transport.env_proxy("https://modelarts.eu-de.otc.t-systems.com") == "http://proxy.test:3128"


def test_proxy_variables_are_honoured_by_the_sync_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """The owned blocking client sends to the transport httpx picks for the base URL: the proxy's, here."""
    from scripted_server import ScriptedServer, json_reply

    with ScriptedServer() as proxy:
        proxy.script(json_reply(202, '{"result": "Task has been cancelled successfully."}'))
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        with aitasks.Gcore(KEY, base_url="http://gcore.invalid", max_retries=0) as client:
            assert client.cancel("task-1").outcome is aitasks.Outcome.CANCELLED
        (request,) = proxy.requests
        assert request.target == "http://gcore.invalid/streaming/ai/tasks/task-1/cancel"


@pytest.mark.parametrize("io", ["sync", "async"])
def test_an_owned_client_used_after_close_raises_as_httpx_does(io: str) -> None:
    """Sending straight to the transport keeps httpx's rule: a closed client sends nothing."""
    from scripted_server import ScriptedServer

    with ScriptedServer() as server:
        if io == "sync":
            client = aitasks.Gcore(KEY, base_url=server.url)
            client.close()
            with pytest.raises(RuntimeError, match="client has been closed"):
                client.cancel("task-1")
        else:

            async def run() -> None:
                aclient = aitasks.AsyncGcore(KEY, base_url=server.url)
                await aclient.aclose()
                await aclient.cancel("task-1")

            with pytest.raises(RuntimeError, match="client has been closed"):
                asyncio.run(run())
        assert server.requests == []


def test_owned_clients_keep_no_cookies_a_callers_keeps_its_own() -> None:
    """A cookie set by the API is not sent back by an owned client (no state between calls or tenants)."""
    from scripted_server import ScriptedServer, json_reply

    ok = '{"result": "Task has been cancelled successfully."}'
    with ScriptedServer() as server:
        for _ in range(4):
            server.script(json_reply(202, ok, **{"Set-Cookie": "session=abc; Path=/"}))
        with aitasks.Gcore(KEY, base_url=server.url) as owned:
            owned.cancel("task-1")
            owned.cancel("task-2")
        with httpx.Client() as given, aitasks.Gcore(KEY, base_url=server.url, http_client=given) as client:
            client.cancel("task-3")
            client.cancel("task-4")
        cookies = [request.headers.get("cookie") for request in server.requests]
    assert cookies == [None, None, None, "session=abc"]


_GC_CASES = ["sync", "sync-given", *(f"async-{name}" for name in ASYNC_TRANSPORT_NAMES), "async-given"]


@pytest.mark.parametrize("case", _GC_CASES)
def test_a_finished_call_leaves_nothing_of_its_own_to_the_cyclic_gc(case: str, slow_server: str) -> None:
    """A finished call's request, response, reply and result are freed by refcount,
    on an owned client and on a caller's (whose `send` binds each response to its stream). In a bulk run,
    leaving them to the cyclic GC cost more CPU than aitasks' own work per call."""
    import gc

    from aitasks._core import Answer
    from aitasks._wire import Reply

    given = case.endswith("-given")

    def sync() -> None:
        with httpx.Client() as http, aitasks.Gcore(KEY, base_url=slow_server, http_client=http if given else None) as c:
            c.cancel("task-1")

    async def run() -> None:
        with async_transport("httpx" if given else case.removeprefix("async-")):
            http = httpx.AsyncClient() if given else None
            aclient = aitasks.AsyncGcore(KEY, base_url=slow_server, http_client=http)
        async with aclient:
            await aclient.cancel("task-1")
        if http is not None:
            await http.aclose()

    call = sync if case.startswith("sync") else lambda: asyncio.run(run())
    call()  # imports and first-use caches, outside the count
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        call()
        gc.collect()
        kinds = {type(o) for o in gc.garbage}
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    ours = {Answer, Reply, httpx.Request, httpx.Response, aitasks.CancelResult}
    assert not kinds & ours, kinds & ours
