"""Configuration from arguments or the environment, checked before any I/O; errors name the variable."""

from __future__ import annotations

import functools
import math
import os
import re
import unicodedata
from typing import TYPE_CHECKING

import httpx

from ._errors import ConfigurationError

if TYPE_CHECKING:
    import ssl


_PROJECT_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
MAX_TIMEOUT = 86_400.0  # one day: a longer attempt deadline is a mistake (seconds taken for milliseconds, ...)


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
    if value != value.strip():
        raise ConfigurationError(f"{source} has leading or trailing whitespace; check how it was set")
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
    if "?" in text or "#" in text:  # even an empty query or fragment would be sent (or cut) with every path
        raise ConfigurationError(f"{source} must not carry a query or fragment ('?' or '#')")
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
    return str(url).rstrip("/")


def check_project_id(value: str, source: str) -> str:
    """A project id is letters, digits, '-' or '_' (Huawei's are 32 hex digits)."""
    if not isinstance(value, str) or not _PROJECT_ID.fullmatch(value):
        raise ConfigurationError(f"{source} must be 1-128 letters, digits, '-' or '_'")
    return value


def check_timeout(value: float) -> float:
    """Seconds per attempt: positive, finite and at most a day."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf:
        raise ValueError(f"timeout must be a positive, finite number of seconds, got {value!r}")
    if value > MAX_TIMEOUT:
        raise ValueError(f"timeout must be at most {MAX_TIMEOUT:g} seconds (one day), got {value!r}")
    return float(value)


def check_max_retries(value: int) -> int:
    """A whole number of retries after the first attempt."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"max_retries must be a whole number >= 0, got {value!r}")
    return value


def verify_context() -> ssl.SSLContext:
    """httpx's verify=True context, built once (the CA bundle takes ~20 ms) per SSL_CERT_FILE and SSL_CERT_DIR."""
    return _ssl_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.lru_cache(maxsize=4)
def _ssl_context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    return httpx.create_ssl_context()
