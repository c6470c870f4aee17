"""Find, stop and confirm AI tasks on Gcore Streaming and ModelArts; provider clients load on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import providers
from ._errors import (
    AITasksError,
    APIError,
    AuthenticationError,
    BadRequest,
    ConfigurationError,
    FeatureDisabled,
    IncompleteListing,
    InvalidTaskRef,
    PermissionDenied,
    QueueLimitReached,
    RateLimited,
    ServerError,
    TaskAlreadyFinished,
    TaskNotFound,
    Timeout,
    TransportError,
    UnexpectedResponse,
)
from ._refs import TaskRef
from ._results import BulkResult, CancelResult, Outcome
from ._tasks import Dataset, Task, TaskState, WaitTimeout
from ._version import __version__

if TYPE_CHECKING:
    from ._client import AsyncClient, Client
    from ._wire import MAX_BODY_BYTES
    from .providers.gcore import AsyncGcore, Gcore
    from .providers.modelarts import AsyncModelArts, ModelArts

__all__ = [
    "MAX_BODY_BYTES",
    "AITasksError",
    "APIError",
    "AsyncClient",
    "AsyncGcore",
    "AsyncModelArts",
    "AuthenticationError",
    "BadRequest",
    "BulkResult",
    "CancelResult",
    "Client",
    "ConfigurationError",
    "Dataset",
    "FeatureDisabled",
    "Gcore",
    "IncompleteListing",
    "InvalidTaskRef",
    "ModelArts",
    "Outcome",
    "PermissionDenied",
    "QueueLimitReached",
    "RateLimited",
    "ServerError",
    "Task",
    "TaskAlreadyFinished",
    "TaskNotFound",
    "TaskRef",
    "TaskState",
    "Timeout",
    "TransportError",
    "UnexpectedResponse",
    "WaitTimeout",
    "__version__",
]

_LAZY = {"AsyncClient": "._client", "Client": "._client", "MAX_BODY_BYTES": "._wire"}


def __getattr__(name: str) -> Any:
    """Routers and each registered provider's clients load on first use."""
    import importlib

    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    elif name in __all__:  # not a submodule, which `from . import x` looks up before importing it
        value = next(cls for p in providers.names() for cls in providers.clients(p) if cls.__name__ == name)
    else:
        raise AttributeError(f"module 'aitasks' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
