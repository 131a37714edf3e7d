"""Abuse limits on moto: at most 16 webhook endpoints per account and mode, and what
one replay queues is bounded and counted against the caller's rate limit."""

from __future__ import annotations

import pytest

from resource_api.core import accounts, clock, db, ids, keys
from resource_api.events import attempts, deliveries, domain as events
from resource_api.frame import key_limits
from resource_api.webhooks import domain as webhook_endpoints
from resource_api.frame.request import RequestContext
from resource_api.core.errors import ApiError
from resource_api.webhooks.models import WebhookEndpointCreate, WebhookEndpointListParams
from resource_api.events.models import WebhookReplay

from .test_webhooks import drain, queue  # noqa: F401 - the SQS delivery queue fixture


def _create(ctx, n: int = 1) -> list[dict]:
    return [
        webhook_endpoints.create(ctx, WebhookEndpointCreate(url=f"http://127.0.0.1:9/{i}", enabled_events=["*"]))
        for i in range(n)
    ]


def _context(plan: str, mode: str = "test") -> RequestContext:
    account = accounts.create_account(plan=plan)
    principal = accounts.Principal(account_id=account["id"], mode=mode, key_id=f"key_{account['id']}_{mode}", plan=plan)
    return RequestContext(principal=principal, request_id="req_" + "0" * 32)


def test_the_seventeenth_endpoint_is_refused_until_one_is_deleted(aws, monkeypatch):
    monkeypatch.setenv("STAGE", "local")
    test, live = _context("scale"), _context("scale", "live")
    made = _create(test, webhook_endpoints.MAX_ENDPOINTS)
    with pytest.raises(ApiError) as exc:
        _create(test)
    assert (exc.value.code, exc.value.status, exc.value.type) == (
        "webhook_endpoint_limit_reached", 400, "invalid_request_error"
    )
    assert "16" in exc.value.message and exc.value.store is False
    # Nothing was written by the refused create
    assert len(webhook_endpoints.all_of(test.account_id, test.mode)) == 16
    # The count is kept beside the endpoints, never listed or fanned out to
    listed = webhook_endpoints.list_(test, WebhookEndpointListParams(limit=100))
    assert len(listed["data"]) == 16 and all(e["id"].startswith("we_") for e in listed["data"])
    # Another mode of the same kind of account has its own 16
    assert _create(live)[0]["livemode"] is True
    # A delete gives the place back, once (a second delete of the same one is a 404)
    webhook_endpoints.delete(test, made[0]["id"])
    with pytest.raises(ApiError) as gone:
        webhook_endpoints.delete(test, made[0]["id"])
    assert gone.value.code == "resource_missing"
    _create(test)
    with pytest.raises(ApiError):
        _create(test)
    item = db.from_item(db.client().get_item(
        TableName=db.table(), Key=db.to_item(keys.webhook_endpoint_counter(test.account_id, test.mode))
    )["Item"])
    assert item["count"] == 16


def _failed_events(ctx, endpoint: dict, n: int) -> list[str]:
    """n events whose one delivery attempt to the endpoint failed, oldest first."""
    now_ms = clock.now_ms()
    out = []
    for i in range(n):
        evt_id = ids.new_id(events.PREFIX, now_ms - 60_000 + i)
        msg = events.message(ctx.account_id, ctx.mode, evt_id, endpoint["id"], "event")
        deliveries._record(msg, endpoint, 1, deliveries.Response(500, 3), False, None, None)
        out.append(evt_id)
    return sorted(out)


@pytest.fixture
def frozen():
    clock.freeze(True)  # one rate-limit window for the whole test
    yield
    clock.freeze(False)


def test_one_replay_queues_at_most_1000_and_says_what_is_left(aws, queue, frozen):  # noqa: F811
    ctx = _context("scale")
    (endpoint,) = _create(ctx)
    stored = webhook_endpoints.load(ctx.account_id, ctx.mode, endpoint["id"])
    failed = _failed_events(ctx, stored, attempts.REPLAY_MAX_EVENTS + 5)
    since = clock.now_s() - 120

    first = attempts.replay(ctx, endpoint["id"], WebhookReplay(since=since))
    assert first["count"] == 1000 and first["events"] == failed[:1000]
    assert first["remaining"] == 5 and first["has_more"] is True
    assert [m["event"] for m in drain(queue)] == failed[:1000]
    # The next call continues after the last queued event
    rest = attempts.replay(ctx, endpoint["id"], WebhookReplay(since=since, starting_after=first["events"][-1]))
    assert rest["events"] == failed[1000:] and rest["remaining"] == 0 and rest["has_more"] is False
    assert {m["reason"] for m in drain(queue)} == {"replay"}
    # A smaller page when asked
    some = attempts.replay(ctx, endpoint["id"], WebhookReplay(since=since, limit=3))
    assert some["events"] == failed[:3] and some["remaining"] == len(failed) - 3
    # Every queued delivery was counted like a request (1000 + 5 + 3)
    assert key_limits.peek(ctx.principal).limit - key_limits.peek(ctx.principal).remaining == 1008


def test_replay_queues_what_the_rate_limit_leaves_then_answers_429(aws, queue, frozen):  # noqa: F811
    # Given a free key (a fresh window allows 100 requests) with 150 failed deliveries
    ctx = _context("free")
    (endpoint,) = _create(ctx)
    stored = webhook_endpoints.load(ctx.account_id, ctx.mode, endpoint["id"])
    failed = _failed_events(ctx, stored, 150)
    key_limits.hit(ctx.principal)  # the replay request itself, as the frame counts it
    # When it replays: what the window has left is queued, and said
    first = attempts.replay(ctx, endpoint["id"], WebhookReplay(since=0))
    assert first["count"] == 99 and first["events"] == failed[:99] and first["remaining"] == 51
    assert len(drain(queue)) == 99
    assert key_limits.peek(ctx.principal).remaining == 0
    # And the next one in the same window queues nothing: 429 with Retry-After
    with pytest.raises(ApiError) as exc:
        attempts.replay(ctx, endpoint["id"], WebhookReplay(since=0, starting_after=first["events"][-1]))
    assert exc.value.code == "rate_limited" and exc.value.status == 429 and int(exc.value.headers["Retry-After"]) >= 1
    assert drain(queue) == []
    # And nothing was counted by the refusal
    assert key_limits.peek(ctx.principal).remaining == 0 and key_limits.peek(ctx.principal).limit == 100


def test_a_replay_with_nothing_to_queue_costs_nothing_extra(aws, queue, frozen):  # noqa: F811
    ctx = _context("free")
    (endpoint,) = _create(ctx)
    body = attempts.replay(ctx, endpoint["id"], WebhookReplay(since=0))
    assert body["count"] == 0 and body["has_more"] is False
    assert key_limits.peek(ctx.principal).remaining == 100


def test_replay_refuses_a_cursor_that_is_not_an_event_id():
    from resource_api.frame.params import validate

    with pytest.raises(ApiError) as exc:
        validate(WebhookReplay, {"since": "0", "starting_after": "we_0000"})
    assert exc.value.param == "starting_after"
    with pytest.raises(ApiError) as exc:
        validate(WebhookReplay, {"since": "0", "limit": "1001"})
    assert exc.value.param == "limit"
    assert validate(WebhookReplay, {"since": "0"}).limit == attempts.REPLAY_MAX_EVENTS
