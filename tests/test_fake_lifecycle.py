"""The fake's task lifecycle over real HTTP: statuses, get, paged lists, stop delays, seeding and faults per call."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import yaml

from aitasks.testing import (
    GCORE_FINISHED,
    GCORE_RUNNING,
    MODELARTS_FINISHED,
    MODELARTS_RUNNING,
    MODELARTS_STOPPING,
    FakeCloud,
)
from aitasks.testing._gcore import GCORE_TASK_DATA

ROOT = Path(__file__).resolve().parents[1]
NOT_FOUND = {
    "status": 404,
    "error": "Not Found. Entity you are looking for was not found, please check the initial parameters",
}
PARAMETER_ERROR = {"error_code": "ModelArts.0104", "error_msg": "Parameter error."}


@pytest.fixture
def http(fake_cloud: FakeCloud) -> Iterator[httpx.Client]:
    """A plain httpx client on the fake's base URL."""
    with httpx.Client(base_url=fake_cloud.base_url, timeout=5) as client:
        yield client


def g_get(fake: FakeCloud, http: httpx.Client, task_id: str) -> httpx.Response:
    return http.get(
        f"/streaming/ai/tasks/{quote(task_id, safe='')}", headers={"Authorization": "APIKey " + fake.gcore_api_key}
    )


def g_list(fake: FakeCloud, http: httpx.Client, query: str = "") -> httpx.Response:
    return http.get(f"/streaming/ai/tasks{query}", headers={"Authorization": f"apikey {fake.gcore_api_key}"})


def g_cancel(fake: FakeCloud, http: httpx.Client, task_id: str) -> httpx.Response:
    return http.post(
        f"/streaming/ai/tasks/{quote(task_id, safe='')}/cancel",
        headers={"Authorization": f"apikey {fake.gcore_api_key}"},
    )


def m_path(fake: FakeCloud, dataset_id: str, task_id: str | None = None) -> str:
    tail = "" if task_id is None else "/" + quote(task_id, safe="")
    return f"/v2/{fake.project_id}/datasets/{quote(dataset_id, safe='')}/tasks{tail}"


def m_get(fake: FakeCloud, http: httpx.Client, dataset_id: str, task_id: str) -> httpx.Response:
    return http.get(m_path(fake, dataset_id, task_id), headers={"X-Auth-Token": fake.token})


def m_list(fake: FakeCloud, http: httpx.Client, dataset_id: str, query: str = "") -> httpx.Response:
    return http.get(m_path(fake, dataset_id) + query, headers={"X-Auth-Token": fake.token})


def m_stop(fake: FakeCloud, http: httpx.Client, dataset_id: str, task_id: str) -> httpx.Response:
    return http.post(m_path(fake, dataset_id, task_id) + "/stop", headers={"X-Auth-Token": fake.token})


def _spec(provider: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "specs" / provider / "openapi.yaml").read_text())
    return loaded


# --- the status tables are the vendors' ---------------------------------------------------------------------


def test_gcore_statuses_are_the_specs_task_status_enum() -> None:
    """GCORE_RUNNING + GCORE_FINISHED is the list's status enum; the pinned body enum is that minus RECEIVED."""
    spec = _spec("gcore")
    query = {p["name"]: p for p in spec["paths"]["/streaming/ai/tasks"]["get"]["parameters"]}
    body = spec["components"]["schemas"]["ai_task_base"]["properties"]["status"]["enum"]
    assert sorted(GCORE_RUNNING + GCORE_FINISHED) == sorted(query["status"]["schema"]["enum"])
    assert sorted(set(GCORE_RUNNING + GCORE_FINISHED) - set(body)) == ["RECEIVED"]
    assert (
        "already cancelled or completed"
        in spec["paths"]["/streaming/ai/tasks/{task_id}/cancel"]["post"]["responses"]["412"]["description"]
    )


def test_modelarts_statuses_are_the_task_details_options() -> None:
    """-1..5 are the status options of the task details page, split into running, stopping and finished."""
    status = _spec("modelarts")["components"]["schemas"]["AutoAnnotationProgressResponse"]["properties"]["status"]
    assert sorted([*MODELARTS_RUNNING, MODELARTS_STOPPING, *MODELARTS_FINISHED]) == status["enum"]
    options = dict(re.findall(r"\*\*(-?\d)\*\*: (\w+)", status["description"]))
    assert [options[str(s)] for s in MODELARTS_RUNNING] == ["queuing", "initializing", "running"]
    assert options[str(MODELARTS_STOPPING)] == "stopping"
    assert [options[str(s)] for s in MODELARTS_FINISHED] == ["failed", "succeeded", "stopped"]


def test_gcore_task_data_are_the_specs_own_examples() -> None:
    """The task_data the fake sends for each task name is that schema's example in the spec, unchanged."""
    schemas = _spec("gcore")["components"]["schemas"]
    assert GCORE_TASK_DATA["transcription"] == schemas["ai_transcribe"]["example"]
    assert GCORE_TASK_DATA["content-moderation"] == schemas["ai_contentmoderation_nsfw"]["example"]


# --- Gcore --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", GCORE_RUNNING)
def test_gcore_cancel_revokes_and_get_shows_it(fake_cloud: FakeCloud, http: httpx.Client, status: str) -> None:
    """Every running status is cancelled to REVOKED; GET then shows REVOKED with its completion time."""
    fake_cloud.add_gcore_task("t", status, progress=30)
    assert g_get(fake_cloud, http, "t").json()["processing_time"]["completed_at"] is None
    assert g_cancel(fake_cloud, http, "t").status_code == 202
    body = g_get(fake_cloud, http, "t").json()
    assert (body["status"], body["progress"]) == ("REVOKED", 30)
    started = dt.datetime.fromisoformat(body["processing_time"]["started_at"].replace("Z", "+00:00"))
    completed = dt.datetime.fromisoformat(body["processing_time"]["completed_at"].replace("Z", "+00:00"))
    assert dt.timedelta(0) <= completed - started < dt.timedelta(seconds=10)
    assert body["processing_time"]["total_time_sec"] == round((completed - started).total_seconds(), 3)


def test_gcore_get_body(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """GET one task: the documented fields, the seeded values, derived progress and a null result."""
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    fake_cloud.add_gcore_task("a", "SUCCESS", task_name="content-moderation")
    fake_cloud.add_gcore_task("b", "PENDING")
    a, b = g_get(fake_cloud, http, "a").json(), g_get(fake_cloud, http, "b").json()
    assert set(a) == {"task_id", "task_name", "status", "progress", "task_data", "processing_time", "result"}
    assert (a["task_id"], a["status"], a["progress"], a["task_name"], a["result"]) == (
        "a",
        "SUCCESS",
        100,
        "content-moderation",
        None,
    )
    assert a["task_data"] == GCORE_TASK_DATA["content-moderation"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", a["processing_time"]["started_at"])
    assert dt.datetime.fromisoformat(a["processing_time"]["started_at"].replace("Z", "+00:00")) >= before
    assert a["processing_time"]["total_time_sec"] == 0.0
    assert (b["progress"], b["task_name"], b["processing_time"]["total_time_sec"]) == (0, "transcription", None)


def test_gcore_get_unknown_task_is_the_documented_404(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """An unknown id answers get's 404 body ({status, error}), unlike cancel's {error: "Task not found"}."""
    response = g_get(fake_cloud, http, "nope")
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


@pytest.mark.parametrize("call", ["get", "list"])
def test_gcore_reads_need_the_key_and_the_feature(fake_cloud: FakeCloud, http: httpx.Client, call: str) -> None:
    """get and list answer 401 without the key and 422 on a feature-disabled account, like cancel."""
    fake_cloud.add_gcore_task("t")
    path = "/streaming/ai/tasks/t" if call == "get" else "/streaming/ai/tasks"
    assert http.get(path).status_code == 401
    fake_cloud.set_gcore_feature_disabled()
    response = http.get(path, headers={"Authorization": f"apikey {fake_cloud.gcore_api_key}"})
    assert (response.status_code, response.json()) == (
        422,
        {"error": "Feature is disabled. Contact support to enable."},
    )


def test_gcore_list_pages_through_every_task_newest_first(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """23 tasks over 5 pages of 5: count, next/previous as query strings, no task twice, newest first."""
    ids = [f"t{n:02d}" for n in range(23)]
    for task_id in ids:
        fake_cloud.add_gcore_task(task_id)
    seen: list[str] = []
    query: str | None = "limit=5"
    pages = 0
    while query is not None and pages < 10:
        body = g_list(fake_cloud, http, "?" + query).json()
        assert body["count"] == 23
        assert len(body["results"]) == (5 if pages < 4 else 3)
        assert body["previous"] == (None if pages == 0 else f"page={pages}&limit=5")
        seen += [task["task_id"] for task in body["results"]]
        query, pages = body["next"], pages + 1
    assert pages == 5
    assert seen == ids[::-1]
    past = g_list(fake_cloud, http, "?limit=5&page=6").json()
    assert (past["count"], past["next"], past["previous"], past["results"]) == (23, None, "page=5&limit=5", [])


def test_gcore_list_defaults_to_ten_and_next_keeps_the_filters(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """Without page/limit: the first 10; next is the request's query with the page replaced."""
    for n in range(12):
        fake_cloud.add_gcore_task(f"t{n}", "PENDING")
    plain = g_list(fake_cloud, http).json()
    assert (len(plain["results"]), plain["next"], plain["previous"]) == (10, "page=2", None)
    filtered = g_list(fake_cloud, http, "?status=PENDING&page=1&search=t").json()
    assert filtered["next"] == "page=2&status=PENDING&search=t"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=SUCCESS", {"s1", "s2"}),
        ("status=RECEIVED", {"r"}),
        ("task_name=content-moderation", {"s2", "r"}),
        ("search=NSFW", {"s2", "r"}),
        ("search=spritefright", {"p", "s1", "aafe70c6-0000-0000-0000-000000000001"}),
        ("search=succ", {"s1", "s2"}),
        ("search=aafe70c6", {"aafe70c6-0000-0000-0000-000000000001"}),
        ("task_id=AAFE70C6-0000-0000-0000-000000000001", {"aafe70c6-0000-0000-0000-000000000001"}),
        ("status=PENDING&task_name=transcription", {"p", "aafe70c6-0000-0000-0000-000000000001"}),
        ("status=REVOKED", set()),
        ("status=", None),
        ("status=PROCESSING", None),
        ("task_name=asr", None),
        ("task_id=p", {"p"}),  # a seeded id is found as it is, UUID or not
        ("task_id=P", None),
        ("task_id=job-1", None),
        ("ordering=-status", None),
        ("page=0", None),
        ("page=-1", None),
        ("page=x", None),
        ("limit=0", None),
        ("limit=1.5", None),
        ("date_created=yesterday", None),
        ("date_created=2026-02-30", None),
    ],
)
def test_gcore_list_filters(fake_cloud: FakeCloud, http: httpx.Client, query: str, expected: set[str] | None) -> None:
    """Documented filters select; an undocumented value answers the documented 404 naming no task."""
    fake_cloud.add_gcore_task("p", "PENDING")
    fake_cloud.add_gcore_task("s1", "SUCCESS")
    fake_cloud.add_gcore_task("s2", "SUCCESS", task_name="content-moderation")
    fake_cloud.add_gcore_task("r", "RECEIVED", task_name="content-moderation")
    fake_cloud.add_gcore_task("aafe70c6-0000-0000-0000-000000000001", "PENDING")
    response = g_list(fake_cloud, http, "?" + query)
    if expected is None:
        assert (response.status_code, response.json()) == (404, NOT_FOUND)
    else:
        assert response.status_code == 200
        assert {task["task_id"] for task in response.json()["results"]} == expected
        assert response.json()["count"] == len(expected)


def test_gcore_list_date_created_and_ordering(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """date_created keeps the tasks of that UTC day; ordering sorts ascending by the named field."""
    fake_cloud.add_gcore_task("b", "SUCCESS")
    fake_cloud.add_gcore_task("a", "PENDING", task_name="content-moderation")
    fake_cloud.add_gcore_task("c", "FAILURE")
    today = dt.datetime.now(dt.timezone.utc).date()
    for day, count in ((today.isoformat(), 3), ((today - dt.timedelta(days=2)).isoformat() + "T10:00:00Z", 0)):
        assert g_list(fake_cloud, http, f"?date_created={day}").json()["count"] == count

    def order(field: str) -> list[str]:
        return [t["task_id"] for t in g_list(fake_cloud, http, f"?ordering={field}").json()["results"]]

    assert order("task_id") == ["a", "b", "c"]
    assert order("status") == ["c", "a", "b"]
    assert order("task_name") == ["a", "b", "c"]
    assert order("started_at") == ["b", "a", "c"]
    assert [t["task_id"] for t in g_list(fake_cloud, http).json()["results"]] == ["c", "a", "b"]


def test_gcore_list_of_a_thousand_tasks_stays_bounded(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """A huge page number or limit is answered at once (200), never a slow or failing request."""
    for n in range(1000):
        fake_cloud.add_gcore_task(f"t{n}")
    started = time.monotonic()
    assert g_list(fake_cloud, http, "?page=" + "9" * 3000).json()["results"] == []
    assert len(g_list(fake_cloud, http, "?limit=" + "9" * 3000).json()["results"]) == 1000
    assert g_list(fake_cloud, http, "?page=" + "9" * 5000).status_code == 404  # past int()'s digit limit
    assert time.monotonic() - started < 10


# --- ModelArts ----------------------------------------------------------------------------------------------


def _wait_status(fake: FakeCloud, dataset_id: str, task_id: str, status: int, timeout: float = 5.0) -> float:
    """Poll the fake until the task has this status; the seconds it took (bounded)."""
    started = time.monotonic()
    while fake.task_status("modelarts", task_id, dataset_id) != status:
        assert time.monotonic() - started < timeout, fake.task_status("modelarts", task_id, dataset_id)
        time.sleep(0.01)
    return time.monotonic() - started


@pytest.mark.parametrize("status", MODELARTS_RUNNING)
def test_modelarts_stop_is_stopping_then_stopped_after_the_delay(http: httpx.Client, status: int) -> None:
    """A running task reads 4 right after the stop and 5 once modelarts_stop_delay has passed."""
    with FakeCloud(modelarts_stop_delay=0.3) as fake, httpx.Client(base_url=fake.base_url, timeout=5) as client:
        fake.add_modelarts_task("ds", "t", status)
        started = time.monotonic()
        assert m_stop(fake, client, "ds", "t").status_code == 204
        assert m_get(fake, client, "ds", "t").json()["status"] == MODELARTS_STOPPING
        assert m_list(fake, client, "ds").json()["tasks"][0]["status"] in (MODELARTS_STOPPING, 5)
        _wait_status(fake, "ds", "t", 5)
        assert time.monotonic() - started >= 0.3
        assert m_get(fake, client, "ds", "t").json()["status"] == 5
        assert fake.cancel_count("modelarts", "t", "ds") == 1


def test_modelarts_stop_delay_zero_stops_at_once(http: httpx.Client) -> None:
    """With modelarts_stop_delay=0 the first read after a stop already says 5."""
    with FakeCloud(modelarts_stop_delay=0) as fake, httpx.Client(base_url=fake.base_url, timeout=5) as client:
        assert fake.modelarts_stop_delay == 0
        fake.add_modelarts_task("ds", "t")
        m_stop(fake, client, "ds", "t")
        assert m_get(fake, client, "ds", "t").json()["status"] == 5
        assert client.get("/_fake/tasks").json()["tasks"][0]["status"] == 5


def test_modelarts_stopping_task_is_not_stopped_again(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """A second stop while stopping answers 204, keeps the delay running and counts nothing."""
    fake_cloud.add_modelarts_task("ds", "t")
    m_stop(fake_cloud, http, "ds", "t")
    response = m_stop(fake_cloud, http, "ds", "t")
    assert (response.status_code, fake_cloud.requests[-1].changed_state) == (204, False)
    assert fake_cloud.cancel_count("modelarts", "t", "ds") == 1


def test_modelarts_seeded_stopping_task_stops_after_the_delay() -> None:
    """A task seeded as 4 becomes 5 the delay after seeding."""
    with FakeCloud(modelarts_stop_delay=0.2) as fake:
        fake.add_modelarts_task("ds", "t", MODELARTS_STOPPING)
        assert fake.task_status("modelarts", "t", "ds") == MODELARTS_STOPPING
        assert _wait_status(fake, "ds", "t", 5) >= 0.15


@pytest.mark.parametrize("delay", [-0.1, float("nan"), float("inf"), 3601])
def test_modelarts_stop_delay_is_checked(delay: float) -> None:
    """A negative, NaN, infinite or over-an-hour delay is refused before anything starts."""
    with pytest.raises(ValueError, match="modelarts_stop_delay"):
        FakeCloud(modelarts_stop_delay=delay)


def test_modelarts_get_body(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """GET one task: the documented fields with the seeded values; progress derived when not seeded."""
    fake_cloud.add_modelarts_task("ds", "a", 3, task_name="label-cats")
    fake_cloud.add_modelarts_task("ds", "b", -1, progress=12)
    a, b = m_get(fake_cloud, http, "ds", "a").json(), m_get(fake_cloud, http, "ds", "b").json()
    assert set(a) == {"task_id", "status", "progress", "create_time", "elapsed_time", "task_name"}
    assert (a["task_id"], a["status"], a["progress"], a["task_name"], a["elapsed_time"]) == (
        "a",
        3,
        100.0,
        "label-cats",
        0,
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", a["create_time"])
    assert (b["status"], b["progress"], "task_name" in b) == (-1, 12.0, False)


@pytest.mark.parametrize(
    ("dataset_id", "task_id", "code"), [("nods", "t", "ModelArts.4352"), ("ds", "nope", "ModelArts.4353")]
)
def test_modelarts_reads_of_unknown_dataset_or_task_answer_404(
    fake_cloud: FakeCloud, http: httpx.Client, dataset_id: str, task_id: str, code: str
) -> None:
    """get answers 404 with the error shape for an unknown dataset or task; list for an unknown dataset."""
    fake_cloud.add_modelarts_task("ds", "t")
    response = m_get(fake_cloud, http, dataset_id, task_id)
    assert (response.status_code, response.json()["error_code"]) == (404, code)
    assert m_list(fake_cloud, http, "nods").json()["error_code"] == "ModelArts.4352"


def test_modelarts_list_pages_by_offset_newest_first(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """offset is the page index: 17 tasks, limit 4, offsets 0..4 hold each task once, newest first."""
    ids = [f"t{n:02d}" for n in range(17)]
    for task_id in ids:
        fake_cloud.add_modelarts_task("ds", task_id, task_type="pre-label" if int(task_id[1:]) % 2 else "auto-label")
    fake_cloud.add_modelarts_task("other", "x")
    seen: list[str] = []
    for offset in range(6):
        body = m_list(fake_cloud, http, "ds", f"?limit=4&offset={offset}").json()
        assert (body["total_count"], body["exist_running_deploy_task"]) == (17, False)
        assert len(body["tasks"]) == [4, 4, 4, 4, 1, 0][offset]
        seen += [task["task_id"] for task in body["tasks"]]
        assert all(task["dataset_id"] == "ds" for task in body["tasks"])
    assert seen == ids[::-1]
    default = m_list(fake_cloud, http, "ds").json()
    assert [t["task_id"] for t in default["tasks"]] == ids[::-1][:10]
    assert {t["type"] for t in default["tasks"]} == {0, 1}


def test_modelarts_list_type_and_name_filters(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """No type lists auto-label and pre-label tasks (as the page says); a type or a task_name narrows it."""
    fake_cloud.add_modelarts_task("ds", "al", task_type="auto-label", task_name="cats")
    fake_cloud.add_modelarts_task("ds", "pl", task_type="pre-label", task_name="dogs")
    fake_cloud.add_modelarts_task("ds", "ag", task_type="auto-grouping", task_name="cats")

    def ids(query: str) -> list[str]:
        body = m_list(fake_cloud, http, "ds", query).json()
        assert body["total_count"] == len(body["tasks"])
        return sorted(task["task_id"] for task in body["tasks"])

    assert ids("") == ids("?type=") == ["al", "pl"]
    assert ids("?type=auto-label") == ["al"]
    assert ids("?type=pre-label") == ["pl"]
    assert ids("?type=auto-grouping") == ["ag"]
    assert ids("?type=other") == []
    assert ids("?task_name=cats") == ["al"]
    assert ids("?task_name=cats&type=auto-grouping") == ["ag"]
    assert ids("?task_name=cat") == []
    grouping = m_list(fake_cloud, http, "ds", "?type=auto-grouping").json()["tasks"][0]
    assert "type" not in grouping  # the page documents no integer for auto grouping


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=x", "limit=", "offset=-1", "offset=1.0", "offset=x"])
def test_modelarts_list_bad_limit_or_offset_is_a_parameter_error(
    fake_cloud: FakeCloud, http: httpx.Client, query: str
) -> None:
    """A limit outside 1..100 or an offset that is no integer >= 0 answers 400 ModelArts.0104."""
    fake_cloud.add_modelarts_task("ds", "t")
    response = m_list(fake_cloud, http, "ds", "?" + query)
    assert (response.status_code, response.json()) == (400, PARAMETER_ERROR)


# --- seeding and faults -------------------------------------------------------------------------------------


def test_seeding_over_http_takes_the_documented_fields(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """task_name, progress and type seed over /_fake/tasks and come back in get bodies and the task listing."""
    seeded = http.post(
        "/_fake/tasks",
        json={"provider": "gcore", "task_id": "g", "status": "RETRY", "task_name": "content-moderation", "progress": 5},
    )
    assert seeded.status_code == 201
    body = g_get(fake_cloud, http, "g").json()
    assert (body["status"], body["task_name"], body["progress"]) == ("RETRY", "content-moderation", 5)
    payload = {"provider": "modelarts", "dataset_id": "d", "task_id": "m", "status": 0, "type": "pre-label"}
    assert http.post("/_fake/tasks", json={**payload, "task_name": "n", "progress": 2.5}).status_code == 201
    listed = m_list(fake_cloud, http, "d").json()["tasks"][0]
    assert (listed["status"], listed["type"], listed["task_name"], listed["progress"]) == (0, 1, "n", 2.5)
    tasks = {t["task_id"]: t for t in http.get("/_fake/tasks").json()["tasks"]}
    assert (tasks["m"]["type"], tasks["m"]["progress"], tasks["g"]["task_name"]) == (
        "pre-label",
        2.5,
        "content-moderation",
    )


@pytest.mark.parametrize("status", [*GCORE_RUNNING, *GCORE_FINISHED])
def test_every_gcore_status_seeds_over_http(http: httpx.Client, status: str) -> None:
    """Each documented Gcore status is accepted as given and read back."""
    assert (
        http.post("/_fake/tasks", json={"provider": "gcore", "task_id": "t", "status": status}).json()["status"]
        == status
    )


@pytest.mark.parametrize("status", [*MODELARTS_RUNNING, MODELARTS_STOPPING, *MODELARTS_FINISHED])
def test_every_modelarts_status_seeds_over_http(http: httpx.Client, status: int) -> None:
    """Each documented ModelArts integer is accepted as given and read back."""
    payload = {"provider": "modelarts", "dataset_id": "d", "task_id": "t", "status": status}
    assert http.post("/_fake/tasks", json=payload).json()["status"] == status


def test_faults_can_target_one_operation(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """operation="get" hits only gets; a task-targeted fault never hits a list; both are listed with it."""
    fake_cloud.add_gcore_task("t")
    fake_cloud.fail_next(503, operation="get")
    fake_cloud.fail_next(500, task_id="t", operation="list")
    assert http.get("/_fake/faults").json()["faults"][0]["operation"] == "get"
    assert g_list(fake_cloud, http).status_code == 200
    assert g_cancel(fake_cloud, http, "t").status_code == 202
    assert g_get(fake_cloud, http, "t").status_code == 503
    assert g_get(fake_cloud, http, "t").status_code == 200
    assert fake_cloud.pending_faults == 1
    queued = http.post("/_fake/faults", json={"kind": "respond", "status": 502, "operation": "list"})
    assert queued.status_code == 201
    assert g_list(fake_cloud, http).status_code == 502
    refused = http.post("/_fake/faults", json={"kind": "respond", "status": 502, "operation": "delete"})
    assert refused.status_code == 400 and "'delete'" in refused.json()["error"]


def test_malformed_read_defaults_to_a_200(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """A malformed fault on a get or list answers 200 (their documented JSON status) with the broken body."""
    fake_cloud.add_modelarts_task("ds", "t")
    fake_cloud.malform_next("invalid_json", operation="get")
    response = m_get(fake_cloud, http, "ds", "t")
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


def test_request_log_names_the_operation(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """Each logged provider call carries its operation; control calls carry none."""
    fake_cloud.add_gcore_task("t")
    fake_cloud.add_modelarts_task("ds", "t")
    g_list(fake_cloud, http)
    g_get(fake_cloud, http, "t")
    g_cancel(fake_cloud, http, "t")
    m_list(fake_cloud, http, "ds")
    m_get(fake_cloud, http, "ds", "t")
    m_stop(fake_cloud, http, "ds", "t")
    http.get("/_fake/tasks")
    logged = [(r.route, r.operation, r.task_id) for r in fake_cloud.requests]
    assert logged == [
        ("gcore", "list", None),
        ("gcore", "get", "t"),
        ("gcore", "cancel", "t"),
        ("modelarts", "list", None),
        ("modelarts", "get", "t"),
        ("modelarts", "cancel", "t"),
        ("control", None, None),
    ]
