"""Issue 19, row 5: a wait never loses a cancel, polls through failed reads, and ends within its deadline.

Reads are answered from a script (the last reply repeats); the pause between polls is shortened so a wait of a
few seconds sees many reads. The only time bound asserted is a generous one that proves a wait is bounded.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from typing import Any

import pytest
from odd_server import RoutedServer, drivers, json_body

import aitasks
import aitasks._tasks

from scripted_server import Recorded, Reply

GID = "aafe70c6-0000-0000-0000-327b65f7670f"  # Gcore's documented id format: only the reads are odd here
CANCELLED = {
    "gcore": json_body(202, {"result": "Task has been cancelled successfully."}),
    "modelarts": Reply(204),
}
RUNNING = {"gcore": json_body(200, {"task_id": GID, "status": "STARTED"}), "modelarts": json_body(200, {"status": 1})}
FINAL = {"gcore": json_body(200, {"task_id": GID, "status": "REVOKED"}), "modelarts": json_body(200, {"status": 5})}
NOT_FOUND = {
    "gcore": json_body(404, {"status": 404, "error": "Not Found. Entity you are looking for was not found"}),
    "modelarts": json_body(404, {"error_code": "ModelArts.4352", "error_msg": "Task not found."}),
}
REF = {"gcore": GID, "modelarts": "ds-1/t1"}
PROVIDERS = ["gcore", "modelarts"]


@pytest.fixture(params=["sync", "async"])
def make(request: pytest.FixtureRequest) -> Iterator[Any]:
    with drivers(request.param) as factory:
        yield factory


@pytest.fixture(autouse=True)
def _short_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Poll every 50 ms (growing 1.5x) instead of every second: the waits below see several reads."""
    monkeypatch.setattr(aitasks._tasks, "POLL_FIRST", 0.05)


class Script:
    """POST answers `cancel`; each GET takes the next of `reads`, the last one repeating."""

    def __init__(self, cancel: Reply, *reads: Reply) -> None:
        self.cancel, self.reads = cancel, list(reads)

    def __call__(self, request: Recorded) -> Reply:
        if request.method == "POST":
            return self.cancel
        return self.reads.pop(0) if len(self.reads) > 1 else self.reads[0]


def server_error(provider: str) -> Reply:
    return json_body(500, {"error": "Internal Server Error"} if provider == "gcore" else {"error_msg": "internal"})


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("failure", ["500", "404", "both"])
def test_cancel_wait_polls_through_a_failed_read(make: Any, provider: str, failure: str) -> None:
    """202/204, then a read that fails (500, 404, or both in turn), then the final state: CANCELLED with the task."""
    fails = {"500": [server_error(provider)], "404": [NOT_FOUND[provider]]}
    fails["both"] = fails["500"] + fails["404"] + fails["500"]
    script = Script(CANCELLED[provider], *fails[failure], RUNNING[provider], FINAL[provider])
    with RoutedServer(script) as server:
        client = make(provider, server.url, max_retries=0)
        result = client("cancel", REF[provider], wait=30)
        assert [r.method for r in server.requests] == ["POST"] + ["GET"] * (len(fails[failure]) + 2)
    assert result.outcome is aitasks.Outcome.CANCELLED
    assert result.status_code == CANCELLED[provider].status
    assert result.task is not None and result.task.final
    assert result.task.state is aitasks.TaskState.CANCELLED


@pytest.mark.parametrize("provider", PROVIDERS)
def test_cancel_many_wait_keeps_the_result_through_failed_reads(make: Any, provider: str) -> None:
    """cancel_many(wait=...): a failed read does not end the wait; the record is the cancel's, with the final task."""
    script = Script(CANCELLED[provider], server_error(provider), NOT_FOUND[provider], FINAL[provider])
    with RoutedServer(script) as server:
        router = make(provider, server.url, router=True, max_retries=0)
        (record,), error = router.listing("cancel_many", [f"{provider}:{REF[provider]}"], wait=30)
    assert error is None
    assert record.ok and record.error is None and record.wait_error is None
    assert record.result.outcome is aitasks.Outcome.CANCELLED
    assert record.result.task.state is aitasks.TaskState.CANCELLED


@pytest.mark.parametrize("provider", PROVIDERS)
def test_reads_failing_until_the_deadline_keep_the_cancel(make: Any, provider: str) -> None:
    """One read says running, then every read fails: WaitTimeout with the task last seen, the last read error and
    the CancelResult; cancel_many gives the same as the record's result and wait_error."""
    script = Script(CANCELLED[provider], RUNNING[provider], server_error(provider))
    with RoutedServer(script) as server:
        client = make(provider, server.url, max_retries=0)
        error = client.raises("cancel", REF[provider], wait=0.3)
        reads = len(server.requests) - 1
        router = make(provider, server.url, router=True, max_retries=0)
        script.reads = [server_error(provider)]
        (record,), raised = router.listing("cancel_many", [f"{provider}:{REF[provider]}"], wait=0.3)
    assert isinstance(error, aitasks.WaitTimeout)
    assert reads >= 3  # polled on after the first failed read
    assert isinstance(error.result, aitasks.CancelResult)
    assert error.result.outcome is aitasks.Outcome.CANCELLED
    assert error.result.status_code == CANCELLED[provider].status
    assert error.task is not None and error.task.state is aitasks.TaskState.RUNNING
    assert isinstance(error.error, aitasks.ServerError)
    assert "last read failed" in str(error)
    assert raised is None
    assert not record.ok and record.error is None
    assert record.result.outcome is aitasks.Outcome.CANCELLED
    assert isinstance(record.wait_error, aitasks.WaitTimeout)
    assert record.wait_error.task is None and isinstance(record.wait_error.error, aitasks.ServerError)


@pytest.mark.backoff  # the real retry pauses: none may start past the wait's deadline
def test_wait_against_a_hanging_server_ends_in_wait_timeout_near_its_deadline(make: Any) -> None:
    """wait(timeout=1), 0.5 s per attempt, a server that never answers: WaitTimeout (never read, last error a
    Timeout) well within 5 s, not Timeout after all the retries of a read that started before the deadline."""
    with RoutedServer(lambda request: Reply(200, delay=60)) as server:
        client = make("gcore", server.url, timeout=0.5)
        started = time.monotonic()
        error = client.raises("wait", GID, timeout=1)
        elapsed = time.monotonic() - started
    assert isinstance(error, aitasks.WaitTimeout), repr(error)
    assert error.task is None and isinstance(error.error, aitasks.Timeout)
    assert error.result is None
    assert elapsed < 5, elapsed  # the deadline plus one attempt's bound, with room for a slow machine


@pytest.mark.parametrize(
    ("status", "raised"),
    [(401, aitasks.AuthenticationError), (403, aitasks.PermissionDenied), (422, aitasks.FeatureDisabled)],
)
def test_wait_ends_at_once_when_the_task_cannot_be_read(make: Any, status: int, raised: type[Exception]) -> None:
    """401, 403 and (Gcore) 422 end the wait at once with their own error: waiting longer cannot help."""
    with RoutedServer(lambda request: json_body(status, {"error": "no"})) as server:
        error = make("gcore", server.url, max_retries=0).raises("wait", GID, timeout=30)
        assert len(server.requests) == 1
    assert isinstance(error, raised)


@pytest.mark.parametrize("timeout", [False, True, -1, 0, -0.5, math.nan, math.inf, "5"], ids=repr)
def test_bad_wait_timeouts_are_a_value_error_naming_the_argument(make: Any, timeout: object) -> None:
    """wait(timeout=...) takes a positive finite number of seconds; anything else is a ValueError, sent nothing."""
    with RoutedServer(lambda request: FINAL["gcore"]) as server:
        client = make("gcore", server.url)
        error = client.raises("wait", GID, timeout=timeout)
        # cancel(wait=...) takes True and False too; any other bad value fails before the cancel is sent.
        cancel_error = None if isinstance(timeout, bool) else client.raises("cancel", GID, wait=timeout)
        assert server.requests == []
    assert isinstance(error, ValueError) and "timeout" in str(error), repr(error)
    if cancel_error is not None:
        assert isinstance(cancel_error, ValueError) and "wait" in str(cancel_error), repr(cancel_error)
