"""Gcore Streaming AI tasks (`/streaming/ai/tasks`): cancel, get and list, with `Authorization: apikey <key>`."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Iterable, Iterator
from enum import Enum
from typing import TYPE_CHECKING, ClassVar, cast

import httpx

from aitasks_gcore_api.api.ai import get_ai_task, get_ai_tasks_list, post_ai_tasks_cancel
from aitasks_gcore_api.client import Client as Generated
from aitasks_gcore_api.models.ai_post_response_error import AiPostResponseError
from aitasks_gcore_api.models.ai_post_response_result import AiPostResponseResult
from aitasks_gcore_api.models.ai_results import AiResults
from aitasks_gcore_api.models.ai_task_base import AiTaskBase
from aitasks_gcore_api.models.ai_tasks_list import AiTasksList
from aitasks_gcore_api.models.badrequest import Badrequest
from aitasks_gcore_api.models.get_ai_tasks_list_status import GetAiTasksListStatus
from aitasks_gcore_api.models.get_ai_tasks_list_task_name import GetAiTasksListTaskName
from aitasks_gcore_api.models.notfound import Notfound
from aitasks_gcore_api.models.streaming_error import StreamingError
from aitasks_gcore_api.models.upgraderequired import Upgraderequired
from aitasks_gcore_api.types import UNSET, Unset

from .._auth import HeaderAuth
from .._clients import AsyncProviderClient, ClientBase, L, SyncProviderClient
from .._config import check_secret, check_url, from_env
from .._core import Call, Listing, Operation, Provider
from .._errors import ConfigurationError, FeatureDisabled, TaskAlreadyFinished
from .._refs import TaskRef
from .._results import CancelResult, cancel_result
from .._tasks import Page, Task, TaskState
from .._text import Redactor
from .._wire import AsyncSender, Sender

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .._errors import APIError

__all__ = ["AsyncGcore", "Gcore", "GcoreProvider"]

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


def _value(value: object) -> str | None:
    """An open enum's value as received (the generated models keep unknown values as plain strings)."""
    if isinstance(value, Enum):
        return str(value.value)
    return value if isinstance(value, str) else None


def _task(ref: TaskRef, model: AiTaskBase | AiResults) -> Task:
    status = _value(model.status)
    progress = model.progress if isinstance(model.progress, int) else None
    times = model.processing_time if isinstance(model, AiResults) else UNSET
    started = times.started_at if not isinstance(times, Unset) else None
    finished = times.completed_at if not isinstance(times, Unset) else None
    return Task(
        ref,
        TaskState.of(status, STATES),
        status,
        progress=progress,
        type=_value(model.task_name),
        started_at=started if isinstance(started, str) else None,
        finished_at=finished if isinstance(finished, str) else None,
    )


def _generated(exchange: Sender | AsyncSender) -> Generated:
    """Our exchange as the generated functions' client: they only call `get_(async_)httpx_client().request`."""
    return cast(Generated, exchange)


class GcoreProvider(Provider):
    """Gcore answers 202 when it cancelled the task and 412 when the task had already finished."""

    name = "gcore"
    errors: ClassVar[Mapping[int, type[APIError]]] = {412: TaskAlreadyFinished, 422: FeatureDisabled}
    # Documented for POST calls: 400 "Queue limit reached (100), try later" is a temporary limit, not a bad request.
    queue_limit = (400, "queue limit reached")

    def __init__(self, api_key: str | None, base_url: str | None) -> None:
        key, source = from_env(api_key, "api_key", "GCORE_API_KEY")
        if key is None:
            raise ConfigurationError("no Gcore API key: pass api_key= or set GCORE_API_KEY")
        check_secret(key, source)
        bare = key[7:].strip() if key[:7].lower() == "apikey " else key
        if not bare:
            raise ConfigurationError(f"{source} holds only the word 'apikey'")
        self.auth = HeaderAuth("Authorization", f"apikey {bare}")
        self.redact = Redactor(bare)
        url, url_source = from_env(base_url, "base_url", "GCORE_BASE_URL")
        self.base_url = check_url(url or DEFAULT_BASE_URL, url_source)

    def ref(self, value: str | TaskRef) -> TaskRef:
        return TaskRef.parse(value, "gcore")

    def cancel(self, ref: TaskRef, strict: bool) -> Operation[CancelResult]:
        task_id = ref.task_id
        return Operation(
            "cancel",
            lambda c: post_ai_tasks_cancel.sync_detailed(task_id, client=_generated(c)),
            lambda c: post_ai_tasks_cancel.asyncio_detailed(task_id, client=_generated(c)),
            answers=frozenset({202, 412}),
            result=functools.partial(cancel_result, ref=ref, success=202, json=True, strict=strict),
        )

    def get(self, ref: TaskRef) -> Operation[Task]:
        task_id = ref.task_id
        return Operation(
            "get",
            lambda c: get_ai_task.sync_detailed(task_id, client=_generated(c)),
            lambda c: get_ai_task.asyncio_detailed(task_id, client=_generated(c)),
            answers=frozenset({200}),
            result=lambda call: _task(ref, call.model(AiResults)),
        )

    def listings(self, statuses: Iterable[str], task_name: str | None, search: str | None) -> list[tuple[int, Listing]]:
        """One listing per status asked for (the API filters by one), or one of every task; pages count from 1."""
        name = cast(GetAiTasksListTaskName, GetAiTasksListTaskName.parse(task_name)) if task_name else UNSET
        text = search if search is not None else UNSET
        wanted: list[GetAiTasksListStatus | Unset] = [
            cast(GetAiTasksListStatus, GetAiTasksListStatus.parse(s)) for s in statuses
        ] or [UNSET]
        return [(1, functools.partial(self._page, status=s, task_name=name, search=text)) for s in wanted]

    def _page(
        self,
        number: int,
        *,
        status: GetAiTasksListStatus | Unset,
        task_name: GetAiTasksListTaskName | Unset,
        search: str | Unset,
    ) -> Operation[Page]:
        send = functools.partial(
            get_ai_tasks_list.sync_detailed, task_name=task_name, status=status, search=search, page=number,
            limit=PAGE_SIZE,
        )  # fmt: skip
        asend = functools.partial(
            get_ai_tasks_list.asyncio_detailed, task_name=task_name, status=status, search=search, page=number,
            limit=PAGE_SIZE,
        )  # fmt: skip
        return Operation(
            "list",
            lambda c: send(client=_generated(c)),
            lambda c: asend(client=_generated(c)),
            answers=frozenset({200}),
            result=self._read_page,
        )

    def _read_page(self, call: Call[Page]) -> Page:
        model = call.model(AiTasksList)
        results = model.results if not isinstance(model.results, Unset) else []
        tasks = [_task(TaskRef("gcore", str(item.task_id)), item) for item in results if item.task_id]
        return Page(tasks, more=bool(results) and isinstance(model.next_, str) and bool(model.next_))

    def fields(self, parsed: object) -> tuple[str | None, str | None]:
        if isinstance(parsed, AiPostResponseResult):
            text: object = parsed.result
        elif isinstance(parsed, (AiPostResponseError, StreamingError, Upgraderequired, Notfound, Badrequest)):
            text = parsed.error
        else:
            return None, None
        return None, text if isinstance(text, str) else None


class _GcoreTasks(ClientBase[L]):
    """`tasks()`, written once for the blocking and the asyncio client."""

    def tasks(
        self,
        *,
        status: str | Iterable[str] | None = None,
        task_name: str | None = None,
        search: str | None = None,
        active: bool = False,
    ) -> L:
        """Every task, lazily over all pages; `status` (one or several), `task_name` and `search` filter on Gcore,
        `active` keeps those not in a final state."""
        provider: GcoreProvider = self._core.provider  # type: ignore[assignment]
        return self._listing(provider.listings(_statuses(status), task_name, search), active)


class Gcore(_GcoreTasks[Iterator[Task]], SyncProviderClient):
    """Cancel Gcore Streaming AI tasks: `Gcore().cancel("TASK_ID")`."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float = 30.0,
        max_retries: int = 2,
        http_client: httpx.Client | None = None,
    ) -> None:
        provider = GcoreProvider(api_key, base_url)
        super().__init__(provider, timeout=timeout, max_retries=max_retries, http_client=http_client)


class AsyncGcore(_GcoreTasks[AsyncIterator[Task]], AsyncProviderClient):
    """Cancel Gcore Streaming AI tasks from async code: `await AsyncGcore().cancel("TASK_ID")`."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float = 30.0,
        max_retries: int = 2,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        provider = GcoreProvider(api_key, base_url)
        super().__init__(provider, timeout=timeout, max_retries=max_retries, http_client=http_client)


def _statuses(status: str | Iterable[str] | None) -> list[str]:
    """One status or several; each a non-empty string (Gcore's are words such as PENDING)."""
    values = [status] if isinstance(status, str) else list(status or ())
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"a Gcore status is a word such as PENDING, got {value!r}")
    return [value.strip() for value in values]
