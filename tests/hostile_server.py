"""A loopback HTTP/1.1 server that answers the way a hostile or overloaded provider would.

Each request is handed to a behaviour (a function of one `Exchange`): a decompression bomb, a chunked body that
never ends, a body dripped a byte at a time, or a server with a fixed number of slots that turns the rest away.
Every loop is bounded: by the client going away, by the server's per-request time limit, by teardown.
"""

from __future__ import annotations

import collections
import contextlib
import http.server
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["SUCCESS", "Exchange", "HostileServer", "Slots", "drip", "endless_chunks", "gzip_bomb"]

# Gcore's documented answer to a cancel that worked (see tests/conftest.py).
SUCCESS = b'{"result": "Task has been cancelled successfully."}'

Behaviour = Callable[["Exchange"], None]


class Exchange:
    """One request as a behaviour sees it: what was asked, and ways to answer slowly, forever, or not at all."""

    def __init__(self, handler: _Handler, server: HostileServer) -> None:
        self._handler, self._server = handler, server
        self.path = handler.path
        self.until = time.monotonic() + server.limit  # no behaviour runs past this

    def head(self, status: int, headers: dict[str, str]) -> None:
        handler = self._handler
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()

    def reply(self, status: int, body: bytes, **headers: str) -> None:
        """A complete JSON answer; the connection stays open for the next request."""
        self.head(status, {"Content-Type": "application/json", "Content-Length": str(len(body)), **headers})
        self.write(body)

    def write(self, data: bytes | memoryview) -> None:
        self._handler.wfile.write(data)

    def pause(self, seconds: float) -> bool:
        """Wait; False once the server is stopping or the request's time is up (the caller then stops)."""
        seconds = min(seconds, self.until - time.monotonic())
        return seconds > 0 and not self._server.stopping.wait(seconds)

    def running(self) -> bool:
        return time.monotonic() < self.until and not self._server.stopping.is_set()

    def hang_up(self) -> None:
        """Close the connection after this answer (a body that did not end cleanly leaves it unusable)."""
        self._handler.close_connection = True


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10  # an idle keep-alive connection, or a client that stopped reading, ends the thread
    server: _Server

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        owner = self.server.owner
        exchange = Exchange(self, owner)
        owner.record(exchange.path)
        try:
            owner.behaviour(exchange)
        except OSError:  # the client went away mid-answer, which is what these clients are meant to do
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: thousands of requests per test."""


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins every connection's thread
    block_on_close = True
    # The listen backlog: socketserver's 5 overflows at concurrency 50, and each SYN dropped waits 1 s, 2 s, ... to
    # be sent again (TCP's retransmission), time the server's overload (Slots, at the HTTP level) does not model.
    request_queue_size = 128

    def __init__(self, owner: HostileServer) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, address = super().get_request()
        self.owner.track(conn)
        return conn, address


class HostileServer:
    """Serves every POST with `behaviour` on 127.0.0.1 (ephemeral port), one thread per connection, keep-alive."""

    def __init__(self, behaviour: Behaviour, *, limit: float = 20.0) -> None:
        self.behaviour = behaviour
        self.limit = limit  # seconds any one request may be answered for
        self.stopping = threading.Event()
        self.arrivals: dict[str, list[float]] = collections.defaultdict(list)  # path -> monotonic arrival times
        self._lock = threading.Lock()
        self._conns: list[socket.socket] = []
        self._http = _Server(self)
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}"
        self._thread = threading.Thread(target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def total(self) -> int:
        with self._lock:
            return sum(len(times) for times in self.arrivals.values())

    def record(self, path: str) -> None:
        with self._lock:
            self.arrivals[path].append(time.monotonic())

    def track(self, conn: socket.socket) -> None:
        with self._lock:
            self._conns.append(conn)

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopping.set()  # every pause returns at once
        self._http.shutdown()
        self._thread.join(timeout=5)
        with self._lock:
            for conn in self._conns:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)  # threads waiting on an idle keep-alive read end now
        self._http.server_close()


def gzip_bomb(body: bytes) -> Behaviour:
    """202 with `Content-Encoding: gzip` and the given stream as the body, sent until the client hangs up."""

    def behave(exchange: Exchange) -> None:
        exchange.hang_up()
        headers = {"Content-Type": "application/json", "Content-Encoding": "gzip", "Content-Length": str(len(body))}
        exchange.head(202, headers)
        view = memoryview(body)
        for start in range(0, len(body), 1 << 16):
            if not exchange.running():
                return
            exchange.write(view[start : start + (1 << 16)])

    return behave


def endless_chunks(size: int = 1 << 16) -> Behaviour:
    """A chunked 202 whose chunks never end: only the client leaving or the time limit stops it."""
    chunk = f"{size:x}\r\n".encode() + b"x" * size + b"\r\n"

    def behave(exchange: Exchange) -> None:
        exchange.hang_up()
        exchange.head(202, {"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
        while exchange.running():
            exchange.write(chunk)

    return behave


def drip(exchange: Exchange, interval: float, *, endless: bool) -> None:
    """A 202 whose body comes one byte per `interval`: the documented success body, or chunks without end."""
    exchange.hang_up()
    if endless:
        exchange.head(202, {"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
        while exchange.pause(interval):
            exchange.write(b"1\r\n \r\n")
        return
    exchange.head(202, {"Content-Type": "application/json", "Content-Length": str(len(SUCCESS))})
    for byte in _bytes(SUCCESS):
        if not exchange.pause(interval):
            return
        exchange.write(byte)


def _bytes(data: bytes) -> Iterator[bytes]:
    return (data[i : i + 1] for i in range(len(data)))


class Slots:
    """A provider that works on `slots` requests at once (each for 10-20 ms); the rest get `refusal` at once."""

    def __init__(self, slots: int, status: int, body: bytes, **headers: str) -> None:
        self.slots, self.refusal = slots, (status, body, headers)
        self.busy = self.peak = self.refused = 0
        self.done: collections.Counter[str] = collections.Counter()  # path -> requests answered 202
        self._lock = threading.Lock()

    def __call__(self, exchange: Exchange) -> None:
        with self._lock:
            admitted = self.busy < self.slots
            if admitted:
                self.busy += 1
                self.peak = max(self.peak, self.busy)
            else:
                self.refused += 1
        if not admitted:
            status, body, headers = self.refusal
            exchange.reply(status, body, **headers)
            return
        try:
            exchange.pause(random.uniform(0.010, 0.020))
            exchange.reply(202, SUCCESS)
        finally:
            with self._lock:
                self.busy -= 1
        with self._lock:
            self.done[exchange.path] += 1
