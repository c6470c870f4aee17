"""Control endpoints, so a fake started from the command line can be seeded and given faults over HTTP.

- `POST /_fake/tasks` `{"provider", "task_id", "dataset_id"?, "status"?}` → 201 with the task.
- `GET /_fake/tasks` → 200 `{"tasks": [{"provider", "task_id", "dataset_id", "status", "cancels"}]}`.
- `POST /_fake/faults` `{"kind": "respond"|"delay"|"close"|"malformed", "status"?, "retry_after"?, "body"?,
  "headers"?, "delay"?, "malformation"?, "times"?, "provider"?, "task_id"?, "dataset_id"?}` → 201.
- `GET /_fake/faults` → 200 `{"faults": [{"kind", "status", "delay", "malformation", "left", "provider", "task_id",
  "dataset_id"}]}` in the order they will be used; `DELETE /_fake/faults` → 200 `{"cleared": N}`.

Bad JSON, unknown keys or bad values answer 400 `{"error": ...}` naming what is wrong.
"""

from __future__ import annotations

import json
from typing import Any, cast

from ._faults import FAULT_KINDS, Fault, FaultTarget, Malformation, Provider
from ._replies import Reply, gcore_error, json_reply
from ._routes import CONTROL_FAULTS, CONTROL_TASKS
from ._state import CloudState

__all__ = ["control"]

_DEFAULT_STATUS = {"gcore": "PROCESSING", "modelarts": "RUNNING"}


class _BadRequest(ValueError):
    """A control request the fake cannot act on."""


_TASK_KEYS = frozenset({"provider", "task_id", "dataset_id", "status"})
_FAULT_KEYS = frozenset(
    {"kind", "status", "retry_after", "body", "headers", "delay", "malformation", "times", "provider", "task_id",
     "dataset_id"}
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
    assert provider is not None
    task_id = _get(payload, "task_id", str, required=True)
    dataset_id = _get(payload, "dataset_id", str)
    status = _get(payload, "status", str) or _DEFAULT_STATUS[provider]
    state.add_task(provider, task_id, dataset_id, status)
    return json_reply(201, {"provider": provider, "task_id": task_id, "dataset_id": dataset_id, "status": status})


def _list_tasks(state: CloudState) -> Reply:
    tasks = [
        {"provider": p, "dataset_id": d, "task_id": t, "status": s, "cancels": state.cancel_count((p, d, t))}
        for (p, d, t), s in state.tasks()
    ]
    return json_reply(200, {"tasks": tasks})


def _list_faults(state: CloudState) -> Reply:
    faults = [
        {"kind": fault.kind, "status": fault.status, "delay": fault.delay, "malformation": fault.malformation,
         "left": left, "provider": target.provider, "task_id": target.task_id, "dataset_id": target.dataset_id}
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
    target = FaultTarget(
        _provider(payload, required=False), _get(payload, "task_id", str), _get(payload, "dataset_id", str)
    )
    state.inject(fault, target, times)
    return json_reply(201, {"queued": times, "kind": kind})
