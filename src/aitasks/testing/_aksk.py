"""Server-side check of APIG `SDK-HMAC-SHA256` signatures, recomputed from the request as received."""

from __future__ import annotations

import datetime as dt
import hmac

from .._signing import DATE_FORMAT, canonical_request, parse_authorization, signature
from ._records import RequestHeaders

__all__ = ["MAX_CLOCK_SKEW", "verify_signature"]

MAX_CLOCK_SKEW = dt.timedelta(minutes=15)  # APIG rejects an X-Sdk-Date further than this from its clock


def verify_signature(
    *,
    method: str,
    raw_path: str,
    raw_query: str,
    headers: RequestHeaders,
    body: bytes,
    access_key: str,
    secret_key: str,
    now: dt.datetime,
) -> str | None:
    """None when the request is signed with this AK/SK within the allowed skew, else the reason it is not."""
    parsed = parse_authorization(headers.get("authorization", ""))
    if parsed is None:
        return "Authorization is not an SDK-HMAC-SHA256 signature."
    access, signed, sig = parsed
    if not hmac.compare_digest(access.encode(), access_key.encode()):
        return "Unknown access key."
    if "x-sdk-date" not in signed:
        return "X-Sdk-Date is not a signed header."
    if signed != sorted(signed) or any(name != name.lower() or name not in headers for name in signed):
        return "SignedHeaders names a header that was not sent, or is not lowercase and sorted."
    try:
        sdk_date = dt.datetime.strptime(headers["x-sdk-date"], DATE_FORMAT).replace(tzinfo=dt.timezone.utc)
    except ValueError:
        return "X-Sdk-Date is not in the format YYYYMMDDTHHMMSSZ."
    if abs(now - sdk_date) > MAX_CLOCK_SKEW:
        return "X-Sdk-Date is more than 15 minutes away from the server time."
    try:
        canonical = canonical_request(
            method, raw_path, raw_query, {name: headers[name] for name in signed}, signed, body
        )
    except (UnicodeError, ValueError):
        return "The request path cannot be canonicalised."
    expected = signature(canonical, headers["x-sdk-date"], secret_key)
    if not hmac.compare_digest(expected, sig):
        return "The signature does not match the request."
    return None
