"""Idempotency keys over real HTTP against the local cloud."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest

from tests.e2e.test_resources_api import assert_error

BODY = {"name": "Idempotent Resource", "type": "production", "configuration[timeout_ms]": "10000"}


def key() -> str:
    return f"order_{uuid.uuid4().hex}_create_resource"


def total(api) -> int:
    return api.get("/v1/resources").json()["total_count"]


def test_replay_returns_the_first_response(api):
    k = key()
    first = api.post("/v1/resources", data=BODY, headers={"Idempotency-Key": k})
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    again = api.post("/v1/resources", data=BODY, headers={"idempotency-key": k})  # any header case
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert total(api) == 1


def test_form_and_json_bodies_are_the_same_request(api):
    k = key()
    form = api.post("/v1/resources", data=BODY, headers={"Idempotency-Key": k})
    as_json = api.post(
        "/v1/resources",
        json={"name": "Idempotent Resource", "type": "production", "configuration": {"timeout_ms": 10000}},
        headers={"Idempotency-Key": k},
    )
    assert as_json.status_code == 201 and as_json.json()["id"] == form.json()["id"]
    assert as_json.headers["Idempotent-Replayed"] == "true"


def test_body_parameter_is_an_alias_of_the_header(api):
    k = key()
    first = api.post("/v1/resources", data={**BODY, "idempotency_key": k})
    again = api.post("/v1/resources", data=BODY, headers={"Idempotency-Key": k})
    assert again.json()["id"] == first.json()["id"] and again.headers["Idempotent-Replayed"] == "true"
    clash = api.post("/v1/resources", data={**BODY, "idempotency_key": "a"}, headers={"Idempotency-Key": "b"})
    assert_error(clash, 400, "invalid_request_error", "parameter_invalid", "idempotency_key")


def test_same_key_with_other_parameters_or_endpoint_is_refused(api):
    k = key()
    created = api.post("/v1/resources", data=BODY, headers={"Idempotency-Key": k}).json()
    other = api.post("/v1/resources", data={**BODY, "name": "Something else"}, headers={"Idempotency-Key": k})
    assert_error(other, 400, "idempotency_error", "idempotency_key_reused", "Idempotency-Key")
    elsewhere = api.patch(f"/v1/resources/{created['id']}", data={"name": "Renamed"}, headers={"Idempotency-Key": k})
    assert_error(elsewhere, 400, "idempotency_error", "idempotency_key_reused")
    assert api.get(f"/v1/resources/{created['id']}").json()["name"] == "Idempotent Resource"
    assert total(api) == 1


def test_validation_failures_are_not_stored(api):
    k = key()
    bad = api.post("/v1/resources", data={**BODY, "name": "ab"}, headers={"Idempotency-Key": k})
    assert_error(bad, 400, "invalid_request_error", "parameter_invalid", "name")
    fixed = api.post("/v1/resources", data=BODY, headers={"Idempotency-Key": k})
    assert fixed.status_code == 201 and "Idempotent-Replayed" not in fixed.headers


def test_errors_after_work_began_are_replayed(api):
    k = key()
    missing = "res_" + "0" * 24
    first = api.delete(f"/v1/resources/{missing}", headers={"Idempotency-Key": k})
    assert_error(first, 404, "resource_not_found", "resource_missing")
    again = api.delete(f"/v1/resources/{missing}", headers={"Idempotency-Key": k})
    assert again.status_code == 404 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"


def test_delete_replay_answers_the_deletion_again(api):
    rid = api.post("/v1/resources", data=BODY).json()["id"]
    k = key()
    first = api.delete(f"/v1/resources/{rid}", headers={"Idempotency-Key": k})
    again = api.delete(f"/v1/resources/{rid}", headers={"Idempotency-Key": k})
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again.json()["deleted"] is True


@pytest.mark.parametrize("bad", ["", "x" * 256, "tab\there", "naïve"])
def test_malformed_keys(api, bad):
    resp = api.post("/v1/resources", data=BODY, headers={"Idempotency-Key": bad.encode("utf-8")})
    assert_error(resp, 400, "invalid_request_error", "parameter_invalid", "Idempotency-Key")
    assert total(api) == 0


def test_keys_are_scoped_to_account_and_mode(cloud, api):
    k = key()
    mine = api.post("/v1/resources", data=BODY, headers={"Idempotency-Key": k}).json()
    other = cloud.client(cloud.new_account()["keys"]["test"])
    live = cloud.client(api.account["keys"]["live"])
    for client in (other, live):
        resp = client.post("/v1/resources", data={**BODY, "name": "Unrelated"}, headers={"Idempotency-Key": k})
        assert resp.status_code == 201 and resp.json()["id"] != mine["id"]
        assert "Idempotent-Replayed" not in resp.headers


def test_concurrent_duplicates_create_exactly_one_object(api):
    k = key()

    def send(_):
        return api.post("/v1/resources", data=BODY, headers={"Idempotency-Key": k})

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(send, range(20)))
    ids = set()
    for r in responses:
        if r.status_code == 409:
            assert_error(r, 409, "conflict_error", "idempotency_key_in_use")
            assert r.headers["Retry-After"] == "1"
        else:
            assert r.status_code == 201, r.text
            ids.add(r.json()["id"])
    assert len(ids) == 1
    assert sum(r.status_code == 201 for r in responses) >= 1
    assert total(api) == 1
    # once settled, every retry gets the one object
    assert api.post("/v1/resources", data=BODY, headers={"Idempotency-Key": k}).json()["id"] in ids


def _idempotency_item(cloud, api, k):
    import hashlib

    from resource_api.core import keys

    ddb = boto3.client("dynamodb", endpoint_url=cloud.moto_url, region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    key_ = keys.idempotency(api.account["id"], "test", hashlib.sha256(k.encode()).hexdigest())
    return ddb, {n: {"S": v} for n, v in key_.items()}


def test_lock_of_a_crashed_request_expires(cloud, api):
    # Given a request that took the lock and died (its function never finished):
    # its record holds the fingerprint the same parameters produce
    done = key()
    api.post("/v1/resources", data=BODY, headers={"Idempotency-Key": done})
    ddb, done_key = _idempotency_item(cloud, api, done)
    fingerprint = ddb.get_item(TableName="resource-api", Key=done_key)["Item"]["fingerprint"]
    k = key()
    ddb, item_key = _idempotency_item(cloud, api, k)
    now = int(__import__("time").time())
    ddb.put_item(
        TableName="resource-api",
        Item={**item_key, "state": {"S": "IN_PROGRESS"}, "fingerprint": fingerprint, "lock": {"S": "dead"},
              "locked_until": {"N": str(now * 1000 + 30_000)}, "expires_at": {"N": str(now + 86400)}},
    )
    # When the client retries within the dead invocation's deadline
    resp = api.post("/v1/resources", data=BODY, headers={"Idempotency-Key": k})
    # Then it is told to come back later
    assert_error(resp, 409, "conflict_error", "idempotency_key_in_use")
    try:
        cloud.advance_clock(31)
        # And once the deadline has passed, the retry runs
        retry = api.post("/v1/resources", data=BODY, headers={"Idempotency-Key": k})
        assert retry.status_code == 201 and "Idempotent-Replayed" not in retry.headers
        assert total(api) == 2
    finally:
        cloud.reset_clock()


def test_records_expire_after_24_hours(cloud, api):
    k = key()
    first = api.post("/v1/resources", data=BODY, headers={"Idempotency-Key": k}).json()
    try:
        cloud.advance_clock(24 * 3600 - 60)
        assert api.post("/v1/resources", data=BODY, headers={"Idempotency-Key": k}).json()["id"] == first["id"]
        cloud.advance_clock(120)
        # Expired: even though the item is still in the table (TTL deletion is lazy), it is absent
        later = api.post("/v1/resources", data={**BODY, "name": "After expiry"}, headers={"Idempotency-Key": k})
        assert later.status_code == 201 and later.json()["id"] != first["id"]
        assert "Idempotent-Replayed" not in later.headers
    finally:
        cloud.reset_clock()
