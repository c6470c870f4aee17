"""A loopback HTTP/1.1 server that answers each request with the next scripted reply, byte for byte.

The facade's conformance suite needs replies no well-behaved server sends: non-IANA statuses, 1xx finals,
invalid UTF-8, connections closed before any response. Unscripted requests get a 599 so nothing hangs.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections import deque
from dataclasses import dataclass, field

__all__ = ["Recorded", "Reply", "ScriptedServer", "json_reply"]

_REASONS = {200: "OK", 202: "Accepted", 204: "No Content", 404: "Not Found", 503: "Service Unavailable"}


@dataclass
class Reply:
    """What to send back: a status line, headers and body, or a closed connection."""

    status: int = 202
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False

    def encode(self) -> bytes:
        lines = [f"HTTP/1.1 {self.status} {_REASONS.get(self.status, 'Whatever')}"]
        headers = {"Content-Length": str(len(self.body)), **self.headers}
        if self.status == 204 or 100 <= self.status < 200:
            headers.pop("Content-Length")
        lines += [f"{name}: {value}" for name, value in headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


@dataclass
class Recorded:
    """One request as it arrived on the wire."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes


def json_reply(status: int, text: str, **headers: str) -> Reply:
    """A JSON reply with the given raw body text."""
    return Reply(status, text.encode(), {"Content-Type": "application/json", **headers})


class ScriptedServer:
    """Serves scripted replies in order on 127.0.0.1, one thread per connection, keep-alive."""

    def __init__(self) -> None:
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.replies: deque[Reply] = deque()
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._conns: list[socket.socket] = []

    def script(self, *replies: Reply) -> None:
        """Queue replies for the next requests."""
        with self._lock:
            self.replies.extend(replies)

    def __enter__(self) -> ScriptedServer:
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1):
            pass  # wakes the accept() call so the thread sees the stop flag
        with self._lock:
            for conn in self._conns:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(timeout=5)
        self._sock.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            if self._stop.is_set():
                conn.close()
                return
            with self._lock:
                self._conns.append(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        buffer = b""
        try:
            while not self._stop.is_set():
                while b"\r\n\r\n" not in buffer:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                head, buffer = buffer.split(b"\r\n\r\n", 1)
                request_line, *header_lines = head.decode("latin-1").split("\r\n")
                headers = {}
                for line in header_lines:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0"))
                while len(buffer) < length:
                    buffer += conn.recv(65536)
                body, buffer = buffer[:length], buffer[length:]
                method, target, _ = request_line.split(" ", 2)
                with self._lock:
                    self.requests.append(Recorded(method, target, headers, body))
                    reply = self.replies.popleft() if self.replies else Reply(599, b"unscripted")
                if reply.delay and self._stop.wait(reply.delay):
                    return
                if reply.drop:
                    return
                conn.sendall(reply.encode())
        except OSError:
            return
        finally:
            conn.close()
