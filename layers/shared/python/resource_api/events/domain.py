"""Events: what changed, as the spec's event object, kept 30 days and fanned out to
webhook endpoints.

The table's stream is the outbox. `on_change` (a stream subscriber) turns each
committed change into events, derived only from the stream record: the event id is
the change's time plus a hash of the record's eventID and the event type, so a retried
batch makes the same ids; the event is put only if absent, and fanned out (one SQS
message per subscribed, enabled endpoint of the same account and mode) until the event
says it was. An aborted write never reaches the stream, so it never makes an event.

What becomes which event:

    resource INSERT                          -> resource.created
    resource MODIFY (a rendered field moved) -> resource.updated (+ previous_attributes)
    ... and its status moved                 -> resource.status_changed as well
    resource REMOVE                          -> resource.deleted (the deleting request is on
                                                the tombstone its transaction wrote)
    notice INSERT (event_type, object)       -> that event type (resource.limit_exceeded)
    webhook_endpoint MODIFY, disabled by the pipeline -> webhook_endpoint.disabled

`request` is the request that made the change; a change made by the system (e.g.
provisioning moving a resource to active) has `request: {id: null, idempotency_key:
null}`, as in Stripe.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core import clock, db, ids, keys, lists, table
from ..core.errors import ApiError
from ..webhooks import domain as webhook_endpoints
from . import queues
from .drafts import DRAFTERS, Draft

if TYPE_CHECKING:  # annotations only: the webhook delivery function loads this module, not the models
    from ..core.changes import Change
    from ..frame.request import RequestContext
    from .models import EventListParams, EventResend

PREFIX = "evt"
ENTITY = "event"
API_VERSION = "2024-01-15"
RETENTION_S = 30 * 86_400
NOTICE_TTL_S = 86_400
NOTICE_TYPES = {"resource.limit_exceeded"}


def _request_of(change: Change) -> tuple[str | None, str | None]:
    new, old = change.new or {}, change.old or {}
    if change.name == "MODIFY" and new.get("request_id") == old.get("request_id"):
        # Each request writes an item at most once: the same request id means the
        # system (not a request) made this change.
        return None, None
    return new.get("request_id"), new.get("idempotency_key")


def drafts(change: Change) -> list[Draft]:
    new, old = change.new or {}, change.old or {}
    entity = change.entity
    item = new or old
    base = {"account_id": item.get("account_id", ""), "mode": item.get("mode", "")}
    request_id, idem = _request_of(change)
    req = {"request_id": request_id, "idempotency_key": idem}
    drafter = DRAFTERS.get(entity or "")
    if drafter is not None:
        return drafter(change, base, req)
    if entity == "notice" and change.name == "INSERT":
        return [
            Draft(new["event_type"], ids.created_ms(new["id"], "ntc"), object=new["object"], previous_attributes=None, **base, **req)
        ]
    if (
        entity == webhook_endpoints.ENTITY
        and change.name == "MODIFY"
        and new.get("disabled_by_system")
        and old.get("status") == webhook_endpoints.ENABLED
        and new.get("status") == webhook_endpoints.DISABLED
    ):
        obj = webhook_endpoints.render(new)
        return [
            Draft(
                "webhook_endpoint.disabled",
                int(new.get("disabled_at") or change.created) * 1000,
                object=obj,
                previous_attributes={"status": webhook_endpoints.ENABLED, "disabled_reason": None},
                account_id=base["account_id"],
                mode=base["mode"],
                request_id=None,
                idempotency_key=None,
            )
        ]
    return []


def event_id(change: Change, event_type: str, created_ms: int) -> str:
    """Deterministic: the same stream record and type always give the same id."""
    digest = hashlib.sha256(f"{change.event_id}|{event_type}".encode()).digest()
    n = int.from_bytes(digest[:9], "big")
    rand = "".join(ids.ALPHABET[(n >> (5 * i)) & 31] for i in reversed(range(ids.RANDOM_CHARS)))
    return f"{PREFIX}_{ids.time_part(created_ms)}{rand}"


VERSION_CACHE_S = 60.0
_versions: dict[str, tuple[str, float]] = {}


def api_version(account_id: str) -> str:
    """The version an account's events are rendered in: its default API version when the
    event is made (Stripe's rule; the latest if it has none). Read once a minute per
    account and container, so a change made with apictl shows within a minute."""
    now = time.monotonic()
    cached = _versions.get(account_id)
    if cached is not None and now - cached[1] < VERSION_CACHE_S:
        return cached[0]
    from ..core import accounts, versions  # noqa: PLC0415 (the stream processor's path only)

    version = versions.resolve(None, (accounts.get_account(account_id) or {}).get("api_version"))
    _versions[account_id] = (version, now)
    return version


def render(draft: Draft, evt_id: str, version: str = API_VERSION) -> dict[str, Any]:
    data: dict[str, Any] = {"object": draft.object}
    if draft.previous_attributes is not None:
        data["previous_attributes"] = draft.previous_attributes
    return {
        "id": evt_id,
        "object": "event",
        "type": draft.type,
        "created": draft.created_ms // 1000,
        "api_version": version,
        "livemode": draft.mode == "live",
        "data": data,
        "request": {"id": draft.request_id, "idempotency_key": draft.idempotency_key},
    }


def dumps(event: dict[str, Any]) -> str:
    """The exact bytes every delivery of this event sends (and the API returns)."""
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False)


# --- the stream subscriber -------------------------------------------------------------


def on_change(change: Change) -> None:
    for draft in drafts(change):
        evt = render(draft, event_id(change, draft.type, draft.created_ms), api_version(draft.account_id))
        publish(draft.account_id, draft.mode, evt)


def publish(account_id: str, mode: str, event: dict[str, Any]) -> None:
    """Store the event (once) and fan it out (until it is recorded as fanned out)."""
    item = event_item(account_id, mode, event)
    try:
        db.client().put_item(
            TableName=db.table(), Item=db.to_item(item), ConditionExpression="attribute_not_exists(pk)"
        )
    except Exception as exc:
        if db.error_code(exc) != "ConditionalCheckFailedException":
            raise
        stored = _get(account_id, mode, event["id"])
        if stored is None or stored.get("fanned_out"):
            return  # a retried batch: this event was already stored and fanned out
    endpoints = [e for e in webhook_endpoints.all_of(account_id, mode) if webhook_endpoints.subscribed(e, event["type"])]
    if not endpoints:
        return  # nothing to send, nothing a retry could send twice: spare the write
    enqueue(account_id, mode, event["id"], [e["id"] for e in endpoints], "event")
    db.client().update_item(
        TableName=db.table(),
        Key=db.to_item(keys.event(account_id, mode, event["id"])),
        UpdateExpression="SET fanned_out = :t, endpoint_count = :n",
        ExpressionAttributeValues=db.values(t=True, n=len(endpoints)),
    )


def event_item(account_id: str, mode: str, event: dict[str, Any], fanned_out: bool = False) -> dict[str, Any]:
    """The stored form of an event (listed and delivered from it)."""
    return {
        **keys.event(account_id, mode, event["id"]),
        **keys.event_type_index(account_id, mode, event["type"], event["id"]),
        "entity": ENTITY,
        "id": event["id"],
        "type": event["type"],
        "account_id": account_id,
        "mode": mode,
        "created": event["created"],
        "body": dumps(event),
        "fanned_out": fanned_out,
        table.TTL_ATTRIBUTE: event["created"] + RETENTION_S,
    }


def send_test(account_id: str, mode: str, endpoint_id: str) -> str:
    """A test event for one endpoint (the dashboard's "Send test event", like Svix's
    "send example"): an event of the first type the endpoint subscribes to, whose
    `data.object` is an example marked `"test": true`, stored like any event (it is listed
    and its deliveries are logged) and queued to this endpoint only. Returns its id."""
    from ..webhooks.models import EVENT_TYPES  # noqa: PLC0415 - the dashboard's path only

    endpoint = webhook_endpoints.load(account_id, mode, endpoint_id)
    if endpoint is None:
        raise ApiError("resource_missing", f"No such webhook endpoint: '{endpoint_id}'.", param="id")
    event_type = next((t for t in EVENT_TYPES if webhook_endpoints.subscribed(endpoint, t)), EVENT_TYPES[0])
    now_ms = clock.now_ms()
    obj = {"id": ids.new_id("res", now_ms), "object": event_type.split(".")[0], "test": True,
           "name": "Test event sent from the dashboard"}
    draft = Draft(event_type, now_ms, account_id, mode, obj, None, None, None)
    event = render(draft, ids.new_id(PREFIX, now_ms), api_version(account_id))
    item = {**event_item(account_id, mode, event, fanned_out=True), "endpoint_count": 1}
    db.client().put_item(TableName=db.table(), Item=db.to_item(item))
    enqueue(account_id, mode, event["id"], [endpoint_id], "test")
    return event["id"]


def message(account_id: str, mode: str, evt_id: str, endpoint_id: str, reason: str) -> dict[str, str]:
    """The delivery queue's message: one event for one endpoint (deliveries.deliver)."""
    return {"event": evt_id, "webhook_endpoint": endpoint_id, "account_id": account_id, "mode": mode, "reason": reason}


def enqueue(account_id: str, mode: str, evt_id: str, endpoint_ids: list[str], reason: str) -> None:
    queues.send([message(account_id, mode, evt_id, we, reason) for we in endpoint_ids])


def notice_item(
    account_id: str,
    mode: str,
    event_type: str,
    obj: dict[str, Any],
    *,
    request_id: str | None = None,
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    """An item whose INSERT becomes one event of `event_type` with `data.object = obj`.
    Put it (alone, or inside the transaction that decides the event) with db.to_item;
    e.g. the rate limiter: notice_item(acct, mode, "resource.limit_exceeded",
    {"object": "limit", "limit_type": "requests_per_minute", "limit": 600, "current_value": 601})."""
    if event_type not in NOTICE_TYPES:
        raise ValueError(f"notices make {sorted(NOTICE_TYPES)} events, not {event_type}")
    notice_id = ids.new_id("ntc")
    return {
        **keys.notice(account_id, mode, notice_id),
        "entity": "notice",
        "id": notice_id,
        "account_id": account_id,
        "mode": mode,
        "event_type": event_type,
        "object": obj,
        "request_id": request_id,
        "idempotency_key": idempotency_key,
        table.TTL_ATTRIBUTE: clock.now_s() + NOTICE_TTL_S,
    }


def emit_notice(account_id: str, mode: str, event_type: str, obj: dict[str, Any], **request: Any) -> str:
    item = notice_item(account_id, mode, event_type, obj, **request)
    db.client().put_item(TableName=db.table(), Item=db.to_item(item))
    return item["id"]


# --- the API -------------------------------------------------------------------------


def alive(item: dict[str, Any] | None) -> dict[str, Any] | None:
    """Events past their 30 days are absent, whether or not TTL has removed them yet."""
    if item is None or int(item.get(table.TTL_ATTRIBUTE, 0)) <= clock.now_s():
        return None
    return item


def _get(account_id: str, mode: str, evt_id: str) -> dict[str, Any] | None:
    resp = db.client().get_item(
        TableName=db.table(), Key=db.to_item(keys.event(account_id, mode, evt_id)), ConsistentRead=True
    )
    return db.from_item(resp.get("Item"))


def load(account_id: str, mode: str, evt_id: str) -> dict[str, Any] | None:
    """The stored event item, if it exists and has not expired."""
    if not ids.is_valid(evt_id, PREFIX):
        return None
    return alive(_get(account_id, mode, evt_id))


def _load(ctx: RequestContext, evt_id: str) -> dict[str, Any]:
    try:
        item = load(ctx.account_id, ctx.mode, evt_id)
    except Exception as exc:
        raise db.translate(exc) from exc
    if item is None:
        raise ApiError("resource_missing", f"No such event: '{evt_id}'.", param="id")
    return item


def retrieve(ctx: RequestContext, evt_id: str) -> dict[str, Any]:
    return json.loads(_load(ctx, evt_id)["body"])


def list_(ctx: RequestContext, params: EventListParams) -> dict[str, Any]:
    low, high = lists.bounds(
        PREFIX,
        params.created,
        params.starting_after,
        params.ending_before,
        not_before_s=clock.now_s() - RETENTION_S + 1,
    )

    def query(lo: str, hi: str, limit: int, forward: bool) -> list[dict[str, Any]]:
        if params.type is not None:
            where = {"IndexName": "gsi1"}
            cond = "gsi1pk = :p AND gsi1sk BETWEEN :lo AND :hi"
            part = keys.event_type_partition(ctx.account_id, ctx.mode, params.type)
        else:
            where = {"ConsistentRead": True}
            cond = "pk = :p AND sk BETWEEN :lo AND :hi"
            part = keys.event_partition(ctx.account_id, ctx.mode)
        resp = db.client().query(
            TableName=db.table(),
            KeyConditionExpression=cond,
            ExpressionAttributeValues=db.values(p=part, lo=lo, hi=hi),
            Limit=limit,
            ScanIndexForward=forward,
            **where,
        )
        return [db.from_item(i) for i in resp.get("Items", [])]  # type: ignore[misc]

    try:
        items, has_more = lists.page(query, low=low, high=high, limit=params.limit, ending_before=params.ending_before)
    except Exception as exc:
        raise db.translate(exc) from exc
    return {
        "object": "list",
        "url": "/v1/events",
        "data": [json.loads(i["body"]) for i in items],
        "has_more": has_more,
    }


def resend(ctx: RequestContext, evt_id: str, params: EventResend) -> dict[str, Any]:
    """Deliver an event again: to one endpoint, or to every enabled endpoint that is
    subscribed to its type. Each resend is a fresh delivery with its own retries.

    Each queued delivery is counted against the rate limit and the monthly quota, like
    a replay's, on top of the request: a resend to 16 endpoints costs 17. All or none:
    when they do not all fit, nothing is queued (429)."""
    item = _load(ctx, evt_id)
    if params.webhook_endpoint is not None:
        endpoint = webhook_endpoints.load(ctx.account_id, ctx.mode, params.webhook_endpoint)
        if endpoint is None:
            raise ApiError(
                "resource_missing",
                f"No such webhook endpoint: '{params.webhook_endpoint}'.",
                param="webhook_endpoint",
            )
        if endpoint["status"] != webhook_endpoints.ENABLED:
            raise ApiError("webhook_endpoint_disabled", param="webhook_endpoint")
        targets = [endpoint["id"]]
    else:
        targets = [
            e["id"]
            for e in webhook_endpoints.all_of(ctx.account_id, ctx.mode)
            if webhook_endpoints.subscribed(e, item["type"])
        ]
    from ..frame import key_limits  # loaded by the API's functions anyway, not by the delivery path

    key_limits.charge(ctx, len(targets), partial=False)
    try:
        enqueue(ctx.account_id, ctx.mode, evt_id, targets, "resend")
    except Exception as exc:
        raise db.translate(exc) from exc
    return {"object": "event_resend", "event": evt_id, "webhook_endpoints": targets}

