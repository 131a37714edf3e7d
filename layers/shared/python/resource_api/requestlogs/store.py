"""The request-log items in the table, their exactly-once writing, and the dashboard's
readers (get, query, usage). Layout (keys in core/keys.py; docs/request-logs.md):

    log item      pk {account}#{mode}#REQLOG        sk {at_ms:013d}#{request_id}
                  the record (FIELDS), expires_at = time + 30 days
    pointer       pk {account}#{mode}#REQID#{request_id}   sk REQID
                  `log_sk` (the log item's sort key), same TTL: request id lookup, and
                  the item whose conditional Put makes ingestion exactly once
    usage         pk {account}#{mode}#REQUSE        sk H{hour:010d}
                  n requests, e errors (>= 400), r rate limited (429), s latency sum (µs),
                  b{k} requests per latency bucket k (metrics.store's log-scale buckets),
                  expires_at = the hour's end + 31 days

One partition per account and mode holds its log items sorted by time: query() reads a
time range of it newest first (a Query with a key condition on the sort key), and
filters by status class, method, path prefix, key or idempotency key with a filter
expression on the pages it reads (see `query`). get() is two GetItems (pointer, then
the item). usage() is one Query of 24 (or `hours`) small items written at ingestion.

Writing (`write`): one TransactWriteItems per account, mode and hour of a batch, of
the hour's usage Update (ADD) and, per request, the pointer Put (condition: it does not
exist) and the log item Put, chunked at DynamoDB's 100 items. A request already
ingested fails its pointer's condition: the transaction is cancelled, the reasons name
the duplicates, and it is sent again without them. So the counters move exactly once
per request id, whatever the log delivery re-sends.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..core import clock, db, keys, table
from ..metrics import ingest as metrics_ingest
from ..metrics import store as metrics

ENTITY = "request_log"
POINTER_ENTITY = "request_log_id"
USAGE_ENTITY = "request_usage"
TTL_S = 30 * 86_400  # how long a request log is kept
USAGE_TTL_S = 31 * 86_400  # an hour's counters: a day longer than the logs they summarise
HOUR = 3600
MAX_HOURS = 24 * 31
MAX_LIMIT = 100
STATUS_CLASSES = ("2xx", "3xx", "4xx", "5xx")
# What query() reads at most (Query pages of up to 1 MB each) looking for `limit`
# matches of a filter before it answers with what it found and has_more.
MAX_PAGES = 20
# The record, as get/query return it (docs/request-logs.md).
FIELDS = (
    "request_id", "created", "account_id", "livemode", "method", "path", "status", "latency_ms",
    "key_id", "key_last4", "api_version", "idempotency_key", "idempotent_replayed", "source_ip",
    "user_agent", "error_type", "error_code", "error_param", "request_body", "response_body",
    # beyond the interface: the query string (GET parameters), and what recorded it
    "query", "source",
)
# Requests per transaction (2 Puts each + the hour's usage Update: 25 items). Not the 49
# that DynamoDB's 100 items allow: the local moto server serves DynamoDB one request at a
# time, and each 99-item transaction held every API call of the cloud behind it (paced
# GET p99 2-4 s at load average 8, 0.5 s with 25 items; docs/performance.md section 5).
# Deployed, a smaller transaction answers sooner and overlaps fewer others; the price is
# one usage Update per 12 requests instead of per 49 (bench/requestlog_cost.py).
RECORDS_PER_TRANSACTION = 12


def normalize_id(request_id: str) -> str:
    """The functions' form of a request id (req_ + API Gateway's id without dashes):
    gateway responses answer API Gateway's UUID form, which names the same request."""
    request_id = (request_id or "").strip()
    if request_id.startswith("req_"):
        return request_id
    return "req_" + request_id.replace("-", "").lower()


# --- writing ---------------------------------------------------------------------------


def log_item(record: dict[str, Any]) -> dict[str, Any]:
    """The log item of a record (record: FIELDS, plus account_id, mode, at_ms)."""
    at_ms = int(record["at_ms"])
    item = {
        **keys.request_log(record["account_id"], record["mode"], at_ms, record["request_id"]),
        "entity": ENTITY,
        "mode": record["mode"],
        "at_ms": at_ms,
        table.TTL_ATTRIBUTE: at_ms // 1000 + TTL_S,
    }
    for name in FIELDS:
        if name != "created" and record.get(name) is not None:
            item[name] = record[name]
    return item


def pointer_item(record: dict[str, Any]) -> dict[str, Any]:
    at_ms = int(record["at_ms"])
    return {
        **keys.request_log_pointer(record["account_id"], record["mode"], record["request_id"]),
        "entity": POINTER_ENTITY,
        "log_sk": keys.request_log_sort(at_ms, record["request_id"]),
        table.TTL_ATTRIBUTE: at_ms // 1000 + TTL_S,
    }


def write(records: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Store records (each: account_id, mode, request_id, at_ms and the FIELDS it has),
    exactly once per (account, mode, request id). Raises when the batch must be retried."""
    groups: dict[tuple[str, str, int], dict[str, dict[str, Any]]] = {}
    count = 0
    for record in records:
        count += 1
        hour = int(record["at_ms"]) // 1000 // HOUR
        groups.setdefault((record["account_id"], record["mode"], hour), {}).setdefault(record["request_id"], record)
    unique = sum(len(g) for g in groups.values())
    summary = {"records": count, "written": 0, "duplicates": count - unique}
    for group, by_id in groups.items():
        batch = sorted(by_id.values(), key=lambda r: (int(r["at_ms"]), r["request_id"]))
        for start in range(0, len(batch), RECORDS_PER_TRANSACTION):
            written, duplicates = _write_chunk(group, batch[start : start + RECORDS_PER_TRANSACTION])
            summary["written"] += written
            summary["duplicates"] += duplicates
    return summary


def _write_chunk(group: tuple[str, str, int], records: list[dict[str, Any]]) -> tuple[int, int]:
    # items: the usage Update, then per record its pointer Put (the gate) and its log Put
    written, duplicates, _ = metrics_ingest.write_once(
        lambda pending: _transaction(group, pending), records, head=1, stride=2, gate=0
    )
    return written, duplicates


def _transaction(group: tuple[str, str, int], records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    account_id, mode, hour = group
    name = db.table()
    adds: dict[str, int] = {"n": 0, "e": 0, "r": 0, "s": 0}
    for r in records:
        status = int(r["status"])
        latency = float(r.get("latency_ms") or 0)
        adds["n"] += 1
        adds["e"] += 1 if status >= 400 else 0
        adds["r"] += 1 if status == 429 else 0
        adds["s"] += max(0, round(latency * 1000))
        b = f"b{metrics.bucket(latency)}"
        adds[b] = adds.get(b, 0) + 1
    update = {
        "TableName": name,
        "Key": db.to_item(keys.request_usage(account_id, mode, hour)),
        "UpdateExpression": "ADD " + ", ".join(f"#a{i} :a{i}" for i in range(len(adds)))
        + " SET entity = :entity, #start = :start, #ttl = :ttl",
        "ExpressionAttributeNames": {
            **{f"#a{i}": n for i, n in enumerate(adds)}, "#start": "start", "#ttl": table.TTL_ATTRIBUTE,
        },
        "ExpressionAttributeValues": {
            **{f":a{i}": {"N": str(v)} for i, v in enumerate(adds.values())},
            **db.values(entity=USAGE_ENTITY, start=hour * HOUR, ttl=(hour + 1) * HOUR + USAGE_TTL_S),
        },
    }
    items: list[dict[str, Any]] = [{"Update": update}]
    for r in records:
        items.append({"Put": {"TableName": name, "Item": db.to_item(pointer_item(r)),
                              "ConditionExpression": "attribute_not_exists(pk)"}})
        items.append({"Put": {"TableName": name, "Item": db.to_item(log_item(r))}})
    return items


# --- reading ---------------------------------------------------------------------------


def render(item: dict[str, Any]) -> dict[str, Any]:
    """The record of a log item (every FIELD present; absent ones None)."""
    out = {name: item.get(name) for name in FIELDS}
    out["created"] = int(item["at_ms"]) / 1000
    out["livemode"] = item.get("mode") == "live"
    out["idempotent_replayed"] = bool(item.get("idempotent_replayed"))
    out["status"] = int(item["status"])
    out["latency_ms"] = float(item.get("latency_ms") or 0)
    return out


def _live(item: dict[str, Any] | None, now: float) -> bool:
    """Past its TTL is gone, whether or not DynamoDB has removed it yet."""
    return bool(item) and int(item.get(table.TTL_ATTRIBUTE, 0)) > now


def _pointer(account_id: str, mode: str, request_id: str) -> dict[str, Any] | None:
    key = db.to_item(keys.request_log_pointer(account_id, mode, normalize_id(request_id)))
    item = db.from_item(db.client().get_item(TableName=db.table(), Key=key).get("Item"))
    return item if _live(item, clock.now()) else None


def get(account_id: str, mode: str, request_id: str) -> dict[str, Any] | None:
    """One request's record, or None (unknown, another account's or mode's, expired).
    Takes either form of a request id (req_..., or the UUID a gateway response shows)."""
    if not account_id or not request_id or len(request_id) > 64:
        return None
    pointer = _pointer(account_id, mode, request_id)
    if pointer is None:
        return None
    key = {"pk": keys.request_log_partition(account_id, mode), "sk": pointer["log_sk"]}
    item = db.from_item(db.client().get_item(TableName=db.table(), Key=db.to_item(key)).get("Item"))
    return render(item) if _live(item, clock.now()) else None


def query(
    account_id: str,
    mode: str,
    *,
    status_class: str | None = None,
    method: str | None = None,
    path: str | None = None,
    since: int | None = None,
    until: int | None = None,
    key_id: str | None = None,
    idempotency_key: str | None = None,
    limit: int = 50,
    starting_after: str | None = None,
) -> tuple[list[dict[str, Any]], bool]:
    """Records newest first, (page, has_more). since/until: epoch seconds, inclusive;
    path: a prefix; starting_after: the request id of the last record of the previous
    page. The time range is the key condition; the other filters are a filter
    expression on the pages read, so a rare match in a long range reads up to
    MAX_PAGES pages (1 MB each) before answering what it found with has_more."""
    if status_class is not None and status_class not in STATUS_CLASSES:
        raise ValueError(f"status_class must be one of {', '.join(STATUS_CLASSES)}")
    limit = max(1, min(int(limit), MAX_LIMIT))
    now = clock.now()
    lo_ms = max(int((now - TTL_S) * 1000) + 1, (since or 0) * 1000)
    hi = keys.request_log_sort((until + 1) * 1000 - 1, "~") if until is not None else keys.request_log_sort(10**13 - 1, "~")
    start_key = None
    if starting_after:
        pointer = _pointer(account_id, mode, starting_after)
        if pointer is None:
            return [], False
        start_key = {"pk": {"S": keys.request_log_partition(account_id, mode)}, "sk": {"S": pointer["log_sk"]}}
    filters: list[str] = []
    names: dict[str, str] = {}
    vals: dict[str, Any] = db.values(p=keys.request_log_partition(account_id, mode), lo=keys.request_log_sort(lo_ms), hi=hi)
    if status_class is not None:
        base = int(status_class[0]) * 100
        filters.append("#status BETWEEN :slo AND :shi")
        names["#status"] = "status"
        vals.update(db.values(slo=base, shi=base + 99))
    for attr, value, op in (("method", method and method.upper(), "="), ("path", path, "begins"),
                            ("key_id", key_id, "="), ("idempotency_key", idempotency_key, "=")):
        if value is None or value == "":
            continue
        names[f"#{attr}"] = attr
        vals.update(db.values(**{f"f_{attr}": value}))
        filters.append(f"begins_with(#{attr}, :f_{attr})" if op == "begins" else f"#{attr} = :f_{attr}")
    request: dict[str, Any] = {
        "TableName": db.table(),
        "KeyConditionExpression": "pk = :p AND sk BETWEEN :lo AND :hi",
        "ExpressionAttributeValues": vals,
        "ScanIndexForward": False,
    }
    if filters:
        request["FilterExpression"] = " AND ".join(filters)
        request["ExpressionAttributeNames"] = names
    else:
        request["Limit"] = limit + 1
    found: list[dict[str, Any]] = []
    pages = 0
    while True:
        if start_key is not None:
            request["ExclusiveStartKey"] = start_key
        resp = db.client().query(**request)
        pages += 1
        found.extend(i for i in (db.from_item(x) or {} for x in resp.get("Items", [])) if _live(i, now))
        start_key = resp.get("LastEvaluatedKey")
        if len(found) > limit or start_key is None:
            break
        if pages >= MAX_PAGES:
            return [render(i) for i in found[:limit]], True
    return [render(i) for i in found[:limit]], len(found) > limit


def usage(account_id: str, mode: str, *, hours: int = 24, now: float | None = None) -> list[dict[str, Any]]:
    """One dict per clock hour, oldest first, the current (partial) hour last:
    {start, requests, errors (status >= 400), rate_limited (429), p50_ms, p99_ms}.
    Percentiles are the upper bound of the latency bucket holding that rank (never
    below the true value, at most ~19% above it); None for an hour without requests."""
    hours = max(1, min(int(hours), MAX_HOURS))
    now = clock.now() if now is None else now
    last = int(now) // HOUR
    first = last - hours + 1
    items: dict[int, dict[str, Any]] = {}
    request: dict[str, Any] = {
        "TableName": db.table(),
        "KeyConditionExpression": "pk = :p AND sk BETWEEN :lo AND :hi",
        "ExpressionAttributeValues": db.values(
            p=keys.request_usage_partition(account_id, mode),
            lo=keys.request_usage_sort(first), hi=keys.request_usage_sort(last),
        ),
    }
    while True:
        resp = db.client().query(**request)
        for raw in resp.get("Items", []):
            item = db.from_item(raw) or {}
            items[int(item["start"]) // HOUR] = item
        if not resp.get("LastEvaluatedKey"):
            break
        request["ExclusiveStartKey"] = resp["LastEvaluatedKey"]
    out = []
    for hour in range(first, last + 1):
        item = items.get(hour, {})
        hist = {int(k[1:]): int(v) for k, v in item.items() if k.startswith("b") and k[1:].isdigit()}
        p50, p99 = metrics.percentile(hist, 0.50), metrics.percentile(hist, 0.99)
        out.append({
            "start": hour * HOUR,
            "requests": int(item.get("n", 0)),
            "errors": int(item.get("e", 0)),
            "rate_limited": int(item.get("r", 0)),
            "p50_ms": None if p50 is None else float(p50),
            "p99_ms": None if p99 is None else float(p99),
        })
    return out
