"""FakeCloud: both clouds' task APIs (cancel, get, list) on one loopback base URL, stateful, with faults and a log."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, TypedDict

from ._faults import Fault, FaultTarget, Malformation
from ._gcore import FEATURE_DISABLED
from ._records import RecordedRequest
from ._server import FakeServer
from ._state import CloudState, Config

if TYPE_CHECKING:
    from typing_extensions import Self, Unpack

    import aitasks


DEFAULT_GCORE_API_KEY = "fake-gcore-api-key"
DEFAULT_PROJECT_ID = "0123456789abcdef0123456789abcdef"
DEFAULT_TOKEN = "fake-modelarts-token"
DEFAULT_ACCESS_KEY = "FAKEACCESSKEY0000000"
DEFAULT_SECRET_KEY = "fake-secret-key"

Auth = Literal["token", "aksk"]


class Where(TypedDict, total=False):
    """Which calls a fault applies to, and how many times (default 1); an omitted key matches any call."""

    times: int
    provider: str | None
    task_id: str | None
    dataset_id: str | None
    operation: str | None


class FakeCloud:
    """A real HTTP/1.1 server on loopback that serves the Gcore and ModelArts task APIs from memory.

    Both providers' cancel (stop), get-one-task and paged-list operations, with the statuses, bodies, filters and
    pagination the vendors document. Use it as a context manager (or `start()`/`stop()`); it is thread-safe, so
    sync tests, async tests and the server's own threads can all touch it. Seed tasks with
    `add_gcore_task`/`add_modelarts_task`, read them with `task_status`/`cancel_count`, remove them with
    `delete_task` or `reset`, break calls with `fail_next`/`delay_next`/`drop_next`/`malform_next`, and assert on
    `requests`. A ModelArts stop leaves a task stopping (4) for `modelarts_stop_delay` seconds, then stopped (5).
    """

    def __init__(
        self,
        port: int = 0,
        *,
        host: str = "127.0.0.1",
        gcore_api_key: str = DEFAULT_GCORE_API_KEY,
        project_id: str = DEFAULT_PROJECT_ID,
        token: str = DEFAULT_TOKEN,
        access_key: str = DEFAULT_ACCESS_KEY,
        secret_key: str = DEFAULT_SECRET_KEY,
        security_token: str | None = None,
        modelarts_stop_delay: float = 0.5,
    ) -> None:
        self._address = (host, port)
        config = Config(gcore_api_key, project_id, token, access_key, secret_key, security_token, modelarts_stop_delay)
        self._state = CloudState(config)
        self._server: FakeServer | None = None
        self._thread: threading.Thread | None = None
        self._lifecycle = threading.Lock()

    def __repr__(self) -> str:
        where = self.base_url if self._server is not None else "stopped"
        return f"<FakeCloud {where}>"

    # --- lifecycle -------------------------------------------------------------------------------------------

    def start(self) -> Self:
        """Bind and serve in a background thread; returns self."""
        with self._lifecycle:
            if self._server is not None:
                raise RuntimeError("this FakeCloud is already running")
            server = FakeServer(self._address, self._state)
            thread = threading.Thread(target=server.serve, name="aitasks-fake-cloud", daemon=True)
            thread.start()
            self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Stop serving and close every connection; safe to call twice."""
        with self._lifecycle:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is not None:
            server.close()
        if thread is not None:
            thread.join(timeout=10)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- where and how to call it ----------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port (ephemeral unless one was given)."""
        if self._server is None:
            raise RuntimeError("the FakeCloud is not running; use `with FakeCloud() as fake:` or start()")
        return self._server.server_port

    @property
    def host(self) -> str:
        """The address it listens on."""
        return self._address[0]

    @property
    def base_url(self) -> str:
        """`http://host:port`, the base URL of both APIs."""
        return f"http://{self.host}:{self.port}"

    @property
    def gcore_api_key(self) -> str:
        """The API key the Gcore route accepts."""
        return self._state.config.gcore_api_key

    @property
    def modelarts_stop_delay(self) -> float:
        """Seconds a stopped ModelArts task stays stopping (4) before it is stopped (5)."""
        return self._state.config.modelarts_stop_delay

    @property
    def project_id(self) -> str:
        """The only ModelArts project that exists."""
        return self._state.config.project_id

    @property
    def token(self) -> str:
        """The X-Auth-Token the ModelArts route accepts."""
        return self._state.config.token

    @property
    def access_key(self) -> str:
        """The AK of the accepted AK/SK pair."""
        return self._state.config.access_key

    @property
    def secret_key(self) -> str:
        """The SK of the accepted AK/SK pair."""
        return self._state.config.secret_key

    def env(self) -> dict[str, str]:
        """The seven variables that point the library and the `aitasks` CLI here (eight with a security token)."""
        env = {
            "GCORE_BASE_URL": self.base_url,
            "GCORE_API_KEY": self.gcore_api_key,
            "MODELARTS_ENDPOINT": self.base_url,
            "MODELARTS_PROJECT_ID": self.project_id,
            "MODELARTS_TOKEN": self.token,
            "HUAWEICLOUD_SDK_AK": self.access_key,
            "HUAWEICLOUD_SDK_SK": self.secret_key,
        }
        if self._state.config.security_token is not None:
            env["HUAWEICLOUD_SDK_SECURITY_TOKEN"] = self._state.config.security_token
        return env

    # --- tasks -----------------------------------------------------------------------------------------------

    def add_gcore_task(
        self, task_id: str, status: str = "STARTED", *, task_name: str | None = None, progress: int | None = None
    ) -> None:
        """Create (or reset) a Gcore task: a documented status, task_name (default "transcription") and progress."""
        self.add_task("gcore", task_id, status=status, task_name=task_name, progress=progress)

    def add_modelarts_task(
        self,
        dataset_id: str,
        task_id: str,
        status: int = 1,
        *,
        task_type: str | None = None,
        task_name: str | None = None,
        progress: float | None = None,
    ) -> None:
        """Create (or reset) a ModelArts task: an integer status -1..5, type (default "auto-label"), name, progress.

        Its dataset is created too when it is new."""
        fields = {"status": status, "type": task_type, "task_name": task_name, "progress": progress}
        self.add_task("modelarts", task_id, dataset_id, **fields)

    def add_task(self, provider: str, task_id: str, dataset_id: str | None = None, **fields: Any) -> None:
        """Create (or reset) a task of any registered provider; fields are the control API's (None: default)."""
        given = {name: value for name, value in fields.items() if value is not None}
        self._state.add_task(provider, task_id, dataset_id, given)

    def add_modelarts_dataset(self, dataset_id: str, *, dataset_name: str | None = None) -> None:
        """Create (or rename) a ModelArts dataset without tasks; dataset_name defaults to the id."""
        fields = {} if dataset_name is None else {"dataset_name": dataset_name}
        self._state.add_dataset("modelarts", dataset_id, fields)

    def delete_task(self, provider: str, task_id: str, dataset_id: str | None = None) -> None:
        """Forget a task (calls then answer 404; its dataset stays); KeyError when it does not exist."""
        self._state.delete_task(self._state.key(provider, task_id, dataset_id))

    def reset(self) -> None:
        """Forget every task, dataset, cancel count, queued fault and logged request, and re-enable Gcore."""
        self._state.reset()

    def task_status(self, provider: str, task_id: str, dataset_id: str | None = None) -> str | int:
        """A task's current status (a Gcore string, a ModelArts integer); KeyError when it does not exist."""
        status: str | int = self._state.describe(self._state.key(provider, task_id, dataset_id))["status"]
        return status

    def cancel_count(self, provider: str, task_id: str, dataset_id: str | None = None) -> int:
        """How many calls actually cancelled this task since it was seeded (0 or 1); 0 when it does not exist."""
        try:
            cancels: int = self._state.describe(self._state.key(provider, task_id, dataset_id))["cancels"]
        except KeyError:  # never seeded, or deleted
            return 0
        return cancels

    def set_gcore_feature_disabled(self, disabled: bool = True) -> None:
        """Make every Gcore call (cancel, get, list) answer 422 (the account lacks the AI feature), or undo it."""
        self._state.set_flag(FEATURE_DISABLED, disabled)

    # --- faults ----------------------------------------------------------------------------------------------

    def inject(self, fault: Fault, **where: Unpack[Where]) -> None:
        """Apply `fault` to the next `times` (default 1) calls matching provider/task/dataset/operation (None: any)."""
        target = FaultTarget(
            where.get("provider"), where.get("task_id"), where.get("dataset_id"), where.get("operation")
        )
        self._state.inject(fault, target, where.get("times", 1))

    def fail_next(
        self,
        status: int,
        *,
        retry_after: float | str | None = None,
        body: bytes | str | Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
        **where: Unpack[Where],
    ) -> None:
        """Answer the next matching calls with `status` (and Retry-After/body/headers) without touching state."""
        self.inject(Fault.respond(status, body=body, retry_after=retry_after, headers=headers, delay=delay), **where)

    def delay_next(self, seconds: float, **where: Unpack[Where]) -> None:
        """Hold the next matching calls for `seconds`, then answer them normally (state may change)."""
        self.inject(Fault.slow(seconds), **where)

    def drop_next(self, *, delay: float = 0.0, **where: Unpack[Where]) -> None:
        """Close the connection of the next matching calls without any response."""
        self.inject(Fault.drop(delay=delay), **where)

    def malform_next(self, malformation: Malformation, *, status: int | None = None, **where: Unpack[Where]) -> None:
        """Answer the next matching calls with a broken body (see `Fault.malformed`)."""
        self.inject(Fault.malformed(malformation, status=status), **where)

    @property
    def pending_faults(self) -> int:
        """Fault uses still queued (0 once every injected fault has fired)."""
        return sum(left for _, _, left in self._state.faults())

    def clear_faults(self) -> None:
        """Drop every queued fault."""
        self._state.faults(clear=True)

    # --- the request log -------------------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, oldest first (a snapshot)."""
        return self._state.requests()

    def clear_requests(self) -> None:
        """Forget the request log."""
        self._state.requests(clear=True)

    # --- clients of the library, already pointed here --------------------------------------------------------

    def gcore_client(self, **kwargs: Any) -> aitasks.Gcore:
        """An `aitasks.Gcore` for this fake; keyword arguments go to the constructor."""
        import aitasks

        return aitasks.Gcore(**{"api_key": self.gcore_api_key, "base_url": self.base_url, **kwargs})

    def async_gcore_client(self, **kwargs: Any) -> aitasks.AsyncGcore:
        """An `aitasks.AsyncGcore` for this fake."""
        import aitasks

        return aitasks.AsyncGcore(**{"api_key": self.gcore_api_key, "base_url": self.base_url, **kwargs})

    def _modelarts_kwargs(self, auth: Auth, kwargs: dict[str, Any]) -> dict[str, Any]:
        kwargs.setdefault("endpoint", self.base_url)
        kwargs.setdefault("project_id", self.project_id)
        if auth == "token":
            kwargs.setdefault("token", self.token)
        elif auth == "aksk":
            kwargs.setdefault("access_key", self.access_key)
            kwargs.setdefault("secret_key", self.secret_key)
            if self._state.config.security_token is not None:
                kwargs.setdefault("security_token", self._state.config.security_token)
        else:
            raise ValueError(f"auth must be 'token' or 'aksk', not {auth!r}")
        return kwargs

    def modelarts_client(self, auth: Auth = "token", **kwargs: Any) -> aitasks.ModelArts:
        """An `aitasks.ModelArts` for this fake, authenticating with the token or with AK/SK signing."""
        import aitasks

        return aitasks.ModelArts(**self._modelarts_kwargs(auth, kwargs))

    def async_modelarts_client(self, auth: Auth = "token", **kwargs: Any) -> aitasks.AsyncModelArts:
        """An `aitasks.AsyncModelArts` for this fake."""
        import aitasks

        return aitasks.AsyncModelArts(**self._modelarts_kwargs(auth, kwargs))

    def client(self, auth: Auth = "token", **kwargs: Any) -> aitasks.Client:
        """An `aitasks.Client` routing both providers to this fake; kwargs (timeout, ...) go to both."""
        import aitasks

        return aitasks.Client(gcore=self.gcore_client(**kwargs), modelarts=self.modelarts_client(auth, **kwargs))

    def async_client(self, auth: Auth = "token", **kwargs: Any) -> aitasks.AsyncClient:
        """An `aitasks.AsyncClient` routing both providers to this fake."""
        import aitasks

        return aitasks.AsyncClient(
            gcore=self.async_gcore_client(**kwargs), modelarts=self.async_modelarts_client(auth, **kwargs)
        )
