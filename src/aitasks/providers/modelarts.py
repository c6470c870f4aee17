"""ModelArts intelligent tasks (`/v2/{project_id}/datasets/{dataset_id}/tasks`): stop, get and list, token or AK/SK."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from typing import Any, ClassVar

import httpx

from aitasks_modelarts_api.api.dataset_management import (
    auto_annotation_progress,
    list_datasets,
    list_tasks,
    stop_auto_annotation,
)
from aitasks_modelarts_api.types import UNSET, Unset

from .._auth import AKSKAuth, HeaderAuth, RequestAuth
from .._clients import AsyncProviderClient, ClientBase, H, L, SyncProviderClient, pager, scoped
from .._config import check_project_id, check_secret, check_url, from_env
from .._core import Answer, Listing, Operation, Provider
from .._errors import ConfigurationError, InvalidTaskRef
from .._refs import TaskRef
from .._results import CancelResult, cancel_result
from .._tasks import Dataset, Page, Task, TaskState, ident, integer, number, read_items, text, when
from .._text import Redactor

__all__ = ["CLIENTS", "PROVIDER", "AsyncModelArts", "ModelArts", "ModelArtsProvider"]

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


# Which of the access and the secret key is missing -> what to do about it.
_NO_KEYS = {
    (True, True): "no ModelArts credentials: set MODELARTS_TOKEN, or HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK "
    "(or pass token= or access_key=/secret_key=)",
    (True, False): "a secret key is set but no access key: set HUAWEICLOUD_SDK_AK (or pass access_key=)",
    (False, True): "an access key is set but no secret key: set HUAWEICLOUD_SDK_SK (or pass secret_key=)",
}


def _task(item: Mapping[str, Any], ref: TaskRef) -> Task:
    """A task from the details page's body or a list item, as received; odd fields left empty, `raw` keeps them."""
    status = item.get("status")
    return Task(
        ref,
        TaskState.of(status, STATES),
        status if isinstance(status, (str, int)) and not isinstance(status, bool) else None,
        progress=number(item.get("progress")),
        name=text(item.get("task_name")),
        created_at=when(item.get("create_time")),
        raw=item,
    )


def _page(key: str, total_key: str, build: Any, number_: int, answer: Answer) -> Page:
    """Items under `key`: more follow after a full page, or while fewer than the `total_key` count were served."""
    data = answer.data()
    items, problems = read_items(data, key, build)
    served = len(items) + len(problems)
    total = data.get(total_key)
    below_total = isinstance(total, int) and number_ * PAGE_SIZE + served < total
    return Page(items, problems, served > 0 and (served >= PAGE_SIZE or below_total))


def _dataset_of(item: Mapping[str, Any]) -> Dataset:
    dataset_id = ident(item, "dataset_id")
    if "/" in dataset_id:  # a ref's dataset id is one segment before the "/"
        raise InvalidTaskRef("dataset_id: the id contains '/'")
    return Dataset(dataset_id, text(item.get("dataset_name")), raw=item)


class ModelArtsProvider(Provider):
    """ModelArts answers 204 when it stopped the task; it documents no "already finished" status."""

    name = "modelarts"
    scope = "dataset id"
    states = STATES
    variables: ClassVar[Mapping[str, str]] = {
        "MODELARTS_ENDPOINT": "ModelArts endpoint, e.g. https://modelarts.eu-de.otc.t-systems.com",
        "MODELARTS_PROJECT_ID": "ModelArts project id",
        "HUAWEICLOUD_SDK_PROJECT_ID": "ModelArts project id, used when MODELARTS_PROJECT_ID is not set",
        "MODELARTS_TOKEN": "IAM token sent as X-Auth-Token (preferred over AK/SK when both are set)",
        "HUAWEICLOUD_SDK_AK": "access key for AK/SK request signing",
        "HUAWEICLOUD_SDK_SK": "secret key for AK/SK request signing",
        "HUAWEICLOUD_SDK_SECURITY_TOKEN": "security token of temporary AK/SK credentials",
    }

    def __init__(
        self,
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
                "no ModelArts endpoint: set MODELARTS_ENDPOINT (or pass endpoint=), "
                "e.g. https://modelarts.eu-de.otc.t-systems.com"
            )
        self.base_url = check_url(url, url_source)
        project, project_source = from_env(
            project_id, "project_id", "MODELARTS_PROJECT_ID", "HUAWEICLOUD_SDK_PROJECT_ID"
        )
        if project is None:
            raise ConfigurationError(
                "no ModelArts project id: set MODELARTS_PROJECT_ID or HUAWEICLOUD_SDK_PROJECT_ID (or pass project_id=)"
            )
        self.project_id = check_project_id(project, project_source)
        self.auth, self.redact = self._credentials(token, access_key, secret_key, security_token)

    def _credentials(
        self, token: str | None, access_key: str | None, secret_key: str | None, security_token: str | None
    ) -> tuple[RequestAuth, Redactor]:
        """Explicit arguments win over the environment; a token wins over AK/SK at the same level."""
        explicit_aksk = access_key is not None or secret_key is not None
        if token is not None or not explicit_aksk:
            token, token_source = from_env(token, "token", "MODELARTS_TOKEN")
            if token is not None:
                check_secret(token, token_source)
                return HeaderAuth("X-Auth-Token", token), Redactor(token)
        ak, ak_source = from_env(access_key, "access_key", "HUAWEICLOUD_SDK_AK")
        sk, sk_source = from_env(secret_key, "secret_key", "HUAWEICLOUD_SDK_SK")
        if ak is None or sk is None:
            raise ConfigurationError(_NO_KEYS[ak is None, sk is None])
        check_secret(ak, ak_source)
        check_secret(sk, sk_source)
        # Temporary credentials come as a set: explicit keys never pick up a session token from the environment.
        if explicit_aksk:
            sec, sec_source = security_token, "the security_token= argument"
        else:
            sec, sec_source = from_env(security_token, "security_token", "HUAWEICLOUD_SDK_SECURITY_TOKEN")
        if sec is not None:
            check_secret(sec, sec_source)
        return AKSKAuth(ak, sk, self.project_id, sec), Redactor(sk, sec)

    @classmethod
    def status(cls, value: object) -> int:
        number = integer(value)
        if isinstance(number, int) and not isinstance(number, bool) and number in STATES:
            return number
        raise ValueError(f"{value!r} is not a ModelArts status; use integers among {','.join(map(str, STATES))}")

    def cancel(self, ref: TaskRef, strict: bool) -> Operation[CancelResult]:
        args = stop_auto_annotation.request_args(self.project_id, ref.dataset_id or "", ref.task_id)
        result = functools.partial(cancel_result, ref=ref, success=204, json=False, strict=strict)
        return Operation("stop", args, frozenset({204}), result)

    def get(self, ref: TaskRef) -> Operation[Task]:
        args = auto_annotation_progress.request_args(self.project_id, ref.dataset_id or "", ref.task_id)
        return Operation("get", args, frozenset({200}), lambda answer: _task(answer.data(), ref))

    def listings(self, dataset_id: str, type_: str | None, task_name: str | None) -> list[Listing]:
        """Without a `type` ModelArts lists auto labeling tasks only, so auto grouping tasks are a second listing."""
        name = task_name or UNSET

        def build(item: Mapping[str, Any]) -> Task:
            return _task(item, TaskRef("modelarts", ident(item, "task_id"), dataset_id=dataset_id))

        def page(kind: str | Unset, number_: int) -> Operation[Page]:
            # `offset` is the page number, from 0: the page calls it "Start page for pagination display".
            args = list_tasks.request_args(
                self.project_id, dataset_id, offset=number_, limit=PAGE_SIZE, type_=kind, task_name=name
            )
            result = functools.partial(_page, "tasks", "total_count", build, number_)
            return Operation("list", args, frozenset({200}), result)

        kinds: list[str | Unset] = [UNSET, "auto-grouping"] if type_ is None else [type_]
        return [(0, functools.partial(page, kind)) for kind in kinds]

    def datasets(self) -> Listing:
        """The project's datasets (`offset` a page index from 0, as on the task list)."""

        def page(number_: int) -> Operation[Page]:
            args = list_datasets.request_args(self.project_id, offset=number_, limit=PAGE_SIZE)
            result = functools.partial(_page, "datasets", "total_number", _dataset_of, number_)
            return Operation("datasets", args, frozenset({200}), result)

        return (0, page)


class _ModelArtsClient(ClientBase[L, H]):
    """Construction and `tasks()`, written once for the blocking and the asyncio client."""

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
        http_client: H | None = None,
    ) -> None:
        provider = ModelArtsProvider(endpoint, project_id, token, access_key, secret_key, security_token)
        super().__init__(provider, timeout=timeout, max_retries=max_retries, http_client=http_client)

    def datasets(self) -> Any:
        """The project's datasets, lazily over all pages (each once; items without a usable id: IncompleteListing)."""
        provider: ModelArtsProvider = self._core.provider  # type: ignore[assignment]
        return self._list([provider.datasets()])

    def tasks(
        self,
        dataset_id: str | None = None,
        *,
        status: int | Iterable[int] | None = None,
        type: str | None = None,
        task_name: str | None = None,
        active: bool = False,
    ) -> L:
        """Every task of the dataset (or project) once, lazily; `type`, `task_name` filter on ModelArts, others here."""
        values = [status] if isinstance(status, (int, str)) else list(status or ())
        statuses = frozenset(ModelArtsProvider.status(s) for s in values)

        def keep(task: Task) -> bool:
            wanted = not statuses or integer(task.status) in statuses
            return wanted and not (active and task.final)

        provider: ModelArtsProvider = self._core.provider  # type: ignore[assignment]
        if dataset_id is not None:
            return self._list(provider.listings(_dataset(dataset_id), type, task_name), keep)
        projects = pager(self._core, [provider.datasets()])
        return self._listing(scoped(self._core, projects, lambda ds: provider.listings(ds, type, task_name), keep))


class ModelArts(_ModelArtsClient[Iterator[Task], httpx.Client], SyncProviderClient):
    """Stop ModelArts intelligent tasks: `ModelArts().cancel("DATASET_ID/TASK_ID")`."""


class AsyncModelArts(_ModelArtsClient[AsyncIterator[Task], httpx.AsyncClient], AsyncProviderClient):
    """Stop ModelArts intelligent tasks from async code: `await AsyncModelArts().cancel("DATASET_ID/TASK_ID")`."""


def _dataset(dataset_id: str) -> str:
    """A dataset id travels as one path segment, like a ref's."""
    return TaskRef("modelarts", "-", dataset_id=dataset_id).dataset_id or ""


PROVIDER = ModelArtsProvider
CLIENTS = (ModelArts, AsyncModelArts)
