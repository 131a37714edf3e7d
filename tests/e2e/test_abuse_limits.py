"""Abuse limits over real HTTP: 16 webhook endpoints per account and mode, held under
concurrent creates; a replay says what it queued and what is left."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.e2e.test_resources_api import assert_error

MAX = 16
URL = "http://127.0.0.1:9/hooks"


def _create(api, i: int):
    return api.post("/v1/webhook_endpoints", data={"url": f"{URL}/{i}", "enabled_events[]": "*"})


def test_concurrent_creates_never_pass_16_endpoints(api):
    # Given an account one endpoint short of the limit
    for i in range(MAX - 1):
        assert _create(api, i).status_code == 201
    # When several creates race for the last place
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda i: _create(api, 100 + i), range(4)))
    # Then exactly one wins and the others get the error object saying why
    assert sorted(r.status_code for r in answers) == [201, 400, 400, 400], [r.text for r in answers]
    for refused in (r for r in answers if r.status_code == 400):
        err = assert_error(refused, 400, "invalid_request_error", "webhook_endpoint_limit_reached")
        assert "16" in err["message"] and err["doc_url"].endswith("/errors.md#webhook_endpoint_limit_reached")
    listed = api.get("/v1/webhook_endpoints", params={"limit": 100}).json()["data"]
    assert len(listed) == MAX
    # And deleting one makes room for exactly one more
    assert api.delete(f"/v1/webhook_endpoints/{listed[0]['id']}").status_code == 200
    assert _create(api, 200).status_code == 201
    assert_error(_create(api, 201), 400, "invalid_request_error", "webhook_endpoint_limit_reached")


def test_an_idempotent_retry_of_a_refused_create_runs_again_once_there_is_room(api):
    made = [_create(api, i).json() for i in range(MAX)]
    headers = {"Idempotency-Key": "limit-retry-1"}
    body = {"url": f"{URL}/late", "enabled_events[]": "*"}
    assert api.post("/v1/webhook_endpoints", data=body, headers=headers).status_code == 400
    api.delete(f"/v1/webhook_endpoints/{made[0]['id']}")
    retried = api.post("/v1/webhook_endpoints", data=body, headers=headers)
    assert retried.status_code == 201, retried.text


def test_replay_answers_what_it_queued_and_what_is_left(api):
    endpoint = _create(api, 0).json()
    resp = api.post(f"/v1/webhook_endpoints/{endpoint['id']}/replay", data={"since": 0, "limit": 10})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["count"], body["remaining"], body["has_more"], body["events"]) == (0, 0, False, [])
    bad = api.post(f"/v1/webhook_endpoints/{endpoint['id']}/replay", data={"since": 0, "limit": 1001})
    assert assert_error(bad, 400, "invalid_request_error", "parameter_invalid")["param"] == "limit"
    bad = api.post(f"/v1/webhook_endpoints/{endpoint['id']}/replay", data={"since": 0, "starting_after": endpoint["id"]})
    assert assert_error(bad, 400, "invalid_request_error", "parameter_invalid")["param"] == "starting_after"
