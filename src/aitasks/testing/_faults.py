"""Fault specs: what the fake does instead of (or before) answering a call, so tests can rehearse failures."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Literal, get_args

import attrs

from ._provider import NO_BODY, FakeProvider, Reply, Route, reason

Provider = Literal["gcore", "modelarts"]  # the built-in providers; a registered one is matched by its name
FaultKind = Literal["respond", "delay", "close", "malformed"]
Malformation = Literal["invalid_json", "html", "invalid_utf8", "truncated", "empty"]

MALFORMATIONS: tuple[str, ...] = get_args(Malformation)
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)


def _check_status(_: object, __: attrs.Attribute[int | None], value: int | None) -> None:
    # 1xx would leave the client waiting for a final response; 200..599 covers everything else, non-IANA too.
    if value is not None and not 200 <= value <= 599:
        raise ValueError(f"a fault status must be within 200..599, not {value}")


def _check_delay(_: object, __: attrs.Attribute[float], value: float) -> None:
    if not 0.0 <= value <= 300.0:
        raise ValueError(f"a fault delay must be within 0..300 seconds, not {value}")


@attrs.frozen(kw_only=True)
class Fault:
    """One injected behaviour; build it with `respond`, `slow`, `drop` or `malformed`.

    - respond: answer `status` with `body` (default: the provider's JSON error shape) and `headers`.
    - delay: wait `delay` seconds, then handle the call normally (it may change task state).
    - close: close the connection without any response (after `delay`).
    - malformed: answer `status` (default: the route's `body_status`, a documented status with a JSON body: 200
      on a get or list; on a cancel 202 on Gcore, 404 on ModelArts) with a broken body: invalid JSON, HTML,
      invalid UTF-8, a body shorter than its Content-Length, or nothing.

    A call answered by a respond/close/malformed fault never changes task state.
    """

    kind: FaultKind
    status: int | None = attrs.field(default=None, validator=_check_status)
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = attrs.field(default=0.0, validator=_check_delay)
    malformation: Malformation | None = None

    @classmethod
    def respond(
        cls,
        status: int,
        *,
        body: bytes | str | Mapping[str, object] | None = None,
        retry_after: float | str | None = None,
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
    ) -> Fault:
        """Answer with this status (and optional Retry-After, headers, body) instead of the real handler."""
        pairs = list((headers or {}).items())
        if retry_after is not None:
            value = retry_after if isinstance(retry_after, str) else f"{retry_after:g}"
            pairs.append(("Retry-After", value))
        return cls(kind="respond", status=status, body=_as_bytes(body), headers=tuple(pairs), delay=delay)

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        """Wait, then let the real handler answer (a client timeout shorter than this fires first)."""
        return cls(kind="delay", delay=seconds)

    @classmethod
    def drop(cls, *, delay: float = 0.0) -> Fault:
        """Close the connection without sending any response."""
        return cls(kind="close", delay=delay)

    @classmethod
    def malformed(cls, malformation: Malformation, *, status: int | None = None, delay: float = 0.0) -> Fault:
        """Answer with a broken body of the given kind."""
        if malformation not in MALFORMATIONS:
            raise ValueError(f"unknown malformation {malformation!r}; expected one of {', '.join(MALFORMATIONS)}")
        return cls(kind="malformed", status=status, malformation=malformation, delay=delay)


def _as_bytes(body: bytes | str | Mapping[str, object] | None) -> bytes | None:
    if body is None or isinstance(body, bytes):
        return body
    return (body if isinstance(body, str) else json.dumps(body)).encode("utf-8")


@attrs.frozen
class FaultTarget:
    """Which calls a fault applies to; None matches anything (a task id never matches a list call)."""

    provider: str | None = None
    task_id: str | None = None
    dataset_id: str | None = None
    operation: str | None = None

    def matches(self, provider: str, task_id: str | None, dataset_id: str | None, operation: str) -> bool:
        """True when the call is this operation on this provider, task and dataset (where given)."""
        call = (provider, task_id, dataset_id, operation)
        return all(want is None or want == got for want, got in zip(attrs.astuple(self), call, strict=True))


def fault_reply(fault: Fault, provider: FakeProvider, route: Route) -> Reply:
    """The reply an answering fault sends in place of the provider."""
    if fault.kind == "close":
        return Reply(0, action="close")
    status = fault.status if fault.status is not None else route.body_status
    default = provider.error(status, reason(status)).body
    if fault.kind == "respond":
        if status in NO_BODY:
            return Reply(status, b"", None, fault.headers)
        return Reply(status, default if fault.body is None else fault.body, "application/json", fault.headers)
    if fault.malformation == "invalid_json":
        return Reply(status, default[: len(default) // 2] + b"\x00}{", "application/json")
    if fault.malformation == "html":
        html = f"<html><head><title>{status} {reason(status)}</title></head><body>nginx</body></html>"
        return Reply(status, html.encode(), "text/html; charset=utf-8")
    if fault.malformation == "invalid_utf8":
        return Reply(status, b'{"error": "\xff\xfe\xc3\x28", "error_msg": "\xed\xa0\x80"}', "application/json")
    if fault.malformation == "truncated":
        return Reply(status, default, "application/json", action="truncate")
    return Reply(status, b"", "application/json")  # "empty"
