"""The official Gcore SDK (gcore 0.59.0, a client nobody here wrote) against the fake: get, list and cancel.

The SDK builds its models without validating what it receives, so each body the fake sent is also validated
with the SDK's own pydantic model (`model_validate`), where a missing required field or an unlisted status fails.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import gcore
import httpx
import pytest
from gcore.types.streaming.ai_task import AITask
from gcore.types.streaming.ai_task_cancel_response import AITaskCancelResponse
from gcore.types.streaming.ai_task_get_response import AITaskGetResponse

from aitasks.testing import GCORE_FINISHED, GCORE_RUNNING, FakeCloud


def gid(n: int) -> str:
    return f"aafe70c6-0000-0000-0000-{n:012d}"


@pytest.fixture
def sdk(fake_cloud: FakeCloud) -> Iterator[gcore.Gcore]:
    """The official client pointed at the fake (no retries: every answer is the fake's first)."""
    with gcore.Gcore(api_key=fake_cloud.gcore_api_key, base_url=fake_cloud.base_url, max_retries=0) as client:
        yield client


def _raw(fake: FakeCloud, path: str) -> object:
    """The body the fake sends for this path, read with plain httpx."""
    headers = {"Authorization": f"apikey {fake.gcore_api_key}"}
    return httpx.get(fake.base_url + path, headers=headers, timeout=5).json()


def test_the_sdk_authenticates_the_way_the_fake_expects(fake_cloud: FakeCloud, sdk: gcore.Gcore) -> None:
    """The SDK sends `Authorization: APIKey <key>`; the fake takes the scheme case-insensitively, a wrong key not."""
    sdk.streaming.ai_tasks.list()
    assert fake_cloud.requests[-1].headers["authorization"] == f"APIKey {fake_cloud.gcore_api_key}"
    assert fake_cloud.requests[-1].status == 200
    with (
        gcore.Gcore(api_key="wrong", base_url=fake_cloud.base_url, max_retries=0) as wrong,
        pytest.raises(gcore.AuthenticationError),
    ):
        wrong.streaming.ai_tasks.list()


@pytest.mark.parametrize("status", [*GCORE_RUNNING, *GCORE_FINISHED])
@pytest.mark.parametrize("task_name", ["transcription", "content-moderation"])
def test_get_parses_every_status(fake_cloud: FakeCloud, sdk: gcore.Gcore, status: str, task_name: str) -> None:
    """get() returns the seeded task: status, progress, task data and times, for every documented status."""
    fake_cloud.add_gcore_task(gid(1), status, task_name=task_name, progress=40)
    task = sdk.streaming.ai_tasks.get(gid(1))
    assert isinstance(task, AITaskGetResponse)
    assert (task.task_id, task.status, task.progress, task.result) == (gid(1), status, 40, None)
    assert task.task_data.task_name == task_name
    assert task.processing_time.started_at is not None
    assert (task.processing_time.completed_at is None) == (status in GCORE_RUNNING)
    AITaskGetResponse.model_validate(_raw(fake_cloud, f"/streaming/ai/tasks/{gid(1)}"))


def test_list_iterates_every_page_and_stops(fake_cloud: FakeCloud, sdk: gcore.Gcore) -> None:
    """The SDK's paginator walks 23 tasks in pages of 4 (asking for page + 1 until one is empty), each task once."""
    for n in range(23):
        fake_cloud.add_gcore_task(gid(n), GCORE_RUNNING[n % 4])
    fake_cloud.clear_requests()
    tasks = list(sdk.streaming.ai_tasks.list(limit=4))
    assert [t.task_id for t in tasks] == [gid(n) for n in reversed(range(23))]
    assert all(isinstance(t, AITask) for t in tasks)
    assert [r.query for r in fake_cloud.requests] == ["limit=4"] + [f"limit=4&page={p}" for p in range(2, 8)]
    raw = _raw(fake_cloud, "/streaming/ai/tasks?limit=100")
    assert isinstance(raw, dict)
    for item in raw["results"]:
        AITask.model_validate(item)


def test_list_filters(fake_cloud: FakeCloud, sdk: gcore.Gcore) -> None:
    """status, task_name and search reach the fake as the SDK sends them and select what they should."""
    fake_cloud.add_gcore_task(gid(1), "RECEIVED", task_name="content-moderation")
    fake_cloud.add_gcore_task(gid(2), "PENDING")
    fake_cloud.add_gcore_task(gid(3), "SUCCESS", task_name="content-moderation")
    received = sdk.streaming.ai_tasks.list(status="RECEIVED")
    assert [t.task_id for t in received] == [gid(1)]
    moderation = sdk.streaming.ai_tasks.list(task_name="content-moderation")
    assert sorted(t.task_id for t in moderation) == [gid(1), gid(3)]
    assert [t.task_id for t in sdk.streaming.ai_tasks.list(search="pending")] == [gid(2)]
    page = sdk.streaming.ai_tasks.list(limit=2, ordering="task_id")
    assert [t.task_id for t in page.results] == [gid(1), gid(2)]


def test_cancel_then_get_then_cancel_again(fake_cloud: FakeCloud, sdk: gcore.Gcore) -> None:
    """cancel() returns the documented text and the task reads REVOKED; a second cancel raises on the 412."""
    fake_cloud.add_gcore_task(gid(1), "PENDING")
    answer = sdk.streaming.ai_tasks.cancel(gid(1))
    assert isinstance(answer, AITaskCancelResponse)
    assert answer.result == "Task has been cancelled successfully."
    assert sdk.streaming.ai_tasks.get(gid(1)).status == "REVOKED"
    with pytest.raises(gcore.APIStatusError) as raised:
        sdk.streaming.ai_tasks.cancel(gid(1))
    assert raised.value.status_code == 412
    assert raised.value.body == {"error": "Cannot cancel task because it is already in status REVOKED."}
    assert fake_cloud.cancel_count("gcore", gid(1)) == 1


def test_unknown_task_raises_not_found(fake_cloud: FakeCloud, sdk: gcore.Gcore) -> None:
    """get and cancel of an unknown task raise the SDK's NotFoundError with each operation's documented body."""
    with pytest.raises(gcore.NotFoundError) as on_get:
        sdk.streaming.ai_tasks.get(gid(9))
    assert on_get.value.body == {
        "status": 404,
        "error": "Not Found. Entity you are looking for was not found, please check the initial parameters",
    }
    with pytest.raises(gcore.NotFoundError) as on_cancel:
        sdk.streaming.ai_tasks.cancel(gid(9))
    assert on_cancel.value.body == {"error": "Task not found"}


def test_feature_disabled_raises_unprocessable(fake_cloud: FakeCloud, sdk: gcore.Gcore) -> None:
    """A feature-disabled account answers 422 to all three, which the SDK raises as UnprocessableEntityError."""
    fake_cloud.add_gcore_task(gid(1))
    fake_cloud.set_gcore_feature_disabled()
    for call in (
        lambda: sdk.streaming.ai_tasks.get(gid(1)),
        lambda: sdk.streaming.ai_tasks.list(),
        lambda: sdk.streaming.ai_tasks.cancel(gid(1)),
    ):
        with pytest.raises(gcore.UnprocessableEntityError):
            call()


def test_async_client(fake_cloud: FakeCloud) -> None:
    """AsyncGcore reads, lists across pages and cancels the same way."""
    for n in range(7):
        fake_cloud.add_gcore_task(gid(n), "STARTED")

    async def run() -> tuple[str, list[str], str | None]:
        async with gcore.AsyncGcore(
            api_key=fake_cloud.gcore_api_key, base_url=fake_cloud.base_url, max_retries=0
        ) as client:
            cancelled = await client.streaming.ai_tasks.cancel(gid(3))
            task = await client.streaming.ai_tasks.get(gid(3))
            ids = [t.task_id async for t in client.streaming.ai_tasks.list(limit=3)]
            assert task.status == "REVOKED"
            return task.status, ids, cancelled.result

    status, ids, result = asyncio.run(run())
    assert (status, result) == ("REVOKED", "Task has been cancelled successfully.")
    assert ids == [gid(n) for n in reversed(range(7))]
