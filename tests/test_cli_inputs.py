"""`aitasks` on hostile input and output: odd --resume files, millions of dry-run refs, Interrupted, `| head`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aitasks.__main__ import main
from aitasks.testing import FakeCloud

LIBRARY_VARIABLES = ("GCORE_", "MODELARTS_", "HUAWEICLOUD_SDK_")


def _record(ref: str, outcome: str = "cancelled", error: str | None = None) -> str:
    return json.dumps({"ref": ref, "outcome": outcome, "status_code": None, "error": error, "message": None}) + "\n"


def _lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


def _cancels(fake: FakeCloud) -> Counter[str]:
    return Counter(f"gcore:{r.task_id}" for r in fake.requests if r.operation == "cancel")


def _env(fake: FakeCloud) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(LIBRARY_VARIABLES)} | fake.env()


# --- --resume on lines that are not records --------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        b"[" * 200_000,  # deeper than the parser's recursion limit
        b'{"a": ' * 100_000 + b"1" + b"}" * 100_000,
        b"\x00\xff\xfe\x80binary junk\x9c",
        b"\xef\xbb\xbf\x00\x00\x00[",
        b"[]",
        b"42",
        b'"gcore:b"',
        b"null",
        b"1" * 5000,  # past int()'s digit limit
        b'{"ref": 1, "outcome": "cancelled"}',
        b'{"ref": ["gcore:b"], "outcome": "cancelled"}',
        b'{"ref": "gcore:b", "outcome": 5}',
        b'{"ref": "gcore:b", "outcome": "maybe"}',
        b'{"ref": "gcore:b"}',
    ],
)
def test_resume_skips_a_line_that_is_not_a_record(
    line: bytes, fake_cloud_env: FakeCloud, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Deep, odd or binary lines are counted as skipped, never a traceback, and never make a ref count as done."""
    for name in ("a", "b"):
        fake_cloud_env.add_gcore_task(name)
    earlier = tmp_path / "out1.jsonl"
    earlier.write_bytes(_record("gcore:a").encode() + line + b"\n")

    code = main(["cancel", "gcore:a", "gcore:b", "--json", "--resume", str(earlier)])

    out, err = capsys.readouterr()
    assert code == 0, err
    assert [r["ref"] for r in _lines(out)] == ["gcore:b"]
    assert f"resuming from {earlier}: 1 record; skipped 1 other line" in err
    assert _cancels(fake_cloud_env) == Counter({"gcore:b": 1})


def test_resume_from_junk_only_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file of nothing but deep JSON and junk is not a checkpoint: one line, exit 2, nothing sent."""
    earlier = tmp_path / "junk"
    earlier.write_bytes(b"[" * 200_000 + b"\n\xff\xfe\x00\n")

    assert main(["cancel", "gcore:a", "--resume", str(earlier)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "holds no JSON records" in err


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
def test_resume_from_a_device_is_a_usage_error(device: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A device is no checkpoint: /dev/zero would be read forever, so none is read at all; exit 2, nothing sent."""
    assert main(["cancel", "gcore:a", "--resume", device]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--resume: {device} is a device" in err


# --- Interrupted records count as not done ---------------------------------------------------------------------


def test_resume_sends_interrupted_refs_again(
    fake_cloud_env: FakeCloud, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An "Interrupted" record (outcome unknown) is not done: its ref is sent again, the others are not."""
    for name in ("a", "b", "c"):
        fake_cloud_env.add_gcore_task(name)
    earlier = tmp_path / "out1.jsonl"
    earlier.write_text(_record("gcore:a") + _record("gcore:b", "error", "Interrupted"))

    code = main(["cancel", "gcore:a", "gcore:b", "gcore:c", "--json", "--resume", str(earlier)])

    out, err = capsys.readouterr()
    assert code == 0
    assert sorted(r["ref"] for r in _lines(out)) == ["gcore:b", "gcore:c"]
    assert "2 records (1 Interrupted, outcome unknown: sent again)" in err
    assert _cancels(fake_cloud_env) == Counter({"gcore:b": 1, "gcore:c": 1})


def test_double_ctrl_c_hint_and_output_cover_the_abandoned_refs(fake_cloud: FakeCloud, tmp_path: Path) -> None:
    """After a second Ctrl-C, the hint starts at the first abandoned line, and the same command sends those again."""
    refs = tmp_path / "refs.txt"
    names = ["fast", "slow1", "slow2", "later"]
    refs.write_text("# header\n" + "".join(f"gcore:{name}\n" for name in names))
    for name in names:
        fake_cloud.add_gcore_task(name)
    for name in ("slow1", "slow2"):
        fake_cloud.delay_next(30, task_id=name)
    output = tmp_path / "out.jsonl"
    argv = [
        sys.executable,
        "-m",
        "aitasks",
        "cancel",
        "--from",
        str(refs),
        "--output",
        str(output),
        "--concurrency",
        "2",
    ]
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env(fake_cloud))
    try:
        assert process.stderr is not None
        _until(lambda: output.exists() and output.read_text().count("\n") == 1, "the record of gcore:fast")
        _until(lambda: fake_cloud.pending_faults == 0, "both slow calls arriving")
        process.send_signal(signal.SIGINT)
        err = b""
        while b"Ctrl-C again" not in err:
            chunk = os.read(process.stderr.fileno(), 4096)
            assert chunk, err
            err += chunk
        process.send_signal(signal.SIGINT)
        err += process.stderr.read()
        assert process.wait(timeout=20) == 130
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    text = err.decode()
    records = {r["ref"]: r["error"] for r in _lines(output.read_text())}
    assert records == {"gcore:fast": None, "gcore:slow1": "Interrupted", "gcore:slow2": "Interrupted"}
    assert f"refs after line 4 of {refs} were not sent; 2 abandoned (Interrupted, outcome unknown) from line 3" in text
    assert f"the same command again: --output {output} holds the records" in text
    assert "Traceback" not in text

    fake_cloud.clear_faults()
    again = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, env=_env(fake_cloud), timeout=60)

    assert again.returncode == 0, again.stderr
    assert b"3 records (2 Interrupted, outcome unknown: sent again)" in again.stderr
    # (the abandoned calls are still held by the fake, so its log shows only the second cancel of each)
    assert _cancels(fake_cloud) == Counter({"gcore:fast": 1, "gcore:slow1": 1, "gcore:slow2": 1, "gcore:later": 1})
    appended = _lines(output.read_text())[3:]
    assert sorted((r["ref"], r["outcome"]) for r in appended) == [
        ("gcore:later", "cancelled"),
        ("gcore:slow1", "cancelled"),
        ("gcore:slow2", "cancelled"),
    ]


def test_tail_hint_starts_at_the_first_abandoned_line() -> None:
    """Without --output, the printed `tail -n +N` covers the abandoned refs, not only those never sent."""
    from aitasks._cli._source import Source

    with open(os.devnull, "rb") as stream:
        source = Source(lambda ref, why: None, stream=stream, name="refs.txt")
        source.line = 9
        source.in_flight = {5: ("gcore:e", 7), 3: ("gcore:c", 5)}
        assert source.abandon() == ["gcore:e", "gcore:c"]
        assert source.tail_hint() == "tail -n +5 refs.txt | aitasks cancel --from - ..."
        source.exhausted = True
        assert "2 abandoned (Interrupted, outcome unknown) from line 5 on" in source.unsent()
        assert source.tail_hint() == "tail -n +5 refs.txt | aitasks cancel --from - ..."


def _until(condition: Callable[[], bool], what: str) -> None:
    """Poll a condition (bounded, so a broken run fails instead of hanging)."""
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, f"never saw {what}"
        time.sleep(0.02)


# --- --dry-run in constant memory ------------------------------------------------------------------------------

# The peak of this process's own memory: VmHWM, in KiB. (ru_maxrss is not used: Linux carries over into it the
# peak of the forked copy of pytest that exec replaced, so both runs would report pytest's size.)
PEAK_RSS = """\
import sys
from aitasks.__main__ import main
code = main(sys.argv[1:])
with open("/proc/self/status") as status:
    peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
print(code, peak, file=sys.stderr)
"""


def _dry_run_peak_kib(path: Path) -> int:
    """Peak RSS of `aitasks cancel --dry-run --from PATH` in a process of its own (pytest's heap not counted)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(LIBRARY_VARIABLES)} | {"GCORE_API_KEY": "k"}
    argv = [sys.executable, "-c", PEAK_RSS, "cancel", "--dry-run", "--json", "--from", str(path)]
    run = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, timeout=240, check=False)
    code, peak = run.stderr.decode().splitlines()[-1].split()
    assert code == "0", run.stderr
    return int(peak)


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="VmHWM is read from Linux's /proc")
def test_dry_run_memory_does_not_grow_with_the_refs(tmp_path: Path) -> None:
    """300,000 refs peak within a few MiB of 1,000 (before: every ref was kept, 27 MiB more per 200,000)."""
    small, large = tmp_path / "small.txt", tmp_path / "large.txt"
    small.write_text("".join(f"gcore:t{i:07d}\n" for i in range(1_000)))
    large.write_text("".join(f"gcore:t{i:07d}\n" for i in range(300_000)))

    growth = _dry_run_peak_kib(large) - _dry_run_peak_kib(small)

    assert growth < 8 * 1024, f"{growth} KiB more for 299,000 more refs"


# --- a closed stdout: `| head -1` ------------------------------------------------------------------------------


def _head_1(fake: FakeCloud, *args: str) -> tuple[int, bytes, str]:
    """`aitasks ARGS | head -1`: the first line of stdout, then the reading end closed; (exit code, line, stderr)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "aitasks", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(fake),
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        line = process.stdout.readline()
        process.stdout.close()
        err = process.stderr.read().decode()
        return process.wait(timeout=60), line, err
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_ls_into_a_closed_pipe_exits_141_quietly(fake_cloud: FakeCloud) -> None:
    """`aitasks ls gcore | head -1` stops reading the listing and exits 141 with one line that says why."""
    for i in range(3000):  # more than a pipe holds: ls is still writing when the reader goes away
        fake_cloud.add_gcore_task(f"00000000-0000-4000-8000-{i:012d}")  # UUIDs, as the API documents them

    code, line, err = _head_1(fake_cloud, "ls", "gcore", "--json")

    assert code == 141
    assert json.loads(line)["ref"].startswith("gcore:00000000-")
    assert err.startswith("aitasks: stdout was closed after ") and err.count("\n") == 1, err
    assert "the rest of the listing was not read" in err
    assert "error" not in err.lower() and "failed" not in err


def test_cancel_into_a_closed_pipe_reports_the_calls_in_flight_on_stderr(fake_cloud: FakeCloud) -> None:
    """`aitasks cancel ... | head -1`: no new ref is sent, each call made has its record on stdout or stderr."""
    total = 2000
    for i in range(total):
        fake_cloud.add_gcore_task(f"t{i:04d}")

    code, line, err = _head_1(fake_cloud, "cancel", *(f"gcore:t{i:04d}" for i in range(total)), "--json")

    assert code == 141, err
    assert "Traceback" not in err and "Exception ignored" not in err
    sent = _cancels(fake_cloud)
    assert len(sent) < total and set(sent.values()) == {1}
    on_stderr = [json.loads(text.partition("record: ")[2]) for text in err.splitlines() if "aitasks: record: " in text]
    assert on_stderr and all(r["outcome"] == "cancelled" for r in on_stderr)
    assert {r["ref"] for r in on_stderr} <= set(sent)
    assert json.loads(line)["ref"] not in {r["ref"] for r in on_stderr}
    assert "stdout was closed: " in err and "were not sent" in err


def test_dry_run_into_a_closed_pipe_exits_141(fake_cloud: FakeCloud, tmp_path: Path) -> None:
    """`aitasks cancel --dry-run --from FILE | head -1` stops reading FILE and exits 141."""
    path = tmp_path / "refs.txt"
    path.write_text("".join(f"gcore:t{i:06d}\n" for i in range(100_000)))

    code, line, err = _head_1(fake_cloud, "cancel", "--dry-run", "--from", str(path))

    assert (code, line) == (141, b"gcore:t000000\n")
    assert err.startswith("aitasks: stdout was closed after ") and err.count("\n") == 1, err
