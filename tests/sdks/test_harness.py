"""The SDK harness itself: the stub answers its script in order and logs what it got,
and the webhook fixture is a real delivery that the reference library verifies."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import datetime, timezone
from urllib.parse import unquote

import requests
from standardwebhooks import Webhook


def test_stub_answers_its_script_in_order_then_repeats_the_last(sdk_stub):
    script = requests.post(
        f"{sdk_stub.url}/_script",
        json={"responses": [
            {"status": 503, "headers": {"Retry-After": "0"}, "body": {"error": {"type": "api_error"}}},
            {"status": 200, "body": {"id": "res_1"}},
        ]},
        timeout=5,
    ).json()
    base = script["base_url"]
    first = requests.post(f"{base}/v1/resources?expand[]=metrics", data="name=x", headers={"Idempotency-Key": "k1"}, timeout=5)
    assert first.status_code == 503 and first.headers["Retry-After"] == "0"
    assert first.headers["Request-Id"].startswith("req_") and first.json()["error"]["type"] == "api_error"
    for _ in range(2):
        again = requests.get(f"{base}/v1/resources/res_1", timeout=5)
        assert again.status_code == 200 and again.json() == {"id": "res_1"}
    log = requests.get(f"{sdk_stub.url}/_log/{script['id']}", timeout=5).json()["requests"]
    assert [(r["method"], r["path"]) for r in log] == [
        ("POST", "/v1/resources"), ("GET", "/v1/resources/res_1"), ("GET", "/v1/resources/res_1")
    ]
    assert log[0]["headers"]["idempotency-key"] == "k1" and log[0]["body"] == "name=x"
    assert unquote(log[0]["query"]) == "expand[]=metrics" and log[0]["time"] <= time.time()
    # scripts are independent; an unknown one is a 404
    assert requests.get(f"{sdk_stub.url}/_log/nope", timeout=5).status_code == 404
    assert requests.post(f"{sdk_stub.url}/_script", json={"responses": []}, timeout=5).status_code == 400


def test_webhook_fixture_is_a_real_signed_delivery(sdk_env, sdk_webhook):
    fixture = json.loads(open(sdk_env["SDK_WEBHOOK_FIXTURE"]).read())
    assert fixture == sdk_webhook["delivery"]
    # The reference library signs it as the API did. (Its verify() checks the timestamp at the
    # real clock, and the session's delivery may be older than its 5 minute tolerance.)
    sent_at = datetime.fromtimestamp(int(fixture["headers"]["webhook-timestamp"]), tz=timezone.utc)
    reference = Webhook(fixture["secret"])
    signed = reference.sign(fixture["headers"]["webhook-id"], sent_at, fixture["payload"])
    assert signed in fixture["headers"]["webhook-signature"].split()
    # and verify() accepts that signature made now (the delivery's body, id and secret)
    now = datetime.now(tz=timezone.utc)
    fresh = dict(fixture["headers"], **{
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": reference.sign(fixture["headers"]["webhook-id"], now, fixture["payload"]),
    })
    event = reference.verify(fixture["payload"], fresh)
    assert event["id"] == fixture["event_id"] == fixture["headers"]["webhook-id"]
    assert event["type"] == fixture["event_type"] == "resource.created"
    # the spec's hex signature, keyed with the secret string itself
    want = hmac.new(fixture["secret"].encode(), fixture["payload"].encode(), hashlib.sha256).hexdigest()
    assert hmac.compare_digest(fixture["headers"]["resource-signature"], want)
    # and it is the event of its account on the API (an account of its own, not the SDK account's)
    resp = requests.get(f"{sdk_env['SDK_API_URL']}/v1/events/{event['id']}",
                        headers={"Authorization": f"Bearer {sdk_webhook['api_key']}"}, timeout=10)
    assert resp.status_code == 200 and resp.json()["id"] == event["id"]
    assert resp.json()["data"]["object"]["id"] == event["data"]["object"]["id"]


def test_the_pagination_set_is_alone_in_its_created_range(sdk_env):
    """SDK_PAGINATION_CREATED_GTE/LTE hold exactly SDK_PAGINATION_COUNT resources, and the
    account has others on both sides of the range (a dropped filter would show)."""
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {sdk_env['SDK_API_KEY']}"
    low, high = int(sdk_env["SDK_PAGINATION_CREATED_GTE"]), int(sdk_env["SDK_PAGINATION_CREATED_LTE"])
    count = int(sdk_env["SDK_PAGINATION_COUNT"])

    def total(**created: int) -> int:
        resp = api.get(f"{sdk_env['SDK_API_URL']}/v1/resources",
                       params={"limit": 1, **{f"created[{k}]": v for k, v in created.items()}}, timeout=30)
        assert resp.status_code == 200, resp.text
        return resp.json()["total_count"]

    assert count > 250 and total(gte=low, lte=high) == count
    assert total(lt=low) >= 1 and total(gt=high) >= 1
