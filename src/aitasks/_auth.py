"""httpx.Auth flows for both providers: applied per request, so a caller's own http_client is never changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Generator

import httpx

from . import _signing

__all__ = ["AKSKAuth", "HeaderAuth", "RequestAuth"]


class RequestAuth(httpx.Auth):
    """Credentials set on one request in place: by httpx's auth flow on a caller's client, directly on an owned one."""

    def apply(self, request: httpx.Request) -> None:
        raise NotImplementedError  # pragma: no cover - each kind of credential defines it

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.apply(request)
        yield request


class HeaderAuth(RequestAuth):
    """Sets one credential header (Gcore `Authorization: apikey …`, ModelArts `X-Auth-Token`)."""

    __slots__ = ("_name", "_value")

    def __init__(self, name: str, value: str) -> None:
        self._name = name
        self._value = value

    def apply(self, request: httpx.Request) -> None:
        request.headers[self._name] = self._value

    def __repr__(self) -> str:
        return f"HeaderAuth({self._name!r}, '***')"


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


_SIGNABLE_SET = frozenset(("content-type", "host", "x-project-id", "x-sdk-date", "x-security-token"))
_SIGNABLE_RAW = {name.encode("ascii"): name for name in _SIGNABLE_SET}


class AKSKAuth(RequestAuth):
    """Signs each request (every retry again, with a fresh X-Sdk-Date) with AK/SK, as APIG requires."""

    requires_request_body = True
    # Only headers that no proxy or transport rewrites are signed; all present ones among them are.
    _SIGNABLE = tuple(sorted(_SIGNABLE_SET))

    def __init__(
        self,
        access_key: str,
        secret_key: str,
        project_id: str,
        security_token: str | None = None,
        clock: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        self._access_key, self._secret_key, self._project_id = access_key, secret_key, project_id
        self._security_token, self._clock = security_token, clock

    def apply(self, request: httpx.Request) -> None:
        """Add X-Sdk-Date, X-Project-Id, X-Security-Token and Authorization to the request."""
        sdk_date = self._clock().astimezone(dt.timezone.utc).strftime(_signing.DATE_FORMAT)
        headers = request.headers
        headers["X-Sdk-Date"] = sdk_date
        headers["X-Project-Id"] = self._project_id
        if self._security_token:
            headers["X-Security-Token"] = self._security_token
        # One pass over the headers. A value that is ASCII reads the same in every encoding Headers[name] might
        # pick, so Headers.encoding (a pass over all headers of its own) is only consulted for one that is not.
        present: dict[str, str] = {}
        for raw_name, raw_value in headers.raw:
            name = _SIGNABLE_RAW.get(raw_name.lower())
            if name is not None:
                try:
                    value = raw_value.decode("ascii")
                except UnicodeDecodeError:
                    value = raw_value.decode(headers.encoding)
                present[name] = f"{present[name]}, {value}" if name in present else value
        signed = [name for name in self._SIGNABLE if name in present]
        url = request.url
        raw_path = url.raw_path.split(b"?", 1)[0].decode("ascii")
        canonical = _signing.canonical_request(
            request.method, raw_path, url.query.decode("ascii"), present, signed, request.content
        )
        sig = _signing.signature(canonical, sdk_date, self._secret_key)
        headers["Authorization"] = _signing.authorization_header(self._access_key, signed, sig)

    def __repr__(self) -> str:
        return "AKSKAuth(access_key='***', secret_key='***')"
