"""POST /v1/batch over real HTTP."""

from __future__ import annotations

from tests.e2e.test_resources_api import assert_error


def create(api, name="Batch target"):
    return api.post("/v1/resources", data={"name": name, "type": "staging"}).json()["id"]


def test_spec_example_shape(api):
    abc, xyz = create(api), create(api)
    resp = api.post(
        "/v1/batch",
        json={
            "operations": [
                {"method": "POST", "path": "/v1/resources", "body": {"name": "Resource 1", "type": "production"}},
                {"method": "PATCH", "path": f"/v1/resources/{abc}", "body": {"name": "Renamed"}},
                {"method": "DELETE", "path": f"/v1/resources/{xyz}"},
            ]
        },
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    statuses = [r["status"] for r in body["results"]]
    assert statuses == [201, 200, 200]
    assert body["results"][0]["body"]["name"] == "Resource 1"
    assert body["results"][1]["body"]["name"] == "Renamed"
    assert body["results"][2]["body"]["deleted"] is True
    s = body["summary"]
    assert (s["total"], s["successful"], s["failed"]) == (3, 3, 0) and isinstance(s["duration_ms"], int)
    assert api.get(f"/v1/resources/{xyz}").status_code == 404


def test_hundred_operations_with_mixed_outcomes(api):
    existing = create(api)
    ops = []
    for i in range(100):
        if i % 10 == 0:
            ops.append({"method": "POST", "path": "/v1/resources", "body": {"name": f"Bulk {i}", "type": "development"}})
        elif i % 10 == 3:
            ops.append({"method": "POST", "path": "/v1/resources", "body": {"name": "no", "type": "staging"}})
        elif i % 10 == 7:
            ops.append({"method": "GET", "path": "/v1/resources/res_" + "0" * 24})
        elif i % 10 == 5:
            ops.append({"method": "PATCH", "path": f"/v1/resources/{existing}", "body": {"metadata": {"step": str(i)}}})
        elif i % 10 == 8:
            ops.append({"method": "GET", "path": "/v1/resources?limit=3"})
        else:
            ops.append({"method": "GET", "path": f"/v1/resources/{existing}"})
    resp = api.post("/v1/batch", json={"operations": ops}, timeout=180)
    assert resp.status_code == 200, resp.text
    results = resp.json()["results"]
    assert len(results) == 100
    bad = results[3]
    assert bad["status"] == 400 and bad["body"]["error"]["param"] == "operations[3][body][name]"
    assert results[7]["status"] == 404 and results[7]["body"]["error"]["code"] == "resource_missing"
    assert results[9]["status"] == 200 and results[9]["body"]["id"] == existing
    assert results[8]["status"] == 200 and results[8]["body"]["object"] == "list" and len(results[8]["body"]["data"]) == 2  # existing + operation 0
    # operations run in order: the GET after the PATCH at 95 sees step 95
    assert results[96]["body"]["metadata"] == {"step": "95"}
    assert len([r for r in results if r["status"] == 201]) == 10
    summary = resp.json()["summary"]
    assert summary["successful"] == 80 and summary["failed"] == 20
    assert api.get("/v1/resources").json()["total_count"] == 11


def test_errors_before_anything_runs(api):
    too_many = [{"method": "POST", "path": "/v1/resources", "body": {"name": "abc", "type": "staging"}}] * 101
    assert_error(api.post("/v1/batch", json={"operations": too_many}), 400, "invalid_request_error", "parameter_invalid", "operations")
    for op, param in (
        ({"method": "POST", "path": "/v1/nothing"}, "operations[1][path]"),
        ({"method": "PUT", "path": "/v1/resources"}, "operations[1][method]"),
        ({"method": "POST", "path": "/v1/batch", "body": {"operations": []}}, "operations[1][path]"),
        ({"method": "POST", "path": "/v1/resources/res_x"}, "operations[1][path]"),
    ):
        ops = [{"method": "POST", "path": "/v1/resources", "body": {"name": "Never", "type": "staging"}}, op]
        assert_error(api.post("/v1/batch", json={"operations": ops}), 400, "invalid_request_error", "parameter_invalid", param)
    assert api.get("/v1/resources").json()["total_count"] == 0


def test_per_operation_idempotency_keys_match_single_calls(api):
    single = api.post("/v1/resources", data={"name": "Once", "type": "staging"}, headers={"Idempotency-Key": "k-once"})
    resp = api.post("/v1/batch", json={"operations": [
        {"method": "POST", "path": "/v1/resources", "body": {"name": "Once", "type": "staging"}, "idempotency_key": "k-once"},
        {"method": "POST", "path": "/v1/resources", "body": {"name": "Other", "type": "staging"}, "idempotency_key": "k-once"},
    ]}).json()
    assert resp["results"][0]["body"]["id"] == single.json()["id"]
    assert resp["results"][0]["idempotent_replayed"] is True
    assert resp["results"][1]["status"] == 400 and resp["results"][1]["body"]["error"]["code"] == "idempotency_key_reused"
    assert api.get("/v1/resources").json()["total_count"] == 1


def test_atomic_batch_commits_everything(api):
    a, b = create(api, "Atomic A"), create(api, "Atomic B")
    resp = api.post("/v1/batch", json={"atomic": True, "operations": [
        {"method": "POST", "path": "/v1/resources", "body": {"name": "Atomic new", "type": "staging"}},
        {"method": "PATCH", "path": f"/v1/resources/{a}", "body": {"metadata": {"batch": "yes"}}},
        {"method": "DELETE", "path": f"/v1/resources/{b}"},
    ]}).json()
    assert resp["atomic"] == {"committed": True, "failed_operation": None}
    assert [r["status"] for r in resp["results"]] == [201, 200, 200]
    assert api.get(f"/v1/resources/{a}").json()["metadata"] == {"batch": "yes"}
    assert api.get(f"/v1/resources/{b}").status_code == 404
    new_id = resp["results"][0]["body"]["id"]
    assert api.get(f"/v1/resources/{new_id}").status_code == 200
    assert api.get("/v1/resources").json()["total_count"] == 2


def test_atomic_batch_rolls_back_and_names_the_failure(api):
    a = create(api, "Keep me")
    missing = "res_" + "0" * 24
    resp = api.post("/v1/batch", json={"atomic": True, "operations": [
        {"method": "POST", "path": "/v1/resources", "body": {"name": "Rolled back", "type": "staging"}},
        {"method": "DELETE", "path": f"/v1/resources/{a}"},
        {"method": "PATCH", "path": f"/v1/resources/{missing}", "body": {"name": "Nope"}},
    ]}).json()
    assert resp["atomic"] == {"committed": False, "failed_operation": 2}
    assert resp["results"][2]["status"] == 404
    assert [r["status"] for r in resp["results"][:2]] == [424, 424]
    assert resp["results"][0]["body"]["error"]["code"] == "batch_rolled_back"
    assert api.get(f"/v1/resources/{a}").status_code == 200
    assert api.get("/v1/resources").json()["total_count"] == 1


def test_atomic_batch_refuses_touching_one_object_twice(api):
    a = create(api)
    resp = api.post("/v1/batch", json={"atomic": True, "operations": [
        {"method": "PATCH", "path": f"/v1/resources/{a}", "body": {"name": "One"}},
        {"method": "PATCH", "path": f"/v1/resources/{a}", "body": {"name": "Two"}},
    ]})
    assert_error(resp, 400, "invalid_request_error", "parameter_invalid", "operations[1]")
    assert api.get(f"/v1/resources/{a}").json()["name"] == "Batch target"


def test_batch_counts_each_operation_against_the_rate_limit(api):
    before = int(api.get("/v1/resources").headers["X-RateLimit-Remaining"])
    ops = [{"method": "GET", "path": "/v1/resources"}] * 10
    resp = api.post("/v1/batch", json={"operations": ops})
    assert int(resp.headers["X-RateLimit-Remaining"]) == before - 10


def test_form_encoded_batch(api):
    resp = api.post("/v1/batch", data={
        "operations[0][method]": "POST", "operations[0][path]": "/v1/resources",
        "operations[0][body][name]": "From a form", "operations[0][body][type]": "staging",
    })
    assert resp.status_code == 200, resp.text
    assert resp.json()["results"][0]["status"] == 201


def test_old_api_versions_have_no_batch(api):
    resp = api.post("/v1/batch", json={"operations": [{"method": "GET", "path": "/v1/resources"}]},
                    headers={"Api-Version": "2023-11-01"})
    assert_error(resp, 400, "invalid_request_error", "parameter_invalid", "Api-Version")
