"""The request logs' cost per million requests (part of phase 4, bench/cost.py): what
recording one request costs beyond serving it, modelled from the items the ingestion
really writes (resource_api.requestlogs.store: log_item, pointer_item, the hourly usage
Update) for three request profiles, sized by DynamoDB's item-size rules.

Per request (requestlogs/store.py's transaction, docs/request-logs.md):
    DynamoDB: the log item Put + the request-id pointer Put, both in a transaction
              (a transactional write costs 2 WRU per started KB), plus the share of the
              hour's usage Update (one per transaction of up to 49 requests);
    CloudWatch Logs: the request_log field of the request's log line (the line itself
              is printed anyway), at the ingestion price;
    Lambda: the ingest invocation's share, taken from the measured metrics ingestion
              batch when there is one (bench/roundtrips.py), else a 1 ms-per-batch floor.
Storage (30 days of items) is listed apart: it is per GB-month, not per request.
"""

from __future__ import annotations

import json
import math
from typing import Any

# (label, method, request body bytes, response body bytes, has query, is error)
PROFILES = (
    ("read (GET, no body, 1 KB answer)", "GET", 0, 1024, True, False),
    ("write (POST, 200 B body, 1 KB answer)", "POST", 200, 1024, False, False),
    ("error (POST, 200 B body, 400 answer)", "POST", 200, 400, False, True),
    ("worst case (both bodies at the cap)", "POST", 10**6, 10**6, True, False),
)
BATCH = 12  # requests per transaction (store.RECORDS_PER_TRANSACTION) in a busy account's hour
REQUESTS_PER_INVOCATION = 49  # requests per ingest invocation (a subscription's batch), as modelled before
STORAGE_GB_MONTH = 0.25  # DynamoDB Standard storage, USD per GB-month (us-east-1)


def item_bytes(item: dict[str, Any]) -> int:
    """DynamoDB's size of an item: each attribute's name plus its value (strings in
    UTF-8, numbers ~1 byte per 2 digits + 1, booleans and nulls 1 byte)."""
    size = 0
    for name, value in item.items():
        size += len(name.encode("utf-8"))
        if isinstance(value, bool) or value is None:
            size += 1
        elif isinstance(value, (int, float)):
            size += math.ceil(len(str(value).replace("-", "").replace(".", "")) / 2) + 1
        else:
            size += len(str(value).encode("utf-8"))
    return size


def _record(method: str, request_bytes: int, response_bytes: int, query: bool, error: bool) -> dict[str, Any]:
    from resource_api.core.redact import clean

    record = {
        "request_id": "req_" + "0" * 32, "account_id": "acct_01m98rgdcsxhy0ammfq5w7m8", "mode": "test",
        "at_ms": 1_800_000_000_000, "method": method, "path": "/v1/resources", "status": 400 if error else 200,
        "latency_ms": 42.17, "key_id": "key_01m98rgdr27tnbg8mrca7mce", "key_last4": "abcd",
        "api_version": "2024-01-15", "idempotent_replayed": False, "source_ip": "203.0.113.10",
        "user_agent": "resource-api-python/1.0 (Python 3.12)", "source": "function",
        "query": "limit=20&starting_after=res_01m98rgdcsxhy0ammfq5w7m8" if query else None,
        "idempotency_key": "9f1c6c1e-8d5b-4c33-a2c3-1d1f0f6f0a11" if method != "GET" else None,
        "request_body": clean("x" * request_bytes) if request_bytes else None,
        "response_body": clean("y" * response_bytes),
    }
    if error:
        record.update(error_type="invalid_request_error", error_code="parameter_invalid", error_param="name")
    return record


def _usage_update_bytes() -> int:
    """The hour's usage item: counters n, e, r, s, a handful of latency buckets, start, entity, TTL."""
    item = {"pk": "acct_01m98rgdcsxhy0ammfq5w7m8#test#REQUSE", "sk": "H0000500000", "entity": "request_usage",
            "start": 1_800_000_000, "expires_at": 1_802_678_400, "n": 100_000, "e": 1_000, "r": 10,
            "s": 4_200_000_000, **{f"b{k}": 1000 for k in range(20, 32)}}
    return item_bytes(item)


def model(prices: dict[str, Any], ingest_lambda_per_request_usd: float | None = None) -> dict[str, Any]:
    from resource_api.frame import request_log
    from resource_api.requestlogs import store

    wru_price = prices["dynamodb_on_demand_per_million_write_request_units"] / 1e6
    usage_wru = 2 * math.ceil(_usage_update_bytes() / 1024) / BATCH
    profiles = {}
    for label, method, req, resp, query, error in PROFILES:
        record = _record(method, req, resp, query, error)
        log_bytes, pointer_bytes = item_bytes(store.log_item(record)), item_bytes(store.pointer_item(record))
        wru = 2 * math.ceil(log_bytes / 1024) + 2 * math.ceil(pointer_bytes / 1024) + usage_wru
        # the request line is printed anyway: only its request_log field is extra
        line_bytes = len(json.dumps(request_log.line(record), separators=(",", ":")).encode("utf-8"))
        logs_usd = line_bytes / 1e9 * prices["cloudwatch_logs_ingestion_per_gb"]
        lambda_usd = ingest_lambda_per_request_usd if ingest_lambda_per_request_usd is not None else (
            prices["lambda_per_million_requests"] / 1e6 / REQUESTS_PER_INVOCATION)
        usd = wru * wru_price + logs_usd + lambda_usd
        profiles[label] = {
            "per_million": round(usd * 1e6, 2),
            "parts": {"dynamodb": round(wru * wru_price * 1e6, 2), "cloudwatch_logs": round(logs_usd * 1e6, 2),
                      "lambda": round(lambda_usd * 1e6, 2)},
            "wru": round(wru, 2),
            "item_bytes": log_bytes + pointer_bytes,
            "storage_usd_per_million_per_month": round((log_bytes + pointer_bytes) * 1e6 / 1e9 * STORAGE_GB_MONTH, 2),
        }
    typical = profiles[PROFILES[0][0]]
    return {
        "unit": "per request recorded in the request logs, off the request path (extra to serving it)",
        "per_million": typical["per_million"],
        "parts": typical["parts"],
        "profiles": profiles,
    }
