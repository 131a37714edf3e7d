"""POST /v1/batch in-process (the handler with an API Gateway event, on moto): what
make mutate found only the HTTP tests checking (tests/e2e/test_batch.py), where a mutant
cannot be loaded: a query string in an operation's path, and one transaction's limit."""

from __future__ import annotations

from resource_api.core import accounts
from tests.reliability import apigw


def _principal() -> accounts.Principal:
    account = accounts.create_account(plan="enterprise")
    return accounts.Principal(account_id=account["id"], mode="test", key_id="key_batchlimits", plan="enterprise")


def test_an_operations_query_string_is_its_parameters(aws):
    p = _principal()
    for name in ("first", "second"):
        assert apigw.invoke(p, "POST", "/v1/resources", body={"name": name, "type": "staging"}).status == 201
    ops = [{"method": "GET", "path": "/v1/resources?limit=1"}, {"method": "GET", "path": "/v1/resources?limit=2"}]
    answer = apigw.invoke(p, "POST", "/v1/batch", body={"operations": ops}, json_body=True)
    assert answer.status == 200, answer
    one, two = (r["body"] for r in answer.body["results"])
    assert (len(one["data"]), one["has_more"]) == (1, True)
    assert (len(two["data"]), two["has_more"]) == (2, False)


def test_an_atomic_batch_over_one_transaction_is_refused_before_anything_runs(aws):
    # 100 creates are 101 writes (each resource, and the counter item): one too many
    p = _principal()
    ops = [{"method": "POST", "path": "/v1/resources", "body": {"name": f"r{i:03}", "type": "staging"}} for i in range(100)]
    answer = apigw.invoke(p, "POST", "/v1/batch", body={"operations": ops, "atomic": True}, json_body=True)
    assert answer.status == 400 and answer.code == "parameter_invalid", answer
    assert answer.body["error"]["param"] == "operations"
    assert "needs 101 writes; one transaction holds 100" in answer.body["error"]["message"]
    listed = apigw.invoke(p, "GET", "/v1/resources")
    assert listed.body["data"] == [], listed


def test_an_operation_without_a_query_string_on_a_route_that_takes_one(aws):
    p = _principal()
    made = apigw.invoke(p, "POST", "/v1/resources", body={"name": "plain", "type": "staging"})
    ops = [{"method": "GET", "path": f"/v1/resources/{made.body['id']}"}, {"method": "GET", "path": "/v1/resources"}]
    answer = apigw.invoke(p, "POST", "/v1/batch", body={"operations": ops}, json_body=True)
    assert [r["status"] for r in answer.body["results"]] == [200, 200], answer
    assert answer.body["results"][0]["body"]["id"] == made.body["id"]


def test_an_operations_idempotency_key_replays_it(aws):
    p = _principal()
    op = {"method": "POST", "path": "/v1/resources", "body": {"name": "keyed", "type": "staging"},
          "idempotency_key": "batch-op-key"}
    first = apigw.invoke(p, "POST", "/v1/batch", body={"operations": [op]}, json_body=True)
    again = apigw.invoke(p, "POST", "/v1/batch", body={"operations": [op]}, json_body=True)
    (a,), (b,) = first.body["results"], again.body["results"]
    assert a["status"] == b["status"] == 201 and a["body"]["id"] == b["body"]["id"], (a, b)
    assert len(apigw.invoke(p, "GET", "/v1/resources").body["data"]) == 1
