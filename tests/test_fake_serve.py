"""`aitasks fake-cloud` as a subprocess: printed environment, seeding over HTTP, clean exit on signals."""

from __future__ import annotations

import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

import aitasks

LIBRARY_VARIABLES = re.compile(r"^(GCORE_|MODELARTS_|HUAWEICLOUD_SDK_)")
EXPECTED = [
    "GCORE_BASE_URL",
    "GCORE_API_KEY",
    "MODELARTS_ENDPOINT",
    "MODELARTS_PROJECT_ID",
    "MODELARTS_TOKEN",
    "HUAWEICLOUD_SDK_AK",
    "HUAWEICLOUD_SDK_SK",
]


class Served:
    """A running `python -m aitasks fake-cloud` (what the `aitasks` script runs) and the lines it printed."""

    def __init__(self, process: subprocess.Popen[bytes], lines: list[str]) -> None:
        self.process = process
        self.lines = lines
        self.env = dict(line.split("=", 1) for line in lines)

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str]:
        """Send a signal; return the exit code and stderr (bounded wait)."""
        self.process.send_signal(sig)
        _, stderr = self.process.communicate(timeout=10)
        return self.process.returncode, stderr.decode()


def _read_lines(process: subprocess.Popen[bytes], count: int, timeout: float) -> list[str]:
    """Read `count` stdout lines within `timeout` seconds (the pipe never blocks the test for longer)."""
    assert process.stdout is not None
    buffer = b""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while buffer.count(b"\n") < count:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                raise AssertionError(f"fake-cloud printed only {buffer!r}")
            chunk = os.read(process.stdout.fileno(), 4096)
            if not chunk:
                raise AssertionError(f"fake-cloud exited early after printing {buffer!r}")
            buffer += chunk
    return buffer.decode().splitlines()[:count]


def _start(*args: str) -> Served:
    process = subprocess.Popen(
        [sys.executable, "-m", "aitasks", "fake-cloud", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        return Served(process, _read_lines(process, len(EXPECTED), timeout=20))
    except BaseException:
        process.kill()
        process.communicate(timeout=10)
        raise


@pytest.fixture
def served() -> Iterator[Served]:
    """A fake-cloud subprocess whose ModelArts stops end at once (5), killed if the test did not stop it."""
    running = _start("--modelarts-stop-delay", "0")
    yield running
    if running.process.poll() is None:
        running.process.kill()
        running.process.communicate(timeout=10)


def test_prints_seven_shell_safe_lines(served: Served) -> None:
    """stdout starts with the seven KEY=VALUE lines, in order, safe for eval/export without quoting."""
    assert [line.split("=", 1)[0] for line in served.lines] == EXPECTED
    for line in served.lines:
        assert re.fullmatch(r"[A-Z_]+=[A-Za-z0-9_.:/-]+", line), line
    assert served.env["GCORE_BASE_URL"] == served.env["MODELARTS_ENDPOINT"]
    assert served.env["GCORE_BASE_URL"].startswith("http://127.0.0.1:")


def test_seed_over_http_cancel_with_httpx_then_sigterm_exits_0(served: Served) -> None:
    """Seeded over /_fake/tasks, both tasks cancel over plain HTTP; SIGTERM exits 0 without a traceback."""
    base, env = served.env["GCORE_BASE_URL"], served.env
    with httpx.Client(base_url=base, timeout=5) as http:
        assert http.post("/_fake/tasks", json={"provider": "gcore", "task_id": "g1"}).status_code == 201
        seeded = http.post("/_fake/tasks", json={"provider": "modelarts", "dataset_id": "d", "task_id": "m1"})
        assert seeded.status_code == 201
        gcore = http.post("/streaming/ai/tasks/g1/cancel", headers={"Authorization": f"apikey {env['GCORE_API_KEY']}"})
        path = f"/v2/{env['MODELARTS_PROJECT_ID']}/datasets/d/tasks/m1/stop"
        modelarts = http.post(path, headers={"X-Auth-Token": env["MODELARTS_TOKEN"]})
    assert (gcore.status_code, modelarts.status_code) == (202, 204)
    code, stderr = served.stop(signal.SIGTERM)
    assert code == 0
    assert "Traceback" not in stderr


def test_sigint_exits_0_cleanly(served: Served) -> None:
    """Ctrl-C (SIGINT) also stops it with exit 0 and no traceback."""
    code, stderr = served.stop(signal.SIGINT)
    assert code == 0
    assert "Traceback" not in stderr
    assert "stopped" in stderr


@pytest.mark.parametrize("auth", ["token", "aksk"])
def test_facade_configured_only_from_printed_lines(served: Served, monkeypatch: pytest.MonkeyPatch, auth: str) -> None:
    """aitasks.Gcore()/ModelArts()/Client.from_env() built from the printed lines alone cancel seeded tasks."""
    for name in list(os.environ):
        if LIBRARY_VARIABLES.match(name):
            monkeypatch.delenv(name)
    for name, value in served.env.items():
        if not (auth == "aksk" and name == "MODELARTS_TOKEN"):  # without a token, ModelArts signs with AK/SK
            monkeypatch.setenv(name, value)
    with httpx.Client(base_url=served.env["GCORE_BASE_URL"], timeout=5) as http:
        for task in ("g1", "g2"):
            http.post("/_fake/tasks", json={"provider": "gcore", "task_id": task})
        for task in ("m1", "m2"):
            http.post("/_fake/tasks", json={"provider": "modelarts", "dataset_id": "d", "task_id": task})
        with aitasks.Gcore() as gcore, aitasks.ModelArts() as modelarts:
            assert gcore.cancel("g1").outcome is aitasks.Outcome.CANCELLED
            assert gcore.cancel("g1").outcome is aitasks.Outcome.ALREADY_FINISHED
            assert modelarts.cancel("d/m1").outcome is aitasks.Outcome.CANCELLED
        with aitasks.Client.from_env() as client:
            assert client.cancel("gcore:g2").status_code == 202
            assert client.cancel("modelarts:d/m2").status_code == 204
        tasks = {(t["task_id"], t["status"]) for t in http.get("/_fake/tasks").json()["tasks"]}
    assert tasks == {("g1", "REVOKED"), ("g2", "REVOKED"), ("m1", 5), ("m2", 5)}  # 5: stopped
    assert served.stop()[0] == 0


def _usage_error(*args: str) -> bytes:
    """Run `aitasks fake-cloud ARGS`, which must exit 2 without a traceback; its stderr."""
    done = subprocess.run(
        [sys.executable, "-m", "aitasks", "fake-cloud", *args], capture_output=True, timeout=20, check=False
    )
    assert done.returncode == 2
    assert b"Traceback" not in done.stderr
    return done.stderr


def test_port_in_use_exits_2() -> None:
    """A taken port is a usage error: exit 2 with a message, no traceback."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert b"cannot listen" in _usage_error("--port", str(taken.getsockname()[1]))


@pytest.mark.parametrize("delay", ["-1", "nan", "3601"])
def test_bad_stop_delay_exits_2(delay: str) -> None:
    """A negative, NaN or over-an-hour --modelarts-stop-delay is a usage error: exit 2 naming it."""
    assert b"modelarts_stop_delay" in _usage_error("--modelarts-stop-delay", delay)


def test_explicit_port_and_host() -> None:
    """--port and --host are honoured."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    running = _start("--port", str(port), "--host", "127.0.0.1")
    try:
        assert running.env["GCORE_BASE_URL"] == f"http://127.0.0.1:{port}"
    finally:
        assert running.stop()[0] == 0


def test_main_rejects_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    """Bad arguments exit 2 (argparse) and an out-of-range port returns 2."""
    from aitasks.testing._serve import main

    with pytest.raises(SystemExit) as exited:
        main(["--port", "abc"])
    assert exited.value.code == 2
    assert main(["--port", "70000"]) == 2
    assert "invalid port" in capsys.readouterr().err


def test_help_names_the_control_and_faults_api(capsys: pytest.CaptureFixture[str]) -> None:
    """`aitasks fake-cloud --help` lists every control and faults endpoint, one line each."""
    from aitasks.testing._control import ROUTES
    from aitasks.testing._serve import main

    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    lines = capsys.readouterr().out.splitlines()
    for route in ROUTES:
        assert sum(line.split()[:2] == [route.method, route.template] for line in lines) == 1, route
    assert {"/_fake/reset", "/_fake/faults", "/_fake/tasks/{provider}/{task_id}"} <= {r.template for r in ROUTES}
