"""Clients that route `provider:native-ref` strings to the right provider, one at a time or in bulk."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import itertools
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from . import providers
from ._adaptive import AsyncGate, SyncGate
from ._clients import AsyncProviderClient, SyncProviderClient, adrive, drive, wait_seconds
from ._core import Gate, Plan
from ._errors import AITasksError, ConfigurationError, InvalidTaskRef
from ._refs import TaskRef, check_id
from ._results import BulkResult, CancelResult
from ._tasks import Task

if TYPE_CHECKING:
    from typing_extensions import Self

    from .providers.gcore import AsyncGcore, Gcore
    from .providers.modelarts import AsyncModelArts, ModelArts


C = TypeVar("C", SyncProviderClient, AsyncProviderClient)
RefInput = str | TaskRef


def _label(raw: object) -> str:
    return str(raw) if isinstance(raw, (str, TaskRef)) else repr(raw)


def _check_concurrency(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"concurrency must be a whole number >= 1, got {value!r}")
    return value


class _Router(Generic[C]):
    """Holds one client per provider, or the ConfigurationError to raise when that provider is used."""

    _sync: ClassVar[bool]
    _clients: dict[str, C]
    _missing: dict[str, ConfigurationError]

    def __init__(self, **clients: C | None) -> None:
        self._clients, self._missing = {}, {}
        for name, client in clients.items():
            if client is None:
                continue
            if name not in providers.names():
                raise TypeError(f"unknown provider {name}=; expected one of {', '.join(providers.names())}")
            expected = providers.clients(name)[0 if self._sync else 1]
            if not isinstance(client, expected):
                raise TypeError(f"{name}= takes an aitasks.{expected.__name__}, not {type(client).__name__}")
            self._clients[name] = client
        if not self._clients:
            raise ConfigurationError("no provider configured: pass gcore= and/or modelarts=")

    @classmethod
    def from_env(cls, *, timeout: float = 30.0, max_retries: int = 2) -> Self:
        """Configure every provider whose variables are set; using an unconfigured one says what is missing."""
        built, missing = {}, {}
        for name in providers.names():
            try:
                built[name] = providers.clients(name)[0 if cls._sync else 1](timeout=timeout, max_retries=max_retries)
            except ConfigurationError as exc:
                missing[name] = exc
        if not built:
            raise ConfigurationError(
                f"no provider is configured in the environment: {'; '.join(map(str, missing.values()))}"
            )
        self = cls(**built)
        self._missing = missing
        return self

    def _route(self, ref: object) -> tuple[C, TaskRef]:
        task = TaskRef.parse(ref)  # type: ignore[arg-type]
        return self._client(task.provider), task

    def _client(self, provider: str) -> C:
        client = self._clients.get(provider)
        if client is None:
            raise self._missing.get(provider) or ConfigurationError(f"no {provider} client configured")
        return client

    def _bulk(self, index: int, raw: object, strict: bool, wait: float | None, gate: Gate) -> Plan[BulkResult]:
        try:
            client, task = self._route(raw)
        except AITasksError as exc:
            return BulkResult(index, _label(raw), error=exc)
        return (yield from client._bulk(index, _label(raw), task, strict, wait, gate))

    def _scope(self, scope: str) -> tuple[C, tuple[str, ...]]:
        """`gcore`, `modelarts` or `modelarts:DATASET_ID`: the client that lists it, and the arguments it takes."""
        name, colon, narrower = scope.partition(":") if isinstance(scope, str) else ("", "", "")
        if name in providers.names():
            what = providers.get(name).scope
            if not colon:
                return self._client(name), ()
            if what is not None:
                return self._client(name), (check_id(narrower, what),)
        grammar = list(providers.names())
        grammar += [f"{n}:{s.upper().replace(' ', '_')}" for n in grammar if (s := providers.get(n).scope)]
        raise InvalidTaskRef(f"{scope!r} is not a listing: use {', '.join(map(repr, grammar))}")


class Client(_Router[SyncProviderClient]):
    """Cancel tasks on any configured provider by `provider:native-ref`."""

    _sync = True

    def __init__(
        self, *, gcore: Gcore | None = None, modelarts: ModelArts | None = None, **others: SyncProviderClient
    ) -> None:
        super().__init__(gcore=gcore, modelarts=modelarts, **others)

    def cancel(self, ref: RefInput, *, strict: bool = False, wait: bool | float = False) -> CancelResult:
        """Cancel one task named `gcore:TASK_ID` or `modelarts:DATASET_ID/TASK_ID` (or a TaskRef)."""
        client, task = self._route(ref)
        return client.cancel(task, strict=strict, wait=wait)

    def get(self, ref: RefInput) -> Task:
        """Read one task named `provider:native-ref`."""
        client, task = self._route(ref)
        return client.get(task)

    def wait(self, ref: RefInput, *, timeout: float = 300.0) -> Task:
        """Wait until the task reaches a final state; WaitTimeout (with the last state seen) past `timeout`."""
        client, task = self._route(ref)
        return client.wait(task, timeout=timeout)

    def tasks(self, scope: str, **filters: Any) -> Iterator[Task]:
        """Every task of `gcore`, `modelarts` or `modelarts:DATASET_ID`, lazily; filters as its `tasks()` takes."""
        client, args = self._scope(scope)
        return client.tasks(*args, **filters)

    def cancel_many(
        self, refs: Iterable[RefInput], *, concurrency: int = 16, strict: bool = False, wait: bool | float = False
    ) -> Iterator[BulkResult]:
        """One BulkResult per ref as each completes, refs read at most 2 x concurrency ahead (docs/guide/bulk.md)."""
        _check_concurrency(concurrency)
        seconds = wait_seconds(wait)
        source = enumerate(refs)
        gate = SyncGate(concurrency)
        unreadable: Exception | None = None
        with concurrent.futures.ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="aitasks") as pool:
            pending: set[concurrent.futures.Future[BulkResult]] = set()
            exhausted = False
            try:
                while True:
                    while not exhausted and len(pending) < 2 * concurrency:
                        try:
                            item = next(source, None)
                        except Exception as exc:
                            unreadable, item = exc, None
                        if item is None:
                            exhausted = True
                        else:
                            pending.add(pool.submit(drive, self._bulk(*item, strict, seconds, gate)))
                    if not pending:
                        if unreadable is not None:
                            raise unreadable
                        return
                    done, pending = concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED)
                    for future in done:
                        yield future.result()
            finally:
                for future in pending:
                    future.cancel()

    def close(self) -> None:
        """Close every provider client, even when closing one of them fails."""
        with contextlib.ExitStack() as stack:
            for client in self._clients.values():
                stack.callback(client.close)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncClient(_Router[AsyncProviderClient]):
    """Cancel tasks on any configured provider by `provider:native-ref`, from async code."""

    _sync = False

    def __init__(
        self, *, gcore: AsyncGcore | None = None, modelarts: AsyncModelArts | None = None, **others: AsyncProviderClient
    ) -> None:
        super().__init__(gcore=gcore, modelarts=modelarts, **others)

    async def cancel(self, ref: RefInput, *, strict: bool = False, wait: bool | float = False) -> CancelResult:
        """Cancel one task named `gcore:TASK_ID` or `modelarts:DATASET_ID/TASK_ID` (or a TaskRef)."""
        client, task = self._route(ref)
        return await client.cancel(task, strict=strict, wait=wait)

    async def get(self, ref: RefInput) -> Task:
        """Read one task named `provider:native-ref`."""
        client, task = self._route(ref)
        return await client.get(task)

    async def wait(self, ref: RefInput, *, timeout: float = 300.0) -> Task:
        """Wait until the task reaches a final state; WaitTimeout (with the last state seen) past `timeout`."""
        client, task = self._route(ref)
        return await client.wait(task, timeout=timeout)

    def tasks(self, scope: str, **filters: Any) -> AsyncIterator[Task]:
        """Every task of `gcore`, `modelarts` or `modelarts:DATASET_ID`, lazily; filters as its `tasks()` takes."""
        client, args = self._scope(scope)
        return client.tasks(*args, **filters)

    async def cancel_many(
        self,
        refs: Iterable[RefInput] | AsyncIterable[RefInput],
        *,
        concurrency: int = 16,
        strict: bool = False,
        wait: bool | float = False,
    ) -> AsyncIterator[BulkResult]:
        """One BulkResult per ref as each completes, refs read at most 2 x concurrency ahead (docs/guide/bulk.md)."""
        _check_concurrency(concurrency)
        seconds = wait_seconds(wait)
        source = _numbered(refs)
        pull = asyncio.Lock()  # an async generator cannot be advanced by two tasks at once
        slots = asyncio.Semaphore(2 * concurrency)  # taken before a ref is read, given back when its result is taken
        # Results, and each worker itself once it has stopped; never more than 2 x concurrency results.
        finished: asyncio.Queue[BulkResult | asyncio.Future[None]] = asyncio.Queue()
        unreadable: list[Exception] = []  # what reading refs raised, if it did
        gate = AsyncGate(concurrency)

        async def worker() -> None:
            while True:
                await slots.acquire()
                async with pull:
                    try:
                        item = await anext(source, None)
                    except Exception as exc:
                        unreadable.append(exc)
                        item = None
                if item is None:
                    return
                finished.put_nowait(await adrive(self._bulk(*item, strict, seconds, gate)))

        workers = [asyncio.ensure_future(worker()) for _ in range(concurrency)]
        for task in workers:
            task.add_done_callback(finished.put_nowait)
        try:
            working = len(workers)
            while working:
                item = await finished.get()
                if isinstance(item, asyncio.Future):
                    working -= 1
                    item.result()  # an unexpected error in a call ends the run at once
                    continue
                slots.release()
                yield item
            if unreadable:
                raise unreadable[0]  # only now: every call in flight has been yielded first
        finally:
            for task in workers:
                task.cancel()
            with contextlib.suppress(BaseException):
                await asyncio.gather(*workers, return_exceptions=True)
            await source.aclose()

    async def aclose(self) -> None:
        """Close every provider client, even when closing one of them fails."""
        async with contextlib.AsyncExitStack() as stack:
            for client in self._clients.values():
                stack.push_async_callback(client.aclose)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


async def _numbered(refs: Iterable[RefInput] | AsyncIterable[RefInput]) -> AsyncGenerator[tuple[int, RefInput], None]:
    numbers = itertools.count()
    if isinstance(refs, AsyncIterable):
        async for ref in refs:
            yield next(numbers), ref
    else:
        for pair in enumerate(refs):
            yield pair
