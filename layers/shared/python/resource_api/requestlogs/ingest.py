"""The log ingestion (functions/metrics_ingest): log lines -> per-resource metrics
(metrics/ingest.py) and request-log records (store.py), each exactly once.

Three kinds of lines reach the ingestion through CloudWatch Logs subscriptions
(infra/ingest.py; locally localcloud/pollers.py LogSubscription):

- a function's request line (the frame's, resource_api/frame/http.py): `record` is
  "request" or "resource_request" and `request_log` holds the record (capture.fields);
- the authorizer's line for a key it refused that belongs to an account (refusals.py),
  in the same form;
- a line of the stage's access log (gateway_responses.ACCESS_LOG_FORMAT) of a request
  API Gateway answered itself (errorType is a gateway response type: 403, 413, 429,
  504, 502...) after the authorizer named the account (accountId): its record is
  made here from the line (the error object is the gateway response's).

Anything else (a line without an account: an unknown key's 401; malformed, foreign)
is not a record. Every text is redacted and capped again here, whatever wrote it.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger

from ..core.keys import MODES
from ..core.errors import CODES, error_body
from ..core.redact import TEXT_CAP, clean
from ..frame import request_log as capture
from ..frame.gateway_responses import GATEWAY_RESPONSES
from ..metrics import ingest as metrics_ingest
from . import store

log = Logger(service="resource-api", child=True)

_TEXTS = {  # field -> cap
    "path": TEXT_CAP, "query": None, "user_agent": TEXT_CAP, "source_ip": 64, "idempotency_key": 255,
    "request_body": None, "response_body": None, "api_version": 32, "key_id": 64, "key_last4": 4,
    "error_type": 64, "error_code": 64, "error_param": 255, "method": 16,
}


def parse(message: str) -> dict[str, Any] | None:
    """The record a log line carries, or None."""
    data = metrics_ingest.json_of(message)
    if data is None:
        return None
    if data.get(capture.RECORD_FIELD) in capture.MARKERS and isinstance(data.get(capture.FIELD), dict):
        record = dict(data[capture.FIELD])
        record["source"] = "authorizer" if data.get("function_name", "").endswith("authorizer") else "function"
    elif "requestId" in data and "errorType" in data:
        record = _from_access_line(data)
    else:
        return None
    return _valid(record) if record else None


def _from_access_line(data: dict[str, Any]) -> dict[str, Any] | None:
    kind = data.get("errorType")
    if kind not in GATEWAY_RESPONSES or data.get("accountId") in (None, "", "-"):
        return None
    code = GATEWAY_RESPONSES[kind][1]
    raw_id = str(data.get("requestId") or "")

    def value(name: str) -> Any:
        v = data.get(name)
        return None if v in (None, "", "-") else v

    try:
        status = int(value("status") or GATEWAY_RESPONSES[kind][0])
        at_ms = int(value("requestTime") or 0)
        latency = float(value("responseLatency") or 0)
    except (TypeError, ValueError):
        return None
    return {
        "request_id": store.normalize_id(raw_id),
        "at_ms": at_ms,
        "account_id": value("accountId"),
        "mode": value("mode"),
        "method": value("httpMethod"),
        "path": value("path"),
        "status": status,
        "latency_ms": latency,
        "key_id": value("principalId"),
        "key_last4": value("keyLast4"),
        "source_ip": value("ip"),
        "user_agent": value("userAgent"),
        "idempotent_replayed": False,
        "error_type": CODES[code].type,
        "error_code": code,
        "response_body": json.dumps(error_body(code, request_id=raw_id or None)),
        "source": "gateway",
    }


def _valid(record: dict[str, Any]) -> dict[str, Any] | None:
    try:
        if not isinstance(record.get("account_id"), str) or not record["account_id"] or len(record["account_id"]) > 64:
            return None
        if record.get("mode") not in MODES:
            return None
        rid = record.get("request_id")
        if not isinstance(rid, str) or not rid.startswith("req_") or len(rid) > 64:
            return None
        status = record.get("status")
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            return None
        at_ms = record.get("at_ms")
        if isinstance(at_ms, bool) or not isinstance(at_ms, int) or at_ms <= 0:
            return None
        latency = float(record.get("latency_ms") or 0)
        if not 0 <= latency < 86_400_000:
            return None
    except (TypeError, ValueError):
        return None
    out: dict[str, Any] = {
        "request_id": rid, "account_id": record["account_id"], "mode": record["mode"], "at_ms": at_ms,
        "status": status, "latency_ms": round(latency, 2),
        "idempotent_replayed": record.get("idempotent_replayed") is True,
        "source": record.get("source"),
    }
    for name, limit in _TEXTS.items():
        v = record.get(name)
        if v is not None:
            out[name] = clean(str(v)) if limit is None else clean(str(v), limit)
    return out


def handle_event(event: dict[str, Any]) -> dict[str, int]:
    """Ingest one CloudWatch Logs event: the resource_request lines' metrics, then every
    record's request log. Raises (so the event is delivered again) when either could
    not be written; what was written is recognised as duplicates then."""
    payload = metrics_ingest.decode(event)
    if payload.get("messageType") != "DATA_MESSAGE":  # CONTROL_MESSAGE: CloudWatch checking the destination
        return {"records": 0, "ignored": 0}
    resource_records: list[metrics_ingest.Record] = []
    logged: list[dict[str, Any]] = []
    ignored = 0
    for entry in payload.get("logEvents") or []:
        message = entry.get("message") or ""
        resource_record, record = metrics_ingest.parse(message), parse(message)
        if resource_record is not None:
            resource_records.append(resource_record)
        if record is not None:
            logged.append(record)
        if resource_record is None and record is None:
            ignored += 1
    if ignored:
        log.warning("ignored %d log events that are no records", ignored)
    summary = metrics_ingest.ingest(resource_records)
    written = store.write(logged)
    summary.update(request_logs=written["written"], request_log_duplicates=written["duplicates"], ignored=ignored)
    return summary
