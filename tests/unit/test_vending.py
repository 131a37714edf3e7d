"""Token vending (resource_api/core/vending.py, issue 23 item 5) on in-process moto: the
write path's requests carry credentials of an AssumeRole tagged with their account,
cached per container and account (LRU, bounded, renewed before they expire); when STS
fails the request answers 503 service_unavailable with Retry-After, writes nothing, and
its Idempotency-Key is free for the retry. That IAM refuses another account's items
with these credentials is checked against the synthesized tenant role's policy in
tests/infrastructure (moto enforces no IAM)."""

from __future__ import annotations

import boto3
import pytest

from resource_api import routes
from resource_api.core import accounts, db, vending
from tests.reliability import apigw

ROLE = "arn:aws:iam::123456789012:role/tenant-write"


@pytest.fixture
def vended(aws, monkeypatch):
    """Vending on for resource writes, with a count of the AssumeRole calls STS answers."""
    monkeypatch.setenv(vending.role_env(routes.WRITE), ROLE)
    vending.clear()
    sts = boto3.client("sts")
    calls: list[dict] = []
    sts.meta.events.register("provide-client-params.sts.AssumeRole", lambda params, **_: calls.append(params))
    vending.set_sts(sts)
    yield calls
    vending.set_sts(None)
    vending.clear()


def _principal(plan: str = "scale") -> accounts.Principal:
    account = accounts.create_account(plan=plan)
    return accounts.Principal(account_id=account["id"], mode="test", key_id="key_test", plan=plan)


def _count(principal: accounts.Principal) -> int:
    return len(apigw.invoke(principal, "GET", "/v1/resources", query={"limit": "100"}).body["data"])


def test_a_write_assumes_the_tenant_role_tagged_with_its_account_once_per_container(vended):
    one, two = _principal(), _principal()
    # When two accounts create resources, twice each, and read them
    for principal in (one, two, one, two):
        made = apigw.invoke(principal, "POST", "/v1/resources", body={"name": "vended", "type": "staging"})
        assert made.status == 201, made.body
    assert _count(one) == 2 and _count(two) == 2
    # Then each account's first write assumed the role with its account as the only
    # session tag, its later write used the cached session, and reads assumed nothing
    assert [(c["RoleArn"], c["Tags"]) for c in vended] == [
        (ROLE, [{"Key": vending.TAG, "Value": one.account_id}]),
        (ROLE, [{"Key": vending.TAG, "Value": two.account_id}]),
    ]
    # ... and the session's name is the account (what CloudTrail shows)
    assert [c["RoleSessionName"] for c in vended] == [one.account_id, two.account_id]


def test_one_client_signs_each_contexts_writes_with_its_own_accounts_credentials(vended):
    import threading

    signed: dict[str, str] = {}

    def write_as(account: str) -> None:
        token = vending.bind(account, {routes.WRITE})
        try:
            client = db.writer()
            signed[account] = client._request_signer._credentials.get_frozen_credentials().access_key
            client.put_item(TableName=db.table(), Item=db.to_item({"pk": f"{account}#test#RES", "sk": "res_x"}))
        finally:
            vending.unbind(token)

    threads = [threading.Thread(target=write_as, args=(f"acct_t{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Each thread's write was signed with its own account's session, by one shared client
    assert {a: signed[a] for a in signed} == {a: vending.credentials_for(ROLE, a).access_key for a in signed}
    assert len(set(signed.values())) == 4 and len(vended) == 4
    # A write with nothing bound to its context cannot sign with anyone's credentials
    with pytest.raises(RuntimeError, match="no account's credentials"):
        vending.shared_client().put_item(TableName=db.table(), Item=db.to_item({"pk": "acct_t0#test#RES", "sk": "res_y"}))


def test_the_cache_is_bounded_least_recently_used_and_renews_before_expiry(vended, monkeypatch):
    monkeypatch.setattr(vending, "CACHE_SIZE", 2)
    a = vending.credentials_for(ROLE, "acct_a")
    vending.credentials_for(ROLE, "acct_b")
    assert vending.credentials_for(ROLE, "acct_a") is a  # a hit: a is now the most recent
    vending.credentials_for(ROLE, "acct_c")  # evicts b, the least recently used
    assert vending.cached() == 2 and len(vended) == 3
    assert vending.credentials_for(ROLE, "acct_a") is a and len(vended) == 3
    vending.credentials_for(ROLE, "acct_b")  # b again: a new session
    assert len(vended) == 4
    # A session with less than REFRESH_BEFORE_S left is renewed
    import time

    later = time.time() + vending.SESSION_SECONDS - vending.REFRESH_BEFORE_S + 1
    assert vending.credentials_for(ROLE, "acct_b", now=later) is not None and len(vended) == 5


def test_when_sts_fails_the_write_answers_503_writes_nothing_and_the_key_can_be_retried(vended):
    principal = _principal()
    # Given an STS that cannot be reached (nothing listens on port 9)
    vending.set_sts(boto3.client("sts", endpoint_url="http://127.0.0.1:9"))
    body = {"name": "no credentials", "type": "staging"}
    # When a create with an Idempotency-Key is sent
    refused = apigw.invoke(principal, "POST", "/v1/resources", body=body, headers={"Idempotency-Key": "vend-1"})
    # Then it is the spec's retryable error, not a 500, and nothing was written
    assert (refused.status, refused.code) == (503, "service_unavailable"), refused.body
    assert refused.headers["retry-after"] == "1" and refused.body["error"]["request_id"].startswith("req_")
    assert _count(principal) == 0
    # And once STS answers again, the same key runs (the 503 was not stored for it)
    vending.set_sts(boto3.client("sts"))
    again = apigw.invoke(principal, "POST", "/v1/resources", body=body, headers={"Idempotency-Key": "vend-1"})
    assert again.status == 201 and "idempotent-replayed" not in again.headers
    assert _count(principal) == 1


def test_without_a_tenant_role_writes_use_the_functions_own_client(aws, monkeypatch):
    for kind in (routes.WRITE, routes.WRITE_WEBHOOK_ENDPOINTS, routes.WRITE_IDEMPOTENCY):
        monkeypatch.delenv(vending.role_env(kind), raising=False)
    principal = _principal()
    made = apigw.invoke(principal, "POST", "/v1/resources", body={"name": "own", "type": "staging"})
    assert made.status == 201 and vending.cached() == 0
    assert db.writer() is db.client()
