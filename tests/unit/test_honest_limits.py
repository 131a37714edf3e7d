"""Issue 23 items 2 and 3, through the route's Lambda handler on in-process moto:
a resend is charged per queued delivery like a replay, and the rate-limit headers of
both answers include their own charge; a conditional GET past the limit or the quota
is answered 429 before any read (a 304 goes uncounted only within them)."""

from __future__ import annotations

import pytest

from resource_api import stream
from resource_api.core import accounts, clock, plans
from resource_api.frame import key_limits
from tests.reliability import apigw

from .test_abuse_limits import _failed_events
from .test_webhooks import drain, queue, stream_records  # noqa: F401 - the SQS delivery queue fixture


@pytest.fixture
def frozen():
    clock.freeze(True)  # one rate-limit window for the whole test
    yield
    clock.freeze(False)


def _free_principal() -> accounts.Principal:
    account = accounts.create_account(plan="free")
    return accounts.Principal(account_id=account["id"], mode="test", key_id="key_free_a", plan="free")


def _endpoints(principal, n: int) -> list[str]:
    made = [
        apigw.invoke(principal, "POST", "/v1/webhook_endpoints", body={"url": f"http://127.0.0.1:9/{i}", "enabled_events[]": "*"})
        for i in range(n)
    ]
    assert all(m.status == 201 for m in made), made
    return [m.body["id"] for m in made]


def _one_event(principal) -> str:
    made = apigw.invoke(principal, "POST", "/v1/resources", body={"name": "Charged", "type": "staging"})
    assert made.status == 201, made
    stream.handle_batch(stream_records())  # the stream processor stores the event and fans it out
    listed = apigw.invoke(principal, "GET", "/v1/events")
    return listed.body["data"][0]["id"]


def test_a_resend_to_every_endpoint_is_charged_per_delivery_with_its_own_headers(aws, queue, frozen):  # noqa: F811
    # Given a free account (100 requests in a fresh window) with 16 subscribed endpoints and one event
    principal = _free_principal()
    _endpoints(principal, 16)
    evt = _one_event(principal)
    drain(queue)
    before = key_limits.peek(principal).remaining
    # When it resends the event to all of them
    sent = apigw.invoke(principal, "POST", f"/v1/events/{evt}/resend")
    # Then 16 deliveries were queued, and the request plus each of them was counted
    assert sent.status == 200 and len(sent.body["webhook_endpoints"]) == 16
    assert len(drain(queue)) == 16
    after = key_limits.peek(principal).remaining
    assert before - after == 17
    # And the answer's headers say so (they include the resend's own charge)
    assert int(sent.headers["x-ratelimit-remaining"]) == after
    # When fewer are left than a resend would queue: nothing is queued, 429, nothing counted
    key_limits.hit(principal, cost=after - 5)
    refused = apigw.invoke(principal, "POST", f"/v1/events/{evt}/resend")
    assert (refused.status, refused.code) == (429, "rate_limited") and int(refused.headers["retry-after"]) >= 1
    assert drain(queue) == []
    assert key_limits.peek(principal).remaining == 4  # the request itself counted, its deliveries not
    # And a resend to one endpoint still fits: it costs 2
    one = apigw.invoke(principal, "POST", f"/v1/events/{evt}/resend", body={"webhook_endpoint": _endpoints_of(principal)[0]})
    assert one.status == 200 and len(drain(queue)) == 1
    assert int(one.headers["x-ratelimit-remaining"]) == key_limits.peek(principal).remaining <= 2


def _endpoints_of(principal) -> list[str]:
    from resource_api.webhooks import domain as webhook_endpoints

    return [e["id"] for e in webhook_endpoints.all_of(principal.account_id, principal.mode)]


def test_a_replay_answer_carries_headers_that_include_its_charge(aws, queue, frozen):  # noqa: F811
    from resource_api.webhooks import domain as webhook_endpoints

    principal = _free_principal()
    (endpoint_id,) = _endpoints(principal, 1)
    stored = webhook_endpoints.load(principal.account_id, principal.mode, endpoint_id)
    _failed_events(type("Ctx", (), {"account_id": principal.account_id, "mode": principal.mode})(), stored, 10)
    replayed = apigw.invoke(principal, "POST", f"/v1/webhook_endpoints/{endpoint_id}/replay", body={"since": "0"})
    assert replayed.status == 200 and replayed.body["count"] == 10
    left = key_limits.peek(principal).remaining
    assert int(replayed.headers["x-ratelimit-remaining"]) == left == 100 - 1 - 11  # the endpoint's create, the replay, its 10


def _reads(monkeypatch) -> list[str]:
    """The DynamoDB calls made from now on, other than the rate-limit counters'."""
    from resource_api.core import db

    seen: list[str] = []

    def record(model, params, **_):
        key = params.get("Key") or {}
        if not str((key.get("pk") or {}).get("S", "")).startswith("RATE#"):
            seen.append((model.name, str(key)[:80]))

    db.client().meta.events.register("before-parameter-build.dynamodb", record)
    return seen


@pytest.mark.parametrize("path_kind", ["retrieve", "list_with_metrics"])
@pytest.mark.parametrize("budget", ["rate", "quota"])
def test_a_conditional_get_past_the_limit_is_429_before_any_read(aws, frozen, monkeypatch, path_kind, budget):
    # Given a key within its limits: a matching conditional GET is 304 and not counted
    if budget == "quota":
        monkeypatch.setitem(plans.PLANS, "tinyq", plans.Plan("tinyq", 1000, 1000, 10, 6, 25))
    account = accounts.create_account(plan="free")
    principal = accounts.Principal(account["id"], "test", "key_cond", "tinyq" if budget == "quota" else "free")
    rid = apigw.invoke(principal, "POST", "/v1/resources", body={"name": "Cond", "type": "staging"}).body["id"]
    path, query = (f"/v1/resources/{rid}", None) if path_kind == "retrieve" else ("/v1/resources", {"expand[]": "data.metrics"})
    first = apigw.invoke(principal, "GET", path, query=query)
    assert first.status == 200, first
    within = apigw.invoke(principal, "GET", path, query=query, headers={"If-None-Match": "*"})
    assert within.status == 304 and within.headers["x-ratelimit-remaining"] == first.headers["x-ratelimit-remaining"]
    # When its budget is used up
    left = key_limits.peek(principal)
    key_limits.hit(principal, cost=left.remaining if budget == "rate" else left.quota_remaining)
    reads = _reads(monkeypatch)
    # Then a conditional GET is 429 (with Retry-After), and nothing was read to answer it
    for _ in range(3):
        past = apigw.invoke(principal, "GET", path, query=query, headers={"If-None-Match": "*"})
        assert (past.status, past.code) == (429, "rate_limited"), past
        assert int(past.headers["retry-after"]) >= 1
        assert ("Monthly quota" in past.body["error"]["message"]) == (budget == "quota")
    assert reads == []
