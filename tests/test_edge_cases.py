"""Edge cases found in review: redaction across the length cut, retries after a possibly applied cancel, and more."""

from __future__ import annotations

import pickle
import socket
import subprocess
import sys
import textwrap

import pytest

import aitasks
from aitasks.testing import FakeCloud

from conftest import GCORE_KEY, MA_PROJECT, TARGETS
from scripted_server import Reply, ScriptedServer, json_reply

GCORE = TARGETS[0]


@pytest.mark.parametrize("body_kind", ["json", "text"])
def test_a_secret_straddling_the_length_cut_is_still_redacted(server: ScriptedServer, body_kind: str) -> None:
    """Redaction happens before messages are cut to 300 characters, so no prefix of a key survives."""
    text = "x" * 285 + GCORE_KEY + " tail"
    body = f'{{"error": "{text}"}}' if body_kind == "json" else text
    server.script(Reply(404, body.encode()))
    with pytest.raises(aitasks.TaskNotFound) as info:
        GCORE.cancel(server.url)
    assert GCORE_KEY[:6] not in str(info.value)
    assert info.value.message is not None and len(info.value.message) <= 300


def test_a_long_echoed_token_leaves_no_part_of_itself(scripted: ScriptedServer) -> None:
    """A multi-kilobyte IAM token echoed in an error body is removed whole, not cut first."""
    token = "MIIT" + "a1B2c3D4" * 500
    scripted.script(json_reply(401, f'{{"error_code": "APIG.1002", "error_msg": "bad token {token}"}}'))
    client = aitasks.ModelArts(endpoint=scripted.url, project_id=MA_PROJECT, token=token)
    with client, pytest.raises(aitasks.AuthenticationError) as info:
        client.cancel("ds/t")
    assert "a1B2c3D4" not in str(info.value)
    assert info.value.message == "bad token ***"


@pytest.mark.backoff  # the real first wait (at least 0.5 s) lets the late first attempt land before the retry
@pytest.mark.parametrize("strict", [False, True])
def test_already_finished_after_a_timed_out_attempt_is_reported_cancelled(strict: bool) -> None:
    """When the first attempt timed out after the fake cancelled the task, the retry's 412 is our own doing."""
    with FakeCloud(gcore_api_key=GCORE_KEY) as fake:
        fake.add_gcore_task("t1")
        fake.delay_next(0.3, task_id="t1")  # answered late, but the task is cancelled all the same
        with fake.gcore_client(timeout=0.2) as client:
            result = client.cancel("t1", strict=strict)
        assert result.outcome is aitasks.Outcome.CANCELLED
        assert result.status_code == 412 and result.attempts == 2
        assert fake.cancel_count("gcore", "t1") == 1


def test_already_finished_after_a_429_is_still_already_finished(server: ScriptedServer) -> None:
    """A 429 means the first attempt was not processed, so a following 412 really is "already finished"."""
    server.script(Reply(429, b"slow down"), GCORE.documented[412][1], Reply(429, b""), GCORE.documented[412][1])
    assert GCORE.cancel(server.url).outcome is aitasks.Outcome.ALREADY_FINISHED
    with pytest.raises(aitasks.TaskAlreadyFinished):
        GCORE.cancel(server.url, strict=True)


def test_lone_surrogates_never_reach_messages(target: object, server: ScriptedServer) -> None:
    """A JSON escape for a lone surrogate is dropped, so str(error) can always be encoded as UTF-8."""
    body = b'{"error": "bad \\ud800 thing", "error_msg": "bad \\udfff thing"}'
    server.script(Reply(404, body))
    with pytest.raises(aitasks.TaskNotFound) as info:
        target.cancel(server.url)  # type: ignore[attr-defined]
    str(info.value).encode("utf-8")
    assert info.value.message == "bad thing"


def test_a_response_that_cannot_be_read_counts_every_attempt(scripted: ScriptedServer) -> None:
    """A 503, then a body whose gzip encoding is broken: an UnexpectedResponse that says two attempts were made."""
    scripted.script(Reply(503, b""), Reply(202, b"not gzip at all", {"Content-Encoding": "gzip"}))
    with pytest.raises(aitasks.UnexpectedResponse, match="does not decompress") as info:
        GCORE.cancel(scripted.url)
    assert info.value.attempts == 2 and len(scripted.requests) == 2 and info.value.status_code == 202


@pytest.mark.parametrize(
    "error",
    [
        aitasks.TransportError("gcore: ConnectError: refused", provider="gcore", attempts=3),
        aitasks.Timeout("modelarts: timed out", provider="modelarts", attempts=2),
        aitasks.TaskNotFound("Task not found", provider="gcore", status_code=404, request_id="r1", attempts=1),
    ],
)
def test_errors_survive_pickling(error: aitasks.AITasksError) -> None:
    """Errors cross process pools and task queues with their fields intact."""
    clone = pickle.loads(pickle.dumps(error))
    assert type(clone) is type(error) and str(clone) == str(error) and vars(clone) == vars(error)


def test_explicit_aksk_ignores_a_session_token_in_the_environment(
    scripted: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Permanent keys passed as arguments are not mixed with a stale HUAWEICLOUD_SDK_SECURITY_TOKEN."""
    monkeypatch.setenv("HUAWEICLOUD_SDK_SECURITY_TOKEN", "stale-session-token")
    scripted.script(Reply(204))
    client = aitasks.ModelArts(endpoint=scripted.url, project_id=MA_PROJECT, access_key="AK", secret_key="SK123456")
    with client:
        client.cancel("ds/t")
    headers = scripted.requests[-1].headers
    assert "x-security-token" not in headers and "x-security-token" not in headers["authorization"]
    monkeypatch.setenv("HUAWEICLOUD_SDK_AK", "AK")
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", "SK123456")
    scripted.script(Reply(204))
    with aitasks.ModelArts(endpoint=scripted.url, project_id=MA_PROJECT) as from_env:
        from_env.cancel("ds/t")
    assert scripted.requests[-1].headers["x-security-token"] == "stale-session-token"


def test_credentials_in_a_base_url_are_refused_without_echoing_them() -> None:
    """user:password@ in a URL is refused and the password never appears in the message."""
    for url in ("ftp://user:s3cretpass@host", "https://user:s3cretpass@host"):
        with pytest.raises(aitasks.ConfigurationError) as info:
            aitasks.Gcore(GCORE_KEY, base_url=url)
        assert "s3cretpass" not in str(info.value)


@pytest.mark.parametrize("timeout", [float("inf"), float("nan"), -1.0])
def test_unbounded_timeouts_are_refused(timeout: float) -> None:
    """An infinite or NaN timeout would wait forever: ValueError at construction."""
    with pytest.raises(ValueError, match="timeout"):
        aitasks.Gcore(GCORE_KEY, timeout=timeout)


def test_routers_refuse_clients_of_the_wrong_kind() -> None:
    """Client takes sync provider clients of the named provider; AsyncClient the async ones."""
    with pytest.raises(TypeError, match=r"aitasks\.Gcore,"):
        aitasks.Client(gcore=aitasks.AsyncGcore(GCORE_KEY))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"aitasks\.AsyncModelArts,"):
        aitasks.AsyncClient(modelarts=aitasks.AsyncGcore(GCORE_KEY))  # type: ignore[arg-type]


def test_retries_print_nothing_on_an_unconfigured_apps_stderr(scripted: ScriptedServer) -> None:
    """An app without logging configured gets no bare log lines on stderr from a retry."""
    scripted.script(Reply(503, b""), Reply(202, b'{"result": "ok"}'))
    code = textwrap.dedent(
        f"""
        import aitasks
        with aitasks.Gcore("{GCORE_KEY}", base_url="{scripted.url}") as client:
            print(client.cancel("t").attempts)
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "2"
    assert proc.stderr == ""


def test_the_fake_answers_a_request_target_that_is_not_a_url() -> None:
    """A malformed absolute-form target gets a 404 from the fake, not a dropped connection."""
    with FakeCloud() as fake, socket.create_connection((fake.host, fake.port), timeout=5) as sock:
        sock.sendall(b"POST http://[::1/x HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 404 ")
