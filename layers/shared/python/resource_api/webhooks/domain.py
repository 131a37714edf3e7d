"""Webhook endpoints: where an account (per mode) wants its events delivered.

The signing secret (`whsec_` + base64 of 32 random bytes) is shown only when the
endpoint is created and when it is rotated (a replay of either, with the same
Idempotency-Key, shows it redacted: idempotency.SHOWN_ONCE); after a rotation the
previous secret keeps signing (alongside the new one) for ROTATION_GRACE_S, or for
`expires_in` seconds (0: not at all, for a leaked secret), so receivers can switch
over without dropping a delivery.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from ..core import clock, db, ids, keys, lists
from ..core.errors import ApiError
from ..frame import unit
from ..frame.unit import Unit
from . import signing

if TYPE_CHECKING:  # annotations only: the webhook delivery function loads this module, not the models
    from ..frame.request import RequestContext
    from .models import WebhookEndpointCreate, WebhookEndpointListParams, WebhookEndpointUpdate

PREFIX = "we"
ENTITY = "webhook_endpoint"
API_VERSION = "2024-01-15"
ROTATION_GRACE_S = 24 * 3600
ENABLED, DISABLED = "enabled", "disabled"
# Endpoints per account and mode, as Stripe allows: every endpoint multiplies the
# deliveries (and the receivers the pipeline calls) of each event. docs/webhooks.md.
MAX_ENDPOINTS = 16


def render(item: dict[str, Any], *, with_secret: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": item["id"],
        "object": "webhook_endpoint",
        "url": item["url"],
        "enabled_events": item["enabled_events"],
        "description": item.get("description"),
        "status": item["status"],
        "disabled_reason": item.get("disabled_reason"),
        "metadata": item.get("metadata") or {},
        "api_version": item.get("api_version", API_VERSION),
        "created": item["created"],
        "livemode": item["mode"] == "live",
    }
    if with_secret:
        out["secret"] = item["secret"]
        if _previous_secret(item):
            out["previous_secret_expires_at"] = item["previous_secret_expires_at"]
    return out


def _previous_secret(item: dict[str, Any]) -> str | None:
    prev = item.get("previous_secret")
    if prev and int(item.get("previous_secret_expires_at", 0)) > clock.now_s():
        return prev
    return None


def signing_secrets(item: dict[str, Any]) -> list[str]:
    """The secrets that sign a delivery now, newest first."""
    prev = _previous_secret(item)
    return [item["secret"], prev] if prev else [item["secret"]]


def subscribed(item: dict[str, Any], event_type: str) -> bool:
    events = item.get("enabled_events") or []
    return item.get("status") == ENABLED and ("*" in events or event_type in events)


def _not_found(endpoint_id: str) -> ApiError:
    return ApiError("resource_missing", f"No such webhook endpoint: '{endpoint_id}'.", param="id")


def check_url(url: str) -> str:
    """`url` as it is stored (plain ASCII: urlguard.normalize), once the guard passed it."""
    # Here, not at import: only a create or an update of an endpoint checks a URL, and the
    # guard (ipaddress, socket) is 2-3 ms of the cold start of every event function.
    from . import urlguard  # noqa: PLC0415

    try:
        urlguard.check(url)
        return urlguard.normalize(url)
    except urlguard.UnsafeUrl as exc:
        raise ApiError("webhook_url_invalid", f"The webhook URL {exc}.", param="url") from None


def plan_create(ctx: RequestContext, params: WebhookEndpointCreate) -> Unit:
    url = check_url(params.url)
    now_ms = clock.now_ms()
    item = {
        **keys.webhook_endpoint(ctx.account_id, ctx.mode, ""),
        "id": ids.new_id(PREFIX, now_ms),
        "entity": ENTITY,
        "account_id": ctx.account_id,
        "mode": ctx.mode,
        "url": url,
        "enabled_events": params.enabled_events,
        "description": params.description,
        "metadata": params.metadata,
        "status": ENABLED,
        "api_version": API_VERSION,
        "secret": signing.new_secret(),
        "created": now_ms // 1000,
        "version": 1,
    }
    item["sk"] = item["id"]
    body = render(item, with_secret=True)
    put = {"TableName": db.table(), "Item": db.to_item(item), "ConditionExpression": "attribute_not_exists(pk)"}
    # The endpoint and its count move together: the count's condition keeps
    # MAX_ENDPOINTS under any concurrency.
    full = ApiError(
        "webhook_endpoint_limit_reached",
        f"This account already has {MAX_ENDPOINTS} webhook endpoints in {ctx.mode} mode, the most "
        "it may have; delete one before creating another.",
        store=False,  # nothing was written: a retry after a delete may succeed
    )
    return Unit(body, [{"Put": put}, _count(ctx, +1)], failures={1: full})


def _count(ctx: RequestContext, delta: int) -> dict[str, Any]:
    """The transaction item moving the account's endpoint count; an increment only
    while the count is under MAX_ENDPOINTS."""
    update: dict[str, Any] = {
        "TableName": db.table(),
        "Key": db.to_item(keys.webhook_endpoint_counter(ctx.account_id, ctx.mode)),
        "UpdateExpression": "ADD #n :d",
        "ExpressionAttributeNames": {"#n": "count"},
        "ExpressionAttributeValues": db.values(d=delta),
    }
    if delta > 0:
        update["ConditionExpression"] = "attribute_not_exists(#n) OR #n <= :most"
        update["ExpressionAttributeValues"] = db.values(d=delta, most=MAX_ENDPOINTS - delta)
    return {"Update": update}


def load(account_id: str, mode: str, endpoint_id: str, *, consistent: bool = True) -> dict[str, Any] | None:
    if not ids.is_valid(endpoint_id, PREFIX):
        return None
    resp = db.client().get_item(
        TableName=db.table(),
        Key=db.to_item(keys.webhook_endpoint(account_id, mode, endpoint_id)),
        ConsistentRead=consistent,
    )
    return db.from_item(resp.get("Item"))


def _load(ctx: RequestContext, endpoint_id: str) -> dict[str, Any]:
    try:
        item = load(ctx.account_id, ctx.mode, endpoint_id)
    except Exception as exc:
        raise db.translate(exc) from exc
    if item is None:
        raise _not_found(endpoint_id)
    return item


def retrieve(ctx: RequestContext, endpoint_id: str) -> dict[str, Any]:
    return render(_load(ctx, endpoint_id))


def _put_if_unchanged(new: dict[str, Any], version: int) -> None:
    try:
        db.writer().put_item(
            TableName=db.table(),
            Item=db.to_item(new),
            ConditionExpression="version = :v",
            ExpressionAttributeValues=db.values(v=version),
        )
    except Exception as exc:
        if db.error_code(exc) == "ConditionalCheckFailedException":
            raise ApiError("resource_conflict") from exc
        raise db.translate(exc) from exc


def update(ctx: RequestContext, endpoint_id: str, params: WebhookEndpointUpdate) -> dict[str, Any]:
    current = _load(ctx, endpoint_id)
    new = dict(current)
    fields = params.model_fields_set
    if "url" in fields and params.url is not None:
        new["url"] = check_url(params.url)
    if "enabled_events" in fields and params.enabled_events is not None:
        new["enabled_events"] = params.enabled_events
    if "description" in fields:
        new["description"] = params.description
    if "metadata" in fields:
        new["metadata"] = params.metadata or {}
    if "status" in fields and params.status is not None:
        new["status"] = params.status.value
        if params.status.value == ENABLED:  # re-enabled by the user: a fresh start
            for name in ("disabled_reason", "disabled_at", "disabled_by_system", "failing_since"):
                new.pop(name, None)
        elif current["status"] == ENABLED:
            new["disabled_reason"] = "disabled by request"
            new["disabled_at"] = clock.now_s()
            new.pop("disabled_by_system", None)
    new["version"] = current["version"] + 1
    _put_if_unchanged(new, current["version"])
    return render(new)


def plan_delete(ctx: RequestContext, endpoint_id: str) -> Unit:
    _load(ctx, endpoint_id)
    body = {"id": endpoint_id, "object": "webhook_endpoint", "deleted": True}
    delete_ = {
        "TableName": db.table(),
        "Key": db.to_item(keys.webhook_endpoint(ctx.account_id, ctx.mode, endpoint_id)),
        "ConditionExpression": "attribute_exists(pk)",
    }
    # Deleted meanwhile: counted once.
    return Unit(body, [{"Delete": delete_}, _count(ctx, -1)], failures={0: _not_found(endpoint_id)})


def rotate_secret(ctx: RequestContext, endpoint_id: str, expires_in: int | None = None) -> dict[str, Any]:
    """A new secret; the current one keeps signing too for `expires_in` seconds
    (ROTATION_GRACE_S by default). 0 ends it at once (a leaked secret): from this
    write on, only the new secret signs, and no earlier previous secret either."""
    current = _load(ctx, endpoint_id)
    grace = ROTATION_GRACE_S if expires_in is None else expires_in
    new = {**current, "secret": signing.new_secret(), "version": current["version"] + 1}
    if grace > 0:
        new["previous_secret"] = current["secret"]
        new["previous_secret_expires_at"] = clock.now_s() + grace
    else:
        new.pop("previous_secret", None)
        new.pop("previous_secret_expires_at", None)
    _put_if_unchanged(new, current["version"])
    return render(new, with_secret=True)


def list_(ctx: RequestContext, params: WebhookEndpointListParams) -> dict[str, Any]:
    low, high = lists.bounds(PREFIX, None, params.starting_after, params.ending_before)
    query = lists.partition_query(keys.webhook_endpoint_partition(ctx.account_id, ctx.mode))
    try:
        items, has_more = lists.page(
            query, low=low, high=high, limit=params.limit, ending_before=params.ending_before
        )
    except Exception as exc:
        raise db.translate(exc) from exc
    return {
        "object": "list",
        "url": "/v1/webhook_endpoints",
        "data": [render(i) for i in items],
        "has_more": has_more,
    }


# Within `read_once()` (one stream batch): each account's endpoints are read once.
_read_once: ContextVar[dict[tuple[str, str], list[dict[str, Any]]] | None] = ContextVar("endpoints_read_once", default=None)


@contextmanager
def read_once() -> Iterator[None]:
    """`all_of` reads each account and mode's endpoints at most once inside (the stream
    processor's batch: every record of a batch was committed before the batch was read,
    so an endpoint made before a change is in the one read that follows)."""
    token = _read_once.set({})
    try:
        yield
    finally:
        _read_once.reset(token)


def all_of(account_id: str, mode: str) -> list[dict[str, Any]]:
    """Every endpoint of an account and mode (for fan-out)."""
    memo = _read_once.get()
    if memo is None:
        return _query_all(account_id, mode)
    if (account_id, mode) not in memo:
        memo[(account_id, mode)] = _query_all(account_id, mode)
    return memo[(account_id, mode)]


def _query_all(account_id: str, mode: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    start = None
    while True:
        extra = {"ExclusiveStartKey": start} if start else {}
        resp = db.client().query(
            TableName=db.table(),
            # Endpoints only (their ids start with we_), not the count beside them.
            KeyConditionExpression="pk = :p AND begins_with(sk, :we)",
            ExpressionAttributeValues=db.values(p=keys.webhook_endpoint_partition(account_id, mode), we=PREFIX + "_"),
            ConsistentRead=True,
            **extra,
        )
        out += [db.from_item(i) for i in resp.get("Items", [])]  # type: ignore[misc]
        start = resp.get("LastEvaluatedKey")
        if not start:
            return out


# --- what deliveries change -------------------------------------------------------------


def _system_update(item: dict[str, Any], expression: str, **vals: Any) -> bool:
    """An update made by the delivery pipeline; False if the endpoint is gone."""
    extra: dict[str, Any] = {"ExpressionAttributeValues": db.values(**vals)} if vals else {}
    try:
        db.client().update_item(
            TableName=db.table(),
            Key=db.to_item({"pk": item["pk"], "sk": item["sk"]}),
            UpdateExpression=expression,
            ConditionExpression="attribute_exists(pk)",
            **extra,
        )
    except Exception as exc:
        if db.error_code(exc) == "ConditionalCheckFailedException":
            return False
        raise
    return True


# Streaks this process (container) noted within NOTED_S: the attempts of one batch that
# fail together for one endpoint (each read the endpoint before any failed) write it once.
NOTED_S = 1.0
_noted: dict[tuple[str, str], tuple[int, float]] = {}  # (pk, sk) -> (failing since, monotonic when noted)


def mark_succeeded(item: dict[str, Any]) -> None:
    _noted.pop((item["pk"], item["sk"]), None)
    if item.get("failing_since") is not None:
        _system_update(item, "REMOVE failing_since")


def mark_failed(
    item: dict[str, Any], now: int, later: list[tuple[dict[str, Any], int]] | None = None, note: bool = True
) -> int:
    """Note the start of a failing streak; returns when it started. `later`: the write
    that notes a new streak is appended there (note_failing, made by the caller once
    its attempt is recorded and re-scheduled) instead of made now; a new streak starts
    now, so nothing is decided on it before. `note=False`: when it started, as known,
    without noting a new one (the next failure will)."""
    since = item.get("failing_since")
    if since is not None:
        return int(since)
    key = (item["pk"], item["sk"])
    noted = _noted.get(key)
    if noted is not None and time.monotonic() - noted[1] < NOTED_S:
        return noted[0]
    if not note:
        return now
    if len(_noted) > 1000:
        _noted.clear()
    _noted[key] = (now, time.monotonic())  # before the write: the batch's other attempts of it need not
    if later is not None:
        later.append((item, now))
    else:
        note_failing(item, now)
    return now


def note_failing(item: dict[str, Any], now: int) -> None:
    """Write the start of a failing streak (kept if one is already noted)."""
    _system_update(item, "SET failing_since = if_not_exists(failing_since, :n)", n=now)


def disable(item: dict[str, Any], reason: str) -> bool:
    """Switch an endpoint off on the pipeline's own initiative (410 Gone, or failing for
    days). The MODIFY record this writes becomes the webhook_endpoint.disabled notice
    event (see events/domain.py). False if it was not enabled (any more)."""
    try:
        db.client().update_item(
            TableName=db.table(),
            Key=db.to_item({"pk": item["pk"], "sk": item["sk"]}),
            UpdateExpression="SET #s = :d, disabled_reason = :r, disabled_at = :n, "
            "disabled_by_system = :t, version = version + :one",
            ConditionExpression="attribute_exists(pk) AND #s = :e",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues=db.values(d=DISABLED, r=reason, n=clock.now_s(), t=True, one=1, e=ENABLED),
        )
    except Exception as exc:
        if db.error_code(exc) == "ConditionalCheckFailedException":
            return False
        raise
    return True


# --- planned and committed at once (no idempotency key): for tools and tests --------


def create(ctx: RequestContext, params: WebhookEndpointCreate) -> dict[str, Any]:
    return unit.apply(plan_create(ctx, params))


def delete(ctx: RequestContext, endpoint_id: str) -> dict[str, Any]:
    return unit.apply(plan_delete(ctx, endpoint_id))
