"""The fake's state (tasks, datasets, faults, log) behind one lock, for every registered provider."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections.abc import Mapping
from typing import Any

import attrs

from ._faults import Fault, FaultTarget, fault_reply
from ._provider import PROVIDERS, FakeProvider, FakeTask, Reply, Target
from ._records import RecordedRequest, RequestHeaders

MAX_STOP_DELAY = 3600.0
TaskKey = tuple[str, str | None, str]  # (provider, dataset id or None, task id)


def _check_stop_delay(_: object, __: attrs.Attribute[float], value: float) -> None:
    if not 0.0 <= value <= MAX_STOP_DELAY:  # also refuses NaN
        raise ValueError(f"modelarts_stop_delay must be within 0..{MAX_STOP_DELAY:g} seconds")


@attrs.frozen(repr=False)
class Config:
    """What the fake accepts and how it behaves; repr hides every secret."""

    gcore_api_key: str
    project_id: str
    token: str
    access_key: str
    secret_key: str
    security_token: str | None = None
    modelarts_stop_delay: float = attrs.field(default=0.5, validator=_check_stop_delay)

    def __repr__(self) -> str:
        return f"Config(project_id={self.project_id!r}, secrets='***')"


@attrs.frozen
class Incoming:
    """One received request, as the handler read it."""

    target: Target
    method: str
    headers: RequestHeaders
    body: bytes
    request_id: str
    connection: int

    @property
    def operation(self) -> str | None:
        """The operation this method calls on this path (None off the routes)."""
        route = self.target.for_method(self.method)
        return None if route is None else route.operation


def _check_id(value: object, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{what} must be a non-empty string")
    return value


class CloudState:
    """Tasks, datasets, faults and the request log of one fake; every public method is thread-safe.

    Providers answer under `lock`, reading `config`, `flags`, `datasets` and `task`/`tasks_of` (those four need the
    lock held) and counting a call that changed a task's state in its `cancels`.
    """

    def __init__(self, config: Config, providers: Mapping[str, FakeProvider] | None = None) -> None:
        self.config = config
        self.providers = dict(PROVIDERS if providers is None else providers)
        self.lock = threading.Lock()
        self.flags: set[str] = set()  # provider switches, e.g. Gcore's feature-disabled account
        self.datasets: dict[tuple[str, str], Any] = {}  # (provider, dataset id) -> the provider's record
        self._seq = itertools.count()
        self._tasks: dict[TaskKey, FakeTask] = {}
        self._faults: list[tuple[FaultTarget, Fault, list[int]]] = []
        self._log: list[RecordedRequest] = []

    def now(self) -> dt.datetime:
        """The fake's clock."""
        return dt.datetime.now(dt.timezone.utc)

    def next_seq(self) -> int:
        """A number that orders records by creation."""
        return next(self._seq)

    def provider(self, name: object) -> FakeProvider:
        """The registered provider of this name; ValueError naming the known ones."""
        if not isinstance(name, str) or name not in self.providers:
            raise ValueError(f"unknown provider {name!r}; expected one of {', '.join(map(repr, self.providers))}")
        return self.providers[name]

    def key(self, provider: object, task_id: object, dataset_id: object = None) -> TaskKey:
        """Validated key of a task; a provider's tasks need a dataset id exactly when they live in datasets."""
        found = self.provider(provider)
        if not found.has_datasets:
            if dataset_id is not None:
                raise ValueError(f"a {found.name} task has no dataset id")
            return (found.name, None, _check_id(task_id, "task_id"))
        if dataset_id is None:
            raise ValueError(f"a {found.name} task needs a dataset_id")
        return (found.name, _check_id(dataset_id, "dataset_id"), _check_id(task_id, "task_id"))

    # --- seeding, reading, deleting ------------------------------------------------------------------------

    def add_task(
        self, provider: str, task_id: str, dataset_id: str | None = None, fields: Mapping[str, Any] | None = None
    ) -> TaskKey:
        """Create or replace a task (and its dataset when new) from the provider's documented values."""
        key = self.key(provider, task_id, dataset_id)
        found = self.providers[key[0]]
        task = found.seed(self, key[2], key[1], fields or {})
        dataset = None if key[1] is None else found.add_dataset(self, key[1], {})
        with self.lock:
            if key[1] is not None:
                self.datasets.setdefault((key[0], key[1]), dataset)
            self._tasks[key] = task
        return key

    def add_dataset(self, provider: str, dataset_id: str, fields: Mapping[str, Any] | None = None) -> None:
        """Create or replace a dataset; its tasks stay."""
        found = self.provider(provider)
        record = found.add_dataset(self, _check_id(dataset_id, "dataset_id"), fields or {})
        with self.lock:
            self.datasets[(found.name, dataset_id)] = record

    def task(self, provider: str, dataset_id: str | None, task_id: str) -> FakeTask | None:
        """The task as it is now; call under the lock."""
        task = self._tasks.get((provider, dataset_id, task_id))
        if task is not None:
            task.settle(self.now())
        return task

    def tasks_of(self, provider: str, dataset_id: str | None = None) -> list[FakeTask]:
        """A provider's tasks (in one dataset, when given) as they are now, in seeding order; call under the lock."""
        now, found = self.now(), []
        for (name, dataset, _), task in self._tasks.items():
            if name == provider and (dataset_id is None or dataset == dataset_id):
                task.settle(now)
                found.append(task)
        return found

    def describe(self, key: TaskKey | None = None) -> Any:
        """A task as the control API shows it (KeyError when there is none), or every task (key None)."""
        with self.lock:
            return self._describe(key) if key is not None else [self._describe(k) for k in list(self._tasks)]

    def _describe(self, key: TaskKey) -> dict[str, Any]:
        task = self.task(*key)
        if task is None:
            raise KeyError(key)
        provider, dataset_id, task_id = key
        fields = {"provider": provider, "task_id": task_id, "dataset_id": dataset_id, "status": task.status}
        return {**fields, **task.fields(), "cancels": task.cancels}

    def delete_task(self, key: TaskKey) -> dict[str, Any]:
        """Forget a task (its dataset stays) and return it as it was; KeyError when there is none."""
        with self.lock:
            described = self._describe(key)
            del self._tasks[key]
            return described

    def reset(self) -> dict[str, int]:
        """Forget every task, dataset, fault, flag and logged request; how many of each there were."""
        with self.lock:
            counts = {"tasks": len(self._tasks), "datasets": len(self.datasets), "faults": self._pending()}
            counts["requests"] = len(self._log)
            for store in (self._tasks, self.datasets, self._faults, self._log, self.flags):
                store.clear()
            return counts

    def set_flag(self, flag: str, on: bool) -> None:
        """Turn a provider switch on or off."""
        with self.lock:
            (self.flags.add if on else self.flags.discard)(flag)

    def requests(self, clear: bool = False) -> list[RecordedRequest]:
        """Snapshot of the request log (then forgotten, when told to clear)."""
        with self.lock:
            log = list(self._log)
            if clear:
                self._log.clear()
            return log

    # --- faults ----------------------------------------------------------------------------------------------

    def inject(self, fault: Fault, target: FaultTarget, times: int) -> None:
        """Queue a fault for the next `times` matching calls (queued faults are used first-in, first-out)."""
        if target.provider is not None:
            self.provider(target.provider)
        operations = {route.operation for p in self.providers.values() for route in p.routes}
        if target.operation is not None and target.operation not in operations:
            raise ValueError(f"unknown operation {target.operation!r}; expected one of {', '.join(sorted(operations))}")
        if times < 1:
            raise ValueError("times must be at least 1")
        with self.lock:
            self._faults.append((target, fault, [times]))

    def faults(self, clear: bool = False) -> list[tuple[FaultTarget, Fault, int]]:
        """The queued faults in the order they will be used, with the uses left (then dropped, when told to clear)."""
        with self.lock:
            queued = [(target, fault, left[0]) for target, fault, left in self._faults]
            if clear:
                self._faults.clear()
            return queued

    def _pending(self) -> int:
        return sum(left[0] for _, _, left in self._faults)

    def take_fault(self, call: Incoming) -> Fault | None:
        """Consume the first queued fault matching this provider call, if any."""
        target, operation = call.target, call.operation
        assert operation is not None
        with self.lock:
            for index, (where, fault, left) in enumerate(self._faults):
                if where.matches(target.route, target.task_id, target.dataset_id, operation):
                    left[0] -= 1
                    if left[0] == 0:
                        del self._faults[index]
                    return fault
        return None

    # --- answering -------------------------------------------------------------------------------------------

    def record(self, call: Incoming, reply: Reply, fault: Fault | None = None, changed: bool = False) -> None:
        """Append one entry to the request log."""
        target = call.target
        entry = RecordedRequest(
            method=call.method,
            raw_path=target.raw_path,
            query=target.query,
            route=target.route,
            operation=target.operation if target.route in self.providers else None,
            task_id=target.task_id,
            dataset_id=target.dataset_id,
            project_id=target.project_id,
            headers=call.headers,
            body=call.body,
            status=None if reply.action == "close" else reply.status,
            fault=fault,
            changed_state=changed,
            request_id=call.request_id,
            connection=call.connection,
        )
        with self.lock:
            self._log.append(entry)

    def answer(self, call: Incoming, fault: Fault | None) -> Reply:
        """Answer a call to a provider operation (by the fault when it answers), and log it."""
        provider = self.providers[call.target.route]
        route = call.target.for_method(call.method)
        assert route is not None
        if fault is not None and fault.kind != "delay":
            reply, changed = fault_reply(fault, provider, route), False
        else:
            reply, changed = provider.answer(self, call)
        self.record(call, reply, fault, changed)
        return reply
