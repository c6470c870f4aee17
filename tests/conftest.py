"""Shared fixtures: a scripted loopback server, and one "target" per provider x auth x I/O style."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import settings

import aitasks
from aitasks._core import no_backoff
from aitasks.testing import FakeCloud

from scripted_server import Recorded, Reply, ScriptedServer, json_reply


def pytest_report_header() -> str:
    return f"httpx {httpx.__version__}"


# No test asserts on time (speed lives in `make bench`): Hypothesis' per-example deadline is off everywhere, so a
# loaded machine cannot fail a property test (it did: DeadlineExceeded on the ModelArts refs round trip).
settings.register_profile("aitasks", deadline=None)
settings.load_profile("aitasks")

pytest_plugins = ["spec_check"]  # the `root` fixture of the check-specs tests

GCORE_KEY = "gk-0123456789abcdef"
MA_TOKEN = "ma-token-0123456789abcdef"
MA_AK = "AKEXAMPLE0123456789"
MA_SK = "SKEXAMPLE0123456789abcdefghij"
MA_PROJECT = "0123456789abcdef0123456789abcdef"
SECRETS = (GCORE_KEY, MA_TOKEN, MA_SK)


# Test modules that need the dev extra's tools (the pinned generator, spec validators, the signing oracle, build,
# schemathesis); `pytest --runtime-only` leaves them out, to test the library on Python 3.10, where the pinned
# openapi-python-client 0.29.1 does not install.
DEV_TOOL_TESTS = frozenset(
    {
        "test_bench_harness.py",
        "test_check_gcore.py",
        "test_check_generated.py",
        "test_check_modelarts.py",
        "test_check_models.py",
        "test_check_specs.py",
        "test_fake_conformance.py",
        "test_fake_gcore_sdk.py",
        "test_gcore_slice.py",
        "test_open_enums.py",
        "test_docs_examples.py",
        "test_rst_tables.py",
        "test_sdk_bodies.py",
        "test_signing.py",
        "test_spec_diff.py",
        "test_update_specs.py",
        "test_wheel.py",
        "test_workflow.py",
    }
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--runtime-only",
        action="store_true",
        help="skip the test modules that need the dev extra's tools (for Python versions they do not support)",
    )


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if config.getoption("--runtime-only") and collection_path.name in DEV_TOOL_TESTS:
        return True
    return None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "backoff: run with real retry waits (the default test mode skips them)")
    # `make pytest-httpx-other` puts another httpx first on the path: make sure it is the one imported.
    expected = os.environ.get("AITASKS_EXPECT_HTTPX")
    if expected and httpx.__version__ != expected:
        raise pytest.UsageError(f"expected httpx {expected}, imported {httpx.__version__} from {httpx.__file__}")


@pytest.fixture(autouse=True)
def _no_backoff(request: pytest.FixtureRequest) -> Iterator[None]:
    """Retries happen at once in tests, unless a test is marked `backoff`."""
    if request.node.get_closest_marker("backoff"):
        yield
        return
    with no_backoff():
        yield


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's real credentials."""
    for name in (
        "GCORE_API_KEY",
        "GCORE_BASE_URL",
        "MODELARTS_ENDPOINT",
        "MODELARTS_PROJECT_ID",
        "MODELARTS_TOKEN",
        "HUAWEICLOUD_SDK_PROJECT_ID",
        "HUAWEICLOUD_SDK_AK",
        "HUAWEICLOUD_SDK_SK",
        "HUAWEICLOUD_SDK_SECURITY_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)


class FakeCloudBackend:
    """Plays scripted replies through FakeCloud's fault injection, so the suite also runs against the fake."""

    def __init__(self, fake: FakeCloud) -> None:
        self.fake = fake
        self.url = fake.base_url
        fake.add_gcore_task("task-1")
        fake.add_modelarts_task("ds-1", "task-1")

    def script(self, *replies: Reply) -> None:
        for reply in replies:
            if reply.drop:
                self.fake.drop_next(delay=reply.delay)
            else:
                self.fake.fail_next(reply.status, body=reply.body, headers=reply.headers, delay=reply.delay)

    @property
    def requests(self) -> list[Recorded]:
        return [
            Recorded(r.method, r.raw_path, {k.lower(): v for k, v in r.headers.raw_items()}, r.body)
            for r in self.fake.requests
        ]


@pytest.fixture
def scripted() -> Iterator[ScriptedServer]:
    """For replies no HTTP server library will send (1xx finals, statuses past 599): bytes on a socket."""
    with ScriptedServer() as srv:
        yield srv


@pytest.fixture(params=["scripted", "fake-cloud"])
def server(request: pytest.FixtureRequest) -> Iterator[ScriptedServer | FakeCloudBackend]:
    """The conformance suite's server: the byte-exact scripted one, and FakeCloud driven by its faults."""
    if request.param == "scripted":
        with ScriptedServer() as srv:
            yield srv
        return
    fake_cloud = FakeCloud(
        gcore_api_key=GCORE_KEY, project_id=MA_PROJECT, token=MA_TOKEN, access_key=MA_AK, secret_key=MA_SK
    )
    with fake_cloud as fake:
        yield FakeCloudBackend(fake)


# The transports aitasks may pick for the HTTP client an async client owns (see aitasks._transport): aiohttp's pool
# when the `aiohttp` extra is installed, httpx's own when it is not. Async targets run on each one available.
ASYNC_TRANSPORTS = ["httpx"] + (["aiohttp"] if importlib.util.find_spec("httpx_aiohttp") else [])


@contextlib.contextmanager
def async_transport(name: str) -> Iterator[None]:
    """Clients built inside pick the named transport: "httpx" hides the `aiohttp` extra, as if not installed."""
    assert name in ASYNC_TRANSPORTS, name
    with pytest.MonkeyPatch.context() as patch:
        if name == "httpx":
            patch.setitem(sys.modules, "httpx_aiohttp", None)  # `import httpx_aiohttp` raises ImportError
            patch.delitem(sys.modules, "aitasks._aiohttp", raising=False)  # so importing it runs (and fails) again
        yield


@pytest.fixture(params=ASYNC_TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> Iterator[str]:
    """Each transport an owned async client may use; clients built in the test pick it."""
    with async_transport(request.param):
        yield request.param


@dataclass
class Target:
    """One provider x credentials x sync/async combination, driven through the same few calls."""

    name: str
    provider: str
    auth: str
    is_async: bool
    ref: str
    path: str
    success: Reply
    documented: dict[int, tuple[type[aitasks.APIError], Reply]]
    # For async targets, the transport the owned client picks; "given": the caller's own httpx client (sync or
    # async), which aitasks sends through (its `send`) where it sends straight to an owned client's transport.
    transport: str = "httpx"

    def client(self, base_url: str, **kwargs: Any) -> Any:
        with async_transport("httpx" if self.transport == "given" else self.transport):
            client = self._client(base_url, **kwargs)
        # The parametrization is real: the owned client picked that transport.
        if self.is_async and "http_client" not in kwargs and self.transport != "given":
            # test-only peek at httpx's private transport: which pool the owned client was built on
            picked = "aiohttp" if type(client._core.http._transport).__name__ == "_Mapped" else "httpx"
            assert picked == self.transport, (picked, self.transport)
        return client

    def _client(self, base_url: str, **kwargs: Any) -> Any:
        if self.provider == "gcore":
            cls: Any = aitasks.AsyncGcore if self.is_async else aitasks.Gcore
            return cls(GCORE_KEY, base_url=base_url, **kwargs)
        cls = aitasks.AsyncModelArts if self.is_async else aitasks.ModelArts
        creds: dict[str, str] = (
            {"token": MA_TOKEN} if self.auth == "token" else {"access_key": MA_AK, "secret_key": MA_SK}
        )
        return cls(endpoint=base_url, project_id=MA_PROJECT, **creds, **kwargs)

    def cancel(
        self, base_url: str, ref: Any = None, *, on_pause: Callable[[float], None] | None = None, **kwargs: Any
    ) -> aitasks.CancelResult:
        """Cancel through a fresh client (closed afterwards), sync or async.

        `on_pause`: the client's pauses between attempts are handed to it, when taken, instead of slept.
        """
        strict = kwargs.pop("strict", False)
        target_ref = self.ref if ref is None else ref
        given = self.transport == "given" and "http_client" not in kwargs
        callers = given or "http_client" in kwargs  # a caller's client: requests go through its own send
        if not self.is_async:
            with httpx.Client() if given else contextlib.nullcontext() as http:
                client = self.client(base_url, **kwargs, **({"http_client": http} if given else {}))
                assert client._core.owns_http is not callers  # which way the request goes
                _record_pauses(client, on_pause)
                with client:
                    result: aitasks.CancelResult = client.cancel(target_ref, strict=strict)
                    return result

        async def run() -> aitasks.CancelResult:
            async with httpx.AsyncClient() if given else contextlib.nullcontext() as http:
                client = self.client(base_url, **kwargs, **({"http_client": http} if given else {}))
                assert client._core.owns_http is not callers
                _record_pauses(client, on_pause)
                async with client:
                    value: aitasks.CancelResult = await client.cancel(target_ref, strict=strict)
                    return value

        return asyncio.run(run())

    def check_auth(self, headers: dict[str, str]) -> None:
        if self.provider == "gcore":
            assert headers["authorization"] == f"apikey {GCORE_KEY}"
        elif self.auth == "token":
            assert headers["x-auth-token"] == MA_TOKEN
            assert "authorization" not in headers
        else:
            assert headers["authorization"].startswith(f"SDK-HMAC-SHA256 Access={MA_AK}, SignedHeaders=")
            assert headers["x-project-id"] == MA_PROJECT
            assert len(headers["x-sdk-date"]) == 16


def _record_pauses(client: Any, on_pause: Callable[[float], None] | None) -> None:
    """Hand the client's pauses between attempts to `on_pause` instead of sleeping them (test-only: its core's sleep).

    The async pause counts only once awaited, so a pause the driver never took is not recorded as taken.
    """
    if on_pause is None:
        return
    if isinstance(client._core.http, httpx.AsyncClient):

        async def pause(seconds: float) -> None:
            await asyncio.sleep(0)
            on_pause(seconds)

        client._core.sleep = pause
    else:
        client._core.sleep = on_pause


def _io(is_async: bool, transport: str) -> str:
    if transport == "given":
        return f"{'async' if is_async else 'sync'}-given"
    return f"async-{transport}" if is_async else "sync"


def _gcore(is_async: bool, transport: str = "httpx") -> Target:
    err: Callable[[int, str], Reply] = lambda status, text: json_reply(status, f'{{"error": "{text}"}}')  # noqa: E731
    return Target(
        name=f"gcore-{_io(is_async, transport)}",
        provider="gcore",
        auth="apikey",
        is_async=is_async,
        ref="task-1",
        path="/streaming/ai/tasks/task-1/cancel",
        success=json_reply(202, '{"result": "Task has been cancelled successfully."}', **{"X-Request-Id": "req-1"}),
        documented={
            400: (aitasks.BadRequest, err(400, '"task_id" is not specified')),
            404: (aitasks.TaskNotFound, err(404, "Task not found")),
            412: (aitasks.TaskAlreadyFinished, err(412, "Cannot cancel task because it is already in status REVOKED.")),
            422: (aitasks.FeatureDisabled, err(422, "Feature is disabled. Contact support to enable.")),
        },
        transport=transport,
    )


def _modelarts(auth: str, is_async: bool, transport: str = "httpx") -> Target:
    def err(status: int, code: str, text: str) -> Reply:
        return json_reply(status, f'{{"error_code": "{code}", "error_msg": "{text}"}}')

    return Target(
        name=f"modelarts-{auth}-{_io(is_async, transport)}",
        provider="modelarts",
        auth=auth,
        is_async=is_async,
        ref="ds-1/task-1",
        path=f"/v2/{MA_PROJECT}/datasets/ds-1/tasks/task-1/stop",
        success=Reply(204, headers={"X-Request-Id": "req-1"}),
        documented={
            401: (aitasks.AuthenticationError, err(401, "APIG.1002", "Incorrect token")),
            403: (aitasks.PermissionDenied, err(403, "ModelArts.0203", "Forbidden project")),
            404: (aitasks.TaskNotFound, err(404, "ModelArts.4352", "Dataset not found.")),
        },
        transport=transport,
    )


TARGETS = [
    _gcore(False),
    *(_gcore(True, transport) for transport in ASYNC_TRANSPORTS),
    _modelarts("token", False),
    *(_modelarts("token", True, transport) for transport in ASYNC_TRANSPORTS),
    _modelarts("aksk", False),
    *(_modelarts("aksk", True, transport) for transport in ASYNC_TRANSPORTS),
    # A caller's own httpx client, sync and async, each with the credentials that touch the request most.
    _gcore(False, "given"),
    _modelarts("aksk", True, "given"),
]


@pytest.fixture(params=TARGETS, ids=[t.name for t in TARGETS])
def target(request: pytest.FixtureRequest) -> Target:
    """Every provider x auth x sync/async combination."""
    value: Target = request.param
    return value
