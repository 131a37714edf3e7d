"""Idempotency keys in-process (the handlers with API Gateway events, on moto): what the
HTTP tests (tests/e2e/test_idempotency.py) check in the local cloud's processes, here
where `make mutate` can change frame/idempotency.py (docs/reliability.md)."""

from __future__ import annotations

import pytest

from resource_api.core import accounts, clock, db
from tests.reliability import apigw

CREATE = {"name": "keyed", "type": "staging"}


@pytest.fixture
def p(aws):
    account = accounts.create_account(plan="enterprise")
    return accounts.Principal(account_id=account["id"], mode="test", key_id="key_idem", plan="enterprise")


def _create(p, key, body=CREATE):
    return apigw.invoke(p, "POST", "/v1/resources", body=body, headers={"Idempotency-Key": key})


def _listed(p):
    return apigw.invoke(p, "GET", "/v1/resources").body["data"]


@pytest.mark.parametrize("key", ["", "k" * 256, "caf\u00e9", "tab\there", "del\x7f"])
def test_a_key_out_of_bounds_is_refused_naming_the_header_and_nothing_is_created(p, key):
    answer = _create(p, key)
    assert answer.status == 400 and answer.body["error"]["param"] == "Idempotency-Key", answer
    assert _listed(p) == []


@pytest.mark.parametrize("key", ["k", "~" + "k" * 254, "a b ~"])
def test_a_key_of_1_to_255_printable_characters_is_taken_and_replayed(p, key):
    first, again = _create(p, key), _create(p, key)
    assert first.status == again.status == 201, (first, again)
    assert again.body == first.body and again.headers.get("idempotent-replayed") == "true"
    assert "idempotent-replayed" not in first.headers
    assert len(_listed(p)) == 1


def test_a_replay_answers_the_stored_status_body_and_headers(p):
    first = _create(p, "replay-1")
    again = _create(p, "replay-1")
    assert (again.status, again.body) == (first.status, first.body)
    assert again.headers.get("location", first.headers.get("location")) == first.headers.get("location")


def test_the_same_key_with_another_body_or_on_another_object_is_refused(p):
    made = _create(p, "reuse-1").body["id"]
    other = _create(p, "reuse-1", {"name": "other", "type": "staging"})
    assert other.status == 400 and other.code == "idempotency_key_reused", other
    b = apigw.invoke(p, "POST", "/v1/resources", body={"name": "second object", "type": "staging"}).body["id"]
    patch = {"metadata[k]": "v"}
    a_patch = apigw.invoke(p, "PATCH", f"/v1/resources/{made}", body=patch, headers={"Idempotency-Key": "reuse-2"})
    b_patch = apigw.invoke(p, "PATCH", f"/v1/resources/{b}", body=patch, headers={"Idempotency-Key": "reuse-2"})
    assert a_patch.status == 200 and b_patch.status == 400 and b_patch.code == "idempotency_key_reused", b_patch
    assert apigw.invoke(p, "GET", f"/v1/resources/{b}").body["metadata"] == {}


def test_a_record_lives_24_hours_then_the_key_is_new(p, monkeypatch):
    start = clock.now()
    first = _create(p, "ttl-1")
    records = [i for i in db.client().scan(TableName=db.table())["Items"] if i["pk"]["S"].startswith("IDEM#")]
    assert records and all(int(r["expires_at"]["N"]) - int(start) in range(24 * 3600, 24 * 3600 + 3) for r in records)
    monkeypatch.setattr(clock, "now", lambda: start + 24 * 3600 - 5)
    assert _create(p, "ttl-1").body["id"] == first.body["id"], "within 24 hours: the same answer"
    monkeypatch.setattr(clock, "now", lambda: start + 24 * 3600 + 5)
    later = _create(p, "ttl-1")
    assert later.status == 201 and later.body["id"] != first.body["id"], "past 24 hours: a new request"
    assert "idempotent-replayed" not in later.headers


def test_a_replayed_webhook_endpoint_never_shows_its_secret_again(p, monkeypatch):
    monkeypatch.setenv("STAGE", "local")  # the local stage's URL guard takes loopback receivers
    body = {"url": "http://127.0.0.1:9/hook", "enabled_events[]": "resource.created"}
    first = apigw.invoke(p, "POST", "/v1/webhook_endpoints", body=body, headers={"Idempotency-Key": "whe-1"})
    again = apigw.invoke(p, "POST", "/v1/webhook_endpoints", body=body, headers={"Idempotency-Key": "whe-1"})
    assert first.status == again.status == 200 or first.status == again.status == 201, (first, again)
    secret = first.body["secret"]
    assert secret and again.body["id"] == first.body["id"]
    assert again.body["secret"] is None
    assert again.body["secret_redacted"] == secret.split("_", 1)[0] + "_..." + secret[-4:]
    stored = [i for i in db.client().scan(TableName=db.table())["Items"] if i["pk"]["S"].startswith("IDEM#")]
    assert stored and all(secret not in str(i) for i in stored), "the stored answer never holds the secret"
