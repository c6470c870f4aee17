"""ModelArts intelligent tasks (`/v2/{project_id}/datasets/{dataset_id}/tasks`): stop, get and list, token or AK/SK."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Iterable, Iterator
from enum import Enum
from typing import cast

import httpx

from aitasks_modelarts_api.api.dataset_management import auto_annotation_progress, list_tasks, stop_auto_annotation
from aitasks_modelarts_api.client import Client as Generated
from aitasks_modelarts_api.models.auto_annotation_progress_response import AutoAnnotationProgressResponse
from aitasks_modelarts_api.models.error import Error
from aitasks_modelarts_api.models.list_tasks_response import ListTasksResponse
from aitasks_modelarts_api.models.running_task import RunningTask
from aitasks_modelarts_api.types import UNSET, Unset

from .._auth import AKSKAuth, HeaderAuth, RequestAuth
from .._clients import AsyncProviderClient, ClientBase, L, SyncProviderClient
from .._config import check_project_id, check_secret, check_url, from_env
from .._core import Call, Listing, Operation, Provider
from .._errors import ConfigurationError
from .._refs import TaskRef
from .._results import CancelResult, cancel_result
from .._tasks import Page, Task, TaskState
from .._text import Redactor
from .._wire import AsyncSender, Sender

__all__ = ["AsyncModelArts", "ModelArts", "ModelArtsProvider"]

PAGE_SIZE = 100  # tasks per page of a listing: the most the list page allows (1-100)

# The task details page's status "Options:" list.
STATES: dict[str | int, TaskState] = {
    -1: TaskState.QUEUED,  # queuing
    0: TaskState.QUEUED,  # initializing
    1: TaskState.RUNNING,  # running
    2: TaskState.FAILED,  # failed
    3: TaskState.SUCCEEDED,  # succeeded
    4: TaskState.STOPPING,  # stopping
    5: TaskState.CANCELLED,  # stopped
}


def _known(value: object) -> object:
    """A value as received: an open enum's member becomes its plain value, UNSET becomes None."""
    if isinstance(value, Enum):
        return value.value
    return None if isinstance(value, Unset) else value


def _task(ref: TaskRef, model: AutoAnnotationProgressResponse | RunningTask) -> Task:
    status, progress = _known(model.status), _known(model.progress)
    kind = _known(model.type_) if isinstance(model, RunningTask) else None
    name, created = _known(model.task_name), _known(model.create_time)
    return Task(
        ref,
        TaskState.of(status, STATES),
        status if isinstance(status, (int, str)) and not isinstance(status, bool) else None,
        progress=float(progress) if isinstance(progress, (int, float)) and not isinstance(progress, bool) else None,
        name=name if isinstance(name, str) else None,
        type=kind if isinstance(kind, (int, str)) and not isinstance(kind, bool) else None,
        created_at=created if isinstance(created, str) else None,
    )


def _generated(exchange: Sender | AsyncSender) -> Generated:
    """Our exchange as the generated functions' client: they only call `get_(async_)httpx_client().request`."""
    return cast(Generated, exchange)


class ModelArtsProvider(Provider):
    """ModelArts answers 204 when it stopped the task; it documents no "already finished" status."""

    name = "modelarts"

    def __init__(
        self,
        *,
        endpoint: str | None,
        project_id: str | None,
        token: str | None,
        access_key: str | None,
        secret_key: str | None,
        security_token: str | None,
    ) -> None:
        url, url_source = from_env(endpoint, "endpoint", "MODELARTS_ENDPOINT")
        if url is None:
            raise ConfigurationError(
                "no ModelArts endpoint: pass endpoint= or set MODELARTS_ENDPOINT "
                "(e.g. https://modelarts.eu-de.otc.t-systems.com)"
            )
        self.base_url = check_url(url, url_source)
        project, project_source = from_env(
            project_id, "project_id", "MODELARTS_PROJECT_ID", "HUAWEICLOUD_SDK_PROJECT_ID"
        )
        if project is None:
            raise ConfigurationError(
                "no ModelArts project id: pass project_id= or set MODELARTS_PROJECT_ID (or HUAWEICLOUD_SDK_PROJECT_ID)"
            )
        self.project_id = check_project_id(project, project_source)
        self.auth, self.redact = self._credentials(token, access_key, secret_key, security_token)

    def _credentials(
        self, token: str | None, access_key: str | None, secret_key: str | None, security_token: str | None
    ) -> tuple[RequestAuth, Redactor]:
        """Explicit arguments win over the environment; a token wins over AK/SK at the same level."""
        explicit_aksk = access_key is not None or secret_key is not None
        if token is None and not explicit_aksk:
            token, token_source = from_env(None, "token", "MODELARTS_TOKEN")
        else:
            token_source = "the token= argument"
        if token is not None:
            check_secret(token, token_source)
            return HeaderAuth("X-Auth-Token", token), Redactor(token)
        ak, ak_source = from_env(access_key, "access_key", "HUAWEICLOUD_SDK_AK")
        sk, sk_source = from_env(secret_key, "secret_key", "HUAWEICLOUD_SDK_SK")
        if ak is None and sk is None:
            raise ConfigurationError(
                "no ModelArts credentials: pass token= or access_key=/secret_key=, or set MODELARTS_TOKEN "
                "or HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK"
            )
        if ak is None:
            raise ConfigurationError(
                "a secret key is set but no access key: pass access_key= or set HUAWEICLOUD_SDK_AK"
            )
        if sk is None:
            raise ConfigurationError(
                "an access key is set but no secret key: pass secret_key= or set HUAWEICLOUD_SDK_SK"
            )
        check_secret(ak, ak_source)
        check_secret(sk, sk_source)
        # Temporary credentials come as a set: explicit keys never pick up a session token from the environment.
        if explicit_aksk:
            sec, sec_source = security_token, "the security_token= argument"
        else:
            sec, sec_source = from_env(security_token, "security_token", "HUAWEICLOUD_SDK_SECURITY_TOKEN")
        if sec is not None:
            check_secret(sec, sec_source)
        auth = AKSKAuth(ak, sk, self.project_id, sec)
        return auth, Redactor(sk, sec)

    def ref(self, value: str | TaskRef) -> TaskRef:
        return TaskRef.parse(value, "modelarts")

    def cancel(self, ref: TaskRef, strict: bool) -> Operation[CancelResult]:
        args = (self.project_id, ref.dataset_id or "", ref.task_id)
        return Operation(
            "stop",
            lambda c: stop_auto_annotation.sync_detailed(*args, client=_generated(c)),
            lambda c: stop_auto_annotation.asyncio_detailed(*args, client=_generated(c)),
            answers=frozenset({204}),
            result=functools.partial(cancel_result, ref=ref, success=204, json=False, strict=strict),
        )

    def get(self, ref: TaskRef) -> Operation[Task]:
        args = (self.project_id, ref.dataset_id or "", ref.task_id)
        return Operation(
            "get",
            lambda c: auto_annotation_progress.sync_detailed(*args, client=_generated(c)),
            lambda c: auto_annotation_progress.asyncio_detailed(*args, client=_generated(c)),
            answers=frozenset({200}),
            result=lambda call: _task(ref, call.model(AutoAnnotationProgressResponse)),
        )

    def listings(
        self, dataset_id: str, statuses: Iterable[int], type_: str | None, task_name: str | None
    ) -> list[tuple[int, Listing]]:
        """The dataset's tasks (`type` and `task_name` filter on ModelArts, statuses here); pages count from 0.

        Without a type ModelArts lists auto labeling tasks only, so auto grouping tasks are a second listing.
        """
        types: list[str | Unset] = [UNSET, "auto-grouping"] if type_ is None else [type_]
        name = task_name or UNSET
        return [(0, functools.partial(self._page, dataset_id, frozenset(statuses), kind, name)) for kind in types]

    def _page(
        self, dataset_id: str, statuses: frozenset[int], type_: str | Unset, task_name: str | Unset, number: int
    ) -> Operation[Page]:
        # `offset` is the page number, from 0: the page calls it "Start page for pagination display".
        args = (self.project_id, dataset_id)
        send = functools.partial(
            list_tasks.sync_detailed, *args, offset=number, limit=PAGE_SIZE, type_=type_, task_name=task_name
        )
        asend = functools.partial(
            list_tasks.asyncio_detailed, *args, offset=number, limit=PAGE_SIZE, type_=type_, task_name=task_name
        )
        return Operation(
            "list",
            lambda c: send(client=_generated(c)),
            lambda c: asend(client=_generated(c)),
            answers=frozenset({200}),
            result=functools.partial(self._read_page, dataset_id, statuses, number),
        )

    def _read_page(self, dataset_id: str, statuses: frozenset[int], number: int, call: Call[Page]) -> Page:
        model = call.model(ListTasksResponse)
        items = model.tasks if not isinstance(model.tasks, Unset) else []
        tasks = [
            _task(TaskRef("modelarts", item.task_id, dataset_id=dataset_id), item)
            for item in items
            if isinstance(item.task_id, str) and item.task_id
        ]
        if statuses:
            tasks = [task for task in tasks if task.status in statuses]
        total = model.total_count if isinstance(model.total_count, int) else None
        return Page(tasks, more=bool(items) and (total is None or (number + 1) * PAGE_SIZE < total))

    def fields(self, parsed: object) -> tuple[str | None, str | None]:
        if not isinstance(parsed, Error):
            return None, None
        code = parsed.error_code if isinstance(parsed.error_code, str) else None
        for text in (parsed.error_msg, parsed.error_message):
            if isinstance(text, str):
                return code, text
        return code, None


class _ModelArtsTasks(ClientBase[L]):
    """`tasks()`, written once for the blocking and the asyncio client."""

    def tasks(
        self,
        dataset_id: str,
        *,
        status: int | Iterable[int] | None = None,
        type: str | None = None,
        task_name: str | None = None,
        active: bool = False,
    ) -> L:
        """Every task of the dataset, lazily over all pages; `type` and `task_name` filter on ModelArts,
        `status` (one or several of -1..5) and `active` (not in a final state) here."""
        provider: ModelArtsProvider = self._core.provider  # type: ignore[assignment]
        return self._listing(provider.listings(_dataset(dataset_id), _statuses(status), type, task_name), active)


class ModelArts(_ModelArtsTasks[Iterator[Task]], SyncProviderClient):
    """Stop ModelArts intelligent tasks: `ModelArts().cancel("DATASET_ID/TASK_ID")`."""

    def __init__(
        self,
        *,
        endpoint: str | None = None,
        project_id: str | None = None,
        token: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        security_token: str | None = None,
        timeout: float = 30.0,
        max_retries: int = 2,
        http_client: httpx.Client | None = None,
    ) -> None:
        provider = ModelArtsProvider(
            endpoint=endpoint,
            project_id=project_id,
            token=token,
            access_key=access_key,
            secret_key=secret_key,
            security_token=security_token,
        )
        super().__init__(provider, timeout=timeout, max_retries=max_retries, http_client=http_client)


class AsyncModelArts(_ModelArtsTasks[AsyncIterator[Task]], AsyncProviderClient):
    """Stop ModelArts intelligent tasks from async code: `await AsyncModelArts().cancel("DATASET_ID/TASK_ID")`."""

    def __init__(
        self,
        *,
        endpoint: str | None = None,
        project_id: str | None = None,
        token: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        security_token: str | None = None,
        timeout: float = 30.0,
        max_retries: int = 2,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        provider = ModelArtsProvider(
            endpoint=endpoint,
            project_id=project_id,
            token=token,
            access_key=access_key,
            secret_key=secret_key,
            security_token=security_token,
        )
        super().__init__(provider, timeout=timeout, max_retries=max_retries, http_client=http_client)


def _dataset(dataset_id: str) -> str:
    """A dataset id travels as one path segment, like a ref's."""
    return TaskRef("modelarts", "-", dataset_id=dataset_id).dataset_id or ""


def _statuses(status: int | Iterable[int] | None) -> list[int]:
    """One status or several, each an integer (the API's statuses are -1..5; others are kept, not refused)."""
    values = [status] if isinstance(status, int) else list(status or ())
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"a ModelArts status is an integer such as 1 (running), got {value!r}")
    return values
