"""Issue 19, row 7: every body the official Gcore SDK (gcore 0.59.0) reads, aitasks reads too, and both agree.

The bodies are the spec's own examples (`ai_results` for a task, `ai_tasks_list` for a page; the SDK ships no
examples or tests of its own) and the variants issue 19 measured: ids that are not UUIDs or are uppercase, null and
wrong-typed status and task_name, progress as a float or as text, epoch times in seconds and milliseconds. Each is
served by a loopback server and read with the SDK and with aitasks' sync and async clients: both succeed and agree
on id, status, progress and times.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gcore
import pytest
import yaml
from odd_server import RoutedServer, drivers, json_body, query

import aitasks

from conftest import GCORE_KEY
from scripted_server import Recorded, Reply

SPEC = Path(__file__).resolve().parents[1] / "specs" / "gcore" / "openapi.yaml"
TASKS = "/streaming/ai/tasks"


def _examples() -> tuple[dict[str, Any], dict[str, Any]]:
    schemas = yaml.safe_load(SPEC.read_text())["components"]["schemas"]
    return schemas["ai_results"]["example"], schemas["ai_tasks_list"]["example"]


TASK_EXAMPLE, LIST_EXAMPLE = _examples()

# The variants: (name, task id, fields changed from the spec's task example; ... deletes the field). Only the
# first three have ids that are not lowercase UUIDs: the others are odd in one field each, nothing else.
VARIANTS: list[tuple[str, str, dict[str, Any]]] = [
    ("job-id", "job-1", {}),
    ("readme-id", "t1", {"status": "STARTED", "progress": 10}),
    ("uppercase-uuid", "AAFE70C6-0000-0000-0000-327B65F7670F", {}),
    ("status-null", "aafe70c6-0000-0000-0000-000000000001", {"status": None}),
    ("status-integer", "aafe70c6-0000-0000-0000-000000000002", {"status": 5}),
    ("status-received", "aafe70c6-0000-0000-0000-000000000003", {"status": "RECEIVED", "progress": 0}),
    ("status-missing", "aafe70c6-0000-0000-0000-000000000004", {"status": ...}),
    ("task-name-null", "aafe70c6-0000-0000-0000-000000000005", {"task_name": None}),
    ("progress-float", "aafe70c6-0000-0000-0000-000000000006", {"status": "STARTED", "progress": 42.5}),
    ("progress-text", "aafe70c6-0000-0000-0000-000000000007", {"status": "STARTED", "progress": "42"}),
    ("progress-null", "aafe70c6-0000-0000-0000-000000000008", {"progress": None}),
    (
        "epoch-seconds",
        "aafe70c6-0000-0000-0000-000000000009",
        {"processing_time": {"started_at": 1700000000, "completed_at": 1700000062}},
    ),
    (
        "epoch-ms",
        "aafe70c6-0000-0000-0000-000000000010",
        {"processing_time": {"started_at": 1700000000123, "completed_at": None}},
    ),
    ("processing-time-null", "aafe70c6-0000-0000-0000-000000000011", {"processing_time": None}),
    ("result-failure", "aafe70c6-0000-0000-0000-000000000012", {"status": "FAILURE", "result": {"error": "no audio"}}),
]


def _variant(task_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    body = copy.deepcopy(TASK_EXAMPLE)
    body["task_id"] = task_id
    for key, value in changes.items():
        if value is ...:
            body.pop(key, None)
        else:
            body[key] = value
    return body


BODIES = {"spec-example": TASK_EXAMPLE} | {name: _variant(tid, changes) for name, tid, changes in VARIANTS}
# One list page: the spec's own list example (`next: page=2`), then every variant as a list item (the task
# example has the id of the list example's first item, so it is served by get only).
PAGE = {**LIST_EXAMPLE, "results": [*LIST_EXAMPLE["results"], *(b for n, b in BODIES.items() if n != "spec-example")]}


def route(request: Recorded) -> Reply:
    """The task bodies by id, the list page as page 1 and an empty last page after it (the SDK asks page + 1
    until a page is empty; aitasks follows `next`)."""
    path, params = query(request)
    if path == TASKS:
        if params.get("page", "1") == "1":
            return json_body(200, PAGE)
        return json_body(200, {"count": len(PAGE["results"]), "next": None, "previous": "page=1", "results": []})
    task_id = path.removeprefix(TASKS + "/")
    found = [body for body in BODIES.values() if body["task_id"] == task_id]
    return json_body(200, found[0]) if found else json_body(404, {"error": "Not Found"})


@pytest.fixture(scope="module")
def server() -> Iterator[RoutedServer]:
    with RoutedServer(route) as srv:
        yield srv


@pytest.fixture(params=["sync", "async"])
def make(request: pytest.FixtureRequest) -> Iterator[Any]:
    with drivers(request.param) as factory:
        yield factory


@pytest.fixture(scope="module")
def sdk(server: RoutedServer) -> Iterator[Any]:
    with gcore.Gcore(api_key=GCORE_KEY, base_url=server.url, max_retries=0) as client:
        yield client


def _number(value: object) -> float | None:
    """What a number the SDK kept (int, float, or numeric text as received) is worth."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _time(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def agree(mine: aitasks.Task, theirs: Any, body: dict[str, Any]) -> None:
    """aitasks' task and the SDK's model of the same body name the same id, status, progress and times."""
    assert mine.ref.task_id == theirs.task_id == body["task_id"]
    status = theirs.status
    assert mine.status == (status if isinstance(status, (str, int)) and not isinstance(status, bool) else None)
    assert mine.progress == _number(theirs.progress)
    times: Any = theirs.processing_time if isinstance(theirs.processing_time, gcore.BaseModel) else None
    assert _time(mine.started_at) == (times.started_at if times else None)
    assert _time(mine.finished_at) == (times.completed_at if times else None)
    assert mine.raw == body


def test_the_bodies_are_the_spec_examples_and_the_measured_variants() -> None:
    """The spec's examples are what the test serves (read from the spec, not copied), and ids are all distinct."""
    assert TASK_EXAMPLE["task_id"] == "aafe70c6-0000-0000-0000-327b65f7670f" and TASK_EXAMPLE["status"] == "SUCCESS"
    assert LIST_EXAMPLE["next"] == "page=2" and len(LIST_EXAMPLE["results"]) == 2
    ids = [item["task_id"] for item in PAGE["results"]]
    assert len(ids) == len(set(ids)) == 2 + len(VARIANTS)


@pytest.mark.parametrize("name", list(BODIES))
def test_get_reads_each_body_the_sdk_reads(server: RoutedServer, sdk: Any, make: Any, name: str) -> None:
    body = BODIES[name]
    theirs = sdk.streaming.ai_tasks.get(body["task_id"])
    mine = make("gcore", server.url)("get", body["task_id"])
    agree(mine, theirs, body)


def test_list_reads_every_item_the_sdk_lists(server: RoutedServer, sdk: Any, make: Any) -> None:
    """The list page (spec example plus every variant): the same tasks in the same order, each agreeing."""
    theirs = list(sdk.streaming.ai_tasks.list())
    mine, error = make("gcore", server.url).listing("tasks")
    assert error is None
    assert [t.ref.task_id for t in mine] == [t.task_id for t in theirs] == [b["task_id"] for b in PAGE["results"]]
    for task, model, body in zip(mine, theirs, PAGE["results"], strict=True):
        agree(task, model, body)
