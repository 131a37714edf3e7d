"""Every DynamoDB item access our Lambda functions make, recorded in the local cloud.

moto does not enforce IAM, so a grant that is too narrow would only show once deployed.
This runs the whole local cloud in one process (moto server as a child, the gateway,
the stream and queue pollers), drives a scenario that calls every route and makes the
stream processor and the delivery function work, and records each DynamoDB request by
the function whose invocation made it (localcloud.lambda_runtime), as IAM would
authorise it: the action, the partition key value (dynamodb:LeadingKeys) and the index,
and with which credentials: the function's own, or a session token vending assumed
(the run has VENDING=true: its role and its `account` tag).
tests/infrastructure/test_least_privilege.py checks each against the synthesized
policies.

    python -m tests.infrastructure.dynamo_calls OUT.json
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TEST_KEY = "sk_test_" + "leastPrivilege0000000000000000000"
PARTITION_KEYS = {"table": "pk", "gsi1": "gsi1pk", "gsi2": "gsi2pk"}
TRANSACT_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}


def accesses(operation: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """(IAM action, partition key value, index) of each item a DynamoDB request names."""

    def pk(key: dict[str, Any]) -> str:
        return next(iter(key["pk"].values()))

    if operation in ("GetItem", "PutItem", "UpdateItem", "DeleteItem"):
        key = params.get("Key") or params["Item"]
        return [{"action": operation, "pk": pk(key), "index": None}]
    if operation == "TransactWriteItems":
        out = []
        for item in params["TransactItems"]:
            ((kind, body),) = item.items()
            out.append({"action": TRANSACT_ACTIONS[kind], "pk": pk(body.get("Key") or body["Item"]), "index": None})
        return out
    if operation == "TransactGetItems":
        return [{"action": "GetItem", "pk": pk(i["Get"]["Key"]), "index": None} for i in params["TransactItems"]]
    if operation == "BatchGetItem":
        return [{"action": operation, "pk": pk(k), "index": None} for t in params["RequestItems"].values() for k in t["Keys"]]
    if operation == "BatchWriteItem":
        return [
            {"action": operation, "pk": pk(r.get("PutRequest", {}).get("Item") or r["DeleteRequest"]["Key"]), "index": None}
            for t in params["RequestItems"].values() for r in t
        ]
    if operation == "Query":
        index = params.get("IndexName")
        names = params.get("ExpressionAttributeNames") or {}
        for name, value in re.findall(r"(#?\w+)\s*=\s*(:\w+)", params["KeyConditionExpression"]):
            if names.get(name, name) == PARTITION_KEYS[index or "table"]:
                return [{"action": "Query", "pk": next(iter(params["ExpressionAttributeValues"][value].values())), "index": index}]
        raise AssertionError(f"no partition key condition in {params['KeyConditionExpression']!r}")
    return [{"action": operation, "pk": None, "index": params.get("IndexName")}]  # Scan, DescribeTable...


def install(calls: list[dict[str, Any]]) -> None:
    """Record every DynamoDB request of this process, by the function invoking it."""
    from concurrent.futures import ThreadPoolExecutor as Pool

    from botocore.client import BaseClient

    from localcloud import lambda_runtime

    local = threading.local()

    def function() -> str | None:
        return lambda_runtime.current_function() or getattr(local, "function", None)

    real_call = BaseClient._make_api_call
    sessions: dict[str, dict[str, Any]] = {}  # an AssumeRole's access key id -> its role and tags

    def call(client: Any, operation: str, params: dict[str, Any]) -> Any:
        service = client.meta.service_model.service_name
        if service == "sts" and operation == "AssumeRole":
            answer = real_call(client, operation, params)
            sessions[answer["Credentials"]["AccessKeyId"]] = {
                "role": params["RoleArn"], "tags": {t["Key"]: t["Value"] for t in params.get("Tags") or []},
            }
            return answer
        if service == "dynamodb":
            # Which credentials sign it: the function's own (None), or a session token
            # vending assumed (resource_api/core/vending.py): its role and session tags.
            key = client._request_signer._credentials.get_frozen_credentials().access_key
            calls.append({"function": function(), "operation": operation, "accesses": accesses(operation, params),
                          "session": sessions.get(key)})
        return real_call(client, operation, params)

    BaseClient._make_api_call = call  # type: ignore[method-assign]
    real_submit = Pool.submit

    def submit(pool: Any, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        owner = function()  # work a function hands to a thread pool is still its own

        def attributed(*a: Any, **kw: Any) -> Any:
            local.function = owner
            try:
                return fn(*a, **kw)
            finally:
                local.function = None

        return real_submit(pool, attributed, *args, **kwargs)

    Pool.submit = submit  # type: ignore[method-assign]


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(500 if self.path.startswith("/fail") else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def scenario(url: str, hook_url: str, dashboard_url: str) -> None:
    """Every route at least once, and the pipeline behind them."""
    import requests

    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {TEST_KEY}"

    def ok(resp: requests.Response, *status: int) -> dict[str, Any]:
        assert resp.status_code in (status or (200, 201)), (resp.request.method, resp.request.url, resp.status_code, resp.text)
        return resp.json()

    def wait(predicate: Any, timeout: float = 30.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.3)
        raise AssertionError("the local cloud did not settle")

    good = ok(s.post(f"{url}/v1/webhook_endpoints", data={"url": f"{hook_url}/ok", "enabled_events[]": "*"}))
    bad = ok(s.post(f"{url}/v1/webhook_endpoints", data={"url": f"{hook_url}/fail", "enabled_events[]": "*"}))
    ok(s.get(f"{url}/v1/webhook_endpoints"))
    ok(s.get(f"{url}/v1/webhook_endpoints/{good['id']}"))
    ok(s.patch(f"{url}/v1/webhook_endpoints/{good['id']}", data={"description": "audit"}))
    ok(s.post(f"{url}/v1/webhook_endpoints/{good['id']}/rotate_secret"))
    res = ok(s.post(f"{url}/v1/resources", data={"name": "Audit", "type": "staging", "configuration[rate_limit]": "1"},
                    headers={"Idempotency-Key": "audit-create"}))
    ok(s.get(f"{url}/v1/resources/{res['id']}"))
    ok(s.get(f"{url}/v1/resources/{res['id']}"), 429)  # over its rate limit: a notice too
    ok(s.get(f"{url}/v1/resources", params={"limit": 5}))
    other = ok(s.post(f"{url}/v1/resources", data={"name": "Audit Two", "type": "staging"}))
    ok(s.patch(f"{url}/v1/resources/{other['id']}", data={"name": "Audit Renamed"}, headers={"Idempotency-Key": "audit-patch"}))
    ok(s.post(f"{url}/v1/batch", json={"operations": [
        {"method": "POST", "path": "/v1/resources", "body": {"name": "Audit Batch", "type": "staging"}},
        {"method": "PATCH", "path": f"/v1/resources/{other['id']}", "body": {"name": "Audit Batched"}},
    ]}))
    # The pipeline: events, deliveries (one endpoint fails), then the event routes
    created = wait(lambda: ok(s.get(f"{url}/v1/events", params={"type": "resource.created"}))["data"])
    evt = created[-1]["id"]
    ok(s.get(f"{url}/v1/events"))
    ok(s.get(f"{url}/v1/events/{evt}"))
    wait(lambda: len(ok(s.get(f"{url}/v1/events/{evt}/deliveries"))["data"]) >= 2)
    ok(s.post(f"{url}/v1/events/{evt}/resend"))
    dashboard_scenario(dashboard_url, evt, good["id"])
    ok(s.post(f"{url}/v1/webhook_endpoints/{bad['id']}/replay", data={"since": 0}))
    ok(s.delete(f"{url}/v1/resources/{other['id']}"))
    ok(s.delete(f"{url}/v1/webhook_endpoints/{bad['id']}"))
    deleted = wait(lambda: [e for e in ok(s.get(f"{url}/v1/events"))["data"] if e["type"] == "resource.deleted"])
    # The deliveries of the last events: the good endpoint's attempt logged, and no message
    # waiting in the queue (the bad endpoint's retries wait minutes: in flight, not waiting)
    wait(lambda: [a for a in ok(s.get(f"{url}/v1/events/{deleted[0]['id']}/deliveries"))["data"]
                  if a["webhook_endpoint"] == good["id"] and a["status"] == "succeeded"])
    wait(_nothing_waiting)


def _nothing_waiting() -> bool:
    from resource_api.events import queues

    name = "ApproximateNumberOfMessages"
    attrs = queues.client().get_queue_attributes(QueueUrl=queues.queue_url(), AttributeNames=[name])["Attributes"]
    return int(attrs.get(name, 0)) == 0


def dashboard_scenario(dashboard_url: str, evt: str, endpoint_id: str) -> None:
    """Every dashboard page and action once (its sessions, keys, test events, status)."""
    import requests

    origin = {"Origin": dashboard_url}
    assert requests.post(f"{dashboard_url}/login", data={"key": "sk_test_wrong"}, headers=origin, timeout=30).status_code == 401
    signed = requests.post(f"{dashboard_url}/login", data={"key": TEST_KEY}, headers=origin, allow_redirects=False, timeout=30)
    assert signed.status_code == 303, signed.text
    cookie = {"Cookie": signed.headers["Set-Cookie"].split(";")[0], **origin}  # a Secure cookie, over http here

    def page(path: str) -> str:
        resp = requests.get(f"{dashboard_url}{path}", headers=cookie, allow_redirects=False, timeout=30)
        assert resp.status_code == 200, (path, resp.status_code)
        return resp.text

    def post(path: str, **form: str) -> requests.Response:
        resp = requests.post(f"{dashboard_url}{path}", data={"csrf_token": csrf, **form}, headers=cookie,
                             allow_redirects=False, timeout=30)
        assert resp.status_code in (200, 303), (path, resp.status_code, resp.text[-500:])
        return resp

    keys_page = page("/keys")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', keys_page).group(1)
    for path in ("/", "/logs", "/logs?status_class=4xx&method=GET", "/resources", "/webhooks", f"/webhooks/{endpoint_id}",
                 "/events", f"/events/{evt}", "/status"):
        page(path)
    created = post("/keys").text
    key_id = re.findall(r'<tr id="(key_[0-9a-z]+)"', created)[0]
    post(f"/keys/{key_id}/roll", expires="now")
    post(f"/keys/{key_id}/revoke")
    post("/webhooks", url="http://127.0.0.1:9/dash", enabled_events="*")
    post(f"/webhooks/{endpoint_id}", description="from the dashboard")
    post(f"/webhooks/{endpoint_id}/rotate", expires="1h")
    post(f"/webhooks/{endpoint_id}/test")
    post(f"/webhooks/{endpoint_id}/replay", since="2020-01-01T00:00")
    post(f"/events/{evt}/resend", webhook_endpoint=endpoint_id)
    post("/mode", mode="test")
    post("/logout")


def main(out_path: str) -> int:
    calls: list[dict[str, Any]] = []
    install(calls)
    from localcloud.cloud import LocalCloud

    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    cloud = LocalCloud(port=0, api_keys=[TEST_KEY], auth_cache_ttl=0.0, state_file=None, log=lambda m: None)
    cloud.start()
    try:
        scenario(cloud.url, f"http://127.0.0.1:{receiver.server_address[1]}", cloud.dashboard_url)
    finally:
        cloud.stop()
        receiver.shutdown()
    with open(out_path, "w") as f:
        json.dump([c for c in calls if c["function"]], f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
