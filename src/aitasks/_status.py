"""The one place that maps an HTTP status to an outcome or to an error class."""

from __future__ import annotations

from ._errors import (
    APIError,
    AuthenticationError,
    BadRequest,
    FeatureDisabled,
    PermissionDenied,
    RateLimited,
    ServerError,
    TaskAlreadyFinished,
    TaskNotFound,
    UnexpectedResponse,
)

__all__ = ["RETRYABLE_STATUSES", "error_class"]

# Statuses every provider may answer (gateways, rate limiters and servers speak plain HTTP).
_COMMON: dict[int, type[APIError]] = {
    400: BadRequest,
    401: AuthenticationError,
    403: PermissionDenied,
    404: TaskNotFound,
    429: RateLimited,
}
# Statuses whose meaning only one provider documents.
_PROVIDER: dict[str, dict[int, type[APIError]]] = {
    "gcore": {412: TaskAlreadyFinished, 422: FeatureDisabled},
    "modelarts": {},
}
# Retried: the cancel did not happen, and repeating it is safe (a repeat answers 412 or 404).
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


def error_class(provider: str, status: int) -> type[APIError]:
    """Return the error class for a status that is not a success of this provider's call."""
    cls = _PROVIDER[provider].get(status) or _COMMON.get(status)
    if cls is not None:
        return cls
    if 500 <= status <= 599:
        return ServerError
    return UnexpectedResponse
