"""The SDK harness itself: the stub answers its script in order and logs what it got,
and the webhook fixture is a real delivery that the reference library verifies."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
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


def test_webhook_fixture_is_a_real_signed_delivery(sdk_env):
    fixture = json.loads(open(sdk_env["SDK_WEBHOOK_FIXTURE"]).read())
    event = Webhook(fixture["secret"]).verify(fixture["payload"], fixture["headers"])
    assert event["id"] == fixture["event_id"] == fixture["headers"]["webhook-id"]
    assert event["type"] == fixture["event_type"] == "resource.created"
    # the spec's hex signature, keyed with the secret string itself
    want = hmac.new(fixture["secret"].encode(), fixture["payload"].encode(), hashlib.sha256).hexdigest()
    assert hmac.compare_digest(fixture["headers"]["resource-signature"], want)
    # and the key works on the API
    resp = requests.get(f"{sdk_env['SDK_API_URL']}/v1/events/{event['id']}",
                        headers={"Authorization": f"Bearer {sdk_env['SDK_API_KEY']}"}, timeout=10)
    assert resp.status_code == 200 and resp.json()["id"] == event["id"]
