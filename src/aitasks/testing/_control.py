"""Control endpoints, so a fake started from the command line can be seeded and given faults over HTTP.

- `POST /_fake/tasks` `{"provider", "task_id", "dataset_id"?, "status"?, "task_name"?, "progress"?, "type"?}` → 201
  with the task. status: a Gcore string (default STARTED) or a ModelArts integer -1..5 (default 1); task_name:
  Gcore "transcription" | "content-moderation", any name on ModelArts; type: ModelArts only, "auto-label" |
  "pre-label" | "auto-grouping"; progress: a percentage.
- `GET /_fake/tasks` → 200 `{"tasks": [{"provider", "task_id", "dataset_id", "status", "task_name", "progress",
  "type", "cancels"}]}` (type is null on Gcore; progress null when not seeded).
- `POST /_fake/faults` `{"kind": "respond"|"delay"|"close"|"malformed", "status"?, "retry_after"?, "body"?,
  "headers"?, "delay"?, "malformation"?, "times"?, "provider"?, "task_id"?, "dataset_id"?, "operation"?}` → 201;
  operation is "cancel", "get" or "list" (default: any).
- `GET /_fake/faults` → 200 `{"faults": [{"kind", "status", "delay", "malformation", "left", "provider", "task_id",
  "dataset_id", "operation"}]}` in the order they will be used; `DELETE /_fake/faults` → 200 `{"cleared": N}`.

Bad JSON, unknown keys or bad values (an undocumented status among them) answer 400 `{"error": ...}` naming what
is wrong.
"""

from __future__ import annotations

import json
from typing import Any, cast

from ._faults import FAULT_KINDS, Fault, FaultTarget, Malformation, Operation, Provider
from ._replies import Reply, gcore_error, json_reply
from ._routes import CONTROL_FAULTS, CONTROL_TASKS
from ._state import CloudState
from ._tasks import GcoreTask

__all__ = ["control"]


class _BadRequest(ValueError):
    """A control request the fake cannot act on."""


_TASK_KEYS = frozenset({"provider", "task_id", "dataset_id", "status", "task_name", "progress", "type"})
_FAULT_KEYS = frozenset(
    {"kind", "status", "retry_after", "body", "headers", "delay", "malformation", "times", "provider", "task_id",
     "dataset_id", "operation"}
)  # fmt: skip


def control(state: CloudState, method: str, raw_path: str, body: bytes) -> Reply:
    """Answer a call to a control endpoint."""
    allowed = ("GET", "POST") if raw_path == CONTROL_TASKS else ("GET", "POST", "DELETE")
    if method not in allowed:
        return gcore_error(405, "Method not allowed", (("Allow", ", ".join(allowed)),))
    if method == "GET":
        return _list_tasks(state) if raw_path == CONTROL_TASKS else _list_faults(state)
    if method == "DELETE":
        cleared = state.pending_faults()
        state.clear_faults()
        return json_reply(200, {"cleared": cleared})
    try:
        if raw_path == CONTROL_TASKS:
            return _add_task(state, _object(body, _TASK_KEYS))
        assert raw_path == CONTROL_FAULTS
        return _add_fault(state, _object(body, _FAULT_KEYS))
    except ValueError as exc:  # _BadRequest, and the ValueErrors of CloudState and Fault validation
        return gcore_error(400, str(exc))


def _object(body: bytes, keys: frozenset[str]) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _BadRequest(f"the body is not valid JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise _BadRequest("the body must be a JSON object")
    unknown = sorted(set(payload) - keys)
    if unknown:
        raise _BadRequest(f"unknown key {unknown[0]!r}; expected some of {', '.join(sorted(keys))}")
    return payload


def _get(payload: dict[str, Any], name: str, kind: type | tuple[type, ...], required: bool = False) -> Any:
    value = payload.get(name)
    if value is None:
        if required:
            raise _BadRequest(f"{name!r} is required")
        return None
    if not isinstance(value, kind) or isinstance(value, bool):
        raise _BadRequest(f"{name!r} has the wrong type")
    return value


def _provider(payload: dict[str, Any], required: bool) -> Provider | None:
    provider = _get(payload, "provider", str, required)
    if provider not in (None, "gcore", "modelarts"):
        raise _BadRequest(f"unknown provider {provider!r}; expected 'gcore' or 'modelarts'")
    return cast("Provider | None", provider)


def _add_task(state: CloudState, payload: dict[str, Any]) -> Reply:
    provider = _provider(payload, required=True)
    task_id = _get(payload, "task_id", str, required=True)
    dataset_id = _get(payload, "dataset_id", str)
    progress = _get(payload, "progress", (int, float))
    task_name = _get(payload, "task_name", str)
    if provider == "gcore":
        if dataset_id is not None:
            raise _BadRequest("a gcore task has no dataset id")
        if "type" in payload:
            raise _BadRequest("'type' is a modelarts field; a gcore task has a task_name")
        status = payload.get("status")
        key = state.add_gcore_task(
            task_id, "STARTED" if status is None else status, task_name=task_name, progress=progress
        )
    else:
        task_type = _get(payload, "type", str)
        status = payload.get("status")
        key = state.add_modelarts_task(
            dataset_id,
            task_id,
            1 if status is None else status,
            task_type=task_type,
            task_name=task_name,
            progress=progress,
        )
    return json_reply(201, _task_json(state, key))


def _task_json(state: CloudState, key: tuple[Provider, str | None, str]) -> dict[str, Any]:
    task = dict(state.tasks())[key]
    provider, dataset_id, task_id = key
    return {
        "provider": provider,
        "task_id": task_id,
        "dataset_id": dataset_id,
        "status": task.status,
        "task_name": task.task_name,
        "progress": task.progress,
        "type": None if isinstance(task, GcoreTask) else task.task_type,
        "cancels": state.cancel_count(key),
    }


def _list_tasks(state: CloudState) -> Reply:
    return json_reply(200, {"tasks": [_task_json(state, key) for key, _ in state.tasks()]})


def _list_faults(state: CloudState) -> Reply:
    faults = [
        {"kind": fault.kind, "status": fault.status, "delay": fault.delay, "malformation": fault.malformation,
         "left": left, "provider": target.provider, "task_id": target.task_id, "dataset_id": target.dataset_id,
         "operation": target.operation}
        for target, fault, left in state.faults()
    ]  # fmt: skip
    return json_reply(200, {"faults": faults})


def _add_fault(state: CloudState, payload: dict[str, Any]) -> Reply:
    kind = _get(payload, "kind", str, required=True)
    if kind not in FAULT_KINDS:
        raise _BadRequest(f"unknown kind {kind!r}; expected one of {', '.join(FAULT_KINDS)}")
    delay = float(_get(payload, "delay", (int, float)) or 0.0)
    status = _get(payload, "status", int)
    fault: Fault
    if kind == "respond":
        if status is None:
            raise _BadRequest("'status' is required for kind 'respond'")
        headers = _get(payload, "headers", dict) or {}
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
            raise _BadRequest("'headers' must map strings to strings")
        retry_after = _get(payload, "retry_after", (int, float, str))
        body = _get(payload, "body", str)
        fault = Fault.respond(status, body=body, retry_after=retry_after, headers=headers, delay=delay)
    elif kind == "delay":
        fault = Fault.slow(delay)
    elif kind == "close":
        fault = Fault.drop(delay=delay)
    else:
        malformation = cast(Malformation, _get(payload, "malformation", str, required=True))
        fault = Fault.malformed(malformation, status=status, delay=delay)
    times = _get(payload, "times", int)
    times = 1 if times is None else times
    operation = _get(payload, "operation", str)
    if operation not in (None, "cancel", "get", "list"):
        raise _BadRequest(f"unknown operation {operation!r}; expected 'cancel', 'get' or 'list'")
    target = FaultTarget(
        _provider(payload, required=False),
        _get(payload, "task_id", str),
        _get(payload, "dataset_id", str),
        cast("Operation | None", operation),
    )
    state.inject(fault, target, times)
    return json_reply(201, {"queued": times, "kind": kind})
