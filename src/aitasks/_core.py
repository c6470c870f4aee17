"""One request path for every operation of every provider: build, send, read within bounds, settle, retry."""

from __future__ import annotations

import abc
import asyncio
import contextlib
import datetime as dt
import email.utils
import functools
import json
import logging
import random
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import attrs
import httpx

from ._adaptive import AsyncGate, SyncGate
from ._errors import AITasksError, APIError, Timeout, TransportError, UnexpectedResponse, error_class, is_transient
from ._refs import TaskRef
from ._text import Redactor, body_fields, bounded
from ._wire import ACCEPT, BodyRefused, Reply, asend, send

if TYPE_CHECKING:
    from ._auth import RequestAuth
    from ._results import CancelResult
    from ._tasks import Page, Task, TaskState


logger = logging.getLogger("aitasks")
logger.addHandler(logging.NullHandler())

# The request may have reached the provider when these end an attempt (as may a 5xx answer).
_MAYBE_APPLIED = (httpx.ReadTimeout, httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError, TimeoutError)

R = TypeVar("R")
Gate = SyncGate | AsyncGate
# A call without its I/O: yields each step as a callable (the sync driver calls it, the asyncio one awaits the call)
# and gets back what it returned: a gate's ticket, a request's Reply, a pause's None; returns R.
Plan = Generator[Callable[[], Any], Any, R]


@attrs.frozen
class Operation(Generic[R]):
    """One call, described once for sync and async: the generated request, the statuses it answers, its result."""

    name: str
    request: Mapping[str, Any]  # what the generated `request_args` returns: method, url, params, json, headers
    answers: frozenset[int]  # statuses `result` turns into a value; every other status is an error
    result: Callable[[Answer], R]
    repeatable: bool = True  # safe to send again when an earlier attempt may have been applied


# One listing: a page number in, the call that reads that page out (pages are numbered from 0 or 1 by provider).
Listing = tuple[int, Callable[[int], "Operation[Page]"]]


class Provider(abc.ABC):
    """One cloud, declared in its own module: ref grammar, statuses, credentials, errors and operations."""

    name: ClassVar[str]
    # What a native ref names before "/TASK_ID" ("dataset id" on ModelArts), and a listing may be narrowed to.
    scope: ClassVar[str | None] = None
    states: ClassVar[Mapping[str | int, TaskState]]  # the provider's own statuses and the state each means
    variables: ClassVar[Mapping[str, str]]  # the environment variables it reads, and what each holds
    errors: ClassVar[Mapping[int, type[APIError]]] = {}  # statuses only this provider gives a meaning
    queue_limit: ClassVar[tuple[int, str] | None] = None  # (status, message prefix) of an overload in disguise
    base_url: str
    auth: RequestAuth
    redact: Redactor

    @classmethod
    @abc.abstractmethod
    def status(cls, value: object) -> str | int:
        """One status to filter a listing by, checked before any I/O: one the provider documents."""

    def ref(self, value: str | TaskRef) -> TaskRef:
        return TaskRef.parse(value, self.name)

    @abc.abstractmethod
    def cancel(self, ref: TaskRef, strict: bool) -> Operation[CancelResult]:
        """The stop call for one task."""

    @abc.abstractmethod
    def get(self, ref: TaskRef) -> Operation[Task]:
        """The call that reads one task."""


class Answer:
    """One attempt's reply as an operation's `result` reads it: status, body, and how the call got there."""

    __slots__ = ("applied", "attempts", "core", "parsed", "reply")

    def __init__(self, core: Core, reply: Reply, attempts: int, applied: bool) -> None:
        self.core, self.reply, self.attempts = core, reply, attempts
        self.applied = applied  # an earlier attempt may have been applied without our seeing its answer
        self.parsed: dict[str, Any] | None = None  # the body, once `data` has read it

    @property
    def status(self) -> int:
        return self.reply.status

    def data(self, what: str = "the body") -> dict[str, Any]:
        """The body as a JSON object, or UnexpectedResponse saying why it is not one."""
        try:
            data = json.loads(self.reply.body)
        except (ValueError, RecursionError) as exc:
            raise self.error(UnexpectedResponse, f"{what} is not JSON ({type(exc).__name__})") from None
        if not isinstance(data, dict):
            raise self.error(UnexpectedResponse, f"{what} is a JSON {type(data).__name__}, not an object")
        self.parsed = data
        return data

    def fields(self, snippet: bool = True) -> tuple[str | None, str | None]:
        """(error_code, message) from the body's usual fields, else (with `snippet`) its text; safe to show."""
        code, message = body_fields(self.reply.body, snippet, self.parsed)
        redact = self.core.provider.redact
        return bounded(code, redact), bounded(message, redact)

    def request_id(self) -> str | None:
        return bounded(self.reply.headers.get("X-Request-Id"), self.core.provider.redact)

    def error(self, cls: type[APIError] | None = None, detail: str | None = None) -> APIError:
        """The error for this answer: by default the class the status maps to, with the provider's message."""
        p, (code, message), rid = self.core.provider, self.fields(), self.request_id()
        if cls is None:
            cls = error_class(self.status, message, p.errors, p.queue_limit)
        if detail is not None:
            message = bounded(f"{detail}: {message}" if message else detail, p.redact)
        return cls(
            message, provider=p.name, status_code=self.status, error_code=code, request_id=rid, attempts=self.attempts
        )

    def failure(self) -> AITasksError:
        """The typed error for an attempt that ended without a complete answer."""
        failure, name = self.reply.failure, self.core.provider.name
        if isinstance(failure, BodyRefused):  # the body was cut where it was refused: it may end in part of a secret
            return UnexpectedResponse(
                str(failure),
                provider=name,
                status_code=self.status,
                request_id=self.request_id(),
                attempts=self.attempts,
            )
        if isinstance(failure, TimeoutError):
            text = f"{name}: timed out (no complete answer within {self.core.seconds:g} s)"
            return Timeout(text, provider=name, attempts=self.attempts)
        if isinstance(failure, httpx.TimeoutException):
            return Timeout(f"{name}: timed out ({type(failure).__name__})", provider=name, attempts=self.attempts)
        detail = bounded(str(failure), self.core.provider.redact) or "connection failed"
        return TransportError(f"{name}: {type(failure).__name__}: {detail}", provider=name, attempts=self.attempts)


# The retry policy of `Core.call`: waits grow exponentially with jitter, as the official Gcore SDK's; a Retry-After is
# used instead when short enough, plus a random share of itself, so callers told the same wait do not return together.
WAIT_INITIAL = 0.5  # seconds before the first retry (plus jitter)
WAIT_JITTER = 0.5  # up to this much random extra per wait
WAIT_MAX = 8.0  # no exponential wait is longer, and no Retry-After gets more jitter than this
MAX_RETRY_AFTER = 60.0  # a server's Retry-After is honoured up to this

_testing = [False]  # set by no_backoff(): every wait is zero


def backoff(retry: int, headers: httpx.Headers | None) -> float:
    """Seconds before retry number `retry` (1, 2, ...): the server's Retry-After if usable, else exponential."""
    if _testing[0]:
        return 0.0
    asked = retry_after(headers) if headers is not None else None
    if asked is not None:
        return asked
    return min(WAIT_INITIAL * 2.0 ** (retry - 1), WAIT_MAX) + random.uniform(0.0, WAIT_JITTER)


@contextlib.contextmanager
def no_backoff() -> Iterator[None]:
    """Within the block, retries happen at once, with the configured number of attempts (for tests)."""
    before, _testing[0] = _testing[0], True
    try:
        yield
    finally:
        _testing[0] = before


def retry_after(headers: httpx.Headers) -> float | None:
    """Seconds to wait when the server asked for at most MAX_RETRY_AFTER, jittered upwards; None otherwise."""
    value = headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.timezone.utc)
        seconds = max(0.0, (when - dt.datetime.now(dt.timezone.utc)).total_seconds())
    if seconds > MAX_RETRY_AFTER:
        return None
    return seconds + random.uniform(0.0, min(max(WAIT_JITTER, seconds), WAIT_MAX))


class Core:
    """Settings shared by every call of one provider client, and the one request path."""

    def __init__(self, provider: Provider, timeout: float, max_retries: int, http: Any, owns: bool) -> None:
        self.provider, self.base_url, self.max_retries = provider, provider.base_url, max_retries
        self.seconds, self.timeout = timeout, httpx.Timeout(timeout, connect=min(5.0, timeout))
        self.http, self.owns_http = http, owns
        self.accept = {} if owns else ACCEPT  # the encodings decoded under the cap: an owned client asks for them
        aio = isinstance(http, httpx.AsyncClient)  # then each step's call returns an awaitable
        self.send: Callable[..., Any] = asend if aio else send
        self.sleep: Callable[[float], Any] = asyncio.sleep if aio else time.sleep

    def call(self, op: Operation[R], gate: Gate | None = None, deadline: float | None = None) -> Plan[R]:
        """The retry loop without its I/O: enter the gate, send the request, read its Reply, pause and try again."""
        applied = False  # an attempt may have been applied without our seeing its answer (read error, 5xx)
        crowded = 0  # retries not counted (at most max_retries): rate limits met beside other attempts of a bulk run
        args = op.request
        headers = {**self.accept, **args.get("headers", {})} or None
        for attempt in range(1, 2 * self.max_retries + 2):  # max_retries + 1 counted, max_retries more not
            started = time.perf_counter()
            request = self.http.build_request(
                args["method"],
                self.base_url + args["url"],
                params=args.get("params"),
                json=args.get("json"),
                headers=headers,
                timeout=self.timeout,
            )
            ticket = (yield gate.enter) if gate is not None else 0
            error: BaseException | None = None  # how the attempt ended, for the gate: None is a result
            try:
                reply: Reply = yield functools.partial(self.send, self.http, request, self.provider.auth, self.seconds)
                answer = Answer(self, reply, attempt, applied)
                self._log(op, reply.status or type(reply.failure).__name__, attempt, started)
                if reply.failure is None and reply.status in op.answers:
                    return op.result(answer)
                failed: AITasksError
                if reply.failure is None:
                    error = failed = answer.error()
                    transient = is_transient(reply.status, type(failed))
                    applied |= reply.status >= 500
                else:
                    error = failed = answer.failure()
                    transient = not isinstance(reply.failure, BodyRefused)
                    applied |= isinstance(reply.failure, _MAYBE_APPLIED)
            except BaseException as exc:  # the result's own error, a bug, or a cancellation: the slot is given back
                error = exc
                raise
            finally:
                if gate is not None and gate.leave(ticket, error) and crowded < self.max_retries:
                    crowded += 1
            pause = backoff(attempt, reply.headers)
            late = deadline is not None and time.monotonic() + pause >= deadline
            if not transient or attempt - crowded > self.max_retries or (applied and not op.repeatable) or late:
                raise failed
            yield functools.partial(self.sleep, pause)
        raise AssertionError("unreachable: the last attempt returns or raises")  # pragma: no cover

    def _log(self, op: Operation[Any], outcome: object, attempt: int, started: float) -> None:
        """One DEBUG line per attempt: operation, status or error, attempt, elapsed; never headers."""
        if logger.isEnabledFor(logging.DEBUG):
            elapsed, name = (time.perf_counter() - started) * 1000, self.provider.name
            logger.debug("%s %s -> %s attempt=%d elapsed=%.1fms", name, op.name, outcome, attempt, elapsed)
