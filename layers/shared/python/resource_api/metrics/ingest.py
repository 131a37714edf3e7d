"""Per-resource metrics and request logs, written off the request path (the
`metrics_ingest` function).

The HTTP frame logs one structured line per request; on a request on one resource that
line is a `"record": "resource_request"` record (metrics.request_record). A CloudWatch
Logs subscription filter on the API functions' log groups sends the matching lines here
as Lambda's CloudWatch Logs event (`{"awslogs": {"data": base64(gzip(json))}}`); the
local cloud emulates it (localcloud/pollers.py). For each resource of a batch:

- one TransactWriteItems (chunked at DynamoDB's 100 items) of
    a ConditionCheck that the resource still exists,
    the metrics item's `ADD`s (lifetime, hour, latency bucket: metrics/store.py's layout),
    one Put per request of its log entry, with `attribute_not_exists(pk)`;
- a 2xx DELETE (the resource is gone) deletes the metrics item instead, and the other
  records of that resource are dropped, like those of any resource that no longer
  exists (the ConditionCheck fails).

Delivery is at least once, ingestion exactly once per request: the counters move only
in the transaction that adds the request's log entry, so a request already ingested
fails its Put's condition; the transaction is cancelled, its CancellationReasons name
the duplicates, and it is sent again without them.

Anything else that fails (throttling, a timeout, an unknown cancellation) raises, so
the whole event is retried (what was already written is recognised as duplicates then);
nothing is silently dropped. Lines that are not records (foreign, truncated, malformed)
are ignored and counted: retrying could not make them valid.

Once per resource and clock hour (per ingest container), hours that left the 24-hour
window are removed from the metrics item: one GetItem, plus one UpdateItem when there
is something to remove. Housekeeping only (readers ignore those hours): a failure is
logged, not raised, and tried again with the next batch.
"""

from __future__ import annotations

import base64
import gzip
import json
import time
from collections.abc import Iterable
from typing import Any, NamedTuple

from aws_lambda_powertools import Logger

from ..core import clock, db, ids, keys
from . import store as metrics

log = Logger(service="resource-api", child=True)

MAX_TRANSACTION_ITEMS = 100  # DynamoDB's TransactWriteItems limit
LOGS_PER_TRANSACTION = MAX_TRANSACTION_ITEMS - 2  # + the ConditionCheck and the metrics Update
MAX_ATTEMPTS = 8  # of one chunk, for conflicts and throttling (each duplicate found is progress, not an attempt)
# Cancellation reasons worth another attempt of the same transaction; any other raises.
RETRYABLE = {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"}
MODES = ("test", "live")
METHODS = ("GET", "PATCH", "DELETE", "POST", "PUT")
_checked: dict[tuple[str, str, str], int] = {}  # resource -> clock hour its stale hours were last checked
_CHECKED_MAX = 50_000


class IngestError(RuntimeError):
    """The batch could not be ingested: raised so that it is delivered again."""


class Record(NamedTuple):  # (a NamedTuple: dataclasses would add ~3 ms to the cold start)
    account_id: str
    mode: str
    resource_id: str
    request_id: str
    method: str
    path: str
    status: int
    latency_ms: float
    at_ms: int

    @property
    def resource(self) -> tuple[str, str, str]:
        return (self.account_id, self.mode, self.resource_id)

    @property
    def removes_resource(self) -> bool:
        return self.method == "DELETE" and 200 <= self.status < 300


# --- the CloudWatch Logs event -------------------------------------------------------


def decode(event: dict[str, Any]) -> dict[str, Any]:
    """The payload of Lambda's CloudWatch Logs event."""
    return json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))


def encode(payload: dict[str, Any]) -> dict[str, Any]:
    """The event Lambda hands a subscribed function (the local cloud and tests make it)."""
    data = base64.b64encode(gzip.compress(json.dumps(payload, separators=(",", ":")).encode("utf-8")))
    return {"awslogs": {"data": data.decode("ascii")}}


def subscription_event(
    log_group: str,
    messages: Iterable[tuple[str, int, str]],
    *,
    log_stream: str = "local",
    owner: str = "123456789012",
    filter_name: str = "resource-requests",
) -> dict[str, Any]:
    """A DATA_MESSAGE event of (event id, timestamp ms, message) log events."""
    return encode(
        {
            "messageType": "DATA_MESSAGE",
            "owner": owner,
            "logGroup": log_group,
            "logStream": log_stream,
            "subscriptionFilters": [filter_name],
            "logEvents": [{"id": i, "timestamp": ts, "message": m} for i, ts, m in messages],
        }
    )


def json_of(message: str) -> dict[str, Any] | None:
    """The JSON object a log line carries (after any prefix), or None."""
    start = message.find("{")
    if start < 0:
        return None
    try:
        data = json.loads(message[start:])
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def parse(message: str) -> Record | None:
    """The record a log line carries, or None if it is not a valid resource_request line."""
    data = json_of(message)
    if data is None or data.get(metrics.RECORD_FIELD) != metrics.RECORD_MARKER:
        return None
    try:
        record = Record(
            account_id=_text(data["account_id"]),
            mode=_text(data["mode"]),
            resource_id=_text(data["resource_id"]),
            request_id=_text(data["request_id"]),
            method=_text(data["method"]),
            path=_text(data["path"]),
            status=_integer(data["status"]),
            latency_ms=float(data["latency_ms"]),
            at_ms=_integer(data["at_ms"]),
        )
    except (KeyError, TypeError, ValueError):
        return None
    if (
        record.mode not in MODES
        or record.method not in METHODS
        or not ids.is_valid(record.resource_id, "res")
        or not record.account_id
        or not record.request_id
        or not 100 <= record.status <= 599
        or record.status == 404
        or not 0 <= record.latency_ms < 86_400_000
        or record.at_ms <= 0
    ):
        return None
    return record


def _text(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 200:
        raise ValueError("not a short string")
    return value


def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value:
        raise ValueError("not an integer")
    return int(value)


# --- the handler's work ---------------------------------------------------------------


def handle_event(event: dict[str, Any]) -> dict[str, int]:
    """Ingest one CloudWatch Logs event. Raises IngestError (or the AWS error) when the
    batch must be delivered again."""
    payload = decode(event)
    if payload.get("messageType") != "DATA_MESSAGE":  # CONTROL_MESSAGE: CloudWatch checking the destination
        return {"records": 0, "ignored": 0}
    records: list[Record] = []
    ignored = 0
    for entry in payload.get("logEvents") or []:
        record = parse(entry.get("message") or "")
        if record is None:
            ignored += 1
        else:
            records.append(record)
    if ignored:
        log.warning("ignored %d log events that are not resource_request records", ignored)
    summary = ingest(records)
    summary["ignored"] = ignored
    return summary


def ingest(records: Iterable[Record]) -> dict[str, int]:
    """Write the records' metrics and log entries, exactly once per request."""
    by_resource: dict[tuple[str, str, str], dict[str, Record]] = {}
    count = 0
    for record in records:
        count += 1
        by_resource.setdefault(record.resource, {}).setdefault(record.request_id, record)
    summary = {"records": count, "ingested": 0, "duplicates": count - sum(len(v) for v in by_resource.values()),
               "dropped": 0, "metrics_deleted": 0}
    for resource, unique in by_resource.items():
        batch = sorted(unique.values(), key=lambda r: (r.at_ms, r.request_id))
        if any(r.removes_resource for r in batch):
            _delete_metrics(*resource)
            summary["metrics_deleted"] += 1
            summary["dropped"] += len(batch)
            _checked.pop(resource, None)
            continue
        for start in range(0, len(batch), LOGS_PER_TRANSACTION):
            chunk = batch[start : start + LOGS_PER_TRANSACTION]
            written, duplicates, gone = _write(resource, chunk)
            summary["ingested"] += written
            summary["duplicates"] += duplicates
            if gone:  # the resource no longer exists: its later chunks go the same way
                summary["dropped"] += gone + len(batch) - start - len(chunk)
                break
        else:
            _drop_stale_hours(*resource)
    return summary


def _write(resource: tuple[str, str, str], records: list[Record]) -> tuple[int, int, int]:
    """One chunk of one resource: (ingested, duplicates, dropped because the resource is gone)."""
    return write_once(lambda pending: _transaction(resource, pending), records, head=2, stride=1,
                      gone=lambda reasons: reasons[0] == "ConditionalCheckFailed")


def write_once(
    build: Any, records: list[Any], *, head: int, stride: int, gate: int = 0, gone: Any = None
) -> tuple[int, int, int]:
    """Commit the transaction `build(records)`, each record once: record i's items start
    at index head + stride * i, and the one at + gate is Put with attribute_not_exists.
    A record whose gate fails was written by an earlier delivery: it is dropped and the
    rest sent again. gone(reasons): the transaction's own check failed, nothing is to be
    written. (written, duplicates, dropped as gone); anything else raises IngestError."""
    pending = list(records)
    duplicates = 0
    attempt = 0
    while pending:
        try:
            db.client().transact_write_items(TransactItems=build(pending))
            return len(pending), duplicates, 0
        except Exception as exc:  # noqa: BLE001 - sorted out below; anything unknown is raised
            if db.error_code(exc) != "TransactionCanceledException":
                raise
            reasons = db.cancellation_reasons(exc)
            if len(reasons) != head + stride * len(pending):
                raise IngestError(f"cancelled without a reason per item: {reasons}") from exc
            if gone is not None and gone(reasons):
                return 0, duplicates, len(pending)
            seen = {i for i in range(len(pending)) if reasons[head + stride * i + gate] == "ConditionalCheckFailed"}
            if seen:  # already ingested by an earlier delivery: drop those, send the rest again
                duplicates += len(seen)
                pending = [r for i, r in enumerate(pending) if i not in seen]
                continue
            others = sorted({code for code in reasons if code != "None"})
            attempt += 1
            if not set(others) <= RETRYABLE or attempt >= MAX_ATTEMPTS:
                raise IngestError(f"transaction cancelled ({attempt} attempts): {others}") from exc
            time.sleep(min(0.05 * 2**attempt, 1.0))  # another ingestion on the same item, or throttling
    return 0, duplicates, 0


def _transaction(resource: tuple[str, str, str], records: list[Record]) -> list[dict[str, Any]]:
    account_id, mode, resource_id = resource
    table = db.table()
    adds: dict[str, int] = {"n": 0, "e": 0, "s": 0}
    for r in records:
        hour = r.at_ms // 1000 // metrics.HOUR
        err = 1 if metrics.is_error(r.status) else 0
        micros = max(0, round(r.latency_ms * 1000))
        for name, value in (("n", 1), ("e", err), ("s", micros), (f"h{hour}n", 1), (f"h{hour}e", err),
                            (f"h{hour}s", micros), (f"h{hour}b{metrics.bucket(r.latency_ms)}", 1)):
            adds[name] = adds.get(name, 0) + value
    names = {f"#a{i}": name for i, name in enumerate(adds)}
    vals = {f":a{i}": {"N": str(value)} for i, value in enumerate(adds.values())}
    update = {
        "TableName": table,
        "Key": db.to_item(keys.resource_metrics(account_id, mode, resource_id)),
        "UpdateExpression": "ADD " + ", ".join(f"#a{i} :a{i}" for i in range(len(adds)))
        + " SET entity = :entity, #res = :rid, account_id = :acct, #mode = :mode",
        "ExpressionAttributeNames": {**names, "#res": "resource", "#mode": "mode"},
        "ExpressionAttributeValues": {
            **vals, **db.values(entity=metrics.ENTITY, rid=resource_id, acct=account_id, mode=mode)
        },
    }
    items: list[dict[str, Any]] = [
        {
            "ConditionCheck": {
                "TableName": table,
                "Key": db.to_item(keys.resource(account_id, mode, resource_id)),
                "ConditionExpression": "attribute_exists(pk)",
            }
        },
        {"Update": update},
    ]
    for r in records:
        entry = metrics.log_item(account_id, mode, resource_id, request_id=r.request_id, method=r.method,
                                 path=r.path, status=r.status, latency_ms=r.latency_ms, at_ms=r.at_ms)
        items.append({"Put": {"TableName": table, "Item": db.to_item(entry),
                              "ConditionExpression": "attribute_not_exists(pk)"}})
    return items


def _delete_metrics(account_id: str, mode: str, resource_id: str) -> None:
    """The resource was deleted: its counters go too (its log entries expire on their own)."""
    db.client().delete_item(TableName=db.table(), Key=db.to_item(keys.resource_metrics(account_id, mode, resource_id)))


def _drop_stale_hours(account_id: str, mode: str, resource_id: str) -> None:
    """At most once per resource and clock hour (in this container): remove the hours
    that left the 24-hour window. Never raises."""
    resource = (account_id, mode, resource_id)
    now = clock.now()
    hour = int(now) // metrics.HOUR
    if _checked.get(resource) == hour:
        return
    try:
        key = db.to_item(keys.resource_metrics(account_id, mode, resource_id))
        item = db.from_item(db.client().get_item(TableName=db.table(), Key=key).get("Item")) or {}
        stale = metrics.stale_hours(item, now)
        for start in range(0, len(stale), 100):
            chunk = stale[start : start + 100]
            try:
                db.client().update_item(
                    TableName=db.table(),
                    Key=key,
                    UpdateExpression="REMOVE " + ", ".join(f"#s{i}" for i in range(len(chunk))),
                    ConditionExpression="attribute_exists(pk)",
                    ExpressionAttributeNames={f"#s{i}": name for i, name in enumerate(chunk)},
                )
            except Exception as exc:  # noqa: BLE001
                if db.error_code(exc) != "ConditionalCheckFailedException":
                    raise
                break  # deleted meanwhile: nothing left to clean
    except Exception:  # noqa: BLE001 - housekeeping: the next batch tries again
        log.warning("removing stale hours of %s failed", resource_id, exc_info=True)
        return
    if len(_checked) >= _CHECKED_MAX:
        _checked.clear()
    _checked[resource] = hour
