"""One request path for every operation of both providers: send, read within bounds, settle, retry."""

from __future__ import annotations

import abc
import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import attrs
import httpx

from . import _retry, _status
from ._adaptive import AsyncGate, Signal, SyncGate
from ._auth import RequestAuth
from ._errors import AITasksError, APIError, Timeout, TransportError, UnexpectedResponse
from ._refs import TaskRef
from ._results import CancelResult
from ._text import Redactor, body_fields, bounded
from ._wire import AsyncExchange, AsyncSender, BodyRefused, Parsed, Sender, SyncExchange, within

if TYPE_CHECKING:
    from ._tasks import Page, Task

__all__ = ["Call", "Core", "Operation", "Provider"]

logger = logging.getLogger("aitasks")
logger.addHandler(logging.NullHandler())
# A library leaves logging to the application: stamina's retry WARNINGs reach its handlers, never bare stderr.
logging.getLogger("stamina").addHandler(logging.NullHandler())

# What a generated parser raises on a body it cannot read (a non-IANA status such as 520 is a ValueError).
_PARSE_ERRORS = (ValueError, TypeError, KeyError, AttributeError, UnicodeDecodeError, RecursionError)
# The request may have reached the provider when these end an attempt (as may a 5xx answer).
_MAYBE_APPLIED = (httpx.ReadTimeout, httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError)
_DEADLINE = (TimeoutError, asyncio.TimeoutError)  # the attempt's own deadline (they differ on Python 3.10)

R = TypeVar("R")
M = TypeVar("M")


class Provider(abc.ABC):
    """What differs between clouds: refs, credentials, the meaning of their own statuses, where messages live."""

    name: ClassVar[str]
    errors: ClassVar[Mapping[int, type[APIError]]] = {}  # statuses only this provider gives a meaning
    queue_limit: ClassVar[tuple[int, str] | None] = None  # (status, message prefix) of an overload in disguise
    base_url: str
    auth: RequestAuth
    redact: Redactor

    @abc.abstractmethod
    def ref(self, value: str | TaskRef) -> TaskRef:
        """Validate and normalise a ref for this provider."""

    @abc.abstractmethod
    def fields(self, parsed: object) -> tuple[str | None, str | None]:
        """(error_code, message) from a generated model, when it holds them."""

    @abc.abstractmethod
    def cancel(self, ref: TaskRef, strict: bool) -> Operation[CancelResult]:
        """The stop call for one task."""

    @abc.abstractmethod
    def get(self, ref: TaskRef) -> Operation[Task]:
        """The call that reads one task."""


# One listing: a page number in, the call that reads that page out (pages are numbered from 0 or 1 by provider).
Listing = Callable[[int], "Operation[Page]"]


@attrs.frozen
class Operation(Generic[R]):
    """One generated call with its arguments bound: how it is sent, which statuses answer it, what it returns."""

    name: str
    send: Callable[[Sender], Parsed]  # the generated `sync_detailed`, given our exchange as its client
    asend: Callable[[AsyncSender], Awaitable[Parsed]]  # the generated `asyncio_detailed`
    answers: frozenset[int]  # statuses `result` turns into a value; every other status is an error
    result: Callable[[Call[R]], R]
    repeatable: bool = True  # safe to send again when an earlier attempt may have been applied


class Verdict:
    """stamina's `on` hook: whether (or after how long) to retry the error just raised, as `settle` decided.

    It holds nothing else: stamina's retry state is freed by the cyclic GC, and anything the hook references
    (a call's request, response and model) would wait for it too, where refcounting frees it at once.
    """

    __slots__ = ("wait",)

    def __init__(self) -> None:
        self.wait: bool | float = False

    def __call__(self, exc: Exception) -> bool | float:
        return self.wait if isinstance(exc, AITasksError) else False


class Call(Generic[R]):
    """One operation on one provider: the attempts so far and the answer of the latest."""

    __slots__ = ("attempts", "core", "maybe_applied", "op", "parse_failed", "parsed", "response", "verdict")

    def __init__(self, core: Core, op: Operation[R]) -> None:
        self.core, self.op = core, op
        self.attempts = 0
        # Set once an attempt may have been applied without our seeing the answer (a read error, a 5xx).
        self.maybe_applied = False
        self.verdict = Verdict()  # what the retry hook answers for the error just raised
        self.response: httpx.Response | None = None
        self.parsed: object = None
        self.parse_failed = False

    @property
    def status(self) -> int:
        assert self.response is not None
        return self.response.status_code

    def message(self) -> str | None:
        """The provider's message in the documented body, made safe to show."""
        return self.fields(fallback=False)[1]

    def fields(self, fallback: bool = True) -> tuple[str | None, str | None]:
        """(error_code, message) from the documented body, else (with `fallback`) from whatever the body holds."""
        provider, response = self.core.provider, self.response
        code, message = (None, None) if self.parse_failed else provider.fields(self.parsed)
        if message is None and fallback and response is not None:
            code, message = body_fields(response.content)
        return bounded(code, provider.redact), bounded(message, provider.redact)

    def request_id(self) -> str | None:
        value = self.response.headers.get("X-Request-Id") if self.response is not None else None
        return bounded(value, self.core.provider.redact)

    def error(self, cls: type[APIError] | None = None, detail: str | None = None) -> APIError:
        """The error for this answer: by default the class the status maps to, with the provider's message."""
        code, message = self.fields()
        if cls is None:
            p = self.core.provider
            cls = _status.error_class(self.status, message, p.errors, p.queue_limit)
        if detail is not None:
            message = bounded(f"{detail}: {message}" if message else detail, self.core.provider.redact)
        return cls(
            message,
            provider=self.core.provider.name,
            status_code=self.status,
            error_code=code,
            request_id=self.request_id(),
            attempts=self.attempts,
        )

    def model(self, cls: type[M]) -> M:
        """The parsed body as the documented model, or UnexpectedResponse when it is not one."""
        response = self.response
        if not isinstance(self.parsed, cls) or response is None or response.content.lstrip()[:1] != b"{":
            raise self.error(UnexpectedResponse, "the body is not the documented JSON object")
        return self.parsed

    def settle(self, failure: Exception | None) -> R:
        """Turn how the attempt ended into the operation's result, or raise (setting the verdict when worth a retry)."""
        verdict = self.verdict
        verdict.wait = False
        name, attempts = self.core.provider.name, self.attempts
        if isinstance(failure, BodyRefused):
            raise self.error(UnexpectedResponse, str(failure))
        if isinstance(failure, (httpx.HTTPError, *_DEADLINE)):
            self.maybe_applied |= isinstance(failure, (*_MAYBE_APPLIED, *_DEADLINE))
            verdict.wait = self.op.repeatable or not self.maybe_applied
            if isinstance(failure, _DEADLINE):
                text = f"{name}: timed out (no complete answer within {self.core.seconds:g} s)"
                raise Timeout(text, provider=name, attempts=attempts)
            if isinstance(failure, httpx.TimeoutException):
                raise Timeout(f"{name}: timed out ({type(failure).__name__})", provider=name, attempts=attempts)
            detail = bounded(str(failure), self.core.provider.redact) or "connection failed"
            raise TransportError(f"{name}: {type(failure).__name__}: {detail}", provider=name, attempts=attempts)
        if failure is not None and (self.response is None or not isinstance(failure, _PARSE_ERRORS)):
            raise failure
        self.parse_failed = failure is not None
        status = self.status
        if status in self.op.answers:
            return self.op.result(self)
        error = self.error()
        if _status.is_transient(status, type(error)):
            self.maybe_applied |= status >= 500
            if self.op.repeatable or not self.maybe_applied:
                verdict.wait = _retry.retry_after(self.response.headers) or True  # type: ignore[union-attr]
        raise error

    def log(self, started: float, outcome: object) -> None:
        """One DEBUG line per attempt: operation, status or error, attempt, elapsed; never headers."""
        if logger.isEnabledFor(logging.DEBUG):
            elapsed = (time.perf_counter() - started) * 1000
            logger.debug("%s %s -> %s attempt=%d elapsed=%.1fms", self.core.provider.name, self.op.name, outcome,
                         self.attempts, elapsed)  # fmt: skip


class Core:
    """Settings shared by every call of one provider client."""

    def __init__(self, provider: Provider, timeout: float, max_retries: int, http: Any, owns: bool) -> None:
        self.provider, self.base_url, self.max_retries = provider, provider.base_url, max_retries
        self.seconds = timeout
        self.timeout = httpx.Timeout(timeout, connect=min(5.0, timeout))
        self.http, self.owns_http = http, owns
        # An owned client's requests go straight to the transport httpx picks for base_url (its proxy, if the
        # environment names one): no cookie jar, event hooks or redirects to pass through, which is about a
        # quarter of httpx's per-call cost (`make bench`). A caller's client is used through its own `send`.
        self.transport = http._transport_for_url(httpx.URL(self.base_url)) if owns else None
        self.headers: httpx.Headers = http.headers
        self.extensions = {"timeout": self.timeout.as_dict()}

    def run(self, op: Operation[R], gate: SyncGate | None = None) -> R:
        """The one request path, blocking: attempts in stamina's retry loop, each through the gate if given."""
        call = Call(self, op)
        for attempt in _retry.attempts(call.verdict, self.max_retries + 1):
            with attempt:
                return self._attempt(call) if gate is None else self._gated(call, gate)
        raise AssertionError("unreachable: stamina ended without a result or an error")  # pragma: no cover

    def _gated(self, call: Call[R], gate: SyncGate) -> R:
        ticket, outcome = gate.enter(), None
        try:
            return self._attempt(call)
        except AITasksError as exc:
            outcome = exc
            raise
        finally:
            gate.leave(ticket, Signal.of(outcome))

    def _attempt(self, call: Call[R]) -> R:
        call.attempts += 1
        started = time.perf_counter()
        try:
            call.parsed = call.op.send(SyncExchange(call)).parsed
        except Exception as exc:
            call.log(started, type(exc).__name__)
            return call.settle(exc)
        call.log(started, call.status)
        return call.settle(None)

    async def arun(self, op: Operation[R], gate: AsyncGate | None = None) -> R:
        """The same path for asyncio; each attempt also runs under an asyncio timeout."""
        call = Call(self, op)
        async for attempt in _retry.attempts(call.verdict, self.max_retries + 1):
            with attempt:
                return await (self._aattempt(call) if gate is None else self._agated(call, gate))
        raise AssertionError("unreachable: stamina ended without a result or an error")  # pragma: no cover

    async def _agated(self, call: Call[R], gate: AsyncGate) -> R:
        ticket, outcome = await gate.enter(), None
        try:
            return await self._aattempt(call)
        except AITasksError as exc:
            outcome = exc
            raise
        finally:
            gate.leave(ticket, Signal.of(outcome))

    async def _aattempt(self, call: Call[R]) -> R:
        call.attempts += 1
        started = time.perf_counter()
        try:
            call.parsed = (await within(self.seconds, call.op.asend(AsyncExchange(call)))).parsed
        except Exception as exc:
            call.log(started, type(exc).__name__)
            return call.settle(exc)
        call.log(started, call.status)
        return call.settle(None)
