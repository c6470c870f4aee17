"""One error tree for both clouds (docs/guide/errors.md), so callers catch by meaning rather than by vendor."""

from __future__ import annotations

from collections.abc import Mapping


class AITasksError(Exception):
    """Root of every error this library raises on purpose."""

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only fields do not survive the default Exception pickling (process pools, task queues).
        return (_rebuild, (type(self), self.args, self.__dict__.copy()))


def _rebuild(cls: type[AITasksError], args: tuple[object, ...], state: dict[str, object]) -> AITasksError:
    err = cls.__new__(cls)
    err.args = args
    err.__dict__.update(state)
    return err


class ConfigurationError(AITasksError):
    """Credentials or endpoint are missing or invalid; raised before any request is sent."""


class InvalidTaskRef(AITasksError, ValueError):
    """A task reference or id that could not travel as one safe path segment."""


class APIError(AITasksError):
    """The provider answered, and the answer was not a cancellation."""

    def __init__(
        self,
        message: str | None,
        *,
        provider: str,
        status_code: int,
        error_code: str | None = None,
        request_id: str | None = None,
        attempts: int = 1,
    ) -> None:
        self.message, self.provider, self.status_code = message, provider, status_code
        self.error_code, self.request_id, self.attempts = error_code, request_id, attempts
        parts = [f"{provider}: HTTP {status_code}", f"[{error_code}]" if error_code else "", message or ""]
        text = " ".join(part for part in parts if part)
        super().__init__(text + (f" (request id {request_id})" if request_id else ""))


class BadRequest(APIError):
    """HTTP 400: the provider rejected the request."""


class AuthenticationError(APIError):
    """HTTP 401: the credentials were not accepted."""


class PermissionDenied(APIError):
    """HTTP 403: the credentials may not act on this project or task."""


class TaskNotFound(APIError):
    """HTTP 404: no such task (or dataset)."""


class TaskAlreadyFinished(APIError):
    """HTTP 412 with strict=True: the task had already finished or been cancelled."""


class FeatureDisabled(APIError):
    """HTTP 422 (Gcore): AI tasks are not enabled for this account."""


class RateLimited(APIError):
    """HTTP 429 after every retry: the provider is overloaded or the account over its rate."""


class QueueLimitReached(RateLimited):
    """Gcore's HTTP 400 "Queue limit reached (…), try later" after every retry: a rate limit by another status."""


class ServerError(APIError):
    """HTTP 5xx after every retry."""


class UnexpectedResponse(APIError):
    """A status the provider does not document for this call, a body that does not parse, or one over the cap."""


class IncompleteListing(UnexpectedResponse):
    """Raised after every readable task was yielded; `.problems` names each item lost and why the listing stopped."""

    def __init__(self, provider: str, problems: list[str]) -> None:
        self.problems = tuple(problems)
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        super().__init__(f"the listing is incomplete: {shown}", provider=provider, status_code=200)


class TransportError(AITasksError):
    """No usable answer came back: connection refused, reset or closed, after every retry."""

    def __init__(self, message: str, *, provider: str, attempts: int = 1) -> None:
        self.provider, self.attempts = provider, attempts
        super().__init__(message)


class Timeout(TransportError):
    """An attempt passed its deadline (connect to the last byte of the body), after every retry."""


# Statuses every provider may answer (gateways, rate limiters and servers speak plain HTTP).
_COMMON: Mapping[int, type[APIError]] = {
    400: BadRequest,
    401: AuthenticationError,
    403: PermissionDenied,
    404: TaskNotFound,
    429: RateLimited,
}
# Nothing was done and a later attempt may succeed: throttling, and servers or gateways failing for a while.
_TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})
# The provider says it is over capacity: bulk runs send fewer calls at once (see _adaptive).
_OVERLOAD_STATUSES = frozenset({429, 503})


def error_class(
    status: int, message: str | None, own: Mapping[int, type[APIError]], queue_limit: tuple[int, str] | None
) -> type[APIError]:
    """The error for an answer that is not a result: the provider's own meanings first, then plain HTTP's."""
    if queue_limit and status == queue_limit[0] and (message or "").lstrip().lower().startswith(queue_limit[1]):
        return QueueLimitReached
    cls = own.get(status) or _COMMON.get(status)
    if cls is not None:
        return cls
    if 500 <= status <= 599:
        return ServerError
    return UnexpectedResponse


def is_transient(status: int, cls: type[APIError]) -> bool:
    """Worth another attempt after a wait: throttled, queue full, or a server error that may pass."""
    return status in _TRANSIENT_STATUSES or cls is QueueLimitReached


def is_overload(status: int, cls: type[APIError]) -> bool:
    """The provider signals it has too much to do (429, 503, or Gcore's queue limit)."""
    return status in _OVERLOAD_STATUSES or cls is QueueLimitReached
