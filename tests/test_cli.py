"""`aitasks`: one record per ref against FakeCloud with faults, exit codes, input, Ctrl-C and SIGTERM, progress."""

from __future__ import annotations

import io
import json
import os
import re
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import aitasks
from aitasks.__main__ import main
from aitasks._cli import _progress, _source
from aitasks.testing import FakeCloud

LIBRARY_VARIABLES = ("GCORE_", "MODELARTS_", "HUAWEICLOUD_SDK_")
ENV_VARS = [
    "GCORE_API_KEY",
    "GCORE_BASE_URL",
    "MODELARTS_ENDPOINT",
    "MODELARTS_PROJECT_ID",
    "HUAWEICLOUD_SDK_PROJECT_ID",
    "MODELARTS_TOKEN",
    "HUAWEICLOUD_SDK_AK",
    "HUAWEICLOUD_SDK_SK",
    "HUAWEICLOUD_SDK_SECURITY_TOKEN",
]
RECORD_KEYS = ["ref", "outcome", "status_code", "error", "message"]
SUMMARY = re.compile(r"aitasks: (?:interrupted: )?(\d+) cancelled, (\d+) already finished, (\d+) failed \((\d+) refs\)")


def _records(out: str) -> list[dict[str, Any]]:
    records = [json.loads(line) for line in out.splitlines()]
    assert all(list(record) == RECORD_KEYS for record in records)
    return records


def _summary(err: str) -> tuple[int, int, int, int]:
    match = SUMMARY.search(err)
    assert match, err
    cancelled, finished, failed, total = (int(group) for group in match.groups())
    return cancelled, finished, failed, total


def _provider_calls(fake: FakeCloud) -> list[tuple[str, str | None, str | None]]:
    return [(r.route, r.dataset_id, r.task_id) for r in fake.requests if r.route in ("gcore", "modelarts")]


# --- the acceptance run ----------------------------------------------------------------------------------------


def test_2000_refs_with_faults_give_one_right_record_each(
    fake_cloud_env: FakeCloud, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """2,000 refs with 503s, dropped connections, 404, 412, 429: one right record each, exit 1, no double cancel."""
    fake = fake_cloud_env
    expected: dict[str, tuple[str, int | None, str | None]] = {}
    retried: list[tuple[str, str, str | None]] = []  # (provider, task id, dataset id)
    lines = ["# refs to cancel, mixed providers", ""]
    for i in range(1000):
        gcore, task = f"gcore:g{i:04d}", f"m{i:04d}"
        modelarts = f"modelarts:ds{i % 7}/{task}"
        lines += [gcore, modelarts]
        if i % 10 == 1:  # unknown on both clouds
            expected[gcore] = ("error", 404, "TaskNotFound")
            expected[modelarts] = ("error", 404, "TaskNotFound")
            fake.add_modelarts_task(f"ds{i % 7}", "other")
            continue
        fake.add_modelarts_task(f"ds{i % 7}", task)
        expected[modelarts] = ("cancelled", 204, None)
        if i % 10 == 2:  # finished before we came
            fake.add_gcore_task(f"g{i:04d}", "SUCCESS")
            expected[gcore] = ("already_finished", 412, None)
            continue
        fake.add_gcore_task(f"g{i:04d}")
        expected[gcore] = ("cancelled", 202, None)
        if i % 10 == 3:  # 503 once, then success
            fake.fail_next(503, provider="gcore", task_id=f"g{i:04d}")
            fake.fail_next(503, provider="modelarts", task_id=task, dataset_id=f"ds{i % 7}")
            retried += [("gcore", f"g{i:04d}", None), ("modelarts", task, f"ds{i % 7}")]
        elif i % 10 == 4:  # the connection drops without an answer, then success
            fake.drop_next(provider="gcore", task_id=f"g{i:04d}")
            fake.drop_next(provider="modelarts", task_id=task, dataset_id=f"ds{i % 7}")
            retried += [("gcore", f"g{i:04d}", None), ("modelarts", task, f"ds{i % 7}")]
        elif i % 10 == 5:  # rate limited with Retry-After, then success
            fake.fail_next(429, retry_after=1, provider="gcore", task_id=f"g{i:04d}")
            fake.fail_next(429, retry_after=1, provider="modelarts", task_id=task, dataset_id=f"ds{i % 7}")
            retried += [("gcore", f"g{i:04d}", None), ("modelarts", task, f"ds{i % 7}")]
        elif i % 100 == 6:  # 503 on every attempt: fails after the retries
            fake.fail_next(503, times=3, provider="gcore", task_id=f"g{i:04d}")
            expected[gcore] = ("error", 503, "ServerError")
    lines += ["   # an indented comment", "gcore:..", "bogus-line"]
    expected["gcore:.."] = ("error", None, "InvalidTaskRef")
    expected["bogus-line"] = ("error", None, "InvalidTaskRef")
    path = tmp_path / "refs.txt"
    path.write_text("\n".join(lines) + "\n")

    code = main(["cancel", "--from", str(path), "--json", "--concurrency", "16"])

    out, err = capsys.readouterr()
    records = _records(out)
    assert code == 1
    assert len(records) == len(expected) == 2002
    assert sorted(record["ref"] for record in records) == sorted(expected)
    for record in records:
        outcome, status, error = expected[record["ref"]]
        assert (record["outcome"], record["status_code"], record["error"]) == (outcome, status, error), record
    assert next(r for r in records if r["ref"] == "gcore:..")["message"].startswith(f"line {len(lines) - 1}: ")
    failed = sum(1 for value in expected.values() if value[0] == "error")
    assert _summary(err) == (len(records) - failed - 100, 100, failed, 2002)
    assert "Traceback" not in err
    # Retried refs were cancelled exactly once, after exactly one failed attempt.
    calls = _provider_calls(fake)
    for provider, task, dataset in retried:
        assert fake.cancel_count(provider, task, dataset) == 1
        assert calls.count((provider, dataset, task)) == 2
    assert fake.pending_faults == 0
    assert len(calls) == 2000 + len(retried) + 2 * 10  # every ref once, retries, two extra tries per 503x3 ref


# --- output formats and options --------------------------------------------------------------------------------


def test_text_output_is_one_aligned_line_per_ref(fake_cloud_env: FakeCloud, capsys: pytest.CaptureFixture[str]) -> None:
    """Without --json each ref gets one readable line: outcome, status, ref, message; exit 0 when none failed."""
    fake_cloud_env.add_gcore_task("t1")
    fake_cloud_env.add_gcore_task("t2", "REVOKED")
    fake_cloud_env.add_modelarts_task("ds", "t3")

    code = main(["cancel", "gcore:t1", "gcore:t2", "modelarts:ds/t3"])

    out, err = capsys.readouterr()
    lines = sorted(out.splitlines())
    assert code == 0
    assert re.fullmatch(r"already finished  412  gcore:t2 +  Cannot cancel task .* status REVOKED\.", lines[0])
    assert re.fullmatch(r"cancelled         202  gcore:t1 +  Task has been cancelled successfully\.", lines[1])
    assert re.fullmatch(r"cancelled         204  modelarts:ds/t3", lines[2])
    assert len({line.index(" gcore:") for line in lines[:2]}) == 1
    assert _summary(err) == (2, 1, 0, 3)


def test_strict_counts_already_finished_as_failed(
    fake_cloud_env: FakeCloud, capsys: pytest.CaptureFixture[str]
) -> None:
    """--strict turns a 412 into a TaskAlreadyFinished error record and exit 1."""
    fake_cloud_env.add_gcore_task("done", "SUCCESS")

    code = main(["cancel", "gcore:done", "--json", "--strict"])

    [record] = _records(capsys.readouterr().out)
    assert code == 1
    assert (record["outcome"], record["status_code"], record["error"]) == ("error", 412, "TaskAlreadyFinished")


def test_stdin_input_skips_comments_and_reports_bad_lines(
    fake_cloud_env: FakeCloud, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--from -` reads stdin: blanks and # comments skipped, CRLF accepted, bad lines get a record naming the line."""
    fake_cloud_env.add_gcore_task("a")
    fake_cloud_env.add_modelarts_task("ds", "b")
    data = (
        b"\xef\xbb\xbfgcore:a\r\n\n# comment\n  modelarts:ds/b  \nazure:x\ngcore:\xff\xfe\n" + b"gcore:" + b"x" * 20000
    )
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))

    code = main(["cancel", "--from", "-", "--json"])

    records = {record["ref"][:10]: record for record in _records(capsys.readouterr().out)}
    assert code == 1
    assert len(records) == 5
    assert records["gcore:a"]["outcome"] == records["modelarts:"]["outcome"] == "cancelled"
    assert records["azure:x"]["message"].startswith("line 5: ")
    assert records["gcore:\\xff"]["message"] == "line 6: not valid UTF-8"
    assert records["gcore:xxxx"]["message"] == f"line 7: longer than {_source.MAX_LINE} bytes"
    assert {r["error"] for r in records.values() if r["outcome"] == "error"} == {"InvalidTaskRef"}


def test_unconfigured_provider_fails_its_refs_only(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], fake_cloud: FakeCloud
) -> None:
    """With only Gcore configured, ModelArts refs get a ConfigurationError record naming the variable; exit 1."""
    monkeypatch.setenv("GCORE_API_KEY", fake_cloud.gcore_api_key)
    monkeypatch.setenv("GCORE_BASE_URL", fake_cloud.base_url)
    fake_cloud.add_gcore_task("g")

    code = main(["cancel", "gcore:g", "modelarts:ds/t", "--json"])

    records = {record["ref"]: record for record in _records(capsys.readouterr().out)}
    assert code == 1
    assert records["gcore:g"]["outcome"] == "cancelled"
    assert records["modelarts:ds/t"]["error"] == "ConfigurationError"
    assert "MODELARTS_ENDPOINT" in records["modelarts:ds/t"]["message"]


def test_empty_input_exits_zero_with_a_warning(
    fake_cloud_env: FakeCloud, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file with only comments sends nothing, prints no record, and says so on stderr."""
    path = tmp_path / "empty.txt"
    path.write_text("# nothing today\n\n")

    code = main(["cancel", "--from", str(path)])

    out, err = capsys.readouterr()
    assert (code, out) == (0, "")
    assert "held no refs" in err
    assert _provider_calls(fake_cloud_env) == []


def test_read_error_mid_file_reports_what_was_sent_and_exits_2(
    fake_cloud_env: FakeCloud, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """If the file cannot be read to the end, the refs already sent are still reported, then exit 2 naming it."""
    real_lines = _source._lines

    def failing(stream: Any) -> Any:
        lines = real_lines(stream)
        yield next(lines)
        yield next(lines)
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(_source, "_lines", failing)
    fake_cloud_env.add_gcore_task("a")
    fake_cloud_env.add_gcore_task("b")
    path = tmp_path / "refs.txt"
    path.write_text("gcore:a\ngcore:b\ngcore:c\n")

    code = main(["cancel", "--from", str(path), "--json"])

    out, err = capsys.readouterr()
    assert code == 2
    assert sorted(r["ref"] for r in _records(out)) == ["gcore:a", "gcore:b"]
    assert f"error: reading {path} failed: Input/output error" in err
    assert _summary(err) == (2, 0, 0, 2)


def test_closed_stdout_stops_sending(fake_cloud_env: FakeCloud, monkeypatch: pytest.MonkeyPatch) -> None:
    """When stdout goes away (`| head`), no new refs are sent, the calls in flight are reported on stderr, exit 141."""

    class ClosedPipe(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    for i in range(200):
        fake_cloud_env.add_gcore_task(f"t{i}")
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    monkeypatch.setattr(sys, "stderr", stderr)

    code = main(["cancel", *(f"gcore:t{i}" for i in range(200)), "--concurrency", "4", "--json"])

    err = stderr.getvalue()
    assert code == 141
    assert "stdout could not be written (closed?): sending no more refs" in err
    calls = _provider_calls(fake_cloud_env)
    assert 1 <= len(calls) <= 8
    shown = [json.loads(line.partition("record: ")[2]) for line in err.splitlines() if "aitasks: record: " in line]
    assert sorted(r["ref"] for r in shown) == sorted(f"gcore:{task}" for _, _, task in calls)
    assert all(r["outcome"] == "cancelled" for r in shown)
    assert "stdout was closed: " in err and "Traceback" not in err


# --- progress on a terminal ------------------------------------------------------------------------------------


def test_progress_falls_back_to_a_counter_line_without_rich(
    fake_cloud_env: FakeCloud, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """On a terminal without rich, stderr gets plain counter lines; stdout still gets exactly the records."""
    monkeypatch.setattr(_progress, "_stderr_is_terminal", lambda: True)
    monkeypatch.setattr(_progress, "PROGRESS_INTERVAL", 0.0)
    monkeypatch.setitem(sys.modules, "rich", None)
    monkeypatch.setitem(sys.modules, "rich.console", None)
    monkeypatch.setitem(sys.modules, "rich.progress", None)
    for i in range(5):
        fake_cloud_env.add_gcore_task(f"t{i}")

    code = main(["cancel", *(f"gcore:t{i}" for i in range(5)), "--json"])

    out, err = capsys.readouterr()
    assert code == 0
    assert len(_records(out)) == 5
    assert "aitasks: 5/5 done: 5 cancelled, 0 already finished, 0 failed" in err
    assert _summary(err) == (5, 0, 0, 5)


def test_progress_with_rich_keeps_stdout_clean(
    fake_cloud_env: FakeCloud, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With rich on a terminal, the bar lives on stderr; stdout (a file here) gets only the records."""
    pytest.importorskip("rich")
    monkeypatch.setattr(_progress, "_stderr_is_terminal", lambda: True)
    path = tmp_path / "refs.txt"
    path.write_text("".join(f"gcore:t{i}\n" for i in range(20)))
    for i in range(20):
        fake_cloud_env.add_gcore_task(f"t{i}")

    code = main(["cancel", "--from", str(path), "--json"])

    out, err = capsys.readouterr()
    assert code == 0
    assert len(_records(out)) == 20
    assert _summary(err) == (20, 0, 0, 20)


# --- usage, help, version --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["cancel", "--bogus", "gcore:x"], "unrecognized arguments: --bogus"),
        (["cancel"], "no refs"),
        (["cancel", "gcore:x", "--from", "refs.txt"], "not both"),
        (["cancel", "gcore:x", "--concurrency", "0"], "--concurrency"),
        (["cancel", "gcore:x", "--concurrency", "many"], "--concurrency"),
        (["cancel", "gcore:x", "--timeout", "-1"], "--timeout"),
        (["cancel", "gcore:x", "--max-retries", "-1"], "--max-retries"),
        (["cancel", "--from", "/nonexistent/refs.txt"], "cannot read /nonexistent/refs.txt"),
        (["frobnicate"], "invalid choice"),
        ([], "a command is required"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    argv: list[str], says: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Usage errors exit 2 with a single line on stderr, nothing on stdout, no traceback."""
    monkeypatch.setenv("GCORE_API_KEY", "gk-0123456789abcdef")

    code = main(argv)

    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith("aitasks"), err
    assert says in err


def test_missing_configuration_exits_2_naming_the_variables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With no provider configured, exit 2 with one line that names the variables to set for the refs given."""
    code = main(["cancel", "gcore:x"])

    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert "set GCORE_API_KEY" in err and "MODELARTS" not in err and "api_key=" not in err
    path = tmp_path / "refs.txt"
    path.write_text("gcore:x\n")
    assert main(["cancel", "--from", str(path)]) == 2  # the refs are not read yet: every provider is named
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "GCORE_API_KEY" in err and "MODELARTS_ENDPOINT" in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    """`aitasks --version` prints the package version."""
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"aitasks {aitasks.__version__}\n"


def test_help_documents_every_variable_and_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    """`aitasks --help` and `aitasks cancel --help` list every environment variable and every exit code."""
    for argv in (["--help"], ["cancel", "--help"]):
        assert main(argv) == 0
        out = capsys.readouterr().out
        for name in ENV_VARS:
            assert name in out
        for code in ("0", "1", "2", "130", "143"):
            assert re.search(rf"^  {code} +\S", out, re.MULTILINE), code
    assert "--concurrency" in out and "--max-retries" in out and "--from" in out


def test_fake_cloud_command_is_delegated(capsys: pytest.CaptureFixture[str]) -> None:
    """`aitasks fake-cloud` runs the fake's own command line (its port check answers here)."""
    assert main(["fake-cloud", "--port", "70000"]) == 2
    assert "invalid port 70000" in capsys.readouterr().err


def test_python_m_aitasks_version_is_quick_and_light() -> None:
    """`python -m aitasks --version` works and loads neither httpx nor the generated clients."""
    probe = (
        "import runpy, sys\n"
        "sys.argv = ['aitasks', '--version']\n"
        "try:\n"
        "    runpy.run_module('aitasks', run_name='__main__')\n"
        "except SystemExit as exc:\n"
        "    print(exc.code, 'httpx' in sys.modules, 'aitasks_gcore_api' in sys.modules)\n"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=30, check=False)
    assert run.stdout.splitlines() == [f"aitasks {aitasks.__version__}", "0 False False"], run.stderr


# --- Ctrl-C and SIGTERM ----------------------------------------------------------------------------------------


class Running:
    """`python -m aitasks cancel ...` as a subprocess, its stdout read line by line without blocking the test."""

    def __init__(self, fake: FakeCloud, *args: str, stdin: bool = False) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(LIBRARY_VARIABLES)} | fake.env()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "aitasks", "cancel", *args],
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        self.out = b""
        self.err = b""

    def __enter__(self) -> Running:
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Kill the process if a failed assertion left it running."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate(timeout=10)

    def wait_for(self, what: str, count: int, timeout: float = 20) -> None:
        """Read until stdout holds `count` lines, or stderr holds `what`."""
        assert self.process.stdout is not None and self.process.stderr is not None
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ, "out")
            selector.register(self.process.stderr, selectors.EVENT_READ, "err")
            while self.out.count(b"\n") < count and what.encode() not in self.err:
                left = deadline - time.monotonic()
                assert left > 0, (self.out[-500:], self.err[-500:])
                for key, _ in selector.select(left):
                    chunk = os.read(key.fileobj.fileno(), 65536)  # type: ignore[union-attr]
                    assert chunk, f"exited early: {self.err.decode()}"
                    if key.data == "out":
                        self.out += chunk
                    else:
                        self.err += chunk

    def signal_after(self, records: int, signum: int) -> None:
        """Send `signum` once stdout holds `records` records."""
        self.wait_for("\0", count=records)
        self.process.send_signal(signum)

    def finish(self) -> tuple[int, list[dict[str, Any]], str]:
        if self.process.stdin is not None:  # communicate() would close it: too late to show Ctrl-C did not wait
            assert self.process.wait(timeout=10) == self.process.returncode
        out, err = self.process.communicate(timeout=20)
        return self.process.returncode, _records((self.out + out).decode()), (self.err + err).decode()


def _slow_refs_file(fake: FakeCloud, tmp_path: Path, total: int) -> Path:
    """A file of `total` Gcore refs whose tasks exist, each call held 50 ms so that a run can be stopped midway."""
    path = tmp_path / "refs.txt"
    path.write_text("".join(f"gcore:t{i}\n" for i in range(total)))
    for i in range(total):
        fake.add_gcore_task(f"t{i}")
    fake.delay_next(0.05, times=total)
    return path


def _assert_each_sent_ref_reported_once(fake: FakeCloud, records: list[dict[str, Any]], err: str) -> None:
    """Every ref that reached the server was cancelled once and has one record; the summary says where input stopped."""
    calls = [task for _, _, task in _provider_calls(fake)]
    assert sorted(r["ref"] for r in records) == sorted(f"gcore:{task}" for task in calls)
    assert len(set(calls)) == len(calls)
    assert all(r["outcome"] == "cancelled" for r in records)
    assert _summary(err) == (len(records), 0, 0, len(records))
    assert re.search(rf"refs after line {len(records)} of .*refs.txt were not sent", err), err
    assert "Traceback" not in err


def test_ctrl_c_stops_sending_and_reports_every_ref_sent(fake_cloud: FakeCloud, tmp_path: Path) -> None:
    """SIGINT mid-run: exit 130, each ref that reached the server has exactly one record, the summary is printed."""
    total = 400
    path = _slow_refs_file(fake_cloud, tmp_path, total)
    with Running(fake_cloud, "--from", str(path), "--json", "--concurrency", "4") as running:
        running.signal_after(8, signal.SIGINT)
        code, records, err = running.finish()
    assert code == 130
    assert 8 <= len(records) < total
    _assert_each_sent_ref_reported_once(fake_cloud, records, err)


def test_second_ctrl_c_abandons_the_calls_in_flight(fake_cloud: FakeCloud) -> None:
    """A second SIGINT does not wait: each call still in flight gets an "Interrupted" record; exit 130."""
    fake_cloud.add_gcore_task("fast")
    for name in ("slow1", "slow2"):
        fake_cloud.add_gcore_task(name)
        fake_cloud.delay_next(30, task_id=name)
    with Running(fake_cloud, "gcore:fast", "gcore:slow1", "gcore:slow2", "--json") as running:
        running.wait_for("\0", count=1)
        started = time.monotonic()
        running.process.send_signal(signal.SIGINT)
        running.wait_for("Ctrl-C again", count=99)
        running.process.send_signal(signal.SIGINT)
        code, records, err = running.finish()
        assert time.monotonic() - started < 10
    assert code == 130
    assert {r["ref"]: r["error"] for r in records} == {
        "gcore:fast": None,
        "gcore:slow1": "Interrupted",
        "gcore:slow2": "Interrupted",
    }
    assert "finishing 2 calls in flight" in err
    assert _summary(err) == (1, 0, 2, 3)


def test_ctrl_c_while_waiting_on_stdin_exits_at_once(fake_cloud: FakeCloud) -> None:
    """With `--from -` and a producer that is still writing, Ctrl-C ends the run without waiting for more input."""
    fake_cloud.add_gcore_task("a")
    with Running(fake_cloud, "--from", "-", "--json", stdin=True) as running:
        assert running.process.stdin is not None
        running.process.stdin.write(b"gcore:a\n")
        running.process.stdin.flush()
        running.signal_after(1, signal.SIGINT)  # the record comes while stdin stays open
        code, records, err = running.finish()
    assert code == 130
    assert [r["ref"] for r in records] == ["gcore:a"]
    assert "refs after line 1 of stdin were not sent" in err


def test_sigterm_stops_sending_and_finishes_the_calls_in_flight(fake_cloud: FakeCloud, tmp_path: Path) -> None:
    """SIGTERM acts as the first Ctrl-C, exit 143: the calls in flight finish, even after a second SIGTERM."""
    total = 400
    for i in range(8, 16):  # the calls in flight when the signal comes take long enough for a second one
        fake_cloud.delay_next(1.0, task_id=f"t{i}")  # queued first: the fake uses the first matching fault
    path = _slow_refs_file(fake_cloud, tmp_path, total)
    with Running(fake_cloud, "--from", str(path), "--json", "--concurrency", "4") as running:
        running.signal_after(8, signal.SIGTERM)
        running.wait_for("terminated: sending no more refs", count=total)
        running.process.send_signal(signal.SIGTERM)
        code, records, err = running.finish()
    finishing = re.search(r"terminated: sending no more refs, finishing (\d+) calls? in flight \(Ctrl-C to", err)
    assert finishing, err
    assert code == 143
    assert int(finishing[1]) >= 1
    assert 8 + int(finishing[1]) <= len(records) < total
    _assert_each_sent_ref_reported_once(fake_cloud, records, err)


@pytest.mark.parametrize("block", [1, 7, 4096, 1 << 20])
def test_pipe_and_file_readers_split_lines_alike(block: int) -> None:
    """stdin (read in blocks) and files (read by line) give the same lines, overlong ones cut the same way."""
    data = b"a\n\nb\r\n" + b"x" * (_source.MAX_LINE + 5) + b"\nc\n" + b"y" * _source.MAX_LINE + b"\nz"
    blocks = [data[i : i + block] for i in range(0, len(data), block)]
    by_line = list(_source._lines(io.BytesIO(data)))
    assert list(_source._split(blocks)) == by_line
    assert [len(line) for line in by_line] == [2, 1, 3, _source.MAX_LINE + 1, 2, _source.MAX_LINE + 1, 1]
