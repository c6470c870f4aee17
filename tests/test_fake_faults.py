"""Fault injection over real HTTP: statuses with Retry-After, delays, dropped connections, malformed bodies."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest

from aitasks.testing import FakeCloud, Fault


@pytest.fixture
def http(fake_cloud: FakeCloud) -> Iterator[httpx.Client]:
    """A plain httpx client on the fake's base URL."""
    with httpx.Client(base_url=fake_cloud.base_url, timeout=5) as client:
        yield client


def cancel_gcore(fake: FakeCloud, http: httpx.Client, task_id: str = "t") -> httpx.Response:
    return http.post(
        f"/streaming/ai/tasks/{quote(task_id, safe='')}/cancel",
        headers={"Authorization": f"apikey {fake.gcore_api_key}"},
    )


def stop_modelarts(fake: FakeCloud, http: httpx.Client, dataset_id: str = "d", task_id: str = "t") -> httpx.Response:
    path = f"/v2/{fake.project_id}/datasets/{dataset_id}/tasks/{task_id}/stop"
    return http.post(path, headers={"X-Auth-Token": fake.token})


def test_fail_next_answers_status_with_retry_after_then_recovers(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """Two injected 503s with Retry-After come first, then the real 202; the faults do not change state."""
    fake_cloud.add_gcore_task("t")
    fake_cloud.fail_next(503, times=2, retry_after=3)
    first, second = cancel_gcore(fake_cloud, http), cancel_gcore(fake_cloud, http)
    assert (first.status_code, first.headers["retry-after"], first.json()) == (
        503,
        "3",
        {"error": "Service Unavailable"},
    )
    assert second.status_code == 503
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    assert fake_cloud.task_status("gcore", "t") == "STARTED"
    assert cancel_gcore(fake_cloud, http).status_code == 202
    assert [(r.status, r.from_fault, r.changed_state) for r in fake_cloud.requests] == [
        (503, True, False),
        (503, True, False),
        (202, False, True),
    ]
    assert fake_cloud.pending_faults == 0


def test_fault_body_headers_and_http_date_retry_after(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """A fault can carry its own body (bytes, str or mapping), headers and an HTTP-date Retry-After."""
    fake_cloud.fail_next(429, body={"error": "slow down"}, retry_after="Wed, 21 Oct 2037 07:28:00 GMT")
    fake_cloud.fail_next(500, body="<h1>oops</h1>", headers={"Content-Type": "text/html", "X-Extra": "1"})
    limited = cancel_gcore(fake_cloud, http)
    assert (limited.status_code, limited.json()) == (429, {"error": "slow down"})
    assert limited.headers["retry-after"] == "Wed, 21 Oct 2037 07:28:00 GMT"
    broken = cancel_gcore(fake_cloud, http)
    assert (broken.status_code, broken.text, broken.headers["content-type"]) == (500, "<h1>oops</h1>", "text/html")
    assert broken.headers["x-extra"] == "1"


@pytest.mark.parametrize("status", [200, 202, 204, 301, 418, 499, 520, 599])
def test_any_status_from_200_to_599_can_be_injected(fake_cloud: FakeCloud, http: httpx.Client, status: int) -> None:
    """Odd and non-IANA statuses are sent as-is; 204 without a body."""
    fake_cloud.fail_next(status, headers={"Location": "http://example.invalid/"} if status == 301 else None)
    response = stop_modelarts(fake_cloud, http)
    assert response.status_code == status
    if status == 204:
        assert response.content == b""
    else:
        assert set(response.json()) == {"error_code", "error_msg"}


def test_faults_are_consumed_in_order(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """Queued faults fire first-in, first-out."""
    fake_cloud.add_gcore_task("t")
    fake_cloud.fail_next(500)
    fake_cloud.fail_next(429, times=2)
    fake_cloud.fail_next(502)
    statuses = [cancel_gcore(fake_cloud, http).status_code for _ in range(5)]
    assert statuses == [500, 429, 429, 502, 202]


def test_faults_target_a_task_a_dataset_or_a_provider(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """A targeted fault leaves other tasks, datasets and providers alone."""
    for task in ("a", "b"):
        fake_cloud.add_gcore_task(task)
        fake_cloud.add_modelarts_task("d1", task)
        fake_cloud.add_modelarts_task("d2", task)
    fake_cloud.fail_next(500, task_id="a", provider="gcore")
    fake_cloud.fail_next(502, provider="modelarts", dataset_id="d2")
    assert cancel_gcore(fake_cloud, http, "b").status_code == 202
    assert stop_modelarts(fake_cloud, http, "d1", "a").status_code == 204
    assert stop_modelarts(fake_cloud, http, "d2", "b").status_code == 502
    assert cancel_gcore(fake_cloud, http, "a").status_code == 500
    assert cancel_gcore(fake_cloud, http, "a").status_code == 202


def test_faults_never_apply_to_control_or_unknown_routes(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """Seeding and unknown paths are not faulted, and do not consume faults."""
    fake_cloud.fail_next(503)
    assert http.post("/_fake/tasks", json={"provider": "gcore", "task_id": "t"}).status_code == 201
    assert http.get("/somewhere").status_code == 404
    assert fake_cloud.pending_faults == 1


def test_delay_then_normal_answer(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """delay_next holds the call, then the real handler answers (and changes state)."""
    fake_cloud.add_gcore_task("t")
    fake_cloud.delay_next(0.3)
    started = time.monotonic()
    response = cancel_gcore(fake_cloud, http)
    assert time.monotonic() - started >= 0.3
    assert response.status_code == 202
    record = fake_cloud.requests[-1]
    assert record.fault == Fault.slow(0.3)
    assert (record.from_fault, record.changed_state) == (False, True)


def test_a_client_timeout_during_a_delay_still_cancels_on_the_server(fake_cloud: FakeCloud) -> None:
    """A call that times out on the client may still have cancelled: the retry then answers 412."""
    fake_cloud.add_gcore_task("t")
    fake_cloud.delay_next(0.5)
    headers = {"Authorization": f"apikey {fake_cloud.gcore_api_key}"}
    url = fake_cloud.base_url + "/streaming/ai/tasks/t/cancel"
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(url, headers=headers, timeout=0.1)
    for _ in range(100):
        if fake_cloud.cancel_count("gcore", "t"):
            break
        time.sleep(0.02)
    assert fake_cloud.cancel_count("gcore", "t") == 1
    assert httpx.post(url, headers=headers, timeout=5).status_code == 412


def test_delayed_respond_fault(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """A respond fault can also be slow."""
    fake_cloud.fail_next(504, delay=0.2)
    started = time.monotonic()
    assert cancel_gcore(fake_cloud, http).status_code == 504
    assert time.monotonic() - started >= 0.2


def test_drop_closes_without_response_and_changes_nothing(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """drop_next closes the connection with no response; the task is untouched; the next call works."""
    fake_cloud.add_modelarts_task("d", "t")
    fake_cloud.drop_next()
    with pytest.raises(httpx.RemoteProtocolError):
        stop_modelarts(fake_cloud, http)
    assert fake_cloud.task_status("modelarts", "t", "d") == 1
    record = fake_cloud.requests[-1]
    assert (record.status, record.from_fault, record.fault) == (None, True, Fault.drop())
    assert stop_modelarts(fake_cloud, http).status_code == 204


def test_drop_after_a_delay(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """A drop can happen after a wait, like a proxy giving up."""
    fake_cloud.drop_next(delay=0.2)
    started = time.monotonic()
    with pytest.raises(httpx.RemoteProtocolError):
        cancel_gcore(fake_cloud, http)
    assert time.monotonic() - started >= 0.2


def test_malformed_invalid_json(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """invalid_json: a 202 labelled JSON whose body does not parse; state unchanged."""
    fake_cloud.add_gcore_task("t")
    fake_cloud.malform_next("invalid_json")
    response = cancel_gcore(fake_cloud, http)
    assert (response.status_code, response.headers["content-type"]) == (202, "application/json")
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)
    assert fake_cloud.task_status("gcore", "t") == "STARTED"


def test_malformed_html(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """html: an HTML page, as a proxy would send; ModelArts defaults to a 404."""
    fake_cloud.add_modelarts_task("d", "t")
    fake_cloud.malform_next("html")
    response = stop_modelarts(fake_cloud, http)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert response.text.startswith("<html>")
    assert fake_cloud.task_status("modelarts", "t", "d") == 1


def test_malformed_invalid_utf8(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """invalid_utf8: bytes that do not decode as UTF-8."""
    fake_cloud.malform_next("invalid_utf8", status=412)
    response = cancel_gcore(fake_cloud, http)
    assert response.status_code == 412
    with pytest.raises(UnicodeDecodeError):
        response.content.decode("utf-8")


def test_malformed_truncated(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """truncated: fewer bytes than Content-Length, then the connection closes."""
    fake_cloud.add_gcore_task("t")
    fake_cloud.malform_next("truncated")
    with pytest.raises(httpx.RemoteProtocolError):
        cancel_gcore(fake_cloud, http)
    assert fake_cloud.task_status("gcore", "t") == "STARTED"
    assert cancel_gcore(fake_cloud, http).status_code == 202


def test_malformed_empty(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """empty: a JSON content type with no body at all."""
    fake_cloud.malform_next("empty", status=404)
    response = cancel_gcore(fake_cloud, http)
    assert (response.status_code, response.content) == (404, b"")


def test_fault_validation() -> None:
    """Faults reject statuses outside 200..599, bad delays, unknown malformations and times < 1."""
    with pytest.raises(ValueError, match=r"200\.\.599"):
        Fault.respond(100)
    with pytest.raises(ValueError, match=r"200\.\.599"):
        Fault.respond(600)
    with pytest.raises(ValueError, match="delay"):
        Fault.slow(-1)
    with pytest.raises(ValueError, match="malformation"):
        Fault.malformed("xml")  # type: ignore[arg-type]
    with FakeCloud() as fake, pytest.raises(ValueError, match="times"):
        fake.fail_next(500, times=0)


def test_clear_faults(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """clear_faults drops every queued fault."""
    fake_cloud.fail_next(500, times=3)
    fake_cloud.clear_faults()
    assert fake_cloud.pending_faults == 0
    assert cancel_gcore(fake_cloud, http).status_code == 404


def test_faults_over_http(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """POST /_fake/faults queues each kind of fault for a CLI-started fake."""
    fake_cloud.add_gcore_task("t")
    specs: list[dict[str, object]] = [
        {"kind": "respond", "status": 503, "retry_after": 1, "times": 2, "provider": "gcore", "task_id": "t"},
        {"kind": "respond", "status": 500, "body": "boom", "headers": {"Content-Type": "text/plain"}},
        {"kind": "malformed", "malformation": "html", "status": 502},
        {"kind": "close"},
        {"kind": "delay", "delay": 0.1},
    ]
    for spec in specs:
        answer = http.post("/_fake/faults", json=spec)
        assert answer.status_code == 201, answer.text
    first = cancel_gcore(fake_cloud, http)
    assert (first.status_code, first.headers["retry-after"]) == (503, "1")
    assert cancel_gcore(fake_cloud, http).status_code == 503
    assert cancel_gcore(fake_cloud, http).text == "boom"
    assert cancel_gcore(fake_cloud, http).headers["content-type"].startswith("text/html")
    with pytest.raises(httpx.RemoteProtocolError):
        cancel_gcore(fake_cloud, http)
    assert cancel_gcore(fake_cloud, http).status_code == 202


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ({}, "'kind' is required"),
        ({"kind": "explode"}, "unknown kind"),
        ({"kind": "respond"}, "'status' is required"),
        ({"kind": "respond", "status": 99}, "200..599"),
        ({"kind": "respond", "status": 500, "headers": {"a": 1}}, "headers"),
        ({"kind": "malformed"}, "'malformation' is required"),
        ({"kind": "malformed", "malformation": "xml"}, "unknown malformation"),
        ({"kind": "close", "times": 0}, "times"),
        ({"kind": "close", "provider": "aws"}, "unknown provider"),
        ({"kind": "delay", "delay": "soon"}, "wrong type"),
    ],
)
def test_bad_fault_requests_answer_400(http: httpx.Client, spec: dict[str, object], fragment: str) -> None:
    """Invalid fault specs over HTTP answer 400 with a message."""
    response = http.post("/_fake/faults", json=spec)
    assert response.status_code == 400
    assert fragment in response.json()["error"]
