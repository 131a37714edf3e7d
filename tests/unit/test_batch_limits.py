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


def _batch(p, ops, atomic=False):
    return apigw.invoke(p, "POST", "/v1/batch", body={"operations": ops, "atomic": atomic}, json_body=True)


def test_operations_a_batch_cannot_take_are_refused_up_front_naming_the_operation(aws):
    p = _principal()
    made = apigw.invoke(p, "POST", "/v1/resources", body={"name": "kept", "type": "staging"}).body["id"]
    create = {"method": "POST", "path": "/v1/resources", "body": {"name": "never", "type": "staging"}}
    cases = [
        ([create, {"method": "GET", "path": "/v1/nowhere"}], False, "operations[1][path]", "Unrecognized path"),
        ([create, {"method": "POST", "path": "/v1/batch"}], False, "operations[1][path]", "cannot be nested"),
        ([create, {"method": "POST", "path": f"/v1/resources/{made}"}], False, "operations[1][path]", "not allowed"),
        ([create, {"method": "GET", "path": f"/v1/resources/{made}"}], True, "operations[1][method]", "write operations only"),
        ([create, {**create, "idempotency_key": "own-key"}], True, "operations[1][idempotency_key]", "own idempotency_key"),
    ]
    for ops, atomic, param, words in cases:
        answer = _batch(p, ops, atomic)
        assert answer.status == 400 and answer.code == "parameter_invalid", (ops, answer)
        assert answer.body["error"]["param"] == param and words in answer.body["error"]["message"], answer
    listed = apigw.invoke(p, "GET", "/v1/resources").body["data"]
    assert [r["id"] for r in listed] == [made], "no operation of a refused batch ran"


def test_a_replayed_operation_says_so_and_a_key_reused_with_another_body_is_refused(aws):
    p = _principal()
    op = {"method": "POST", "path": "/v1/resources", "body": {"name": "first", "type": "staging"}, "idempotency_key": "k-1"}
    (first,) = _batch(p, [op]).body["results"]
    (again,) = _batch(p, [op]).body["results"]
    assert "idempotent_replayed" not in first and again.get("idempotent_replayed") is True, (first, again)
    other = {**op, "body": {"name": "second", "type": "staging"}}
    (reused,) = _batch(p, [other]).body["results"]
    assert reused["status"] == 400 and reused["body"]["error"]["code"] == "idempotency_key_reused", reused
    listed = apigw.invoke(p, "GET", "/v1/resources").body["data"]
    assert [r["name"] for r in listed] == ["first"]


def test_a_batch_charges_each_operation_and_its_rate_limit_headers_say_so(aws):
    p = _principal()
    before = apigw.invoke(p, "GET", "/v1/resources")
    left = int(before.headers["x-ratelimit-remaining"])
    gets = [{"method": "GET", "path": "/v1/resources"} for _ in range(5)]
    answer = _batch(p, gets)
    assert answer.status == 200, answer
    assert int(answer.headers["x-ratelimit-remaining"]) == left - 5, (left, answer.headers)
    one = _batch(p, gets[:1])
    assert int(one.headers["x-ratelimit-remaining"]) == left - 6, "a one-operation batch costs the request only"
