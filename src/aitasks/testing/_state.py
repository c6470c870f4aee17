"""The fake's state (tasks, faults, log) behind one lock, and how each provider answers a cancel.

ModelArts, stopping a task that is already stopped or completed: the vendor page documents only 204, 401, 403
and 404, and 404 means the dataset or task does not exist, which would be false. The fake answers 204 again
without changing anything (stop is idempotent), so it stays inside the documented statuses; the request log
shows `changed_state=False` and `cancel_count` does not grow.
"""

from __future__ import annotations

import datetime as dt
import hmac
import threading
from collections.abc import Callable

import attrs

from ._aksk import verify_signature
from ._faults import Fault, FaultTarget, Provider
from ._records import RecordedRequest, RequestHeaders
from ._replies import Reply, fault_reply, gcore_error, json_reply, modelarts_error
from ._routes import Target

__all__ = [
    "GCORE_FINISHED",
    "GCORE_RUNNING",
    "MODELARTS_FINISHED",
    "MODELARTS_RUNNING",
    "CloudState",
    "Credentials",
    "Incoming",
    "TaskKey",
    "task_key",
]

GCORE_RUNNING = ("PENDING", "STARTED", "PROCESSING", "PROGRESS")
GCORE_FINISHED = ("REVOKED", "SUCCESS", "FAILURE")
MODELARTS_RUNNING = ("QUEUING", "RUNNING")
MODELARTS_FINISHED = ("STOPPED", "COMPLETED", "FAILED")
STATUSES: dict[Provider, tuple[str, ...]] = {
    "gcore": GCORE_RUNNING + GCORE_FINISHED,
    "modelarts": MODELARTS_RUNNING + MODELARTS_FINISHED,
}

GCORE_CANCELLED = "Task has been cancelled successfully."
GCORE_NOT_FOUND = "Task not found"
GCORE_FEATURE_DISABLED = "Feature is disabled. Contact support to enable."

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

    def __init__(self, credentials: Credentials, clock: Callable[[], dt.datetime] = _utcnow) -> None:
        self.credentials = credentials
        self._clock = clock
        self._lock = threading.Lock()
        self._tasks: dict[TaskKey, str] = {}
        self._cancels: dict[TaskKey, int] = {}
        self._faults: list[tuple[FaultTarget, Fault, list[int]]] = []
        self._log: list[RecordedRequest] = []
        self._gcore_feature_disabled = False

    # --- seeding and reading -------------------------------------------------------------------------------

    def add_task(self, provider: str, task_id: str, dataset_id: str | None, status: str) -> TaskKey:
        """Create or replace a task; the status must be one the provider knows."""
        key = task_key(provider, task_id, dataset_id)
        if status not in STATUSES[key[0]]:
            raise ValueError(f"unknown {key[0]} status {status!r}; expected one of {', '.join(STATUSES[key[0]])}")
        with self._lock:
            self._tasks[key] = status
        return key

    def task_status(self, key: TaskKey) -> str:
        """Current status; KeyError when there is no such task."""
        with self._lock:
            return self._tasks[key]

    def cancel_count(self, key: TaskKey) -> int:
        """How many calls changed this task's state (at most one per task, unless it was re-seeded)."""
        with self._lock:
            return self._cancels.get(key, 0)

    def tasks(self) -> list[tuple[TaskKey, str]]:
        """Snapshot of every task and its status."""
        with self._lock:
            return list(self._tasks.items())

    def set_gcore_feature_disabled(self, disabled: bool) -> None:
        """Flag the Gcore account so every cancel answers 422."""
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
        assert target.route in ("gcore", "modelarts") and target.task_id is not None
        with self._lock:
            for index, (where, fault, left) in enumerate(self._faults):
                if where.matches(target.route, target.task_id, target.dataset_id):
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
        """Answer a POST to a provider route (by the fault when it answers), and log it."""
        target = incoming.target
        assert target.route in ("gcore", "modelarts")
        changed = False
        if fault is not None and fault.kind != "delay":
            reply = fault_reply(fault, target.route)
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
        assert target.task_id is not None
        if not target.task_id:
            return gcore_error(400, '"task_id" is not specified'), False
        key_: TaskKey = ("gcore", None, target.task_id)
        with self._lock:
            if self._gcore_feature_disabled:
                return gcore_error(422, GCORE_FEATURE_DISABLED), False
            status = self._tasks.get(key_)
            if status is None:
                return gcore_error(404, GCORE_NOT_FOUND), False
            if status in GCORE_FINISHED:
                return gcore_error(412, f"Cannot cancel task because it is already in status {status}."), False
            self._tasks[key_] = "REVOKED"
            self._cancels[key_] = self._cancels.get(key_, 0) + 1
        return json_reply(202, {"result": GCORE_CANCELLED}), True

    def _modelarts(self, target: Target, method: str, headers: RequestHeaders, body: bytes) -> tuple[Reply, bool]:
        denied = self._modelarts_auth(target, method, headers, body)
        if denied is not None:
            return denied, False
        creds = self.credentials
        if target.project_id != creds.project_id or headers.get("x-project-id", creds.project_id) != creds.project_id:
            return modelarts_error(403, "ModelArts.0203", "No permission on this project."), False
        assert target.dataset_id is not None and target.task_id is not None
        key: TaskKey = ("modelarts", target.dataset_id, target.task_id)
        with self._lock:
            status = self._tasks.get(key)
            if status is None:
                if not any(k[0] == "modelarts" and k[1] == target.dataset_id for k in self._tasks):
                    return modelarts_error(404, "ModelArts.4352", "Dataset not found."), False
                return modelarts_error(404, "ModelArts.4353", "Task not found."), False
            if status in MODELARTS_FINISHED:
                return json_reply(204, None), False  # idempotent: see the module docstring
            self._tasks[key] = "STOPPED"
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
