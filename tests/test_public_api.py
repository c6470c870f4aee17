"""The public names are exactly those in DESIGN.md, and each one resolves."""

from __future__ import annotations

import subprocess
import sys

import aitasks

EXPECTED = [
    "MAX_BODY_BYTES",  # ruff's isort-style order (RUF022): constants, then classes and functions
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


def test_all_is_exact_and_sorted() -> None:
    """`aitasks.__all__` lists the public API, sorted, and every name resolves."""
    assert aitasks.__all__ == EXPECTED
    for name in aitasks.__all__:
        assert getattr(aitasks, name) is not None
    assert set(dir(aitasks)) >= set(EXPECTED)


def test_error_tree_shape() -> None:
    """The error classes form the tree drawn in aitasks/_errors.py."""
    for name in ("ConfigurationError", "InvalidTaskRef", "APIError", "TransportError"):
        assert issubclass(getattr(aitasks, name), aitasks.AITasksError)
    assert issubclass(aitasks.InvalidTaskRef, ValueError)
    for name in (
        "BadRequest",
        "AuthenticationError",
        "PermissionDenied",
        "TaskNotFound",
        "TaskAlreadyFinished",
        "FeatureDisabled",
        "RateLimited",
        "ServerError",
        "UnexpectedResponse",
    ):
        assert issubclass(getattr(aitasks, name), aitasks.APIError)
    assert issubclass(aitasks.Timeout, aitasks.TransportError)


def test_unknown_attribute_raises_attribute_error() -> None:
    """A typo is an AttributeError, not a silent None."""
    try:
        aitasks.Gcorre  # noqa: B018
    except AttributeError as exc:
        assert "Gcorre" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_import_is_lazy() -> None:
    """`import aitasks` loads neither the generated packages nor stamina until a client is used."""
    code = (
        "import sys, aitasks\n"
        "names = ('aitasks_gcore_api', 'aitasks_modelarts_api', 'stamina', 'tenacity')\n"
        "heavy = [m for m in names if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == ""


def test_first_use_from_many_threads_at_once() -> None:
    """Threads that first touch the clients together each get them whole (a half-run provider module was seen)."""
    code = (
        "import sys, threading, aitasks\n"
        "start, errors = threading.Barrier(8), []\n"
        "def first_use(n):\n"
        "    start.wait()\n"
        "    try:\n"
        "        name = ('Gcore', 'AsyncGcore', 'ModelArts', 'AsyncModelArts')[n % 4]\n"
        "        assert getattr(aitasks, name).__name__ == name\n"
        "        assert aitasks.TaskRef.parse('modelarts:d/t' if n % 2 else 'gcore:t').provider\n"
        "    except Exception as exc:\n"
        "        errors.append(repr(exc))\n"
        "threads = [threading.Thread(target=first_use, args=(n,)) for n in range(8)]\n"
        "[t.start() for t in threads]\n"
        "[t.join(30) for t in threads]\n"
        "print(errors)\n"
    )
    for _ in range(3):  # each run a fresh interpreter: a first use
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
        assert out.stdout.strip() == "[]", out.stdout
