"""Cancel running AI tasks on Gcore Streaming and ModelArts through one typed interface.

The provider clients (and the generated packages behind them) load on first use, so `import aitasks` is cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._bulk import BulkResult
from ._errors import (
    AITasksError,
    APIError,
    AuthenticationError,
    BadRequest,
    ConfigurationError,
    FeatureDisabled,
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
from ._results import CancelResult, Outcome
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
    "FeatureDisabled",
    "Gcore",
    "InvalidTaskRef",
    "ModelArts",
    "Outcome",
    "PermissionDenied",
    "QueueLimitReached",
    "RateLimited",
    "ServerError",
    "TaskAlreadyFinished",
    "TaskNotFound",
    "TaskRef",
    "Timeout",
    "TransportError",
    "UnexpectedResponse",
    "__version__",
]

_LAZY = {
    "AsyncClient": "._client",
    "Client": "._client",
    "AsyncGcore": ".providers.gcore",
    "Gcore": ".providers.gcore",
    "AsyncModelArts": ".providers.modelarts",
    "ModelArts": ".providers.modelarts",
    "MAX_BODY_BYTES": "._wire",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'aitasks' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
