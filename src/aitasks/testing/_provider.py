"""What a provider module of the fake declares, the registry the provider-neutral parts read, and routing.

A provider lives in one module (`_gcore.py`, `_modelarts.py`): a `FakeProvider` subclass that declares its
`name`, its `routes` (path templates), the error shape of the errors the fake makes up (`error`), its seeding
rules (`seed_fields`, `seed`, and `add_dataset` when its tasks live in datasets) and how it answers each operation
(`answer`); the module ends with `register(TheProvider())`. The server, the state and its lock, faults, the
control API and the request log only ever go through `PROVIDERS`; a `FakeCloud` serves the providers registered
when it is created.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping, Sequence
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar
from urllib.parse import parse_qsl, unquote, urlsplit

import attrs

if TYPE_CHECKING:
    from ._state import CloudState, Incoming


Action = Literal["send", "close", "truncate"]
NO_BODY = frozenset({204, 205, 304})


@attrs.frozen
class Reply:
    """What the handler writes: a status, headers and body, or a dropped/truncated connection."""

    status: int
    body: bytes = b""
    content_type: str | None = "application/json"
    headers: tuple[tuple[str, str], ...] = ()
    action: Action = "send"


def reason(status: int) -> str:
    """The reason phrase, with a made-up one for non-IANA statuses (499, 520, ...)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown Status"


def json_reply(status: int, payload: object, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    """A JSON reply (no body at all for 204, 205 and 304)."""
    if status in NO_BODY:
        return Reply(status, b"", None, headers)
    return Reply(status, json.dumps(payload).encode("utf-8"), "application/json", headers)


def error_reply(status: int, message: str, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    """{"error": message}: the control API's and the server's own errors (and Gcore's shape)."""
    return json_reply(status, {"error": message}, headers)


@attrs.frozen
class Route:
    """One operation: its method and path template; each `{name}` is exactly one percent-decoded segment."""

    method: str
    template: str
    operation: str
    body_status: int = 200  # a documented status of the operation with a JSON body: a malformed fault's default
    segments: tuple[str, ...] = attrs.field(init=False)

    @segments.default
    def _split(self) -> tuple[str, ...]:
        return tuple(self.template.split("/"))

    def match(self, segments: Sequence[str]) -> dict[str, str] | None:
        """The decoded ids when the path has this template's shape, else None."""
        if len(segments) != len(self.segments):
            return None
        ids: dict[str, str] = {}
        for part, segment in zip(self.segments, segments, strict=True):
            if part.startswith("{"):
                # Invalid UTF-8 becomes U+FFFD: no task has such an id, so the call answers 404, not a crash.
                ids[part[1:-1]] = unquote(segment, errors="replace")
            elif part != segment:
                return None
        return ids


@attrs.define
class FakeTask:
    """What every provider's task record has; providers subclass it with their own fields."""

    task_id: str
    status: Any
    created: dt.datetime
    seq: int  # seeding order: breaks ties between equal timestamps so pages are stable
    dataset_id: str | None = attrs.field(default=None, kw_only=True)
    cancels: int = attrs.field(default=0, kw_only=True)  # calls that changed its state since it was seeded

    def settle(self, now: dt.datetime) -> None:
        """Bring a status that changes with time up to date (called under the state's lock before every read)."""

    def fields(self) -> dict[str, Any]:
        """The provider's own fields, as the control API shows them next to provider, ids, status and cancels."""
        return {}


class FakeProvider:
    """A provider of the fake: subclass it in one module, then `register` an instance."""

    name: ClassVar[str]
    routes: ClassVar[tuple[Route, ...]]
    seed_fields: ClassVar[tuple[str, ...]] = ()  # the keys `seed` takes, besides provider, task_id, dataset_id
    has_datasets: ClassVar[bool] = False  # tasks live in datasets: a task key needs a dataset id

    def error(self, status: int, message: str, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
        """An error the fake makes up (no such route, wrong method, a fault's default body) in this shape."""
        return error_reply(status, message, headers)

    def seed(self, store: CloudState, task_id: str, dataset_id: str | None, fields: Mapping[str, Any]) -> FakeTask:
        """A new task from documented values only; ValueError naming the first value that is not."""
        raise NotImplementedError

    def add_dataset(self, store: CloudState, dataset_id: str, fields: Mapping[str, Any]) -> object:
        """A new dataset record (providers whose tasks live in datasets); ValueError on undocumented values."""
        raise ValueError(f"{self.name} has no datasets")

    def answer(self, store: CloudState, call: Incoming) -> tuple[Reply, bool]:
        """The reply to one call of one of `routes`, and whether it changed a task's state."""
        raise NotImplementedError


PROVIDERS: dict[str, FakeProvider] = {}
P = TypeVar("P", bound=FakeProvider)


def register(provider: P) -> P:
    """Add a provider to the registry; FakeClouds created from now on serve it."""
    PROVIDERS[provider.name] = provider
    return provider


@attrs.frozen
class Target:
    """A request target: which provider's (or the control API's) routes its path matches, and the ids it carries."""

    route: str  # a provider's name, "control", or "unknown"
    raw_path: str
    query: str
    matches: tuple[Route, ...] = ()  # the routes whose template the path has (one per method)
    ids: Mapping[str, str] = attrs.field(factory=dict)

    @property
    def operation(self) -> str | None:
        return self.matches[0].operation if self.matches else None

    @property
    def task_id(self) -> str | None:
        return self.ids.get("task_id")

    @property
    def dataset_id(self) -> str | None:
        return self.ids.get("dataset_id")

    @property
    def project_id(self) -> str | None:
        return self.ids.get("project_id")

    def for_method(self, method: str) -> Route | None:
        """The route this method calls on this path, if any."""
        return next((route for route in self.matches if route.method == method), None)


def parse_target(
    target: str, providers: Mapping[str, FakeProvider] | None = None, control: Sequence[Route] = ()
) -> Target:
    """Split a request target (origin- or absolute-form) into its route and decoded ids."""
    if not target.startswith("/"):
        try:
            parts = urlsplit(target)
        except ValueError:  # e.g. "http://[::1/x": not a URL at all, so no route
            return Target("unknown", target, "")
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    raw_path, _, query = target.partition("?")
    segments = raw_path.split("/")
    tables = [
        ("control", control),
        *((p.name, p.routes) for p in (PROVIDERS if providers is None else providers).values()),
    ]
    for name, routes in tables:
        found = [(route, ids) for route in routes if (ids := route.match(segments)) is not None]
        if found:
            return Target(name, raw_path, query, tuple(route for route, _ in found), found[0][1])
    return Target("unknown", raw_path, query)


def owner(raw_path: str, providers: Mapping[str, FakeProvider]) -> FakeProvider | None:
    """The provider whose routes start as this path does (its errors answer an unknown path under it)."""
    first = raw_path.split("/")[1:2]
    return next((p for p in providers.values() if any(r.segments[1:2] == tuple(first) for r in p.routes)), None)


class BadQuery(ValueError):
    """A query parameter outside what the vendor documents."""

    def __init__(self, name: str, value: str) -> None:
        super().__init__(f"invalid query parameter {name}={value!r}")
        self.name = name


_DIGITS = re.compile(r"[0-9]{1,4000}")  # a decimal integer, short enough for int() without a limit error


def query_params(query: str) -> dict[str, str]:
    """The query's parameters; a repeated one keeps its last value, as Django's QueryDict.get does."""
    return dict(parse_qsl(query, keep_blank_values=True, errors="replace"))


def integer_param(params: Mapping[str, str], name: str, default: int, valid: Callable[[int], bool]) -> int:
    """A decimal integer parameter, or BadQuery."""
    raw = params.get(name)
    if raw is None:
        return default
    if not _DIGITS.fullmatch(raw) or not valid(int(raw)):
        raise BadQuery(name, raw)
    return int(raw)
