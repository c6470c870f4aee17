"""Which route a raw request target names, with each id decoded from exactly one path segment."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import attrs

from ._records import Route

__all__ = ["CONTROL_FAULTS", "CONTROL_TASKS", "Target", "parse_target"]

CONTROL_TASKS = "/_fake/tasks"
CONTROL_FAULTS = "/_fake/faults"


@attrs.frozen
class Target:
    """The route of a request target and the ids it carries."""

    route: Route
    raw_path: str
    query: str
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
    if len(segments) == 6 and segments[1:4] == ["streaming", "ai", "tasks"] and segments[5] == "cancel":
        return Target("gcore", raw_path, query, task_id=_decode(segments[4]))
    if (
        len(segments) == 8
        and segments[1] == "v2"
        and segments[3] == "datasets"
        and segments[5:8:2] == ["tasks", "stop"]
    ):
        return Target(
            "modelarts",
            raw_path,
            query,
            project_id=_decode(segments[2]),
            dataset_id=_decode(segments[4]),
            task_id=_decode(segments[6]),
        )
    if raw_path in (CONTROL_TASKS, CONTROL_FAULTS):
        return Target("control", raw_path, query)
    return Target("unknown", raw_path, query)
