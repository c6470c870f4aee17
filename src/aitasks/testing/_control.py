"""Control endpoints, so a fake started from the command line can be seeded, inspected, reset and given faults.

- `POST /_fake/tasks` `{"provider", "task_id", "dataset_id"?, "status"?, "task_name"?, "progress"?, "type"?}` → 201
  with the task. status: a Gcore string (default STARTED) or a ModelArts integer -1..5 (default 1); task_name:
  Gcore "transcription" | "content-moderation", any name on ModelArts; type: ModelArts only, "auto-label" |
  "pre-label" | "auto-grouping"; progress: a percentage. dataset_id: ModelArts only (required there).
- `GET /_fake/tasks` → 200 `{"tasks": [{"provider", "task_id", "dataset_id", "status", "task_name", "progress",
  "type", "cancels"}]}` (type is null on Gcore; progress null when not seeded).
- `DELETE /_fake/tasks/{provider}/{task_id}` (Gcore) or `DELETE /_fake/tasks/{provider}/{dataset_id}/{task_id}`
  (ModelArts), each id one percent-encoded segment → 200 with the task as it was; 404 when there is no such task.
  Its dataset stays.
- `POST /_fake/datasets` `{"provider": "modelarts", "dataset_id", "dataset_name"?}` → 201: a dataset without tasks
  (seeding a task creates its dataset too).
- `POST /_fake/faults` `{"kind": "respond"|"delay"|"close"|"malformed", "status"?, "retry_after"?, "body"?,
  "headers"?, "delay"?, "malformation"?, "times"?, "provider"?, "task_id"?, "dataset_id"?, "operation"?}` → 201;
  operation is "cancel", "get", "list" or (ModelArts' dataset list) "datasets" (default: any).
- `GET /_fake/faults` → 200 `{"faults": [{"kind", "status", "delay", "malformation", "left", "provider", "task_id",
  "dataset_id", "operation"}]}` in the order they will be used; `DELETE /_fake/faults` → 200 `{"cleared": N}`.
- `POST /_fake/reset` → 200 `{"tasks", "datasets", "faults", "requests"}`: how many of each were forgotten; every
  task, dataset, cancel count, fault, switch and logged request is gone (the log then holds this call only).

Bad JSON, unknown keys or bad values (an undocumented status among them) answer 400 `{"error": ...}` naming what
is wrong; another method on a control path answers 405 with Allow.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, cast

import attrs

from ._faults import FAULT_KINDS, Fault, FaultTarget, Malformation
from ._provider import Reply, Route, error_reply, json_reply
from ._state import CloudState, Incoming

_FAULT_KEYS = frozenset(
    {"kind", "status", "retry_after", "body", "headers", "delay", "malformation", "times", "provider", "task_id",
     "dataset_id", "operation"}
)  # fmt: skip


class _BadRequest(ValueError):
    """A control request the fake cannot act on."""


def control(state: CloudState, call: Incoming) -> Reply:
    """Answer a call to a control endpoint."""
    target = call.target
    route = target.for_method(call.method)
    if route is None:
        return error_reply(405, "Method not allowed", (("Allow", ", ".join(r.method for r in target.matches)),))
    try:
        return next(handler for endpoint, handler, _ in ENDPOINTS if endpoint == route)(state, call)
    except KeyError:
        return error_reply(404, "no such task")
    except ValueError as exc:  # _BadRequest, and the ValueErrors of seeding and fault validation
        return error_reply(400, str(exc))


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


def _seeding(state: CloudState, body: bytes, own: frozenset[str], task: bool) -> tuple[str, dict[str, Any]]:
    """The provider named by a seeding body, and the body; a task field of another provider is named as such."""
    fields = {key: p.name for p in reversed(state.providers.values()) for key in p.seed_fields} if task else {}
    payload = _object(body, own | set(fields))
    provider = state.provider(_get(payload, "provider", str, required=True))
    for key in sorted(set(payload) - own - set(provider.seed_fields)):
        raise _BadRequest(f"{key!r} is a {fields[key]} field, not a {provider.name} one")
    return provider.name, payload


_TASK_KEYS = frozenset({"provider", "task_id", "dataset_id"})


def _seed(state: CloudState, call: Incoming) -> Reply:
    provider, payload = _seeding(state, call.body, _TASK_KEYS, task=True)
    task_id = _get(payload, "task_id", str, required=True)
    dataset_id = _get(payload, "dataset_id", str)
    fields = {key: value for key, value in payload.items() if key not in _TASK_KEYS and value is not None}
    return json_reply(201, state.describe(state.add_task(provider, task_id, dataset_id, fields)))


def _dataset(state: CloudState, call: Incoming) -> Reply:
    provider, payload = _seeding(state, call.body, frozenset({"provider", "dataset_id", "dataset_name"}), task=False)
    dataset_id = _get(payload, "dataset_id", str, required=True)
    fields = {key: value for key, value in payload.items() if key not in ("provider", "dataset_id")}
    state.add_dataset(provider, dataset_id, fields)
    return json_reply(201, {"provider": provider, "dataset_id": dataset_id, **fields})


def _delete(state: CloudState, call: Incoming) -> Reply:
    ids = call.target.ids
    return json_reply(200, state.delete_task(state.key(ids["provider"], ids["task_id"], ids.get("dataset_id"))))


def _list_faults(state: CloudState, call: Incoming) -> Reply:
    faults = [
        {"kind": fault.kind, "status": fault.status, "delay": fault.delay, "malformation": fault.malformation,
         "left": left, **attrs.asdict(target)}
        for target, fault, left in state.faults()
    ]  # fmt: skip
    return json_reply(200, {"faults": faults})


def _add_fault(state: CloudState, call: Incoming) -> Reply:
    payload = _object(call.body, _FAULT_KEYS)
    kind = _get(payload, "kind", str, required=True)
    if kind not in FAULT_KINDS:
        raise _BadRequest(f"unknown kind {kind!r}; expected one of {', '.join(FAULT_KINDS)}")
    delay = float(_get(payload, "delay", (int, float)) or 0.0)
    status = _get(payload, "status", int)
    fault = Fault(kind=kind, delay=delay)  # "delay" and "close"
    if kind == "respond":
        if status is None:
            raise _BadRequest("'status' is required for kind 'respond'")
        headers = _get(payload, "headers", dict) or {}
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
            raise _BadRequest("'headers' must map strings to strings")
        retry_after, body = _get(payload, "retry_after", (int, float, str)), _get(payload, "body", str)
        fault = Fault.respond(status, body=body, retry_after=retry_after, headers=headers, delay=delay)
    elif kind == "malformed":
        malformation = cast(Malformation, _get(payload, "malformation", str, required=True))
        fault = Fault.malformed(malformation, status=status, delay=delay)
    times = _get(payload, "times", int)
    times = 1 if times is None else times
    target = FaultTarget(*(_get(payload, key, str) for key in ("provider", "task_id", "dataset_id", "operation")))
    state.inject(fault, target, times)
    return json_reply(201, {"queued": times, "kind": kind})


Handler = Callable[[CloudState, Incoming], Reply]
# Each endpoint, what answers it, and its line of `aitasks fake-cloud --help`.
ENDPOINTS: tuple[tuple[Route, Handler, str], ...] = (
    (Route("GET", "/_fake/tasks", "tasks"), lambda state, _: json_reply(200, {"tasks": state.describe()}),
     "list every task with its status and cancel count"),
    (Route("POST", "/_fake/tasks", "seed"), _seed,
     'seed a task {"provider", "task_id", "dataset_id"?, "status"?, ...}'),
    (Route("DELETE", "/_fake/tasks/{provider}/{task_id}", "delete"), _delete, "delete a Gcore task"),
    (Route("DELETE", "/_fake/tasks/{provider}/{dataset_id}/{task_id}", "delete"), _delete, "delete a ModelArts task"),
    (Route("POST", "/_fake/datasets", "dataset"), _dataset,
     'seed a dataset {"provider", "dataset_id", "dataset_name"?}'),
    (Route("POST", "/_fake/reset", "reset"), lambda state, _: json_reply(200, state.reset()),
     "forget every task, dataset, fault and logged request"),
    (Route("GET", "/_fake/faults", "faults"), _list_faults, "list the queued faults in the order they fire"),
    (Route("POST", "/_fake/faults", "fault"), _add_fault,
     'queue a fault {"kind", "status"?, "times"?, "operation"?, ...}'),
    (Route("DELETE", "/_fake/faults", "clear"),
     lambda state, _: json_reply(200, {"cleared": sum(left for _, _, left in state.faults(clear=True))}),
     "drop every queued fault"),
)  # fmt: skip
ROUTES = tuple(route for route, _, _ in ENDPOINTS)
