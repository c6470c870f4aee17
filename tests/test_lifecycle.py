"""Find, stop, confirm: get, tasks and wait on every client, with each provider's state table."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

import aitasks
import aitasks.testing
from aitasks import TaskState
from aitasks._tasks import poll_waits

GCORE_KEY = "gk-0123456789abcdef"
MA_TOKEN = "ma-token-0123456789abcdef"
MA_PROJECT = "0123456789abcdef0123456789abcdef"
# The bodies below are the vendors' own examples: Gcore's `ai_results` and `ai_tasks_list` schema examples, and the
# ModelArts task details and task list pages' example responses, with only ids, statuses and progress varied.
GCORE_TASK = {
    "processing_time": {
        "completed_at": "2024-07-13T12:31:02.900Z",
        "started_at": "2024-07-13T12:30:00.000Z",
        "total_time_sec": 62.901,
    },
    "progress": 100,
    "result": {},
    "status": "SUCCESS",
    "task_data": {},
    "task_id": "aafe70c6-0000-0000-0000-327b65f7670f",
}
MA_TASK = {
    "resource_id": "XXX",
    "create_time": "2020-11-23 11:08:20",
    "progress": 100.0,
    "status": 3,
    "message": "",
    "code": "",
    "elapsed_time": 0,
    "result": {"total_sample_count": 12, "annotated_sample_count": 12},
    "export_type": 0,
    "config": {"ambiguity": False, "worker_server_num": 0, "collect_sample": False, "confidence_scope": "0.0-0.5"},
}

Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture(autouse=True)
def _fast_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    """wait() polls every 10 ms here, so its tests take milliseconds (the cadence itself is tested apart)."""
    monkeypatch.setattr("aitasks._tasks.POLL_FIRST", 0.01)
    monkeypatch.setattr("aitasks._tasks.POLL_MAX", 0.01)


def gcore(handler: Handler) -> aitasks.Gcore:
    return aitasks.Gcore(GCORE_KEY, http_client=httpx.Client(transport=httpx.MockTransport(handler)))


def modelarts(handler: Handler) -> aitasks.ModelArts:
    http = httpx.Client(transport=httpx.MockTransport(handler))
    return aitasks.ModelArts(endpoint="https://ma.example", project_id=MA_PROJECT, token=MA_TOKEN, http_client=http)


def answer(body: dict[str, Any], status: int = 200) -> Handler:
    return lambda request: httpx.Response(status, json=body)


GCORE_TABLE = [
    ("RECEIVED", TaskState.QUEUED),
    ("PENDING", TaskState.QUEUED),
    ("STARTED", TaskState.RUNNING),
    ("RETRY", TaskState.RUNNING),
    ("SUCCESS", TaskState.SUCCEEDED),
    ("FAILURE", TaskState.FAILED),
    ("REVOKED", TaskState.CANCELLED),
    ("PAUSED", TaskState.UNKNOWN),  # a value no table lists
    ("", TaskState.UNKNOWN),
]


@pytest.mark.parametrize(("status", "state"), GCORE_TABLE)
def test_gcore_state_table(status: str, state: TaskState) -> None:
    """Each Gcore status maps to its state; a status nobody lists is UNKNOWN and kept as received."""
    task = gcore(answer({**GCORE_TASK, "status": status})).get("aafe70c6-0000-0000-0000-327b65f7670f")
    assert (task.state, task.status) == (state, status)
    assert task.final is (state in (TaskState.SUCCEEDED, TaskState.FAILED, TaskState.CANCELLED))


def test_gcore_get_reads_the_vendor_example() -> None:
    """progress, the processing times and the id come from the spec's own example body."""
    task = gcore(answer(GCORE_TASK)).get("aafe70c6-0000-0000-0000-327b65f7670f")
    assert str(task.ref) == "gcore:aafe70c6-0000-0000-0000-327b65f7670f"
    assert (task.progress, task.started_at, task.finished_at) == (100, "2024-07-13T12:30:00.000Z",
                                                                  "2024-07-13T12:31:02.900Z")  # fmt: skip


MA_TABLE = [
    (-1, TaskState.QUEUED),
    (0, TaskState.QUEUED),
    (1, TaskState.RUNNING),
    (2, TaskState.FAILED),
    (3, TaskState.SUCCEEDED),
    (4, TaskState.STOPPING),
    (5, TaskState.CANCELLED),
    (6, TaskState.UNKNOWN),  # a value no table lists
    (-7, TaskState.UNKNOWN),
]


@pytest.mark.parametrize(("status", "state"), MA_TABLE)
def test_modelarts_state_table(status: int, state: TaskState) -> None:
    """Each ModelArts status (an integer, -1..5) maps to its state; 6 is UNKNOWN and kept as received."""
    task = modelarts(answer({**MA_TASK, "status": status})).get("ds/t1")
    assert (task.state, task.status) == (state, status)
    assert type(task.status) is int


def test_modelarts_get_reads_the_vendor_example() -> None:
    """progress, the creation time and the ref come from the page's example response."""
    task = modelarts(answer(MA_TASK)).get("ds/t1")
    assert str(task.ref) == "modelarts:ds/t1"
    assert (task.progress, task.created_at, task.state) == (100.0, "2020-11-23 11:08:20", TaskState.SUCCEEDED)


def test_get_errors_are_the_library_errors() -> None:
    """A 404 on a get is TaskNotFound; a 200 whose body is not the documented object is UnexpectedResponse."""
    with pytest.raises(aitasks.TaskNotFound):
        gcore(answer({"error": "Task not found"}, 404)).get("t")
    with pytest.raises(aitasks.UnexpectedResponse):
        gcore(lambda request: httpx.Response(200, content=b"[]")).get("t")
    with pytest.raises(aitasks.TaskNotFound):
        modelarts(answer({"error_code": "ModelArts.4352", "error_msg": "task not found"}, 404)).get("ds/t")


class GcorePages:
    """Gcore's list route over `total` tasks, `size` per page, counting the pages it was asked for."""

    def __init__(self, total: int, size: int = 100) -> None:
        self.total, self.size, self.asked = total, size, 0
        self.statuses = ["PENDING", "STARTED", "SUCCESS", "REVOKED"]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.asked += 1
        page = int(request.url.params["page"])
        first = (page - 1) * self.size
        ids = range(first, min(first + self.size, self.total))
        wanted = request.url.params.get("status")
        results = [
            {"task_id": f"aafe70c6-0000-0000-0000-{i:012d}", "status": self.statuses[i % 4], "progress": i % 100,
             "task_name": "transcription", "task_data": {}}
            for i in ids
            if wanted is None or self.statuses[i % 4] == wanted
        ]  # fmt: skip
        more = first + self.size < self.total
        body = {"count": self.total, "next": f"page={page + 1}" if more else None, "previous": None, "results": results}
        return httpx.Response(200, json=body)


def test_gcore_listing_is_lazy_over_every_page() -> None:
    """350 tasks over 4 pages: the first task costs one page, and each page is read only when reached."""
    pages = GcorePages(350)
    listing = gcore(pages).tasks()
    assert pages.asked == 0
    first = next(listing)
    assert pages.asked == 1 and first.ref.task_id == "aafe70c6-0000-0000-0000-000000000000"
    rest = []
    for task in listing:
        rest.append(task)
        assert pages.asked == len(rest) // 100 + 1  # never a page ahead of what was taken
    assert len(rest) + 1 == 350 and pages.asked == 4


def test_gcore_filters_status_on_the_server_and_active_here() -> None:
    """status=[...] asks Gcore once per status; active=True drops the final ones."""
    pages = GcorePages(40)
    listing = list(gcore(pages).tasks(status=["PENDING", "REVOKED"]))
    assert {task.status for task in listing} == {"PENDING", "REVOKED"} and len(listing) == 20
    active = list(gcore(GcorePages(40)).tasks(active=True))
    assert {task.status for task in active} == {"PENDING", "STARTED"} and len(active) == 20
    with pytest.raises(ValueError, match="not a Gcore status"):
        list(gcore(pages).tasks(status=[""]))


def test_empty_pages_that_claim_more_are_followed_then_the_listing_is_stopped_as_incomplete() -> None:
    """An empty page with a `next` does not end the listing; MAX_EMPTY_PAGES of them in a row end it, loudly."""
    from aitasks._clients import MAX_EMPTY_PAGES

    asked: list[int] = []

    def pages(request: httpx.Request) -> httpx.Response:
        asked.append(int(request.url.params["page"]))
        return httpx.Response(200, json={"count": 10**9, "next": "page=2", "previous": None, "results": []})

    with pytest.raises(aitasks.IncompleteListing, match="brought no task but claim more") as caught:
        list(gcore(pages).tasks())
    assert asked == list(range(1, MAX_EMPTY_PAGES + 1))
    assert caught.value.problems == (
        f"{MAX_EMPTY_PAGES} pages in a row up to page {MAX_EMPTY_PAGES} brought no task but claim more; stopped",
    )


class MAPages:
    """ModelArts' list route: `offset` is the page number from 0 (the page says "Start page"), `limit` its size."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.asked: list[int] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        offset, limit = int(request.url.params["offset"]), int(request.url.params["limit"])
        if request.url.params.get("type") == "auto-grouping":  # none of these tasks is an auto grouping one
            return httpx.Response(200, json={"tasks": [], "total_count": 0, "exist_running_deploy_task": False})
        self.asked.append(offset)
        ids = range(offset * limit, min((offset + 1) * limit, self.total))
        tasks = [{**MA_TASK, "task_id": f"t{i}", "status": i % 6, "type": 0, "task_name": f"n{i}"} for i in ids]
        return httpx.Response(200, json={"tasks": tasks, "total_count": self.total, "exist_running_deploy_task": False})


def test_modelarts_listing_pages_through_the_dataset() -> None:
    """450 tasks: five pages (offset 0..4 of 100), each task a ref in the dataset; statuses filter here."""
    pages = MAPages(450)
    listing = list(modelarts(pages).tasks("ds"))
    assert len(listing) == 450 and pages.asked == [0, 1, 2, 3, 4]
    assert str(listing[7].ref) == "modelarts:ds/t7" and listing[7].name == "n7" and listing[7].raw["type"] == 0
    assert listing[7].type is None  # the details page has no type: a listed task and a read one agree
    running = list(modelarts(MAPages(60)).tasks("ds", status=[1, 4]))
    assert {task.status for task in running} == {1, 4} and len(running) == 20
    active = list(modelarts(MAPages(60)).tasks("ds", active=True))
    assert {task.state for task in active} == {TaskState.QUEUED, TaskState.RUNNING, TaskState.STOPPING}
    with pytest.raises(aitasks.InvalidTaskRef):
        list(modelarts(pages).tasks(".."))


class Progressing:
    """A task that reads `statuses` in turn, one per get, staying at the last one."""

    def __init__(self, body: dict[str, Any], statuses: list[Any]) -> None:
        self.body, self.statuses, self.reads = body, statuses, 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(202, json={"result": "Task has been cancelled successfully."})
        status = self.statuses[min(self.reads, len(self.statuses) - 1)]
        self.reads += 1
        return httpx.Response(200, json={**self.body, "status": status})


@pytest.mark.parametrize(("final", "state"), [("SUCCESS", TaskState.SUCCEEDED), ("FAILURE", TaskState.FAILED),
                                              ("REVOKED", TaskState.CANCELLED)])  # fmt: skip
def test_wait_returns_each_final_state(final: str, state: TaskState) -> None:
    """wait() polls until a final state and returns that task."""
    task = Progressing(GCORE_TASK, ["PENDING", "STARTED", "STARTED", final])
    assert gcore(task).wait("t", timeout=5).state is state
    assert task.reads == 4


@pytest.mark.parametrize(("final", "state"), [(3, TaskState.SUCCEEDED), (2, TaskState.FAILED),
                                              (5, TaskState.CANCELLED)])  # fmt: skip
def test_wait_returns_each_final_state_on_modelarts(final: int, state: TaskState) -> None:
    """A stop goes through 4 (stopping) to 5 (stopped); wait() sees it through."""
    task = Progressing(MA_TASK, [1, 4, 4, final])
    assert modelarts(task).wait("ds/t", timeout=5).state is state


def test_wait_times_out_with_the_last_state_seen() -> None:
    """Past the timeout, WaitTimeout carries the last task read; it took about the timeout, not more."""
    task = Progressing(GCORE_TASK, ["PENDING", "STARTED"])
    started = time.monotonic()
    with pytest.raises(aitasks.WaitTimeout) as caught:
        gcore(task).wait("t", timeout=0.2)
    assert 0.2 <= time.monotonic() - started < 1.0
    last = caught.value.task
    assert last is not None and last.status == "STARTED" and last.state is TaskState.RUNNING
    assert isinstance(caught.value, aitasks.AITasksError) and "RUNNING" in str(caught.value)


def test_cancel_with_wait_reports_the_final_task() -> None:
    """cancel(wait=True) cancels, then waits: the result holds the final task."""
    task = Progressing(GCORE_TASK, ["STARTED", "REVOKED"])
    result = gcore(task).cancel("t", wait=True)
    assert result.outcome is aitasks.Outcome.CANCELLED and result.task is not None
    assert result.task.state is TaskState.CANCELLED
    assert gcore(task).cancel("t").task is None
    with pytest.raises(ValueError, match="wait"):
        gcore(task).cancel("t", wait=-1)


def test_async_clients_get_list_and_wait() -> None:
    """The async twins read, list lazily and wait the same way."""

    async def main() -> None:
        progressing = Progressing(GCORE_TASK, ["PENDING", "SUCCESS"])
        async with aitasks.AsyncGcore(
            GCORE_KEY, http_client=httpx.AsyncClient(transport=httpx.MockTransport(progressing))
        ) as g:
            assert (await g.get("t")).state is TaskState.QUEUED
            assert (await g.wait("t", timeout=5)).state is TaskState.SUCCEEDED
            result = await g.cancel("t", wait=2)
            assert result.task is not None and result.task.final
        pages = GcorePages(250)
        async with aitasks.AsyncGcore(
            GCORE_KEY, http_client=httpx.AsyncClient(transport=httpx.MockTransport(pages))
        ) as g:
            listing = g.tasks(active=True)
            first = await anext(listing)
            assert pages.asked == 1 and not first.final
            assert len([t async for t in listing]) + 1 == 126 and pages.asked == 3

    asyncio.run(main())


def test_routing_clients_list_get_wait_and_cancel_many_with_wait() -> None:
    """Client routes `gcore` and `modelarts:DATASET_ID` listings, and cancel_many(wait=...) confirms each task."""
    gcore_task = Progressing(GCORE_TASK, ["STARTED", "REVOKED"])
    ma_pages = MAPages(30)

    def ma(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(204)
        if request.url.path.endswith("/tasks"):
            return ma_pages(request)
        return httpx.Response(200, json={**MA_TASK, "status": 5})

    with aitasks.Client(gcore=gcore(gcore_task), modelarts=modelarts(ma)) as client:
        assert len(list(client.tasks("modelarts:ds"))) == 30
        assert client.get("modelarts:ds/t1").state is TaskState.CANCELLED
        assert client.wait("gcore:t", timeout=5).state is TaskState.CANCELLED
        records = list(client.cancel_many(["gcore:t", "modelarts:ds/t2"], wait=5))
        assert all(r.result is not None and r.result.task is not None and r.result.task.final for r in records)
        for bad in ("gcore:x", "aws", "modelarts:a/b"):
            with pytest.raises(aitasks.InvalidTaskRef):
                client.tasks(bad)


def test_poll_waits_grow_by_half_up_to_ten_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    """1 s, 1.5 s, 2.25 s, ... capped at 10 s: the cadence is separate from the retry waits."""
    monkeypatch.setattr("aitasks._tasks.POLL_FIRST", 1.0)
    monkeypatch.setattr("aitasks._tasks.POLL_MAX", 10.0)
    waits = poll_waits()
    assert [round(next(waits), 3) for _ in range(8)] == [1.0, 1.5, 2.25, 3.375, 5.062, 7.594, 10.0, 10.0]


def test_tasks_and_wait_timeouts_pickle() -> None:
    """WaitTimeout crosses process boundaries with its task."""
    import pickle

    task = aitasks.Task(aitasks.TaskRef.parse("gcore:t"), TaskState.RUNNING, "STARTED", progress=5)
    clone = pickle.loads(pickle.dumps(aitasks.WaitTimeout(task, 3.0)))
    assert clone.task == task and str(clone) == "gcore:t: still RUNNING (status 'STARTED') after waiting 3 s"
    assert json.dumps(str(clone))


GCORE_IDS = [f"aafe70c6-0000-0000-0000-{i:012d}" for i in range(8)]
GCORE_STATUSES = ["RECEIVED", "PENDING", "STARTED", "RETRY", "SUCCESS", "FAILURE", "REVOKED", "STARTED"]


def _seed(fake: aitasks.testing.FakeCloud) -> None:
    for task_id, status in zip(GCORE_IDS, GCORE_STATUSES, strict=True):
        fake.add_gcore_task(task_id, status)
    # A seeded 4 (stopping) turns 5 after the fake's stop delay, whenever the machine gets to it: not seeded here.
    for number, code in enumerate([-1, 0, 1, 2, 3, 1, 5, 1]):
        fake.add_modelarts_task("ds", f"job-{number}", status=code)


def test_stop_everything_that_is_running_against_the_fake_cloud() -> None:
    """List what runs on both clouds, cancel it with wait, and see every task CANCELLED on the fake."""
    with aitasks.testing.FakeCloud(modelarts_stop_delay=0.05) as fake, fake.client(auth="aksk") as client:
        _seed(fake)
        running = [t.ref for t in client.tasks("gcore", active=True)] + [
            t.ref for t in client.tasks("modelarts:ds", active=True)
        ]
        assert sorted(str(r) for r in running) == sorted(
            [f"gcore:{GCORE_IDS[i]}" for i in (0, 1, 2, 3, 7)] + [f"modelarts:ds/job-{i}" for i in (0, 1, 2, 5, 7)]
        )
        records = list(client.cancel_many(running, concurrency=4, wait=10))
        assert len(records) == 10 and all(r.ok for r in records)
        assert {r.result.task.state for r in records if r.result and r.result.task} == {TaskState.CANCELLED}
        assert not list(client.tasks("gcore", active=True)) and not list(client.tasks("modelarts:ds", active=True))
        assert [t.status for t in client.tasks("gcore", status="REVOKED")].count("REVOKED") == 6
        assert fake.task_status("modelarts", "job-2", "ds") == 5


def test_async_lifecycle_against_the_fake_cloud() -> None:
    """The async router lists lazily, gets, and cancels with wait on both clouds."""

    async def main(fake: aitasks.testing.FakeCloud) -> None:
        async with fake.async_client() as client:
            active = [t async for t in client.tasks("modelarts:ds", active=True)]
            assert {t.status for t in active} == {-1, 0, 1}
            result = await client.cancel("modelarts:ds/job-2", wait=True)
            assert result.task is not None and result.task.status == 5
            task = await client.get(f"gcore:{GCORE_IDS[2]}")
            assert (task.state, task.type) == (TaskState.RUNNING, "transcription")
            assert (await client.cancel(f"gcore:{GCORE_IDS[2]}", wait=True)).task.state is TaskState.CANCELLED  # type: ignore[union-attr]

    with aitasks.testing.FakeCloud(modelarts_stop_delay=0.05) as fake:
        _seed(fake)
        asyncio.run(main(fake))
