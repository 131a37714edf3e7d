"""Rate-limit headers and 429s, conditional requests (ETag, 304, 412), API versions."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.e2e.test_resources_api import assert_error


def clock_now(cloud) -> float:
    return requests.post(f"{cloud.url}/_local/clock", json={}, timeout=5).json()["now"]


@pytest.fixture
def at_window_start(cloud):
    """Call it to move the local cloud's clock to 1 s into a fresh minute; restored after."""

    def move():
        now = clock_now(cloud)
        cloud.advance_clock(60 - (now % 60) + 1)
        # Stop the clock there, so a slow machine cannot let the window run out mid-test
        requests.post(f"{cloud.url}/_local/clock", json={"freeze": True}, timeout=5).raise_for_status()

    yield move
    requests.post(f"{cloud.url}/_local/clock", json={"freeze": False}, timeout=5).raise_for_status()
    cloud.reset_clock()


def test_free_plan_headers_burst_and_429(cloud, at_window_start):
    api = cloud.client(cloud.new_account(plan="free")["keys"]["test"])
    at_window_start()
    before = clock_now(cloud)
    first = api.get("/v1/resources")
    later = clock_now(cloud)
    h = first.headers
    # An idle key may burst to the plan's burst (100) in its first minute
    assert h["X-RateLimit-Limit"] == "100" and h["X-RateLimit-Remaining"] == "99"
    reset, after = int(h["X-RateLimit-Reset"]), int(h["X-RateLimit-Reset-After"])
    assert reset % 60 == 0 and reset == (int(before) // 60 + 1) * 60
    assert after == 59 and later == before  # frozen 1 s into the window
    assert h["RateLimit-Policy"].startswith('"default";q=60;w=60')
    assert h["RateLimit"].startswith('"default";r=99;t=')
    for i in range(98):
        api.get("/v1/resources")
    last = api.get("/v1/resources")
    assert last.status_code == 200 and last.headers["X-RateLimit-Remaining"] == "0"
    # Errors carry the headers too, and count
    limited = api.get("/v1/resources")
    err = assert_error(limited, 429, "rate_limit_error", "rate_limited")
    assert "per minute" in err["message"]
    assert limited.headers["Retry-After"] == limited.headers["X-RateLimit-Reset-After"]
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    # After Retry-After: a new window whose allowance is the rate minus the overdraft
    cloud.advance_clock(int(limited.headers["Retry-After"]))
    again = api.get("/v1/resources")
    assert again.status_code == 200
    assert again.headers["X-RateLimit-Limit"] == "60" and again.headers["X-RateLimit-Remaining"] == "59"


def test_validation_errors_carry_rate_limit_headers(api):
    bad = api.post("/v1/resources", data={"name": "ab", "type": "staging"})
    assert bad.status_code == 400 and "X-RateLimit-Remaining" in bad.headers


def test_etag_and_if_none_match_answers_304_without_counting(api):
    rid = api.post("/v1/resources", data={"name": "Cached", "type": "staging"}).json()["id"]
    first = api.get(f"/v1/resources/{rid}")
    tag = first.headers["ETag"]
    assert tag.startswith('"')
    remaining = int(first.headers["X-RateLimit-Remaining"])
    cached = api.get(f"/v1/resources/{rid}", headers={"If-None-Match": tag})
    assert cached.status_code == 304 and cached.content == b""
    assert cached.headers["ETag"] == tag
    assert int(cached.headers["X-RateLimit-Remaining"]) == remaining  # not counted
    api.patch(f"/v1/resources/{rid}", data={"name": "Changed"})
    fresh = api.get(f"/v1/resources/{rid}", headers={"If-None-Match": tag})
    assert fresh.status_code == 200 and fresh.headers["ETag"] != tag
    listed = api.get("/v1/resources")
    assert listed.headers["ETag"].startswith('W/"')
    assert api.get("/v1/resources", headers={"If-None-Match": listed.headers["ETag"]}).status_code == 304


def test_if_match_on_patch_and_delete(api):
    rid = api.post("/v1/resources", data={"name": "Guarded", "type": "staging"}).json()["id"]
    tag = api.get(f"/v1/resources/{rid}").headers["ETag"]
    ok = api.patch(f"/v1/resources/{rid}", data={"name": "Guarded 2"}, headers={"If-Match": tag})
    assert ok.status_code == 200
    stale = api.patch(f"/v1/resources/{rid}", data={"name": "Guarded 3"}, headers={"If-Match": tag})
    assert_error(stale, 412, "conflict_error", "precondition_failed", "If-Match")
    assert_error(api.delete(f"/v1/resources/{rid}", headers={"If-Match": tag}), 412, "conflict_error", "precondition_failed")
    assert api.delete(f"/v1/resources/{rid}", headers={"If-Match": ok.headers["ETag"]}).status_code == 200


def test_concurrent_patches_with_one_etag_have_one_winner(api):
    rid = api.post("/v1/resources", data={"name": "Raced", "type": "staging"}).json()["id"]
    tag = api.get(f"/v1/resources/{rid}").headers["ETag"]

    def patch(i):
        return api.patch(f"/v1/resources/{rid}", data={"name": f"Writer {i}"}, headers={"If-Match": tag})

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(patch, range(10)))
    winners = [r for r in results if r.status_code == 200]
    assert len(winners) == 1, [r.status_code for r in results]
    assert all(r.status_code == 412 for r in results if r.status_code != 200)
    assert api.get(f"/v1/resources/{rid}").json()["name"] == winners[0].json()["name"]


def test_api_versions(api):
    assert api.get("/v1/resources").headers["Api-Version"] == "2024-01-15"
    pinned = api.get("/v1/resources", headers={"Api-Version": "2023-11-01"})
    assert pinned.status_code == 200 and pinned.headers["Api-Version"] == "2023-11-01"
    assert_error(api.get("/v1/resources", headers={"Api-Version": "2020-01-01"}), 400, "invalid_request_error", "parameter_invalid", "Api-Version")


def test_account_default_api_version(cloud):
    account = cloud.new_account()
    cloud.apictl("set-api-version", account["id"], "2023-09-15")
    client = cloud.client(account["keys"]["test"])
    assert client.get("/v1/resources").headers["Api-Version"] == "2023-09-15"
    assert client.get("/v1/resources", headers={"Api-Version": "2024-01-15"}).headers["Api-Version"] == "2024-01-15"
