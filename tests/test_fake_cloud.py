"""FakeCloud over real HTTP: both APIs, auth, state transitions, control endpoints, lifecycle and the log."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import quote

import anyio
import httpx
import pytest

from aitasks._auth import AKSKAuth
from aitasks.testing import GCORE_FINISHED, GCORE_RUNNING, MODELARTS_FINISHED, MODELARTS_STOPPING, FakeCloud

IDS = ["plain", "a/b", "with space", "ünïcødé-任务", "100%", "q?x#y", "semi;colon", "plus+and&", "-._~"]


@pytest.fixture
def http(fake_cloud: FakeCloud) -> Iterator[httpx.Client]:
    """A plain httpx client on the fake's base URL."""
    with httpx.Client(base_url=fake_cloud.base_url, timeout=5) as client:
        yield client


def gcore_path(task_id: str) -> str:
    return f"/streaming/ai/tasks/{quote(task_id, safe='')}/cancel"


def modelarts_path(project_id: str, dataset_id: str, task_id: str) -> str:
    project, dataset, task = (quote(v, safe="") for v in (project_id, dataset_id, task_id))
    return f"/v2/{project}/datasets/{dataset}/tasks/{task}/stop"


def apikey(fake: FakeCloud) -> dict[str, str]:
    return {"Authorization": f"apikey {fake.gcore_api_key}"}


def token(fake: FakeCloud) -> dict[str, str]:
    return {"X-Auth-Token": fake.token}


def aksk(fake: FakeCloud, secret_key: str | None = None, when: dt.datetime | None = None) -> AKSKAuth:
    clock = (lambda: when) if when is not None else (lambda: dt.datetime.now(dt.timezone.utc))
    return AKSKAuth(fake.access_key, secret_key or fake.secret_key, fake.project_id, clock=clock)


# --- Gcore --------------------------------------------------------------------------------------------------


def test_gcore_cancel_running_task_answers_202_and_revokes(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """A running task is cancelled once: 202 with the spec's text, then REVOKED and counted."""
    fake_cloud.add_gcore_task("t1")
    response = http.post(gcore_path("t1"), headers=apikey(fake_cloud))
    assert response.status_code == 202
    assert response.json() == {"result": "Task has been cancelled successfully."}
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-request-id"]
    assert fake_cloud.task_status("gcore", "t1") == "REVOKED"
    assert fake_cloud.cancel_count("gcore", "t1") == 1


@pytest.mark.parametrize("status", GCORE_RUNNING)
def test_gcore_every_running_status_is_cancellable(fake_cloud: FakeCloud, http: httpx.Client, status: str) -> None:
    """Every running status answers 202."""
    fake_cloud.add_gcore_task("t", status=status)
    assert http.post(gcore_path("t"), headers=apikey(fake_cloud)).status_code == 202


@pytest.mark.parametrize("status", GCORE_FINISHED)
def test_gcore_finished_task_answers_412_naming_its_status(
    fake_cloud: FakeCloud, http: httpx.Client, status: str
) -> None:
    """A revoked or finished task answers 412 with the spec's text and keeps its status."""
    fake_cloud.add_gcore_task("t", status=status)
    response = http.post(gcore_path("t"), headers=apikey(fake_cloud))
    assert response.status_code == 412
    assert response.json() == {"error": f"Cannot cancel task because it is already in status {status}."}
    assert fake_cloud.task_status("gcore", "t") == status
    assert fake_cloud.cancel_count("gcore", "t") == 0


def test_gcore_second_cancel_answers_412(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """Cancelling twice: 202 then 412 REVOKED."""
    fake_cloud.add_gcore_task("t")
    statuses = [http.post(gcore_path("t"), headers=apikey(fake_cloud)).status_code for _ in range(2)]
    assert statuses == [202, 412]


def test_gcore_unknown_task_answers_404(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """An unknown task id answers 404 Task not found."""
    response = http.post(gcore_path("nope"), headers=apikey(fake_cloud))
    assert response.status_code == 404
    assert response.json() == {"error": "Task not found"}


def test_gcore_empty_task_id_answers_400(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """An empty id segment answers 400, as the spec lists for a missing task_id."""
    response = http.post("/streaming/ai/tasks//cancel", headers=apikey(fake_cloud))
    assert response.status_code == 400
    assert "task_id" in response.json()["error"]


@pytest.mark.parametrize(
    "header",
    [None, "apikey wrong", "Bearer fake-gcore-api-key", "fake-gcore-api-key", "apikey", "apikey  fake-gcore-api-key"],
)
def test_gcore_missing_or_wrong_api_key_answers_401(
    fake_cloud: FakeCloud, http: httpx.Client, header: str | None
) -> None:
    """Without exactly `apikey <key>` the call answers 401 and the task stays running."""
    fake_cloud.add_gcore_task("t")
    headers = {} if header is None else {"Authorization": header}
    response = http.post(gcore_path("t"), headers=headers)
    assert response.status_code == 401
    assert set(response.json()) == {"error"}
    assert fake_cloud.task_status("gcore", "t") == "STARTED"


def test_gcore_feature_disabled_answers_422_until_enabled(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """A feature-disabled account answers 422 without touching the task; re-enabled, the cancel works."""
    fake_cloud.add_gcore_task("t")
    fake_cloud.set_gcore_feature_disabled(True)
    response = http.post(gcore_path("t"), headers=apikey(fake_cloud))
    assert response.status_code == 422
    assert response.json() == {"error": "Feature is disabled. Contact support to enable."}
    assert fake_cloud.task_status("gcore", "t") == "STARTED"
    fake_cloud.set_gcore_feature_disabled(False)
    assert http.post(gcore_path("t"), headers=apikey(fake_cloud)).status_code == 202


@pytest.mark.parametrize("task_id", IDS)
def test_gcore_ids_are_decoded_from_exactly_one_segment(
    fake_cloud: FakeCloud, http: httpx.Client, task_id: str
) -> None:
    """Percent-encoded ids (slashes, spaces, unicode, reserved characters) reach the right task."""
    fake_cloud.add_gcore_task(task_id)
    assert http.post(gcore_path(task_id), headers=apikey(fake_cloud)).status_code == 202
    assert fake_cloud.requests[-1].task_id == task_id
    assert fake_cloud.task_status("gcore", task_id) == "REVOKED"


def test_gcore_invalid_utf8_in_an_id_answers_404(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """A segment that does not decode as UTF-8 names no task: 404, not a crash."""
    assert http.post("/streaming/ai/tasks/%FF%FE/cancel", headers=apikey(fake_cloud)).status_code == 404


# --- ModelArts ----------------------------------------------------------------------------------------------


def test_modelarts_stop_with_token_answers_204_and_stops(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """A running task stops: 204 with no body, then stopping (4) and counted."""
    fake_cloud.add_modelarts_task("ds", "t1")
    response = http.post(modelarts_path(fake_cloud.project_id, "ds", "t1"), headers=token(fake_cloud))
    assert response.status_code == 204
    assert response.content == b""
    assert response.headers["x-request-id"]
    assert fake_cloud.task_status("modelarts", "t1", "ds") == MODELARTS_STOPPING
    assert fake_cloud.cancel_count("modelarts", "t1", "ds") == 1


@pytest.mark.parametrize("status", MODELARTS_FINISHED)
def test_modelarts_stopping_a_finished_task_is_an_idempotent_204(
    fake_cloud: FakeCloud, http: httpx.Client, status: int
) -> None:
    """A stopped/succeeded/failed task answers 204 again, unchanged and not counted (documented choice)."""
    fake_cloud.add_modelarts_task("ds", "t", status=status)
    response = http.post(modelarts_path(fake_cloud.project_id, "ds", "t"), headers=token(fake_cloud))
    assert response.status_code == 204
    assert fake_cloud.task_status("modelarts", "t", "ds") == status
    assert fake_cloud.cancel_count("modelarts", "t", "ds") == 0
    assert fake_cloud.requests[-1].changed_state is False


def test_modelarts_wrong_token_answers_401(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """A wrong X-Auth-Token answers 401 APIG.1002 and the task keeps running."""
    fake_cloud.add_modelarts_task("ds", "t")
    response = http.post(modelarts_path(fake_cloud.project_id, "ds", "t"), headers={"X-Auth-Token": "nope"})
    assert response.status_code == 401
    assert response.json()["error_code"] == "APIG.1002"
    assert fake_cloud.task_status("modelarts", "t", "ds") == 1


def test_modelarts_no_credentials_answers_401(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """No token and no signature answers 401 with error_code and error_msg."""
    fake_cloud.add_modelarts_task("ds", "t")
    response = http.post(modelarts_path(fake_cloud.project_id, "ds", "t"))
    assert response.status_code == 401
    assert set(response.json()) == {"error_code", "error_msg"}


def test_modelarts_aksk_signature_is_accepted(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """A request signed with the right AK/SK stops the task."""
    fake_cloud.add_modelarts_task("ds", "t")
    response = http.post(modelarts_path(fake_cloud.project_id, "ds", "t"), auth=aksk(fake_cloud))
    assert response.status_code == 204
    assert fake_cloud.task_status("modelarts", "t", "ds") == MODELARTS_STOPPING


@pytest.mark.parametrize("minutes", [-14, 14])
def test_modelarts_aksk_date_within_15_minutes_is_accepted(
    fake_cloud: FakeCloud, http: httpx.Client, minutes: int
) -> None:
    """Clock skew up to 15 minutes either way is tolerated."""
    fake_cloud.add_modelarts_task("ds", "t")
    when = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=minutes)
    response = http.post(modelarts_path(fake_cloud.project_id, "ds", "t"), auth=aksk(fake_cloud, when=when))
    assert response.status_code == 204


@pytest.mark.parametrize("minutes", [-16, 16, -60 * 24])
def test_modelarts_aksk_stale_date_answers_401(fake_cloud: FakeCloud, http: httpx.Client, minutes: int) -> None:
    """An X-Sdk-Date more than 15 minutes away is rejected even with a correct signature."""
    fake_cloud.add_modelarts_task("ds", "t")
    when = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=minutes)
    response = http.post(modelarts_path(fake_cloud.project_id, "ds", "t"), auth=aksk(fake_cloud, when=when))
    assert response.status_code == 401
    assert "15 minutes" in response.json()["error_msg"]


def test_modelarts_aksk_wrong_secret_answers_401(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """A signature made with another SK does not match."""
    fake_cloud.add_modelarts_task("ds", "t")
    response = http.post(modelarts_path(fake_cloud.project_id, "ds", "t"), auth=aksk(fake_cloud, "other-sk"))
    assert response.status_code == 401
    assert response.json()["error_code"] == "APIG.0301"
    assert fake_cloud.task_status("modelarts", "t", "ds") == 1


def test_modelarts_aksk_unknown_access_key_answers_401(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """A signature with an unknown AK is rejected."""
    fake_cloud.add_modelarts_task("ds", "t")
    auth = AKSKAuth("OTHERAK", fake_cloud.secret_key, fake_cloud.project_id)
    assert http.post(modelarts_path(fake_cloud.project_id, "ds", "t"), auth=auth).status_code == 401


@pytest.mark.parametrize("tamper", ["path", "header", "body", "date-unsigned"])
def test_modelarts_aksk_tampered_request_answers_401(fake_cloud: FakeCloud, http: httpx.Client, tamper: str) -> None:
    """Changing the path, a signed header or the body after signing breaks the signature."""
    fake_cloud.add_modelarts_task("ds", "t")
    fake_cloud.add_modelarts_task("ds", "other")
    request = http.build_request("POST", modelarts_path(fake_cloud.project_id, "ds", "t"))
    aksk(fake_cloud).apply(request)
    headers = dict(request.headers)
    path = modelarts_path(fake_cloud.project_id, "ds", "t")
    content = b""
    if tamper == "path":
        path = modelarts_path(fake_cloud.project_id, "ds", "other")
    elif tamper == "header":
        headers["x-sdk-date"] = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)).strftime("%Y%m%dT%H%M%SZ")
    elif tamper == "body":
        content = b"{}"
        headers.pop("content-length", None)
    else:
        headers["authorization"] = headers["authorization"].replace("x-project-id;x-sdk-date", "x-project-id")
    response = http.post(path, headers=headers, content=content)
    assert response.status_code == 401
    assert fake_cloud.task_status("modelarts", "t", "ds") == 1
    assert fake_cloud.task_status("modelarts", "other", "ds") == 1


def test_modelarts_aksk_garbled_authorization_answers_401(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """An Authorization that is no SDK-HMAC-SHA256 signature answers 401."""
    fake_cloud.add_modelarts_task("ds", "t")
    headers = {"Authorization": "SDK-HMAC-SHA256 nonsense", "X-Sdk-Date": "20260101T000000Z"}
    assert http.post(modelarts_path(fake_cloud.project_id, "ds", "t"), headers=headers).status_code == 401


def test_modelarts_security_token_is_required_when_configured(http: httpx.Client) -> None:
    """With temporary credentials configured, a signature without the X-Security-Token is refused."""
    with FakeCloud(security_token="sts-token") as fake:
        fake.add_modelarts_task("ds", "t")
        url = fake.base_url + modelarts_path(fake.project_id, "ds", "t")
        without = AKSKAuth(fake.access_key, fake.secret_key, fake.project_id)
        with_token = AKSKAuth(fake.access_key, fake.secret_key, fake.project_id, security_token="sts-token")
        assert http.post(url, auth=without).status_code == 401
        assert http.post(url, auth=with_token).status_code == 204


def test_modelarts_wrong_project_answers_403(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """A valid token used on another project answers 403."""
    fake_cloud.add_modelarts_task("ds", "t")
    response = http.post(modelarts_path("f" * 32, "ds", "t"), headers=token(fake_cloud))
    assert response.status_code == 403
    assert set(response.json()) == {"error_code", "error_msg"}


def test_modelarts_aksk_for_another_project_answers_403(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """A valid signature whose X-Project-Id is another project answers 403."""
    fake_cloud.add_modelarts_task("ds", "t")
    auth = AKSKAuth(fake_cloud.access_key, fake_cloud.secret_key, "f" * 32)
    assert http.post(modelarts_path(fake_cloud.project_id, "ds", "t"), auth=auth).status_code == 403


def test_modelarts_unknown_dataset_and_task_answer_404(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """An unknown dataset answers ModelArts.4352, an unknown task in a known dataset ModelArts.4353."""
    fake_cloud.add_modelarts_task("ds", "t")
    no_dataset = http.post(modelarts_path(fake_cloud.project_id, "nods", "t"), headers=token(fake_cloud))
    no_task = http.post(modelarts_path(fake_cloud.project_id, "ds", "nope"), headers=token(fake_cloud))
    assert (no_dataset.status_code, no_dataset.json()["error_code"]) == (404, "ModelArts.4352")
    assert (no_task.status_code, no_task.json()["error_code"]) == (404, "ModelArts.4353")


@pytest.mark.parametrize("task_id", IDS)
def test_modelarts_ids_are_decoded_and_signed_correctly(
    fake_cloud: FakeCloud, http: httpx.Client, task_id: str
) -> None:
    """Ids needing percent-encoding reach the right task, and their AK/SK signature verifies."""
    dataset_id = task_id + "-ds"
    fake_cloud.add_modelarts_task(dataset_id, task_id)
    response = http.post(modelarts_path(fake_cloud.project_id, dataset_id, task_id), auth=aksk(fake_cloud))
    assert response.status_code == 204
    record = fake_cloud.requests[-1]
    assert (record.project_id, record.dataset_id, record.task_id) == (fake_cloud.project_id, dataset_id, task_id)


# --- everything else ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/", "/streaming/ai/tasks/t/start", "/v2/p/datasets/d/tasks/t/start", "/v2/p/datasets/d", "/streaming/ai"]
)
def test_unknown_paths_answer_404_json(fake_cloud: FakeCloud, http: httpx.Client, path: str) -> None:
    """Other paths answer 404 with a JSON body and a request id."""
    response = http.post(path)
    assert response.status_code == 404
    assert isinstance(response.json(), dict)
    assert response.headers["x-request-id"]


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "BREW"])
@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/streaming/ai/tasks/t/cancel", "POST"),
        ("/v2/p/datasets/d/tasks/t/stop", "POST"),
        ("/streaming/ai/tasks/t", "GET"),
        ("/streaming/ai/tasks", "GET"),
        ("/v2/p/datasets/d/tasks/t", "GET"),
        ("/v2/p/datasets/d/tasks", "GET"),
        ("/v2/p/datasets", "GET"),
    ],
)
def test_other_methods_answer_405_with_allow(http: httpx.Client, method: str, path: str, allowed: str) -> None:
    """Any other method on an operation's route answers 405 JSON naming the operation's method in Allow."""
    if method == allowed:
        return
    response = http.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allowed
    assert isinstance(response.json(), dict)


def test_head_answers_headers_only(http: httpx.Client) -> None:
    """HEAD gets a status and headers, never a body that would desynchronise keep-alive."""
    response = http.head("/streaming/ai/tasks/t/cancel")
    assert response.status_code == 405
    assert response.content == b""
    assert http.head("/nope").status_code == 404


def _raw_exchange(fake: FakeCloud, payload: bytes) -> bytes:
    """Send raw bytes and read until the server closes (bounded by a socket timeout)."""
    with socket.create_connection(("127.0.0.1", fake.port), timeout=5) as sock:
        sock.sendall(payload)
        chunks = []
        for _ in range(1000):
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        (b"GARBAGE\r\n\r\n", b"400"),
        (b"POST / HTTP/9.9\r\n\r\n", b"505"),
        (b"POST /streaming/ai/tasks/t/cancel HTTP/1.1\r\nContent-Length: x\r\n\r\n", b"400"),
        (b"POST /streaming/ai/tasks/t/cancel HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n", b"413"),
        (b"POST /streaming/ai/tasks/t/cancel HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", b"400"),
        (b"POST /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", b"414"),
    ],
)
def test_broken_requests_get_a_json_error_and_a_closed_connection(
    fake_cloud: FakeCloud, payload: bytes, status: bytes
) -> None:
    """Bad request lines, framing and sizes get a JSON error, then the server closes: no hang, no traceback."""
    answer = _raw_exchange(fake_cloud, payload)
    assert answer.startswith(b"HTTP/1.1 " + status)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"application/json" in head
    assert isinstance(json.loads(body), dict)


def test_chunked_request_body_is_read(fake_cloud: FakeCloud) -> None:
    """A chunked request body is read in full before answering."""
    fake_cloud.add_gcore_task("t")
    payload = (
        b"POST /streaming/ai/tasks/t/cancel HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Authorization: apikey fake-gcore-api-key\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
    )
    assert _raw_exchange(fake_cloud, payload).startswith(b"HTTP/1.1 202")
    assert fake_cloud.requests[-1].body == b"{}"


# --- control endpoints --------------------------------------------------------------------------------------


def test_seeding_over_http_creates_tasks_with_default_statuses(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """POST /_fake/tasks answers 201; the seeded tasks are running and cancellable."""
    g = http.post("/_fake/tasks", json={"provider": "gcore", "task_id": "g/1"})
    m = http.post("/_fake/tasks", json={"provider": "modelarts", "task_id": "m1", "dataset_id": "ds"})
    assert (g.status_code, m.status_code) == (201, 201)
    assert g.json() == {
        "provider": "gcore",
        "task_id": "g/1",
        "dataset_id": None,
        "status": "STARTED",
        "task_name": "transcription",
        "progress": None,
        "type": None,
        "cancels": 0,
    }
    assert (m.json()["status"], m.json()["type"]) == (1, "auto-label")
    assert http.post(gcore_path("g/1"), headers=apikey(fake_cloud)).status_code == 202
    assert http.post(modelarts_path(fake_cloud.project_id, "ds", "m1"), headers=token(fake_cloud)).status_code == 204


def test_seeding_over_http_with_a_status(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """An explicit status is kept, and GET /_fake/tasks lists tasks with their cancel counts."""
    http.post("/_fake/tasks", json={"provider": "gcore", "task_id": "done", "status": "SUCCESS"})
    http.post("/_fake/tasks", json={"provider": "gcore", "task_id": "run"})
    http.post(gcore_path("run"), headers=apikey(fake_cloud))
    listed = http.get("/_fake/tasks").json()["tasks"]
    assert {(t["task_id"], t["status"], t["cancels"]) for t in listed} == {
        ("done", "SUCCESS", 0),
        ("run", "REVOKED", 1),
    }


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"task_id": "t"}', "'provider' is required"),
        (b'{"provider": "aws", "task_id": "t"}', "unknown provider"),
        (b'{"provider": "gcore"}', "'task_id' is required"),
        (b'{"provider": "gcore", "task_id": 5}', "wrong type"),
        (b'{"provider": "gcore", "task_id": ""}', "non-empty"),
        (b'{"provider": "gcore", "task_id": "t", "status": "DONE"}', "undocumented gcore status 'DONE'"),
        (b'{"provider": "gcore", "task_id": "t", "status": "PROCESSING"}', "undocumented gcore status 'PROCESSING'"),
        (b'{"provider": "gcore", "task_id": "t", "status": "PROGRESS"}', "undocumented gcore status 'PROGRESS'"),
        (b'{"provider": "gcore", "task_id": "t", "status": 3}', "undocumented gcore status 3"),
        (b'{"provider": "gcore", "task_id": "t", "task_name": "asr"}', "undocumented gcore task_name 'asr'"),
        (b'{"provider": "gcore", "task_id": "t", "progress": 101}', "0..100"),
        (b'{"provider": "gcore", "task_id": "t", "progress": 5.5}', "integer percentage"),
        (b'{"provider": "gcore", "task_id": "t", "type": "pre-label"}', "modelarts field"),
        (
            b'{"provider": "modelarts", "task_id": "t", "dataset_id": "d", "status": 6}',
            "undocumented modelarts status 6",
        ),
        (b'{"provider": "modelarts", "task_id": "t", "dataset_id": "d", "status": "1"}', "status '1'"),
        (b'{"provider": "modelarts", "task_id": "t", "dataset_id": "d", "status": true}', "status True"),
        (b'{"provider": "modelarts", "task_id": "t", "dataset_id": "d", "status": "RUNNING"}', "status 'RUNNING'"),
        (b'{"provider": "modelarts", "task_id": "t", "dataset_id": "d", "type": "label"}', "modelarts type 'label'"),
        (b'{"provider": "modelarts", "task_id": "t", "dataset_id": "d", "progress": -1}', "0..100"),
        (b'{"provider": "modelarts", "task_id": "t"}', "dataset_id"),
        (b'{"provider": "gcore", "task_id": "t", "dataset_id": "d"}', "no dataset id"),
    ],
)
def test_bad_seeding_requests_answer_400_with_a_message(http: httpx.Client, body: bytes, fragment: str) -> None:
    """Bad JSON or values answer 400 with a message saying what is wrong."""
    response = http.post("/_fake/tasks", content=body)
    assert response.status_code == 400
    assert fragment in response.json()["error"]


def test_control_endpoints_reject_other_methods(http: httpx.Client) -> None:
    """DELETE on /_fake/tasks and PUT on /_fake/faults answer 405 naming what is allowed."""
    response = http.delete("/_fake/tasks")
    assert response.status_code == 405 and response.headers["allow"] == "GET, POST"
    response = http.put("/_fake/faults")
    assert response.status_code == 405 and response.headers["allow"] == "GET, POST, DELETE"


@pytest.mark.parametrize(
    ("path", "payload", "key"),
    [
        ("/_fake/tasks", {"provider": "gcore", "task_id": "t", "state": "PENDING"}, "state"),
        ("/_fake/tasks", {"provider": "gcore", "task_id": "t", "dataset": "d"}, "dataset"),
        ("/_fake/faults", {"kind": "respond", "status": 503, "retry-after": 1}, "retry-after"),
        ("/_fake/faults", {"kind": "delay", "delay": 1, "time": 2}, "time"),
    ],
)
def test_control_api_rejects_unknown_keys_naming_them(
    fake_cloud: FakeCloud, http: httpx.Client, path: str, payload: dict[str, object], key: str
) -> None:
    """A misspelt key is a 400 that names it, and nothing is seeded or queued."""
    response = http.post(path, json=payload)
    assert response.status_code == 400
    assert repr(key) in response.json()["error"]
    assert fake_cloud.pending_faults == 0
    assert http.get("/_fake/tasks").json()["tasks"] == []


def test_faults_can_be_listed_and_cleared(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """GET /_fake/faults lists queued faults in the order they fire; DELETE clears them."""
    assert http.get("/_fake/faults").json() == {"faults": []}
    http.post("/_fake/faults", json={"kind": "respond", "status": 503, "times": 2, "provider": "gcore"})
    http.post("/_fake/faults", json={"kind": "close", "task_id": "t9"})
    listed = http.get("/_fake/faults").json()["faults"]
    assert [(f["kind"], f["status"], f["left"], f["provider"], f["task_id"], f["operation"]) for f in listed] == [
        ("respond", 503, 2, "gcore", None, None),
        ("close", None, 1, None, "t9", None),
    ]
    assert http.delete("/_fake/faults").json() == {"cleared": 3}
    assert http.get("/_fake/faults").json() == {"faults": []}
    assert fake_cloud.pending_faults == 0


def test_tasks_are_deleted_over_http_each_id_one_segment(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """DELETE /_fake/tasks/{provider}[/{dataset_id}]/{task_id} answers the task as it was; then it is gone (404)."""
    fake_cloud.add_gcore_task("g/1")
    fake_cloud.add_gcore_task("g")
    fake_cloud.add_modelarts_task("d/x", "m 1")
    http.post(gcore_path("g/1"), headers=apikey(fake_cloud))
    deleted = http.delete(f"/_fake/tasks/gcore/{quote('g/1', safe='')}")
    assert (deleted.status_code, deleted.json()["task_id"], deleted.json()["cancels"]) == (200, "g/1", 1)
    assert http.delete(f"/_fake/tasks/gcore/{quote('g/1', safe='')}").status_code == 404
    assert http.post(gcore_path("g/1"), headers=apikey(fake_cloud)).status_code == 404
    assert fake_cloud.task_status("gcore", "g") == "STARTED"  # only the named task went
    path = f"/_fake/tasks/modelarts/{quote('d/x', safe='')}/{quote('m 1', safe='')}"
    assert http.delete(path).json()["dataset_id"] == "d/x"
    gone = http.post(modelarts_path(fake_cloud.project_id, "d/x", "m 1"), headers=token(fake_cloud))
    assert gone.json()["error_code"] == "ModelArts.4353"  # the task is gone, its dataset stays
    for bad, fragment in [
        ("/_fake/tasks/modelarts/m1", "needs a dataset_id"),
        ("/_fake/tasks/gcore/d/g", "no dataset id"),
        ("/_fake/tasks/aws/t", "unknown provider"),
    ]:
        answer = http.delete(bad)
        assert (answer.status_code, fragment in answer.json()["error"]) == (400, True), bad
    fake_cloud.add_gcore_task("g/1")
    assert fake_cloud.cancel_count("gcore", "g/1") == 0  # a re-seeded task starts afresh
    assert [t["task_id"] for t in http.get("/_fake/tasks").json()["tasks"]] == ["g", "g/1"]


def test_delete_task_in_python(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """FakeCloud.delete_task forgets one task; a missing one is a KeyError."""
    fake_cloud.add_modelarts_task("d", "m1")
    fake_cloud.add_modelarts_task("d", "m2")
    fake_cloud.delete_task("modelarts", "m1", "d")
    with pytest.raises(KeyError):
        fake_cloud.task_status("modelarts", "m1", "d")
    with pytest.raises(KeyError):
        fake_cloud.delete_task("modelarts", "m1", "d")
    assert http.post(modelarts_path(fake_cloud.project_id, "d", "m1"), headers=token(fake_cloud)).status_code == 404
    assert http.post(modelarts_path(fake_cloud.project_id, "d", "m2"), headers=token(fake_cloud)).status_code == 204


def _dirty(fake: FakeCloud, http: httpx.Client) -> None:
    """Tasks, a dataset, a cancel, a queued fault, a disabled Gcore account and a logged request."""
    fake.add_gcore_task("g")
    fake.add_modelarts_task("d", "m")
    fake.add_modelarts_dataset("empty")
    http.post(gcore_path("g"), headers=apikey(fake))
    fake.fail_next(500, times=2, provider="modelarts")
    fake.set_gcore_feature_disabled()


def test_reset_over_http_forgets_everything(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """POST /_fake/reset counts what it forgot; afterwards the fake is as new, its log holding the reset alone."""
    _dirty(fake_cloud, http)
    answer = http.post("/_fake/reset")
    assert (answer.status_code, answer.json()) == (200, {"tasks": 2, "datasets": 2, "faults": 2, "requests": 1})
    assert http.get("/_fake/tasks").json() == {"tasks": []}
    assert http.get("/_fake/faults").json() == {"faults": []}
    assert [r.raw_path for r in fake_cloud.requests] == ["/_fake/reset", "/_fake/tasks", "/_fake/faults"]
    listed = http.get("/streaming/ai/tasks", headers=apikey(fake_cloud))  # the account is enabled again
    assert (listed.status_code, listed.json()["count"]) == (200, 0)
    gone = http.get(f"/v2/{fake_cloud.project_id}/datasets/d/tasks", headers=token(fake_cloud))
    assert (gone.status_code, gone.json()["error_code"]) == (404, "ModelArts.4352")
    fake_cloud.add_gcore_task("g")
    assert fake_cloud.cancel_count("gcore", "g") == 0
    assert http.get("/_fake/reset").headers["allow"] == "POST"


def test_reset_in_python(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """FakeCloud.reset leaves no task, fault, flag or logged request behind."""
    _dirty(fake_cloud, http)
    fake_cloud.reset()
    assert (fake_cloud.requests, fake_cloud.pending_faults) == ([], 0)
    with pytest.raises(KeyError):
        fake_cloud.task_status("gcore", "g")
    assert http.get("/streaming/ai/tasks", headers=apikey(fake_cloud)).json()["count"] == 0


def test_python_seeding_rejects_unknown_statuses_and_bad_ids(fake_cloud: FakeCloud) -> None:
    """add_*_task raises ValueError on typos instead of creating an unreachable state."""
    with pytest.raises(ValueError, match="undocumented gcore status 'CANCELLED'"):
        fake_cloud.add_gcore_task("t", status="CANCELLED")
    with pytest.raises(ValueError, match="undocumented modelarts status 'REVOKED'"):
        fake_cloud.add_modelarts_task("d", "t", status="REVOKED")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"undocumented modelarts status 1\.0"):
        fake_cloud.add_modelarts_task("d", "t", status=1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="non-empty"):
        fake_cloud.add_gcore_task("")
    with pytest.raises(KeyError):
        fake_cloud.task_status("gcore", "missing")


# --- lifecycle, log, concurrency ----------------------------------------------------------------------------


def test_env_has_the_seven_variables(fake_cloud: FakeCloud) -> None:
    """env() names both base URLs and every credential the library reads."""
    env = fake_cloud.env()
    assert sorted(env) == sorted(
        [
            "GCORE_BASE_URL",
            "GCORE_API_KEY",
            "MODELARTS_ENDPOINT",
            "MODELARTS_PROJECT_ID",
            "MODELARTS_TOKEN",
            "HUAWEICLOUD_SDK_AK",
            "HUAWEICLOUD_SDK_SK",
        ]
    )
    assert env["GCORE_BASE_URL"] == env["MODELARTS_ENDPOINT"] == fake_cloud.base_url
    assert fake_cloud.base_url.startswith("http://127.0.0.1:")


def test_start_stop_and_errors_outside_the_lifecycle() -> None:
    """base_url needs a running fake; start twice is an error; stop is idempotent; a fake can restart."""
    fake = FakeCloud()
    with pytest.raises(RuntimeError, match="not running"):
        _ = fake.base_url
    fake.start()
    try:
        with pytest.raises(RuntimeError, match="already running"):
            fake.start()
        assert httpx.get(fake.base_url + "/_fake/tasks").status_code == 200
    finally:
        fake.stop()
    fake.stop()
    assert repr(fake) == "<FakeCloud stopped>"
    with fake:
        assert httpx.get(fake.base_url + "/_fake/tasks").status_code == 200


def test_a_given_port_is_used() -> None:
    """FakeCloud(port) listens on that port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with FakeCloud(port) as fake:
        assert fake.port == port
        assert fake.base_url == f"http://127.0.0.1:{port}"


def test_stop_is_prompt_with_idle_keepalive_and_delayed_calls() -> None:
    """stop() ends idle keep-alive connections and pending delays at once instead of waiting for them."""
    fake = FakeCloud().start()
    fake.add_gcore_task("t")
    fake.delay_next(60)
    client = httpx.Client(base_url=fake.base_url, timeout=30)
    client.get("/_fake/tasks")  # leaves an idle keep-alive connection
    errors: list[BaseException] = []

    def slow_call() -> None:
        try:
            httpx.post(fake.base_url + gcore_path("t"), headers=apikey(fake), timeout=30)
        except httpx.HTTPError as exc:
            errors.append(exc)

    caller = threading.Thread(target=slow_call)
    caller.start()
    for _ in range(200):
        if fake.pending_faults == 0:
            break
        time.sleep(0.01)
    started = time.monotonic()
    fake.stop()
    caller.join(timeout=10)
    client.close()
    assert time.monotonic() - started < 2
    assert not caller.is_alive()
    assert len(errors) == 1
    assert fake.task_status("gcore", "t") == "STARTED"


def test_keepalive_connections_are_reused(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """Sequential calls on one client travel over one HTTP/1.1 connection."""
    fake_cloud.add_gcore_task("t")
    for _ in range(20):
        http.post(gcore_path("t"), headers=apikey(fake_cloud))
    http.post("/nope")
    assert len({record.connection for record in fake_cloud.requests}) == 1


def test_request_log_records_calls_and_redacts_credentials_in_repr(fake_cloud: FakeCloud, http: httpx.Client) -> None:
    """The log keeps route, ids, headers and status; its repr hides Authorization and token values."""
    fake_cloud.add_gcore_task("t")
    fake_cloud.add_modelarts_task("d", "m")
    http.post(gcore_path("t"), headers=apikey(fake_cloud))
    http.post(modelarts_path(fake_cloud.project_id, "d", "m"), headers={**token(fake_cloud), "X-Security-Token": "st"})
    http.post(modelarts_path(fake_cloud.project_id, "d", "m"), auth=aksk(fake_cloud))
    gcore, by_token, by_aksk = fake_cloud.requests
    assert (gcore.route, gcore.method, gcore.task_id, gcore.status, gcore.changed_state) == (
        "gcore",
        "POST",
        "t",
        202,
        True,
    )
    assert gcore.headers["authorization"] == f"apikey {fake_cloud.gcore_api_key}"
    assert (by_token.route, by_token.dataset_id, by_token.status, by_aksk.changed_state) == (
        "modelarts",
        "d",
        204,
        False,
    )
    assert not gcore.from_fault
    printed = repr(fake_cloud.requests) + str(by_token.headers) + repr(fake_cloud)
    for secret in (fake_cloud.gcore_api_key, fake_cloud.token, "st", by_aksk.headers["authorization"]):
        assert f"'{secret}'" not in printed
    assert "Signature=" not in printed
    fake_cloud.clear_requests()
    assert fake_cloud.requests == []


def test_concurrent_cancels_of_one_task_cancel_it_exactly_once(fake_cloud: FakeCloud) -> None:
    """16 threads cancelling the same task: exactly one 202, the rest 412, one counted cancel."""
    fake_cloud.add_gcore_task("race")
    fake_cloud.add_modelarts_task("d", "race")
    barrier = threading.Barrier(16)
    results: list[tuple[int, int]] = []
    lock = threading.Lock()

    def worker() -> None:
        with httpx.Client(base_url=fake_cloud.base_url, timeout=10) as client:
            client.get("/_fake/tasks")  # connect before the barrier, so the cancels really overlap
            barrier.wait(timeout=10)
            g = client.post(gcore_path("race"), headers=apikey(fake_cloud)).status_code
            m = client.post(modelarts_path(fake_cloud.project_id, "d", "race"), headers=token(fake_cloud)).status_code
        with lock:
            results.append((g, m))

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(g for g, _ in results) == [202] + [412] * 15
    assert [m for _, m in results] == [204] * 16
    assert fake_cloud.cancel_count("gcore", "race") == 1
    assert fake_cloud.cancel_count("modelarts", "race", "d") == 1


@pytest.mark.anyio
async def test_usable_from_async_tests(fake_cloud: FakeCloud) -> None:
    """An async client can drive the fake concurrently from an event loop."""
    for i in range(32):
        fake_cloud.add_gcore_task(f"t{i}")
    async with httpx.AsyncClient(base_url=fake_cloud.base_url, timeout=10) as client:
        statuses: list[int] = []

        async def cancel(i: int) -> None:
            response = await client.post(gcore_path(f"t{i}"), headers=apikey(fake_cloud))
            statuses.append(response.status_code)

        async with anyio.create_task_group() as group:
            for i in range(32):
                group.start_soon(cancel, i)
    assert statuses == [202] * 32


def test_fixture_turns_backoff_off(fake_cloud: FakeCloud) -> None:
    """While the fake_cloud fixture is active, the library's retries do not wait."""
    from aitasks import _core as _retry

    assert _retry.backoff(3, httpx.Headers({"Retry-After": "30"})) == 0.0


def test_fake_cloud_env_fixture_sets_the_environment(fake_cloud_env: FakeCloud) -> None:
    """fake_cloud_env exports env() into os.environ for the test."""
    import os

    assert {name: os.environ[name] for name in fake_cloud_env.env()} == fake_cloud_env.env()


def test_env_includes_a_configured_security_token() -> None:
    """With temporary credentials, env() also exports HUAWEICLOUD_SDK_SECURITY_TOKEN."""
    with FakeCloud(security_token="sts") as fake:
        assert fake.env()["HUAWEICLOUD_SDK_SECURITY_TOKEN"] == "sts"
        assert len(fake.env()) == 8
