"""AK/SK signatures equal what huaweicloudsdkcore's Signer computes for the same request."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import httpx
import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer
from hypothesis import given, settings
from hypothesis import strategies as st

from aitasks._auth import AKSKAuth
from aitasks.testing._modelarts import parse_authorization

_ids = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=40).filter(
    lambda s: s not in (".", "..") and not s.isspace()
)
_keys = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyz", min_size=8, max_size=40)
_when = st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2035, 1, 1)).map(
    lambda d: d.replace(tzinfo=dt.timezone.utc, microsecond=0)
)


def _oracle(request: httpx.Request, ak: str, sk: str) -> str:
    """Sign the same request with huaweicloudsdkcore and return its Authorization value."""
    raw_path = request.url.raw_path.split(b"?", 1)[0].decode()
    headers = {
        name: request.headers[name]
        for name in ("Host", "X-Sdk-Date", "X-Project-Id", "X-Security-Token")
        if name in request.headers
    }
    sdk_request = SdkRequest(
        method=request.method,
        schema="https",
        host=request.url.host,
        resource_path=raw_path,
        query_params=[],
        header_params=headers,
        body=b"",
    )
    signed = Signer(BasicCredentials(ak, sk)).sign(sdk_request)
    value: str = signed.header_params["Authorization"]
    return value


@settings(max_examples=80, deadline=None)
@given(
    project=st.from_regex(r"[0-9a-f]{32}", fullmatch=True),
    dataset=_ids,
    task=_ids,
    ak=_keys,
    sk=_keys,
    security_token=st.none() | _keys,
    when=_when,
)
def test_signature_matches_huaweicloudsdkcore(
    project: str, dataset: str, task: str, ak: str, sk: str, security_token: str | None, when: dt.datetime
) -> None:
    """Over generated ids (many needing percent-encoding), our Authorization equals the SDK's."""
    path = "/v2/{}/datasets/{}/tasks/{}/stop".format(*(quote(v, safe="") for v in (project, dataset, task)))
    request = httpx.Request("POST", "https://modelarts.eu-de.otc.t-systems.com" + path)
    AKSKAuth(ak, sk, project, security_token, clock=lambda: when).apply(request)
    assert request.headers["X-Sdk-Date"] == when.strftime("%Y%m%dT%H%M%SZ")
    assert request.headers["X-Project-Id"] == project
    assert request.headers.get("X-Security-Token") == security_token
    assert request.headers["Authorization"] == _oracle(request, ak, sk)


def test_the_production_clock_path_signs_what_the_oracle_signs() -> None:
    """With the default clock (no injected time), X-Sdk-Date is now in UTC and the signature is the SDK's."""
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    request = httpx.Request("POST", "https://modelarts.eu-de.otc.t-systems.com/v2/p/datasets/d/tasks/t/stop")
    AKSKAuth("AK-1234", "SK-123456789", "p").apply(request)
    after = dt.datetime.now(dt.timezone.utc)
    sent = dt.datetime.strptime(request.headers["X-Sdk-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc)
    assert before <= sent <= after
    assert request.headers["Authorization"] == _oracle(request, "AK-1234", "SK-123456789")


def test_signature_on_a_non_default_port_signs_the_host_header_with_port() -> None:
    """The Host header (with its port) is signed, as the SDK signs the Host it sends."""
    request = httpx.Request("POST", "http://127.0.0.1:8123/v2/p/datasets/d%2Fx/tasks/t%20y/stop")
    when = dt.datetime(2026, 11, 21, 8, 0, tzinfo=dt.timezone.utc)
    AKSKAuth("AK", "SK", "p", clock=lambda: when).apply(request)
    parsed = parse_authorization(request.headers["Authorization"])
    assert parsed is not None
    assert parsed[0] == "AK"
    assert parsed[1] == ["host", "x-project-id", "x-sdk-date"]
    assert request.headers["Authorization"] == _oracle(request, "AK", "SK")


def test_a_different_secret_gives_a_different_signature() -> None:
    """The SK is what the signature depends on: a wrong SK never verifies."""
    when = dt.datetime(2026, 11, 21, 8, 0, tzinfo=dt.timezone.utc)
    one = httpx.Request("POST", "https://h/v2/p/datasets/d/tasks/t/stop")
    two = httpx.Request("POST", "https://h/v2/p/datasets/d/tasks/t/stop")
    AKSKAuth("AK", "SK1", "p", clock=lambda: when).apply(one)
    AKSKAuth("AK", "SK2", "p", clock=lambda: when).apply(two)
    assert one.headers["Authorization"] != two.headers["Authorization"]


def test_auth_reprs_hide_secrets() -> None:
    """Neither auth object shows its credentials in repr."""
    auth = AKSKAuth("MYACCESSKEY", "MYSECRETKEY", "p", "MYSECURITYTOKEN")
    assert "MYSECRETKEY" not in repr(auth) and "MYSECURITYTOKEN" not in repr(auth)


def test_the_default_clock_dates_each_request_by_the_second(monkeypatch: pytest.MonkeyPatch) -> None:
    """The date is formatted once a second and reused within it; the next second gets its own, and each request's
    signature is the oracle's for the date it carries."""
    now = [1_764_770_400.2]  # 2025-12-03 14:00:00.2 UTC
    monkeypatch.setattr("aitasks._auth.time.time", lambda: now[0])
    auth = AKSKAuth("AK-1234", "SK-123456789", "p")
    dates = []
    for step in (0.0, 0.7, 0.2, 3600.0):  # the same second, the next one, an hour later
        now[0] += step
        request = httpx.Request("POST", "https://example.com/v2/p/datasets/d/tasks/t/stop")
        auth.apply(request)
        dates.append(request.headers["X-Sdk-Date"])
        assert request.headers["Authorization"] == _oracle(request, "AK-1234", "SK-123456789")
    assert dates == ["20251203T140000Z", "20251203T140000Z", "20251203T140001Z", "20251203T150001Z"]
