"""A minimal keep-alive HTTP/1.1 loopback server for the benchmarks: 202 JSON for Gcore, 204 for ModelArts.

Run as a script it binds 127.0.0.1 (port 0 picks a free one), prints `PORT=<n>` and serves until killed.
`GET /_stats` answers how many connections and requests it has seen, so runs can report connection churn.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys

__all__ = ["GCORE_BODY", "serve"]

GCORE_BODY = b'{"result": "Task has been cancelled successfully."}'
_GCORE_REPLY = (
    b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nX-Request-Id: bench-0001\r\n"
    b"Content-Length: " + str(len(GCORE_BODY)).encode() + b"\r\n\r\n" + GCORE_BODY
)
_MODELARTS_REPLY = b"HTTP/1.1 204 No Content\r\nX-Request-Id: bench-0002\r\n\r\n"
_NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
_CONTENT_LENGTH = b"\r\ncontent-length:"


class _Stats:
    connections = 0
    requests = 0


def _stats_reply() -> bytes:
    body = json.dumps({"connections": _Stats.connections, "requests": _Stats.requests}).encode()
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


class _Protocol(asyncio.Protocol):
    """Parses just enough of each request (path, Content-Length) to answer it; pipelining works too."""

    def __init__(self) -> None:
        self._transport: asyncio.Transport | None = None
        self._buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        _Stats.connections += 1

    def data_received(self, data: bytes) -> None:
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
                transport.write(_GCORE_REPLY)
            elif path.startswith(b"/v2/"):
                transport.write(_MODELARTS_REPLY)
            elif path == b"/_stats":
                transport.write(_stats_reply())
            else:
                transport.write(_NOT_FOUND)
            buffer = buffer[total:]
        self._buffer = buffer


async def serve(port: int) -> None:
    """Serve forever on 127.0.0.1:port, printing the bound port first."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_Protocol, "127.0.0.1", port, backlog=1024, reuse_address=True)
    bound = server.sockets[0].getsockname()[1]
    sys.stdout.write(f"PORT={bound}\n")
    sys.stdout.flush()
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
