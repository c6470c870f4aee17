"""The fake against specs/: its responses (openapi-core), the facade's requests, and bounded schemathesis runs.

Named exclusions, where the fake must differ from the specs because the vendor specs are silent:
- GCORE_401_UNDOCUMENTED: the Gcore spec documents no 401, but the real API (and the fake) answers 401 to a
  missing or wrong API key; a client must handle it, so the fake sends it.
- UNDOCUMENTED_FAULTS: 429 and 5xx faults are in neither spec; they exist to rehearse retries.
- MALFORMED_BY_DESIGN: malformed-body faults are invalid on purpose.
- NO_SUCH_OPERATION: 404/405 on paths or methods the specs do not describe.
Each excluded response is checked to be rejected by openapi-core, so the validator is known to be awake.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import httpx
import pytest
import requests
import schemathesis
from hypothesis import settings
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from schemathesis.specs.openapi.checks import status_code_conformance
from werkzeug.datastructures import Headers, ImmutableMultiDict

from aitasks import _signing
from aitasks._auth import AKSKAuth
from aitasks.testing import FakeCloud, RecordedRequest, no_backoff
from aitasks.testing._routes import parse_target

ROOT = Path(__file__).resolve().parents[1]
GCORE_SPEC_PATH = ROOT / "specs" / "gcore" / "openapi.yaml"
MODELARTS_SPEC_PATH = ROOT / "specs" / "modelarts" / "openapi.yaml"
SPECS = {
    "gcore": OpenAPI.from_file_path(str(GCORE_SPEC_PATH)),
    "modelarts": OpenAPI.from_file_path(str(MODELARTS_SPEC_PATH)),
}
# The fake stands in for the vendors' hosts: requests are matched against each spec's own server URL.
VENDOR_HOSTS = {"gcore": "https://api.gcore.com", "modelarts": "https://modelarts.eu-de.otc.t-systems.com"}


class OpenAPIRequest:
    """openapi-core's Request protocol over one entry of the fake's request log (raw path: ids stay one segment)."""

    def __init__(self, record: RecordedRequest) -> None:
        assert record.route in VENDOR_HOSTS
        self.host_url = VENDOR_HOSTS[record.route]
        self.path = record.raw_path
        self.method = record.method.lower()
        self.body: bytes | None = record.body or None
        self.content_type = record.headers.get("content-type", "")
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qsl(record.query, keep_blank_values=True)),
            header=Headers(list(record.headers.raw_items())),
            cookie=ImmutableMultiDict(),
        )


class OpenAPIResponse:
    """openapi-core's Response protocol over an httpx.Response."""

    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.headers = Headers(list(response.headers.items()))
        self.content_type = response.headers.get("content-type", "")
        self.data: bytes | None = response.content


def validate_exchange(fake: FakeCloud, response: httpx.Response) -> None:
    """Validate the last logged request and this response against the provider's spec."""
    record = fake.requests[-1]
    assert record.request_id == response.headers["x-request-id"]
    spec = SPECS[record.route]
    spec.validate_request(OpenAPIRequest(record))
    spec.validate_response(OpenAPIRequest(record), OpenAPIResponse(response))


@pytest.fixture
def http(fake_cloud: FakeCloud) -> Iterator[httpx.Client]:
    """A plain httpx client on the fake's base URL."""
    with httpx.Client(base_url=fake_cloud.base_url, timeout=5) as client:
        yield client


def _gcore(fake: FakeCloud, http: httpx.Client, task_id: str = "t", key: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"apikey {key or fake.gcore_api_key}"}
    return http.post(f"/streaming/ai/tasks/{quote(task_id, safe='')}/cancel", headers=headers)


def _modelarts(
    fake: FakeCloud, http: httpx.Client, dataset_id: str = "d", task_id: str = "t", **kwargs: Any
) -> httpx.Response:
    project, dataset, task = (
        quote(v, safe="") for v in (kwargs.pop("project_id", fake.project_id), dataset_id, task_id)
    )
    kwargs.setdefault("headers", {"X-Auth-Token": fake.token})
    return http.post(f"/v2/{project}/datasets/{dataset}/tasks/{task}/stop", **kwargs)


Scenario = Callable[[FakeCloud, httpx.Client], httpx.Response]


def _seeded(status: str) -> Scenario:
    def run(fake: FakeCloud, http: httpx.Client) -> httpx.Response:
        fake.add_gcore_task("t", status=status)
        return _gcore(fake, http)

    return run


def _gcore_disabled(fake: FakeCloud, http: httpx.Client) -> httpx.Response:
    fake.set_gcore_feature_disabled()
    return _gcore(fake, http)


def _ma_seeded(status: str, **kwargs: Any) -> Scenario:
    def run(fake: FakeCloud, http: httpx.Client) -> httpx.Response:
        fake.add_modelarts_task("d", "t", status=status)
        return _modelarts(fake, http, **kwargs)

    return run


def _with_fault(inject: Callable[[FakeCloud], None], call: Scenario) -> Scenario:
    def run(fake: FakeCloud, http: httpx.Client) -> httpx.Response:
        inject(fake)
        return call(fake, http)

    return run


def _ma_aksk(secret: str | None = None, minutes: int = 0) -> Scenario:
    def run(fake: FakeCloud, http: httpx.Client) -> httpx.Response:
        fake.add_modelarts_task("d", "t")
        when = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=minutes)
        auth = AKSKAuth(fake.access_key, secret or fake.secret_key, fake.project_id, clock=lambda: when)
        return _modelarts(fake, http, headers={}, auth=auth)

    return run


VALID: dict[str, Scenario] = {
    "gcore-202-processing": _seeded("PROCESSING"),
    "gcore-202-pending": _seeded("PENDING"),
    "gcore-412-revoked": _seeded("REVOKED"),
    "gcore-412-success": _seeded("SUCCESS"),
    "gcore-412-failure": _seeded("FAILURE"),
    "gcore-404": lambda fake, http: _gcore(fake, http, "missing"),
    "gcore-404-odd-id": lambda fake, http: _gcore(fake, http, "a/b ü%?#"),
    "gcore-422": _gcore_disabled,
    "gcore-400-empty-id": lambda fake, http: http.post(
        "/streaming/ai/tasks//cancel", headers={"Authorization": f"apikey {fake.gcore_api_key}"}
    ),
    "gcore-fault-400": _with_fault(lambda f: f.fail_next(400), lambda f, h: _gcore(f, h)),
    "gcore-fault-404": _with_fault(lambda f: f.fail_next(404), lambda f, h: _gcore(f, h)),
    "gcore-fault-412": _with_fault(lambda f: f.fail_next(412), lambda f, h: _gcore(f, h)),
    "gcore-fault-422": _with_fault(lambda f: f.fail_next(422, retry_after=1), lambda f, h: _gcore(f, h)),
    "gcore-fault-202": _with_fault(lambda f: f.fail_next(202, body={"result": "ok"}), lambda f, h: _gcore(f, h)),
    "gcore-delay-then-202": _with_fault(lambda f: f.delay_next(0.05), _seeded("STARTED")),
    "modelarts-204-token": _ma_seeded("RUNNING"),
    "modelarts-204-queuing": _ma_seeded("QUEUING"),
    "modelarts-204-again-stopped": _ma_seeded("STOPPED"),
    "modelarts-204-again-completed": _ma_seeded("COMPLETED"),
    "modelarts-204-aksk": _ma_aksk(),
    "modelarts-401-token": _ma_seeded("RUNNING", headers={"X-Auth-Token": "wrong"}),
    "modelarts-401-aksk-secret": _ma_aksk(secret="wrong"),
    "modelarts-401-aksk-stale": _ma_aksk(minutes=-30),
    "modelarts-403": _ma_seeded("RUNNING", project_id="f" * 32),
    "modelarts-404-dataset": lambda fake, http: _modelarts(fake, http, "nods", "t"),
    "modelarts-404-task": _ma_seeded("RUNNING", task_id="nope"),
    "modelarts-fault-204": _with_fault(lambda f: f.fail_next(204), lambda f, h: _modelarts(f, h)),
    "modelarts-fault-401": _with_fault(lambda f: f.fail_next(401), lambda f, h: _modelarts(f, h)),
    "modelarts-fault-403": _with_fault(lambda f: f.fail_next(403), lambda f, h: _modelarts(f, h)),
    "modelarts-fault-404": _with_fault(lambda f: f.fail_next(404, retry_after=2), lambda f, h: _modelarts(f, h)),
    "modelarts-delay-then-204": _with_fault(lambda f: f.delay_next(0.05), _ma_seeded("RUNNING")),
}


@pytest.mark.parametrize("scenario", list(VALID))
def test_fake_responses_conform_to_the_specs(fake_cloud: FakeCloud, http: httpx.Client, scenario: str) -> None:
    """Every state, documented error and documented-status fault answers what the vendor spec describes."""
    validate_exchange(fake_cloud, VALID[scenario](fake_cloud, http))


EXCLUDED: dict[str, tuple[str, Scenario]] = {
    "gcore-401-no-key": ("GCORE_401_UNDOCUMENTED", lambda fake, http: http.post("/streaming/ai/tasks/t/cancel")),
    "gcore-401-wrong-key": ("GCORE_401_UNDOCUMENTED", lambda fake, http: _gcore(fake, http, key="wrong")),
    "gcore-fault-503": ("UNDOCUMENTED_FAULTS", _with_fault(lambda f: f.fail_next(503), lambda f, h: _gcore(f, h))),
    "modelarts-fault-429": (
        "UNDOCUMENTED_FAULTS",
        _with_fault(lambda f: f.fail_next(429, retry_after=1), lambda f, h: _modelarts(f, h)),
    ),
    "modelarts-fault-500": (
        "UNDOCUMENTED_FAULTS",
        _with_fault(lambda f: f.fail_next(500), lambda f, h: _modelarts(f, h)),
    ),
    "gcore-invalid-json": (
        "MALFORMED_BY_DESIGN",
        _with_fault(lambda f: f.malform_next("invalid_json"), lambda f, h: _gcore(f, h)),
    ),
    "gcore-html": ("MALFORMED_BY_DESIGN", _with_fault(lambda f: f.malform_next("html"), lambda f, h: _gcore(f, h))),
    "modelarts-invalid-utf8": (
        "MALFORMED_BY_DESIGN",
        _with_fault(lambda f: f.malform_next("invalid_utf8"), lambda f, h: _modelarts(f, h)),
    ),
    "modelarts-empty": (
        "MALFORMED_BY_DESIGN",
        _with_fault(lambda f: f.malform_next("empty"), lambda f, h: _modelarts(f, h)),
    ),
    "gcore-405": ("NO_SUCH_OPERATION", lambda fake, http: http.get("/streaming/ai/tasks/t/cancel")),
    "modelarts-405": (
        "NO_SUCH_OPERATION",
        lambda fake, http: http.delete(f"/v2/{fake.project_id}/datasets/d/tasks/t/stop"),
    ),
}


@pytest.mark.parametrize("scenario", list(EXCLUDED))
def test_excluded_responses_are_rejected_by_the_validator(
    fake_cloud: FakeCloud, http: httpx.Client, scenario: str
) -> None:
    """Each named exclusion really is outside the spec (openapi-core rejects it), so nothing else slips by."""
    _, run = EXCLUDED[scenario]
    response = run(fake_cloud, http)
    record = fake_cloud.requests[-1]
    spec = SPECS[record.route]
    with pytest.raises(Exception) as raised:
        spec.validate_response(OpenAPIRequest(record), OpenAPIResponse(response))
    assert not isinstance(raised.value, (AssertionError, KeyError, TypeError))


# --- the facade's requests ----------------------------------------------------------------------------------


def _validate_logged_requests(fake: FakeCloud, expected: int) -> None:
    calls = [record for record in fake.requests if record.route in VENDOR_HOSTS]
    assert len(calls) == expected
    for record in calls:
        SPECS[record.route].validate_request(OpenAPIRequest(record))


Auth = Literal["token", "aksk"]
FACADE_IDS = ["t1", "a b", "ü/任务", "%25", "x?y#z"]


@pytest.mark.parametrize("auth", ["token", "aksk"])
def test_every_request_the_sync_facade_sends_is_valid(fake_cloud: FakeCloud, auth: Auth) -> None:
    """Gcore and ModelArts (token or AK/SK) requests from the sync facade, retries included, match the specs."""
    for task in FACADE_IDS:
        fake_cloud.add_gcore_task(task)
        fake_cloud.add_modelarts_task("ds " + task.replace("/", "_"), task)
    fake_cloud.fail_next(503, times=1, provider="gcore")
    fake_cloud.fail_next(502, times=1, provider="modelarts")
    with fake_cloud.gcore_client() as gcore, fake_cloud.modelarts_client(auth=auth) as modelarts:
        for task in FACADE_IDS:
            assert gcore.cancel(task).status_code == 202
            assert modelarts.cancel(f"ds {task.replace('/', '_')}/{task}").status_code == 204
    _validate_logged_requests(fake_cloud, 2 * len(FACADE_IDS) + 2)


@pytest.mark.parametrize("auth", ["token", "aksk"])
def test_every_request_the_async_facade_sends_is_valid(fake_cloud: FakeCloud, auth: Auth, transport: str) -> None:
    """The async twins send spec-valid requests too, on each transport an owned async client may pick."""
    for task in FACADE_IDS:
        fake_cloud.add_gcore_task(task)
        fake_cloud.add_modelarts_task("ds", task)
    fake_cloud.drop_next(provider="modelarts")

    async def run() -> None:
        async with (
            fake_cloud.async_gcore_client() as gcore,
            fake_cloud.async_modelarts_client(auth=auth) as modelarts,
        ):
            for task in FACADE_IDS:
                assert (await gcore.cancel(task)).status_code == 202
                assert (await modelarts.cancel(f"ds/{task}")).status_code == 204

    asyncio.run(run())
    _validate_logged_requests(fake_cloud, 2 * len(FACADE_IDS) + 1)


# --- schemathesis -------------------------------------------------------------------------------------------

GCORE_SCHEMA = schemathesis.openapi.from_path(GCORE_SPEC_PATH)
MODELARTS_SCHEMA = schemathesis.openapi.from_path(MODELARTS_SPEC_PATH)
Case = schemathesis.Case[Any]
# Deterministic and bounded: the same cases on every run, well under the suite's time budget.
FUZZ = settings(max_examples=40, deadline=None, derandomize=True, database=None)


@pytest.fixture(scope="module")
def fuzzed_fake() -> Iterator[FakeCloud]:
    """One fake for each module's schemathesis cases (many cases, one server)."""
    with FakeCloud() as fake, no_backoff():
        yield fake


def _seed_from_url(fake: FakeCloud, url: str, flip: bool) -> bool:
    """Seed a running task under the ids the fake will decode from this URL (for about half the cases)."""
    target = parse_target(urlsplit(url).path)
    if not flip or not target.task_id:
        return False
    if target.route == "gcore":
        fake.add_gcore_task(target.task_id)
        return True
    if target.route == "modelarts" and target.dataset_id:
        fake.add_modelarts_task(target.dataset_id, target.task_id)
        return True
    return False


def _positive(case: Case) -> bool:
    return case.meta is not None and case.meta.generation.mode is schemathesis.GenerationMode.POSITIVE


# The fake serves the cancel operation; the spec also has the read operations, which the fake does not serve yet.
@GCORE_SCHEMA.include(operation_id="post_ai_tasks_cancel").parametrize()
@FUZZ
def test_gcore_spec_fuzz(case: Case, fuzzed_fake: FakeCloud) -> None:
    """Generated Gcore calls get documented answers; a seeded task in a positive case is cancelled (202)."""
    headers = {"Authorization": f"apikey {fuzzed_fake.gcore_api_key}"}
    url = case.as_transport_kwargs(base_url=fuzzed_fake.base_url)["url"]
    seeded = _seed_from_url(fuzzed_fake, url, flip=len(url) % 2 == 0)
    response = case.call(base_url=fuzzed_fake.base_url, headers=headers)
    # GCORE_401_UNDOCUMENTED: negative cases drop or garble Authorization; the spec has no 401 to match.
    excluded = [status_code_conformance] if response.status_code == 401 else []
    case.validate_response(
        response,
        headers=headers,
        excluded_checks=excluded,
        transport_kwargs={"base_url": fuzzed_fake.base_url, "headers": headers},
    )
    if seeded and _positive(case):
        assert response.status_code == 202, unquote(url)


def _modelarts_case(case: Case, fake: FakeCloud) -> None:
    """Point about two cases in three at the fake's project, so they get past 403 to 204/404."""
    parameters = case.path_parameters
    if parameters is not None and len(str(parameters.get("task_id"))) % 3:
        parameters["project_id"] = fake.project_id


@MODELARTS_SCHEMA.parametrize()
@FUZZ
def test_modelarts_spec_fuzz_with_token(case: Case, fuzzed_fake: FakeCloud) -> None:
    """Generated ModelArts calls with a token get documented answers; seeded positive cases answer 204."""
    _modelarts_case(case, fuzzed_fake)
    headers = {"X-Auth-Token": fuzzed_fake.token}
    url = case.as_transport_kwargs(base_url=fuzzed_fake.base_url)["url"]
    seeded = _seed_from_url(fuzzed_fake, url, flip=len(url) % 2 == 0)
    response = case.call_and_validate(base_url=fuzzed_fake.base_url, headers=headers)
    if seeded and _positive(case) and fuzzed_fake.requests[-1].project_id == fuzzed_fake.project_id:
        assert response.status_code == 204, unquote(url)


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


class RequestsAKSK(requests.auth.AuthBase):
    """AK/SK signing for schemathesis' requests transport, over the exact path requests sends."""

    def __init__(self, fake: FakeCloud) -> None:
        self.fake = fake

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        assert request.url is not None and request.method is not None
        sdk_date = dt.datetime.now(dt.timezone.utc).strftime(_signing.DATE_FORMAT)
        request.headers["Host"] = urlsplit(request.url).netloc
        request.headers["X-Sdk-Date"] = sdk_date
        request.headers["X-Project-Id"] = self.fake.project_id
        request.headers.pop("X-Auth-Token", None)  # a generated token would be checked instead of the signature
        signed = ["host", "x-project-id", "x-sdk-date"]
        path, _, query = request.path_url.partition("?")
        body = request.body.encode() if isinstance(request.body, str) else request.body
        assert body is None or isinstance(body, bytes)
        values = {name: _text(request.headers[name]) for name in signed}
        canonical = _signing.canonical_request(request.method, path, query, values, signed, body or b"")
        sig = _signing.signature(canonical, sdk_date, self.fake.secret_key)
        request.headers["Authorization"] = _signing.authorization_header(self.fake.access_key, signed, sig)
        return request


@MODELARTS_SCHEMA.parametrize()
@FUZZ
def test_modelarts_spec_fuzz_with_aksk(case: Case, fuzzed_fake: FakeCloud) -> None:
    """Generated ModelArts calls signed with AK/SK (ids of every kind) verify, and get documented answers."""
    _modelarts_case(case, fuzzed_fake)
    url = case.as_transport_kwargs(base_url=fuzzed_fake.base_url)["url"]
    seeded = _seed_from_url(fuzzed_fake, url, flip=len(url) % 2 == 0)
    auth = RequestsAKSK(fuzzed_fake)
    response = case.call_and_validate(base_url=fuzzed_fake.base_url, auth=auth)
    if seeded and _positive(case) and fuzzed_fake.requests[-1].project_id == fuzzed_fake.project_id:
        assert response.status_code == 204, unquote(url)
