"""The HTTP/1.1 server: keep-alive, one thread per connection, quiet, and never a traceback or a hang."""

from __future__ import annotations

import contextlib
import itertools
import selectors
import socket
import socketserver
import threading
import uuid
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from . import _control
from ._provider import Reply, error_reply, owner, parse_target, reason
from ._records import RequestHeaders
from ._state import CloudState, Incoming

MAX_BODY = 1 << 20  # no operation has a body; anything near this size is a client bug or an attack
_NO_LENGTH = frozenset({204, 304})


class FakeServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that tracks its connections so `close` ends idle keep-alive ones at once."""

    daemon_threads = True  # a fake never stopped must not hang interpreter exit on an idle keep-alive connection
    block_on_close = True  # ...but close() still joins them (server_close), after waking them up
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], state: CloudState) -> None:
        self.state = state
        self.stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self.connection_numbers = itertools.count(1)  # so the request log shows keep-alive reuse
        self._served = threading.Event()
        self._wake_reader, self._wake_writer = socket.socketpair()
        try:
            super().__init__(address, _Handler)
        except OSError:
            self._wake_reader.close()
            self._wake_writer.close()
            raise

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn, a reverse DNS lookup that can take seconds.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away is not an error worth a traceback on stderr."""

    def serve(self) -> None:
        """Accept connections until close(); a socketpair wakes the loop at once (no polling interval)."""
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(self.socket, selectors.EVENT_READ)
                selector.register(self._wake_reader, selectors.EVENT_READ)
                while not self.stopping.is_set():
                    for key, _ in selector.select():
                        if key.fileobj is self.socket and not self.stopping.is_set():
                            self._accept()
        finally:
            self._served.set()

    def _accept(self) -> None:
        try:
            request, client_address = self.get_request()
        except OSError:
            return
        try:
            self.process_request(request, client_address)
        except Exception:
            self.shutdown_request(request)

    def close(self) -> None:
        """Stop serving, wake every connection thread, and wait for them."""
        self.stopping.set()
        with contextlib.suppress(OSError):
            self._wake_writer.send(b"x")
        self._served.wait(timeout=10)
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self.server_close()
        self._wake_reader.close()
        self._wake_writer.close()


class _Handler(BaseHTTPRequestHandler):
    """Parses with the standard library, answers from CloudState, writes each response in one send."""

    protocol_version = "HTTP/1.1"
    server_version = "aitasks-fake-cloud"
    sys_version = ""
    disable_nagle_algorithm = True
    server: FakeServer

    def log_message(self, format: str, *args: Any) -> None:
        """No per-request line on stderr: the request log is the record."""

    def handle_one_request(self) -> None:
        try:
            line = self.rfile.readline(65537)
            if not line:
                self.close_connection = True
                return
            if len(line) > 65536:
                self.requestline, self.request_version, self.command = "", "HTTP/1.1", ""
                self.send_error(414)
                return
            self.raw_requestline = line
            if not self.parse_request():
                return
            self._handle()
        except OSError:  # reset, broken pipe, timeout: the client is gone
            self.close_connection = True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Protocol errors found by the standard library get a JSON body too, then the connection closes."""
        self.close_connection = True
        self._write(error_reply(code, message or reason(code)), uuid.uuid4().hex)

    def setup(self) -> None:
        super().setup()
        self.connection_number = next(self.server.connection_numbers)

    def _handle(self) -> None:
        state, body = self.server.state, self._read_body()
        target = parse_target(self.path, state.providers, _control.ROUTES)
        headers = RequestHeaders(list(self.headers.items()))
        raw = body if isinstance(body, bytes) else b""
        call = Incoming(target, self.command, headers, raw, uuid.uuid4().hex, self.connection_number)
        if isinstance(body, Reply):  # bad framing or too large: answered, logged, and the connection closes
            self.close_connection = True
            state.record(call, body)
            self._write(body, call.request_id)
            return
        try:
            reply = self._route(call)
        except Exception as exc:  # a bug in the fake must still answer, not hang the client
            reply = error_reply(500, f"aitasks fake cloud internal error: {type(exc).__name__}")
            state.record(call, reply)
        if reply is not None:
            self._write(reply, call.request_id)

    def _route(self, incoming: Incoming) -> Reply | None:
        state, target = self.server.state, incoming.target
        provider = state.providers.get(target.route) or owner(target.raw_path, state.providers)
        if target.route == "control":
            reply = _control.control(state, incoming)
        elif target.route in state.providers and incoming.operation is not None:
            fault = state.take_fault(incoming)
            if fault is not None and fault.delay and self.server.stopping.wait(fault.delay):
                self.close_connection = True
                return None
            return state.answer(incoming, fault)
        elif target.matches:
            allowed = ", ".join(route.method for route in target.matches)
            message = f"Method not allowed; use {allowed}."
            reply = (provider.error if provider else error_reply)(405, message, (("Allow", allowed),))
        else:
            reply = (provider.error if provider else error_reply)(404, "Not found")
        state.record(incoming, reply)
        return reply

    def _read_body(self) -> bytes | Reply:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            return b""
        if not length_header.strip().isdigit():
            return error_reply(400, "Invalid Content-Length")
        length = int(length_header)
        return self.rfile.read(length) if length <= MAX_BODY else error_reply(413, "Request body too large")

    def _read_chunked(self) -> bytes | Reply:
        chunks: list[bytes] = []
        total = 0
        while True:
            size_line = self.rfile.readline(1026).split(b";", 1)[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError:
                return error_reply(400, "Invalid chunked encoding")
            total += size
            if size < 0 or total > MAX_BODY:
                return error_reply(413, "Request body too large")
            if size == 0:
                while self.rfile.readline(8194).strip():  # trailers, up to the blank line
                    pass
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline(3)

    def _write(self, reply: Reply, request_id: str) -> None:
        if reply.action == "close":
            self.close_connection = True
            self._hang_up()
            return
        custom = {name.lower() for name, _ in reply.headers}
        lines = [
            f"HTTP/1.1 {reply.status} {reason(reply.status)}",
            f"Date: {formatdate(usegmt=True)}",
            f"Server: {self.server_version}",
        ]
        if "x-request-id" not in custom:  # a fault's own X-Request-Id replaces the generated one
            lines.append(f"X-Request-Id: {request_id}")
        if reply.content_type is not None and "content-type" not in custom:
            lines.append(f"Content-Type: {reply.content_type}")
        lines.extend(f"{name}: {value}" for name, value in reply.headers)
        if reply.status not in _NO_LENGTH:
            lines.append(f"Content-Length: {len(reply.body)}")
        if self.close_connection or reply.action == "truncate":
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", errors="replace")
        body = b"" if self.command == "HEAD" or reply.status in _NO_LENGTH else reply.body
        if reply.action == "truncate":
            self.wfile.write(head + body[: len(body) // 2])
            self.close_connection = True
            self._hang_up()
            return
        self.wfile.write(head + body)

    def _hang_up(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
