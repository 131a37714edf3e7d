"""The metrics_ingest function on in-process moto: CloudWatch Logs subscription events
of the frame's resource_request lines become per-resource metrics and request logs,
exactly once per request, and only for resources that exist."""

from __future__ import annotations

import dataclasses
import itertools
import json
import time

import pytest

from resource_api import routes
from resource_api.core import clock, db, keys
from resource_api.metrics import ingest, store as metrics
from resource_api.resources import domain as resources
from resource_api.resources.models import ResourceCreate

ROUTE = "/v1/resources/{id}"
_event_ids = itertools.count(1)


# --- helpers (tests/unit/test_expand_and_metrics.py uses them too) -----------------------------


def line(ctx, rid: str, *, method: str = "GET", status: int = 200, latency_ms: float = 5.0) -> str:
    """The frame's request line for one request (frame/http.py), as Powertools prints it."""
    fields = {
        "level": "INFO",
        "location": "serve:166",
        "message": "request",
        "timestamp": "2025-06-01 12:00:00,000+0000",
        "service": "resource-api",
        "method": method,
        "route": ROUTE,
        "status": status,
        "latency_ms": latency_ms,
        "account_id": ctx.account_id,
        "mode": ctx.mode,
    }
    fields.update(metrics.request_record(ctx, method, ROUTE, {"id": rid}, status, latency_ms))
    return json.dumps(fields)


def event(*messages: str, group: str = "/aws/lambda/get_resource") -> dict:
    """Lambda's CloudWatch Logs event for these log lines."""
    now = int(time.time() * 1000)
    return ingest.subscription_event(group, [(f"{next(_event_ids):056d}", now, m) for m in messages])


def invoke(evt: dict):
    """The metrics_ingest function, as Lambda invokes it."""
    from functions.metrics_ingest import handler as fn
    from localcloud.lambda_runtime import LambdaContext

    return fn.handler(evt, LambdaContext(function_name=metrics.INGEST_FUNCTION))


def record(ctx, rid: str, **kw) -> dict:
    """One request on a resource, logged and ingested."""
    return invoke(event(line(ctx, rid, **kw)))


def new_ctx(ctx, n: int):
    return dataclasses.replace(ctx, request_id=f"req_{n:032d}", extras={})


def logged(ctx, rid: str) -> list[dict]:
    resp = db.client().query(
        TableName=db.table(),
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues=db.values(p=keys.resource_log_partition(ctx.account_id, ctx.mode, rid)),
    )
    return [db.from_item(i) for i in resp["Items"]]


def _create(ctx) -> str:
    return resources.create(ctx, ResourceCreate(name="Ingested", type="production"))["id"]


@pytest.fixture
def frozen_clock():
    yield clock
    clock.set_offset(0)


# --- the tests ----------------------------------------------------------------------------------


def test_a_batch_becomes_counters_and_log_entries(ctx):
    # Given two resources and a batch of lines about them (and one about nothing)
    a, b = _create(ctx), _create(ctx)
    lines = [line(new_ctx(ctx, i), a, status=200 if i < 3 else 500, latency_ms=10.0 * (i + 1)) for i in range(4)]
    lines.append(line(new_ctx(ctx, 10), b, method="PATCH", status=400, latency_ms=2.5))
    # When one event delivers them
    summary = invoke(event(*lines))
    # Then each request is counted once on its resource, with its log entry
    assert summary["ingested"] == 5 and summary["duplicates"] == 0 and summary["dropped"] == 0
    m = metrics.full(metrics.load(ctx.account_id, ctx.mode, a))
    assert m["lifetime"] == {"requests": 4, "success_rate": 75.0, "errors": 1, "avg_latency_ms": 25}
    assert m["last_24h"]["requests"] == 4 and m["last_24h"]["p99_latency_ms"] == metrics.bucket_bound(metrics.bucket(40))
    assert metrics.full(metrics.load(ctx.account_id, ctx.mode, b))["lifetime"]["errors"] == 1
    entries = metrics.logs(ctx.account_id, ctx.mode, b)["data"]
    assert entries == [{"id": f"req_{10:032d}", "object": "request_log", "created": entries[0]["created"],
                        "method": "PATCH", "path": f"/v1/resources/{b}", "status": 400, "latency_ms": 2.5}]


def test_a_redelivered_batch_is_counted_once(ctx):
    # Given a batch that was ingested
    rid = _create(ctx)
    first = [line(new_ctx(ctx, i), rid) for i in range(3)]
    invoke(event(*first))
    # When CloudWatch Logs delivers it again, with a new line, and a line twice in one event
    again = invoke(event(*first, line(new_ctx(ctx, 3), rid, status=503), first[0]))
    # Then only the new request counts
    assert again["ingested"] == 1 and again["duplicates"] == 4
    lifetime = metrics.full(metrics.load(ctx.account_id, ctx.mode, rid))["lifetime"]
    assert (lifetime["requests"], lifetime["errors"]) == (4, 1)
    assert len(logged(ctx, rid)) == 4


def test_requests_on_a_resource_that_no_longer_exists_are_dropped(ctx):
    # Given a resource that was deleted, and lines about it that arrive after
    rid = _create(ctx)
    record(new_ctx(ctx, 1), rid, status=200)
    resources.delete(new_ctx(ctx, 2), rid)
    late = invoke(event(line(new_ctx(ctx, 3), rid), line(new_ctx(ctx, 4), rid, method="PATCH", status=400)))
    # Then nothing is counted or logged for them
    assert late["ingested"] == 0 and late["dropped"] == 2
    assert metrics.full(metrics.load(ctx.account_id, ctx.mode, rid))["lifetime"]["requests"] == 1
    assert len(logged(ctx, rid)) == 1
    # And a resource that never existed gets no item at all
    unknown = "res_" + "0" * 10 + "a" * 14
    assert record(ctx, unknown)["dropped"] == 1
    assert metrics.load(ctx.account_id, ctx.mode, unknown) is None and logged(ctx, unknown) == []


def test_the_delete_that_removed_a_resource_removes_its_metrics(ctx):
    rid = _create(ctx)
    record(new_ctx(ctx, 1), rid)
    assert metrics.load(ctx.account_id, ctx.mode, rid)["n"] == 1
    resources.delete(new_ctx(ctx, 2), rid)
    summary = record(new_ctx(ctx, 2), rid, method="DELETE", status=200)
    assert summary["metrics_deleted"] == 1
    assert metrics.load(ctx.account_id, ctx.mode, rid) is None
    # a DELETE that failed (here: a 412) is a request like any other
    other = _create(ctx)
    record(new_ctx(ctx, 3), other, method="DELETE", status=412)
    assert metrics.full(metrics.load(ctx.account_id, ctx.mode, other))["lifetime"]["errors"] == 1


def test_foreign_and_malformed_lines_are_ignored(ctx):
    rid = _create(ctx)
    good = line(new_ctx(ctx, 1), rid)
    bad = [
        "START RequestId: 6c1e Version: $LATEST",
        "not json at all",
        good[:-20],  # truncated
        json.dumps({"message": "request", "method": "GET", "status": 200}),  # a request line with no record
        json.dumps({**json.loads(good), "status": "200; DROP"}),
        json.dumps({**json.loads(good), "resource_id": "sk_live_not_a_resource"}),
        json.dumps({**json.loads(good), "mode": "prod"}),
        json.dumps({**json.loads(good), "record": "something_else"}),
        json.dumps({**json.loads(good), "status": 404}),
    ]
    summary = invoke(event(*bad, good))
    assert summary["ignored"] == len(bad) and summary["ingested"] == 1
    assert metrics.load(ctx.account_id, ctx.mode, rid)["n"] == 1
    # CloudWatch's control message (sent when the subscription is made) is no batch
    control = ingest.encode({"messageType": "CONTROL_MESSAGE", "logGroup": "", "logEvents": [{"id": "1", "timestamp": 0,
                                                                                           "message": "CWL CONTROL"}]})
    assert invoke(control)["records"] == 0


def test_a_lambda_text_format_prefix_is_tolerated(ctx):
    rid = _create(ctx)
    prefixed = "2025-06-01T12:00:00.000Z\t6c1e-11\tINFO\t" + line(ctx, rid)
    assert invoke(event(prefixed))["ingested"] == 1


def test_a_dynamodb_fault_makes_the_invocation_raise_and_a_retry_counts_once(ctx, monkeypatch):
    # Given DynamoDB failing the transaction (throttled)
    rid = _create(ctx)
    evt = event(*[line(new_ctx(ctx, i), rid) for i in range(3)])
    real = db.client()

    class Throttled:
        def __getattr__(self, name):
            return getattr(real, name)

        def transact_write_items(self, **kwargs):
            from botocore.exceptions import ClientError

            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "TransactWriteItems")

    db.set_client(Throttled())
    # When the batch is delivered, Then the invocation fails (so Lambda delivers it again)
    with pytest.raises(Exception, match="ThrottlingException"):
        invoke(evt)
    db.set_client(real)
    assert metrics.load(ctx.account_id, ctx.mode, rid) is None
    # And when it is delivered again it counts, once
    assert invoke(evt)["ingested"] == 3
    assert invoke(evt)["duplicates"] == 3
    assert metrics.load(ctx.account_id, ctx.mode, rid)["n"] == 3


def test_a_cancellation_that_retrying_cannot_fix_raises(ctx, monkeypatch):
    rid = _create(ctx)
    from botocore.exceptions import ClientError

    def cancelled(**kwargs):
        reasons = [{"Code": "None"}, {"Code": "ValidationError"}] + [{"Code": "None"}] * (len(kwargs["TransactItems"]) - 2)
        raise ClientError({"Error": {"Code": "TransactionCanceledException", "Message": "x"},
                           "CancellationReasons": reasons}, "TransactWriteItems")

    monkeypatch.setattr(db.client(), "transact_write_items", cancelled)
    with pytest.raises(ingest.IngestError, match="ValidationError"):
        invoke(event(line(ctx, rid)))


def test_big_batches_are_split_at_the_transaction_limit(ctx):
    rid = _create(ctx)
    calls = []
    real = db.client().transact_write_items

    def counting(**kwargs):
        calls.append(len(kwargs["TransactItems"]))
        return real(**kwargs)

    db.client().transact_write_items = counting
    try:
        summary = invoke(event(*[line(new_ctx(ctx, i), rid) for i in range(150)]))
    finally:
        del db.client().transact_write_items
    assert summary["ingested"] == 150
    assert calls == [100, 54]  # ConditionCheck + metrics Update + 98 log Puts, then the rest
    assert metrics.load(ctx.account_id, ctx.mode, rid)["n"] == 150


def test_hours_that_left_the_window_are_removed_off_the_request_path(ctx, frozen_clock):
    rid = _create(ctx)
    record(new_ctx(ctx, 1), rid)
    clock.set_offset(3 * 3600)
    record(new_ctx(ctx, 2), rid, status=500)
    clock.set_offset(25 * 3600)  # the first hour has left the window
    record(new_ctx(ctx, 3), rid, method="PATCH")
    item = metrics.load(ctx.account_id, ctx.mode, rid)
    full = metrics.full(item)
    assert full["lifetime"]["requests"] == 3 and full["lifetime"]["errors"] == 1
    assert full["last_24h"]["requests"] == 2 and full["last_24h"]["errors"] == 1
    hours = {name[1:-1] for name in item if name.startswith("h") and name.endswith("n")}
    assert len(hours) == 2, item  # the stale hour is gone from the item


def test_the_frame_logs_the_record_and_the_local_subscription_delivers_it(ctx, monkeypatch):
    """The real frame's request line, captured the way the local cloud's subscription
    filter captures it, is what the ingestion reads."""
    from localcloud import lambda_runtime
    from localcloud.pollers import LogSubscription

    from resource_api import requestlogs
    from resource_api.frame import request_log

    from resource_api.core import accounts

    rid = _create(ctx)
    key = accounts.add_key(ctx.account_id, "test")
    subscription = LogSubscription(metrics.INGEST_FUNCTION, request_log.subscribed_functions(routes))
    subscription.install()
    try:
        for method, status_expected in (("GET", 200), ("PATCH", 400)):
            resp = lambda_runtime.invoke(
                "get_resource" if method == "GET" else "update_resource",
                _proxy_event(ctx, key, method, rid, body="name=x" if method == "PATCH" else None),
            )
            assert resp["statusCode"] == status_expected, resp
        missing = "res_" + "0" * 10 + "b" * 14
        assert lambda_runtime.invoke("get_resource", _proxy_event(ctx, key, "GET", missing))["statusCode"] == 404
        lambda_runtime.invoke("list_resources", _proxy_event(ctx, key, "GET", None))
        # Then every request was captured as a JSON line with no secret (each is a request-log
        # record), and exactly the two requests on the resource are resource_request records
        everything = list(subscription.queue)
        assert [c[0] for c in everything] == [f"/aws/lambda/{f}" for f in
                                              ("get_resource", "update_resource", "get_resource", "list_resources")]
        assert all(key["secret"] not in c[3] and json.loads(c[3])["request_log"]["account_id"] == ctx.account_id
                   for c in everything)
        captured = [c for c in everything if json.loads(c[3])["record"] == "resource_request"]
        assert [c[0] for c in captured] == ["/aws/lambda/get_resource", "/aws/lambda/update_resource"]
        for _, event_id, _, message in captured:
            assert len(event_id) == 56 and key["secret"] not in message
            data = json.loads(message)
            assert data["record"] == "resource_request" and data["resource_id"] == rid
            assert data["message"] == "request" and data["path"] == f"/v1/resources/{rid}"
        # And delivered, they become the resource's metrics and logs, and the account's request logs
        assert subscription.deliver_pending() and subscription.delivered == 4
        assert len(requestlogs.query(ctx.account_id, ctx.mode)[0]) == 4
        lifetime = metrics.full(metrics.load(ctx.account_id, ctx.mode, rid))["lifetime"]
        assert (lifetime["requests"], lifetime["errors"]) == (2, 1)
        assert sorted(e["method"] for e in metrics.logs(ctx.account_id, ctx.mode, rid)["data"]) == ["GET", "PATCH"]
    finally:
        subscription.stop()


def _proxy_event(ctx, key, method, rid, body=None):
    path = f"/v1/resources/{rid}" if rid else "/v1/resources"
    return {
        "resource": "/resources/{id}" if rid else "/resources",
        "path": path,
        "httpMethod": method,
        "headers": {"Content-Type": "application/x-www-form-urlencoded"} if body else {},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"id": rid} if rid else None,
        "requestContext": {
            "resourcePath": "/resources/{id}" if rid else "/resources",
            "httpMethod": method,
            "path": path,
            "stage": "v1",
            "requestId": f"{next(_event_ids):032x}",
            "identity": {"sourceIp": "127.0.0.1"},
            "authorizer": {"principalId": key["id"], "account_id": ctx.account_id, "mode": ctx.mode,
                           "key_id": key["id"], "plan": "scale"},
        },
        "body": body,
        "isBase64Encoded": False,
    }
