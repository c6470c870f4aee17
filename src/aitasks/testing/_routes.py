"""Which route and operation a raw request target names, with each id decoded from exactly one path segment."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import attrs

from ._faults import Operation
from ._records import Route

__all__ = ["CONTROL_FAULTS", "CONTROL_TASKS", "METHODS", "Target", "parse_target"]

METHODS: dict[Operation, str] = {"cancel": "POST", "get": "GET", "list": "GET"}  # the one method of each
# /v2/{project_id}/datasets/{dataset_id}/tasks[/{task_id}[/stop]], by the number of "/"-separated segments.
_MODELARTS_SHAPES: dict[int, Operation] = {6: "list", 7: "get", 8: "cancel"}

CONTROL_TASKS = "/_fake/tasks"
CONTROL_FAULTS = "/_fake/faults"


@attrs.frozen
class Target:
    """The route of a request target and the ids it carries."""

    route: Route
    raw_path: str
    query: str
    operation: Operation | None = None  # on the provider routes
    task_id: str | None = None
    dataset_id: str | None = None
    project_id: str | None = None


def _decode(segment: str) -> str:
    # Invalid UTF-8 becomes U+FFFD: no task has such an id, so the call answers 404 rather than crashing.
    return unquote(segment, errors="replace")


def parse_target(target: str) -> Target:
    """Split a request target (origin- or absolute-form) into its route and decoded ids."""
    if not target.startswith("/"):
        try:
            parts = urlsplit(target)
        except ValueError:  # e.g. "http://[::1/x": not a URL at all, so no route
            return Target("unknown", target, "")
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    raw_path, _, query = target.partition("?")
    segments = raw_path.split("/")
    if segments[1:4] == ["streaming", "ai", "tasks"]:
        if len(segments) == 4:
            return Target("gcore", raw_path, query, "list")
        if len(segments) == 5:
            return Target("gcore", raw_path, query, "get", task_id=_decode(segments[4]))
        if len(segments) == 6 and segments[5] == "cancel":
            return Target("gcore", raw_path, query, "cancel", task_id=_decode(segments[4]))
    operation = _MODELARTS_SHAPES.get(len(segments))
    if (
        operation is not None
        and segments[1] == "v2"
        and segments[3] == "datasets"
        and segments[5] == "tasks"
        and (operation != "cancel" or segments[7] == "stop")
    ):
        return Target(
            "modelarts",
            raw_path,
            query,
            operation,
            project_id=_decode(segments[2]),
            dataset_id=_decode(segments[4]),
            task_id=None if operation == "list" else _decode(segments[6]),
        )
    if raw_path in (CONTROL_TASKS, CONTROL_FAULTS):
        return Target("control", raw_path, query)
    return Target("unknown", raw_path, query)
