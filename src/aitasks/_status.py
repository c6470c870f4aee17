"""The one place that maps an HTTP answer to an error class, and says which answers are worth repeating."""

from __future__ import annotations

from collections.abc import Mapping

from ._errors import (
    APIError,
    AuthenticationError,
    BadRequest,
    PermissionDenied,
    QueueLimitReached,
    RateLimited,
    ServerError,
    TaskNotFound,
    UnexpectedResponse,
)

__all__ = ["error_class", "is_overload", "is_transient"]

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
