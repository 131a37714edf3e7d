"""Minimal handlers: the same AWS calls as our resource endpoints, with no framework.

Each takes an API Gateway REST proxy event (with the authorizer's context) and returns
a proxy response, like the real handler, but parses with the standard library, builds
the DynamoDB requests inline and renders with json.dumps: no frame (resource_api.frame.http), no
pydantic, no idempotency or rate-limit modules, no logging. They reuse only the key
builders (`keys`) and the attribute-value conversions (`db.to_item`/`from_item`), so
they address the same items. Like the real endpoints they write no per-resource metrics:
those are ingested off the request path from the real frame's log line (resource_api.metrics.ingest).

They exist to be timed beside the real handlers (bench.cpu); bench.cpu checks that
each makes the same sequence of AWS calls as its real endpoint and reports it when
they drift apart (the real endpoints grow).
"""

from __future__ import annotations

import calendar
import hashlib
import json
import os
import secrets
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl

from resource_api.core import db, keys

TABLE = os.environ.get("TABLE_NAME", "resource-api")
ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def _client() -> Any:
    return db.client()


def _auth(event: dict[str, Any]) -> tuple[str, str, str]:
    a = event["requestContext"]["authorizer"]
    return a["account_id"], a["mode"], a["key_id"]


def _respond(status: int, body: Any) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


_leases: dict[str, list] = {}  # key -> [window, size, left, taken]: the frame's lease policy, bare


def forget_leases() -> None:
    _leases.clear()


def _rate_limit(account: str, mode: str) -> None:
    """Counted in leases as the real limiter counts (1 for a new key, doubling while used
    up within a second, up to 32), so both make the same calls; none of its checks."""
    now = time.time()
    window = int(now) // 60
    key_id = f"{account}#{mode}"  # the counters are the account's in one mode (frame/key_limits.py)
    lease = _leases.get(key_id)
    if lease is not None and lease[0] == window and lease[2] > 0:
        lease[2] -= 1
        return
    size = 1 if lease is None else (min(32, lease[1] * 2) if time.monotonic() - lease[3] < 1.0 else max(1, lease[1] // 2))
    t = time.gmtime(now)
    month = f"{t.tm_year:04d}{t.tm_mon:02d}"
    end = calendar.timegm((t.tm_year, t.tm_mon, calendar.monthrange(t.tm_year, t.tm_mon)[1], 23, 59, 59)) + 1
    _client().update_item(
        TableName=TABLE,
        Key=db.to_item(keys.rate_limit(account, mode, month)),
        UpdateExpression="ADD used :n, #cur :n SET expires_at = :exp REMOVE #stale",
        ExpressionAttributeNames={"#cur": f"w{window}", "#stale": f"w{window - 2}"},
        ExpressionAttributeValues={":n": {"N": str(size)}, ":exp": {"N": str(end + 35 * 86400)}},
        ReturnValues="ALL_NEW",
    )
    _leases[key_id] = [window, size, size - 1, time.monotonic()]


def _render(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": item["id"], "object": "resource", "created": item["created"], "updated": item["updated"],
        "livemode": item["mode"] == "live", "name": item["name"], "type": item["type"], "status": item["status"],
        "configuration": item["configuration"], "metadata": item.get("metadata") or {},
    }


def _form(event: dict[str, Any]) -> dict[str, str]:
    body = event.get("body") or ""
    if body.startswith("{"):
        return json.loads(body)
    return dict(parse_qsl(body, keep_blank_values=True))


def _idem_lock(account: str, mode: str, event: dict[str, Any]) -> dict[str, Any] | None:
    key = (event.get("headers") or {}).get("Idempotency-Key")
    if not key:
        return None
    idem = keys.idempotency(account, mode, hashlib.sha256(key.encode()).hexdigest())
    now = int(time.time())
    token = uuid.uuid4().hex
    _client().put_item(
        TableName=TABLE,
        Item=db.to_item({**idem, "state": "IN_PROGRESS", "fingerprint": hashlib.sha256((event.get("body") or "").encode()).hexdigest(),
                         "lock": token, "locked_until": now * 1000 + 30_000, "expires_at": now + 86400}),
        ConditionExpression="attribute_not_exists(pk) OR expires_at < :now",
        ExpressionAttributeValues={":now": {"N": str(now)}},
    )
    return {"key": idem, "token": token}


def _idem_done(lock: dict[str, Any] | None, status: int, body: Any) -> list[dict[str, Any]]:
    """The idempotency completion as an item of the write's own transaction (as ours)."""
    if lock is None:
        return []
    return [{"Update": dict(
        TableName=TABLE,
        Key=db.to_item(lock["key"]),
        UpdateExpression="SET #s = :done, #r = :response REMOVE #l, locked_until",
        ConditionExpression="#l = :token",
        ExpressionAttributeNames={"#s": "state", "#r": "response", "#l": "lock"},
        ExpressionAttributeValues=db.values(done="COMPLETED", token=lock["token"],
                                            response={"status": status, "body": json.dumps(body)}),
    )}]


def _new_id(now_ms: int) -> str:
    t = "".join(ALPHABET[(now_ms >> (5 * i)) & 31] for i in reversed(range(10)))
    return "res_" + t + "".join(secrets.choice(ALPHABET) for _ in range(14))


def get_resource(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    account, mode, key_id = _auth(event)
    _rate_limit(account, mode)
    rid = event["pathParameters"]["id"]
    item = db.from_item(
        _client().get_item(TableName=TABLE, Key=db.to_item(keys.resource(account, mode, rid))).get("Item")
    )
    if item is None:
        return _respond(404, {"error": {"type": "invalid_request_error", "code": "resource_missing"}})
    return _respond(200, _render(item))


def list_resources(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    account, mode, key_id = _auth(event)
    _rate_limit(account, mode)
    limit = int((event.get("queryStringParameters") or {}).get("limit") or 10)
    part = keys.resource_partition(account, mode)
    resp = _client().query(
        TableName=TABLE, KeyConditionExpression="pk = :p AND sk BETWEEN :lo AND :hi", ConsistentRead=True,
        ExpressionAttributeValues=db.values(p=part, lo="res_", hi="res_zzzzzzzzzzzzzzzzzzzzzzzzz"),
        Limit=limit + 1, ScanIndexForward=False,
    )
    items = [db.from_item(i) for i in resp.get("Items", [])]
    # the counter item and its shards (keys.COUNTER_SHARDS), summed: one Query
    shards = _client().query(
        TableName=TABLE, KeyConditionExpression="pk = :p AND begins_with(sk, :c)", ConsistentRead=True,
        ExpressionAttributeValues=db.values(p=part, c=keys.COUNTER_SK),
    ).get("Items", [])
    total = sum(int(i["total"]["N"]) for i in shards if "total" in i)
    return _respond(200, {"object": "list", "url": "/v1/resources", "has_more": len(items) > limit,
                          "data": [_render(i) for i in items[:limit]], "total_count": total})


def _counter(account: str, mode: str, changes: dict[str, int]) -> dict[str, Any]:
    return {"Update": {
        "TableName": TABLE, "Key": db.to_item(keys.resource_counter(account, mode)),
        "UpdateExpression": "ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(changes))),
        "ExpressionAttributeNames": {f"#c{i}": n for i, n in enumerate(changes)},
        "ExpressionAttributeValues": {f":c{i}": {"N": str(d)} for i, d in enumerate(changes.values())},
    }}


def create_resource(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    account, mode, key_id = _auth(event)
    _rate_limit(account, mode)
    form = _form(event)
    if not form.get("name") or form.get("type") not in ("production", "staging", "development"):
        return _respond(400, {"error": {"type": "invalid_request_error", "code": "parameter_invalid"}})
    lock = _idem_lock(account, mode, event)
    now_ms = int(time.time() * 1000)
    rid = _new_id(now_ms)
    item = {
        **keys.resource(account, mode, rid), **keys.resource_index(account, mode, "pending", rid),
        "account_id": account, "mode": mode, "entity": "resource", "id": rid, "created": now_ms // 1000,
        "updated": now_ms // 1000, "name": form["name"], "type": form["type"], "status": "pending",
        "configuration": {"timeout_ms": 5000, "retry_count": 3, "batch_size": 100}, "metadata": {}, "version": 1,
        "provisioning": {"status": "in_progress", "estimated_completion": now_ms // 1000 + 30, "steps_completed": 0,
                         "steps_total": 5},
    }
    body = {**_render(item), "provisioning": item["provisioning"]}
    _client().transact_write_items(
        TransactItems=[
            {"Put": {"TableName": TABLE, "Item": db.to_item(item), "ConditionExpression": "attribute_not_exists(pk)"}},
            _counter(account, mode, {"total": 1, "pending": 1}),
            *_idem_done(lock, 201, body),
        ],
        ClientRequestToken=str(uuid.uuid4()),
    )
    return _respond(201, body)


def _load(account: str, mode: str, rid: str) -> dict[str, Any] | None:
    return db.from_item(
        _client().get_item(TableName=TABLE, Key=db.to_item(keys.resource(account, mode, rid)),
                           ConsistentRead=True).get("Item")
    )


def update_resource(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    account, mode, key_id = _auth(event)
    _rate_limit(account, mode)
    form = _form(event)
    rid = event["pathParameters"]["id"]
    item_key = keys.resource(account, mode, rid)
    key = (event.get("headers") or {}).get("Idempotency-Key")
    token, lock_attr = uuid.uuid4().hex, "idempotency_lock_" + hashlib.sha256((key or "").encode()).hexdigest()[:32]
    if key:  # as ours: the key's lock is on the resource, and returns it (no read)
        now_ms = int(time.time() * 1000)
        current = db.from_item(_client().update_item(
            TableName=TABLE, Key=db.to_item(item_key), UpdateExpression="SET #lk = :lock",
            ConditionExpression="attribute_exists(pk) AND (attribute_not_exists(#lk) OR #lk.#u < :now)",
            ExpressionAttributeNames={"#lk": lock_attr, "#u": "until"},
            ExpressionAttributeValues=db.values(lock={"token": token, "until": now_ms + 30_000}, now=now_ms),
            ReturnValues="ALL_NEW",
        )["Attributes"])
        current.pop(lock_attr, None)
    else:
        current = _load(account, mode, rid)
    if current is None:
        return _respond(404, {"error": {"code": "resource_missing"}})
    new = {**current, "name": form.get("name", current["name"]), "updated": int(time.time()),
           "version": current["version"] + 1}
    body = _render(new)
    items: list[dict[str, Any]] = [{"Put": {
        "TableName": TABLE, "Item": db.to_item(new),
        "ConditionExpression": "version = :v" + (" AND #lk.#t = :t" if key else ""),
        **({"ExpressionAttributeNames": {"#lk": lock_attr, "#t": "token"}} if key else {}),
        "ExpressionAttributeValues": {":v": {"N": str(current["version"])}, **({":t": {"S": token}} if key else {})}}}]
    if key:
        now = int(time.time())
        items.append({"Put": {"TableName": TABLE, "Item": db.to_item({
            **keys.idempotency(account, mode, hashlib.sha256(key.encode()).hexdigest()), "state": "COMPLETED",
            "expires_at": now + 86400, "response": {"status": 200, "body": json.dumps(body)}}),
            "ConditionExpression": "attribute_not_exists(pk) OR expires_at < :now",
            "ExpressionAttributeValues": {":now": {"N": str(now)}}}})
    _client().transact_write_items(TransactItems=items, ClientRequestToken=str(uuid.uuid4()))
    return _respond(200, body)


def delete_resource(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    account, mode, key_id = _auth(event)
    _rate_limit(account, mode)
    lock = _idem_lock(account, mode, event)
    rid = event["pathParameters"]["id"]
    now = int(time.time())
    body = {"id": rid, "object": "resource", "deleted": True, "deleted_at": now}
    # No read: deleted on the condition that it is settled (the bench deletes settled ones).
    _client().transact_write_items(
        TransactItems=[
            {"Delete": {"TableName": TABLE, "Key": db.to_item(keys.resource(account, mode, rid)),
                        "ConditionExpression": "#st = :st AND capacity_reserved = :t",
                        "ExpressionAttributeNames": {"#st": "status"},
                        "ExpressionAttributeValues": db.values(st="active", t=True),
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
            _counter(account, mode, {"total": -1, "active": -1, "reserved": -1}),
            {"Delete": {"TableName": TABLE, "Key": db.to_item(keys.resource_runtime(account, mode, rid))}},
            {"Put": {"TableName": TABLE, "Item": db.to_item({**keys.resource_tombstone(account, mode, rid),
                                                             "entity": "resource_deletion", "id": rid,
                                                             "expires_at": now + 86400})}},
            *_idem_done(lock, 200, body),
        ],
        ClientRequestToken=str(uuid.uuid4()),
    )
    return _respond(200, body)


HANDLERS = {
    "get_resource": get_resource,
    "list_resources": list_resources,
    "create_resource": create_resource,
    "update_resource": update_resource,
    "delete_resource": delete_resource,
}
