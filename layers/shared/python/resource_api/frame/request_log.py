"""What a request's log line carries for the request logs: the `request_log` field of
the frame's one structured line per request (and of the authorizer's line for a
request it refuses). Light on purpose: it runs on the request path, after the answer
is made; the line is printed by the function and ingested off the request path
(requestlogs/ingest.py). Texts are redacted and capped here (core/redact.py), so no secret
reaches CloudWatch Logs either.
"""

from __future__ import annotations

import json
from typing import Any

from ..core.redact import TEXT_CAP, clean

# The marker of a line that is a request-log record (the subscription filter and the
# local subscription select lines by it): "resource_request" lines (metrics/store.py)
# are request-log records too.
RECORD_FIELD = "record"
REQUEST_MARKER = "request"
MARKERS = ("request", "resource_request")
FIELD = "request_log"  # the line's field holding the record
ACCESS_LOG_GROUP = "API-Gateway-Access-Logs/v1"  # the local access log's name (deployed: the stage's group)


def subscribed_functions(routes: Any) -> list[str]:
    """The functions whose log groups are subscribed to the ingestion: every route's
    function (each logs one request line per request) and the authorizer (refusals.py).
    `routes`: the resource_api.routes module."""
    return list(dict.fromkeys([*(r.function for r in routes.ROUTES), routes.AUTHORIZER_FUNCTION]))


def _text(value: Any, limit: int = TEXT_CAP) -> str | None:
    return clean(value, limit) if value not in (None, "") else None


def _header(event: dict[str, Any], name: str) -> str | None:
    for k, v in (event.get("headers") or {}).items():
        if str(k).lower() == name:
            return str(v)
    return None


def request_body(event: dict[str, Any]) -> str | None:
    body = event.get("body")
    if not body:
        return None
    if event.get("isBase64Encoded"):
        import binascii  # noqa: PLC0415 - binary bodies are rare

        try:
            body = binascii.a2b_base64(body).decode("utf-8")
        except (binascii.Error, ValueError, UnicodeDecodeError):
            return f"[binary body, {len(body) * 3 // 4} bytes]"
    return clean(body)


def query_string(event: dict[str, Any]) -> str | None:
    multi = event.get("multiValueQueryStringParameters") or {}
    if not multi:
        single = event.get("queryStringParameters") or {}
        multi = {k: [v] for k, v in single.items()}
    if not multi:
        return None
    from urllib.parse import urlencode  # noqa: PLC0415

    return clean(urlencode([(k, v) for k, vs in multi.items() for v in (vs or [])], safe="[]"))


def error_fields(status: int, body: Any) -> dict[str, Any]:
    """error_type/code/param of an error answer's body (a dict or its JSON text)."""
    if status < 400:
        return {}
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return {}
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return {}
    return {"error_type": error.get("type"), "error_code": error.get("code"), "error_param": error.get("param")}


def base(event: dict[str, Any], request_id: str, at_ms: int) -> dict[str, Any]:
    """What any line of this request records: who, where from, what was asked."""
    rc = event.get("requestContext") or {}
    identity = rc.get("identity") or {}
    path = rc.get("path") or event.get("path") or "/"
    if not path.startswith("/v1"):
        path = "/v1" + path
    return {
        "request_id": request_id,
        "at_ms": int(rc.get("requestTimeEpoch") or at_ms),
        "method": event.get("httpMethod") or rc.get("httpMethod"),
        "path": _text(path),
        "query": query_string(event),
        "source_ip": _text(identity.get("sourceIp"), 64),
        "user_agent": _text(identity.get("userAgent") or _header(event, "user-agent")),
        "request_body": request_body(event),
    }


def fields(
    event: dict[str, Any],
    request_id: str,
    *,
    account_id: str,
    mode: str,
    key_id: str | None,
    status: int,
    latency_ms: float,
    response: dict[str, Any],
    api_version: str | None,
    idempotency_key: str | None,
    at_ms: int,
) -> dict[str, Any]:
    """The frame's request_log field for an answered request (response: the proxy response)."""
    auth = (event.get("requestContext") or {}).get("authorizer") or {}
    headers = response.get("headers") or {}
    body = response.get("body") or None
    out = base(event, request_id, at_ms)
    out.update(
        account_id=account_id,
        mode=mode,
        status=status,
        latency_ms=latency_ms,
        key_id=key_id or None,
        key_last4=auth.get("key_last4") or None,
        api_version=api_version,
        idempotency_key=_text(idempotency_key or _header(event, "idempotency-key"), 255),
        idempotent_replayed=headers.get("idempotent-replayed") == "true",
        response_body=clean(body) if body else None,
        **error_fields(status, body),
    )
    return out


def line(record: dict[str, Any]) -> dict[str, Any]:
    """The extra fields of a log line that is this record."""
    return {RECORD_FIELD: REQUEST_MARKER, FIELD: record}
