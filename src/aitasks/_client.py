"""Clients that route `provider:native-ref` strings to the right provider, one at a time or in bulk."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from . import providers
from ._adaptive import AsyncGate, SyncGate
from ._bulk import BulkResult
from ._clients import AsyncProviderClient, SyncProviderClient, wait_seconds
from ._errors import AITasksError, ConfigurationError, InvalidTaskRef
from ._refs import TaskRef, check_id
from ._results import CancelResult
from ._tasks import Task

if TYPE_CHECKING:
    from .providers.gcore import AsyncGcore, Gcore
    from .providers.modelarts import AsyncModelArts, ModelArts

__all__ = ["AsyncClient", "Client"]

T = TypeVar("T")
RefInput = str | TaskRef


def _label(raw: object) -> str:
    return str(raw) if isinstance(raw, (str, TaskRef)) else repr(raw)


def _check_concurrency(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"concurrency must be a whole number >= 1, got {value!r}")
    return value


def _given(sync: bool, **clients: object) -> dict[str, Any]:
    """The provider clients passed in, checked: a sync router takes sync clients of the named provider."""
    given: dict[str, Any] = {}
    for name, client in clients.items():
        if client is None:
            continue
        if name not in providers.names():
            raise TypeError(f"unknown provider {name}=; expected one of {', '.join(providers.names())}")
        expected = providers.clients(name)[0 if sync else 1]
        if not isinstance(client, expected):
            raise TypeError(f"{name}= takes an aitasks.{expected.__name__}, not {type(client).__name__}")
        given[name] = client
    return given


class _Router:
    """Holds one client per provider, or the ConfigurationError to raise when that provider is used."""

    def __init__(self, clients: dict[str, Any], missing: dict[str, ConfigurationError]) -> None:
        if not clients and not missing:
            raise ConfigurationError("no provider configured: pass gcore= and/or modelarts=")
        self._clients = clients
        self._missing = missing

    def route(self, ref: RefInput) -> tuple[Any, TaskRef]:
        task = TaskRef.parse(ref)
        return self.client(task.provider), task

    def client(self, provider: str) -> Any:
        client = self._clients.get(provider)
        if client is None:
            raise self._missing.get(provider) or ConfigurationError(f"no {provider} client configured")
        return client

    def scope(self, scope: str) -> tuple[Any, tuple[str, ...]]:
        """`gcore`, `modelarts` or `modelarts:DATASET_ID`: the client that lists it, and the arguments it takes."""
        name, colon, narrower = scope.partition(":") if isinstance(scope, str) else ("", "", "")
        if name in providers.names():
            what = providers.get(name).scope
            if not colon:
                return self.client(name), ()
            if what is not None:
                return self.client(name), (check_id(narrower, what),)
        grammar = [n for n in providers.names()]
        grammar += [f"{n}:{s.upper().replace(' ', '_')}" for n in grammar if (s := providers.get(n).scope)]
        raise InvalidTaskRef(f"{scope!r} is not a listing: use {', '.join(map(repr, grammar))}")


def _from_env(sync: bool, timeout: float, max_retries: int) -> tuple[dict[str, Any], dict[str, ConfigurationError]]:
    """Build each provider's client from the environment; remember why any could not be built."""
    clients: dict[str, Any] = {}
    missing: dict[str, ConfigurationError] = {}
    for name in providers.names():
        try:
            clients[name] = providers.clients(name)[0 if sync else 1](timeout=timeout, max_retries=max_retries)
        except ConfigurationError as exc:
            missing[name] = exc
    if not clients:
        reasons = "; ".join(str(exc) for exc in missing.values())
        raise ConfigurationError(f"no provider is configured in the environment: {reasons}")
    return clients, missing


class Client:
    """Cancel tasks on any configured provider by `provider:native-ref`."""

    def __init__(
        self, *, gcore: Gcore | None = None, modelarts: ModelArts | None = None, **others: SyncProviderClient
    ) -> None:
        self._router = _Router(_given(True, gcore=gcore, modelarts=modelarts, **others), {})

    @classmethod
    def from_env(cls, *, timeout: float = 30.0, max_retries: int = 2) -> Client:
        """Configure every provider whose variables are set; using an unconfigured one says what is missing."""
        clients, missing = _from_env(True, timeout, max_retries)
        self = cls.__new__(cls)
        self._router = _Router(clients, missing)
        return self

    def cancel(self, ref: RefInput, *, strict: bool = False, wait: bool | float = False) -> CancelResult:
        """Cancel one task named `gcore:TASK_ID` or `modelarts:DATASET_ID/TASK_ID` (or a TaskRef)."""
        client, task = self._router.route(ref)
        result: CancelResult = client.cancel(task, strict=strict, wait=wait)
        return result

    def get(self, ref: RefInput) -> Task:
        """Read one task named `provider:native-ref`."""
        client, task = self._router.route(ref)
        result: Task = client.get(task)
        return result

    def wait(self, ref: RefInput, *, timeout: float = 300.0) -> Task:
        """Wait until the task reaches a final state; WaitTimeout (with the last state seen) past `timeout`."""
        client, task = self._router.route(ref)
        result: Task = client.wait(task, timeout=timeout)
        return result

    def tasks(self, scope: str, **filters: Any) -> Iterator[Task]:
        """Every task of `gcore` or `modelarts:DATASET_ID`, lazily; filters as the provider's `tasks()` takes."""
        client, args = self._router.scope(scope)
        listing: Iterator[Task] = client.tasks(*args, **filters)
        return listing

    def _one(self, index: int, raw: object, strict: bool, wait: float | None, gate: SyncGate) -> BulkResult:
        try:
            client, task = self._router.route(raw)  # type: ignore[arg-type]
            result: CancelResult = client._cancel(task, strict, None, gate)
        except AITasksError as exc:
            return BulkResult(index, _label(raw), error=exc)
        if wait is None:
            return BulkResult(index, _label(raw), result=result)
        try:
            return BulkResult(index, _label(raw), result=attrs.evolve(result, task=client.wait(task, timeout=wait)))
        except AITasksError as exc:  # the cancel stands whatever the reads after it did
            return BulkResult(index, _label(raw), result=result, wait_error=exc)

    def cancel_many(
        self,
        refs: Iterable[RefInput],
        *,
        concurrency: int = 16,
        strict: bool = False,
        wait: bool | float = False,
    ) -> Iterator[BulkResult]:
        """Yield one BulkResult per ref, as each completes; refs are read lazily, at most 2 x concurrency ahead.

        While a provider signals overload (429, 503, Gcore's queue limit) fewer attempts run at once (see
        `aitasks._adaptive`), and more again as calls succeed, up to `concurrency`.
        To stop early, make `refs` stop yielding: the calls already submitted still finish and are yielded.
        If reading `refs` raises, the submitted calls are yielded first, then the error is raised.
        """
        _check_concurrency(concurrency)
        seconds = wait_seconds(wait)
        source = enumerate(refs)
        window = 2 * concurrency
        gate = SyncGate(concurrency)
        unreadable: Exception | None = None
        with concurrent.futures.ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="aitasks") as pool:
            pending: set[concurrent.futures.Future[BulkResult]] = set()
            exhausted = False
            try:
                while True:
                    while not exhausted and len(pending) < window:
                        try:
                            item = next(source, None)
                        except Exception as exc:
                            unreadable, item = exc, None
                        if item is None:
                            exhausted = True
                        else:
                            pending.add(pool.submit(self._one, item[0], item[1], strict, seconds, gate))
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
            for client in self._router._clients.values():
                stack.callback(client.close)

    def __enter__(self: T) -> T:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncClient:
    """Cancel tasks on any configured provider by `provider:native-ref`, from async code."""

    def __init__(
        self,
        *,
        gcore: AsyncGcore | None = None,
        modelarts: AsyncModelArts | None = None,
        **others: AsyncProviderClient,
    ) -> None:
        self._router = _Router(_given(False, gcore=gcore, modelarts=modelarts, **others), {})

    @classmethod
    def from_env(cls, *, timeout: float = 30.0, max_retries: int = 2) -> AsyncClient:
        """Configure every provider whose variables are set; using an unconfigured one says what is missing."""
        clients, missing = _from_env(False, timeout, max_retries)
        self = cls.__new__(cls)
        self._router = _Router(clients, missing)
        return self

    async def cancel(self, ref: RefInput, *, strict: bool = False, wait: bool | float = False) -> CancelResult:
        """Cancel one task named `gcore:TASK_ID` or `modelarts:DATASET_ID/TASK_ID` (or a TaskRef)."""
        client, task = self._router.route(ref)
        result: CancelResult = await client.cancel(task, strict=strict, wait=wait)
        return result

    async def get(self, ref: RefInput) -> Task:
        """Read one task named `provider:native-ref`."""
        client, task = self._router.route(ref)
        result: Task = await client.get(task)
        return result

    async def wait(self, ref: RefInput, *, timeout: float = 300.0) -> Task:
        """Wait until the task reaches a final state; WaitTimeout (with the last state seen) past `timeout`."""
        client, task = self._router.route(ref)
        result: Task = await client.wait(task, timeout=timeout)
        return result

    def tasks(self, scope: str, **filters: Any) -> AsyncIterator[Task]:
        """Every task of `gcore` or `modelarts:DATASET_ID`, lazily; filters as the provider's `tasks()` takes."""
        client, args = self._router.scope(scope)
        listing: AsyncIterator[Task] = client.tasks(*args, **filters)
        return listing

    async def _one(self, index: int, raw: object, strict: bool, wait: float | None, gate: AsyncGate) -> BulkResult:
        try:
            client, task = self._router.route(raw)  # type: ignore[arg-type]
            result: CancelResult = await client._cancel(task, strict, None, gate)
        except AITasksError as exc:
            return BulkResult(index, _label(raw), error=exc)
        if wait is None:
            return BulkResult(index, _label(raw), result=result)
        try:
            final = await client.wait(task, timeout=wait)
            return BulkResult(index, _label(raw), result=attrs.evolve(result, task=final))
        except AITasksError as exc:  # the cancel stands whatever the reads after it did
            return BulkResult(index, _label(raw), result=result, wait_error=exc)

    async def cancel_many(
        self,
        refs: Iterable[RefInput] | AsyncIterable[RefInput],
        *,
        concurrency: int = 16,
        strict: bool = False,
        wait: bool | float = False,
    ) -> AsyncIterator[BulkResult]:
        """Yield one BulkResult per ref as each completes, at most `concurrency` in flight; refs are read lazily.

        At most `concurrency` calls run at once and at most `concurrency` finished results wait to be taken, so
        no more than 2 x concurrency refs are read ahead of what was yielded: memory stays constant however many
        refs there are, and a call slot is free again as soon as its call ends (a slow consumer only holds back
        reading). While a provider signals overload (429, 503, Gcore's queue limit) fewer attempts run at once
        (see `aitasks._adaptive`), and more again as calls succeed, up to `concurrency`.
        To stop early, make `refs` stop yielding: the calls in flight still finish and are yielded.
        If reading `refs` raises, the calls in flight are yielded first, then the error is raised.
        """
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
                finished.put_nowait(await self._one(item[0], item[1], strict, seconds, gate))

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
            for client in self._router._clients.values():
                stack.push_async_callback(client.aclose)

    async def __aenter__(self: T) -> T:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


async def _numbered(
    refs: Iterable[RefInput] | AsyncIterable[RefInput],
) -> AsyncGenerator[tuple[int, RefInput], None]:
    """Number refs from a sync or async iterable, lazily."""
    index = 0
    if isinstance(refs, AsyncIterable):
        async for ref in refs:
            yield index, ref
            index += 1
    else:
        for ref in refs:
            yield index, ref
            index += 1
