"""Per-resource request metrics and request logs (the `metrics` and `logs` expansions).

Nothing here touches DynamoDB on the request path. Every request on one resource (a
route under `/v1/resources/{id}`) is recorded by the HTTP frame's one structured log
line per request: `request_record` gives the fields that make that line a
`"record": "resource_request"` line (who, which resource, which request, status,
latency, time). A CloudWatch Logs subscription filter on the functions' log groups
hands those lines to the `metrics_ingest` function (resource_api.metrics.ingest), which writes
the counters and log entries below, exactly once per request, off the request path:
metrics and logs are eventually consistent (docs/expand-and-metrics.md).

Layout of the metrics item (keys.resource_metrics; flat numeric attributes, so plain
`ADD` works and the first write creates the item):

    n, e, s                 lifetime requests, errors (status >= 400), latency sum (µs)
    h{H}n, h{H}e, h{H}s     the same for clock hour H (epoch seconds // 3600)
    h{H}b{k}                requests of hour H whose latency fell in bucket k

Each request also has a log entry (keys.resource_log, `log_item`) with a 7-day TTL.

Latency buckets are fixed and log-scale: bucket k holds latencies in
(2^((k-1)/4), 2^(k/4)] ms (each about 19% wider than the one before; bucket 0 is
everything up to 1 ms, the last one everything above ~17 minutes). Only buckets that
saw a request exist, so an hour typically costs a handful of attributes. Percentiles
are the upper bound of the bucket holding that rank: never below the true value and
at most one bucket (~19%) above it.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

from ..core import clock, db, ids, keys, table

if TYPE_CHECKING:  # the ingestion imports this module and needs no request context
    from ..frame.request import RequestContext

ENTITY = "resource_metrics"
LOG_ENTITY = "resource_log"
RESOURCE_PATH = "/v1/resources/{id}"
HOUR = 3600
WINDOW_HOURS = 24  # last_24h: the current clock hour and the 23 before it
LOG_TTL_S = 7 * 86_400
LOG_LIMIT = 20
BUCKETS_PER_DOUBLING = 4
MAX_BUCKET = 80  # 2^20 ms, about 17.5 minutes
HOUR_ATTR = re.compile(r"^h(\d+)(n|e|s|b\d+)$")
# The request line of a request on one resource carries RECORD_FIELD = RECORD_MARKER:
# the subscription filter's pattern (infra) and the ingestion's parser (metrics/ingest.py) match it.
RECORD_FIELD = "record"
RECORD_MARKER = "resource_request"
INGEST_FUNCTION = "metrics_ingest"  # functions/metrics_ingest: the subscription's destination


# --- buckets ---------------------------------------------------------------------


def bucket(latency_ms: float) -> int:
    if latency_ms <= 1:
        return 0
    return min(MAX_BUCKET, math.ceil(BUCKETS_PER_DOUBLING * math.log2(latency_ms) - 1e-9))


def bucket_bound(k: int) -> int:
    """The upper bound of bucket k in whole milliseconds (rounded up)."""
    return math.ceil(2 ** (k / BUCKETS_PER_DOUBLING) - 1e-9)


def percentile(histogram: dict[int, int], q: float) -> int | None:
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = max(1, math.ceil(q * total))
    seen = 0
    for k in sorted(histogram):
        seen += histogram[k]
        if seen >= rank:
            return bucket_bound(k)
    return bucket_bound(max(histogram))


# --- recording: what the request line carries ------------------------------------------


def is_error(status: int) -> bool:
    return status >= 400


def resource_id_of(route_path: str, path_params: dict[str, str]) -> str | None:
    """The resource a route is about, for routes under /v1/resources/{id}."""
    if route_path == RESOURCE_PATH or route_path.startswith(RESOURCE_PATH + "/"):
        return path_params.get("id")
    return None


def recording_functions(routes: Any) -> list[str]:
    """The functions of the route table `routes` (routes.ROUTES) whose request lines can
    be resource_request records (the routes under /v1/resources/{id}): their log groups
    are subscribed to the ingestion."""
    return [r.function for r in routes if resource_id_of(r.path, {"id": "res"}) is not None]


def request_record(
    ctx: RequestContext,
    route_method: str,
    route_path: str,
    path_params: dict[str, str],
    status: int,
    latency_ms: float,
) -> dict[str, Any]:
    """The fields that make the frame's request line a record of a request on one
    resource, or {} when there is nothing to record (another route, an id that is not a
    resource id, a 404: the resource does not exist for this caller).

    Only ids, the method, the route path with the (validated) id filled in, the status
    and timings: never a header, a query string or a body, so no secret can get in."""
    resource_id = resource_id_of(route_path, path_params)
    if resource_id is None or status == 404 or not ctx.account_id or not ids.is_valid(resource_id, "res"):
        return {}
    return {
        RECORD_FIELD: RECORD_MARKER,
        "resource_id": resource_id,
        "request_id": ctx.request_id,
        "path": route_path.replace("{id}", resource_id),
        "at_ms": clock.now_ms(),
    }


def log_item(
    account_id: str,
    mode: str,
    resource_id: str,
    *,
    request_id: str,
    method: str,
    path: str,
    status: int,
    latency_ms: float,
    at_ms: int,
) -> dict[str, Any]:
    """One request's log entry (the `logs` expansion), expiring 7 days after the request."""
    return {
        **keys.resource_log(account_id, mode, resource_id, at_ms, request_id),
        "entity": LOG_ENTITY,
        "account_id": account_id,
        "mode": mode,
        "resource": resource_id,
        "request": request_id,
        "method": method,
        "path": path,
        "status": status,
        "latency_ms": round(latency_ms, 2),
        "at_ms": at_ms,
        table.TTL_ATTRIBUTE: at_ms // 1000 + LOG_TTL_S,
    }


def stale_hours(item: dict[str, Any], now: float) -> list[str]:
    """Attributes of hours that left the 24-hour window (readers ignore them)."""
    oldest = int(now) // HOUR - WINDOW_HOURS + 1
    return [name for name in item if (m := HOUR_ATTR.match(name)) and int(m.group(1)) < oldest]


# --- reading -----------------------------------------------------------------------


def _rate(requests: int, errors: int) -> float | None:
    return None if requests == 0 else round(100 * (requests - errors) / requests, 2)


def _avg(requests: int, micros: int) -> int | None:
    return None if requests == 0 else round(micros / requests / 1000)


def _hours(item: dict[str, Any]) -> dict[int, dict[str, Any]]:
    hours: dict[int, dict[str, Any]] = {}
    for name, value in item.items():
        m = HOUR_ATTR.match(name)
        if not m:
            continue
        h = hours.setdefault(int(m.group(1)), {"n": 0, "e": 0, "s": 0, "b": {}})
        field = m.group(2)
        if field.startswith("b"):
            h["b"][int(field[1:])] = int(value)
        else:
            h[field] = int(value)
    return hours


def _since(hours: dict[int, dict[str, Any]], first_hour: int) -> tuple[int, int, int, dict[int, int]]:
    n = e = s = 0
    hist: dict[int, int] = {}
    for hour, h in hours.items():
        if hour < first_hour:
            continue
        n, e, s = n + h["n"], e + h["e"], s + h["s"]
        for k, count in h["b"].items():
            hist[k] = hist.get(k, 0) + count
    return n, e, s, hist


def full(item: dict[str, Any] | None, now: float | None = None) -> dict[str, Any]:
    """The `metrics` expansion of a resource (the spec's GET example)."""
    item = item or {}
    now = clock.now() if now is None else now
    n, e, s = int(item.get("n", 0)), int(item.get("e", 0)), int(item.get("s", 0))
    dn, de, ds, hist = _since(_hours(item), int(now) // HOUR - WINDOW_HOURS + 1)
    return {
        "lifetime": {
            "requests": n,
            "success_rate": _rate(n, e),
            "errors": e,
            "avg_latency_ms": _avg(n, s),
        },
        "last_24h": {
            "requests": dn,
            "success_rate": _rate(dn, de),
            "errors": de,
            "avg_latency_ms": _avg(dn, ds),
            "p95_latency_ms": percentile(hist, 0.95),
            "p99_latency_ms": percentile(hist, 0.99),
        },
    }


def summary(item: dict[str, Any] | None, now: float | None = None) -> dict[str, Any]:
    """The `data.metrics` expansion of a list item (the spec's list example): today,
    the UTC calendar day so far."""
    now = clock.now() if now is None else now
    n, e, s, _ = _since(_hours(item or {}), (int(now) // 86_400) * 24)
    return {"requests_today": n, "success_rate": _rate(n, e), "avg_latency_ms": _avg(n, s)}


def load(account_id: str, mode: str, resource_id: str) -> dict[str, Any] | None:
    resp = db.client().get_item(
        TableName=db.table(), Key=db.to_item(keys.resource_metrics(account_id, mode, resource_id))
    )
    return db.from_item(resp.get("Item"))


def load_many(account_id: str, mode: str, resource_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Metrics items of a page of resources: BatchGetItem, 100 keys a call."""
    out: dict[str, dict[str, Any]] = {}
    ids_ = list(dict.fromkeys(resource_ids))
    for start in range(0, len(ids_), 100):
        request: dict[str, Any] = {
            db.table(): {"Keys": [db.to_item(keys.resource_metrics(account_id, mode, r)) for r in ids_[start : start + 100]]}
        }
        for _attempt in range(5):
            resp = db.client().batch_get_item(RequestItems=request)
            for raw in resp.get("Responses", {}).get(db.table(), []):
                item = db.from_item(raw) or {}
                out[item["resource"]] = item
            request = resp.get("UnprocessedKeys") or {}
            if not request:
                break
    return out


def logs(account_id: str, mode: str, resource_id: str, limit: int = LOG_LIMIT) -> dict[str, Any]:
    """The `logs` expansion: the newest requests of the last 7 days, newest first.
    Entries past their TTL are absent whether or not DynamoDB removed them yet."""
    now = clock.now()
    oldest = keys.resource_log_sort(int((now - LOG_TTL_S) * 1000) + 1)
    resp = db.client().query(
        TableName=db.table(),
        KeyConditionExpression="pk = :p AND sk >= :lo",
        ExpressionAttributeValues=db.values(p=keys.resource_log_partition(account_id, mode, resource_id), lo=oldest),
        ScanIndexForward=False,
        Limit=limit + 1,
    )
    items = [db.from_item(i) or {} for i in resp.get("Items", [])]
    items = [i for i in items if int(i.get(table.TTL_ATTRIBUTE, 0)) > now]
    return {
        "object": "list",
        "data": [render_log(i) for i in items[:limit]],
        "has_more": len(items) > limit,
    }


def render_log(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": item["request"],
        "object": "request_log",
        "created": int(item["at_ms"]) // 1000,
        "method": item["method"],
        "path": item["path"],
        "status": int(item["status"]),
        "latency_ms": item["latency_ms"],
    }
