"""Request logs over real HTTP against the local cloud: every request of an account is
recorded off the request path (the functions' lines, the authorizer's refusals, the
gateway's own answers from its access log line), exactly once, with secrets removed;
and every error object's request_log_url names the dashboard page of its request.

The records are read the way the dashboard reads them (resource_api.requestlogs) from the
local cloud's moto. Each test waits until the record it expects is there (the ingestion
is asynchronous), never for a fixed time."""

from __future__ import annotations

import time
import uuid

import pytest
import requests

from resource_api import requestlogs
from resource_api.core import db

WAIT_S = 30  # an upper bound on waiting for what must come, not an expected duration


@pytest.fixture
def logs(cloud, monkeypatch):
    """resource_api.requestlogs, reading the local cloud's table."""
    monkeypatch.setenv("TABLE_NAME", "resource-api")
    db.set_client(cloud.dynamodb())
    yield requestlogs
    db.set_client(None)


def wait_for(fetch, what: str):
    deadline = time.monotonic() + WAIT_S
    while True:
        found = fetch()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not appear within {WAIT_S} s")
        time.sleep(0.05)  # polling the final state, not waiting a fixed time for it


def key_id_of(cloud, account_id: str, mode: str = "test") -> str:
    keys = cloud.apictl("list-keys", account_id)["data"]
    return next(k["id"] for k in keys if k["mode"] == mode and not k.get("revoked"))


def test_a_failing_request_names_its_log_page_and_its_record_has_every_field(cloud, api, logs):
    account = api.account["id"]
    secret = api.account["keys"]["test"]
    idem = f"idem-{uuid.uuid4()}"
    # When a request fails validation
    resp = api.post("/v1/resources", data={"name": "x", "type": "production"},
                    headers={"Idempotency-Key": idem, "User-Agent": "logs-test/1.0", "Api-Version": "2023-11-01"})
    assert resp.status_code == 400
    error = resp.json()["error"]
    request_id = resp.headers["Request-Id"]
    # Then its error object links the dashboard's page of that request (make run's URL)
    assert error["request_id"] == request_id
    assert error["request_log_url"] == f"{cloud.dashboard_url}/logs/{request_id}"
    # And its record appears, with every field of the interface
    record = wait_for(lambda: logs.get(account, "test", request_id), "the request's record")
    assert record["request_id"] == request_id and record["account_id"] == account
    assert (record["method"], record["path"], record["status"]) == ("POST", "/v1/resources", 400)
    assert (record["error_type"], record["error_code"], record["error_param"]) == (
        error["type"], error["code"], error["param"])
    assert record["key_id"] == key_id_of(cloud, account) and record["key_last4"] == secret[-4:]
    assert record["idempotency_key"] == idem and record["idempotent_replayed"] is False
    assert record["api_version"] == resp.headers["Api-Version"] == "2023-11-01"
    assert record["source_ip"] == "127.0.0.1" and record["user_agent"] == "logs-test/1.0"
    assert record["livemode"] is False and record["latency_ms"] > 0
    assert abs(record["created"] - time.time()) < 600  # the local clock, not a unit mix-up
    assert "name=x" in record["request_body"] and '"parameter_invalid"' in record["response_body"]
    assert secret not in str(record)
    # And the dashboard's list finds it by its filters
    page, _ = logs.query(account, "test", status_class="4xx", method="POST", path="/v1/res", idempotency_key=idem)
    assert [r["request_id"] for r in page] == [request_id]
    # And a successful answer has no error, a replay says so
    created = api.post("/v1/resources", data={"name": "Logged", "type": "production"}, headers={"Idempotency-Key": idem + "b"})
    replay = api.post("/v1/resources", data={"name": "Logged", "type": "production"}, headers={"Idempotency-Key": idem + "b"})
    assert created.status_code == replay.status_code == 201 and replay.headers.get("Idempotent-Replayed") == "true"
    first = wait_for(lambda: logs.get(account, "test", created.headers["Request-Id"]), "the create")
    again = wait_for(lambda: logs.get(account, "test", replay.headers["Request-Id"]), "the replay")
    assert first["error_code"] is None and first["idempotent_replayed"] is False
    assert again["idempotent_replayed"] is True and '"Logged"' in again["response_body"]
    hours = logs.usage(account, "test")
    assert sum(h["requests"] for h in hours) == 3 and sum(h["errors"] for h in hours) == 1


def test_a_gateway_error_carries_request_log_url_too(cloud):
    resp = requests.get(f"{cloud.url}/v1/resources", timeout=10)  # no key: API Gateway's own 401
    assert resp.status_code == 401
    error = resp.json()["error"]
    assert error["request_log_url"] == f"{cloud.dashboard_url}/logs/{error['request_id']}"


def test_a_revoked_keys_401_is_logged_for_its_account(cloud, logs):
    account = cloud.new_account()
    key = cloud.apictl("add-key", account["id"], "--mode", "test")
    cloud.apictl("revoke-key", account["id"], key["id"])
    resp = requests.get(f"{cloud.url}/v1/resources", headers={"Authorization": f"Bearer {key['secret']}"}, timeout=10)
    assert resp.status_code == 401
    request_id = resp.json()["error"]["request_id"]  # API Gateway's form: the UUID
    record = wait_for(lambda: logs.get(account["id"], "test", request_id), "the 401's record")
    assert (record["status"], record["error_code"], record["error_type"]) == (401, "api_key_invalid", "authentication_error")
    assert record["key_id"] == key["id"] and record["key_last4"] == key["secret"][-4:]
    assert (record["method"], record["path"]) == ("GET", "/v1/resources")
    assert key["secret"] not in str(record)
    assert logs.get(account["id"], "live", request_id) is None


def test_a_gateway_413_after_authorization_is_logged_from_the_access_log_line(cloud, api, logs):
    account = api.account["id"]
    # 7 MB: over Lambda's invoke payload, so API Gateway answers 413 itself, after the authorizer
    resp = api.post("/v1/resources", data=b'{"name": "' + b"a" * (7 * 1024 * 1024) + b'"}',
                    headers={"Content-Type": "application/json"})
    assert resp.status_code == 413
    request_id = resp.json()["error"]["request_id"]
    record = wait_for(lambda: logs.get(account, "test", request_id), "the 413's record")
    assert (record["status"], record["error_code"], record["source"]) == (413, "body_too_large", "gateway")
    assert record["key_id"] == key_id_of(cloud, account) and record["key_last4"] == api.account["keys"]["test"][-4:]
    assert record["request_id"] == "req_" + request_id.replace("-", "")


def test_secrets_never_reach_stored_bodies(cloud, api, logs):
    account = api.account["id"]
    live_key = api.account["keys"]["live"]
    # A webhook secret in a response, an API key in a request body, a query string and a header
    endpoint = api.post("/v1/webhook_endpoints", data={"url": "http://127.0.0.1:9/hook", "enabled_events[]": "resource.deleted",
                                                       "description": f"rotate {live_key}"})
    assert endpoint.status_code in (200, 201), endpoint.text
    whsec = endpoint.json()["secret"]
    assert whsec.startswith("whsec_")
    bad = api.post("/v1/resources", data={"name": "Secret holder", "type": "production",
                                          "metadata[key]": live_key, "metadata[hook]": whsec},
                   headers={"User-Agent": f"agent {live_key}"})
    listed = api.get("/v1/resources", params={"limit": 1, "note": live_key})
    ids = [endpoint.headers["Request-Id"], bad.headers["Request-Id"], listed.headers["Request-Id"]]
    records = [wait_for(lambda rid=rid: logs.get(account, "test", rid), rid) for rid in ids]
    for record in records:
        text = str(record)
        assert live_key not in text and whsec not in text and whsec[6:] not in text, text
    assert "whsec_REDACTED" in records[0]["response_body"] and "sk_live_REDACTED" in records[0]["request_body"]
    assert "sk_live_REDACTED" in records[1]["request_body"] and "whsec_REDACTED" in records[1]["request_body"]
    assert records[1]["user_agent"] == "agent sk_live_REDACTED"
    assert "sk_live_REDACTED" in records[2]["query"]


def test_a_redelivered_log_batch_is_recorded_once(cloud, api, logs):
    account = api.account["id"]
    ids = [api.get("/v1/resources").headers["Request-Id"] for _ in range(3)]
    ids.append(api.post("/v1/resources", data={"name": "x"}).headers["Request-Id"])
    for rid in ids:
        wait_for(lambda rid=rid: logs.get(account, "test", rid), rid)
    before = logs.usage(account, "test")
    # When CloudWatch Logs / Lambda deliver the recent batches again
    again = requests.post(f"{cloud.url}/_local/logs/redeliver", timeout=60).json()
    assert again["events"] >= len(ids) and again["request_logs"] == 0 and again["request_log_duplicates"] >= len(ids)
    # Then every request is still there once, and the counters did not move
    page, more = logs.query(account, "test", limit=100)
    assert sorted(r["request_id"] for r in page) == sorted(ids) and not more
    assert logs.usage(account, "test") == before
    assert sum(h["requests"] for h in before) == 4
