"""The generated ModelArts client reads the vendor's own example bodies, and task statuses the pages do not list."""

from __future__ import annotations

import copy
import json
import textwrap
from pathlib import Path
from typing import Any

import httpx

from aitasks_modelarts_api import Client
from aitasks_modelarts_api.api.dataset_management import auto_annotation_progress, list_datasets, list_tasks
from aitasks_modelarts_api.models import (
    AutoAnnotationProgressResponse,
    AutoAnnotationProgressResponseStatus,
    DatasetAndFilePreviewStatus,
    ListDatasetsResponse,
    ListTasksResponse,
    Result,
    SampleLabelType,
)

PAGES = Path(__file__).resolve().parent.parent / "specs" / "modelarts"


def page_example(page: str, heading: str = "Response Example") -> dict[str, Any]:
    """The 200 body a page shows under its example heading, read with the standard library only."""
    text = (PAGES / page).read_text(encoding="utf-8").split(f"\n{heading}\n", 1)[1]
    block = text.split(".. code-block::\n\n", 1)[1].split("\n\n", 1)[0]
    body: dict[str, Any] = json.loads(textwrap.dedent(block))
    return body


DETAILS = page_example("obtaining_details_about_an_auto_labeling_task.rst")
TASKS = page_example("obtaining_an_auto_labeling_task_list_by_page.rst")
DATASETS = page_example("querying_the_dataset_list.rst", "Example Responses")


def test_details_example_reads_with_a_known_status() -> None:
    """The details page's example: status 1 is the enum's "running" member, and nested objects are models."""
    task = AutoAnnotationProgressResponse.from_dict(DETAILS)
    assert task.status is AutoAnnotationProgressResponseStatus.VALUE_1
    assert isinstance(task.result, Result) and task.result.total_sample_count == 49
    assert task.progress == 10.0 and task.code == "ModelArts.4902"
    assert task.to_dict() == DETAILS


def test_status_6_is_kept_as_received() -> None:
    """A status the page does not list (6) parses to the integer 6, not an error, and is written back as 6."""
    body = {**DETAILS, "status": 6}
    task = AutoAnnotationProgressResponse.from_dict(body)
    assert task.status == 6 and type(task.status) is int
    assert not isinstance(task.status, AutoAnnotationProgressResponseStatus)
    assert task.to_dict()["status"] == 6


def test_unlisted_values_deep_in_a_list_body() -> None:
    """The list page's example, with an unlisted label type in a nested sample and a sub-event (a cycle)."""
    body = copy.deepcopy(TASKS)
    result = body["tasks"][0]["result"]
    result["samples"] = [{"sample_id": "s1", "labels": [{"name": "cat", "type": 1}, {"name": "dog", "type": 7}]}]
    result["events"] = [{"name": "train", "events": [{"name": "epoch", "ordinal": 1}]}]
    tasks = ListTasksResponse.from_dict(body)
    assert tasks.total_count == 2 and isinstance(tasks.tasks, list)
    assert [task.status for task in tasks.tasks] == [3, 3]
    result_model = tasks.tasks[0].result
    assert isinstance(result_model, Result)
    assert isinstance(result_model.samples, list) and isinstance(result_model.events, list)
    labels = result_model.samples[0].labels
    assert isinstance(labels, list) and [label.type_ for label in labels] == [SampleLabelType.VALUE_1, 7]
    assert type(labels[1].type_) is int
    sub_events = result_model.events[0].events
    assert isinstance(sub_events, list) and sub_events[0].name == "epoch"
    assert tasks.to_dict() == body


def test_status_6_through_the_generated_call() -> None:
    """`auto_annotation_progress` and `list_tasks`, answered over HTTP with status 6, parse without an error."""
    bodies = {
        "/v2/p/datasets/d/tasks/t": {**DETAILS, "status": 6},
        "/v2/p/datasets/d/tasks": {**TASKS, "tasks": [{**TASKS["tasks"][0], "status": 6}]},
    }

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=bodies[request.url.path])

    with Client(base_url="https://modelarts.test", httpx_args={"transport": httpx.MockTransport(answer)}) as client:
        task = auto_annotation_progress.sync("p", "d", "t", client=client)
        listed = list_tasks.sync("p", "d", client=client, limit=10)
    assert isinstance(task, AutoAnnotationProgressResponse) and task.status == 6
    assert isinstance(listed, ListTasksResponse) and isinstance(listed.tasks, list) and listed.tasks[0].status == 6


def test_dataset_list_example_through_the_generated_call() -> None:
    """`list_datasets` reads the page's own example over HTTP and sends the page index and size it is given."""
    seen: list[httpx.URL] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(200, json=DATASETS)

    with Client(base_url="https://modelarts.test", httpx_args={"transport": httpx.MockTransport(answer)}) as client:
        listed = list_datasets.sync("p", client=client, offset=2, limit=100)
    assert [(url.path, url.params["offset"], url.params["limit"]) for url in seen] == [("/v2/p/datasets", "2", "100")]
    assert isinstance(listed, ListDatasetsResponse) and listed.total_number == 1
    assert isinstance(listed.datasets, list)
    dataset = listed.datasets[0]
    assert (dataset.dataset_id, dataset.dataset_name) == ("gfghHSokody6AJigS5A", "dataset-f9e8")
    assert dataset.status is DatasetAndFilePreviewStatus.VALUE_1
    assert listed.to_dict() == DATASETS


def test_dataset_status_the_page_does_not_list() -> None:
    """A dataset status beyond the page's 0..8 is kept as received."""
    body = {**DATASETS, "datasets": [{**DATASETS["datasets"][0], "status": 9}]}
    listed = ListDatasetsResponse.from_dict(body)
    assert isinstance(listed.datasets, list) and type(listed.datasets[0].status) is int
    assert listed.to_dict() == body
