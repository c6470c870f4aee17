"""ModelArts: `POST /v2/{project_id}/datasets/{dataset_id}/tasks/{task_id}/stop`, token or AK/SK signed."""

from __future__ import annotations

import functools
from typing import cast

import httpx

from aitasks_modelarts_api.api.dataset_management import stop_auto_annotation
from aitasks_modelarts_api.client import Client as Generated
from aitasks_modelarts_api.models.error import Error

from .._auth import AKSKAuth, HeaderAuth
from .._config import check_project_id, check_secret, check_url, from_env
from .._core import AsyncProviderClient, Operation, Provider, SyncProviderClient
from .._errors import ConfigurationError
from .._refs import TaskRef
from .._results import CancelResult, cancel_result
from .._text import Redactor
from .._wire import AsyncSender, Sender

__all__ = ["AsyncModelArts", "ModelArts", "ModelArtsProvider"]


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
    ) -> tuple[httpx.Auth, Redactor]:
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

    def fields(self, parsed: object) -> tuple[str | None, str | None]:
        if not isinstance(parsed, Error):
            return None, None
        code = parsed.error_code if isinstance(parsed.error_code, str) else None
        for text in (parsed.error_msg, parsed.error_message):
            if isinstance(text, str):
                return code, text
        return code, None


class ModelArts(SyncProviderClient):
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


class AsyncModelArts(AsyncProviderClient):
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
