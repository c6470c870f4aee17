"""The request log: what each call looked like and how the fake answered, safe to print in a failing test."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import attrs

from ._faults import Fault

SECRET_HEADERS = frozenset({"authorization", "x-auth-token", "x-security-token", "proxy-authorization"})


class RequestHeaders(Mapping[str, str]):
    """Case-insensitive, ordered, read-only headers whose repr hides credential values."""

    __slots__ = ("_items", "_lookup")

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self._items = tuple(items)
        lookup: dict[str, str] = {}
        for name, value in self._items:
            lookup.setdefault(name.lower(), value)
        self._lookup = lookup

    def __getitem__(self, name: str) -> str:
        return self._lookup[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._lookup

    def __iter__(self) -> Iterator[str]:
        return iter(self._lookup)

    def __len__(self) -> int:
        return len(self._lookup)

    def raw_items(self) -> tuple[tuple[str, str], ...]:
        """Every header line as received, duplicates included."""
        return self._items

    def __repr__(self) -> str:
        shown = {name: ("***" if name.lower() in SECRET_HEADERS else value) for name, value in self._items}
        return f"RequestHeaders({shown!r})"

    __str__ = __repr__


def _body_repr(body: bytes) -> str:
    return repr(body[:200] + b"...") if len(body) > 200 else repr(body)


@attrs.frozen(kw_only=True)
class RecordedRequest:
    """One call the fake received: route, operation, decoded ids, headers, and the status it sent (None: none sent)."""

    method: str
    raw_path: str
    query: str
    route: str  # the provider's name, "control" or "unknown"
    operation: str | None = None  # which provider operation the path names (None off the provider routes)
    task_id: str | None = None
    dataset_id: str | None = None
    project_id: str | None = None
    headers: RequestHeaders
    body: bytes = attrs.field(default=b"", repr=_body_repr)
    status: int | None
    fault: Fault | None = None
    changed_state: bool = False
    request_id: str | None = None
    connection: int = 0  # which connection carried it: equal numbers mean a reused keep-alive connection

    @property
    def from_fault(self) -> bool:
        """True when an injected fault answered this call (a pure delay does not count)."""
        return self.fault is not None and self.fault.kind != "delay"
