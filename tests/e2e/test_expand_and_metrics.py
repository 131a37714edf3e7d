"""Expand, metrics, logs, limits and a resource's own rate limit, over real HTTP.

Metrics and logs are written off the request path (the local cloud's log subscription
hands the functions' resource_request lines to metrics_ingest every ~150 ms), so a test
that reads them waits for ingestion first: `wait_ingested` polls the resource's
metrics item in the table (not the API, whose reads of a resource count as requests on
it) until the requests made so far are counted, with a deadline."""

from __future__ import annotations

import time

import pytest
import requests

from tests.e2e.test_resources_api import assert_error

NOTICE_TABLE = "resource-api"
INGESTION_DEADLINE_S = 15.0



def wait_ingested(cloud, api, rid: str, requests_made: int, timeout: float = INGESTION_DEADLINE_S) -> float:
    """Wait until `requests_made` requests on the resource are counted; the seconds it took."""
    from resource_api.core import db, keys

    ddb, started = cloud.dynamodb(), time.monotonic()
    key = db.to_item(keys.resource_metrics(api.account["id"], "test", rid))
    while True:
        item = db.from_item(ddb.get_item(TableName=NOTICE_TABLE, Key=key, ConsistentRead=True).get("Item")) or {}
        counted = int(item.get("n", 0))
        waited = time.monotonic() - started
        if counted >= requests_made:
            return waited
        assert waited < timeout, f"{counted} of {requests_made} requests on {rid} ingested after {timeout} s"
        time.sleep(0.05)


def _create(api, name="Metered Resource", type_="production", **form):
    resp = api.post("/v1/resources", data={"name": name, "type": type_, **form})
    assert resp.status_code == 201, resp.text
    return resp.json()


def _get(api, rid, *expand):
    resp = api.get(f"/v1/resources/{rid}", params=[("expand[]", e) for e in expand])
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_metrics_and_logs_match_exactly_the_requests_made(cloud, api):
    # Given a resource and a known mix of requests on it
    rid = _create(api)["id"]
    made = []  # (request id, method, status)

    def note(resp, method):
        made.append((resp.headers["Request-Id"], method, resp.status_code))
        return resp

    for _ in range(5):
        note(api.get(f"/v1/resources/{rid}"), "GET")
    tag = api.get(f"/v1/resources/{rid}")
    note(tag, "GET")
    note(api.get(f"/v1/resources/{rid}", headers={"If-None-Match": tag.headers["ETag"]}), "GET")  # 304 or 200
    note(api.patch(f"/v1/resources/{rid}", data={"name": "Renamed Once"}), "PATCH")
    note(api.patch(f"/v1/resources/{rid}", json={"metadata": {"team": "metrics"}}), "PATCH")
    bad = note(api.patch(f"/v1/resources/{rid}", data={"name": "ab"}), "PATCH")
    assert bad.status_code == 400
    other = _create(api)["id"]
    assert api.get(f"/v1/resources/{other}").status_code == 200  # counted on the other resource only
    assert api.get("/v1/resources/res_0000000000zzzzzzzzzzzzzz").status_code == 404  # counted nowhere

    # When they have been ingested (off the request path) and the metrics are expanded
    wait_ingested(cloud, api, rid, len(made))
    wait_ingested(cloud, api, other, 1)
    body = _get(api, rid, "metrics")
    m = body["metrics"]

    # Then they count exactly those requests (this one is recorded after it is answered;
    # the 404 on a resource that does not exist is counted nowhere)
    requests_made = len(made)
    errors = sum(1 for _, _, s in made if s >= 400)
    assert (requests_made, errors) == (10, 1)
    rate = round(100 * (requests_made - errors) / requests_made, 2)
    assert m["lifetime"]["requests"] == requests_made and m["lifetime"]["errors"] == errors
    assert m["lifetime"]["success_rate"] == rate
    day = m["last_24h"]
    assert (day["requests"], day["errors"], day["success_rate"]) == (requests_made, errors, rate)
    assert 0 <= day["avg_latency_ms"] <= day["p95_latency_ms"] <= day["p99_latency_ms"] < 30_000
    assert day["p99_latency_ms"] >= 1
    # ... the metrics GET itself counts for the next reader
    wait_ingested(cloud, api, rid, requests_made + 1)
    assert _get(api, rid, "metrics")["metrics"]["lifetime"]["requests"] == requests_made + 1
    made += [("(metrics GET)", "GET", 200)] * 2
    wait_ingested(cloud, api, rid, len(made))

    # And the logs list the same requests, newest first
    logs = _get(api, rid, "logs")["logs"]
    assert logs["object"] == "list" and logs["has_more"] is False
    expected = list(reversed(made))
    assert [(e["method"], e["status"]) for e in logs["data"]] == [(m_, s) for _, m_, s in expected]
    assert [e["id"] for e in logs["data"][2:]] == [r for r, _, _ in expected[2:]]
    for entry in logs["data"]:
        assert entry["object"] == "request_log" and entry["path"] == f"/v1/resources/{rid}"
        assert entry["latency_ms"] >= 0 and abs(entry["created"] - time.time()) < 3600


def test_metrics_and_logs_appear_shortly_after_the_requests(api):
    # Given two requests on a resource
    rid = _create(api)["id"]
    got = api.get(f"/v1/resources/{rid}")
    patched = api.patch(f"/v1/resources/{rid}", data={"name": "Seen Soon"})
    assert (got.status_code, patched.status_code) == (200, 200)
    # When a client polls the list with metrics (list requests are not counted on any resource)
    deadline = time.monotonic() + INGESTION_DEADLINE_S
    while True:
        listed = api.get("/v1/resources", params={"expand[]": "data.metrics", "limit": 100})
        today = {r["id"]: r["metrics"]["requests_today"] for r in listed.json()["data"]}[rid]
        if today >= 2 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    # Then the two requests appear there, and on the resource, with their log entries
    assert today == 2
    body = _get(api, rid, "metrics", "logs")
    assert body["metrics"]["lifetime"]["requests"] == 2 and body["metrics"]["last_24h"]["errors"] == 0
    assert [(e["id"], e["method"], e["status"]) for e in body["logs"]["data"]] == [
        (patched.headers["Request-Id"], "PATCH", 200),
        (got.headers["Request-Id"], "GET", 200),
    ]


def test_logs_keep_the_newest_twenty(cloud, api):
    rid = _create(api)["id"]
    ids = [api.get(f"/v1/resources/{rid}").headers["Request-Id"] for _ in range(23)]
    wait_ingested(cloud, api, rid, 23)
    logs = _get(api, rid, "logs")["logs"]
    assert logs["has_more"] is True
    assert [e["id"] for e in logs["data"]] == list(reversed(ids))[:20]


def test_expand_on_create_update_retrieve_and_list(cloud, api):
    # Create, form encoded
    created = api.post(
        "/v1/resources", data=[("name", "Expanded One"), ("type", "production"), ("expand[]", "metrics")]
    )
    assert created.status_code == 201, created.text
    res = created.json()
    assert res["metrics"]["lifetime"] == {"requests": 0, "success_rate": None, "errors": 0, "avg_latency_ms": None}
    assert res["metrics"]["last_24h"]["p95_latency_ms"] is None
    # Create, JSON, with the related resources of its type
    second = api.post(
        "/v1/resources",
        json={"name": "Expanded Two", "type": "production", "expand": ["related_resources"]},
    ).json()
    related = second["related_resources"]
    assert related["object"] == "list" and [r["id"] for r in related["data"]] == [res["id"]]
    assert related["has_more"] is False and related["data"][0]["object"] == "resource"
    staging = _create(api, "Staging One", "staging")
    third = _create(api, "Expanded Three", "production")

    # Update with an expansion
    updated = api.patch(f"/v1/resources/{res['id']}", json={"name": "Expanded Uno", "expand": ["logs", "metrics"]})
    assert updated.status_code == 200, updated.text
    upd = updated.json()
    assert upd["name"] == "Expanded Uno" and upd["logs"]["data"] == [] and upd["metrics"]["lifetime"]["requests"] == 0
    wait_ingested(cloud, api, res["id"], 1)
    form_upd = api.patch(f"/v1/resources/{res['id']}", data=[("metadata[k]", "v"), ("expand[]", "logs")]).json()
    assert [e["method"] for e in form_upd["logs"]["data"]] == ["PATCH"]

    # Retrieve: related resources of the same type, newest first, themselves expanded
    wait_ingested(cloud, api, res["id"], 2)
    got = _get(api, res["id"], "related_resources.data.metrics", "metrics")
    assert [r["id"] for r in got["related_resources"]["data"]] == [third["id"], second["id"]]
    assert staging["id"] not in {r["id"] for r in got["related_resources"]["data"]}
    assert got["related_resources"]["data"][0]["metrics"] == {
        "requests_today": 0,
        "success_rate": None,
        "avg_latency_ms": None,
    }
    assert got["metrics"]["lifetime"]["requests"] == 2  # the two PATCHes
    plain = _get(api, res["id"])
    assert "metrics" not in plain and "logs" not in plain and "related_resources" not in plain

    # List: data.metrics gives each item the spec's list-item metrics, one read per page
    api.get(f"/v1/resources/{third['id']}")
    api.patch(f"/v1/resources/{third['id']}", data={"name": "x"})  # a 400
    wait_ingested(cloud, api, third["id"], 2)
    wait_ingested(cloud, api, res["id"], 4)
    listed = api.get("/v1/resources?expand[]=data.metrics")
    assert listed.status_code == 200, listed.text
    items = {r["id"]: r for r in listed.json()["data"]}
    assert items[third["id"]]["metrics"] == {
        "requests_today": 2,
        "success_rate": 50.0,
        "avg_latency_ms": items[third["id"]]["metrics"]["avg_latency_ms"],
    }
    assert items[res["id"]]["metrics"]["requests_today"] == 4 and items[res["id"]]["metrics"]["success_rate"] == 100.0
    assert items[staging["id"]]["metrics"]["requests_today"] == 0
    assert all("metrics" not in r for r in api.get("/v1/resources").json()["data"])
    # ... and the other list forms of the parameter
    assert "metrics" in api.get("/v1/resources", params={"expand[]": "data.metrics", "limit": 1}).json()["data"][0]


def test_unknown_expand_paths_are_400_with_param_expand_and_do_nothing(cloud, api):
    rid = _create(api)["id"]
    before = api.get("/v1/resources").json()["total_count"]
    cases = [
        api.get(f"/v1/resources/{rid}?expand[]=nope"),
        api.get(f"/v1/resources/{rid}?expand[]=metrics.lifetime"),
        api.get(f"/v1/resources/{rid}?expand[]=a.b.c.d.e"),
        api.get("/v1/resources?expand[]=metrics"),  # lists need data.
        api.get("/v1/resources?expand[]=data.logs"),  # a query per item: refused
        api.post("/v1/resources", data=[("name", "Never Made"), ("type", "staging"), ("expand[]", "bogus")]),
        api.post("/v1/resources", json={"name": "Never Made", "type": "staging", "expand": ["data.metrics"]}),
        api.patch(f"/v1/resources/{rid}", json={"name": "Never Renamed", "expand": ["logs.x"]}),
    ]
    for resp in cases:
        assert_error(resp, 400, "invalid_request_error", "expand_invalid", param="expand")
    assert api.get("/v1/resources").json()["total_count"] == before
    assert _get(api, rid)["name"] == "Metered Resource"
    # Refused before the resource was read, they still count on it (it exists): 4 errors
    wait_ingested(cloud, api, rid, 5)
    lifetime = _get(api, rid, "metrics")["metrics"]["lifetime"]
    assert (lifetime["requests"], lifetime["errors"], lifetime["success_rate"]) == (5, 4, 20.0)


def test_limits_reflect_plan_and_configuration(cloud, api):
    res = _create(api)
    assert res["limits"] == {"max_requests_per_minute": 10_000, "max_batch_size": 1000, "max_payload_bytes": 1_048_576}
    own = _create(api, **{"configuration[rate_limit]": "1000"})
    assert own["limits"]["max_requests_per_minute"] == 1000 and own["configuration"]["rate_limit"] == 1000
    changed = api.patch(f"/v1/resources/{res['id']}", data={"configuration[rate_limit]": "250"}).json()
    assert changed["limits"]["max_requests_per_minute"] == 250
    listed = {r["id"]: r["limits"] for r in api.get("/v1/resources").json()["data"]}
    assert listed[res["id"]]["max_requests_per_minute"] == 250 and listed[own["id"]]["max_requests_per_minute"] == 1000
    free = cloud.client(cloud.new_account(plan="free")["keys"]["test"])
    assert _create(free)["limits"]["max_requests_per_minute"] == 60
    # The ETag covers the limits block, and If-Match still works with it (retried only
    # because provisioning steps change a young resource every second or so)
    for _ in range(10):
        tag = api.get(f"/v1/resources/{res['id']}").headers["ETag"]
        ok = api.patch(f"/v1/resources/{res['id']}", data={"name": "Guarded"}, headers={"If-Match": tag})
        if ok.status_code != 412:
            break
    assert ok.status_code == 200, ok.text


# --- a resource's own rate limit ------------------------------------------------------------


def _clock_now(cloud) -> float:
    return requests.post(f"{cloud.url}/_local/clock", json={}, timeout=5).json()["now"]


@pytest.fixture
def window_start(cloud):
    """Move the local cloud's clock to 2 s into a fresh minute; restore it after."""
    now = _clock_now(cloud)
    cloud.advance_clock(60 - (now % 60) + 2)
    yield
    cloud.reset_clock()


def _notices(cloud, account_id):
    from resource_api.core import db

    resp = cloud.dynamodb().query(
        TableName=NOTICE_TABLE,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues=db.values(p=f"{account_id}#test#NOTICE"),
    )
    return [db.from_item(i) for i in resp["Items"]]


def _limit_events(api, n, timeout=20.0):
    deadline = time.monotonic() + timeout
    while True:
        data = api.get("/v1/events", params={"type": "resource.limit_exceeded"}).json().get("data", [])
        if len(data) >= n or time.monotonic() > deadline:
            return data
        time.sleep(0.2)


def test_resource_rate_limit_429_and_one_event_per_window(cloud, api, window_start):
    # Given a resource allowing 3 requests per minute
    res = _create(api, **{"configuration[rate_limit]": "3"})
    rid = res["id"]
    assert res["limits"]["max_requests_per_minute"] == 3
    # When 3 requests pass and 4 more come in the same minute
    assert [api.get(f"/v1/resources/{rid}").status_code for _ in range(3)] == [200] * 3
    refused = [api.get(f"/v1/resources/{rid}") for _ in range(3)]
    refused.append(api.patch(f"/v1/resources/{rid}", data={"name": "Too Late"}))
    # Then they are refused with 429 and Retry-After, naming the resource's limit
    for resp in refused:
        err = assert_error(resp, 429, "rate_limit_error", "resource_rate_limited")
        assert "3 requests per minute" in err["message"] and rid in err["message"]
        assert resp.headers["Resource-RateLimit-Limit"] == "3"
        assert 1 <= int(resp.headers["Retry-After"]) <= 58
        assert "X-RateLimit-Remaining" in resp.headers  # the key's own headers are still there
    assert _get_name(api, rid, cloud) == res["name"]  # the refused PATCH changed nothing
    # ... and exactly one notice was written, by the first refused request
    notices = _notices(cloud, api.account["id"])
    assert len(notices) == 1
    assert notices[0]["request_id"] == refused[0].headers["Request-Id"]
    assert notices[0]["object"] == {
        "object": "limit",
        "resource": rid,
        "limit_type": "requests_per_minute",
        "limit": 3,
        "current_value": 4,
        "window_start": notices[0]["object"]["window_start"],
        "window_end": notices[0]["object"]["window_start"] + 60,
    }
    # ... which becomes one resource.limit_exceeded event
    (event,) = _limit_events(api, 1)
    assert event["data"]["object"]["resource"] == rid and event["data"]["object"]["current_value"] == 4
    assert event["request"]["id"] == refused[0].headers["Request-Id"]

    # When the next window opens (after Retry-After) the limit starts over
    cloud.advance_clock(int(refused[-1].headers["Retry-After"]))
    again = [api.get(f"/v1/resources/{rid}").status_code for _ in range(5)]
    assert again == [200, 200, 200, 429, 429]
    assert len(_notices(cloud, api.account["id"])) == 2  # one more, for the new window
    assert len(_limit_events(api, 2)) == 2
    # And the refusals are in the resource's metrics as errors
    cloud.advance_clock(60)
    wait_ingested(cloud, api, rid, 3 + 4 + 5 + 1)
    m = _get(api, rid, "metrics")["metrics"]["lifetime"]
    assert m["requests"] == 3 + 4 + 5 + 1 and m["errors"] == 4 + 2


def _get_name(api, rid, cloud):
    # a new window so the read itself is not refused
    cloud.advance_clock(60)
    return _get(api, rid)["name"]
