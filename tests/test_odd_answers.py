"""Issue 19, rows 1, 2 and 6: ids as the vendor sends them, null and wrong-typed fields, and secrets echoed back.

Each test serves exactly the odd answer from a loopback server and reads it with the sync and the async client.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from odd_server import Driver, RoutedServer, always, drivers, ids, json_body, query

import aitasks

from conftest import GCORE_KEY, MA_PROJECT, MA_TOKEN
from scripted_server import Recorded, Reply

GCORE = "/streaming/ai/tasks"
MA_DS = f"/v2/{MA_PROJECT}/datasets/ds-1"
UPPER = "AAFE70C6-0000-0000-0000-327B65F7670F"
UTC = dt.timezone.utc


@pytest.fixture(params=["sync", "async"])
def make(request: pytest.FixtureRequest) -> Iterator[Any]:
    with drivers(request.param) as factory:
        yield factory


class GcoreTasks:
    """A Gcore account holding tasks by exact id: list, get, cancel (202, then REVOKED on the next read)."""

    def __init__(self, *task_ids: str) -> None:
        self.status = dict.fromkeys(task_ids, "STARTED")

    def __call__(self, request: Recorded) -> Reply:
        path = query(request)[0]
        if path == GCORE and request.method == "GET":
            results = [{"task_id": t, "status": s, "task_name": "transcription"} for t, s in self.status.items()]
            return json_body(200, {"count": len(results), "next": None, "previous": None, "results": results})
        task_id, _, action = path.removeprefix(GCORE + "/").partition("/")
        if task_id not in self.status:
            return json_body(404, {"error": "Task not found"})
        if action == "cancel" and request.method == "POST":
            self.status[task_id] = "REVOKED"
            return json_body(202, {"result": "Task has been cancelled successfully."})
        return json_body(200, {"task_id": task_id, "status": self.status[task_id], "progress": 10})


# --- row 1: ids kept exactly as received ------------------------------------------------------------------------


@pytest.mark.parametrize("task_id", ["job-1", "t1", UPPER])
def test_gcore_ids_are_kept_exactly_through_get_list_cancel_and_wait(make: Any, task_id: str) -> None:
    """`job-1`, the README's `t1` and an uppercase UUID: listed, read, cancelled and waited for, never reformatted."""
    tasks = GcoreTasks(task_id, "other-2")
    with RoutedServer(tasks) as server:
        client: Driver = make("gcore", server.url, timeout=5)
        listed, error = client.listing("tasks")
        assert error is None
        assert ids(listed) == [task_id, "other-2"]
        assert str(listed[0].ref) == f"gcore:{task_id}"
        assert listed[0].state is aitasks.TaskState.RUNNING
        task = client("get", listed[0].ref)
        assert task.ref.task_id == task_id and task.status == "STARTED" and task.progress == 10
        result = client("cancel", task_id)
        assert result.outcome is aitasks.Outcome.CANCELLED and result.ref.task_id == task_id
        tasks.status[task_id] = "STARTED"
        waited = client("cancel", task_id, wait=5)
        assert waited.outcome is aitasks.Outcome.CANCELLED
        assert waited.task.ref.task_id == task_id and waited.task.state is aitasks.TaskState.CANCELLED
        # Every call named the task by the id as received (an uppercase UUID is not lowercased on the wire).
        assert server.paths() == [
            f"{GCORE}?page=1&limit=100",
            f"{GCORE}/{task_id}",
            f"{GCORE}/{task_id}/cancel",
            f"{GCORE}/{task_id}/cancel",
            f"{GCORE}/{task_id}",
        ]


# --- row 2: null and wrong-typed fields, numeric progress, epoch times -------------------------------------------


def _gcore_get(body: dict[str, Any]) -> RoutedServer:
    return RoutedServer(always(json_body(200, body)))


@pytest.mark.parametrize(
    ("status", "state", "kept"),
    [
        (None, aitasks.TaskState.UNKNOWN, None),
        (5, aitasks.TaskState.UNKNOWN, 5),
        ("BOGUS", aitasks.TaskState.UNKNOWN, "BOGUS"),
        ({"nested": 1}, aitasks.TaskState.UNKNOWN, None),
        (True, aitasks.TaskState.UNKNOWN, None),
    ],
    ids=["null", "integer", "unlisted", "object", "boolean"],
)
def test_gcore_odd_status_reads_as_unknown(make: Any, status: object, state: aitasks.TaskState, kept: object) -> None:
    """README: a status the table does not list is UNKNOWN, never an error; `raw` keeps the value as received."""
    body = {"task_id": "t1", "status": status, "task_name": None, "progress": None, "processing_time": None}
    with _gcore_get(body) as server:
        task = make("gcore", server.url)("get", "t1")
    assert (task.ref.task_id, task.state, task.status, task.type, task.progress) == ("t1", state, kept, None, None)
    assert task.raw == body
    assert task.raw["status"] == status


@pytest.mark.parametrize(
    ("progress", "expected"),
    [(42.5, 42.5), ("42", 42), ("42.5", 42.5), (42, 42), ("forty", None), ([42], None), (False, None)],
)
def test_gcore_progress_is_read_as_a_number(make: Any, progress: object, expected: float | None) -> None:
    """Numeric progress, as a number or as text, is kept as a number; anything else leaves it empty, kept in raw."""
    body = {"task_id": "job-1", "status": "STARTED", "progress": progress}
    with _gcore_get(body) as server:
        task = make("gcore", server.url)("get", "job-1")
    assert task.progress == expected and type(task.progress) is type(expected)
    assert task.state is aitasks.TaskState.RUNNING
    assert task.raw["progress"] == progress


def _utc(text: str | None) -> dt.datetime:
    assert text is not None
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert value.utcoffset() == dt.timedelta(0), text  # UTC, said so in the text
    return value


def test_gcore_epoch_times_become_iso_text_and_text_times_are_kept(make: Any) -> None:
    """Epoch seconds and milliseconds become ISO 8601 text in UTC; a time sent as text is kept as sent."""
    body = {
        "task_id": "t1",
        "status": "SUCCESS",
        "processing_time": {"started_at": 1700000000, "completed_at": 1700000000123, "total_time_sec": 0.1},
    }
    with _gcore_get(body) as server:
        task = make("gcore", server.url)("get", "t1")
    assert _utc(task.started_at) == dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert _utc(task.finished_at) == dt.datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=UTC)
    assert task.raw["processing_time"]["started_at"] == 1700000000
    text = {"task_id": "t1", "status": "SUCCESS", "processing_time": {"started_at": "yesterday-ish"}}
    with _gcore_get(text) as server:
        assert make("gcore", server.url)("get", "t1").started_at == "yesterday-ish"


def test_gcore_listing_keeps_tasks_with_odd_fields(make: Any) -> None:
    """A listing item with a null status, a null task_name or text progress is listed, not a failed page."""
    results = [
        {"task_id": "a", "status": None, "task_name": None},
        {"task_id": "b", "status": 5, "progress": "42"},
        {"task_id": "c", "status": "STARTED", "progress": 42.5, "processing_time": {"started_at": 1700000000}},
    ]
    with RoutedServer(always(json_body(200, {"count": 3, "next": None, "results": results}))) as server:
        listed, error = make("gcore", server.url).listing("tasks")
    assert error is None
    assert [(t.ref.task_id, t.state, t.progress) for t in listed] == [
        ("a", aitasks.TaskState.UNKNOWN, None),
        ("b", aitasks.TaskState.UNKNOWN, 42),
        ("c", aitasks.TaskState.RUNNING, 42.5),
    ]
    assert _utc(listed[2].started_at) == dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert [t.raw for t in listed] == results


@pytest.mark.parametrize(
    ("status", "state"),
    [("1", aitasks.TaskState.RUNNING), ("5", aitasks.TaskState.CANCELLED), (None, aitasks.TaskState.UNKNOWN)],
)
def test_modelarts_status_text_and_null_on_get(make: Any, status: object, state: aitasks.TaskState) -> None:
    """ModelArts status "1" (text) on get means running (kept as "1"); a null status is UNKNOWN, not an error."""
    body = {
        "resource_id": "ds-1",
        "create_time": 1605690595404,
        "progress": "50",
        "status": status,
        "type": None,
        "task_name": None,
    }
    with _gcore_get(body) as server:
        task = make("modelarts", server.url)("get", "ds-1/task-1")
    assert (task.state, task.status, task.progress, task.type, task.name) == (state, status, 50, None, None)
    assert _utc(task.created_at) == dt.datetime(2020, 11, 18, 9, 9, 55, 404000, tzinfo=UTC)
    assert task.raw == body
    assert server.paths() == [f"{MA_DS}/tasks/task-1"]


# --- row 6: a secret echoed in a non-JSON body is never shown, in part or whole ------------------------------------

MARK = 64 * 1024  # where the old snippet was cut
SECRETS = {"gcore": GCORE_KEY, "modelarts": MA_TOKEN}


def _fragments(secret: str) -> list[str]:
    """Every piece of the secret long enough to give it away: its heads and tails of 6 characters or more."""
    return [secret[:n] for n in range(6, len(secret) + 1)] + [secret[-n:] for n in range(6, len(secret))]


def _bodies(secret: str) -> list[tuple[str, bytes]]:
    """Bodies that echo the secret where a cut would split it: across the 64 KiB mark (behind whitespace the
    message cleaning collapses, so it would be shown), and across the 300-character message cut."""
    cases = []
    for split in (1, 2, len(secret) // 2, len(secret) - 1):
        before = MARK - split
        cases.append((f"64k-{split}", b" " * before + secret.encode() + b" tail"))
        cases.append((f"64k-ctl-{split}", b"\x01" * before + secret.encode() + b" tail"))
    for start in (290, 295, 299, 300 - len(secret) // 2):
        cases.append((f"cut-{start}", b"e" * start + secret.encode() + b" tail" * 10))
    return cases


@pytest.mark.parametrize("provider", ["gcore", "modelarts"])
@pytest.mark.parametrize("status", [400, 500])
def test_echoed_secret_is_never_shown_in_part(
    make: Any, caplog: pytest.LogCaptureFixture, provider: str, status: int
) -> None:
    """str, repr and the DEBUG log of every error hide the whole secret, wherever the body splits it."""
    secret = SECRETS[provider]
    ref = "t1" if provider == "gcore" else "ds-1/t1"
    for name, body in _bodies(secret):
        with RoutedServer(always(Reply(status, body, {"Content-Type": "text/plain"}))) as server:
            client = make(provider, server.url, max_retries=0)
            with caplog.at_level(logging.DEBUG, logger="aitasks"):
                errors = [client.raises("get", ref), client.raises("cancel", ref)]
        for error in errors:
            assert isinstance(error, aitasks.APIError), (name, error)
            assert error.status_code == status
            shown = [str(error), repr(error), str(error.message), caplog.text]
            leaks = [piece for piece in _fragments(secret) for text in shown if piece in text]
            assert not leaks, (name, leaks[:3])
        caplog.clear()


def test_echoed_secret_in_a_json_message_is_never_shown_in_part(make: Any) -> None:
    """The same for a JSON error body whose message field holds the secret behind 64 KiB of whitespace."""
    for split in (1, 2, 5):
        body = {"error": " " * (MARK - split) + GCORE_KEY + " tail"}
        with RoutedServer(always(json_body(400, body))) as server:
            error = make("gcore", server.url, max_retries=0).raises("cancel", "t1")
        assert isinstance(error, aitasks.BadRequest)
        leaks = [p for p in _fragments(GCORE_KEY) if p in str(error) or p in repr(error)]
        assert not leaks, (split, leaks[:3])


def test_echoed_secret_across_the_body_cap_is_never_shown_in_part(make: Any) -> None:
    """A body over MAX_BODY_BYTES is refused and read only up to the cap: a secret the cap splits (behind
    whitespace the cleaning collapses) must not be shown minus its tail."""
    for split in (2, len(GCORE_KEY) // 2):
        body = b" " * (aitasks.MAX_BODY_BYTES - split) + GCORE_KEY.encode() + b" tail"
        with RoutedServer(always(Reply(200, body, {"Content-Type": "text/plain"}))) as server:
            error = make("gcore", server.url, max_retries=0).raises("get", "t1")
        assert isinstance(error, aitasks.UnexpectedResponse) and "MAX_BODY_BYTES" in str(error), repr(error)
        leaks = [p for p in _fragments(GCORE_KEY) if p in str(error) or p in repr(error)]
        assert not leaks, (split, leaks[:3])
