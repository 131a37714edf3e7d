"""DELETE /v1/resources/{id} in every state a resource can be in, on in-process moto.

A delete does not read the resource first: it commits on the condition that the
resource is settled (active, capacity held, no rate limit of its own) and, when that
condition fails, plans again from the resource the failed condition returned. Whatever
path it took, the user sees the same thing: the resource is gone, the account's counts
are exact, the deletion is one `resource.deleted` event carrying the resource and the
deleting request, and a resource's own rate limit still applies.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from resource_api.core import db, keys
from resource_api.events import domain as events
from resource_api.resources import domain as resources
from resource_api import stream
from resource_api.core.errors import ApiError
from resource_api.resources.models import ResourceCreate, ResourceUpdate

from .test_webhooks import queue, stored_events, stream_records  # noqa: F401 (queue: a fixture)


def _as(ctx, n: int, **changes):
    return dataclasses.replace(ctx, request_id=f"req_{n:032d}", extras={}, **changes)


def _set(ctx, rid: str, expression: str, **values) -> None:
    """Move a resource the way provisioning does (a system write)."""
    names = {"#s": "status"} if "#s" in expression else {}
    db.client().update_item(
        TableName=db.table(),
        Key=db.to_item(keys.resource(ctx.account_id, ctx.mode, rid)),
        UpdateExpression=expression,
        ExpressionAttributeValues=db.values(**values),
        **({"ExpressionAttributeNames": names} if names else {}),
    )


def _settle(ctx, rid: str, status: str = "active") -> None:
    """As provisioning leaves a resource: status, capacity held, counters moved."""
    _set(ctx, rid, "SET #s = :s, gsi1pk = :g, capacity_reserved = :t ADD version :one",
         s=status, g=keys.resource_status_partition(ctx.account_id, ctx.mode, status), t=True, one=1)
    db.client().update_item(
        TableName=db.table(),
        Key=db.to_item(keys.resource_counter(ctx.account_id, ctx.mode)),
        UpdateExpression="ADD pending :m, #s :one, reserved :one",
        ExpressionAttributeNames={"#s": status},
        ExpressionAttributeValues=db.values(m=-1, one=1),
    )


def _counter(ctx) -> dict[str, int]:
    item = resources.counts(ctx.account_id, ctx.mode)
    return {k: int(v) for k, v in item.items() if k in ("total", "pending", "active", "paused", "archived", "failed", "reserved") and int(v)}


def _made(ctx, n: int, **create) -> str:
    return resources.create(_as(ctx, n), ResourceCreate(name=f"Delete me {n}", type="staging", **create))["id"]


def _deleted_events(ctx) -> list[dict]:
    stream.handle_batch(stream_records())
    return [e for e in stored_events(ctx) if e["type"] == "resource.deleted"]


@pytest.fixture
def quiet_provisioning(queue, monkeypatch):
    # The stream handler would start executions: these tests only delete.
    monkeypatch.setattr(stream, "subscribers", lambda: [events.on_change])


@pytest.mark.parametrize(
    "state",
    ["settled", "pending", "paused", "failed_without_capacity", "own_rate_limit"],
)
def test_delete_in_every_state_leaves_exact_counts_and_one_event(ctx, state, quiet_provisioning):
    # Given a resource in that state, and one that stays
    keep = _made(ctx, 1)
    _settle(ctx, keep)
    rid = _made(ctx, 2, **({"configuration": {"rate_limit": 5}} if state == "own_rate_limit" else {}))
    if state in ("settled", "own_rate_limit"):
        _settle(ctx, rid)
    elif state == "paused":
        _settle(ctx, rid)
        resources.update(_as(ctx, 3), rid, ResourceUpdate(status="paused"))
    elif state == "failed_without_capacity":
        _set(ctx, rid, "SET #s = :s, gsi1pk = :g", s="failed", g=keys.resource_status_partition(ctx.account_id, ctx.mode, "failed"))
        db.client().update_item(
            TableName=db.table(), Key=db.to_item(keys.resource_counter(ctx.account_id, ctx.mode)),
            UpdateExpression="ADD pending :m, failed :one", ExpressionAttributeValues=db.values(m=-1, one=1),
        )
    before = resources.render(resources.load(ctx, rid))
    # When it is deleted
    deleter = _as(ctx, 9, idempotency_key="del-key")
    answer = resources.delete(deleter, rid)
    # Then it is gone and the account's counts are exactly the one that stayed
    assert answer == {"id": rid, "object": "resource", "deleted": True, "deleted_at": answer["deleted_at"]}
    with pytest.raises(ApiError) as gone:
        resources.load(ctx, rid)
    assert gone.value.code == "resource_missing"
    assert _counter(ctx) == {"total": 1, "active": 1, "reserved": 1}
    # And one resource.deleted event carries the resource as it was and the deleting request
    (event,) = _deleted_events(ctx)
    obj = event["data"]["object"]
    assert obj["id"] == rid and obj["deleted"] is True and obj["status"] == before["status"]
    assert obj["name"] == before["name"] and obj["configuration"] == before["configuration"]
    assert event["request"] == {"id": deleter.request_id, "idempotency_key": "del-key"}


def test_deleting_a_missing_resource_is_a_404_and_touches_nothing(ctx):
    keep = _made(ctx, 1)
    before = _counter(ctx)
    with pytest.raises(ApiError) as exc:
        resources.delete(ctx, keep.replace(keep[-4:], "zzzz"))
    assert exc.value.code == "resource_missing" and exc.value.param == "id"
    resources.delete(_as(ctx, 2), keep)
    with pytest.raises(ApiError) as again:
        resources.delete(_as(ctx, 3), keep)
    assert again.value.code == "resource_missing"
    assert before == {"total": 1, "pending": 1} and _counter(ctx) == {}


def test_a_resource_rate_limit_still_counts_the_delete(ctx):
    # Given a settled resource that allows 1 request a minute, already used
    rid = _made(ctx, 1, configuration={"rate_limit": 1})
    _settle(ctx, rid)
    resources.retrieve(_as(ctx, 2), rid)
    # When it is deleted within the minute
    with pytest.raises(ApiError) as exc:
        resources.delete(_as(ctx, 3), rid)
    # Then the delete is refused by the resource's own limit, and nothing was deleted
    assert exc.value.code == "resource_rate_limited"
    assert resources.load(ctx, rid)["id"] == rid
    assert Counter(_counter(ctx)) == Counter({"total": 1, "active": 1, "reserved": 1})
