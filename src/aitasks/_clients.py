"""The provider clients' public surface, sync and async: cancel, get, wait and list, sharing all but the I/O."""

from __future__ import annotations

import functools
import itertools
import math
import time
from collections.abc import AsyncIterator, Callable, Generator, Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import attrs
import httpx

from . import _transport
from ._config import check_max_retries, check_timeout, verify_context
from ._core import Core, Gate, Listing, Plan, Provider
from ._errors import AITasksError, AuthenticationError, FeatureDisabled, IncompleteListing, PermissionDenied
from ._refs import TaskRef
from ._results import BulkResult, CancelResult
from ._tasks import MAX_PAGES, Task, WaitTimeout, poll_waits
from ._version import __version__
from ._wire import ACCEPT

if TYPE_CHECKING:
    from typing_extensions import Self


R = TypeVar("R")
L = TypeVar("L")  # what listing returns: Iterator[Task] for the blocking client, AsyncIterator[Task] for asyncio
H = TypeVar("H", bound="httpx.Client | httpx.AsyncClient")  # the HTTP client it sends through
Listed = Generator[Any, Any, None]  # a listing without its I/O: yields its calls' steps (callables) and its items
DEFAULT_WAIT = 300.0  # seconds `cancel(..., wait=True)` waits for a final state
MAX_EMPTY_PAGES = 10  # pages in a row that bring no new task while claiming more: then the listing is stopped
MAX_PROBLEMS = 1_000  # lines an IncompleteListing keeps; the rest are counted
_HEADERS = {"User-Agent": f"aitasks/{__version__}", **ACCEPT}
# A wait cannot outlast these: the credentials or the account cannot read the task, however long one waits.
_PERMANENT = (AuthenticationError, PermissionDenied, FeatureDisabled)


def wait_seconds(value: object, argument: str = "wait") -> float | None:
    """`True` waits DEFAULT_WAIT seconds, a positive number that long, `False` (for `wait=` only) not at all."""
    if value is False and argument == "wait":
        return None
    if value is True and argument == "wait":
        return DEFAULT_WAIT
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf:
        wanted = "True, False or a positive number of seconds" if argument == "wait" else "a positive number of seconds"
        raise ValueError(f"{argument} must be {wanted}, got {value!r}")
    return float(value)


def pager(core: Core, listings: Iterable[Listing], keep: Callable[[Any], bool] = bool) -> Listed:
    """Each item once, between the steps of its pages' calls; a listing that never ends is cut, and said so."""
    seen: set[object] = set()
    problems: list[str] = []
    for first, page in listings:
        idle = 0
        here: set[object] = set()  # this listing's own items: a task an earlier listing had too is no repeat
        for number in itertools.count(first):
            if number - first >= MAX_PAGES:
                problems.append(f"stopped after {MAX_PAGES:,} pages: the listing did not end")
                break
            result = yield from core.call(page(number))
            problems.extend(f"page {number}: {problem}" for problem in result.problems)
            before = len(here)
            keys = [(i.ref.dataset_id, i.ref.task_id) if isinstance(i, Task) else i.dataset_id for i in result.items]
            here.update(keys)
            fresh = len(here) - before  # tasks this listing had not listed yet
            for key, item in zip(keys, result.items, strict=True):
                if key not in seen:
                    seen.add(key)
                    if keep(item):
                        yield item
            if result.items and not fresh:
                problems.append(f"page {number} lists only tasks listed already: the listing repeats; stopped there")
                break
            idle = 0 if fresh else idle + 1
            if not result.more:
                break
            if idle >= MAX_EMPTY_PAGES:
                problems.append(f"{idle} pages in a row up to page {number} brought no task but claim more; stopped")
                break
    _incomplete(core.provider.name, problems)


def scoped(
    core: Core, scopes: Listed, listings: Callable[[str], Iterable[Listing]], keep: Callable[[Any], bool]
) -> Listed:
    """Every item of every scope (a project's datasets); one that fails is reported at the end, the others listed."""
    problems: list[str] = []
    sent: Any = None
    while True:
        try:
            step = scopes.send(sent)
        except StopIteration:
            break
        except IncompleteListing as exc:
            problems.extend(exc.problems)
            break
        if callable(step):
            sent = yield step
            continue
        sent = None
        try:
            yield from pager(core, listings(step.dataset_id), keep)
        except AITasksError as exc:
            problems.extend(exc.problems if isinstance(exc, IncompleteListing) else [f"{type(exc).__name__}: {exc}"])
            problems[-1:] = [f"dataset {step.dataset_id}: {line}" for line in problems[-1:]]
    _incomplete(core.provider.name, problems)


def _incomplete(name: str, problems: list[str]) -> None:
    if problems:
        extra = len(problems) - MAX_PROBLEMS
        raise IncompleteListing(name, problems[:MAX_PROBLEMS] + ([f"and {extra} more"] if extra > 0 else []))


def drive(plan: Plan[R]) -> R:
    """Run a plan, blocking: what each step's call returns goes back to the plan, and what it raises too."""
    sent, failed = None, None
    while True:
        try:
            step = plan.send(sent) if failed is None else plan.throw(failed)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        try:
            sent, failed = step(), None
        except BaseException as exc:  # the plan gives back what it holds (a gate slot) and raises it on
            sent, failed = None, exc


async def adrive(plan: Plan[R]) -> R:
    """Run a plan on asyncio: each step's awaited result, or its error (a cancellation too), goes back to the plan."""
    sent, failed = None, None
    while True:
        try:
            step = plan.send(sent) if failed is None else plan.throw(failed)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        try:
            sent, failed = await step(), None
        except BaseException as exc:
            sent, failed = None, exc


class ClientBase(Generic[L, H]):
    """Construction, repr and the plans of cancel, wait and bulk, shared by the sync and async provider clients."""

    _http_class: ClassVar[type[httpx.Client] | type[httpx.AsyncClient]]
    tasks: Callable[..., L]  # each provider's listing, with its own filters

    def __init__(self, provider: Provider, *, timeout: float, max_retries: int, http_client: H | None) -> None:
        cls = self._http_class
        if http_client is not None and not isinstance(http_client, cls):
            raise TypeError(f"http_client must be an httpx.{cls.__name__}, not {type(http_client).__name__}")
        seconds, retries = check_timeout(timeout), check_max_retries(max_retries)  # before a client is opened
        build = _transport.async_client if issubclass(cls, httpx.AsyncClient) else _transport.sync_client
        http = http_client or build(headers=_HEADERS, verify=verify_context(), base_url=provider.base_url)
        self._core = Core(provider, seconds, retries, http, http_client is None)

    def __repr__(self) -> str:
        core, name = self._core, type(self).__name__
        return f"{name}(base_url={core.base_url!r}, timeout={core.seconds}, max_retries={core.max_retries})"

    def _listing(self, plan: Listed) -> L:
        raise NotImplementedError  # pragma: no cover - each I/O style defines it

    def _list(self, listings: Iterable[Listing], keep: Callable[[Any], bool] = bool) -> L:
        return self._listing(pager(self._core, listings, keep))

    def _cancel(self, ref: TaskRef, strict: bool, wait: float | None, gate: Gate | None = None) -> Plan[CancelResult]:
        result = yield from self._core.call(self._core.provider.cancel(ref, strict), gate)
        if wait is None:
            return result
        try:
            return attrs.evolve(result, task=(yield from self._wait(ref, wait)))
        except WaitTimeout as exc:
            exc.result = result
            raise

    def _wait(self, ref: TaskRef, timeout: object) -> Plan[Task]:
        """Reads kept apart from each read's retries: a failed one (5xx, a 404 right after the cancel) goes on."""
        seconds = wait_seconds(timeout, "timeout") or DEFAULT_WAIT
        deadline, pauses, op = time.monotonic() + seconds, poll_waits(), self._core.provider.get(ref)
        task: Task | None = None
        error: AITasksError | None = None
        while True:
            try:
                task, error = (yield from self._core.call(op, deadline=deadline)), None
            except _PERMANENT:
                raise
            except AITasksError as exc:
                error = exc
            if error is None and task is not None and task.final:
                return task
            left = deadline - time.monotonic()
            if left <= 0:
                raise WaitTimeout(task, seconds, error, ref=ref) from error
            yield functools.partial(self._core.sleep, min(next(pauses), left))

    def _bulk(
        self, index: int, label: str, ref: TaskRef, strict: bool, wait: float | None, gate: Gate
    ) -> Plan[BulkResult]:
        try:
            result = yield from self._cancel(ref, strict, None, gate)
        except AITasksError as exc:
            return BulkResult(index, label, error=exc)
        if wait is None:
            return BulkResult(index, label, result=result)
        try:
            task = yield from self._wait(ref, wait)
        except AITasksError as exc:  # the cancel stands whatever the reads after it did
            return BulkResult(index, label, result=result, wait_error=exc)
        return BulkResult(index, label, result=attrs.evolve(result, task=task))


class SyncProviderClient(ClientBase[Iterator[Task], httpx.Client]):
    """Blocking client for one provider; owns a pooled httpx.Client unless given one."""

    _http_class = httpx.Client

    def cancel(self, ref: str | TaskRef, *, strict: bool = False, wait: bool | float = False) -> CancelResult:
        """Cancel one task (ALREADY_FINISHED if no longer running); with `wait`, `result.task` is its final state."""
        return drive(self._cancel(self._core.provider.ref(ref), strict, wait_seconds(wait)))

    def get(self, ref: str | TaskRef) -> Task:
        """Read one task: its normalised `state`, the provider's own `status`, progress, name and times."""
        return drive(self._core.call(self._core.provider.get(self._core.provider.ref(ref))))

    def wait(self, ref: str | TaskRef, *, timeout: float = DEFAULT_WAIT) -> Task:
        """Poll `get` until a final state, through failed reads (not 401/403/422); WaitTimeout past `timeout`."""
        return drive(self._wait(self._core.provider.ref(ref), timeout))

    def _listing(self, plan: Listed) -> Iterator[Any]:
        sent = None
        while True:
            try:
                step = plan.send(sent)
            except StopIteration:
                return
            sent = step() if callable(step) else (yield step)

    def close(self) -> None:
        """Close the pooled connections, unless the http_client was the caller's."""
        if self._core.owns_http:
            self._core.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncProviderClient(ClientBase[AsyncIterator[Task], httpx.AsyncClient]):
    """Asyncio client for one provider; owns a pooled httpx.AsyncClient unless given one."""

    _http_class = httpx.AsyncClient

    async def cancel(self, ref: str | TaskRef, *, strict: bool = False, wait: bool | float = False) -> CancelResult:
        """Cancel one task (ALREADY_FINISHED if no longer running); with `wait`, `result.task` is its final state."""
        return await adrive(self._cancel(self._core.provider.ref(ref), strict, wait_seconds(wait)))

    async def get(self, ref: str | TaskRef) -> Task:
        """Read one task: its normalised `state`, the provider's own `status`, progress, name and times."""
        return await adrive(self._core.call(self._core.provider.get(self._core.provider.ref(ref))))

    async def wait(self, ref: str | TaskRef, *, timeout: float = DEFAULT_WAIT) -> Task:
        """Poll `get` until a final state, through failed reads (not 401/403/422); WaitTimeout past `timeout`."""
        return await adrive(self._wait(self._core.provider.ref(ref), timeout))

    async def _listing(self, plan: Listed) -> AsyncIterator[Any]:
        sent = None
        while True:
            try:
                step = plan.send(sent)
            except StopIteration:
                return
            sent = await step() if callable(step) else (yield step)

    async def aclose(self) -> None:
        """Close the pooled connections, unless the http_client was the caller's."""
        if self._core.owns_http:
            await self._core.http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
