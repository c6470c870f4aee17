"""`aitasks ls`, `status`, and `cancel --all/--wait/--resume/--dry-run` against FakeCloud, and a real kill -9."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aitasks.__main__ import main
from aitasks._cli import _run, _tasks
from aitasks.testing import FakeCloud

TASK_KEYS = ["ref", "state", "status", "progress", "name", "type", "created_at", "started_at", "finished_at"]
CANCEL_KEYS = ["ref", "outcome", "status_code", "error", "message"]
LIBRARY_VARIABLES = ("GCORE_", "MODELARTS_", "HUAWEICLOUD_SDK_")


def gid(number: int) -> str:
    """A Gcore task id: the API's task ids are UUIDs (`format: uuid`), and get/list bodies are checked for it."""
    return f"00000000-0000-4000-8000-{number:012d}"


def _lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


def _cancels(fake: FakeCloud) -> Counter[str]:
    """How many cancel (stop) calls reached the fake for each ref, from its request log."""
    counts: Counter[str] = Counter()
    for request in fake.requests:
        if request.operation == "cancel":
            native = request.task_id if request.route == "gcore" else f"{request.dataset_id}/{request.task_id}"
            counts[f"{request.route}:{native}"] += 1
    return counts


@pytest.fixture
def seeded(fake_cloud_env: FakeCloud) -> FakeCloud:
    """Gcore tasks in each documented status (gid(0..6)) and a ModelArts dataset with each status -1..5."""
    for number, word in enumerate(["RECEIVED", "PENDING", "STARTED", "RETRY", "SUCCESS", "FAILURE", "REVOKED"]):
        fake_cloud_env.add_gcore_task(gid(number), word, progress=number * 10)
    for status in range(-1, 6):
        fake_cloud_env.add_modelarts_task("ds", f"m{status}", status, progress=12.5)
    return fake_cloud_env


# --- ls ----------------------------------------------------------------------------------------------------------


def test_ls_prints_json_lines_off_a_terminal(seeded: FakeCloud, capsys: pytest.CaptureFixture[str]) -> None:
    """Off a terminal `ls` prints one JSON object per task: ref, state, status, progress first; the count on stderr."""
    code = main(["ls", "gcore"])

    out, err = capsys.readouterr()
    records = {record["ref"]: record for record in _lines(out)}
    assert code == 0
    assert all(list(record) == TASK_KEYS for record in records.values())
    assert {ref: (r["state"], r["status"], r["progress"]) for ref, r in records.items()} == {
        f"gcore:{gid(0)}": ("QUEUED", "RECEIVED", 0),
        f"gcore:{gid(1)}": ("QUEUED", "PENDING", 10),
        f"gcore:{gid(2)}": ("RUNNING", "STARTED", 20),
        f"gcore:{gid(3)}": ("RUNNING", "RETRY", 30),
        f"gcore:{gid(4)}": ("SUCCEEDED", "SUCCESS", 40),
        f"gcore:{gid(5)}": ("FAILED", "FAILURE", 50),
        f"gcore:{gid(6)}": ("CANCELLED", "REVOKED", 60),
    }
    assert err == "aitasks: 7 tasks\n"


def test_ls_prints_a_table_on_a_terminal(
    seeded: FakeCloud, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """On a terminal `ls` prints an aligned table (ModelArts statuses as the integers they are); --json still JSON."""
    monkeypatch.setattr(_tasks, "_stdout_is_terminal", lambda: True)

    assert main(["ls", "modelarts:ds"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["STATE", "STATUS", "PROGRESS", "REF"]
    rows = {line.split()[-1]: line.split()[:3] for line in lines[1:]}
    assert rows == {
        "modelarts:ds/m-1": ["QUEUED", "-1", "12.5%"],
        "modelarts:ds/m0": ["QUEUED", "0", "12.5%"],
        "modelarts:ds/m1": ["RUNNING", "1", "12.5%"],
        "modelarts:ds/m2": ["FAILED", "2", "12.5%"],
        "modelarts:ds/m3": ["SUCCEEDED", "3", "12.5%"],
        "modelarts:ds/m4": ["STOPPING", "4", "12.5%"],
        "modelarts:ds/m5": ["CANCELLED", "5", "12.5%"],
    }
    assert len({line.index("modelarts:") for line in lines[1:]}) == 1  # the ref column lines up
    assert main(["ls", "modelarts:ds", "--json"]) == 0
    assert len(_lines(capsys.readouterr().out)) == 7


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["ls", "gcore", "--status", "PENDING,started"], {gid(1), gid(2)}),  # Gcore words, any case
        (["ls", "gcore", "--active"], {gid(0), gid(1), gid(2), gid(3)}),
        (["ls", "gcore", "--status", "REVOKED,SUCCESS"], {gid(4), gid(6)}),
        (["ls", "modelarts:ds", "--status", "1,4"], {"ds/m1", "ds/m4"}),  # ModelArts integers
        (["ls", "modelarts:ds", "--active"], {"ds/m-1", "ds/m0", "ds/m1", "ds/m4"}),
        (["ls", "modelarts:ds", "--status", "-1", "--active"], {"ds/m-1"}),
    ],
)
def test_ls_filters(argv: list[str], expected: set[str], seeded: FakeCloud, capsys: pytest.CaptureFixture[str]) -> None:
    """--status takes the provider's own values (checked and converted), --active drops the final states."""
    assert main(argv) == 0
    assert {record["ref"].split(":", 1)[1] for record in _lines(capsys.readouterr().out)} == expected


def test_ls_reads_every_page(fake_cloud_env: FakeCloud, capsys: pytest.CaptureFixture[str]) -> None:
    """A listing longer than three pages comes out whole, each task once."""
    for number in range(350):
        fake_cloud_env.add_gcore_task(gid(number), "PENDING")

    assert main(["ls", "gcore"]) == 0

    refs = [record["ref"] for record in _lines(capsys.readouterr().out)]
    assert sorted(refs) == sorted(f"gcore:{gid(n)}" for n in range(350))
    assert sum(r.operation == "list" for r in fake_cloud_env.requests) >= 4


def test_ls_failing_midway_exits_1_after_what_it_read(
    fake_cloud_env: FakeCloud, capsys: pytest.CaptureFixture[str]
) -> None:
    """A listing that fails on its second page prints the first page, then one error line; exit 1."""
    for number in range(150):
        fake_cloud_env.add_gcore_task(gid(number), "PENDING")
    fake_cloud_env.add_modelarts_task("ds", "m", 1)
    fake_cloud_env.delay_next(0, provider="gcore", operation="list")  # the first page goes through
    fake_cloud_env.fail_next(401, provider="gcore", operation="list")

    assert main(["ls", "gcore"]) == 1

    out, err = capsys.readouterr()
    assert len(_lines(out)) == 100
    assert err.startswith("aitasks: error: listing gcore failed after 100 tasks: gcore: HTTP 401")
    assert err.count("\n") == 1
    assert main(["ls", "modelarts:other"]) == 1  # ModelArts answers 404 for a dataset it does not have
    assert "ModelArts.4352" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["ls", "gcore", "--status", "PROCESSING"], "'PROCESSING' is not a Gcore status"),
        (["ls", "modelarts:ds", "--status", "running"], "'running' is not a ModelArts status"),
        (["ls", "modelarts:ds", "--status", "6"], "'6' is not a ModelArts status"),
        (["ls", "gcore", "--status", "PENDING,,STARTED"], "not a comma-separated list"),
        (["ls", "gcore:x"], "'gcore:x' is not a listing"),
        (["ls"], "the following arguments are required: LISTING"),
        (["status"], "the following arguments are required: REF"),
        (["cancel", "gcore:x", "--status", "PENDING"], "--status needs --all LISTING"),
        (["cancel", "gcore:x", "--wait-timeout", "5"], "--wait-timeout needs --wait"),
        (["cancel", "gcore:x", "--all", "gcore"], "not both"),
        (["cancel", "--all", "gcore", "--wait", "--wait-timeout", "0"], "--wait-timeout"),
        (["cancel", "gcore:x", "--resume", "/nonexistent/out.jsonl"], "cannot read /nonexistent/out.jsonl"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    argv: list[str], says: str, fake_cloud_env: FakeCloud, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bad statuses, listings and option combinations exit 2 with one line on stderr and send nothing."""
    code = main(argv)

    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith("aitasks"), err
    assert says in err
    assert _cancels(fake_cloud_env) == Counter()


# --- status ------------------------------------------------------------------------------------------------------


def test_status_prints_each_task_in_the_order_given(seeded: FakeCloud, capsys: pytest.CaptureFixture[str]) -> None:
    """`status` reads each ref; one that cannot be read gets a record with its error and null state; exit 1."""
    refs = [f"gcore:{gid(2)}", "modelarts:ds/m4", f"gcore:{gid(99)}", "bogus", "modelarts:ds/m5"]

    code = main(["status", *refs, "--json"])

    out, err = capsys.readouterr()
    records = _lines(out)
    assert code == 1
    assert [record["ref"] for record in records] == refs
    assert all(list(record) == [*TASK_KEYS, "error", "message"] for record in records)
    assert [(r["state"], r["status"], r["error"]) for r in records] == [
        ("RUNNING", "STARTED", None),
        ("STOPPING", 4, None),
        (None, None, "TaskNotFound"),
        (None, None, "InvalidTaskRef"),
        ("CANCELLED", 5, None),
    ]
    assert "2 tasks of 5 could not be read" in err
    assert main(["status", "modelarts:ds/m1"]) == 0


def test_status_table_shows_errors_on_their_row(
    seeded: FakeCloud, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """On a terminal each ref is a row; a ref that cannot be read says why on its row."""
    monkeypatch.setattr(_tasks, "_stdout_is_terminal", lambda: True)

    assert main(["status", f"gcore:{gid(6)}", f"gcore:{gid(98)}"]) == 1

    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[:4] == ["CANCELLED", "REVOKED", "60%", f"gcore:{gid(6)}"]
    assert re.fullmatch(rf"-  +-  +-  gcore:{gid(98)}  TaskNotFound: gcore: HTTP 404 .*", lines[2]), lines[2]


# --- cancel --all ------------------------------------------------------------------------------------------------


def test_cancel_all_without_yes_off_a_terminal_exits_2_and_cancels_nothing(
    seeded: FakeCloud, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --yes and with no terminal to ask on, one line says how many match; exit 2; nothing is sent."""
    monkeypatch.setattr(_run, "_stdin_is_terminal", lambda: False)

    code = main(["cancel", "--all", "gcore"])

    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err == (
        "aitasks: error: found 4 tasks of gcore not in a final state; cancelling them needs --yes when stdin is "
        "not a terminal\n"
    )
    assert _cancels(seeded) == Counter()
    assert [seeded.task_status("gcore", gid(n)) for n in range(4)] == ["RECEIVED", "PENDING", "STARTED", "RETRY"]


def test_cancel_all_dry_run_lists_what_matches_and_sends_nothing(
    seeded: FakeCloud, capsys: pytest.CaptureFixture[str]
) -> None:
    """--dry-run prints the matching tasks (--json: ls's objects) and cancels none, --yes or not."""
    code = main(["cancel", "--all", "modelarts:ds", "--status", "-1,1,3", "--dry-run", "--yes", "--json"])

    out, err = capsys.readouterr()
    assert code == 0
    assert {(r["ref"], r["state"]) for r in _lines(out)} == {
        ("modelarts:ds/m-1", "QUEUED"),
        ("modelarts:ds/m1", "RUNNING"),
        ("modelarts:ds/m3", "SUCCEEDED"),
    }
    assert "found 3 tasks of modelarts:ds with status -1,1,3; dry run: none is cancelled" in err
    assert _cancels(seeded) == Counter()
    assert seeded.task_status("modelarts", "m1", "ds") == 1


def test_cancel_all_with_yes_cancels_exactly_what_matches(
    seeded: FakeCloud, capsys: pytest.CaptureFixture[str]
) -> None:
    """--all gcore --status PENDING,STARTED --yes cancels those two and nothing else, once each."""
    code = main(["cancel", "--all", "gcore", "--status", "PENDING,STARTED", "--yes", "--json"])

    out, err = capsys.readouterr()
    assert code == 0
    assert sorted((r["ref"], r["outcome"]) for r in _lines(out)) == [
        (f"gcore:{gid(1)}", "cancelled"),
        (f"gcore:{gid(2)}", "cancelled"),
    ]
    assert "found 2 tasks of gcore with status PENDING,STARTED\n" in err
    assert _cancels(seeded) == Counter({f"gcore:{gid(1)}": 1, f"gcore:{gid(2)}": 1})
    assert [seeded.task_status("gcore", gid(n)) for n in range(4)] == ["RECEIVED", "REVOKED", "REVOKED", "RETRY"]


def test_cancel_all_defaults_to_the_tasks_not_in_a_final_state(
    seeded: FakeCloud, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --status, --all cancels what is queued, running or stopping, and leaves finished tasks alone."""
    assert main(["cancel", "--all", "modelarts:ds", "--yes", "--json"]) == 0

    assert sorted(r["ref"] for r in _lines(capsys.readouterr().out)) == [
        "modelarts:ds/m-1", "modelarts:ds/m0", "modelarts:ds/m1", "modelarts:ds/m4"
    ]  # fmt: skip
    assert set(_cancels(seeded)) == {"modelarts:ds/m-1", "modelarts:ds/m0", "modelarts:ds/m1", "modelarts:ds/m4"}


@pytest.mark.parametrize(("answer", "code", "cancelled"), [("y\n", 0, 4), ("yes\n", 0, 4), ("n\n", 1, 0), ("", 1, 0)])
def test_cancel_all_asks_on_a_terminal(
    answer: str,
    code: int,
    cancelled: int,
    seeded: FakeCloud,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """On a terminal, --all says how many match and asks; only y/yes cancels, anything else (or EOF) exits 1."""
    monkeypatch.setattr(_run, "_stdin_is_terminal", lambda: True)
    monkeypatch.setattr(sys, "stdin", io.StringIO(answer))

    assert main(["cancel", "--all", "gcore", "--json"]) == code

    out, err = capsys.readouterr()
    assert "found 4 tasks of gcore not in a final state\naitasks: cancel 4 tasks? [y/N] " in err
    assert len(_lines(out)) == cancelled == sum(_cancels(seeded).values())


def test_cancel_all_with_nothing_matching_exits_0(seeded: FakeCloud, capsys: pytest.CaptureFixture[str]) -> None:
    """No task matches: say so, exit 0, without asking or needing --yes."""
    seeded.add_modelarts_task("finished", "done", 3)
    assert main(["cancel", "--all", "modelarts:finished"]) == 0
    assert "found 0 tasks of modelarts:finished not in a final state" in capsys.readouterr().err
    assert _cancels(seeded) == Counter()


# --- cancel --wait -----------------------------------------------------------------------------------------------


@pytest.fixture
def quick_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    """wait() re-reads a task every 50 ms here (its cadence is tested in test_lifecycle)."""
    monkeypatch.setattr("aitasks._tasks.POLL_FIRST", 0.05)
    monkeypatch.setattr("aitasks._tasks.POLL_MAX", 0.05)


def test_cancel_wait_reports_each_final_state(
    seeded: FakeCloud, quick_polls: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """--wait: each record gets "state"; a ModelArts stop is seen STOPPING (4) and then CANCELLED (5)."""
    refs = ["modelarts:ds/m1", "modelarts:ds/m-1", f"gcore:{gid(2)}", f"gcore:{gid(4)}", "modelarts:ds/m3"]

    code = main(["cancel", *refs, "--wait", "--json"])

    out, err = capsys.readouterr()
    records = {record["ref"]: record for record in _lines(out)}
    assert code == 0
    assert all(list(record) == [*CANCEL_KEYS, "state"] for record in records.values())
    assert {ref: (r["outcome"], r["state"]) for ref, r in records.items()} == {
        "modelarts:ds/m1": ("cancelled", "CANCELLED"),
        "modelarts:ds/m-1": ("cancelled", "CANCELLED"),
        f"gcore:{gid(2)}": ("cancelled", "CANCELLED"),
        f"gcore:{gid(4)}": ("already_finished", "SUCCEEDED"),
        "modelarts:ds/m3": ("cancelled", "SUCCEEDED"),  # ModelArts answers 204 even for a finished task
    }
    assert "task states: 3 CANCELLED, 2 SUCCEEDED" in err
    # The stop left each task at 4 for the fake's stop delay: the first read saw it still stopping.
    reads = Counter(r.task_id for r in seeded.requests if r.operation == "get" and r.route == "modelarts")
    assert reads["m1"] >= 2 and reads["m-1"] >= 2
    assert seeded.task_status("modelarts", "m1", "ds") == 5


def test_status_sees_stopping_between_the_stop_and_the_end(
    seeded: FakeCloud, quick_polls: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """cancel without --wait, then status: STOPPING (4); cancel --wait on it: CANCELLED (5) in the text column."""
    assert main(["cancel", "modelarts:ds/m0"]) == 0
    capsys.readouterr()
    assert main(["status", "modelarts:ds/m0", "--json"]) == 0
    [record] = _lines(capsys.readouterr().out)
    assert (record["state"], record["status"]) == ("STOPPING", 4)

    assert main(["cancel", "modelarts:ds/m0", "--wait"]) == 0

    [line] = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"cancelled +204  CANCELLED  modelarts:ds/m0", line), line


def test_cancel_wait_timeout_reports_the_last_state_seen(
    monkeypatch: pytest.MonkeyPatch, quick_polls: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """A stop that outlasts --wait-timeout: the cancel's record stands, the wait's failure in fields of its own."""
    with FakeCloud(modelarts_stop_delay=30) as fake:
        for name, value in fake.env().items():
            monkeypatch.setenv(name, value)
        fake.add_modelarts_task("ds", "slow", 1)

        started = time.monotonic()
        code = main(["cancel", "modelarts:ds/slow", "--wait", "--wait-timeout", "0.3", "--json"])

        assert time.monotonic() - started < 10
    [record] = _lines(capsys.readouterr().out)
    assert code == 1
    assert (record["outcome"], record["status_code"], record["error"]) == ("cancelled", 204, None)
    assert (record["state"], record["wait_error"]) == ("STOPPING", "WaitTimeout")
    assert "still STOPPING (status 4) after waiting 0.3 s" in record["wait_message"]


# --- cancel --resume ---------------------------------------------------------------------------------------------


def _record(ref: str, outcome: str = "cancelled") -> str:
    return json.dumps({"ref": ref, "outcome": outcome, "status_code": 202, "error": None, "message": None}) + "\n"


@pytest.fixture
def ten(fake_cloud_env: FakeCloud, tmp_path: Path) -> Path:
    """Ten running Gcore tasks and a file naming them, plus one line that is not a ref."""
    for number in range(10):
        fake_cloud_env.add_gcore_task(gid(number))
    path = tmp_path / "refs.txt"
    path.write_text("".join(f"gcore:{gid(n)}\n" for n in range(10)) + "not-a-ref\n")
    return path


def test_resume_sends_only_the_refs_without_a_complete_record(
    ten: Path, fake_cloud_env: FakeCloud, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Records for 0-3, an error record (retried neither), a foreign line, and a torn record for 4: 4-9 are sent."""
    earlier = tmp_path / "out1.jsonl"
    earlier.write_text(
        "".join(_record(f"gcore:{gid(n)}") for n in range(4))
        + _record("not-a-ref", "error")
        + "a line that is not a record\n"
        + _record(f"gcore:{gid(4)}")[:30]  # the run was killed while writing this one
    )

    code = main(["cancel", "--from", str(ten), "--json", "--resume", str(earlier)])

    out, err = capsys.readouterr()
    assert code == 0
    assert sorted(r["ref"] for r in _lines(out)) == [f"gcore:{gid(n)}" for n in range(4, 10)]
    assert _cancels(fake_cloud_env) == Counter({f"gcore:{gid(n)}": 1 for n in range(4, 10)})
    assert f"resuming from {earlier}: 5 records; skipped 1 other line; its torn last line ignored" in err
    assert "5 refs not sent again: --resume holds their records" in err


def test_resume_dry_run_prints_what_is_left(
    ten: Path, fake_cloud_env: FakeCloud, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--dry-run with --resume prints the refs still to send, ready for --from, and sends nothing."""
    earlier = tmp_path / "out1.jsonl"
    earlier.write_text("".join(_record(f"gcore:{gid(n)}") for n in range(8)))

    code = main(["cancel", "--from", str(ten), "--resume", str(earlier), "--dry-run"])

    out, err = capsys.readouterr()
    assert code == 1  # the line that is not a ref
    assert out.splitlines() == [f"gcore:{gid(8)}", f"gcore:{gid(9)}"]
    assert "not a ref: line 11:" in err and "2 refs would be sent" in err and "8 skipped" in err
    assert _cancels(fake_cloud_env) == Counter()


def test_resume_refuses_a_file_without_records(
    ten: Path, fake_cloud_env: FakeCloud, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Text output (no --json) cannot be resumed from: exit 2 rather than send everything again."""
    earlier = tmp_path / "out1.txt"
    earlier.write_text(f"cancelled         202  gcore:{gid(0)}  Task has been cancelled successfully.\n")

    assert main(["cancel", "--from", str(ten), "--resume", str(earlier)]) == 2
    assert "holds no JSON records" in capsys.readouterr().err
    assert _cancels(fake_cloud_env) == Counter()


def test_resume_appending_to_the_same_file_ends_its_torn_line_first(
    ten: Path, fake_cloud_env: FakeCloud, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--resume out >> out`: the torn line is closed before new records; `> out` (writing over it) is refused."""
    out = tmp_path / "out.jsonl"
    out.write_text(_record(f"gcore:{gid(0)}") + _record(f"gcore:{gid(1)}")[:25])
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    with open(out, "a", encoding="utf-8") as appending:
        monkeypatch.setattr(sys, "stdout", appending)
        assert main(["cancel", "--from", str(ten), "--json", "--resume", str(out)]) == 1  # the bad line
    lines = out.read_text().splitlines()
    assert lines[1] == _record(f"gcore:{gid(1)}")[:25]
    assert sorted(json.loads(line)["ref"] for line in lines[2:]) == sorted(
        [*(f"gcore:{gid(n)}" for n in range(1, 10)), "not-a-ref"]
    )
    with open(out, "r+", encoding="utf-8") as over:
        monkeypatch.setattr(sys, "stdout", over)
        assert main(["cancel", "--from", str(ten), "--json", "--resume", str(out)]) == 2
    assert "stdout writes over" in stderr.getvalue()


def test_resume_after_kill_9_sends_no_recorded_ref_twice(fake_cloud: FakeCloud, tmp_path: Path) -> None:
    """kill -9 mid-run, then --resume its output: no ref with a record is sent twice (counted from the fake's
    request log), and the two outputs hold exactly one record per input ref."""
    refs = []
    for number in range(240):
        if number % 3 == 2:
            fake_cloud.add_modelarts_task("ds", f"k{number}", 1)
            refs.append(f"modelarts:ds/k{number}")
        else:
            fake_cloud.add_gcore_task(gid(number), "STARTED")
            refs.append(f"gcore:{gid(number)}")
    source = tmp_path / "refs.txt"
    source.write_text("".join(f"{ref}\n" for ref in refs))
    fake_cloud.delay_next(0.05, times=2 * len(refs), operation="cancel")  # each cancel held 50 ms: 80 a second
    first, second = tmp_path / "out1.jsonl", tmp_path / "out2.jsonl"
    command = [sys.executable, "-m", "aitasks", "cancel", "--from", str(source), "--json", "--concurrency", "4"]

    with _running(fake_cloud, command, first) as process:
        _wait_for_lines(first, 40, process)
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=10) == -signal.SIGKILL
    sent_by_first = _settled(fake_cloud)  # the calls in flight at the kill are logged once answered
    with _running(fake_cloud, [*command, "--resume", str(first)], second) as process:
        assert process.wait(timeout=120) == 0, process.stderr.read() if process.stderr else ""

    records_1 = _complete_records(first)
    records_2 = _complete_records(second)
    assert 40 <= len(records_1) < len(refs)  # killed mid-run
    assert sorted(r["ref"] for r in records_1 + records_2) == sorted(refs)  # one record per input ref
    sent = _cancels(fake_cloud)
    assert set(sent) == set(refs)
    assert all(sent[r["ref"]] == 1 for r in records_1)  # a ref with a record was never sent again
    twice = {ref for ref, count in sent.items() if count == 2}
    assert max(sent.values()) <= 2
    assert twice <= set(sent_by_first) and len(twice) <= 8  # at most the calls in flight at the kill
    outcomes = {r["ref"]: r["outcome"] for r in records_2}
    assert all(outcomes[ref] in ("cancelled", "already_finished") for ref in twice)
    assert all(r["outcome"] in ("cancelled", "already_finished") for r in records_1 + records_2)


class _running:
    """`command` as a subprocess against `fake`, stdout appended to `out` (a file, as a shell redirect makes it)."""

    def __init__(self, fake: FakeCloud, command: list[str], out: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(LIBRARY_VARIABLES)} | fake.env()
        with open(out, "ab") as stdout:
            self.process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=stdout, stderr=subprocess.PIPE, env=env
            )

    def __enter__(self) -> subprocess.Popen[bytes]:
        return self.process

    def __exit__(self, *exc_info: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate(timeout=10)


def _settled(fake: FakeCloud) -> Counter[str]:
    """The cancels logged, once the log stopped growing (calls held by a delay are logged when they end)."""
    seen = _cancels(fake)
    for _ in range(100):
        time.sleep(0.1)
        now = _cancels(fake)
        if now == seen:
            return now
        seen = now
    raise AssertionError("the fake's request log kept growing after the kill")


def _wait_for_lines(path: Path, count: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while path.read_bytes().count(b"\n") < count:
        assert process.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.005)


def _complete_records(path: Path) -> list[dict[str, Any]]:
    """The records of complete lines: a line the kill cut short is no record."""
    lines: Iterator[bytes] = iter(path.read_bytes().split(b"\n")[:-1])
    return [json.loads(line) for line in lines]


# --- help --------------------------------------------------------------------------------------------------------


def test_help_of_each_command_documents_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    """`ls --help`, `status --help` and `cancel --help` name their options, the JSON fields and the exit codes."""
    for argv, words in (
        (["--help"], ["cancel", "ls", "status", "fake-cloud", "REVOKED", "-1 queuing"]),
        (["ls", "--help"], ["--status", "--active", "--json", '"state"', '"progress"']),
        (["status", "--help"], ["REF", "--json", '"status"']),
        (["cancel", "--help"], ["--all", "--status", "--dry-run", "--yes", "--wait", "--wait-timeout", "--resume",
                                '"state"', "torn"]),
    ):  # fmt: skip
        assert main(argv) == 0
        out = " ".join(capsys.readouterr().out.split())
        for word in [*words, "GCORE_API_KEY", "exit codes:"]:
            assert word in out, (argv, word)


def test_resume_file_with_a_huge_line_is_read_in_bounded_memory(tmp_path: Path) -> None:
    """A 64 MiB line without a newline among the records: skipped in pieces of at most MAX_RECORD, never held whole."""
    import tracemalloc

    from aitasks._cli._resume import MAX_RECORD, read_records

    path = tmp_path / "out.jsonl"
    with open(path, "wb") as out:
        out.write(_record("gcore:a").encode())
        out.write(b"x" * (64 << 20) + b"\n")
        out.write(_record("gcore:b").encode())
    notes: list[str] = []
    tracemalloc.start()
    try:
        started = time.monotonic()
        recorded = read_records([str(path)], notes.append)
        elapsed = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert recorded.has("gcore:a") and recorded.has("gcore:b") and not recorded.has("gcore:c")
    assert peak < 8 * MAX_RECORD, peak  # a few pieces of MAX_RECORD, not the 64 MiB line
    assert elapsed < 30
    assert notes == [f"resuming from {path}: 2 records; skipped 1 other line"]


def test_resume_with_all_skips_the_tasks_already_recorded(
    seeded: FakeCloud, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--all --resume: the count says how many are left and how many were recorded; only those left are sent."""
    earlier = tmp_path / "out1.jsonl"
    earlier.write_text(_record(f"gcore:{gid(0)}") + _record(f"gcore:{gid(2)}"))

    assert main(["cancel", "--all", "gcore", "--yes", "--json", "--resume", str(earlier)]) == 0

    out, err = capsys.readouterr()
    assert sorted(r["ref"] for r in _lines(out)) == [f"gcore:{gid(1)}", f"gcore:{gid(3)}"]
    assert "found 2 tasks of gcore not in a final state (and 2 already recorded by --resume)" in err
    assert set(_cancels(seeded)) == {f"gcore:{gid(1)}", f"gcore:{gid(3)}"}
