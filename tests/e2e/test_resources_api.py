"""The spec's resource sections over real HTTP against the local cloud."""

from __future__ import annotations

import json
import re

import requests

from resource_api.frame.request import REQUEST_ID_PATTERN

ERROR_KEYS = {"type", "code", "message", "doc_url", "request_id"}


def assert_error(resp, status, type_, code, param=None):
    assert resp.status_code == status, resp.text
    err = resp.json()["error"]
    assert ERROR_KEYS <= set(err), err
    assert (err["type"], err["code"]) == (type_, code), err
    if param is not None:
        assert err.get("param") == param, err
    assert err["request_id"] == resp.headers["Request-Id"]
    assert re.fullmatch(REQUEST_ID_PATTERN, err["request_id"]), err
    return err


def test_quick_start_as_written(cloud):
    # Given the spec's quick start, with only the host and key changed
    api = cloud.client()
    # When it is sent as curl sends `-d` (form encoded)
    resp = api.post("/v1/resources", data={"name": "My First Resource", "type": "production"})
    # Then a pending resource comes back with an id and a creation time
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert re.fullmatch(r"res_[0-9a-z]{24}", body["id"])
    assert body["name"] == "My First Resource" and body["type"] == "production"
    assert body["object"] == "resource" and body["livemode"] is False
    assert isinstance(body["created"], int) and body["updated"] == body["created"]
    assert body["configuration"] == {"timeout_ms": 5000, "retry_count": 3, "batch_size": 100}
    assert body["provisioning"]["steps_total"] == 5
    assert resp.headers["Request-Id"].startswith("req_")


def test_create_example_with_bracket_form_fields(api):
    resp = api.post(
        "/v1/resources",
        data=[
            ("name", "Production API Resource"),
            ("type", "production"),
            ("configuration[timeout_ms]", "10000"),
            ("configuration[retry_count]", "5"),
            ("metadata[team]", "platform"),
            ("metadata[environment]", "prod"),
        ],
        headers={"Idempotency-Key": "unique_key_123"},
    )
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["status"] == "pending"
    assert body["configuration"] == {"timeout_ms": 10000, "retry_count": 5, "batch_size": 100}
    assert body["metadata"] == {"team": "platform", "environment": "prod"}
    assert body["provisioning"]["status"] in {"in_progress", "completed"}


def test_json_and_form_bodies_validate_identically(api):
    cases = [
        ({"name": "ab", "type": "production"}, "name"),
        ({"name": "abc", "type": "nope"}, "type"),
        ({"name": "abc", "type": "staging", "configuration": {"timeout_ms": 99}}, "configuration[timeout_ms]"),
        ({"name": "abc", "type": "staging", "configuration": {"retry_count": 6}}, "configuration[retry_count]"),
        ({"name": "abc", "type": "staging", "configuration": {"batch_size": 1001}}, "configuration[batch_size]"),
        ({"name": "abc", "type": "staging", "metadata": {"k": "x" * 501}}, "metadata"),
    ]
    for body, param in cases:
        form = []
        for k, v in body.items():
            if isinstance(v, dict):
                form += [(f"{k}[{kk}]", str(vv)) for kk, vv in v.items()]
            else:
                form.append((k, v))
        as_json = api.post("/v1/resources", json=body)
        as_form = api.post("/v1/resources", data=form)
        e1 = assert_error(as_json, 400, "invalid_request_error", "parameter_invalid", param)
        e2 = assert_error(as_form, 400, "invalid_request_error", "parameter_invalid", param)
        assert e1["message"] == e2["message"]


def test_missing_and_unknown_parameters(api):
    assert_error(api.post("/v1/resources", data={"type": "production"}), 400, "invalid_request_error", "parameter_missing", "name")
    assert_error(
        api.post("/v1/resources", data={"name": "abc", "type": "production", "colour": "red"}),
        400, "invalid_request_error", "parameter_unknown", "colour",
    )
    assert_error(
        api.post("/v1/resources", data={"name": "abc", "type": "production", "configuration[speed]": "9"}),
        400, "invalid_request_error", "parameter_unknown", "configuration[speed]",
    )


def test_metadata_limits(api):
    too_many = {f"metadata[k{i}]": "v" for i in range(21)}
    assert_error(api.post("/v1/resources", data={"name": "abc", "type": "staging", **too_many}), 400, "invalid_request_error", "parameter_invalid", "metadata")
    ok = {f"metadata[k{i}]": "v" * 500 for i in range(20)}
    assert api.post("/v1/resources", data={"name": "abc", "type": "staging", **ok}).status_code == 201


def test_name_bounds_count_characters_not_bytes(api):
    assert api.post("/v1/resources", json={"name": "é" * 255, "type": "staging"}).status_code == 201
    assert api.post("/v1/resources", json={"name": "日本語", "type": "staging"}).status_code == 201
    assert_error(api.post("/v1/resources", json={"name": "é" * 256, "type": "staging"}), 400, "invalid_request_error", "parameter_invalid", "name")


def test_retrieve_update_delete_lifecycle(api):
    created = api.post("/v1/resources", data={"name": "Lifecycle", "type": "staging", "metadata[a]": "1", "metadata[b]": "2"}).json()
    rid = created["id"]
    got = api.get(f"/v1/resources/{rid}")
    assert got.status_code == 200 and got.json() == created

    # PATCH merges configuration and replaces metadata wholesale
    patched = api.patch(
        f"/v1/resources/{rid}",
        data={"name": "Updated Resource Name", "configuration[timeout_ms]": "7500", "metadata[c]": "3"},
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["name"] == "Updated Resource Name"
    assert body["configuration"] == {"timeout_ms": 7500, "retry_count": 3, "batch_size": 100}
    assert body["metadata"] == {"c": "3"}
    assert body["updated"] >= created["updated"]
    assert api.get(f"/v1/resources/{rid}").json() == body

    # metadata= clears it (Stripe's form idiom); JSON {} does too
    assert api.patch(f"/v1/resources/{rid}", data={"metadata": ""}).json()["metadata"] == {}

    deleted = api.delete(f"/v1/resources/{rid}")
    assert deleted.status_code == 200
    d = deleted.json()
    assert d["id"] == rid and d["object"] == "resource" and d["deleted"] is True and isinstance(d["deleted_at"], int)
    assert_error(api.get(f"/v1/resources/{rid}"), 404, "resource_not_found", "resource_missing", "id")
    assert_error(api.delete(f"/v1/resources/{rid}"), 404, "resource_not_found", "resource_missing", "id")
    assert_error(api.patch(f"/v1/resources/{rid}", data={"name": "again"}), 404, "resource_not_found", "resource_missing", "id")


def test_patch_status_rules(api):
    rid = api.post("/v1/resources", data={"name": "Status", "type": "staging"}).json()["id"]
    assert_error(api.patch(f"/v1/resources/{rid}", data={"status": "deleted"}), 400, "invalid_request_error", "parameter_invalid", "status")
    assert_error(api.patch(f"/v1/resources/{rid}", data={"status": "pending"}), 400, "invalid_request_error", "parameter_invalid", "status")


def test_list_defaults_and_python_example(api):
    ids = [api.post("/v1/resources", data={"name": f"R{i:03}", "type": "development"}).json()["id"] for i in range(23)]
    # The spec's Python example: params={'limit': 10, 'status': 'active'}; here the default list
    page = api.get("/v1/resources").json()
    assert page["object"] == "list" and page["url"] == "/v1/resources"
    assert len(page["data"]) == 20 and page["has_more"] is True
    assert page["total_count"] == 23
    assert [r["id"] for r in page["data"]] == list(reversed(ids))[:20]  # newest first
    # Status filters (provisioning moves new resources from pending to active meanwhile)
    import time

    def count(status):
        return api.get("/v1/resources", params={"limit": 10, "status": status}).json()["total_count"]

    # Wait for provisioning to settle (all active), then the counts must be exact
    deadline = time.monotonic() + 120
    while count("pending") != 0 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert count("pending") == 0 and count("active") == 23
    page = api.get("/v1/resources", params={"limit": 10, "status": "active"}).json()
    assert len(page["data"]) == 10 and all(r["status"] == "active" for r in page["data"])
    assert api.get("/v1/resources", params={"status": "pending"}).json()["data"] == []


def _walk(api, **params):
    """The spec's pagination generator, in Python."""
    seen, starting_after = [], None
    while True:
        q = {"limit": 7, **params}
        if starting_after:
            q["starting_after"] = starting_after
        page = api.get("/v1/resources", params=q).json()
        seen += [r["id"] for r in page["data"]]
        if not page["has_more"]:
            return seen
        starting_after = page["data"][-1]["id"]


def test_pagination_walks_everything_once(api):
    ids = [api.post("/v1/resources", data={"name": f"Page {i}", "type": "staging"}).json()["id"] for i in range(30)]
    walked = _walk(api)
    assert walked == list(reversed(ids))


def test_cursor_survives_deletion_of_its_object(api):
    ids = [api.post("/v1/resources", data={"name": f"Del {i}", "type": "staging"}).json()["id"] for i in range(10)]
    first = api.get("/v1/resources", params={"limit": 4}).json()
    cursor = first["data"][-1]["id"]
    assert api.delete(f"/v1/resources/{cursor}").status_code == 200
    rest = api.get("/v1/resources", params={"limit": 100, "starting_after": cursor}).json()
    assert [r["id"] for r in first["data"]] + [r["id"] for r in rest["data"]] == list(reversed(ids))


def test_ending_before_pages_backwards(api):
    ids = [api.post("/v1/resources", data={"name": f"Back {i}", "type": "staging"}).json()["id"] for i in range(9)]
    newest_first = list(reversed(ids))
    page = api.get("/v1/resources", params={"limit": 3, "ending_before": newest_first[6]}).json()
    assert [r["id"] for r in page["data"]] == newest_first[3:6]
    assert page["has_more"] is True
    assert_error(
        api.get("/v1/resources", params={"starting_after": ids[0], "ending_before": ids[1]}),
        400, "invalid_request_error", "parameters_exclusive",
    )


def test_same_second_ties_and_created_filters(api, cloud):
    ids = [api.post("/v1/resources", data={"name": f"Tie {i}", "type": "staging"}).json()["id"] for i in range(12)]
    created = {api.get(f"/v1/resources/{i}").json()["created"] for i in ids}
    lo, hi = min(created), max(created)
    walked = _walk(api, **{"created[gte]": lo, "created[lte]": hi})
    assert walked == list(reversed(ids))
    dotted = api.get("/v1/resources", params={"created.gte": lo, "created.lte": hi, "limit": 100}).json()
    assert [r["id"] for r in dotted["data"]] == list(reversed(ids))
    assert dotted["total_count"] == 12
    assert api.get("/v1/resources", params={"created[gt]": hi}).json()["data"] == []
    assert api.get("/v1/resources", params={"created[lt]": lo}).json()["total_count"] == 0


def test_list_limit_bounds(api):
    for bad in ("0", "101", "abc", "-1"):
        assert_error(api.get("/v1/resources", params={"limit": bad}), 400, "invalid_request_error", "parameter_invalid", "limit")
    assert_error(api.get("/v1/resources", params={"starting_after": "nope"}), 400, "invalid_request_error", "parameter_invalid", "starting_after")
    assert_error(api.get("/v1/resources", params={"status": "weird"}), 400, "invalid_request_error", "parameter_invalid", "status")
    assert_error(api.get("/v1/resources", params={"color": "red"}), 400, "invalid_request_error", "parameter_unknown", "color")


def test_accounts_and_modes_are_isolated(cloud, api):
    other = cloud.client(cloud.new_account()["keys"]["test"])
    live = cloud.client(api.account["keys"]["live"])
    mine = api.post("/v1/resources", data={"name": "Mine", "type": "staging"}).json()
    assert mine["livemode"] is False
    for stranger in (other, live):
        assert_error(stranger.get(f"/v1/resources/{mine['id']}"), 404, "resource_not_found", "resource_missing")
        assert_error(stranger.patch(f"/v1/resources/{mine['id']}", data={"name": "xxx"}), 404, "resource_not_found", "resource_missing")
        assert_error(stranger.delete(f"/v1/resources/{mine['id']}"), 404, "resource_not_found", "resource_missing")
        assert mine["id"] not in [r["id"] for r in stranger.get("/v1/resources", params={"limit": 100}).json()["data"]]
    live_one = live.post("/v1/resources", data={"name": "Live one", "type": "production"}).json()
    assert live_one["livemode"] is True
    assert api.get("/v1/resources").json()["total_count"] == 1


def test_authentication_errors(cloud, api):
    anon = cloud.client()
    anon.headers.pop("Authorization")
    assert_error(anon.get("/v1/resources"), 401, "authentication_error", "api_key_invalid")
    for bad in ("Bearer sk_test_doesnotexist", "Bearer nonsense", "Basic abc", "Bearer "):
        assert_error(anon.get("/v1/resources", headers={"Authorization": bad}), 401, "authentication_error", "api_key_invalid")


def test_revoked_key_stops_working_after_authorizer_cache(cloud):
    account = cloud.new_account()
    key = account["keys"]["test"]
    client = cloud.client(key)
    assert client.get("/v1/resources").status_code == 200
    keys = cloud.apictl("list-keys", account["id"])["data"]
    assert all("secret" not in k for k in keys)
    test_key = next(k for k in keys if k["mode"] == "test")
    assert test_key["last4"] == key[-4:]
    cloud.apictl("revoke-key", account["id"], test_key["id"])
    requests.delete(f"{cloud.url}/_local/authorizer_cache", timeout=5)
    assert_error(client.get("/v1/resources"), 401, "authentication_error", "api_key_invalid")


def test_routing_and_body_errors(api):
    assert_error(api.get("/v1/nothing"), 404, "invalid_request_error", "url_invalid")
    r = api.put("/v1/resources", data={"name": "x"})
    assert_error(r, 405, "invalid_request_error", "method_not_allowed")
    assert "POST" in r.headers["Allow"]
    assert_error(api.post("/v1/resources", data='{"name": "abc"', headers={"Content-Type": "application/json"}), 400, "invalid_request_error", "body_invalid")
    assert_error(api.post("/v1/resources", data="[1,2]", headers={"Content-Type": "application/json"}), 400, "invalid_request_error", "body_invalid")
    assert_error(api.post("/v1/resources", data=b"name=\xff\xfe", headers={"Content-Type": "application/x-www-form-urlencoded"}), 400, "invalid_request_error", "body_invalid")
    assert_error(api.post("/v1/resources", data="<x/>", headers={"Content-Type": "application/xml"}), 415, "invalid_request_error", "content_type_unsupported")
    assert_error(api.post("/v1/resources", data="name=" + "a" * 1_100_000), 413, "invalid_request_error", "body_too_large")
    assert_error(api.post("/v1/resources", data='{"name":"abc","name":"abd","type":"staging"}', headers={"Content-Type": "application/json"}), 400, "invalid_request_error", "body_invalid")
    assert_error(api.post("/v1/resources", data="name=abc&name=abd&type=staging"), 400, "invalid_request_error", "parameter_invalid", "name")
    assert_error(api.post("/v1/resources", data="name=abc&type=staging&metadata[a][b][c][d]=1"), 400, "invalid_request_error", "parameter_invalid")


def test_doc_urls_point_at_documented_sections(api):
    import os

    docs = open(os.path.join(os.path.dirname(__file__), "..", "..", "docs", "errors.md")).read()
    err = api.get("/v1/resources", params={"limit": 0}).json()["error"]
    assert err["doc_url"].endswith("/errors.md#parameter_invalid")
    assert "\n## parameter_invalid" in docs


def test_health_needs_no_key(cloud):
    assert requests.get(f"{cloud.url}/health", timeout=5).json() == {"status": "ok"}
