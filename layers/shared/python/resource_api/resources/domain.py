"""Resources: create, retrieve, update, delete and list, with their counters.

Every write that changes how many resources exist, or in which status, moves the
account's counters in the same DynamoDB transaction, so `total_count` is exact and
never needs a scan. The counts are spread over shard items (keys.COUNTER_SHARDS, one
picked per write) so concurrent writes of one account do not all include one item in
their transactions (DynamoDB's TransactionConflict); `counts` sums them in one Query.
"""

from __future__ import annotations

from typing import Any

from ..core import clock, db, ids, keys, lists
from ..core.changes import Change
from ..core.errors import ApiError
from ..events.drafts import Draft, previous_attributes, register_drafter
from ..frame import conditional, unit
from ..frame.request import RequestContext
from ..frame.unit import Counter, Unit
from . import expand, provisioning, rate_limit
from .models import ListParams, ResourceCreate, ResourceUpdate, Status
from .render import render

PREFIX = "res"
PROVISIONING_STEPS = 5
PROVISIONING_ESTIMATE_S = 30
_MAX_RANDOM = ids.ALPHABET[-1] * ids.RANDOM_CHARS
# Statuses a client may move between with PATCH.
CLIENT_STATUSES = {Status.active.value, Status.paused.value, Status.archived.value}


def _check_precondition(ctx: RequestContext, current: dict[str, Any]) -> None:
    """If-Match: the client's ETag must be the current plain representation's."""
    if ctx.if_match and not conditional.match(ctx.if_match, conditional.etag(render(current, ctx))):
        raise ApiError("precondition_failed", param="If-Match")


def _not_found(resource_id: str) -> ApiError:
    return ApiError("resource_missing", f"No such resource: '{resource_id}'.", param="id")


def _counter(ctx: RequestContext, changes: dict[str, int]) -> Counter:
    """The account's resource counts (total, per status) moving by `changes`, on a shard."""
    return Counter(keys.resource_counter(ctx.account_id, ctx.mode), changes, keys.COUNTER_SHARDS)


def _capacity(ctx: RequestContext, changes: dict[str, int]) -> Counter:
    """The plan capacity held (`reserved`), on the main counter item: provisioning's
    ReserveCapacity checks it against max_resources there, in one item."""
    return Counter(keys.resource_counter(ctx.account_id, ctx.mode), changes)


def counts(account_id: str, mode: str) -> dict[str, int]:
    """The account's resource counts (`total`, per status, `reserved`): the sums over
    the main counter item and its shards (one strongly consistent Query)."""
    out: dict[str, int] = {}
    request: dict[str, Any] = dict(
        TableName=db.table(),
        KeyConditionExpression="pk = :p AND begins_with(sk, :c)",
        ExpressionAttributeValues=db.values(p=keys.resource_partition(account_id, mode), c=keys.COUNTER_SK),
        ConsistentRead=True,
    )
    while True:
        resp = db.client().query(**request)
        for item in resp.get("Items", []):
            for name, value in (db.from_item(item) or {}).items():
                if name not in ("pk", "sk") and isinstance(value, int):
                    out[name] = out.get(name, 0) + value
        if not resp.get("LastEvaluatedKey"):
            return out
        request["ExclusiveStartKey"] = resp["LastEvaluatedKey"]


def _conflict(ctx: RequestContext) -> ApiError:
    """Someone else wrote first: with If-Match that is a failed precondition."""
    return ApiError("precondition_failed" if ctx.if_match else "resource_conflict")


def _item_for(ctx: RequestContext, resource: dict[str, Any]) -> dict[str, Any]:
    return {
        **keys.resource(ctx.account_id, ctx.mode, resource["id"]),
        **keys.resource_index(ctx.account_id, ctx.mode, resource["status"], resource["id"]),
        **keys.resource_type_index(ctx.account_id, ctx.mode, resource["type"], resource["id"]),
        "account_id": ctx.account_id,
        "mode": ctx.mode,
        "entity": "resource",
        "request_id": ctx.request_id,
        "idempotency_key": ctx.idempotency_key,
        **resource,
    }


def plan_create(ctx: RequestContext, params: ResourceCreate) -> Unit:
    expansions = expand.parse(params.expand)
    now_ms = clock.now_ms()
    now = now_ms // 1000
    resource = {
        "id": ids.new_id(PREFIX, now_ms),
        "created": now,
        "updated": now,
        "name": params.name,
        "type": params.type.value,
        "status": Status.pending.value,
        "configuration": params.configuration.model_dump(exclude_none=True),
        "metadata": params.metadata,
        "provisioning": {
            "status": "in_progress",
            "estimated_completion": now + PROVISIONING_ESTIMATE_S,
            "steps_completed": 0,
            "steps_total": PROVISIONING_STEPS,
        },
        "version": 1,
    }
    item = _item_for(ctx, resource)
    body = expand.resource(ctx, render(item, ctx), expansions)
    put = {"TableName": db.table(), "Item": db.to_item(item), "ConditionExpression": "attribute_not_exists(pk)"}
    return Unit(body, [{"Put": put}], [_counter(ctx, {"total": 1, resource["status"]: 1})], conflict=_conflict(ctx))


def lock_key(ctx: RequestContext, resource_id: str) -> dict[str, str] | None:
    """The item a write with an Idempotency-Key on this resource may hold its lock on
    (idempotency.execute's `item_key`); None for an id that cannot exist."""
    return keys.resource(ctx.account_id, ctx.mode, resource_id) if ids.is_valid(resource_id, PREFIX) else None


def load(ctx: RequestContext, resource_id: str, *, consistent: bool = True) -> dict[str, Any]:
    """The stored item of a resource of this account and mode, or a 404."""
    if not ids.is_valid(resource_id, PREFIX):
        raise _not_found(resource_id)
    try:
        resp = db.client().get_item(
            TableName=db.table(),
            Key=db.to_item(keys.resource(ctx.account_id, ctx.mode, resource_id)),
            ConsistentRead=consistent,
        )
    except Exception as exc:
        raise db.translate(exc) from exc
    item = db.from_item(resp.get("Item"))
    if item is None:
        raise _not_found(resource_id)
    return item


def retrieve(ctx: RequestContext, resource_id: str, expand_paths: list[str] | None = None) -> dict[str, Any]:
    expansions = expand.parse(expand_paths)
    item = load(ctx, resource_id, consistent=False)
    rate_limit.admit(ctx, item)
    return expand.resource(ctx, render(item, ctx), expansions)


UPDATE_ATTEMPTS = 3  # a version check that lost a race (a provisioning step bumps it too) plans again


def plan_update(
    ctx: RequestContext, resource_id: str, params: ResourceUpdate, current: dict[str, Any] | None = None
) -> Unit:
    """The PATCH of a resource, planned from `current` (the item an idempotency lock
    returned) or from a read. When its version check loses a race, the commit plans it
    again from the resource as it is now, so only a persistent conflict reaches the
    client. If-Match failures are never planned again."""
    expansions = expand.parse(params.expand)
    if current is None:
        current = load(ctx, resource_id)
    return _plan_update(ctx, resource_id, params, expansions, current, UPDATE_ATTEMPTS)


def _plan_update(
    ctx: RequestContext,
    resource_id: str,
    params: ResourceUpdate,
    expansions: dict[str, Any],
    current: dict[str, Any],
    attempts: int,
) -> Unit:
    rate_limit.admit(ctx, current)
    _check_precondition(ctx, current)
    new = dict(current)
    fields = params.model_fields_set
    if "name" in fields and params.name is not None:
        new["name"] = params.name
    if "configuration" in fields and params.configuration is not None:
        new["configuration"] = {
            **current["configuration"],
            **params.configuration.model_dump(exclude_none=True),
        }
    if "metadata" in fields:
        new["metadata"] = params.metadata or {}
    if "status" in fields and params.status is not None and params.status.value != current["status"]:
        if current["status"] == Status.pending.value:
            raise ApiError("resource_not_ready", param="status")
        if current["status"] not in CLIENT_STATUSES:
            raise ApiError(
                "status_transition_invalid",
                f"A resource in status '{current['status']}' cannot move to '{params.status.value}'.",
                param="status",
            )
        new["status"] = params.status.value
    new["updated"] = clock.now_s()
    new["version"] = current["version"] + 1
    new["request_id"] = ctx.request_id
    new["idempotency_key"] = ctx.idempotency_key
    new.update(keys.resource_index(ctx.account_id, ctx.mode, new["status"], resource_id))
    put = {
        "TableName": db.table(),
        "Item": db.to_item(new),
        "ConditionExpression": "version = :v",
        "ExpressionAttributeValues": db.values(v=current["version"]),
    }
    counters = []
    if new["status"] != current["status"]:
        counters.append(_counter(ctx, {current["status"]: -1, new["status"]: 1}))
    body = expand.resource(ctx, render(new, ctx), expansions)

    def replan(now: dict[str, Any] | None) -> Unit:
        # The item as the failed condition returned it (a fenced lock asks for it), or read.
        return _plan_update(ctx, resource_id, params, expansions, now or load(ctx, resource_id), attempts - 1)

    again = replan if attempts > 1 and not ctx.if_match else None
    return Unit(body, [{"Put": put}], counters, conflict=_conflict(ctx), replan=again, attempts=attempts)


# What a DELETE expects of a resource it has not read: settled (active, its capacity
# held) and without a rate limit of its own. A resource in any other state fails the
# condition, which answers it as it is, and the delete is planned again from that.
_SETTLED = {"status": Status.active.value, "capacity_reserved": True, "rate_limited": False}


def _state(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": item["status"],
        "capacity_reserved": bool(item.get("capacity_reserved")),
        "rate_limited": bool((item.get("configuration") or {}).get("rate_limit")),
    }


def _expected(state: dict[str, Any], version: int | None) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """The condition that the resource exists in `state` (and at `version`, if known)."""
    cond = [
        "#st = :st",
        "capacity_reserved = :true" if state["capacity_reserved"] else "attribute_not_exists(capacity_reserved)",
        "attribute_exists(#cfg.#rl)" if state["rate_limited"] else "attribute_not_exists(#cfg.#rl)",
    ]
    values: dict[str, Any] = {"st": state["status"]}
    if state["capacity_reserved"]:
        values["true"] = True
    if version is not None:
        cond.append("version = :v")
        values["v"] = version
    names = {"#st": "status", "#cfg": "configuration", "#rl": "rate_limit"}
    return " AND ".join(cond), names, db.values(**values)


DELETE_ATTEMPTS = 4


def plan_delete(ctx: RequestContext, resource_id: str) -> Unit:
    """One transaction, without reading the resource first: it is deleted on the
    condition that it is in the usual state (_SETTLED). If it is not, the failed
    condition returns it (ALL_OLD) and the delete is planned from it exactly, as a read
    would have. With If-Match the resource is read first (the ETag is of its body)."""
    if not ids.is_valid(resource_id, PREFIX):
        raise _not_found(resource_id)
    current = load(ctx, resource_id) if ctx.if_match else None
    return _plan_delete(ctx, resource_id, current, DELETE_ATTEMPTS)


def _plan_delete(ctx: RequestContext, resource_id: str, current: dict[str, Any] | None, attempts: int) -> Unit:
    if current is not None:
        rate_limit.admit(ctx, current)
        _check_precondition(ctx, current)
    state = _state(current) if current is not None else _SETTLED
    version = current["version"] if current is not None else None
    now = clock.now_s()
    body = {"id": resource_id, "object": "resource", "deleted": True, "deleted_at": now}
    cond, names, values = _expected(state, version)
    runtime = keys.resource_runtime(ctx.account_id, ctx.mode, resource_id)
    writes = [
        {
            "Delete": {
                "TableName": db.table(),
                "Key": db.to_item(keys.resource(ctx.account_id, ctx.mode, resource_id)),
                "ConditionExpression": cond,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        },
        # The runtime configuration goes with the resource (docs/provisioning.md).
        {"Delete": {"TableName": db.table(), "Key": db.to_item(runtime)}},
        # Carries this request's id to the resource.deleted event (see event_drafts below).
        {"Put": {"TableName": db.table(), "Item": db.to_item(_tombstone(ctx, resource_id, now))}},
    ]
    # Capacity taken by provisioning (ReserveCapacity) is given back.
    counters = [_counter(ctx, {"total": -1, state["status"]: -1})]
    if state["capacity_reserved"]:
        counters.append(_capacity(ctx, {"reserved": -1}))
    # After the commit (an atomic batch's too), so a failed stop leaves nothing behind:
    # the execution's remaining steps are conditional on the resource and end it as Cancelled.
    after = [lambda: provisioning.stop(resource_id)] if state["status"] == Status.pending.value else []

    def replan(now_item: dict[str, Any] | None) -> Unit:
        # Changed since, or never settled: plan again from the resource as it is (a failed
        # condition without the item means gone, or a DynamoDB that did not return it:
        # the read answers 404 or the item).
        return _plan_delete(ctx, resource_id, now_item or load(ctx, resource_id), attempts - 1)

    return Unit(body, writes, counters, after, conflict=_conflict(ctx), replan=replan, attempts=attempts,
                assumed=current is None)


TOMBSTONE_TTL_S = 86_400


def _tombstone(ctx: RequestContext, resource_id: str, now: int) -> dict[str, Any]:
    return {
        **keys.resource_tombstone(ctx.account_id, ctx.mode, resource_id),
        "entity": "resource_deletion",
        "account_id": ctx.account_id,
        "mode": ctx.mode,
        "request_id": ctx.request_id,
        "idempotency_key": ctx.idempotency_key,
        "deleted_at": now,
        "expires_at": now + TOMBSTONE_TTL_S,
    }


def deletion(account_id: str, mode: str, resource_id: str) -> dict[str, Any] | None:
    """The tombstone a DELETE wrote with the resource's removal (its request and time)."""
    resp = db.client().get_item(
        TableName=db.table(), Key=db.to_item(keys.resource_tombstone(account_id, mode, resource_id)), ConsistentRead=True
    )
    return db.from_item(resp.get("Item"))


# --- lists ----------------------------------------------------------------------


def _step(value: str, delta: int) -> str:
    """The id just before (-1) or after (+1) `value` in sort order."""
    return lists.step(value, delta)


def _bounds(params: ListParams) -> tuple[str, str]:
    """Inclusive (low, high) sort-key bounds for the created filter and cursors."""
    return lists.bounds(PREFIX, params.created, params.starting_after, params.ending_before)


def _query(ctx: RequestContext, params: ListParams, low: str, high: str, **extra: Any) -> dict[str, Any]:
    if params.status is not None:
        index = {"IndexName": "gsi1"}
        cond = "gsi1pk = :p AND gsi1sk BETWEEN :lo AND :hi"
        part = keys.resource_status_partition(ctx.account_id, ctx.mode, params.status.value)
    else:
        index = {"ConsistentRead": True}
        cond = "pk = :p AND sk BETWEEN :lo AND :hi"
        part = keys.resource_partition(ctx.account_id, ctx.mode)
    return dict(
        TableName=db.table(),
        KeyConditionExpression=cond,
        ExpressionAttributeValues=db.values(p=part, lo=low, hi=high),
        **index,
        **extra,
    )


def _total_count(ctx: RequestContext, params: ListParams, low: str, high: str) -> int:
    if params.created is None:
        counter = counts(ctx.account_id, ctx.mode)
        name = "total" if params.status is None else params.status.value
        return max(int(counter.get(name, 0)), 0)
    # A created filter counts the matching key range only (never the whole account).
    count, start = 0, None
    while True:
        extra = {"Select": "COUNT"}
        if start:
            extra["ExclusiveStartKey"] = start
        resp = db.client().query(**_query(ctx, params, low, high, **extra))
        count += resp.get("Count", 0)
        start = resp.get("LastEvaluatedKey")
        if not start:
            return count


def list_(ctx: RequestContext, params: ListParams) -> dict[str, Any]:
    low, high = _bounds(params)
    expansions = expand.parse(params.expand, on_list=True)
    forward = params.ending_before is not None  # ending_before walks toward newer objects
    try:
        if low > high:
            items: list[dict[str, Any]] = []
        else:
            resp = db.client().query(
                **_query(ctx, params, low, high, Limit=params.limit + 1, ScanIndexForward=forward)
            )
            items = [db.from_item(i) for i in resp.get("Items", [])]  # type: ignore[misc]
        total = _total_count(ctx, params, *(_bounds(params.model_copy(update={"starting_after": None, "ending_before": None}))))
    except ApiError:
        raise
    except Exception as exc:
        raise db.translate(exc) from exc
    has_more = len(items) > params.limit
    items = items[: params.limit]
    if forward:
        items.reverse()
    return {
        "object": "list",
        "url": "/v1/resources",
        "data": expand.list_items(ctx, [render(i, ctx) for i in items], expansions.get("data", {})),
        "has_more": has_more,
        "total_count": total,
    }


# --- planned and committed at once (no idempotency key): for tools and tests --------


def create(ctx: RequestContext, params: ResourceCreate) -> dict[str, Any]:
    return unit.apply(plan_create(ctx, params))


def update(ctx: RequestContext, resource_id: str, params: ResourceUpdate) -> dict[str, Any]:
    return unit.apply(plan_update(ctx, resource_id, params))


def delete(ctx: RequestContext, resource_id: str) -> dict[str, Any]:
    return unit.apply(plan_delete(ctx, resource_id))


# --- the events a resource's changes make (registered with events/domain.py, which
# renders no resource itself) ------------------------------------------------------


def event_drafts(change: Change, base: dict[str, Any], req: dict[str, Any]) -> list[Draft]:
    new, old = change.new or {}, change.old or {}
    if change.name == "INSERT":
        obj = render(new)
        return [Draft("resource.created", ids.created_ms(new["id"], "res"), object=obj, previous_attributes=None, **base, **req)]
    if change.name == "MODIFY":
        before, after = render(old), render(new)
        prev = previous_attributes(before, after)
        if not prev:
            return []
        # (`updated` has seconds only: an update in the second of the creation still sorts after it)
        when = max(int(after["updated"]) * 1000, ids.created_ms(new["id"], "res") + 1)
        out = [Draft("resource.updated", when, object=after, previous_attributes=prev, **base, **req)]
        if before["status"] != after["status"]:
            out.append(
                Draft(
                    "resource.status_changed",
                    when,
                    object=after,
                    previous_attributes={"status": before["status"]},
                    **base,
                    **req,
                )
            )
        return out
    if change.name == "REMOVE":
        # A DELETE does not read the resource: the old image is the object, and the
        # tombstone written in the same transaction names the request and the time.
        tomb = deletion(base["account_id"], base["mode"], old["id"]) or {}
        deleted_at = int(tomb.get("deleted_at") or change.created)
        obj = {**render(old), "deleted": True, "deleted_at": deleted_at}
        req = {"request_id": tomb.get("request_id"), "idempotency_key": tomb.get("idempotency_key")}
        # A deletion is the last change of a resource: the end of its second
        return [Draft("resource.deleted", deleted_at * 1000 + 999, object=obj, previous_attributes=None, **base, **req)]
    return []


register_drafter("resource", event_drafts)
