"""What both providers and both I/O styles share: one request path, one reading of answers, one retry loop."""

from __future__ import annotations

import abc
import functools
import json
import logging
import math
import os
import re
import time
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import httpx

from . import _retry, _transport
from ._errors import AITasksError, APIError, Timeout, TransportError, UnexpectedResponse
from ._refs import TaskRef
from ._results import CancelResult, Outcome
from ._status import RETRYABLE_STATUSES, error_class
from ._version import __version__

if TYPE_CHECKING:
    import ssl

__all__ = ["AsyncProviderClient", "Provider", "Redactor", "SyncProviderClient"]

logger = logging.getLogger("aitasks")
logger.addHandler(logging.NullHandler())

MAX_MESSAGE = 300  # characters of provider text kept on results and errors
_JSON_SCAN_LIMIT = 1 << 20  # bodies larger than this are not parsed for a message
_CONNECT_TIMEOUT = 5.0
_USER_AGENT = f"aitasks/{__version__}"
_WHITESPACE = re.compile(r"\s+")
# C0 controls, DEL, C1 controls and characters beyond the BMP, i.e. [^\x20-\x7e\u00a0-\uffff] written as ranges:
# the negated form compiles to a 64K-entry table, ~5 ms at the first client construction.
# Control characters, lone surrogates (from JSON escapes; they cannot be encoded) and astral-plane characters.
_NON_PRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\U00010000-\U0010ffff]")
_SNIPPET_SCAN = 1 << 16  # bytes of a non-JSON body decoded (and redacted) before it is cut to MAX_MESSAGE
_CLEAN_CACHED_UP_TO = 512  # characters; providers repeat the same short messages, longer texts are not kept

T = TypeVar("T")


class Provider(abc.ABC):
    """What differs between clouds: refs, credentials, the generated call, and where messages live."""

    name: ClassVar[str]
    success_status: ClassVar[int]
    success_is_json: ClassVar[bool]
    finished_status: ClassVar[int | None] = None

    base_url: str
    auth: httpx.Auth
    redact: Redactor

    @abc.abstractmethod
    def ref(self, value: str | TaskRef) -> TaskRef:
        """Validate and normalise a ref for this provider."""

    @abc.abstractmethod
    def send(self, ref: TaskRef, client: Any) -> object:
        """Call the generated `sync_detailed` function and return its `parsed` value."""

    @abc.abstractmethod
    async def asend(self, ref: TaskRef, client: Any) -> object:
        """Call the generated `asyncio_detailed` function and return its `parsed` value."""

    @abc.abstractmethod
    def fields(self, parsed: object) -> tuple[str | None, str | None]:
        """(error_code, message) from a generated model, when it holds them."""


class Redactor:
    """Removes credentials a server might echo back; its repr shows none of them."""

    __slots__ = ("_values",)

    def __init__(self, *values: str | None) -> None:
        # Values too short to be real keys would also match ordinary words.
        self._values = tuple(v for v in values if v and len(v) >= 6)

    def __call__(self, text: str) -> str:
        for value in self._values:
            if value in text:
                text = text.replace(value, "***")
        return text

    def __repr__(self) -> str:
        return f"Redactor({len(self._values)} values hidden)"


class _Retry(Exception):
    """Internal: an attempt failed in a way worth repeating; carries the error to raise if none succeeds."""

    def __init__(self, error: AITasksError, delay: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.delay = delay


def _backoff_hook(exc: Exception) -> bool | float:
    """stamina hook: retry only our own retryable failures, waiting what the server asked for if it did."""
    if isinstance(exc, _Retry):
        return True if exc.delay is None else exc.delay
    return False


def _normalise(text: str) -> str:
    return _normalise_cached(text) if len(text) <= _CLEAN_CACHED_UP_TO else _normalise_text(text)


def _normalise_text(text: str) -> str:
    return _WHITESPACE.sub(" ", _NON_PRINTABLE.sub("", text)).strip()


_normalise_cached = functools.lru_cache(maxsize=256)(_normalise_text)


def _bounded(text: str, redact: Redactor) -> str:
    """Provider text made safe to show: printable, credentials redacted (before any cut), at most MAX_MESSAGE long."""
    text = redact(_normalise(text))
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def _body_fields(response: httpx.Response) -> tuple[str | None, str | None]:
    """(error_code, message) from any body: a JSON object's usual fields, else a bounded snippet of text."""
    content = response.content
    if not content.strip():
        return None, None
    if len(content) <= _JSON_SCAN_LIMIT and content.lstrip()[:1] == b"{":
        try:
            data = json.loads(content)
        except (ValueError, RecursionError):
            data = None
        if isinstance(data, dict):
            code = data.get("error_code", data.get("code"))
            for key in ("error_msg", "error_message", "error", "message", "detail", "result"):
                if isinstance(data.get(key), str):
                    return (code if isinstance(code, str) else None), data[key]
    return None, content[:_SNIPPET_SCAN].decode("utf-8", errors="replace")


class _Call:
    """One cancel of one ref: the facts every attempt needs, and the outcome logic they share."""

    __slots__ = ("attempts", "core", "maybe_applied", "ref", "strict")

    def __init__(self, core: _Core, ref: TaskRef, strict: bool) -> None:
        self.core = core
        self.ref = ref
        self.strict = strict
        self.attempts = 0
        # Set once an attempt may have cancelled the task without us seeing the answer (the request went out,
        # then a read timeout, a dropped connection or a 5xx): a later "already finished" may be our own doing.
        self.maybe_applied = False

    def transport_error(self, exc: httpx.HTTPError) -> _Retry | AITasksError:
        """Map an httpx exception; connection failures and timeouts are retried."""
        name, redact = self.core.provider.name, self.core.provider.redact
        if isinstance(exc, (httpx.ReadTimeout, httpx.ReadError, httpx.RemoteProtocolError)):
            self.maybe_applied = True
        if isinstance(exc, httpx.TimeoutException):
            return _Retry(Timeout(f"{name}: timed out ({type(exc).__name__})", provider=name))
        if isinstance(exc, httpx.TransportError):
            detail = _bounded(str(exc), redact) or "connection failed"
            return _Retry(TransportError(f"{name}: {type(exc).__name__}: {detail}", provider=name))
        detail = _bounded(str(exc), redact)
        text = f"{name}: the response could not be read: {detail}"
        return TransportError(text, provider=name, attempts=self.attempts)

    def outcome(self, response: httpx.Response, parsed: object, parse_failed: bool) -> CancelResult:
        """Turn one HTTP answer into a result, or raise the matching error (wrapped in _Retry if retryable)."""
        provider = self.core.provider
        status = response.status_code
        request_id = response.headers.get("X-Request-Id")
        error_code, message = (None, None) if parse_failed else provider.fields(parsed)
        if status == provider.success_status:
            if provider.success_is_json and (parse_failed or response.content.lstrip()[:1] != b"{"):
                _, snippet = _body_fields(response)
                detail = f"success status but the body is not a JSON object: {snippet}"
                raise self._error(UnexpectedResponse, status, None, detail, request_id)
            return self._result(Outcome.CANCELLED, status, message, request_id)
        if status == provider.finished_status and self.maybe_applied:
            return self._result(Outcome.CANCELLED, status, message, request_id)
        if status == provider.finished_status and not self.strict:
            return self._result(Outcome.ALREADY_FINISHED, status, message, request_id)
        if message is None:
            error_code, message = _body_fields(response)
        error = self._error(error_class(provider.name, status), status, error_code, message, request_id)
        if status in RETRYABLE_STATUSES:
            self.maybe_applied = self.maybe_applied or status >= 500
            raise _Retry(error, _retry.retry_after(response))
        raise error

    def _result(self, outcome: Outcome, status: int, message: str | None, request_id: str | None) -> CancelResult:
        redact = self.core.provider.redact
        text = _bounded(message, redact) if isinstance(message, str) else None
        request = _bounded(request_id, redact) if request_id else None
        return CancelResult(self.ref, outcome, status, text, request, self.attempts)

    def _error(
        self, cls: type[APIError], status: int, code: str | None, message: str | None, request_id: str | None
    ) -> APIError:
        redact = self.core.provider.redact
        return cls(
            _bounded(message, redact) if isinstance(message, str) else None,
            provider=self.core.provider.name,
            status_code=status,
            error_code=_bounded(code, redact) if isinstance(code, str) else None,
            request_id=_bounded(request_id, redact) if request_id else None,
            attempts=self.attempts,
        )

    def settle(self, exchange: _Exchange, started: float, parsed: object, failure: Exception | None) -> CancelResult:
        """Map how one attempt ended (an answer, a parse failure or an httpx error) to a result or an error."""
        if isinstance(failure, httpx.HTTPError):
            self.log(None, started, type(failure).__name__)
            raise self.transport_error(failure) from None
        response = exchange.response
        if failure is not None and (response is None or not isinstance(failure, _PARSE_ERRORS)):
            raise failure
        assert response is not None
        self.log(response, started)
        return self.outcome(response, parsed, parse_failed=failure is not None)

    def log(self, response: httpx.Response | None, started: float, error: str | None = None) -> None:
        """One DEBUG line per attempt: method, path, status, attempt, elapsed; never headers."""
        if logger.isEnabledFor(logging.DEBUG):
            path = response.request.url.raw_path.decode("ascii", "replace") if response is not None else "-"
            logger.debug(
                "POST %s -> %s attempt=%d elapsed=%.1fms",
                path,
                response.status_code if response is not None else error,
                self.attempts,
                (time.perf_counter() - started) * 1000,
            )


class _Exchange:
    """Stands in for the generated Client: sends with our auth, timeout and no redirects, and keeps the response."""

    __slots__ = ("_core", "response")
    raise_on_unexpected_status = False

    def __init__(self, core: _Core) -> None:
        self._core = core
        self.response: httpx.Response | None = None

    def _options(self, url: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        core = self._core
        return {
            "url": core.base_url + url,
            "auth": core.provider.auth,
            "timeout": core.timeout,
            "follow_redirects": False,
            **kwargs,
        }


class _SyncExchange(_Exchange):
    """The generated `sync_detailed` calls `get_httpx_client().request(...)`."""

    __slots__ = ()

    def get_httpx_client(self) -> _SyncExchange:
        return self

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        http: httpx.Client = self._core.http  # type: ignore[assignment]
        self.response = http.request(method, **self._options(url, kwargs))
        return self.response


class _AsyncExchange(_Exchange):
    """The generated `asyncio_detailed` calls `get_async_httpx_client().request(...)`."""

    __slots__ = ()

    def get_async_httpx_client(self) -> _AsyncExchange:
        return self

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        http: httpx.AsyncClient = self._core.http  # type: ignore[assignment]
        self.response = await http.request(method, **self._options(url, kwargs))
        return self.response


# What a generated parser raises on a body it cannot read (JSONDecodeError is a ValueError; so is a
# non-IANA status such as 520 in HTTPStatus()).
_PARSE_ERRORS = (ValueError, TypeError, KeyError, AttributeError, UnicodeDecodeError, RecursionError)


class _Core:
    """Settings and the shared outcome logic behind every provider client."""

    def __init__(
        self,
        provider: Provider,
        *,
        timeout: httpx.Timeout,
        max_retries: int,
        http: httpx.Client | httpx.AsyncClient,
        owns_http: bool,
    ) -> None:
        self.provider = provider
        self.base_url = provider.base_url
        self.timeout = timeout
        self.max_retries = max_retries
        self.http = http
        self.owns_http = owns_http


def _timeout(value: float) -> httpx.Timeout:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf:
        raise ValueError(f"timeout must be a positive, finite number of seconds, got {value!r}")
    return httpx.Timeout(float(value), connect=min(_CONNECT_TIMEOUT, float(value)))


def _max_retries(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"max_retries must be a whole number >= 0, got {value!r}")
    return value


def _verify() -> ssl.SSLContext:
    """What httpx builds for verify=True, built once per process (loading the CA bundle takes ~20 ms).

    Keyed on the two variables httpx reads, so a changed SSL_CERT_FILE or SSL_CERT_DIR still takes effect.
    """
    return _ssl_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.lru_cache(maxsize=4)
def _ssl_context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    return httpx.create_ssl_context()


def _stamina() -> Any:
    """stamina, imported once something failed; its retry WARNINGs reach the app's handlers, never bare stderr."""
    import stamina

    # A library leaves logging to the application: like our own logger, stamina's gets a NullHandler so an
    # app without logging configured sees no "stamina.retry_scheduled" lines (configured handlers still do).
    stamina_logger = logging.getLogger("stamina")
    if not stamina_logger.handlers:
        stamina_logger.addHandler(logging.NullHandler())
    return stamina


def _stamina_kwargs(core: _Core) -> dict[str, Any]:
    return {"on": _backoff_hook, "attempts": core.max_retries + 1, "timeout": None, **_retry.waits()}


class _ClientBase:
    """Construction, repr and the ref check shared by the sync and async provider clients."""

    _core: _Core
    _http_class: ClassVar[type[httpx.Client] | type[httpx.AsyncClient]]

    def __init__(
        self,
        provider: Provider,
        *,
        timeout: float,
        max_retries: int,
        http_client: httpx.Client | httpx.AsyncClient | None,
    ) -> None:
        cls = self._http_class
        if http_client is not None and not isinstance(http_client, cls):
            raise TypeError(f"http_client must be an httpx.{cls.__name__}, not {type(http_client).__name__}")
        timeout_, retries = _timeout(timeout), _max_retries(max_retries)  # checked before a client is opened
        owns = http_client is None
        http = http_client or _transport.owned_client(cls, headers={"User-Agent": _USER_AGENT}, verify=_verify())
        self._core = _Core(provider, timeout=timeout_, max_retries=retries, http=http, owns_http=owns)

    def _finish(self, exc: _Retry, call: _Call) -> AITasksError:
        error = exc.error
        error.attempts = call.attempts  # type: ignore[attr-defined]
        return error

    def __repr__(self) -> str:
        core = self._core
        return (
            f"{type(self).__name__}(base_url={core.base_url!r}, timeout={core.timeout.read}, "
            f"max_retries={core.max_retries})"
        )


class SyncProviderClient(_ClientBase):
    """Blocking client for one provider; owns a pooled httpx.Client unless given one."""

    _http_class = httpx.Client

    def cancel(self, ref: str | TaskRef, *, strict: bool = False) -> CancelResult:
        """Cancel one task; ALREADY_FINISHED (or TaskAlreadyFinished when strict) if it was no longer running."""
        call = _Call(self._core, self._core.provider.ref(ref), strict)
        try:
            return self._attempt(call)
        except _Retry as first:
            if self._core.max_retries == 0:
                raise self._finish(first, call) from None
            pending: _Retry | None = first
        stamina = _stamina()

        try:
            for attempt in stamina.retry_context(**_stamina_kwargs(self._core)):
                with attempt:
                    # The first failure already happened outside stamina; replaying it here makes
                    # stamina schedule the first wait, and the real retries follow.
                    if pending is not None:
                        replay, pending = pending, None
                        raise replay
                    return self._attempt(call)
        except _Retry as last:
            raise self._finish(last, call) from None
        raise AssertionError("unreachable: stamina ended without a result or an error")  # pragma: no cover

    def _attempt(self, call: _Call) -> CancelResult:
        call.attempts += 1
        exchange = _SyncExchange(self._core)
        started = time.perf_counter()
        try:
            parsed = self._core.provider.send(call.ref, exchange)
        except Exception as exc:
            return call.settle(exchange, started, None, exc)
        return call.settle(exchange, started, parsed, None)

    def close(self) -> None:
        """Close the pooled connections, unless the http_client was the caller's."""
        if self._core.owns_http:
            self._core.http.close()  # type: ignore[union-attr]

    def __enter__(self: T) -> T:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncProviderClient(_ClientBase):
    """Asyncio client for one provider; owns a pooled httpx.AsyncClient unless given one."""

    _http_class = httpx.AsyncClient

    async def cancel(self, ref: str | TaskRef, *, strict: bool = False) -> CancelResult:
        """Cancel one task; ALREADY_FINISHED (or TaskAlreadyFinished when strict) if it was no longer running."""
        call = _Call(self._core, self._core.provider.ref(ref), strict)
        try:
            return await self._attempt(call)
        except _Retry as first:
            if self._core.max_retries == 0:
                raise self._finish(first, call) from None
            pending: _Retry | None = first
        stamina = _stamina()

        try:
            async for attempt in stamina.retry_context(**_stamina_kwargs(self._core)):
                with attempt:
                    if pending is not None:  # replay the first failure: see SyncProviderClient.cancel
                        replay, pending = pending, None
                        raise replay
                    return await self._attempt(call)
        except _Retry as last:
            raise self._finish(last, call) from None
        raise AssertionError("unreachable: stamina ended without a result or an error")  # pragma: no cover

    async def _attempt(self, call: _Call) -> CancelResult:
        call.attempts += 1
        exchange = _AsyncExchange(self._core)
        started = time.perf_counter()
        try:
            parsed = await self._core.provider.asend(call.ref, exchange)
        except Exception as exc:
            return call.settle(exchange, started, None, exc)
        return call.settle(exchange, started, parsed, None)

    async def aclose(self) -> None:
        """Close the pooled connections, unless the http_client was the caller's."""
        if self._core.owns_http:
            await self._core.http.aclose()  # type: ignore[union-attr]

    async def __aenter__(self: T) -> T:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
