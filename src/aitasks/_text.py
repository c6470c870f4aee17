"""Provider text made safe to show: printable, credentials redacted, bounded in length."""

from __future__ import annotations

import functools
import json
import re

MAX_MESSAGE = 300  # characters of provider text kept on results and errors
_WHITESPACE = re.compile(r"\s+")
# Control characters, lone surrogates (from JSON escapes; they cannot be encoded) and astral-plane characters.
_NON_PRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\U00010000-\U0010ffff]")
_MESSAGE_KEYS = ("error_msg", "error_message", "error", "message", "detail", "result")


class Redactor:
    """Removes credentials a server might echo back; its repr shows none of them."""

    __slots__ = ("_values",)

    def __init__(self, *values: str | None) -> None:
        # Values too short to be real keys would also match ordinary words.
        self._values = tuple(v for v in values if v and len(v) >= 6)

    def __call__(self, text: str) -> str:
        for value in self._values:
            if value in text:
                text = text.replace(value, "***")
        return text

    def __repr__(self) -> str:
        return f"Redactor({len(self._values)} values hidden)"


def bounded(text: str | None, redact: Redactor) -> str | None:
    """Printable, credentials redacted (before any cut), at most MAX_MESSAGE long; None stays None."""
    if text is None:
        return None
    text = redact(_printable(text) if len(text) <= _CACHED_UP_TO else _clean(text))
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def _clean(text: str) -> str:
    return _WHITESPACE.sub(" ", _NON_PRINTABLE.sub("", text)).strip()


# Providers repeat the same short messages; `make bench` measured the cleaning at a tenth of the per-call cost.
_printable = functools.lru_cache(maxsize=256)(_clean)
_CACHED_UP_TO = 512  # characters; longer texts are cleaned each time rather than kept


def body_fields(content: bytes, snippet: bool = True, data: object = None) -> tuple[str | None, str | None]:
    """(error_code, message) from any body (`data`: parsed already): a JSON object's usual fields, else its text."""
    if data is None and content.lstrip()[:1] == b"{":
        try:
            data = json.loads(content)
        except (ValueError, RecursionError):
            data = None
    if isinstance(data, dict):
        code = data.get("error_code", data.get("code"))
        for key in _MESSAGE_KEYS:
            if isinstance(data.get(key), str):
                return (code if isinstance(code, str) else None), data[key]
    if not snippet or not content.strip():
        return None, None
    # All of it (bodies are capped at MAX_BODY_BYTES): `bounded` redacts before it cuts, so no secret is split.
    return None, content.decode("utf-8", errors="replace")
