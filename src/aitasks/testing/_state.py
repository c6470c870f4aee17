"""The fake's state (tasks, faults, log) behind one lock, and how each provider answers each operation.

ModelArts, stopping a task that is already stopping, stopped, failed or completed: the vendor page documents only
204, 401, 403 and 404, and 404 means the dataset or task does not exist, which would be false. The fake answers
204 again without changing anything (stop is idempotent), so it stays inside the documented statuses; the request
log shows `changed_state=False` and `cancel_count` does not grow.

A ModelArts stop takes a running task (-1, 0, 1) to 4 (stopping); it reads as 5 (stopped) from
`modelarts_stop_delay` seconds later on (worked out when read, so no timer thread). A task seeded as 4 stops
the same delay after seeding.
"""

from __future__ import annotations

import datetime as dt
import hmac
import itertools
import threading
import time
from collections.abc import Callable

import attrs

from ._aksk import verify_signature
from ._bodies import gcore_task_body, modelarts_detail_body
from ._faults import Fault, FaultTarget, Provider
from ._listing import BadQuery, gcore_list_body, modelarts_list_body
from ._records import RecordedRequest, RequestHeaders
from ._replies import Reply, fault_reply, gcore_error, gcore_not_found, json_reply, modelarts_error
from ._routes import Target
from ._tasks import (
    GCORE_FINISHED,
    MODELARTS_RUNNING,
    MODELARTS_STOPPED,
    MODELARTS_STOPPING,
    GcoreTask,
    ModelArtsTask,
    Task,
    check_gcore_seed,
    check_modelarts_seed,
)

__all__ = ["CloudState", "Credentials", "Incoming", "TaskKey", "task_key"]

GCORE_CANCELLED = "Task has been cancelled successfully."
GCORE_NOT_FOUND = "Task not found"
GCORE_FEATURE_DISABLED = "Feature is disabled. Contact support to enable."
MAX_STOP_DELAY = 3600.0

TaskKey = tuple[Provider, str | None, str]  # (provider, dataset id or None, task id)


@attrs.frozen
class Incoming:
    """One received request, as the handler read it."""

    target: Target
    method: str
    headers: RequestHeaders
    body: bytes
    request_id: str
    connection: int


@attrs.frozen(repr=False)
class Credentials:
    """What the fake accepts; repr hides every value."""

    gcore_api_key: str
    project_id: str
    token: str
    access_key: str
    secret_key: str
    security_token: str | None = None

    def __repr__(self) -> str:
        return f"Credentials(project_id={self.project_id!r}, secrets='***')"


def task_key(provider: str, task_id: str, dataset_id: str | None) -> TaskKey:
    """Validated key of a task; ModelArts tasks need a dataset id, Gcore tasks have none."""
    if provider == "gcore":
        if dataset_id is not None:
            raise ValueError("a gcore task has no dataset id")
        return ("gcore", None, _check_id(task_id, "task_id"))
    if provider == "modelarts":
        if dataset_id is None:
            raise ValueError("a modelarts task needs a dataset_id")
        return ("modelarts", _check_id(dataset_id, "dataset_id"), _check_id(task_id, "task_id"))
    raise ValueError(f"unknown provider {provider!r}; expected 'gcore' or 'modelarts'")


def _check_id(value: object, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{what} must be a non-empty string")
    return value


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class CloudState:
    """Tasks, faults and the request log of one fake; every method is thread-safe."""

    def __init__(
        self,
        credentials: Credentials,
        clock: Callable[[], dt.datetime] = _utcnow,
        *,
        modelarts_stop_delay: float = 0.5,
    ) -> None:
        if not 0.0 <= modelarts_stop_delay <= MAX_STOP_DELAY:  # also refuses NaN
            raise ValueError(f"modelarts_stop_delay must be within 0..{MAX_STOP_DELAY:g} seconds")
        self.credentials = credentials
        self.modelarts_stop_delay = modelarts_stop_delay
        self._clock = clock
        self._lock = threading.Lock()
        self._tasks: dict[TaskKey, Task] = {}
        self._seq = itertools.count()
        self._cancels: dict[TaskKey, int] = {}
        self._faults: list[tuple[FaultTarget, Fault, list[int]]] = []
        self._log: list[RecordedRequest] = []
        self._gcore_feature_disabled = False

    # --- seeding and reading -------------------------------------------------------------------------------

    def add_gcore_task(
        self, task_id: str, status: str, *, task_name: str | None = None, progress: int | None = None
    ) -> TaskKey:
        """Create or replace a Gcore task; every value must be one the vendor documents."""
        key = task_key("gcore", task_id, None)
        check_gcore_seed(status, task_name, progress)
        now = self._clock()
        task = GcoreTask(
            task_id=task_id,
            status=status,
            task_name=task_name or "transcription",
            progress=progress,
            created=now,
            completed=now if status in GCORE_FINISHED else None,
            seq=next(self._seq),
        )
        with self._lock:
            self._tasks[key] = task
        return key

    def add_modelarts_task(
        self,
        dataset_id: str,
        task_id: str,
        status: int,
        *,
        task_type: str | None = None,
        task_name: str | None = None,
        progress: float | None = None,
    ) -> TaskKey:
        """Create or replace a ModelArts task; the status is one of the page's integers."""
        key = task_key("modelarts", task_id, dataset_id)
        check_modelarts_seed(status, task_type, progress, task_name)
        now = self._clock()
        task = ModelArtsTask(
            dataset_id=dataset_id,
            task_id=task_id,
            status=status,
            task_type=task_type or "auto-label",
            task_name=task_name,
            progress=progress,
            created=now,
            finished=None if status in (*MODELARTS_RUNNING, MODELARTS_STOPPING) else now,
            seq=next(self._seq),
        )
        if status == MODELARTS_STOPPING:
            task.stopped_by = time.monotonic() + self.modelarts_stop_delay
        with self._lock:
            self._tasks[key] = task
        return key

    def _current(self, key: TaskKey) -> Task | None:
        """The task as it is now (a stopping task whose delay has passed is stopped); call under the lock."""
        task = self._tasks.get(key)
        if isinstance(task, ModelArtsTask) and task.status == MODELARTS_STOPPING and task.stopped_by is not None:
            late = time.monotonic() - task.stopped_by
            if late >= 0:
                task.status, task.stopped_by = MODELARTS_STOPPED, None
                task.finished = self._clock() - dt.timedelta(seconds=late)
        return task

    def task_status(self, key: TaskKey) -> str | int:
        """Current status; KeyError when there is no such task."""
        with self._lock:
            task = self._current(key)
            if task is None:
                raise KeyError(key)
            return task.status

    def cancel_count(self, key: TaskKey) -> int:
        """How many calls changed this task's state (at most one per task, unless it was re-seeded)."""
        with self._lock:
            return self._cancels.get(key, 0)

    def tasks(self) -> list[tuple[TaskKey, Task]]:
        """Snapshot of every task, copied, in seeding order."""
        with self._lock:
            current = [(key, self._current(key)) for key in list(self._tasks)]
            return [(key, attrs.evolve(task)) for key, task in current if task is not None]

    def set_gcore_feature_disabled(self, disabled: bool) -> None:
        """Flag the Gcore account so every cancel, get and list answers 422."""
        with self._lock:
            self._gcore_feature_disabled = disabled

    def requests(self) -> list[RecordedRequest]:
        """Snapshot of the request log."""
        with self._lock:
            return list(self._log)

    def clear_requests(self) -> None:
        """Forget the request log."""
        with self._lock:
            self._log.clear()

    # --- faults ----------------------------------------------------------------------------------------------

    def inject(self, fault: Fault, target: FaultTarget, times: int) -> None:
        """Queue a fault for the next `times` matching calls (queued faults are used first-in, first-out)."""
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._faults.append((target, fault, [times]))

    def clear_faults(self) -> None:
        """Drop every queued fault."""
        with self._lock:
            self._faults.clear()

    def faults(self) -> list[tuple[FaultTarget, Fault, int]]:
        """The queued faults in the order they will be used, with the uses left."""
        with self._lock:
            return [(target, fault, left[0]) for target, fault, left in self._faults]

    def pending_faults(self) -> int:
        """How many fault uses are still queued."""
        with self._lock:
            return sum(left[0] for _, _, left in self._faults)

    def take_fault(self, target: Target) -> Fault | None:
        """Consume the first queued fault matching this provider call, if any."""
        assert target.route in ("gcore", "modelarts") and target.operation is not None
        with self._lock:
            for index, (where, fault, left) in enumerate(self._faults):
                if where.matches(target.route, target.task_id, target.dataset_id, target.operation):
                    left[0] -= 1
                    if left[0] == 0:
                        del self._faults[index]
                    return fault
        return None

    # --- answering -------------------------------------------------------------------------------------------

    def record(self, incoming: Incoming, reply: Reply, fault: Fault | None = None, changed: bool = False) -> None:
        """Append one entry to the request log."""
        target = incoming.target
        entry = RecordedRequest(
            method=incoming.method,
            raw_path=target.raw_path,
            query=target.query,
            route=target.route,
            operation=target.operation,
            task_id=target.task_id,
            dataset_id=target.dataset_id,
            project_id=target.project_id,
            headers=incoming.headers,
            body=incoming.body,
            status=None if reply.action == "close" else reply.status,
            fault=fault,
            changed_state=changed,
            request_id=incoming.request_id,
            connection=incoming.connection,
        )
        with self._lock:
            self._log.append(entry)

    def answer(self, incoming: Incoming, fault: Fault | None) -> Reply:
        """Answer a call to a provider operation (by the fault when it answers), and log it."""
        target = incoming.target
        assert target.route in ("gcore", "modelarts") and target.operation is not None
        changed = False
        if fault is not None and fault.kind != "delay":
            reply = fault_reply(fault, target.route, target.operation)
        elif target.route == "gcore":
            reply, changed = self._gcore(target, incoming.headers)
        else:
            reply, changed = self._modelarts(target, incoming.method, incoming.headers, incoming.body)
        self.record(incoming, reply, fault, changed)
        return reply

    def _gcore(self, target: Target, headers: RequestHeaders) -> tuple[Reply, bool]:
        expected = f"apikey {self.credentials.gcore_api_key}"
        given = headers.get("authorization", "")
        scheme, _, key = given.partition(" ")
        if scheme.lower() != "apikey" or not hmac.compare_digest(f"apikey {key}".encode(), expected.encode()):
            return gcore_error(401, "Invalid API key: send 'Authorization: apikey <key>'."), False
        if target.operation == "cancel" and not target.task_id:
            return gcore_error(400, '"task_id" is not specified'), False
        with self._lock:
            if self._gcore_feature_disabled:
                return gcore_error(422, GCORE_FEATURE_DISABLED), False
            if target.operation == "list":
                tasks = [t for t in self._tasks.values() if isinstance(t, GcoreTask)]
                try:
                    return json_reply(200, gcore_list_body(tasks, target.query)), False
                except BadQuery:
                    return gcore_not_found(), False
            assert target.task_id is not None
            key_: TaskKey = ("gcore", None, target.task_id)
            task = self._current(key_)
            assert task is None or isinstance(task, GcoreTask)
            if target.operation == "get":
                if task is None:
                    return gcore_not_found(), False
                return json_reply(200, gcore_task_body(task, detail=True)), False
            if task is None:
                return gcore_error(404, GCORE_NOT_FOUND), False
            if task.status in GCORE_FINISHED:
                return gcore_error(412, f"Cannot cancel task because it is already in status {task.status}."), False
            task.status, task.completed = "REVOKED", self._clock()
            self._cancels[key_] = self._cancels.get(key_, 0) + 1
        return json_reply(202, {"result": GCORE_CANCELLED}), True

    def _modelarts(self, target: Target, method: str, headers: RequestHeaders, body: bytes) -> tuple[Reply, bool]:
        denied = self._modelarts_auth(target, method, headers, body)
        if denied is not None:
            return denied, False
        creds = self.credentials
        if target.project_id != creds.project_id or headers.get("x-project-id", creds.project_id) != creds.project_id:
            return modelarts_error(403, "ModelArts.0203", "No permission on this project."), False
        assert target.dataset_id is not None
        now = self._clock()
        with self._lock:
            keys = [key for key in self._tasks if key[0] == "modelarts" and key[1] == target.dataset_id]
            dataset = [task for task in map(self._current, keys) if isinstance(task, ModelArtsTask)]
            if not dataset:
                return modelarts_error(404, "ModelArts.4352", "Dataset not found."), False
            if target.operation == "list":
                try:
                    return json_reply(200, modelarts_list_body(dataset, target.query, now)), False
                except BadQuery:  # the vendor's code for a bad parameter; see _listing
                    return modelarts_error(400, "ModelArts.0104", "Parameter error."), False
            task = next((t for t in dataset if t.task_id == target.task_id), None)
            if task is None:
                return modelarts_error(404, "ModelArts.4353", "Task not found."), False
            if target.operation == "get":
                return json_reply(200, modelarts_detail_body(task, now)), False
            if task.status not in MODELARTS_RUNNING:
                return json_reply(204, None), False  # idempotent: see the module docstring
            task.status, task.stopped_by = MODELARTS_STOPPING, time.monotonic() + self.modelarts_stop_delay
            key: TaskKey = ("modelarts", target.dataset_id, task.task_id)
            self._cancels[key] = self._cancels.get(key, 0) + 1
        return json_reply(204, None), True

    def _modelarts_auth(self, target: Target, method: str, headers: RequestHeaders, body: bytes) -> Reply | None:
        creds = self.credentials
        token = headers.get("x-auth-token")
        if token is not None:
            if hmac.compare_digest(token.encode(), creds.token.encode()):
                return None
            return modelarts_error(401, "APIG.1002", "Incorrect token or token resolution failed")
        if "authorization" not in headers:
            return modelarts_error(401, "APIG.1000", "No X-Auth-Token and no AK/SK signature in the request.")
        problem = verify_signature(
            method=method,
            raw_path=target.raw_path,
            raw_query=target.query,
            headers=headers,
            body=body,
            access_key=creds.access_key,
            secret_key=creds.secret_key,
            now=self._clock(),
        )
        if problem is None and creds.security_token is not None:
            sent = headers.get("x-security-token", "")
            if not hmac.compare_digest(sent.encode(), creds.security_token.encode()):
                problem = "X-Security-Token is missing or wrong."
        if problem is not None:
            return modelarts_error(401, "APIG.0301", f"Incorrect IAM authentication information: {problem}")
        return None
