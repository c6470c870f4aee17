"""A third provider for aitasks, declared in this one module (the fake side is `Toy` in test_fake_registry.py).

`aitasks.providers.register("toy_provider")` is all it takes: refs (`toy:JOB_ID`), routing, listing, the error map
and the command line's status checks all read the registry.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from aitasks._auth import HeaderAuth
from aitasks._clients import AsyncProviderClient, ClientBase, H, L, SyncProviderClient
from aitasks._core import Answer, Listing, Operation, Provider
from aitasks._errors import APIError, TaskAlreadyFinished
from aitasks._refs import TaskRef
from aitasks._results import CancelResult, cancel_result
from aitasks._tasks import Page, Task, TaskState, ident, read_items
from aitasks._text import Redactor

STATES: dict[str | int, TaskState] = {
    "queued": TaskState.QUEUED,
    "running": TaskState.RUNNING,
    "done": TaskState.SUCCEEDED,
    "cancelled": TaskState.CANCELLED,
}


def _task(item: Mapping[str, Any]) -> Task:
    status = item.get("status")
    return Task(TaskRef("toy", ident(item, "id")), TaskState.of(status, STATES), status, raw=item)


class ToyProvider(Provider):
    """The toy cloud: cancel answers 200 (409 when the job had finished), jobs are listed 2 a page from page 1."""

    name = "toy"
    states = STATES
    variables: ClassVar[Mapping[str, str]] = {"TOY_BASE_URL": "the toy cloud's base URL"}
    errors: ClassVar[Mapping[int, type[APIError]]] = {409: TaskAlreadyFinished}

    def __init__(self, base_url: str) -> None:
        self.base_url, self.auth, self.redact = base_url, HeaderAuth("X-Toy-Key", "toy"), Redactor()

    @classmethod
    def status(cls, value: object) -> str:
        if value in STATES:
            return str(value)
        raise ValueError(f"{value!r} is not a toy status")

    def cancel(self, ref: TaskRef, strict: bool) -> Operation[CancelResult]:
        request = {"method": "POST", "url": f"/toy/jobs/{quote(ref.task_id, safe='')}/cancel"}
        result = functools.partial(cancel_result, ref=ref, success=200, json=True, strict=strict)
        return Operation("cancel", request, frozenset({200, 409}), result)

    def get(self, ref: TaskRef) -> Operation[Task]:
        request = {"method": "GET", "url": f"/toy/jobs/{quote(ref.task_id, safe='')}"}
        return Operation("get", request, frozenset({200}), lambda answer: _task(answer.data()))

    def listing(self) -> Listing:
        def page(number: int) -> Operation[Page]:
            request = {"method": "GET", "url": "/toy/jobs", "params": {"page": number}}
            return Operation("list", request, frozenset({200}), functools.partial(_page, number))

        return (1, page)


def _page(number: int, answer: Answer) -> Page:
    tasks, problems = read_items(answer.data(), "jobs", _task)
    return Page(tasks, problems, more=len(tasks) + len(problems) == 2)


class _ToyClient(ClientBase[L, H]):
    def __init__(self, base_url: str | None = None, *, timeout: float = 30.0, max_retries: int = 2,
                 http_client: H | None = None) -> None:  # fmt: skip
        import os

        provider = ToyProvider(base_url or os.environ.get("TOY_BASE_URL") or "http://toy.invalid")
        super().__init__(provider, timeout=timeout, max_retries=max_retries, http_client=http_client)

    def tasks(self, *, status: Iterable[str] | None = None, active: bool = False) -> L:
        """Every job once; `status` and `active` filter here (the toy's list takes no filter)."""
        wanted = {ToyProvider.status(s) for s in status or ()}

        def keep(task: Task) -> bool:
            return (not wanted or task.status in wanted) and not (active and task.final)

        provider: ToyProvider = self._core.provider  # type: ignore[assignment]
        return self._list([provider.listing()], keep)


class Toy(_ToyClient[Iterator[Task], httpx.Client], SyncProviderClient):
    """Cancel toy jobs."""


class AsyncToy(_ToyClient[AsyncIterator[Task], httpx.AsyncClient], AsyncProviderClient):
    """Cancel toy jobs from async code."""


PROVIDER = ToyProvider
CLIENTS = (Toy, AsyncToy)
