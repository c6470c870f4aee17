"""The provider clients' public surface, sync and async: cancel, get, wait and list, sharing all but the I/O."""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from collections.abc import AsyncIterator, Callable, Generator, Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import attrs
import httpx

from . import _transport
from ._config import check_max_retries, check_timeout, verify_context
from ._core import Core, Listing, Operation, Provider
from ._errors import AITasksError, AuthenticationError, FeatureDisabled, IncompleteListing, PermissionDenied
from ._refs import TaskRef
from ._results import CancelResult
from ._tasks import MAX_PAGES, Dataset, Task, WaitTimeout, poll_waits
from ._version import __version__
from ._wire import ACCEPT

if TYPE_CHECKING:
    from typing_extensions import Self

    from ._adaptive import AsyncGate, SyncGate

__all__ = [
    "DEFAULT_WAIT",
    "AsyncProviderClient",
    "ClientBase",
    "H",
    "L",
    "Plan",
    "SyncProviderClient",
    "pager",
    "scoped",
    "wait_seconds",
]

L = TypeVar("L")  # what listing returns: Iterator[Task] for the blocking client, AsyncIterator[Task] for asyncio
H = TypeVar("H", bound="httpx.Client | httpx.AsyncClient")  # the HTTP client it sends through
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


Plan = Generator[Any, Any, None]  # a listing without its I/O: yields Operations (sent back: the result) and items


def _key(item: Task | Dataset) -> object:
    return (item.ref.dataset_id, item.ref.task_id) if isinstance(item, Task) else item.dataset_id


def pager(name: str, listings: Iterable[Listing], keep: Callable[[Any], bool] = bool) -> Plan:
    """Every item of every listing once, in order: yields each page's Operation (sent back: the Page) and each item.

    A page that brings no task not listed already while claiming more (a repeat, a cycle, empty pages with a
    `next`) is followed at most MAX_EMPTY_PAGES times in a row; a page that only repeats tasks ends its listing.
    Items that name no task, and listings ended early, are raised as one IncompleteListing at the end.
    """
    seen: set[object] = set()
    problems: list[str] = []
    for first, page in listings:
        idle = 0
        here: set[object] = set()  # this listing's own items: a task an earlier listing had too is no repeat
        for number in itertools.count(first):
            if number - first >= MAX_PAGES:
                problems.append(f"stopped after {MAX_PAGES:,} pages: the listing did not end")
                break
            result = yield page(number)
            problems.extend(f"page {number}: {problem}" for problem in result.problems)
            before = len(here)
            here.update(_key(item) for item in result.items)
            fresh = len(here) - before  # tasks this listing had not listed yet
            for item in result.items:
                key = _key(item)
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
    _incomplete(name, problems)


def scoped(name: str, scopes: Plan, listings: Callable[[str], Iterable[Listing]], keep: Callable[[Any], bool]) -> Plan:
    """Every item of every scope (a project's datasets) as `scopes` lists them, scope by scope.

    A scope whose listing fails or is incomplete is reported in the IncompleteListing raised at the end; the others
    are listed all the same.
    """
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
        if isinstance(step, Operation):
            sent = yield step
            continue
        sent = None
        try:
            yield from pager(name, listings(step.dataset_id), keep)
        except AITasksError as exc:
            problems.extend(exc.problems if isinstance(exc, IncompleteListing) else [f"{type(exc).__name__}: {exc}"])
            problems[-1:] = [f"dataset {step.dataset_id}: {line}" for line in problems[-1:]]
    _incomplete(name, problems)


def _incomplete(name: str, problems: list[str]) -> None:
    if problems:
        extra = len(problems) - MAX_PROBLEMS
        raise IncompleteListing(name, problems[:MAX_PROBLEMS] + ([f"and {extra} more"] if extra > 0 else []))


class _Wait:
    """The polling plan of one wait (kept apart from each read's retries): when to read again, when to give up."""

    def __init__(self, timeout: object) -> None:
        self.seconds = wait_seconds(timeout, "timeout") or DEFAULT_WAIT
        self.deadline = time.monotonic() + self.seconds
        self.pauses = poll_waits()
        self.task: Task | None = None
        self.error: AITasksError | None = None

    def after(self, ref: TaskRef, outcome: Task | AITasksError) -> Task | float:
        """The final task, or the pause before the next read; WaitTimeout past the deadline."""
        if isinstance(outcome, Task):
            self.task, self.error = outcome, None
            if outcome.final:
                return outcome
        elif isinstance(outcome, _PERMANENT):
            raise outcome
        else:
            self.error = outcome  # a failed read (5xx, a 404 right after the cancel, a timeout) does not end it
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise WaitTimeout(self.task, self.seconds, self.error, ref=ref) from self.error
        return min(next(self.pauses), left)


class ClientBase(Generic[L, H]):
    """Construction and repr shared by the sync and async provider clients; providers add `tasks()` here once."""

    _http_class: ClassVar[type[httpx.Client] | type[httpx.AsyncClient]]

    def __init__(self, provider: Provider, *, timeout: float, max_retries: int, http_client: H | None) -> None:
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

    def _listing(self, plan: Plan) -> L:
        raise NotImplementedError  # pragma: no cover - each I/O style defines it


class SyncProviderClient(ClientBase[Iterator[Task], httpx.Client]):
    """Blocking client for one provider; owns a pooled httpx.Client unless given one."""

    _http_class = httpx.Client

    def cancel(self, ref: str | TaskRef, *, strict: bool = False, wait: bool | float = False) -> CancelResult:
        """Cancel one task; ALREADY_FINISHED (or TaskAlreadyFinished when strict) if it was no longer running.

        With `wait` (True for DEFAULT_WAIT seconds, or a number of seconds), then wait for its final state:
        `result.task` holds it, or WaitTimeout is raised with the cancel's result as `.result`.
        """
        return self._cancel(self._core.provider.ref(ref), strict, wait_seconds(wait))

    def _cancel(self, ref: TaskRef, strict: bool, wait: float | None, gate: SyncGate | None = None) -> CancelResult:
        result = self._core.run(self._core.provider.cancel(ref, strict), gate)
        if wait is None:
            return result
        try:
            return attrs.evolve(result, task=self.wait(ref, timeout=wait))
        except WaitTimeout as exc:
            exc.result = result
            raise

    def get(self, ref: str | TaskRef) -> Task:
        """Read one task: its normalised `state`, the provider's own `status`, progress, name and times."""
        provider = self._core.provider
        return self._core.run(provider.get(provider.ref(ref)))

    def wait(self, ref: str | TaskRef, *, timeout: float = DEFAULT_WAIT) -> Task:
        """Poll `get` (1 s, growing 1.5x, at most 10 s apart) until a final state; WaitTimeout past `timeout`.

        A read that fails (a 5xx, a timeout, a 404) does not end the wait; 401, 403 and 422 do.
        """
        provider = self._core.provider
        ref, plan = provider.ref(ref), _Wait(timeout)
        op = provider.get(ref)
        while True:
            try:
                outcome: Task | AITasksError = self._core.run(op, deadline=plan.deadline)
            except AITasksError as exc:
                outcome = exc
            step = plan.after(ref, outcome)
            if isinstance(step, Task):
                return step
            time.sleep(step)

    def _listing(self, plan: Plan) -> Iterator[Any]:
        try:
            step = next(plan)
            while True:
                if not isinstance(step, Operation):
                    yield step
                    step = next(plan)
                    continue
                try:
                    page = self._core.run(step)
                except AITasksError as exc:
                    step = plan.throw(exc)  # a plan over several scopes goes on with the next
                else:
                    step = plan.send(page)
        except StopIteration:
            return

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
        """Cancel one task; ALREADY_FINISHED (or TaskAlreadyFinished when strict) if it was no longer running.

        With `wait` (True for DEFAULT_WAIT seconds, or a number of seconds), then wait for its final state:
        `result.task` holds it, or WaitTimeout is raised with the cancel's result as `.result`.
        """
        return await self._cancel(self._core.provider.ref(ref), strict, wait_seconds(wait))

    async def _cancel(
        self, ref: TaskRef, strict: bool, wait: float | None, gate: AsyncGate | None = None
    ) -> CancelResult:
        result = await self._core.arun(self._core.provider.cancel(ref, strict), gate)
        if wait is None:
            return result
        try:
            return attrs.evolve(result, task=await self.wait(ref, timeout=wait))
        except WaitTimeout as exc:
            exc.result = result
            raise

    async def get(self, ref: str | TaskRef) -> Task:
        """Read one task: its normalised `state`, the provider's own `status`, progress, name and times."""
        provider = self._core.provider
        return await self._core.arun(provider.get(provider.ref(ref)))

    async def wait(self, ref: str | TaskRef, *, timeout: float = DEFAULT_WAIT) -> Task:
        """Poll `get` (1 s, growing 1.5x, at most 10 s apart) until a final state; WaitTimeout past `timeout`.

        A read that fails (a 5xx, a timeout, a 404) does not end the wait; 401, 403 and 422 do.
        """
        provider = self._core.provider
        ref, plan = provider.ref(ref), _Wait(timeout)
        op = provider.get(ref)
        while True:
            try:
                outcome: Task | AITasksError = await self._core.arun(op, deadline=plan.deadline)
            except AITasksError as exc:
                outcome = exc
            step = plan.after(ref, outcome)
            if isinstance(step, Task):
                return step
            await asyncio.sleep(step)

    async def _listing(self, plan: Plan) -> AsyncIterator[Any]:
        try:
            step = next(plan)
            while True:
                if not isinstance(step, Operation):
                    yield step
                    step = next(plan)
                    continue
                try:
                    page = await self._core.arun(step)
                except AITasksError as exc:
                    step = plan.throw(exc)  # a plan over several scopes goes on with the next
                else:
                    step = plan.send(page)
        except StopIteration:
            return

    async def aclose(self) -> None:
        """Close the pooled connections, unless the http_client was the caller's."""
        if self._core.owns_http:
            await self._core.http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
