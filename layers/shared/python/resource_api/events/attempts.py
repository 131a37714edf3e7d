"""The delivery attempt log as the API shows it: an event's attempts
(GET /v1/events/{id}/deliveries) and an endpoint's replay of its failed deliveries
(POST /v1/webhook_endpoints/{id}/replay).

Apart from events/deliveries.py (the sender: HTTP, TLS, deadlines, the SQS batch), so
that these two endpoints load none of the sending machinery (http.client, ssl: about
12 ms of a cold start); the sender records its attempts with PREFIX and ENTITY."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..core import clock, db, ids, keys, lists
from ..core.errors import ApiError
from ..frame import key_limits
from ..webhooks import domain as webhook_endpoints
from . import domain as events, queues

if TYPE_CHECKING:
    from ..frame.request import RequestContext
    from .models import DeliveryListParams, WebhookReplay

PREFIX = "dlv"
ENTITY = "delivery_attempt"


# --- the API -------------------------------------------------------------------------


def render(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": item["id"],
        "object": "webhook_delivery_attempt",
        "event": item["event"],
        "webhook_endpoint": item["webhook_endpoint"],
        "url": item["url"],
        "created": item["created"],
        "attempt": item["attempt"],
        "reason": item.get("reason", "event"),
        "status": "succeeded" if item["succeeded"] else "failed",
        "http_status": item.get("http_status"),
        "duration_ms": item.get("duration_ms"),
        "error": item.get("error"),
        "response_body": item.get("response_body"),
        "next_attempt_at": item.get("next_attempt_at"),
        "livemode": item["mode"] == "live",
    }


def circuit(item: dict[str, Any]) -> dict[str, Any] | None:
    """What an attempt record says of fairness (events/fairness.py), for a dashboard:
    whether the attempt was deferred without a request, its endpoint's circuit after it
    (`closed`, `open`, `half_open`), its consecutive timeouts and when the circuit may
    let the next attempt through; `next_attempt_at` is the message's next try. None for
    records made before these fields existed."""
    if "circuit_state" not in item and "deferred" not in item:
        return None
    return {
        "deferred": bool(item.get("deferred")),
        "state": item.get("circuit_state", "closed"),
        "consecutive_timeouts": item.get("consecutive_timeouts", 0),
        "retry_at": item.get("circuit_retry_at"),
        "next_attempt_at": item.get("next_attempt_at"),
    }


def list_for_event(ctx: RequestContext, evt_id: str, params: DeliveryListParams) -> dict[str, Any]:
    events.retrieve(ctx, evt_id)  # 404 for an unknown or expired event
    low, high = lists.bounds(PREFIX, None, params.starting_after, params.ending_before)
    query = lists.partition_query(keys.delivery_partition(ctx.account_id, ctx.mode, evt_id))
    try:
        items, has_more = lists.page(query, low=low, high=high, limit=params.limit, ending_before=params.ending_before)
    except Exception as exc:
        raise db.translate(exc) from exc
    return {
        "object": "list",
        "url": f"/v1/events/{evt_id}/deliveries",
        "data": [render(i) for i in items],
        "has_more": has_more,
    }


REPLAY_MAX_EVENTS = 1000  # queued by one replay call at most (its `limit`)


def replay(ctx: RequestContext, endpoint_id: str, params: WebhookReplay) -> dict[str, Any]:
    """Deliver again the events whose latest attempt to this endpoint since
    `params.since` failed, oldest event first, after `params.starting_after`.

    One call queues at most `params.limit` (<= REPLAY_MAX_EVENTS) deliveries, and each
    one is counted against the caller's rate limit like a request: as many as the key
    has left in this window (and month) are queued, none when it has nothing left
    (429). The answer says how many it queued and how many are left (`remaining`,
    `has_more`); the next call passes the last queued event as `starting_after`."""
    endpoint = webhook_endpoints.load(ctx.account_id, ctx.mode, endpoint_id)
    if endpoint is None:
        raise ApiError("resource_missing", f"No such webhook endpoint: '{endpoint_id}'.", param="id")
    if endpoint["status"] != webhook_endpoints.ENABLED:
        raise ApiError("webhook_endpoint_disabled", param="id")
    latest: dict[str, bool] = {}  # event -> did its latest attempt succeed (attempt ids sort by time)
    start = None
    try:
        while True:
            extra = {"ExclusiveStartKey": start} if start else {}
            resp = db.client().query(
                TableName=db.table(),
                IndexName="gsi1",
                KeyConditionExpression="gsi1pk = :p AND gsi1sk >= :lo",
                ExpressionAttributeValues=db.values(
                    p=keys.endpoint_deliveries_partition(ctx.account_id, ctx.mode, endpoint_id),
                    lo=ids.lower_bound(PREFIX, params.since),
                ),
                **extra,
            )
            for raw in resp.get("Items", []):
                item = db.from_item(raw) or {}
                latest[item["event"]] = bool(item["succeeded"])
            start = resp.get("LastEvaluatedKey")
            if not start:
                break
    except Exception as exc:
        raise db.translate(exc) from exc
    # Events past their retention are gone (an event id carries its creation time).
    alive_from = ids.lower_bound(events.PREFIX, clock.now_s() - events.RETENTION_S + 1)
    after = params.starting_after or ""
    failed = sorted(e for e, ok in latest.items() if not ok and e >= alive_from and e > after)
    queued = failed[: key_limits.charge(ctx, min(len(failed), params.limit), partial=True)]
    try:
        queues.send([events.message(ctx.account_id, ctx.mode, e, endpoint_id, "replay") for e in queued])
    except Exception as exc:
        raise db.translate(exc) from exc
    return {
        "object": "webhook_replay",
        "webhook_endpoint": endpoint_id,
        "since": params.since,
        "events": queued,
        "count": len(queued),
        "remaining": len(failed) - len(queued),
        "has_more": len(failed) > len(queued),
    }


def list_for_endpoint(
    account_id: str, mode: str, endpoint_id: str, *, limit: int = 50, starting_after: str | None = None
) -> tuple[list[dict[str, Any]], bool]:
    """An endpoint's delivery attempts, newest first, as `render` shows them (the
    dashboard's endpoint page): (attempts, has_more). `starting_after` is an attempt id."""
    low, high = lists.bounds(PREFIX, None, starting_after, None)

    def query(lo: str, hi: str, n: int, forward: bool) -> list[dict[str, Any]]:
        resp = db.client().query(
            TableName=db.table(),
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :p AND gsi1sk BETWEEN :lo AND :hi",
            ExpressionAttributeValues=db.values(
                p=keys.endpoint_deliveries_partition(account_id, mode, endpoint_id), lo=lo, hi=hi
            ),
            Limit=n,
            ScanIndexForward=forward,
        )
        return [db.from_item(i) for i in resp.get("Items", [])]  # type: ignore[misc]

    items, has_more = lists.page(query, low=low, high=high, limit=limit, ending_before=None)
    return [render(i) for i in items], has_more
