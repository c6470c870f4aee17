"""Gcore Streaming AI tasks (`/streaming/ai/tasks`): cancel, get and list, with `Authorization: apikey <key>`."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from typing import Any, ClassVar

import httpx

from aitasks_gcore_api.api.ai import get_ai_task, get_ai_tasks_list, post_ai_tasks_cancel
from aitasks_gcore_api.models.get_ai_tasks_list_task_name import GetAiTasksListTaskName

from .._auth import HeaderAuth
from .._clients import AsyncProviderClient, ClientBase, H, L, SyncProviderClient
from .._config import check_secret, check_url, from_env
from .._core import Answer, Listing, Operation, Provider
from .._errors import APIError, ConfigurationError, FeatureDisabled, TaskAlreadyFinished
from .._refs import TaskRef
from .._results import CancelResult, cancel_result
from .._tasks import Page, Task, TaskState, ident, number, read_items, text, when
from .._text import Redactor

__all__ = ["CLIENTS", "PROVIDER", "AsyncGcore", "Gcore", "GcoreProvider"]

DEFAULT_BASE_URL = "https://api.gcore.com"
PAGE_SIZE = 100  # tasks asked for per page of a listing (the spec's default is 10)

# The vendor's task statuses (ai_task_base.status, and RECEIVED, which the API sends since June 2026).
STATES: dict[str | int, TaskState] = {
    "RECEIVED": TaskState.QUEUED,
    "PENDING": TaskState.QUEUED,
    "STARTED": TaskState.RUNNING,
    "RETRY": TaskState.RUNNING,
    "SUCCESS": TaskState.SUCCEEDED,
    "FAILURE": TaskState.FAILED,
    "REVOKED": TaskState.CANCELLED,
}


def _task(item: Mapping[str, Any], ref: TaskRef | None = None) -> Task:
    """A task from `ai_task_base` / `ai_results` as received: the id kept as text, odd fields left empty."""
    status = item.get("status")
    times = item.get("processing_time")
    times = times if isinstance(times, dict) else {}
    return Task(
        ref or TaskRef("gcore", ident(item, "task_id")),
        TaskState.of(status, STATES),
        status if isinstance(status, (str, int)) and not isinstance(status, bool) else None,
        progress=number(item.get("progress")),
        type=text(item.get("task_name")),
        started_at=when(times.get("started_at")),
        finished_at=when(times.get("completed_at")),
        raw=item,
    )


def _page(number_: int, answer: Answer) -> Page:
    """`ai_tasks_list`: more follows while `next` names a page (or, without a `next` field, while pages are full)."""
    data = answer.data()
    tasks, problems = read_items(data, "results", _task)
    following = data.get("next")
    if "next" in data and (following is None or isinstance(following, str)):
        more = bool(following)
    else:
        more = len(tasks) + len(problems) >= PAGE_SIZE
    return Page(tasks, problems, more)


class GcoreProvider(Provider):
    """Gcore answers 202 when it cancelled the task and 412 when the task had already finished."""

    name = "gcore"
    states = STATES
    variables: ClassVar[Mapping[str, str]] = {
        "GCORE_API_KEY": 'Gcore API key (sent as "Authorization: apikey <key>")',
        "GCORE_BASE_URL": f"Gcore API base URL (default {DEFAULT_BASE_URL})",
    }
    errors: ClassVar[Mapping[int, type[APIError]]] = {412: TaskAlreadyFinished, 422: FeatureDisabled}
    # Documented for POST calls: 400 "Queue limit reached (100), try later" is a temporary limit, not a bad request.
    queue_limit = (400, "queue limit reached")

    def __init__(self, api_key: str | None, base_url: str | None) -> None:
        key, source = from_env(api_key, "api_key", "GCORE_API_KEY")
        if key is None:
            raise ConfigurationError("no Gcore API key: set GCORE_API_KEY (or pass api_key=)")
        check_secret(key, source)
        bare = key[7:].strip() if key[:7].lower() == "apikey " else key
        if not bare:
            raise ConfigurationError(f"{source} holds only the word 'apikey'")
        self.auth = HeaderAuth("Authorization", f"apikey {bare}")
        self.redact = Redactor(bare)
        url, url_source = from_env(base_url, "base_url", "GCORE_BASE_URL")
        self.base_url = check_url(url or DEFAULT_BASE_URL, url_source)

    @classmethod
    def status(cls, value: object) -> str:
        if isinstance(value, str) and value.strip().upper() in STATES:
            return value.strip().upper()
        raise ValueError(f"{value!r} is not a Gcore status; use {','.join(map(str, STATES))}")

    def cancel(self, ref: TaskRef, strict: bool) -> Operation[CancelResult]:
        result = functools.partial(cancel_result, ref=ref, success=202, json=True, strict=strict)
        return Operation("cancel", post_ai_tasks_cancel.request_args(ref.task_id), frozenset({202, 412}), result)

    def get(self, ref: TaskRef) -> Operation[Task]:
        return Operation("get", get_ai_task.request_args(ref.task_id), frozenset({200}), lambda a: _task(a.data(), ref))

    def listings(self, statuses: Iterable[str], task_name: str | None, search: str | None) -> list[Listing]:
        """One listing per status asked for (the API filters by one), or one of every task; pages count from 1."""
        filters: dict[str, Any] = {}
        if task_name is not None:
            filters["task_name"] = GetAiTasksListTaskName.parse(task_name)
        if search is not None:
            filters["search"] = search

        def page(status: str | None, number_: int) -> Operation[Page]:
            args = get_ai_tasks_list.request_args(page=number_, limit=PAGE_SIZE, **filters)
            if status is not None:
                args["params"]["status"] = status
            return Operation("list", args, frozenset({200}), functools.partial(_page, number_))

        wanted: list[str | None] = [*statuses] or [None]
        return [(1, functools.partial(page, status)) for status in wanted]


class _GcoreClient(ClientBase[L, H]):
    """Construction and `tasks()`, written once for the blocking and the asyncio client."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float = 30.0,
        max_retries: int = 2,
        http_client: H | None = None,
    ) -> None:
        provider = GcoreProvider(api_key, base_url)
        super().__init__(provider, timeout=timeout, max_retries=max_retries, http_client=http_client)

    def tasks(
        self,
        *,
        status: str | Iterable[str] | None = None,
        task_name: str | None = None,
        search: str | None = None,
        active: bool = False,
    ) -> L:
        """Every task once, lazily; `status` (one or several), `task_name`, `search` filter on Gcore, `active` here."""
        statuses = [GcoreProvider.status(s) for s in ([status] if isinstance(status, str) else status or ())]
        provider: GcoreProvider = self._core.provider  # type: ignore[assignment]
        listings = provider.listings(statuses, task_name, search)
        return self._list(listings, lambda task: not (active and task.final))


class Gcore(_GcoreClient[Iterator[Task], httpx.Client], SyncProviderClient):
    """Cancel Gcore Streaming AI tasks: `Gcore().cancel("TASK_ID")`."""


class AsyncGcore(_GcoreClient[AsyncIterator[Task], httpx.AsyncClient], AsyncProviderClient):
    """Cancel Gcore Streaming AI tasks from async code: `await AsyncGcore().cancel("TASK_ID")`."""


PROVIDER = GcoreProvider
CLIENTS = (Gcore, AsyncGcore)
