"""`aitasks ls` and `cancel --all` on a listing with unusable items, and `cancel --wait` whose reads fail."""

from __future__ import annotations

import http.server
import json
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from aitasks.__main__ import main
from aitasks.testing import FakeCloud

A = "aafe70c6-0000-4000-8000-00000000000a"
B = "aafe70c6-0000-4000-8000-00000000000b"
DONE = "aafe70c6-0000-4000-8000-00000000000d"


def _task(task_id: Any, status: str = "STARTED") -> dict[str, Any]:
    return {"task_id": task_id, "status": status, "progress": 5, "task_name": "transcription", "task_data": {}}


PAGES = {  # Gcore's list route: page 2 repeats A, and two of its items name no task
    1: {"count": 6, "next": "page=2", "previous": None, "results": [_task(A), _task(DONE, "SUCCESS")]},
    2: {"count": 6, "next": None, "previous": "page=1", "results": [_task(None), _task(B, "PENDING"), [A], _task(A)]},
}


class _Gcore(http.server.BaseHTTPRequestHandler):
    """The listing above, and 202 to each cancel, logged."""

    protocol_version = "HTTP/1.1"
    cancels: Counter[str]

    def do_GET(self) -> None:
        page = int(parse_qs(urlsplit(self.path).query)["page"][0])
        self._answer(200, PAGES[page])

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        task_id = urlsplit(self.path).path.split("/")[-2]
        self.server.cancels[task_id] += 1  # type: ignore[attr-defined]
        self._answer(202, {"result": "Task has been cancelled successfully."})

    def _answer(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def gcore_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """The listing above on 127.0.0.1, configured as the only provider; yields its count of cancels per task."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Gcore)
    server.cancels = Counter()  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    for name in ("MODELARTS_ENDPOINT", "MODELARTS_TOKEN", "HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GCORE_API_KEY", "k")
    monkeypatch.setenv("GCORE_BASE_URL", f"http://127.0.0.1:{server.server_address[1]}")
    try:
        yield server.cancels  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()


def _lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


def test_ls_prints_the_tasks_it_can_and_one_error_per_unusable_item(
    gcore_server: Counter[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Each task once, then one error line per item that names no task, exit 1."""
    code = main(["ls", "gcore", "--json"])

    out, err = capsys.readouterr()
    assert code == 1
    assert [r["ref"] for r in _lines(out)] == [f"gcore:{A}", f"gcore:{DONE}", f"gcore:{B}"]
    errors = [line for line in err.splitlines() if line.startswith("aitasks: error: listing gcore: ")]
    assert len(errors) == 2, err
    assert "results[0]" in errors[0] and "results[2]" in errors[1]
    assert "error: listing gcore is incomplete: 3 tasks printed" in err


def test_cancel_all_cancels_each_task_once_and_records_each_unusable_item(
    gcore_server: Counter[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """A listed twice is cancelled once; each item naming no task gets a failed record saying why; exit 1."""
    code = main(["cancel", "--all", "gcore", "--yes", "--json"])

    out, err = capsys.readouterr()
    assert code == 1
    assert gcore_server == Counter({A: 1, B: 1})
    records = _lines(out)
    assert sorted(r["ref"] for r in records if r["outcome"] == "cancelled") == sorted([f"gcore:{A}", f"gcore:{B}"])
    failed = [r for r in records if r["outcome"] == "error"]
    assert [(r["ref"], r["error"]) for r in failed] == [("gcore", "IncompleteListing")] * 2
    assert "results[0]" in failed[0]["message"] and "results[2]" in failed[1]["message"]
    assert "found 2 tasks of gcore not in a final state; the listing is incomplete: 2 problems" in err
    assert "2 cancelled, 0 already finished, 2 failed (4 refs)" in err


def test_cancel_all_dry_run_names_the_unusable_items_and_exits_1(
    gcore_server: Counter[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """--dry-run prints the tasks that would be cancelled, an error per unusable item, sends nothing, exit 1."""
    code = main(["cancel", "--all", "gcore", "--dry-run", "--json"])

    out, err = capsys.readouterr()
    assert code == 1
    assert sorted(r["ref"] for r in _lines(out)) == sorted([f"gcore:{A}", f"gcore:{B}"])
    assert err.count("aitasks: error: listing gcore: ") == 2
    assert gcore_server == Counter()


# --- --wait whose reads fail ------------------------------------------------------------------------------------


def test_a_failed_wait_keeps_the_cancel_and_is_counted_apart(
    fake_cloud_env: FakeCloud, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Cancel 202, then every read fails: the record stays "cancelled" 202, the wait's failure in its own fields."""
    monkeypatch.setattr("aitasks._tasks.POLL_FIRST", 0.05)
    monkeypatch.setattr("aitasks._tasks.POLL_MAX", 0.05)
    fake_cloud_env.add_gcore_task(A)
    fake_cloud_env.add_gcore_task(B)
    fake_cloud_env.fail_next(500, times=10_000, operation="get", task_id=A)

    code = main(["cancel", f"gcore:{A}", f"gcore:{B}", "--wait", "--wait-timeout", "0.5", "--json"])

    out, err = capsys.readouterr()
    records = {r["ref"]: r for r in _lines(out)}
    assert code == 1
    failed = records[f"gcore:{A}"]
    assert (failed["outcome"], failed["status_code"], failed["error"], failed["state"]) == (
        "cancelled",
        202,
        None,
        None,
    )
    assert failed["wait_error"] == "WaitTimeout" and failed["wait_message"]
    assert records[f"gcore:{B}"]["state"] == "CANCELLED" and "wait_error" not in records[f"gcore:{B}"]
    assert "2 cancelled, 0 already finished, 0 failed (2 refs)" in err and "; 1 wait failed" in err
    assert fake_cloud_env.task_status("gcore", A) == "REVOKED"
