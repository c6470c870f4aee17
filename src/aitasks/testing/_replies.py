"""Response bodies in each provider's shape, and the broken ones faults send."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Literal

import attrs

from ._faults import Fault, Operation, Provider

__all__ = ["Reply", "fault_reply", "gcore_error", "gcore_not_found", "json_reply", "modelarts_error", "reason"]

Action = Literal["send", "close", "truncate"]
GCORE_NOTFOUND_MESSAGE = "Not Found. Entity you are looking for was not found, please check the initial parameters"
_NO_BODY = frozenset({204, 205, 304})


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
    if status in _NO_BODY:
        return Reply(status, b"", None, headers)
    return Reply(status, json.dumps(payload).encode("utf-8"), "application/json", headers)


def gcore_error(status: int, message: str, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    """Gcore's error shape: {"error": message}."""
    return json_reply(status, {"error": message}, headers)


def gcore_not_found() -> Reply:
    """The 404 of get_ai_task and get_ai_tasks_list: the `notfound` schema's example, {"status", "error"}."""
    return json_reply(404, {"status": 404, "error": GCORE_NOTFOUND_MESSAGE})


def modelarts_error(status: int, code: str, message: str, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    """ModelArts/APIG's error shape: {"error_code", "error_msg"}."""
    return json_reply(status, {"error_code": code, "error_msg": message}, headers)


def _default_body(provider: Provider, status: int) -> bytes:
    if provider == "gcore":
        return json.dumps({"error": reason(status)}).encode()
    return json.dumps({"error_code": f"FakeCloud.{status}", "error_msg": reason(status)}).encode()


_MALFORMED_CANCEL_STATUS: dict[Provider, int] = {"gcore": 202, "modelarts": 404}


def fault_reply(fault: Fault, provider: Provider, operation: Operation) -> Reply:
    """The reply an answering fault sends in place of the real handler."""
    if fault.kind == "close":
        return Reply(0, action="close")
    if fault.kind == "respond":
        assert fault.status is not None
        if fault.status in _NO_BODY:
            return Reply(fault.status, b"", None, fault.headers)
        body = _default_body(provider, fault.status) if fault.body is None else fault.body
        return Reply(fault.status, body, "application/json", fault.headers)
    default = _MALFORMED_CANCEL_STATUS[provider] if operation == "cancel" else 200
    status = fault.status if fault.status is not None else default
    body = _default_body(provider, status)
    if fault.malformation == "invalid_json":
        return Reply(status, body[: len(body) // 2] + b"\x00}{", "application/json")
    if fault.malformation == "html":
        html = f"<html><head><title>{status} {reason(status)}</title></head><body>nginx</body></html>"
        return Reply(status, html.encode(), "text/html; charset=utf-8")
    if fault.malformation == "invalid_utf8":
        return Reply(status, b'{"error": "\xff\xfe\xc3\x28", "error_msg": "\xed\xa0\x80"}', "application/json")
    if fault.malformation == "truncated":
        return Reply(status, body, "application/json", action="truncate")
    return Reply(status, b"", "application/json")  # "empty"
