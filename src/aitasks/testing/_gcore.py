"""The fake's Gcore Streaming AI tasks: routes, statuses, bodies, the paged list, errors and seeding rules.

Statuses (specs/gcore/streaming_api.yaml, the `status` query parameter's enum of `GET /streaming/ai/tasks`): the
pinned spec's response enum lacks RECEIVED; the vendor added it to the responses in its June 2026 spec
(mintlify-2ac03f04b) and the official SDK knows it. A cancel "moves the task to REVOKED"; 412 "because it is
already cancelled or completed": SUCCESS, FAILURE, REVOKED are final, everything else can be cancelled.

Ids: task_id is `type: string, format: uuid` in the spec; format is an annotation the official SDK does not
enforce on reads, so the fake takes any non-empty text as an id (`job-1`, `t1`, an uppercase UUID) and serves it
exactly as seeded, in the path and in every body. The list's `task_id` filter takes a UUID (compared ignoring
case, as UUIDs compare) or the exact id of a seeded task; anything else is a value outside the parameter's type.

Bodies (specs/gcore/openapi.yaml): `ai_results` for GET one task, `ai_task_base` for each list item.
- task_data: the spec's own example for the task's type (`ai_transcribe` / `ai_contentmoderation_nsfw` examples);
  the `ai_results` example's `{}` is one no branch of the oneOf accepts (vendor-defects.json).
- processing_time: the task's times on the fake's clock, in the examples' format (`2024-07-13T12:30:00.000Z`);
  started_at is when the task was seeded (the list's default order is by started_at, so every task has one).
  The pinned spec has it only on GET; the vendor's newer spec requires it on list items too and the official
  SDK's `AITask` needs it, so list items carry it as well (the pinned schema allows the extra property).
- result: null, the schema's default. In the pinned spec `result` is a oneOf of result objects that require
  nothing, so every documented result object matches several branches and is rejected; only null is valid.
- progress: the seeded value, else derived: 100 for SUCCESS (as in the examples), 0 otherwise.

The list (get_ai_tasks_list):
- filters: status and task_name (their enums), task_id (see Ids above), search
  ("combined text search in task_id, task_name, status and task_data", full or partial: case-insensitive
  substring), date_created (the spec says only "Datetime in ISO 8601 format": tasks created on that UTC day);
- ordering: one of its enum, ascending; without it "started_at DESC";
- page (from 1, default 1) and limit (default 10); the body is `ai_tasks_list`: count (all matches), next and
  previous as "part of query string of the request" (the example's `page=2`: the request's own query with the
  page replaced), results. A page past the end is 200 with no results: the official SDK's paginator asks for
  page + 1 until a page comes back empty.
- a value outside its parameter's type or enum answers the documented 404 (`notfound`, whose example reads
  "... please check the initial parameters"); the list documents no 400.
"""

from __future__ import annotations

import copy
import datetime as dt
import hmac
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

import attrs

from ._provider import BadQuery, FakeProvider, FakeTask, Reply, Route, integer_param, json_reply, query_params, register
from ._provider import error_reply as _error

if TYPE_CHECKING:
    from ._state import CloudState, Incoming


GCORE_RUNNING = ("RECEIVED", "PENDING", "STARTED", "RETRY")
GCORE_FINISHED = ("SUCCESS", "FAILURE", "REVOKED")
GCORE_STATUSES = GCORE_RUNNING + GCORE_FINISHED
GCORE_TASK_NAMES = ("transcription", "content-moderation")  # ai_task_base.task_name enum
ORDERINGS = ("task_id", "status", "task_name", "started_at")
FEATURE_DISABLED = "gcore_feature_disabled"  # a flag of the state: every call answers 422
# The 404 of get_ai_task and get_ai_tasks_list: the `notfound` schema's example, {"status", "error"}.
NOT_FOUND = json_reply(
    404,
    {
        "status": 404,
        "error": "Not Found. Entity you are looking for was not found, please check the initial parameters",
    },
)
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")

# /components/schemas/ai_transcribe/example and /components/schemas/ai_contentmoderation_nsfw/example.
GCORE_TASK_DATA: dict[str, dict[str, str]] = {
    "transcription": {
        "url": "https://demo-files.gvideo.io/apidocs/spritefright-blender-cut30sec.mp4",
        "task_name": "transcription",
        "audio_language": "ger",
    },
    "content-moderation": {
        "url": "https://demo-files.gvideo.io/ai_demo_subtitles_nudity_detection.mp4",
        "task_name": "content-moderation",
        "category": "nsfw",
    },
}


@attrs.define
class GcoreTask(FakeTask):
    """One Gcore AI task; times come from the fake's clock."""

    task_name: str = "transcription"
    progress: int | None = None  # None: derived from the status when a body is rendered
    completed: dt.datetime | None = None

    def fields(self) -> dict[str, Any]:
        return {"task_name": self.task_name, "progress": self.progress, "type": None}


def _milliseconds(when: dt.datetime) -> dt.datetime:
    """UTC, to the millisecond the examples show, so the times and their difference agree."""
    when = when.astimezone(dt.timezone.utc)
    return when.replace(microsecond=when.microsecond // 1000 * 1000)


def _time(when: dt.datetime) -> str:
    when = _milliseconds(when)
    return f"{when:%Y-%m-%dT%H:%M:%S}.{when.microsecond // 1000:03d}Z"


def task_body(task: GcoreTask, *, detail: bool) -> dict[str, Any]:
    """`ai_results` (detail) or an `ai_task_base` list item."""
    progress = task.progress if task.progress is not None else (100 if task.status == "SUCCESS" else 0)
    done = task.completed
    body: dict[str, Any] = {
        "task_id": task.task_id,
        "task_name": task.task_name,
        "status": task.status,
        "progress": progress,
        "task_data": copy.deepcopy(GCORE_TASK_DATA[task.task_name]),
        "processing_time": {
            "started_at": _time(task.created),
            "completed_at": None if done is None else _time(done),
            "total_time_sec": None
            if done is None
            else round((_milliseconds(done) - _milliseconds(task.created)).total_seconds(), 3),
        },
    }
    if detail:
        body["result"] = None
    return body


def _day(params: Mapping[str, str]) -> dt.date | None:
    raw = params.get("date_created")
    if not raw:
        return None
    match = _DAY.match(raw)
    if match is not None:
        try:
            return dt.date(*map(int, match.groups()))
        except ValueError:  # 2026-13-45
            pass
    raise BadQuery("date_created", raw)


def _matches(task: GcoreTask, params: Mapping[str, str], day: dt.date | None) -> bool:
    if params.get("status") and task.status != params["status"]:
        return False
    if params.get("task_name") and task.task_name != params["task_name"]:
        return False
    if "task_id" in params and task.task_id != params["task_id"]:
        return task.task_id.lower() == params["task_id"].lower() and _UUID.fullmatch(task.task_id) is not None
    if day is not None and task.created.astimezone(dt.timezone.utc).date() != day:
        return False
    search = params.get("search", "").casefold()
    if search:
        fields = [task.task_id, task.task_name, task.status, *GCORE_TASK_DATA[task.task_name].values()]
        return any(search in field.casefold() for field in fields)
    return True


def _page_pointer(query: str, page: int) -> str:
    rest = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True, errors="replace") if k != "page"]
    return urlencode([("page", str(page)), *rest])


def list_body(tasks: Sequence[Any], query: str) -> dict[str, Any]:
    """The `ai_tasks_list` body for this query; BadQuery for an undocumented value."""
    params = query_params(query)
    page = integer_param(params, "page", 1, lambda n: n >= 1)
    limit = integer_param(params, "limit", 10, lambda n: n >= 1)
    for name, options in (("status", GCORE_STATUSES), ("task_name", GCORE_TASK_NAMES), ("ordering", ORDERINGS)):
        if params.get(name, options[0]) not in options:
            raise BadQuery(name, params[name])
    ordering = params.get("ordering")
    wanted = params.get("task_id")
    if wanted is not None and not _UUID.fullmatch(wanted) and all(task.task_id != wanted for task in tasks):
        raise BadQuery("task_id", wanted)
    day = _day(params)
    matching = [task for task in tasks if _matches(task, params, day)]
    if ordering is None or ordering == "started_at":
        matching.sort(key=lambda t: (t.created, t.seq), reverse=ordering is None)
    else:
        matching.sort(key=lambda t: (getattr(t, ordering), t.seq))
    start = (page - 1) * limit
    return {
        "count": len(matching),
        "next": _page_pointer(query, page + 1) if start + limit < len(matching) else None,
        "previous": _page_pointer(query, page - 1) if page > 1 else None,
        "results": [task_body(task, detail=False) for task in matching[start : start + limit]],
    }


class Gcore(FakeProvider):
    """Gcore Streaming's AI task API: `apikey` auth, cancel (202 / 412), get, and the paged list."""

    name = "gcore"
    routes = (
        Route("POST", "/streaming/ai/tasks/{task_id}/cancel", "cancel", body_status=202),
        Route("GET", "/streaming/ai/tasks/{task_id}", "get"),
        Route("GET", "/streaming/ai/tasks", "list"),
    )
    seed_fields = ("status", "task_name", "progress")

    def seed(self, store: CloudState, task_id: str, dataset_id: str | None, fields: Mapping[str, Any]) -> FakeTask:
        status, task_name, progress = fields.get("status", "STARTED"), fields.get("task_name"), fields.get("progress")
        if status not in GCORE_STATUSES or not isinstance(status, str):
            raise ValueError(f"undocumented gcore status {status!r}; expected one of {', '.join(GCORE_STATUSES)}")
        if task_name is not None and task_name not in GCORE_TASK_NAMES:
            names = ", ".join(GCORE_TASK_NAMES)
            raise ValueError(f"undocumented gcore task_name {task_name!r}; expected one of {names}")
        if progress is not None and (type(progress) is not int or not 0 <= progress <= 100):
            raise ValueError(f"gcore progress must be an integer percentage 0..100, not {progress!r}")
        now = store.now()
        return GcoreTask(
            task_id, status, now, store.next_seq(), task_name=task_name or "transcription", progress=progress,
            completed=now if status in GCORE_FINISHED else None,
        )  # fmt: skip

    def answer(self, store: CloudState, call: Incoming) -> tuple[Reply, bool]:
        scheme, _, key = call.headers.get("authorization", "").partition(" ")
        expected = f"apikey {store.config.gcore_api_key}".encode()
        if scheme.lower() != "apikey" or not hmac.compare_digest(f"apikey {key}".encode(), expected):
            return _error(401, "Invalid API key: send 'Authorization: apikey <key>'."), False
        operation, task_id = call.operation, call.target.task_id
        if operation == "cancel" and not task_id:
            return _error(400, '"task_id" is not specified'), False
        with store.lock:
            if FEATURE_DISABLED in store.flags:
                return _error(422, "Feature is disabled. Contact support to enable."), False
            if operation == "list":
                try:
                    return json_reply(200, list_body(store.tasks_of(self.name), call.target.query)), False
                except BadQuery:
                    return NOT_FOUND, False
            assert task_id is not None
            task = store.task(self.name, None, task_id)
            assert task is None or isinstance(task, GcoreTask)
            if operation == "get":
                return (NOT_FOUND if task is None else json_reply(200, task_body(task, detail=True))), False
            if task is None:
                return _error(404, "Task not found"), False
            if task.status in GCORE_FINISHED:
                return _error(412, f"Cannot cancel task because it is already in status {task.status}."), False
            task.status, task.completed = "REVOKED", store.now()
            task.cancels += 1
        return json_reply(202, {"result": "Task has been cancelled successfully."}), True


register(Gcore())
