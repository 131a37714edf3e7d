"""A resource's `limits` block and its own rate limit (`configuration.rate_limit`).

`limits.max_requests_per_minute` is the resource's `configuration.rate_limit` when set,
else the requests per minute of the caller's plan. When the resource has a
`rate_limit`, requests on it (GET, PATCH, DELETE of /v1/resources/{id}) are counted in
one-minute windows, one small TTL'd item per resource and window (one UpdateItem
`ADD n :1` per request). The request whose ADD returns `rate_limit + 1` is the one that
crosses the limit: it alone writes the `resource.limit_exceeded` notice (events/domain.py
turns its INSERT into the event), so the event is emitted once per window however
many requests are refused. Refused requests stay counted (giving them back would let
the count cross the limit again and emit a second event).
"""

from __future__ import annotations

import math
from typing import Any

from aws_lambda_powertools import Logger

from ..core import clock, db, keys, table
from ..core.errors import ApiError
from ..frame import key_limits, params
from ..frame.request import RequestContext

logger = Logger(service="resource-api", child=True)

WINDOW = 60
MAX_BATCH_SIZE = 1000
LIMIT_TYPE = "requests_per_minute"
_ADMITTED = "resource_rate_admitted"  # ctx.extras: resources already counted for this request


def block(item: dict[str, Any], ctx: RequestContext) -> dict[str, int]:
    """The `limits` block of a resource as the caller's plan and its configuration make it."""
    configured = (item.get("configuration") or {}).get("rate_limit")
    per_minute = int(configured) if configured else key_limits.plan_limits(ctx.principal).requests_per_minute
    return {
        "max_requests_per_minute": per_minute,
        "max_batch_size": MAX_BATCH_SIZE,
        "max_payload_bytes": params.MAX_BODY_BYTES,
    }


def admit(ctx: RequestContext, item: dict[str, Any]) -> None:
    """Count a request on this resource against its own rate limit, if it has one.
    Raises the 429 when over it. Counted once per request, however often the logic
    re-reads the resource (e.g. a PATCH retried after a version conflict)."""
    limit = (item.get("configuration") or {}).get("rate_limit")
    if not limit:
        return
    admitted: set[str] = ctx.extras.setdefault(_ADMITTED, set())
    if item["id"] in admitted:
        return
    limit = int(limit)
    now = clock.now()
    window = int(now) // WINDOW
    window_end = (window + 1) * WINDOW
    try:
        resp = db.client().update_item(
            TableName=db.table(),
            Key=db.to_item(keys.resource_rate_window(ctx.account_id, ctx.mode, item["id"], window)),
            UpdateExpression="ADD n :one SET #ttl = if_not_exists(#ttl, :exp)",
            ExpressionAttributeNames={"#ttl": table.TTL_ATTRIBUTE},
            ExpressionAttributeValues=db.values(one=1, exp=window_end + 2 * WINDOW),
            ReturnValues="UPDATED_NEW",
        )
    except Exception as exc:
        raise db.translate(exc) from exc
    admitted.add(item["id"])
    count = int((db.from_item(resp.get("Attributes")) or {}).get("n", 0))
    if count <= limit:
        return
    if count == limit + 1:
        _notify(ctx, item["id"], limit, count, window)
    retry = max(1, math.ceil(window_end - now))
    raise ApiError(
        "resource_rate_limited",
        f"Resource '{item['id']}' allows {limit} requests per minute (its configuration[rate_limit]); "
        f"retry in {retry} s.",
        headers={
            "Retry-After": str(retry),
            "Resource-RateLimit-Limit": str(limit),
            "Resource-RateLimit-Remaining": "0",
            "Resource-RateLimit-Reset": str(window_end),
        },
        store=False,  # nothing was done: a retry after Retry-After runs again
    )


def _notify(ctx: RequestContext, resource_id: str, limit: int, count: int, window: int) -> None:
    """Write the resource.limit_exceeded notice (once per window: only the request
    whose count is limit + 1 gets here)."""
    from ..events import domain as events  # noqa: PLC0415 (rare path: keeps events and the webhook modules out of the import)

    obj = {
        "object": "limit",
        "resource": resource_id,
        "limit_type": LIMIT_TYPE,
        "limit": limit,
        "current_value": count,
        "window_start": window * WINDOW,
        "window_end": (window + 1) * WINDOW,
    }
    try:
        events.emit_notice(
            ctx.account_id,
            ctx.mode,
            "resource.limit_exceeded",
            obj,
            request_id=ctx.request_id,
            idempotency_key=ctx.idempotency_key,
        )
    except Exception:  # the 429 stands; losing the notice must not turn it into a 500
        logger.exception("writing the resource.limit_exceeded notice failed", extra={"resource": resource_id})
