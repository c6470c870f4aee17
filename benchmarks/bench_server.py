"""A minimal keep-alive loopback server for the benchmarks: 202 JSON for Gcore, 204 for ModelArts.

Run as a script it binds 127.0.0.1 (port 0 picks a free one), prints `PORT=<n>` and serves until killed.
`GET /_stats` answers how many connections and requests it has seen and the CPU time it has used, so runs can
report connection churn and show that the server was not the bottleneck.

With `--cert FILE` (a PEM holding the key and the certificate chain) it speaks TLS, HTTP/1.1 or HTTP/2 as ALPN
decides, and plays a network: every answer waits `--delay` seconds (one round trip), and the first answer on a
new connection waits `--connect-rtts` round trips more (TCP and TLS handshakes: two by default).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import resource
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["GCORE_BODY", "Network", "running", "serve", "server_stats"]

GCORE_BODY = b'{"result": "Task has been cancelled successfully."}'
_GCORE_REPLY = (
    b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nX-Request-Id: bench-0001\r\n"
    b"Content-Length: " + str(len(GCORE_BODY)).encode() + b"\r\n\r\n" + GCORE_BODY
)
_MODELARTS_REPLY = b"HTTP/1.1 204 No Content\r\nX-Request-Id: bench-0002\r\n\r\n"
_NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
_CONTENT_LENGTH = b"\r\ncontent-length:"
_STATS = b"/_stats"


class _Stats:
    connections = 0
    h2_connections = 0
    requests = 0


def _stats_body() -> bytes:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return json.dumps(
        {
            "connections": _Stats.connections,
            "h2_connections": _Stats.h2_connections,
            "requests": _Stats.requests,
            "cpu_s": usage.ru_utime + usage.ru_stime,
        }
    ).encode()


def _stats_reply() -> bytes:
    body = _stats_body()
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


class Network:
    """The latency the server plays: `delay` per answer, `connect_rtts` x delay more for a connection's first."""

    def __init__(self, delay: float = 0.0, connect_rtts: float = 2.0) -> None:
        self.delay = delay
        self.connect_rtts = connect_rtts


class _Delayed:
    """Answers of one connection, each written when due and in the order asked: a connection's first answer
    pays for the handshakes, the others for one round trip."""

    def __init__(self, network: Network, write: Any) -> None:
        self._loop = asyncio.get_running_loop()
        self._delay = network.delay
        self._ready = self._loop.time() + network.connect_rtts * network.delay  # handshakes done
        self._write = write
        self._queue: collections.deque[tuple[float, Any]] = collections.deque()
        self._timer: asyncio.TimerHandle | None = None

    def send(self, reply: Any, delay: bool = True) -> None:
        now = self._loop.time()
        due = max(now, self._ready) + self._delay if delay else now
        if self._queue:
            due = max(due, self._queue[-1][0])  # never overtake an earlier answer
        elif due <= now:
            self._write(reply)
            return
        self._queue.append((due, reply))
        if self._timer is None:
            self._timer = self._loop.call_at(due, self._flush)

    def _flush(self) -> None:
        self._timer = None
        now = self._loop.time()
        while self._queue and self._queue[0][0] <= now:
            self._write(self._queue.popleft()[1])
        if self._queue:
            self._timer = self._loop.call_at(self._queue[0][0], self._flush)

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._queue.clear()


class _Protocol(asyncio.Protocol):
    """Parses just enough of each request (path, Content-Length) to answer it; pipelining works too."""

    def __init__(self, network: Network | None = None) -> None:
        self._network = network
        self._transport: asyncio.Transport | None = None
        self._buffer = b""
        self._delayed: _Delayed | None = None
        self._h2: _H2 | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        _Stats.connections += 1
        if self._network is None:
            return
        tls = transport.get_extra_info("ssl_object")
        if tls is not None and tls.selected_alpn_protocol() == "h2":
            _Stats.h2_connections += 1
            self._h2 = _H2(transport, self._network)
        else:
            self._delayed = _Delayed(self._network, transport.write)

    def connection_lost(self, exc: Exception | None) -> None:
        for delayed in (self._delayed, self._h2.delayed if self._h2 else None):
            if delayed is not None:
                delayed.close()

    def data_received(self, data: bytes) -> None:
        if self._h2 is not None:
            self._h2.data_received(data)
            return
        buffer = self._buffer + data if self._buffer else data
        transport = self._transport
        assert transport is not None
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                break
            head = buffer[:end]
            length = 0
            lowered = head.lower()
            at = lowered.find(_CONTENT_LENGTH)
            if at >= 0:
                stop = lowered.find(b"\r\n", at + 2)
                length = int(head[at + len(_CONTENT_LENGTH) : stop if stop >= 0 else end])
            total = end + 4 + length
            if len(buffer) < total:
                break
            path = head.split(b" ", 2)[1]
            _Stats.requests += 1
            if path.startswith(b"/streaming/"):
                reply = _GCORE_REPLY
            elif path.startswith(b"/v2/"):
                reply = _MODELARTS_REPLY
            elif path == _STATS:
                reply = _stats_reply()
            else:
                reply = _NOT_FOUND
            if self._delayed is None:
                transport.write(reply)
            else:
                self._delayed.send(reply, delay=path != _STATS)
            buffer = buffer[total:]
        self._buffer = buffer


class _H2:
    """The same answers over HTTP/2 (the `h2` package, imported only when a client picks h2 by ALPN)."""

    def __init__(self, transport: asyncio.Transport, network: Network) -> None:
        import h2.config
        import h2.connection
        import h2.events
        import h2.settings

        self._events = h2.events
        self._transport = transport
        self._conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding=None))
        self._conn.local_settings = h2.settings.Settings(
            client=False, initial_values={h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: 1000}
        )
        self._conn.initiate_connection()
        self._paths: dict[int, bytes] = {}
        self.delayed = _Delayed(network, self._answer)
        transport.write(self._conn.data_to_send())

    def data_received(self, data: bytes) -> None:
        events = self._events
        try:
            received = self._conn.receive_data(data)
        except Exception:  # a protocol error from the peer: h2 has queued a GOAWAY
            self._transport.write(self._conn.data_to_send())
            self._transport.close()
            return
        for event in received:
            if isinstance(event, events.RequestReceived):
                headers = dict(event.headers or [])
                self._paths[event.stream_id] = headers.get(b":path", b"")
            elif isinstance(event, events.DataReceived):
                self._conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, events.StreamEnded):
                path = self._paths.pop(event.stream_id, b"")
                _Stats.requests += 1
                self.delayed.send((event.stream_id, path), delay=path != _STATS)
            elif isinstance(event, events.ConnectionTerminated):
                self._transport.close()
        pending = self._conn.data_to_send()
        if pending:
            self._transport.write(pending)

    def _answer(self, item: tuple[int, bytes]) -> None:
        stream_id, path = item
        conn = self._conn
        if path.startswith(b"/streaming/"):
            body = GCORE_BODY
            head = [(b":status", b"202"), (b"content-type", b"application/json"), (b"x-request-id", b"bench-0001")]
        elif path.startswith(b"/v2/"):
            body, head = b"", [(b":status", b"204"), (b"x-request-id", b"bench-0002")]
        elif path == _STATS:
            body, head = _stats_body(), [(b":status", b"200"), (b"content-type", b"application/json")]
        else:
            body, head = b"", [(b":status", b"404")]
        if self._transport.is_closing():
            return
        head.append((b"content-length", str(len(body)).encode()))
        conn.send_headers(stream_id, head, end_stream=not body)
        if body:
            conn.send_data(stream_id, body, end_stream=True)
        self._transport.write(conn.data_to_send())


def server_context(cert_file: str) -> ssl.SSLContext:
    """TLS for the server: the key and chain from one PEM, HTTP/2 and HTTP/1.1 offered by ALPN."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file)
    context.set_alpn_protocols(["h2", "http/1.1"])
    return context


async def serve(port: int, cert_file: str | None = None, network: Network | None = None) -> None:
    """Serve forever on 127.0.0.1:port, printing the bound port first."""
    loop = asyncio.get_running_loop()
    tls = server_context(cert_file) if cert_file else None
    if tls is not None and network is None:
        network = Network()
    server = await loop.create_server(
        lambda: _Protocol(network), "127.0.0.1", port, backlog=1024, reuse_address=True, ssl=tls
    )
    bound = server.sockets[0].getsockname()[1]
    sys.stdout.write(f"PORT={bound}\n")
    sys.stdout.flush()
    async with server:
        await server.serve_forever()


@contextlib.contextmanager
def running(cert: Path | None = None, delay: float = 0.0, connect_rtts: float = 2.0) -> Iterator[str]:
    """Start this server in its own process and yield its base URL (https:// when given a certificate)."""
    args = [sys.executable, str(Path(__file__).resolve()), "--port", "0"]
    if cert is not None:
        args += ["--cert", str(cert)]
    if delay:
        args += ["--delay", str(delay), "--connect-rtts", str(connect_rtts)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("PORT="):
            raise RuntimeError(f"the bench server did not start: {line!r}")
        yield f"{'https' if cert else 'http'}://127.0.0.1:{int(line[5:])}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def server_stats(base: str, verify: ssl.SSLContext | bool = True) -> dict[str, float]:
    """What the server counted so far: connections (h2 among them), requests, and its CPU seconds."""
    import httpx

    stats: dict[str, float] = httpx.get(f"{base}/_stats", verify=verify, timeout=10).json()
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--cert", help="PEM with the server key and certificate chain: serve TLS")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds every answer waits (one round trip)")
    parser.add_argument(
        "--connect-rtts", type=float, default=2.0, help="round trips a new connection's first answer waits more"
    )
    args = parser.parse_args(argv)
    network = Network(args.delay, args.connect_rtts) if args.cert or args.delay else None
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.port, args.cert, network))
    return 0


if __name__ == "__main__":
    sys.exit(main())
