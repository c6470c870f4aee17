"""APIG `SDK-HMAC-SHA256` request signing, shared by the client (to sign) and the fake cloud (to verify).

It computes what `huaweicloudsdkcore.signer.signer.Signer` computes for the same request (tests compare them).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from urllib.parse import parse_qsl, quote, unquote

__all__ = ["ALGORITHM", "DATE_FORMAT", "authorization_header", "canonical_request", "parse_authorization", "signature"]

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
# Letters, digits and "-._~" are what quote(..., safe="~") keeps as they are; "/" separates the segments.
_UNRESERVED_PATH = re.compile(r"[A-Za-z0-9\-._~/]*")
_AUTHORIZATION = re.compile(
    r"^SDK-HMAC-SHA256 Access=(?P<access>[^,\s]+), SignedHeaders=(?P<signed>[^,\s]+), Signature=(?P<sig>[0-9a-f]{64})$"
)


def _encode(value: str) -> str:
    return quote(value, safe="~")


def canonical_uri(raw_path: str) -> str:
    """Each segment of the decoded path re-quoted, with the trailing slash APIG expects."""
    if _UNRESERVED_PATH.fullmatch(raw_path):
        uri = raw_path  # nothing to unquote and nothing quote() would change
    else:
        uri = "/".join(_encode(segment) for segment in unquote(raw_path).split("/"))
    return uri if uri.endswith("/") else uri + "/"


def canonical_query(raw_query: str) -> str:
    """Sorted key=value pairs, both percent-encoded."""
    if not raw_query:
        return ""
    pairs = sorted(parse_qsl(raw_query, keep_blank_values=True))
    return "&".join(f"{_encode(key)}={_encode(value)}" for key, value in pairs)


def canonical_request(
    method: str, raw_path: str, raw_query: str, headers: Mapping[str, str], signed: list[str], body: bytes
) -> str:
    """The text that is hashed and signed; headers maps lowercase names to values."""
    canonical_headers = "".join(f"{name}:{headers[name].strip()}\n" for name in signed)
    payload = hashlib.sha256(body).hexdigest() if body else _EMPTY_SHA256
    uri, query = canonical_uri(raw_path), canonical_query(raw_query)
    return "\n".join((method.upper(), uri, query, canonical_headers, ";".join(signed), payload))


def signature(canonical: str, sdk_date: str, secret_key: str) -> str:
    """Hex HMAC-SHA256, keyed with the SK, of the string to sign."""
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    string_to_sign = f"{ALGORITHM}\n{sdk_date}\n{digest}"
    return hmac.digest(secret_key.encode("utf-8"), string_to_sign.encode("utf-8"), "sha256").hex()


def authorization_header(access_key: str, signed: list[str], sig: str) -> str:
    """The Authorization value APIG reads the access key, signed header names and signature from."""
    return f"{ALGORITHM} Access={access_key}, SignedHeaders={';'.join(signed)}, Signature={sig}"


def parse_authorization(value: str) -> tuple[str, list[str], str] | None:
    """Split an Authorization value into (access key, signed header names, signature), or None."""
    match = _AUTHORIZATION.match(value)
    if match is None:
        return None
    return match["access"], match["signed"].split(";"), match["sig"]
