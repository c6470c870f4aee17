"""The paged lists: each provider's documented query parameters, filters and page bodies.

Gcore `GET /streaming/ai/tasks` (specs/gcore/openapi.yaml, get_ai_tasks_list):
- filters: status and task_name (their enums), task_id (`format: uuid`; exact match), search ("combined text
  search in task_id, task_name, status and task_data", full or partial: case-insensitive substring), date_created
  (the spec says only "Datetime in ISO 8601 format": the fake keeps tasks created on that UTC day);
- ordering: one of its enum, ascending; without it "started_at DESC";
- page (from 1, default 1) and limit (default 10); the body is `ai_tasks_list`: count (all matches), next and
  previous as "part of query string of the request" (the example's `page=2`: the request's own query with the
  page replaced), results. A page past the end is 200 with no results: the official SDK's paginator asks for
  page + 1 until a page comes back empty.
- a value outside its parameter's type or enum answers the documented 404 (`notfound`, whose example reads
  "... please check the initial parameters"); the list documents no 400.

ModelArts `GET .../datasets/{dataset_id}/tasks` (obtaining_an_auto_labeling_task_list_by_page.rst, Table 2):
- limit 1..100 (default 10); offset "Start page for pagination display", default 0: a page index, so page n
  holds the tasks n*limit .. n*limit+limit-1;
- type: auto-label, pre-label or auto-grouping; "If this parameter is not delivered, the auto labeling (active
  learning or pre-labeling) task list is returned": no type lists auto-label and pre-label tasks only;
  an undocumented type matches no task;
- task_name: "Task name filtering" (the fake matches the whole name);
- newest first, as the page's example lists them; total_count counts every match.
- a limit outside 1..100 or an offset that is no integer >= 0 answers 400 ModelArts.0104 "Parameter error.",
  the vendor's error code for it (https://docs.otc.t-systems.com/modelarts/api-ref/common_parameters/
  error_codes.html); the page itself documents no 400.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode

from ._bodies import gcore_task_body, modelarts_list_item
from ._tasks import GCORE_STATUSES, GCORE_TASK_NAMES, GcoreTask, ModelArtsTask

__all__ = ["BadQuery", "gcore_list_body", "modelarts_list_body"]

GCORE_ORDERINGS = ("task_id", "status", "task_name", "started_at")
_DIGITS = re.compile(r"[0-9]{1,4000}")  # a decimal integer, short enough for int() without a limit error
_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class BadQuery(ValueError):
    """A query parameter outside what the vendor documents."""

    def __init__(self, name: str, value: str) -> None:
        super().__init__(f"invalid query parameter {name}={value!r}")
        self.name = name


def _params(query: str) -> dict[str, str]:
    # A repeated parameter keeps its last value, as Django's QueryDict.get does.
    return dict(parse_qsl(query, keep_blank_values=True, errors="replace"))


def _integer(params: dict[str, str], name: str, default: int, valid: Callable[[int], bool]) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    if not _DIGITS.fullmatch(raw) or not valid(int(raw)):
        raise BadQuery(name, raw)
    return int(raw)


def _choice(params: dict[str, str], name: str, options: Sequence[str]) -> str | None:
    raw = params.get(name)
    if raw is not None and raw not in options:
        raise BadQuery(name, raw)
    return raw


def _day(params: dict[str, str]) -> dt.date | None:
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


def _gcore_matches(task: GcoreTask, params: dict[str, str], day: dt.date | None) -> bool:
    if params.get("status") and task.status != params["status"]:
        return False
    if params.get("task_name") and task.task_name != params["task_name"]:
        return False
    if "task_id" in params and task.task_id.lower() != params["task_id"].lower():
        return False
    if day is not None and task.created.astimezone(dt.timezone.utc).date() != day:
        return False
    search = params.get("search", "").casefold()
    if search:
        data = gcore_task_body(task, detail=False)["task_data"]
        fields = [task.task_id, task.task_name, task.status, *map(str, data.values())]
        return any(search in field.casefold() for field in fields)
    return True


def _page_pointer(query: str, page: int) -> str:
    rest = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True, errors="replace") if k != "page"]
    return urlencode([("page", str(page)), *rest])


def gcore_list_body(tasks: list[GcoreTask], query: str) -> dict[str, Any]:
    """The `ai_tasks_list` body for this query; BadQuery for an undocumented value."""
    params = _params(query)
    page = _integer(params, "page", 1, lambda n: n >= 1)
    limit = _integer(params, "limit", 10, lambda n: n >= 1)
    _choice(params, "status", GCORE_STATUSES)
    _choice(params, "task_name", GCORE_TASK_NAMES)
    ordering = _choice(params, "ordering", GCORE_ORDERINGS)
    if "task_id" in params and not _UUID.fullmatch(params["task_id"]):
        raise BadQuery("task_id", params["task_id"])
    day = _day(params)
    matching = [task for task in tasks if _gcore_matches(task, params, day)]
    if ordering is None or ordering == "started_at":
        matching.sort(key=lambda t: (t.created, t.seq), reverse=ordering is None)
    else:
        matching.sort(key=lambda t: (getattr(t, ordering), t.seq))
    start = (page - 1) * limit
    return {
        "count": len(matching),
        "next": _page_pointer(query, page + 1) if start + limit < len(matching) else None,
        "previous": _page_pointer(query, page - 1) if page > 1 else None,
        "results": [gcore_task_body(task, detail=False) for task in matching[start : start + limit]],
    }


def modelarts_list_body(tasks: list[ModelArtsTask], query: str, now: dt.datetime) -> dict[str, Any]:
    """The ListTasks body for one dataset's tasks; BadQuery for a bad limit or offset."""
    params = _params(query)
    limit = _integer(params, "limit", 10, lambda n: 1 <= n <= 100)
    offset = _integer(params, "offset", 0, lambda n: n >= 0)
    wanted = params.get("type") or None
    types = {"auto-label", "pre-label"} if wanted is None else {wanted}
    name = params.get("task_name") or None
    matching = [t for t in tasks if t.task_type in types and (name is None or t.task_name == name)]
    matching.sort(key=lambda t: (t.created, t.seq), reverse=True)
    start = offset * limit
    return {
        "tasks": [modelarts_list_item(task, now) for task in matching[start : start + limit]],
        "total_count": len(matching),
        "exist_running_deploy_task": False,
    }
