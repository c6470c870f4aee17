"""Configuration from arguments or the environment, checked before any I/O; errors name the variable."""

from __future__ import annotations

import os
import re
import unicodedata

import httpx

from ._errors import ConfigurationError

__all__ = ["check_project_id", "check_secret", "check_url", "from_env"]

_PROJECT_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")


def from_env(value: str | None, argument: str, *names: str) -> tuple[str | None, str]:
    """The argument if given, else the first set environment variable; with the name to blame for it."""
    if value is not None:
        return value, f"the {argument}= argument"
    for name in names:
        env = os.environ.get(name)
        if env:
            return env, name
    return None, names[0]


def check_secret(value: str, source: str) -> str:
    """Reject credentials that cannot be a header value (CR, LF, other control characters); never echo them."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(f"{source} is empty")
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise ConfigurationError(f"{source} contains a control character (CR, LF, ...); check how it was set")
    try:
        value.encode("ascii")
    except UnicodeEncodeError:
        raise ConfigurationError(f"{source} contains non-ASCII characters") from None
    return value


def check_url(value: str, source: str) -> str:
    """An http(s) base URL without query or fragment; a bare host name gets https://."""
    text = value.strip()
    if "://" not in text:
        text = "https://" + text
    try:
        url = httpx.URL(text)
    except (httpx.InvalidURL, ValueError) as exc:
        raise ConfigurationError(f"{source} is not a valid URL: {exc}") from None
    if url.userinfo:  # checked first: the value holds credentials, so it is never echoed
        raise ConfigurationError(f"{source} must not carry credentials (user:password@)")
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError(f"{source} must be an http:// or https:// URL with a host, got {value!r}")
    if url.query or url.fragment:
        raise ConfigurationError(f"{source} must not carry a query or fragment")
    return str(url).rstrip("/")


def check_project_id(value: str, source: str) -> str:
    """A project id is letters, digits, '-' or '_' (Huawei's are 32 hex digits)."""
    if not isinstance(value, str) or not _PROJECT_ID.fullmatch(value):
        raise ConfigurationError(f"{source} must be 1-128 letters, digits, '-' or '_'")
    return value
