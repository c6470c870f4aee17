"""A loopback server that answers each request by a route (a function of the request), and one driver for the
sync and async clients, so a scenario against an odd server is written once and run through both.

The route sees every request as it arrived (`Recorded`) and returns the exact `Reply`: the hostile answer itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import urllib.parse
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any

import aitasks

from conftest import GCORE_KEY, MA_PROJECT, MA_TOKEN
from scripted_server import Recorded, Reply, ScriptedServer, json_reply

__all__ = ["Driver", "Route", "RoutedServer", "always", "drivers", "ids", "json_body", "query"]

Route = Callable[[Recorded], Reply]
TIMEOUT = 60.0  # seconds any one driven call may take before the test fails (a hang is a failure, not a wait)


class _Routes(deque[Reply]):
    """The scripted server's reply queue, answered by the route for the request recorded last."""

    def __init__(self, server: ScriptedServer, route: Route) -> None:
        super().__init__()
        self._server, self._route = server, route

    def __bool__(self) -> bool:
        return True

    def popleft(self) -> Reply:
        return self._route(self._server.requests[-1])  # recorded under the same lock, just before


class RoutedServer(ScriptedServer):
    """ScriptedServer on 127.0.0.1 whose replies come from `route`; `paths()` lists what was asked, in order."""

    def __init__(self, route: Route) -> None:
        super().__init__()
        self.replies = _Routes(self, route)

    def __enter__(self) -> RoutedServer:
        super().__enter__()
        return self

    def paths(self, method: str | None = None) -> list[str]:
        return [r.target for r in self.requests if method is None or r.method == method]


def always(reply: Reply) -> Route:
    """A route that answers every request with the same reply."""
    return lambda request: reply


def json_body(status: int, data: object, **headers: str) -> Reply:
    return json_reply(status, json.dumps(data), **headers)


def query(request: Recorded) -> tuple[str, dict[str, str]]:
    """The request's path and its query parameters (one value each)."""
    parts = urllib.parse.urlsplit(request.target)
    return parts.path, dict(urllib.parse.parse_qsl(parts.query))


class Driver:
    """One provider client (or router) driven the same way whether it is sync or async."""

    def __init__(self, client: Any, loop: asyncio.AbstractEventLoop | None) -> None:
        self.client, self.loop = client, loop

    def __call__(self, method: str, *args: Any, **kwargs: Any) -> Any:
        value = getattr(self.client, method)(*args, **kwargs)
        if self.loop is None:
            return value
        return asyncio.run_coroutine_threadsafe(value, self.loop).result(TIMEOUT)

    def raises(self, method: str, *args: Any, **kwargs: Any) -> BaseException:
        """The exception the call raises (AssertionError if it returns)."""
        try:
            value = self(method, *args, **kwargs)
        except Exception as exc:
            return exc
        raise AssertionError(f"{method} returned {value!r} instead of raising")

    def listing(self, method: str, *args: Any, **kwargs: Any) -> tuple[list[Any], BaseException | None]:
        """Everything the iterator yields, then what it raised (None if it ended cleanly)."""
        items: list[Any] = []
        if self.loop is None:
            try:
                items.extend(getattr(self.client, method)(*args, **kwargs))
            except Exception as exc:
                return items, exc
            return items, None

        async def collect() -> BaseException | None:
            iterator: AsyncIterator[Any] = getattr(self.client, method)(*args, **kwargs)
            try:
                async for item in iterator:
                    items.append(item)
            except Exception as exc:
                return exc
            return None

        error = asyncio.run_coroutine_threadsafe(collect(), self.loop).result(TIMEOUT)
        return items, error


def _client(provider: str, url: str, is_async: bool, router: bool, kwargs: dict[str, Any]) -> Any:
    if provider == "gcore":
        cls: Any = aitasks.AsyncGcore if is_async else aitasks.Gcore
        client = cls(GCORE_KEY, base_url=url, **kwargs)
    else:
        cls = aitasks.AsyncModelArts if is_async else aitasks.ModelArts
        client = cls(endpoint=url, project_id=MA_PROJECT, token=MA_TOKEN, **kwargs)
    if not router:
        return client
    wrapper: Any = aitasks.AsyncClient if is_async else aitasks.Client
    return wrapper(**{provider: client})


@contextlib.contextmanager
def drivers(io: str) -> Iterator[Callable[..., Driver]]:
    """`make(provider, url, router=False, **client_kwargs)` for sync ("sync") or async ("async") clients; all
    are closed (and the event loop stopped) on exit."""
    loop = asyncio.new_event_loop() if io == "async" else None
    thread = threading.Thread(target=loop.run_forever, daemon=True) if loop is not None else None
    if thread is not None:
        thread.start()
    made: list[Driver] = []

    def make(provider: str, url: str, router: bool = False, **kwargs: Any) -> Driver:
        if loop is None:
            driver = Driver(_client(provider, url, False, router, kwargs), None)
        else:

            async def build() -> Any:  # an async client's pool belongs to the loop that runs it
                return _client(provider, url, True, router, kwargs)

            driver = Driver(asyncio.run_coroutine_threadsafe(build(), loop).result(TIMEOUT), loop)
        made.append(driver)
        return driver

    try:
        yield make
    finally:
        for driver in made:
            if loop is None:
                driver.client.close()
            else:
                asyncio.run_coroutine_threadsafe(driver.client.aclose(), loop).result(TIMEOUT)
        if loop is not None and thread is not None:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)
            loop.close()


def ids(tasks: Iterable[Any]) -> list[str]:
    """The task ids of listed tasks, in order."""
    return [task.ref.task_id for task in tasks]
