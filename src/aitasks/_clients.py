"""The provider clients' public surface, sync and async twins: cancel, get, wait and list tasks."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import attrs
import httpx

from . import _transport
from ._config import check_max_retries, check_timeout, verify_context
from ._core import Core, Listing, Provider
from ._refs import TaskRef
from ._results import CancelResult
from ._tasks import MAX_PAGES, Task, WaitTimeout, poll_waits
from ._version import __version__
from ._wire import ACCEPT

if TYPE_CHECKING:
    from typing_extensions import Self

    from ._adaptive import AsyncGate, SyncGate

__all__ = ["DEFAULT_WAIT", "AsyncProviderClient", "ClientBase", "SyncProviderClient", "wait_seconds"]

L = TypeVar("L")  # what listing returns: Iterator[Task] for the blocking client, AsyncIterator[Task] for asyncio
DEFAULT_WAIT = 300.0  # seconds `cancel(..., wait=True)` waits for a final state
_HEADERS = {"User-Agent": f"aitasks/{__version__}", **ACCEPT}


def wait_seconds(wait: bool | float) -> float | None:
    """`wait=True` waits DEFAULT_WAIT seconds, a number waits that long, False does not wait."""
    if wait is False:
        return None
    if wait is True:
        return DEFAULT_WAIT
    if isinstance(wait, (int, float)) and 0 < wait < float("inf"):
        return float(wait)
    raise ValueError(f"wait must be True, False or a positive number of seconds, got {wait!r}")


class ClientBase(Generic[L]):
    """Construction and repr shared by the sync and async provider clients; providers add `tasks()` here once."""

    _http_class: ClassVar[type[httpx.Client] | type[httpx.AsyncClient]]

    def __init__(self, provider: Provider, *, timeout: float, max_retries: int, http_client: Any) -> None:
        cls = self._http_class
        if http_client is not None and not isinstance(http_client, cls):
            raise TypeError(f"http_client must be an httpx.{cls.__name__}, not {type(http_client).__name__}")
        seconds, retries = check_timeout(timeout), check_max_retries(max_retries)  # before a client is opened
        http = http_client or _transport.owned_client(cls, headers=_HEADERS, verify=verify_context())
        self._core = Core(provider, seconds, retries, http, http_client is None)

    def __repr__(self) -> str:
        core = self._core
        name = type(self).__name__
        return f"{name}(base_url={core.base_url!r}, timeout={core.seconds}, max_retries={core.max_retries})"

    def _listing(self, listings: Iterable[tuple[int, Listing]], active: bool) -> L:
        raise NotImplementedError  # pragma: no cover - each I/O style defines it


class SyncProviderClient(ClientBase[Iterator[Task]]):
    """Blocking client for one provider; owns a pooled httpx.Client unless given one."""

    _http_class = httpx.Client

    def cancel(self, ref: str | TaskRef, *, strict: bool = False, wait: bool | float = False) -> CancelResult:
        """Cancel one task; ALREADY_FINISHED (or TaskAlreadyFinished when strict) if it was no longer running.

        With `wait` (True for DEFAULT_WAIT seconds, or a number of seconds), then wait for its final state:
        `result.task` holds it, or WaitTimeout is raised.
        """
        return self._cancel(self._core.provider.ref(ref), strict, wait_seconds(wait))

    def _cancel(self, ref: TaskRef, strict: bool, wait: float | None, gate: SyncGate | None = None) -> CancelResult:
        result = self._core.run(self._core.provider.cancel(ref, strict), gate)
        return result if wait is None else attrs.evolve(result, task=self.wait(ref, timeout=wait))

    def get(self, ref: str | TaskRef) -> Task:
        """Read one task: its normalised `state`, the provider's own `status`, progress, name and times."""
        provider = self._core.provider
        return self._core.run(provider.get(provider.ref(ref)))

    def wait(self, ref: str | TaskRef, *, timeout: float = DEFAULT_WAIT) -> Task:
        """Poll `get` (1 s, growing 1.5x, at most 10 s apart) until a final state; WaitTimeout past `timeout`."""
        ref, seconds = self._core.provider.ref(ref), wait_seconds(timeout)
        assert seconds is not None
        deadline = time.monotonic() + seconds
        for pause in poll_waits():
            task = self.get(ref)
            left = deadline - time.monotonic()
            if task.final:
                return task
            if left <= 0:
                raise WaitTimeout(task, seconds)
            time.sleep(min(pause, left))
        raise AssertionError("unreachable")  # pragma: no cover

    def _listing(self, listings: Iterable[tuple[int, Listing]], active: bool) -> Iterator[Task]:
        """Every task of every listing, page by page (one page held at a time); `active` skips final ones."""
        for first, page in listings:
            for number in range(first, first + MAX_PAGES):
                result = self._core.run(page(number))
                yield from (task for task in result.tasks if not (active and task.final))
                if not result.more:
                    break

    def close(self) -> None:
        """Close the pooled connections, unless the http_client was the caller's."""
        if self._core.owns_http:
            self._core.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncProviderClient(ClientBase[AsyncIterator[Task]]):
    """Asyncio client for one provider; owns a pooled httpx.AsyncClient unless given one."""

    _http_class = httpx.AsyncClient

    async def cancel(self, ref: str | TaskRef, *, strict: bool = False, wait: bool | float = False) -> CancelResult:
        """Cancel one task; ALREADY_FINISHED (or TaskAlreadyFinished when strict) if it was no longer running.

        With `wait` (True for DEFAULT_WAIT seconds, or a number of seconds), then wait for its final state:
        `result.task` holds it, or WaitTimeout is raised.
        """
        return await self._cancel(self._core.provider.ref(ref), strict, wait_seconds(wait))

    async def _cancel(
        self, ref: TaskRef, strict: bool, wait: float | None, gate: AsyncGate | None = None
    ) -> CancelResult:
        result = await self._core.arun(self._core.provider.cancel(ref, strict), gate)
        return result if wait is None else attrs.evolve(result, task=await self.wait(ref, timeout=wait))

    async def get(self, ref: str | TaskRef) -> Task:
        """Read one task: its normalised `state`, the provider's own `status`, progress, name and times."""
        provider = self._core.provider
        return await self._core.arun(provider.get(provider.ref(ref)))

    async def wait(self, ref: str | TaskRef, *, timeout: float = DEFAULT_WAIT) -> Task:
        """Poll `get` (1 s, growing 1.5x, at most 10 s apart) until a final state; WaitTimeout past `timeout`."""
        ref, seconds = self._core.provider.ref(ref), wait_seconds(timeout)
        assert seconds is not None
        deadline = time.monotonic() + seconds
        for pause in poll_waits():
            task = await self.get(ref)
            left = deadline - time.monotonic()
            if task.final:
                return task
            if left <= 0:
                raise WaitTimeout(task, seconds)
            await asyncio.sleep(min(pause, left))
        raise AssertionError("unreachable")  # pragma: no cover

    async def _listing(self, listings: Iterable[tuple[int, Listing]], active: bool) -> AsyncIterator[Task]:
        """Every task of every listing, page by page (one page held at a time); `active` skips final ones."""
        for first, page in listings:
            for number in range(first, first + MAX_PAGES):
                result = await self._core.arun(page(number))
                for task in result.tasks:
                    if not (active and task.final):
                        yield task
                if not result.more:
                    break

    async def aclose(self) -> None:
        """Close the pooled connections, unless the http_client was the caller's."""
        if self._core.owns_http:
            await self._core.http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
