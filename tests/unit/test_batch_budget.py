"""A batch's answer is bounded in size and time (issue 23 item 4): Lambda refuses a
response over 6 MB (API Gateway then answers 502, after all the work), so the operations
past the answer's budget are answered "not run" instead, and an atomic batch over it is
refused whole before its transaction. The local Lambda runtime (localcloud/lambda_runtime.py)
refuses an over-6 MB response as Lambda does, so the batch function is invoked through it."""

from __future__ import annotations

import json

import pytest

from localcloud import lambda_runtime
from resource_api.batch import domain as batch
from resource_api.resources import domain as resources
from resource_api.resources.models import ResourceCreate
from tests.reliability import apigw

BIG_METADATA = {f"k{i:02d}": "x" * 500 for i in range(20)}  # the most metadata a resource may hold


def _invoke(ctx, operations: list[dict], atomic: bool = False) -> tuple[int, dict, int]:
    """The batch function through the local Lambda runtime: (status, body, response bytes)."""
    route, event = apigw.event(ctx.principal, "POST", "/v1/batch", json_body=True,
                               body={"operations": operations, "atomic": atomic})
    raw = lambda_runtime.invoke(route.function, event)
    return raw["statusCode"], json.loads(raw["body"]), len(json.dumps(raw).encode())


def test_the_local_lambda_runtime_refuses_a_response_over_6_mb_as_lambda_does():
    limit = lambda_runtime.RESPONSE_PAYLOAD_LIMIT  # 6,291,556 bytes, Lambda's figure
    big = {"statusCode": 200, "headers": {}, "body": "x" * limit}
    with pytest.raises(lambda_runtime.ResponseTooLarge, match="exceeded maximum allowed payload size"):
        lambda_runtime.check_response(big)
    lambda_runtime.check_response({**big, "body": "x" * (limit - 100)})  # just under, as JSON: answered


def test_lists_of_large_resources_past_the_answer_budget_are_not_run(ctx, monkeypatch):
    monkeypatch.setattr(batch, "_clock", lambda: 0.0)  # the size budget alone (moto may be slow here)
    for i in range(100):
        resources.create(ctx, ResourceCreate(name=f"large {i}", type="staging", metadata=BIG_METADATA))
    # When a batch lists them 8 times (~1 MB each: 8 MB in all, as the review found)
    status, body, size = _invoke(ctx, [{"method": "GET", "path": "/v1/resources?limit=100"}] * 8)
    # Then the answer fits in a Lambda response, and says which operations did not run
    assert status == 200 and size < lambda_runtime.RESPONSE_PAYLOAD_LIMIT
    statuses = [r["status"] for r in body["results"]]
    ran = statuses.index(400)
    assert 1 <= ran < 8 and statuses == [200] * ran + [400] * (8 - ran), statuses
    assert all(len(r["body"]["data"]) > 50 for r in body["results"][:ran])  # (a Query page holds 1 MB)
    error = body["results"][ran]["body"]["error"]
    assert (error["code"], error["param"]) == ("parameter_invalid", f"operations[{ran}]")
    assert "answer size budget" in error["message"] and "another batch" in error["message"]
    assert body["summary"] == {**body["summary"], "total": 8, "successful": ran, "failed": 8 - ran}


def test_operations_past_the_time_budget_are_not_run(ctx, monkeypatch):
    now = [1000.0]

    def clock() -> float:  # each look at the clock finds 7 s gone
        now[0] += 7
        return now[0]

    monkeypatch.setattr(batch, "_clock", clock)
    ops = [{"method": "POST", "path": "/v1/resources", "body": {"name": f"res {i}", "type": "staging"}}
           for i in range(5)]
    status, body, _ = _invoke(ctx, ops)
    statuses = [r["status"] for r in body["results"]]
    assert status == 200 and statuses == [201, 201, 400, 400, 400], body["results"][0]
    assert "time budget" in body["results"][2]["body"]["error"]["message"]
    # the ones not run created nothing
    assert resources.list_(ctx, resources.ListParams())["total_count"] == 2


def test_an_atomic_batch_over_the_answer_budget_is_refused_whole_and_writes_nothing(ctx, monkeypatch):
    monkeypatch.setattr(batch, "ANSWER_BUDGET_BYTES", 25_000)  # three large creates' answers pass it
    ops = [{"method": "POST", "path": "/v1/resources", "body": {"name": f"res {i}", "type": "staging",
                                                                  "metadata": BIG_METADATA}} for i in range(3)]
    status, body, _ = _invoke(ctx, ops, atomic=True)
    assert status == 400 and body["error"]["code"] == "parameter_invalid" and body["error"]["param"] == "operations"
    assert "nothing was written" in body["error"]["message"]
    assert resources.list_(ctx, resources.ListParams())["total_count"] == 0
