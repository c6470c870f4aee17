"""The fake's `GET /v2/{project_id}/datasets` as querying_the_dataset_list.rst documents it: datasets appear when a
task is seeded in them or are seeded alone, pages by page index, sorts, filters and detects running tasks."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from aitasks.testing import FakeCloud

PAGE = Path(__file__).resolve().parents[1] / "specs" / "modelarts" / "querying_the_dataset_list.rst"


@pytest.fixture
def http(fake_cloud: FakeCloud) -> Iterator[httpx.Client]:
    headers = {"X-Auth-Token": fake_cloud.token}
    with httpx.Client(base_url=f"{fake_cloud.base_url}/v2/{fake_cloud.project_id}", headers=headers) as client:
        yield client


def _datasets(http: httpx.Client, **params: Any) -> dict[str, Any]:
    response = http.get("/datasets", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _ids(body: dict[str, Any]) -> list[str]:
    return [dataset["dataset_id"] for dataset in body["datasets"]]


def test_datasets_appear_when_a_task_is_seeded_or_alone(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """No dataset at first; a task creates its dataset once; a dataset can be seeded without tasks, in Python or
    over the control API; deleting its last task keeps it; reset forgets it."""
    assert _datasets(http) == {"total_number": 0, "datasets": []}
    fake_cloud.add_modelarts_task("d1", "t1")
    fake_cloud.add_modelarts_task("d1", "t2")
    fake_cloud.add_modelarts_dataset("d2", dataset_name="dataset-f9e8")
    seeded = httpx.post(f"{fake_cloud.base_url}/_fake/datasets", json={"provider": "modelarts", "dataset_id": "d 3"})
    assert (seeded.status_code, seeded.json()) == (201, {"provider": "modelarts", "dataset_id": "d 3"})
    body = _datasets(http)
    assert (body["total_number"], _ids(body)) == (3, ["d 3", "d2", "d1"])  # newest first
    assert [d["dataset_name"] for d in body["datasets"]] == ["d 3", "dataset-f9e8", "d1"]
    assert http.get("/datasets/d2/tasks").json() == {"tasks": [], "total_count": 0, "exist_running_deploy_task": False}
    fake_cloud.delete_task("modelarts", "t1", "d1")
    fake_cloud.delete_task("modelarts", "t2", "d1")
    assert _ids(_datasets(http)) == ["d 3", "d2", "d1"]
    fake_cloud.reset()
    assert _datasets(http)["total_number"] == 0


def test_every_field_is_one_the_page_names(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """Each key of the body and of a dataset is a parameter of the page's Tables 3-4; values are the example's or the
    fake's own (ids, name, times in milliseconds)."""
    table = PAGE.read_text(encoding="utf-8")
    before = dt.datetime.now(dt.timezone.utc)
    fake_cloud.add_modelarts_task("d1", "t1")
    body = _datasets(http)
    dataset = body["datasets"][0]
    for key in [*body, *dataset]:
        assert re.search(rf"^   \| {key} +\|", table, re.MULTILINE), key
    assert dataset == {
        "dataset_id": "d1",
        "dataset_name": "d1",
        "dataset_type": 0,
        "status": 1,
        "create_time": dataset["create_time"],
        "update_time": dataset["create_time"],
        "description": "",
        "workspace_id": "0",
        "exist_running_task": False,
        "running_tasks_id": [],
    }
    assert abs(dataset["create_time"] - before.timestamp() * 1000) < 60_000


def test_pages_are_page_indexes_over_several_pages(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """offset n with limit L holds datasets n*L .. n*L+L-1; past the end is empty; total_number counts them all."""
    for n in range(7):
        fake_cloud.add_modelarts_dataset(f"d{n}")
    pages = [_datasets(http, limit=3, offset=page) for page in range(4)]
    assert [_ids(page) for page in pages] == [["d6", "d5", "d4"], ["d3", "d2", "d1"], ["d0"], []]
    assert {page["total_number"] for page in pages} == {7}
    assert len(_datasets(http)["datasets"]) == 7  # default limit 10
    for params in ({"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "x"}):
        answer = http.get("/datasets", params=params)
        assert (answer.status_code, answer.json()["error_code"]) == (400, "ModelArts.0104"), params
    assert len(_datasets(http, limit=100)["datasets"]) == 7


def test_sort_search_and_filters(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """sort_by/order, search_content on names, dataset_type and workspace_id select as the page describes."""
    for dataset_id, name in (("a", "Bravo"), ("b", "alpha"), ("c", "charlie-bravo")):
        fake_cloud.add_modelarts_dataset(dataset_id, dataset_name=name)
    assert _ids(_datasets(http, order="asc")) == ["a", "b", "c"]
    assert _ids(_datasets(http, sort_by="dataset_name", order="asc")) == ["a", "b", "c"]  # Bravo < alpha < charlie
    assert _ids(_datasets(http, sort_by="dataset_name")) == ["c", "b", "a"]
    assert _ids(_datasets(http, search_content="BRAVO")) == ["c", "a"]
    assert _ids(_datasets(http, dataset_type=0)) == ["c", "b", "a"]
    assert _ids(_datasets(http, dataset_type=1, workspace_id="0")) == []
    assert _ids(_datasets(http, workspace_id="ws-1")) == []
    for params in ({"sort_by": "name"}, {"order": "up"}, {"dataset_type": 2}, {"file_preview": "yes"}):
        assert http.get("/datasets", params=params).status_code == 400, params


def test_running_tasks_are_detected_only_when_asked(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """check_running_task=true lists the running and initializing tasks (of running_task_type when given)."""
    fake_cloud.add_modelarts_task("d", "run", 1)
    fake_cloud.add_modelarts_task("d", "init", 0, task_type="pre-label")
    fake_cloud.add_modelarts_task("d", "group", 1, task_type="auto-grouping")
    fake_cloud.add_modelarts_task("d", "queued", -1)
    fake_cloud.add_modelarts_task("d", "done", 3)
    fake_cloud.add_modelarts_dataset("idle")

    def running(**params: Any) -> dict[str, tuple[bool, list[str]]]:
        body = _datasets(http, **params)
        return {d["dataset_id"]: (d["exist_running_task"], d["running_tasks_id"]) for d in body["datasets"]}

    assert running() == {"idle": (False, []), "d": (False, [])}
    assert running(check_running_task="true") == {"idle": (False, []), "d": (True, ["run", "init", "group"])}
    assert running(check_running_task="true", running_task_type=1)["d"] == (True, ["init"])
    assert running(check_running_task="true", running_task_type=7)["d"] == (True, ["group"])
    assert running(check_running_task="true", running_task_type=2)["d"] == (False, [])
    assert http.post("/datasets/d/tasks/run/stop").status_code == 204
    assert running(check_running_task="true", running_task_type=0)["d"] == (False, [])


def test_auth_project_and_faults_apply(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """The dataset list checks the token and project like every ModelArts call, and faults can target it."""
    fake_cloud.add_modelarts_dataset("d")
    assert http.get("/datasets", headers={"X-Auth-Token": "wrong"}).status_code == 401
    other = httpx.get(f"{fake_cloud.base_url}/v2/{'f' * 32}/datasets", headers={"X-Auth-Token": fake_cloud.token})
    assert (other.status_code, other.json()["error_code"]) == (403, "ModelArts.0203")
    fake_cloud.fail_next(404, operation="datasets")
    fake_cloud.fail_next(503, operation="list")
    assert http.get("/datasets").status_code == 404
    assert http.get("/datasets").status_code == 200  # the list fault waits for a task list
    assert [(r.operation, r.status) for r in fake_cloud.requests[-2:]] == [("datasets", 404), ("datasets", 200)]
    with pytest.raises(ValueError, match="non-empty"):
        fake_cloud.add_modelarts_dataset("")
    with pytest.raises(ValueError, match="dataset_name"):
        fake_cloud.add_modelarts_dataset("d", dataset_name="")
    bad = httpx.post(f"{fake_cloud.base_url}/_fake/datasets", json={"provider": "gcore", "dataset_id": "d"})
    assert (bad.status_code, bad.json()) == (400, {"error": "gcore has no datasets"})
    extra = {"provider": "modelarts", "dataset_id": "d", "status": 1}
    bad = httpx.post(f"{fake_cloud.base_url}/_fake/datasets", json=extra)
    assert (bad.status_code, "unknown key 'status'" in bad.json()["error"]) == (400, True)
