"""Any id the vendor's schema allows is accepted and served exactly as seeded: Gcore's task_id is `type: string,
format: uuid`, and format is an annotation (the official SDK does not enforce it on reads), so `job-1`, `t1` and
an uppercase UUID are ids like any other, never reformatted."""

from __future__ import annotations

from urllib.parse import quote

import gcore
import httpx
import pytest

from aitasks.testing import FakeCloud

UPPER = "AAFE70C6-0000-4000-8000-00000000000A"
GCORE_IDS = ["job-1", "t1", UPPER, "aafe70c6-0000-4000-8000-00000000000b", "a b/c", "ü"]


def _apikey(fake: FakeCloud) -> dict[str, str]:
    return {"Authorization": f"apikey {fake.gcore_api_key}"}


@pytest.mark.parametrize("seed", ["python", "http"])
def test_gcore_ids_are_served_exactly_as_seeded(fake_cloud: FakeCloud, seed: str) -> None:
    """Seeded in Python or over the control API, each id comes back byte for byte from list, get, the task_id filter
    and the control API, and its cancel reaches it."""
    with httpx.Client(base_url=fake_cloud.base_url, headers=_apikey(fake_cloud), timeout=5) as http:
        for task_id in GCORE_IDS:
            if seed == "python":
                fake_cloud.add_gcore_task(task_id)
            else:
                assert http.post("/_fake/tasks", json={"provider": "gcore", "task_id": task_id}).status_code == 201
        listed = http.get("/streaming/ai/tasks", params={"limit": 100}).json()
        assert sorted(item["task_id"] for item in listed["results"]) == sorted(GCORE_IDS)
        assert sorted(task["task_id"] for task in http.get("/_fake/tasks").json()["tasks"]) == sorted(GCORE_IDS)
        for task_id in GCORE_IDS:
            path = f"/streaming/ai/tasks/{quote(task_id, safe='')}"
            assert http.get(path).json()["task_id"] == task_id
            found = http.get("/streaming/ai/tasks", params={"task_id": task_id}).json()["results"]
            assert [item["task_id"] for item in found] == [task_id]
            assert http.post(path + "/cancel").status_code == 202
            assert fake_cloud.task_status("gcore", task_id) == "REVOKED"
            assert fake_cloud.requests[-1].task_id == task_id


def test_a_uuid_filter_matches_ignoring_case_and_an_unknown_non_uuid_is_the_documented_404(
    fake_cloud: FakeCloud,
) -> None:
    """`task_id=` takes a UUID in either case (as UUIDs compare) or a seeded id; other text is outside its type."""
    fake_cloud.add_gcore_task(UPPER)
    fake_cloud.add_gcore_task("job-1")
    with httpx.Client(base_url=fake_cloud.base_url, headers=_apikey(fake_cloud), timeout=5) as http:
        found = http.get("/streaming/ai/tasks", params={"task_id": UPPER.lower()}).json()["results"]
        assert [item["task_id"] for item in found] == [UPPER]
        for unknown in ("job-2", "JOB-1", ""):
            assert http.get("/streaming/ai/tasks", params={"task_id": unknown}).status_code == 404, unknown


def test_the_official_sdk_reads_every_id_the_fake_accepts(fake_cloud: FakeCloud) -> None:
    """gcore's own client lists and gets each seeded id unchanged (the SDK does not check `format: uuid`)."""
    for task_id in GCORE_IDS:
        fake_cloud.add_gcore_task(task_id)
    with gcore.Gcore(api_key=fake_cloud.gcore_api_key, base_url=fake_cloud.base_url, max_retries=0) as sdk:
        assert sorted(task.task_id for task in sdk.streaming.ai_tasks.list(limit=2)) == sorted(GCORE_IDS)
        for task_id in ("job-1", "t1", UPPER):
            assert sdk.streaming.ai_tasks.get(task_id).task_id == task_id


@pytest.mark.parametrize(("dataset_id", "task_id"), [("ds-1", "job-1"), ("DS", UPPER), ("a b", "ü/x")])
def test_modelarts_ids_are_served_exactly_as_seeded(fake_cloud: FakeCloud, dataset_id: str, task_id: str) -> None:
    """A ModelArts dataset and task id of any text come back unchanged from the list and the detail."""
    fake_cloud.add_modelarts_task(dataset_id, task_id)
    base = f"/v2/{fake_cloud.project_id}/datasets/{quote(dataset_id, safe='')}/tasks"
    with httpx.Client(base_url=fake_cloud.base_url, headers={"X-Auth-Token": fake_cloud.token}, timeout=5) as http:
        item = http.get(base).json()["tasks"][0]
        assert (item["dataset_id"], item["task_id"]) == (dataset_id, task_id)
        assert http.get(f"{base}/{quote(task_id, safe='')}").json()["task_id"] == task_id
        assert http.post(f"{base}/{quote(task_id, safe='')}/stop").status_code == 204
