"""Every running task of a ModelArts project (issue 21): `datasets()`, `tasks()` without a dataset id, the router's
`tasks("modelarts")` and the command line's `modelarts` listing, against the fake and the vendor's own example."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

import aitasks
from aitasks._cli import main
from aitasks.testing import FakeCloud

SPEC = Path(__file__).resolve().parents[1] / "specs" / "modelarts" / "openapi.yaml"


def _vendor_example() -> dict[str, Any]:
    """The page's own 200 example for `GET /v2/{project_id}/datasets`, as the spec transcribes it."""
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    example: dict[str, Any] = spec["paths"]["/v2/{project_id}/datasets"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["example"]
    return example


@pytest.mark.parametrize("io", ["sync", "async"])
def test_datasets_reads_the_vendor_example(io: str) -> None:
    """The vendor's example is read: its dataset id as sent, its name, and the rest in `raw`."""
    example = _vendor_example()
    asked: list[httpx.URL] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request.url)
        return httpx.Response(200, json=example)

    kwargs: dict[str, Any] = {"endpoint": "https://ma.example", "project_id": "p1", "token": "tok-123456"}
    if io == "sync":
        with aitasks.ModelArts(**kwargs, http_client=httpx.Client(transport=httpx.MockTransport(answer))) as ma:
            datasets = list(ma.datasets())
    else:

        async def read() -> list[aitasks.Dataset]:
            http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
            async with aitasks.AsyncModelArts(**kwargs, http_client=http) as ma:
                return [d async for d in ma.datasets()]

        datasets = asyncio.run(read())
    first = example["datasets"][0]
    assert [(d.dataset_id, d.name) for d in datasets] == [(first["dataset_id"], first["dataset_name"])]
    assert datasets[0].raw["create_time"] == first["create_time"]
    assert [(u.path, u.params["offset"], u.params["limit"]) for u in asked] == [("/v2/p1/datasets", "0", "100")]


def test_datasets_and_project_tasks_over_several_pages(fake_cloud: FakeCloud) -> None:
    """250 datasets (three pages of 100), a task running in two of them: each listed once, lazily, in order."""
    for number in range(250):
        fake_cloud.add_modelarts_dataset(f"ds-{number:03d}")
    fake_cloud.add_modelarts_task("ds-007", "a", status=1)
    fake_cloud.add_modelarts_task("ds-249", "b", status=3)
    with fake_cloud.modelarts_client() as ma:
        assert len({d.dataset_id for d in ma.datasets()}) == 250
        everything = {str(t.ref) for t in ma.tasks()}
        running = [str(t.ref) for t in ma.tasks(active=True)]
        statuses = [str(t.ref) for t in ma.tasks(status=3)]
    assert everything == {"modelarts:ds-007/a", "modelarts:ds-249/b"}
    assert running == ["modelarts:ds-007/a"] and statuses == ["modelarts:ds-249/b"]
    pages = [r for r in fake_cloud.requests if r.operation == "datasets"]
    assert len(pages) == 4 * 3  # datasets() and three project listings, each over the 3 pages of datasets


def test_async_router_lists_the_whole_project(fake_cloud: FakeCloud) -> None:
    """`AsyncClient.tasks("modelarts")` lists every dataset's tasks."""
    fake_cloud.add_modelarts_task("ds-a", "t1", status=1)
    fake_cloud.add_modelarts_task("ds-b", "t2", status=-1)

    async def listed() -> set[str]:
        async with fake_cloud.async_client() as client:
            return {str(t.ref) async for t in client.tasks("modelarts", active=True)}

    assert asyncio.run(listed()) == {"modelarts:ds-a/t1", "modelarts:ds-b/t2"}


def test_a_dataset_whose_listing_fails_does_not_hide_the_others(fake_cloud: FakeCloud) -> None:
    """One dataset answering 500 every time: the other datasets' tasks are yielded, then IncompleteListing names it."""
    fake_cloud.add_modelarts_task("ds-a", "t1", status=1)
    fake_cloud.add_modelarts_task("ds-b", "t2", status=1)
    fake_cloud.fail_next(500, provider="modelarts", operation="list", dataset_id="ds-a", times=3)  # every attempt
    seen: list[str] = []
    with fake_cloud.modelarts_client(max_retries=2) as ma, pytest.raises(aitasks.IncompleteListing) as caught:
        for task in ma.tasks(active=True):
            seen.append(str(task.ref))
    assert seen == ["modelarts:ds-b/t2"]
    (problem,) = caught.value.problems
    assert problem.startswith("dataset ds-a: ServerError: modelarts: HTTP 500")


def test_cancel_all_modelarts_wait_stops_every_dataset_end_to_end(
    fake_cloud_env: FakeCloud, capsys: pytest.CaptureFixture[str]
) -> None:
    """`aitasks cancel --all modelarts --yes --wait --json`: every running task of every dataset stops, once."""
    for dataset, task, status in (("ds-a", "t1", 1), ("ds-a", "t2", 3), ("ds-b", "t3", -1), ("ds-c", "t4", 0)):
        fake_cloud_env.add_modelarts_task(dataset, task, status=status)
    assert main(["cancel", "--all", "modelarts", "--yes", "--wait", "--json"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert sorted(r["ref"] for r in records) == ["modelarts:ds-a/t1", "modelarts:ds-b/t3", "modelarts:ds-c/t4"]
    assert {(r["outcome"], r["state"]) for r in records} == {("cancelled", "CANCELLED")}
    assert [fake_cloud_env.cancel_count("modelarts", t, d) for d, t in (("ds-a", "t1"), ("ds-b", "t3"))] == [1, 1]
    assert fake_cloud_env.task_status("modelarts", "t2", "ds-a") == 3  # it had succeeded: left alone
