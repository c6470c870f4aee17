"""Gcore Streaming: `POST /streaming/ai/tasks/{task_id}/cancel` with `Authorization: apikey <key>`."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, ClassVar, cast

import httpx

from aitasks_gcore_api.api.ai import post_ai_tasks_cancel
from aitasks_gcore_api.client import Client as Generated
from aitasks_gcore_api.models.ai_post_response_error import AiPostResponseError
from aitasks_gcore_api.models.ai_post_response_result import AiPostResponseResult
from aitasks_gcore_api.models.streaming_error import StreamingError
from aitasks_gcore_api.models.upgraderequired import Upgraderequired

from .._auth import HeaderAuth
from .._config import check_secret, check_url, from_env
from .._core import AsyncProviderClient, Operation, Provider, SyncProviderClient
from .._errors import ConfigurationError, FeatureDisabled, TaskAlreadyFinished
from .._refs import TaskRef
from .._results import CancelResult, cancel_result
from .._text import Redactor
from .._wire import AsyncSender, Sender

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .._errors import APIError

__all__ = ["AsyncGcore", "Gcore", "GcoreProvider"]

DEFAULT_BASE_URL = "https://api.gcore.com"


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

    def fields(self, parsed: object) -> tuple[str | None, str | None]:
        if isinstance(parsed, AiPostResponseResult):
            text: object = parsed.result
        elif isinstance(parsed, (AiPostResponseError, StreamingError, Upgraderequired)):
            text = parsed.error
        else:
            return None, None
        return None, text if isinstance(text, str) else None


class Gcore(SyncProviderClient):
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


class AsyncGcore(AsyncProviderClient):
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
