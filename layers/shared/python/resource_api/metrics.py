"""Per-resource request metrics and request logs (the `metrics` and `logs` expansions).

Every request on one resource (a route under `/v1/resources/{id}`) is observed once,
by the HTTP frame after its response is built (`observe`). It costs two writes, sent
in parallel (one round trip):

- one UpdateItem on the resource's metrics item (keys.resource_metrics): `ADD` to the
  lifetime counters and to the current hour's counters and latency histogram (the
  first request creates the item);
- one PutItem of a log entry (keys.resource_log) with a 7-day TTL.

Only requests on resources that exist are recorded: the logic marks the resource it
loaded (`reached`); a request refused before that (validation, the key's rate limit)
costs one GetItem of the resource first; a 404 is not recorded at all. A DELETE that
removed the resource deletes its metrics item instead. Once an hour per resource a
third, small write drops the hour that left the 24-hour window. Nothing here ever
fails a request: errors are logged and swallowed.

Layout of the metrics item (flat numeric attributes, so plain `ADD` works):

    n, e, s                 lifetime requests, errors (status >= 400), latency sum (µs)
    h{H}n, h{H}e, h{H}s     the same for clock hour H (epoch seconds // 3600)
    h{H}b{k}                requests of hour H whose latency fell in bucket k

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
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aws_lambda_powertools import Logger

from . import clock, db, keys, schema
from .context import RequestContext

logger = Logger(service="resource-api", child=True)

ENTITY = "resource_metrics"
LOG_ENTITY = "resource_log"
RESOURCE_PATH = "/v1/resources/{id}"
HOUR = 3600
WINDOW_HOURS = 24  # last_24h: the current clock hour and the 23 before it
LOG_TTL_S = 7 * 86_400
LOG_LIMIT = 20
BUCKETS_PER_DOUBLING = 4
MAX_BUCKET = 80  # 2^20 ms, about 17.5 minutes
_HOUR_ATTR = re.compile(r"^h(\d+)(n|e|s|b\d+)$")
_pool: ThreadPoolExecutor | None = None


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


# --- recording ---------------------------------------------------------------------

_REACHED = "resources_reached"  # ctx.extras: resources this request loaded (so they exist)


def reached(ctx: RequestContext, resource_id: str) -> None:
    """Called by the logic when a request loaded a resource: it exists, so the hook may
    count the request on it without reading it again."""
    ctx.extras.setdefault(_REACHED, set()).add(resource_id)


def is_error(status: int) -> bool:
    return status >= 400


def _record(account_id: str, mode: str, resource_id: str, status: int, latency_ms: float, now: float) -> dict[str, Any]:
    """The one counter write: lifetime + this hour + this hour's bucket (the first one
    creates the item)."""
    hour = int(now) // HOUR
    err = 1 if is_error(status) else 0
    micros = max(0, round(latency_ms * 1000))
    resp = db.client().update_item(
        TableName=db.table(),
        Key=db.to_item(keys.resource_metrics(account_id, mode, resource_id)),
        UpdateExpression=(
            "ADD n :one, e :err, s :lat, #hn :one, #he :err, #hs :lat, #hb :one "
            "SET entity = :entity, #res = :rid, account_id = :acct, #mode = :mode"
        ),
        ExpressionAttributeNames={
            "#hn": f"h{hour}n",
            "#he": f"h{hour}e",
            "#hs": f"h{hour}s",
            "#hb": f"h{hour}b{bucket(latency_ms)}",
            "#res": "resource",
            "#mode": "mode",
        },
        ExpressionAttributeValues=db.values(
            one=1, err=err, lat=micros, entity=ENTITY, rid=resource_id, acct=account_id, mode=mode
        ),
        ReturnValues="ALL_NEW",
    )
    return db.from_item(resp.get("Attributes")) or {}


def _drop_stale(account_id: str, mode: str, resource_id: str, item: dict[str, Any], now: float) -> None:
    """Remove hours that left the 24-hour window (about once an hour per resource)."""
    oldest = int(now) // HOUR - WINDOW_HOURS + 1
    stale = [name for name in item if (m := _HOUR_ATTR.match(name)) and int(m.group(1)) < oldest]
    if not stale:
        return
    db.client().update_item(
        TableName=db.table(),
        Key=db.to_item(keys.resource_metrics(account_id, mode, resource_id)),
        UpdateExpression="REMOVE " + ", ".join(f"#s{i}" for i in range(len(stale))),
        ConditionExpression="attribute_exists(pk)",
        ExpressionAttributeNames={f"#s{i}": name for i, name in enumerate(stale)},
    )


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
    now: float,
) -> dict[str, Any]:
    at_ms = int(now * 1000)
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
        schema.TTL_ATTRIBUTE: int(now) + LOG_TTL_S,
    }


def _put_log(item: dict[str, Any]) -> None:
    db.client().put_item(TableName=db.table(), Item=db.to_item(item))


def _exists(ctx: RequestContext, resource_id: str) -> bool:
    resp = db.client().get_item(
        TableName=db.table(),
        Key=db.to_item(keys.resource(ctx.account_id, ctx.mode, resource_id)),
        ProjectionExpression="pk",
    )
    return "Item" in resp


def record(
    ctx: RequestContext,
    resource_id: str,
    *,
    method: str,
    path: str,
    status: int,
    latency_ms: float,
) -> bool:
    """Count one request on a resource and log it. True if recorded; never raises."""
    try:
        return _record_and_log(ctx, resource_id, method=method, path=path, status=status, latency_ms=latency_ms)
    except Exception:  # metrics must never fail the request
        logger.exception("recording resource metrics failed", extra={"resource": resource_id})
        return False


def _record_and_log(
    ctx: RequestContext, resource_id: str, *, method: str, path: str, status: int, latency_ms: float
) -> bool:
    from . import ids  # noqa: PLC0415 (cheap; keeps the import graph flat)

    if not ctx.account_id or not ids.is_valid(resource_id, "res"):
        return False
    if status == 404:
        return False  # no such resource for this caller: nothing to count
    key = keys.resource_metrics(ctx.account_id, ctx.mode, resource_id)
    if method == "DELETE" and 200 <= status < 300:
        # The resource is gone: its counters go too (its log entries expire on their own).
        db.client().delete_item(TableName=db.table(), Key=db.to_item(key))
        return False
    if resource_id not in ctx.extras.get(_REACHED, ()) and not _exists(ctx, resource_id):
        # Refused before the logic read the resource (a validation error, the key's
        # rate limit, an idempotency conflict...): count it only if the resource exists.
        return False
    now = clock.now()
    entry = log_item(
        ctx.account_id,
        ctx.mode,
        resource_id,
        request_id=ctx.request_id,
        method=method,
        path=path,
        status=status,
        latency_ms=latency_ms,
        now=now,
    )
    log_write = _executor().submit(_put_log, entry)  # in parallel: one round trip
    try:
        item = _record(ctx.account_id, ctx.mode, resource_id, status, latency_ms, now)
    finally:
        log_write.result()
    _drop_stale(ctx.account_id, ctx.mode, resource_id, item, now)
    return True


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="metrics")
    return _pool


def resource_id_of(route_path: str, path_params: dict[str, str]) -> str | None:
    """The resource a route is about, for routes under /v1/resources/{id}."""
    if route_path == RESOURCE_PATH or route_path.startswith(RESOURCE_PATH + "/"):
        return path_params.get("id")
    return None


def observe(ctx: RequestContext, route_method: str, route_path: str, path_params: dict[str, str], path: str,
            status: int, latency_ms: float) -> None:
    """The HTTP frame's hook: record a request if it was on a single resource. Never raises."""
    try:
        resource_id = resource_id_of(route_path, path_params)
        if resource_id is not None:
            record(ctx, resource_id, method=route_method, path=path, status=status, latency_ms=latency_ms)
    except Exception:
        logger.exception("observing a request failed")


# --- reading -----------------------------------------------------------------------


def _rate(requests: int, errors: int) -> float | None:
    return None if requests == 0 else round(100 * (requests - errors) / requests, 2)


def _avg(requests: int, micros: int) -> int | None:
    return None if requests == 0 else round(micros / requests / 1000)


def _hours(item: dict[str, Any]) -> dict[int, dict[str, Any]]:
    hours: dict[int, dict[str, Any]] = {}
    for name, value in item.items():
        m = _HOUR_ATTR.match(name)
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
    items = [i for i in items if int(i.get(schema.TTL_ATTRIBUTE, 0)) > now]
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
