"""Expand paths, metrics counters and histograms, request logs, the limits block and a
resource's own rate limit, on in-process moto."""

from __future__ import annotations

import dataclasses

import pytest

from resource_api import routes
from resource_api.core import clock, db
from resource_api.resources import expand, rate_limit, domain as resources
from resource_api.metrics import store as metrics
from resource_api.core.errors import ApiError
from resource_api.resources.models import ResourceCreate

from tests.unit.test_metrics_ingest import record as ingested


def new_ctx(ctx, n: int):
    """Another request of the same caller (a fresh request id and extras)."""
    return dataclasses.replace(ctx, request_id=f"req_{n:032d}", extras={})


@pytest.fixture
def frozen_clock():
    yield clock
    clock.set_offset(0)


# --- buckets and percentiles ------------------------------------------------------------


def test_buckets_are_fixed_log_scale():
    assert metrics.bucket(0.2) == 0 and metrics.bucket(1) == 0
    assert metrics.bucket(2) == 4 and metrics.bucket(2.01) == 5
    assert metrics.bucket(1_000_000_000) == metrics.MAX_BUCKET
    for ms in (1.5, 7, 47, 124, 201, 999, 12_345):
        k = metrics.bucket(ms)
        assert 2 ** ((k - 1) / 4) < ms <= 2 ** (k / 4) * 1.0000001
        assert ms <= metrics.bucket_bound(k) <= ms * 1.2 + 1  # at most one bucket (~19%) above


def test_percentiles_from_a_histogram():
    hist: dict[int, int] = {}
    for ms in [10] * 94 + [100] * 5 + [1000]:
        hist[metrics.bucket(ms)] = hist.get(metrics.bucket(ms), 0) + 1
    assert metrics.percentile(hist, 0.95) == metrics.bucket_bound(metrics.bucket(100))
    assert metrics.percentile(hist, 0.99) == metrics.bucket_bound(metrics.bucket(100))
    assert metrics.percentile(hist, 1.0) == metrics.bucket_bound(metrics.bucket(1000))
    assert metrics.percentile({}, 0.95) is None


# --- expand paths -----------------------------------------------------------------------


def test_expand_paths_parse_into_a_tree():
    assert expand.parse(["metrics", "logs"]) == {"metrics": {}, "logs": {}}
    assert expand.parse(["related_resources.data.metrics", "related_resources"]) == {
        "related_resources": {"data": {"metrics": {}}}
    }
    assert expand.parse(["data.metrics"], on_list=True) == {"data": {"metrics": {}}}
    assert expand.parse([]) == {}


@pytest.mark.parametrize(
    "paths,on_list,needle",
    [
        (["nope"], False, "not expandable"),
        (["metrics.lifetime"], False, "nothing expandable"),
        (["related_resources.data"], False, "related_resources.data.<field>"),
        (["related_resources.data.logs"], False, "list items expand only metrics"),
        (["a.b.c.d.e"], False, "deeper than 4"),
        (["metrics"], True, "start with 'data.'"),
        (["data"], True, "start with 'data.'"),
        (["data.logs"], True, "list items expand only metrics"),
        (["data.related_resources"], True, "list items expand only metrics"),
        (["data..metrics"], True, "not an expand path"),
        ([""], False, "not an expand path"),
        (["metrics"] * 21, False, "At most 20"),
    ],
)
def test_unknown_expand_paths_are_refused(paths, on_list, needle):
    with pytest.raises(ApiError) as info:
        expand.parse(paths, on_list=on_list)
    assert info.value.code == "expand_invalid" and info.value.param == "expand" and info.value.status == 400
    assert needle in info.value.message


# --- metrics ----------------------------------------------------------------------------


def _create(ctx, **extra):
    return resources.create(ctx, ResourceCreate(name="Metered", type="production", **extra))


def test_metrics_count_exactly_what_was_recorded(ctx, frozen_clock):
    res = _create(ctx)
    rid = res["id"]
    latencies = [(200, 12.5), (200, 30.0), (404, 3.0), (400, 4.0), (500, 250.0), (200, 8.0)]
    for i, (status, ms) in enumerate(latencies):
        summary = ingested(new_ctx(ctx, i), rid, status=status, latency_ms=ms)
        assert summary["ingested"] == (status != 404)  # a 404 is not a request on this resource
    m = resources.retrieve(new_ctx(ctx, 99), rid, ["metrics"])["metrics"]
    counted = [(s, ms) for s, ms in latencies if s != 404]
    errors = sum(1 for s, _ in counted if s >= 400)
    avg = round(sum(ms for _, ms in counted) / len(counted))
    assert m["lifetime"] == {"requests": 5, "success_rate": 60.0, "errors": errors, "avg_latency_ms": avg}
    day = m["last_24h"]
    assert (day["requests"], day["errors"], day["success_rate"], day["avg_latency_ms"]) == (5, 2, 60.0, avg)
    assert day["p95_latency_ms"] == day["p99_latency_ms"] == metrics.bucket_bound(metrics.bucket(250.0))
    assert day["avg_latency_ms"] <= day["p95_latency_ms"] <= day["p99_latency_ms"]


def test_logs_newest_first_bounded_and_expire(ctx, frozen_clock):
    rid = _create(ctx)["id"]
    for i in range(25):
        clock.set_offset(i)
        ingested(new_ctx(ctx, i), rid, status=200 + i, latency_ms=i)
    logs = metrics.logs(ctx.account_id, ctx.mode, rid)
    assert logs["object"] == "list" and logs["has_more"] is True and len(logs["data"]) == 20
    assert [e["status"] for e in logs["data"]] == [224 - i for i in range(20)]
    assert logs["data"][0] == {
        "id": f"req_{24:032d}",
        "object": "request_log",
        "created": logs["data"][0]["created"],
        "method": "GET",
        "path": f"/v1/resources/{rid}",
        "status": 224,
        "latency_ms": 24,
    }
    clock.set_offset(7 * 86_400 + 10)  # entries 0..10 (give or take a second) are past their TTL
    left = [e["status"] for e in metrics.logs(ctx.account_id, ctx.mode, rid)["data"]]
    assert 12 <= len(left) <= 14 and left == [224 - i for i in range(len(left))]


def test_list_items_get_the_summary_with_one_batch_read(ctx, frozen_clock):
    a, b = _create(ctx)["id"], _create(ctx)["id"]
    for i in range(4):
        ingested(new_ctx(ctx, i), a, status=200 if i else 503, latency_ms=10)
    found = metrics.load_many(ctx.account_id, ctx.mode, [a, b])
    assert metrics.summary(found[a]) == {"requests_today": 4, "success_rate": 75.0, "avg_latency_ms": 10}
    assert b not in found  # no request on it yet: no item
    assert metrics.summary(found.get(b)) == {"requests_today": 0, "success_rate": None, "avg_latency_ms": None}


# --- limits -----------------------------------------------------------------------------


def test_limits_block_follows_configuration_then_plan(ctx):
    plain = _create(ctx)
    assert plain["limits"] == {"max_requests_per_minute": 10_000, "max_batch_size": 1000, "max_payload_bytes": 1_048_576}
    own = _create(ctx, configuration={"rate_limit": 5})
    assert own["limits"]["max_requests_per_minute"] == 5
    free = dataclasses.replace(ctx, principal=dataclasses.replace(ctx.principal, plan="free"))
    assert resources.retrieve(free, plain["id"])["limits"]["max_requests_per_minute"] == 60


def _notices(ctx):
    resp = db.client().query(
        TableName=db.table(),
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues=db.values(p=f"{ctx.account_id}#{ctx.mode}#NOTICE"),
    )
    return [db.from_item(i) for i in resp["Items"]]


def test_resource_rate_limit_refuses_and_notifies_once_per_window(ctx, frozen_clock):
    now = clock.now()
    clock.set_offset(60 - now % 60 + 1)  # 1 s into a fresh minute
    rid = _create(ctx, configuration={"rate_limit": 3})["id"]
    for i in range(3):
        resources.retrieve(new_ctx(ctx, i), rid)
    for i in range(3, 7):
        with pytest.raises(ApiError) as info:
            resources.retrieve(new_ctx(ctx, i), rid)
        assert info.value.code == "resource_rate_limited" and info.value.status == 429
        assert info.value.headers["Resource-RateLimit-Limit"] == "3" and 1 <= int(info.value.headers["Retry-After"]) <= 60
        assert info.value.store is False
    notices = _notices(ctx)
    assert len(notices) == 1
    n = notices[0]
    assert n["event_type"] == "resource.limit_exceeded" and n["request_id"] == f"req_{3:032d}"
    assert n["object"]["limit_type"] == "requests_per_minute" and n["object"]["limit"] == 3
    assert n["object"]["current_value"] == 4 and n["object"]["resource"] == rid
    clock.set_offset(clock.offset() + 60)  # next window
    resources.retrieve(new_ctx(ctx, 10), rid)
    for i in range(11, 14):
        try:
            resources.retrieve(new_ctx(ctx, i), rid)
        except ApiError:
            pass
    assert len(_notices(ctx)) == 2


def test_a_request_is_counted_once_against_the_resource_limit(ctx):
    item = {"id": "res_x", "configuration": {"rate_limit": 1}}
    one = new_ctx(ctx, 1)
    rate_limit.admit(one, item)
    rate_limit.admit(one, item)  # the same request re-reading the resource (conflict retry)
    with pytest.raises(ApiError):
        rate_limit.admit(new_ctx(ctx, 2), item)


# --- the frame's record ------------------------------------------------------------------------


def test_only_requests_on_one_resource_are_recorded(ctx):
    assert metrics.resource_id_of("/v1/resources/{id}", {"id": "res_1"}) == "res_1"
    assert metrics.resource_id_of("/v1/resources/{id}/sub", {"id": "res_1"}) == "res_1"
    assert metrics.resource_id_of("/v1/resources", {}) is None
    assert metrics.resource_id_of("/v1/events/{id}", {"id": "evt_1"}) is None
    assert metrics.recording_functions(routes.ROUTES) == ["get_resource", "update_resource", "delete_resource"]
    rid = "res_" + "0" * 10 + "a" * 14
    route = "/v1/resources/{id}"
    record = metrics.request_record(ctx, "PATCH", route, {"id": rid}, 400, 3.5)
    assert record == {"record": "resource_request", "resource_id": rid, "request_id": ctx.request_id,
                      "path": f"/v1/resources/{rid}", "at_ms": record["at_ms"]}
    assert metrics.request_record(ctx, "GET", route, {"id": rid}, 404, 1) == {}  # no such resource for the caller
    assert metrics.request_record(ctx, "GET", "/v1/resources", {}, 200, 1) == {}
    # an id that is no resource id (a pasted key, say) is never logged as a record
    assert metrics.request_record(ctx, "GET", route, {"id": "sk_live_" + "x" * 24}, 400, 1) == {}


def test_recording_costs_the_request_no_aws_call(ctx):
    rid = _create(ctx)["id"]
    db.client().delete_table(TableName=db.table())  # any AWS call would now fail
    assert metrics.request_record(ctx, "GET", "/v1/resources/{id}", {"id": rid}, 200, 3)["resource_id"] == rid
