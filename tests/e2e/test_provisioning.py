"""Provisioning over real HTTP: the local cloud's moto runs the same state machine the
stack deploys, started from the stream processor, one second per step."""

from __future__ import annotations

import time


def _until(api, rid: str, done, timeout: float = 60.0) -> list[dict]:
    """GET the resource until done(resource); every body seen on the way."""
    seen, deadline = [], time.monotonic() + timeout
    while True:
        resp = api.get(f"/v1/resources/{rid}")
        seen.append(resp.json() if resp.status_code == 200 else {"status_code": resp.status_code})
        if done(seen[-1]):
            return seen
        assert time.monotonic() < deadline, seen[-1]
        time.sleep(0.2)


def _execution_ended(cloud, rid: str, timeout: float = 60.0) -> str:
    """Until the provisioning execution of `rid` (named after it) is no longer running:
    no step of it can write any more. Its final status."""
    import boto3

    sfn = boto3.client("stepfunctions", endpoint_url=cloud.moto_url, region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    deadline = time.monotonic() + timeout
    while True:
        found = [
            e for m in sfn.list_state_machines()["stateMachines"]
            for e in sfn.list_executions(stateMachineArn=m["stateMachineArn"])["executions"] if e["name"] == rid
        ]
        if found and all(e["status"] != "RUNNING" for e in found):
            return found[0]["status"]
        assert time.monotonic() < deadline, f"the execution of {rid} never ended: {found}"
        time.sleep(0.2)


def test_quick_start_resource_becomes_active(api):
    # Given the README's quick start (how fast: `make bench`, bench/deadlines.py)
    created = api.post("/v1/resources", data={"name": "My First Resource", "type": "production"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "pending"
    assert body["provisioning"] == {
        "status": "in_progress",
        "estimated_completion": body["created"] + 30,
        "steps_completed": 0,
        "steps_total": 5,
    }
    # When it is polled while the state machine walks its steps
    seen = _until(api, body["id"], lambda r: r.get("status") == "active")
    # Then it is active, having shown its progress on the way
    steps = [r["provisioning"]["steps_completed"] for r in seen]
    assert steps == sorted(steps) and steps[-1] == 5 and len(set(steps)) >= 3
    final = seen[-1]
    assert final["provisioning"]["status"] == "completed" and final["provisioning"]["steps_total"] == 5
    assert final["provisioning"]["estimated_completion"] <= body["created"] + 10  # refined from the first step
    assert final["updated"] >= body["updated"]
    # And lists and counts see it as active
    active = api.get("/v1/resources", params={"status": "active"}).json()
    assert active["total_count"] == 1 and active["data"][0]["id"] == body["id"]
    assert api.get("/v1/resources", params={"status": "pending"}).json()["total_count"] == 0
    # And once active its status can change
    paused = api.patch(f"/v1/resources/{body['id']}", data={"status": "paused"})
    assert paused.status_code == 200 and paused.json()["status"] == "paused"


def test_status_change_reaches_events_in_order(api):
    created = api.post("/v1/resources", data={"name": "Watched", "type": "staging"}).json()
    _until(api, created["id"], lambda r: r.get("status") == "active")
    # The stream processor turns the activation into resource.status_changed (pending -> active)
    deadline = time.monotonic() + 60
    while True:
        changed = api.get("/v1/events", params={"type": "resource.status_changed"}).json()["data"]
        if changed or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(changed) == 1
    event = changed[0]
    assert event["data"]["object"]["id"] == created["id"]
    assert event["data"]["object"]["status"] == "active"
    assert event["data"]["previous_attributes"] == {"status": "pending"}
    assert event["request"]["id"] is None  # made by provisioning, not by a request
    # resource.created came first; the activation (resource.updated and resource.status_changed,
    # one change, one time) came last; progress in between shows as resource.updated
    events = list(reversed(api.get("/v1/events", params={"limit": 100}).json()["data"]))  # oldest first
    mine = [e for e in events if e["data"]["object"].get("id") == created["id"]]
    kinds = [e["type"] for e in mine]
    assert kinds[0] == "resource.created" and "resource.status_changed" in kinds[-2:]
    assert set(kinds[1:]) == {"resource.updated", "resource.status_changed"}
    assert [e["created"] for e in mine] == sorted(e["created"] for e in mine)
    # (progress writes leave `updated` alone, so their events share one timestamp and the
    # events list orders those by id: each step is there once, not necessarily in order)
    steps = [e["data"]["object"]["provisioning"]["steps_completed"] for e in mine if e["type"] == "resource.updated"]
    assert sorted(steps) == [1, 2, 3, 4, 5]


def test_status_patch_waits_for_active_other_fields_do_not(api):
    created = api.post("/v1/resources", data={"name": "Not yet", "type": "staging"}).json()
    rid = created["id"]
    refused = api.patch(f"/v1/resources/{rid}", data={"status": "paused"})
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["type"] == "conflict_error" and error["code"] == "resource_not_ready" and error["param"] == "status"
    renamed = api.patch(f"/v1/resources/{rid}", data={"name": "Renamed while pending", "configuration[timeout_ms]": "7500"})
    assert renamed.status_code == 200 and renamed.json()["status"] == "pending"
    final = _until(api, rid, lambda r: r.get("status") == "active")[-1]
    assert final["name"] == "Renamed while pending" and final["configuration"]["timeout_ms"] == 7500


def test_delete_during_provisioning(cloud, api):
    # Given a resource part-way through provisioning
    created = api.post("/v1/resources", data={"name": "Gone soon", "type": "development"}).json()
    _until(api, created["id"], lambda r: r.get("provisioning", {}).get("steps_completed", 0) >= 2)
    # When it is deleted
    deleted = api.delete(f"/v1/resources/{created['id']}")
    assert deleted.status_code == 200 and deleted.json()["deleted"] is True
    # Then it stays gone once its execution has ended (no late step brings it back) and
    # nothing is counted for it
    _execution_ended(cloud, created["id"])
    assert api.get(f"/v1/resources/{created['id']}").status_code == 404
    listed = api.get("/v1/resources").json()
    assert listed["total_count"] == 0 and listed["data"] == []
    for status in ("pending", "active", "failed"):
        assert api.get("/v1/resources", params={"status": status}).json()["total_count"] == 0
    # And the account can go on provisioning
    again = api.post("/v1/resources", data={"name": "Next one", "type": "development"}).json()
    assert _until(api, again["id"], lambda r: r.get("status") == "active")[-1]["status"] == "active"
