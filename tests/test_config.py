"""Configuration comes from arguments or the environment and is checked before any I/O."""

from __future__ import annotations

import httpx
import pytest

import aitasks
from aitasks import ConfigurationError


def _gcore_auth(client: aitasks.Gcore) -> str:
    request = httpx.Request("POST", "https://x/")
    flow = client._core.provider.auth.sync_auth_flow(request)
    return next(flow).headers["Authorization"]


def test_gcore_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """GCORE_API_KEY and GCORE_BASE_URL configure the client; the default URL is api.gcore.com."""
    monkeypatch.setenv("GCORE_API_KEY", "envkey-123456")
    client = aitasks.Gcore()
    assert client._core.base_url == "https://api.gcore.com"
    assert _gcore_auth(client) == "apikey envkey-123456"
    monkeypatch.setenv("GCORE_BASE_URL", "http://127.0.0.1:8080/")
    assert aitasks.Gcore()._core.base_url == "http://127.0.0.1:8080"
    assert _gcore_auth(aitasks.Gcore("argkey-123456")) == "apikey argkey-123456"


def test_gcore_apikey_prefix_is_not_doubled() -> None:
    """A key that already starts with `apikey ` is sent as is."""
    assert _gcore_auth(aitasks.Gcore("apikey 1234$abcdef")) == "apikey 1234$abcdef"
    assert _gcore_auth(aitasks.Gcore("APIKEY 1234$abcdef")) == "apikey 1234$abcdef"


def test_missing_values_name_the_variable() -> None:
    """A missing credential or endpoint raises ConfigurationError naming the env var."""
    with pytest.raises(ConfigurationError, match="GCORE_API_KEY"):
        aitasks.Gcore()
    with pytest.raises(ConfigurationError, match="MODELARTS_ENDPOINT"):
        aitasks.ModelArts(project_id="p", token="t-123456")
    with pytest.raises(ConfigurationError, match="MODELARTS_PROJECT_ID"):
        aitasks.ModelArts(endpoint="https://m.example", token="t-123456")
    with pytest.raises(ConfigurationError, match="MODELARTS_TOKEN"):
        aitasks.ModelArts(endpoint="https://m.example", project_id="p")
    with pytest.raises(ConfigurationError, match="HUAWEICLOUD_SDK_SK"):
        aitasks.ModelArts(endpoint="https://m.example", project_id="p", access_key="AK")
    with pytest.raises(ConfigurationError, match="HUAWEICLOUD_SDK_AK"):
        aitasks.ModelArts(endpoint="https://m.example", project_id="p", secret_key="SK")


def test_modelarts_env_and_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    """MODELARTS_* and HUAWEICLOUD_SDK_* configure ModelArts; explicit arguments win over the environment."""
    monkeypatch.setenv("MODELARTS_ENDPOINT", "modelarts.eu-de.otc.t-systems.com")
    monkeypatch.setenv("HUAWEICLOUD_SDK_PROJECT_ID", "proj1")
    monkeypatch.setenv("HUAWEICLOUD_SDK_AK", "AKENV")
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", "SKENV")
    client = aitasks.ModelArts()
    assert client._core.base_url == "https://modelarts.eu-de.otc.t-systems.com"
    assert client._core.provider.project_id == "proj1"  # type: ignore[attr-defined]
    assert type(client._core.provider.auth).__name__ == "AKSKAuth"
    monkeypatch.setenv("MODELARTS_PROJECT_ID", "proj2")
    monkeypatch.setenv("MODELARTS_TOKEN", "tok-123456")
    client = aitasks.ModelArts()
    assert client._core.provider.project_id == "proj2"  # type: ignore[attr-defined]
    assert type(client._core.provider.auth).__name__ == "HeaderAuth"
    explicit = aitasks.ModelArts(access_key="AK", secret_key="SK")
    assert type(explicit._core.provider.auth).__name__ == "AKSKAuth"


@pytest.mark.parametrize(
    "bad", ["s3cr3tVAL\r\nX-Injected: 1", "s3cr3tVAL\n", "\x00s3cr3tVAL", "   ", "s3cr3t\u041a\u041b\u042e\u0427"]
)
def test_secrets_that_cannot_be_headers_are_refused(bad: str) -> None:
    """CR/LF and other control characters in a secret fail at construction, without echoing it."""
    for make in (
        lambda: aitasks.Gcore(bad),
        lambda: aitasks.ModelArts(endpoint="https://m.example", project_id="p", token=bad),
        lambda: aitasks.ModelArts(endpoint="https://m.example", project_id="p", access_key="AK", secret_key=bad),
    ):
        with pytest.raises(ConfigurationError) as info:
            make()
        assert "s3cr3t" not in str(info.value)


@pytest.mark.parametrize("bad", ["", "a/b", "..", "p id", "p\n", "x" * 129, "proj?x=1"])
def test_invalid_project_ids_are_refused(bad: str) -> None:
    """A project id that could change the route fails at construction."""
    with pytest.raises(ConfigurationError):
        aitasks.ModelArts(endpoint="https://m.example", project_id=bad, token="t-123456")


@pytest.mark.parametrize("bad", ["ftp://host", "https://", "http://h/?q=1", "https://u:p@h", "http://[::1"])
def test_invalid_urls_are_refused(bad: str) -> None:
    """Only plain http(s) base URLs are accepted."""
    with pytest.raises(ConfigurationError):
        aitasks.Gcore("k-123456", base_url=bad)


@pytest.mark.parametrize("bad", ["key ", " key-123456", "key-123456\t", "\u00a0key-123456"])
def test_secrets_with_surrounding_whitespace_are_refused_before_io(monkeypatch: pytest.MonkeyPatch, bad: str) -> None:
    """GCORE_API_KEY="key " is refused naming the variable and the whitespace, never the value."""
    monkeypatch.setenv("GCORE_API_KEY", bad)
    with pytest.raises(ConfigurationError) as info:
        aitasks.Gcore()
    text = str(info.value)
    assert "GCORE_API_KEY" in text and "whitespace" in text and "key" not in text.replace("GCORE_API_KEY", "")
    monkeypatch.setenv("MODELARTS_TOKEN", bad)
    with pytest.raises(ConfigurationError, match=r"MODELARTS_TOKEN.*whitespace"):
        aitasks.ModelArts(endpoint="https://m.example", project_id="p")
    with pytest.raises(ConfigurationError, match=r"secret_key= argument.*whitespace"):
        aitasks.ModelArts(endpoint="https://m.example", project_id="p", access_key="AK-1234", secret_key=bad)


@pytest.mark.parametrize("bad", ["http://host/?", "http://host/#", "http://host?", "https://host/base#x", "host/?"])
def test_base_urls_with_any_query_or_fragment_are_refused(monkeypatch: pytest.MonkeyPatch, bad: str) -> None:
    """Even an empty query or fragment would misroute every call: refused, naming the variable."""
    monkeypatch.setenv("GCORE_BASE_URL", bad)
    with pytest.raises(ConfigurationError, match="GCORE_BASE_URL must not carry a query or fragment"):
        aitasks.Gcore("k-123456")
    with pytest.raises(ConfigurationError, match="endpoint= argument must not carry a query or fragment"):
        aitasks.ModelArts(endpoint=bad, project_id="p", token="t-123456")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"timeout": 0}, "timeout"),
        ({"max_retries": -1}, "max_retries"),
        ({"timeout": 1e10}, "at most 86400 seconds"),
        ({"timeout": 86_400.5}, "one day"),
        ({"timeout": float("inf")}, "finite"),
    ],
)
def test_invalid_numbers_are_refused(kwargs: dict[str, float], match: str) -> None:
    """A zero or over-a-day timeout, or a negative retry count, is a ValueError at construction."""
    with pytest.raises(ValueError, match=match):
        aitasks.Gcore("k-123456", **kwargs)  # type: ignore[arg-type]


def test_a_timeout_of_exactly_one_day_is_accepted() -> None:
    """One day is the largest deadline an attempt may have."""
    assert aitasks.Gcore("k-123456", timeout=86_400)._core.seconds == 86_400.0


def test_timeout_defaults() -> None:
    """Default: 30 s per network phase, 5 s to connect."""
    core = aitasks.Gcore("k-123456")._core
    assert core.timeout == httpx.Timeout(30.0, connect=5.0)
    assert aitasks.Gcore("k-123456", timeout=2)._core.timeout == httpx.Timeout(2.0, connect=2.0)


def test_client_from_env_with_one_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    """from_env works with only Gcore configured; a ModelArts ref then says which variable is missing."""
    monkeypatch.setenv("GCORE_API_KEY", "envkey-123456")
    client = aitasks.Client.from_env()
    with pytest.raises(ConfigurationError, match="MODELARTS_ENDPOINT"):
        client.cancel("modelarts:ds/t")
    client.close()


def test_client_from_env_with_nothing_configured() -> None:
    """from_env with no provider configured fails at once, naming both."""
    with pytest.raises(ConfigurationError, match=r"GCORE_API_KEY.*MODELARTS_ENDPOINT"):
        aitasks.Client.from_env()
    with pytest.raises(ConfigurationError):
        aitasks.Client()
