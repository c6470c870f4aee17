"""One conformance suite for every provider x credentials x sync/async, over real loopback HTTP servers.

Each test runs twice: against a scripted server that sends exact bytes, and against FakeCloud driven by its fault
injection (the fake users put in their own tests).
"""

from __future__ import annotations

import pytest

import aitasks

from conftest import Target
from scripted_server import Reply, ScriptedServer, json_reply


def test_success_is_cancelled_with_message_request_id_and_auth(target: Target, server: ScriptedServer) -> None:
    """The documented success status gives CANCELLED; the request hit exactly the route with credentials."""
    server.script(target.success)
    result = target.cancel(server.url)
    assert result.outcome is aitasks.Outcome.CANCELLED
    assert result.status_code == target.success.status
    assert result.request_id == "req-1"
    assert result.attempts == 1
    assert str(result.ref) == f"{target.provider}:{target.ref}"
    if target.provider == "gcore":
        assert result.message == "Task has been cancelled successfully."
    (request,) = server.requests
    assert (request.method, request.target) == ("POST", target.path)
    target.check_auth(request.headers)
    # An owned client says who calls; a caller's own client keeps its own User-Agent.
    assert request.headers["user-agent"].startswith("python-httpx/" if target.transport == "given" else "aitasks/")


def test_each_documented_status_maps_to_its_error(target: Target, server: ScriptedServer) -> None:
    """Every documented error status raises its own class with the provider's message and code."""
    for status, (cls, reply) in target.documented.items():
        server.script(reply)
        with pytest.raises(cls) as info:
            target.cancel(server.url, strict=True)
        error = info.value
        assert error.status_code == status
        assert error.provider == target.provider
        assert error.message and error.message in reply.body.decode()
        assert error.attempts == 1
        if target.provider == "modelarts":
            assert error.error_code and error.error_code in reply.body.decode()


def test_already_finished_is_an_outcome_unless_strict(server: ScriptedServer) -> None:
    """Gcore 412 returns ALREADY_FINISHED, and raises TaskAlreadyFinished with strict=True."""
    from conftest import TARGETS

    for target in (t for t in TARGETS if t.provider == "gcore"):
        _, reply = target.documented[412]
        server.script(reply)
        result = target.cancel(server.url)
        assert result.outcome is aitasks.Outcome.ALREADY_FINISHED
        assert result.status_code == 412
        assert result.message == "Cannot cancel task because it is already in status REVOKED."
        server.script(reply)
        with pytest.raises(aitasks.TaskAlreadyFinished):
            target.cancel(server.url, strict=True)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (200, aitasks.UnexpectedResponse),
        (201, aitasks.UnexpectedResponse),
        (300, aitasks.UnexpectedResponse),
        (302, aitasks.UnexpectedResponse),
        (405, aitasks.UnexpectedResponse),
        (418, aitasks.UnexpectedResponse),
        (499, aitasks.UnexpectedResponse),
        (501, aitasks.ServerError),
        (520, aitasks.ServerError),
        (599, aitasks.ServerError),
    ],
)
def test_undocumented_statuses_raise_library_errors(
    target: Target, server: ScriptedServer, status: int, expected: type[aitasks.APIError]
) -> None:
    """Undocumented statuses, non-IANA ones included, become UnexpectedResponse or ServerError."""
    server.script(Reply(status, b"<html>nope</html>", {"Content-Type": "text/html"}))
    with pytest.raises(expected) as info:
        target.cancel(server.url, max_retries=0)
    assert info.value.status_code == status
    assert info.value.message == "<html>nope</html>"


@pytest.mark.parametrize("status", [600, 999])
def test_statuses_past_599_are_unexpected(target: Target, scripted: ScriptedServer, status: int) -> None:
    """A status no HTTP class covers is UnexpectedResponse, not a ValueError from HTTPStatus()."""
    scripted.script(Reply(status, b"odd"))
    with pytest.raises(aitasks.UnexpectedResponse) as info:
        target.cancel(scripted.url, max_retries=0)
    assert info.value.status_code == status


def test_informational_final_status_is_a_transport_error(target: Target, scripted: ScriptedServer) -> None:
    """A 1xx with no final response never escapes as an httpx exception."""
    scripted.script(Reply(103, drop=False), Reply(drop=True))
    with pytest.raises(aitasks.AITasksError):
        target.cancel(scripted.url, max_retries=0, timeout=0.3)


MALFORMED = {
    "html": b"<html><body>Bad gateway</body></html>",
    "empty": b"",
    "invalid-utf8": b'{"result": "\xff\xfe\xfa"}',
    "json-list": b'["result"]',
    "json-string": b'"result"',
    "json-number": b"42",
    "truncated": b'{"result": "Task has',
    "deep": b"[" * 100_000,
    "10MB": b'{"result": "' + b"x" * 10_000_000 + b'"}',
}


@pytest.mark.parametrize("kind", list(MALFORMED))
def test_malformed_bodies_never_escape_as_parse_errors(target: Target, server: ScriptedServer, kind: str) -> None:
    """Any body on a success or error status gives a result or an AITasksError, with bounded text."""
    body = MALFORMED[kind]
    statuses = [404] + ([202] if target.provider == "gcore" else [])
    for status in statuses:
        server.script(Reply(status, body, {"Content-Type": "application/json"}))
        try:
            result = target.cancel(server.url, max_retries=0)
        except aitasks.APIError as exc:
            assert exc.status_code == status
            assert len(str(exc)) < 600
            if status == 202 or kind == "10MB":  # over the body cap: refused, whatever the status
                assert isinstance(exc, aitasks.UnexpectedResponse)
                assert kind != "10MB" or "MAX_BODY_BYTES" in str(exc)
            else:
                assert isinstance(exc, aitasks.TaskNotFound)
        else:
            raise AssertionError(f"{kind} on {status} gave a result: {result}")


def test_gcore_result_of_the_wrong_type_is_not_a_message(server: ScriptedServer) -> None:
    """A 202 whose `result` is not a string still cancels, without inventing a message."""
    from conftest import TARGETS

    server.script(json_reply(202, '{"result": 5}'))
    result = TARGETS[0].cancel(server.url)
    assert result.outcome is aitasks.Outcome.CANCELLED and result.message is None


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_retryable_statuses_are_retried_then_succeed(target: Target, server: ScriptedServer, status: int) -> None:
    """A transient status is retried; the result says how many attempts it took."""
    server.script(Reply(status, b"busy"), target.success)
    result = target.cancel(server.url)
    assert result.outcome is aitasks.Outcome.CANCELLED
    assert result.attempts == 2
    assert len(server.requests) == 2


def test_retries_are_bounded_by_max_retries(target: Target, server: ScriptedServer) -> None:
    """After max_retries retries the last error is raised, with attempts counted; 0 disables retrying."""
    server.script(*[Reply(503, b"down")] * 3)
    with pytest.raises(aitasks.ServerError) as info:
        target.cancel(server.url)
    assert info.value.attempts == 3 and len(server.requests) == 3
    server.script(Reply(503, b"down"))
    with pytest.raises(aitasks.ServerError) as info:
        target.cancel(server.url, max_retries=0)
    assert info.value.attempts == 1 and len(server.requests) == 4


def test_non_retryable_statuses_are_not_retried(target: Target, server: ScriptedServer) -> None:
    """A 404 or 501 is answered once: repeating would not change it."""
    server.script(Reply(404, b"{}"), Reply(501, b"{}"))
    with pytest.raises(aitasks.TaskNotFound):
        target.cancel(server.url)
    with pytest.raises(aitasks.ServerError):
        target.cancel(server.url)
    assert len(server.requests) == 2


@pytest.mark.backoff
def test_retry_after_seconds_is_honoured(target: Target, scripted: ScriptedServer) -> None:
    """With real backoff, a 429's `Retry-After: 1` pauses the retry 1-2 s (the header plus up to as much again of
    jitter), not the 0.5-1 s default: one pause, taken between the two requests (recorded, not slept).

    This runs on the scripted server only (the fake's 429 carries the same header)."""
    scripted.script(Reply(429, b"slow down", {"Retry-After": "1"}), target.success)
    pauses: list[tuple[float, int]] = []
    result = target.cancel(scripted.url, on_pause=lambda seconds: pauses.append((seconds, len(scripted.requests))))
    assert result.attempts == 2
    assert [sent for _, sent in pauses] == [1], pauses  # after the 429, before the retry
    assert 1.0 <= pauses[0][0] <= 2.0, pauses


@pytest.mark.backoff
def test_retry_after_over_the_cap_falls_back_to_backoff(server: ScriptedServer) -> None:
    """A Retry-After above 60 s is ignored for the capped exponential wait (0.5-1 s for the first retry)."""
    from conftest import TARGETS

    server.script(Reply(503, b"", {"Retry-After": "3600"}), TARGETS[0].success)
    pauses: list[tuple[float, int]] = []
    result = TARGETS[0].cancel(server.url, on_pause=lambda seconds: pauses.append((seconds, len(server.requests))))
    assert result.attempts == 2
    assert [sent for _, sent in pauses] == [1], pauses
    assert 0.5 <= pauses[0][0] <= 1.0, pauses


def test_timeouts_are_retried_then_raise_timeout(target: Target, server: ScriptedServer) -> None:
    """A server slower than the timeout gives aitasks.Timeout after the retries, never an httpx exception."""
    server.script(*[Reply(delay=0.6)] * 2)
    with pytest.raises(aitasks.Timeout) as info:
        target.cancel(server.url, timeout=0.2, max_retries=1)
    assert info.value.attempts == 2
    assert isinstance(info.value, aitasks.TransportError)


def test_timeout_then_success(target: Target, server: ScriptedServer) -> None:
    """A timed-out attempt is retried and the retry's success is returned."""
    server.script(Reply(delay=0.6), target.success)
    result = target.cancel(server.url, timeout=0.2)
    assert result.outcome is aitasks.Outcome.CANCELLED and result.attempts == 2


def test_dropped_connection_is_retried(target: Target, server: ScriptedServer) -> None:
    """A connection closed before any response is retried (cancel is safe to repeat)."""
    server.script(Reply(drop=True), target.success)
    result = target.cancel(server.url)
    assert result.outcome is aitasks.Outcome.CANCELLED and result.attempts == 2


def test_always_dropped_connection_raises_transport_error(target: Target, server: ScriptedServer) -> None:
    """When every attempt is dropped, TransportError (not Timeout) says so."""
    server.script(*[Reply(drop=True)] * 3)
    with pytest.raises(aitasks.TransportError) as info:
        target.cancel(server.url)
    assert not isinstance(info.value, aitasks.Timeout)
    assert info.value.attempts == 3


def test_connection_refused_raises_transport_error(target: Target) -> None:
    """Nothing listening: TransportError after the retries."""
    with ScriptedServer() as closed:
        url = closed.url
    with pytest.raises(aitasks.TransportError):
        target.cancel(url, max_retries=1)


def test_redirects_are_never_followed(target: Target, server: ScriptedServer) -> None:
    """A 3xx pointing at another host is UnexpectedResponse; the other host sees no request or credentials."""
    with ScriptedServer() as elsewhere:
        for status in (301, 302, 307, 308):
            server.script(Reply(status, b"", {"Location": f"{elsewhere.url}/steal"}))
            with pytest.raises(aitasks.UnexpectedResponse) as info:
                target.cancel(server.url)
            assert info.value.status_code == status
        assert elsewhere.requests == []
