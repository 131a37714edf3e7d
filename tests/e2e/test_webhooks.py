"""Events and signed webhooks over real HTTP: a receiver on 127.0.0.1 registered on the
local cloud, whose stream and SQS pollers feed the stream processor and the delivery
function as Lambda would. The test cloud retries after ~1 s (WEBHOOK_RETRY_SCHEDULE
in conftest), 5 attempts in all."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from standardwebhooks import Webhook, WebhookVerificationError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPEC = os.path.join(ROOT, "..", "shared", "spec", "resource-api.md")
ATTEMPTS = 5  # len("1,1,1,1") + 1
# Waits end as soon as their condition holds; the bound only matters on a loaded machine
# (the local moto server serialises every request of a whole test session).
WAIT = 60.0

# The spec's "Webhook security" snippet, verbatim (checked against the spec when it is
# beside the repository).
SPEC_SNIPPET = """const crypto = require('crypto');

function verifyWebhook(payload, signature, secret) {
  const expectedSignature = crypto
    .createHmac('sha256', secret)
    .update(payload)
    .digest('hex');

  return crypto.timingSafeEqual(
    Buffer.from(signature),
    Buffer.from(expectedSignature)
  );
}"""


# --- a real receiver ---------------------------------------------------------------------


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 that records every request; `script` gives the
    answers (status, headers) in order, then 200."""

    server: ThreadingHTTPServer
    received: list[Delivery] = field(default_factory=list)
    script: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def fail(self, *answers: int | tuple[int, dict[str, str]]) -> None:
        with self.lock:
            self.script = [a if isinstance(a, tuple) else (a, {}) for a in answers]

    def wait(self, pred: Callable[[list[Delivery]], bool], timeout: float = WAIT) -> list[Delivery]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                got = list(self.received)
            if pred(got):
                return got
            time.sleep(0.05)
        raise AssertionError(f"receiver timed out; got {[d.event.get('type') for d in got]}")

    def of_type(self, event_type: str, resource_id: str | None = None) -> list[Delivery]:
        with self.lock:
            got = list(self.received)
        return [
            d
            for d in got
            if d.event["type"] == event_type and (resource_id is None or d.event["data"]["object"].get("id") == resource_id)
        ]

    def wait_type(self, event_type: str, resource_id: str | None = None, n: int = 1, timeout: float = WAIT) -> list[Delivery]:
        self.wait(lambda _: len(self.of_type(event_type, resource_id)) >= n, timeout)
        return self.of_type(event_type, resource_id)


@pytest.fixture
def receiver():
    holder: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            rec = holder["r"]
            with rec.lock:
                rec.received.append(Delivery(self.path, dict(self.headers.items()), body, time.monotonic()))
                status, headers = rec.script.pop(0) if rec.script else (200, {})
            payload = b'{"received": true}'
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder["r"] = rec = Receiver(server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield rec
    server.shutdown()
    server.server_close()


def make_endpoint(api, receiver: Receiver, events: list[str] | None = None, **extra: Any) -> dict:
    data = [("url", receiver.url)] + [("enabled_events[]", e) for e in (events or ["*"])]
    data += list(extra.items())
    resp = api.post("/v1/webhook_endpoints", data=data)
    assert resp.status_code == 201, resp.text
    return resp.json()


def verify(delivery: Delivery, secret: str) -> dict:
    """Standard Webhooks verification with the reference library (raises if invalid)."""
    return Webhook(secret).verify(delivery.body, delivery.headers)



def wait_for(fn: Callable[[], Any], timeout: float = WAIT, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def _sqs(cloud):  # noqa: ANN202 - a boto3 SQS client of the local cloud's moto server
    import boto3

    return boto3.client("sqs", endpoint_url=cloud.moto_url, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def wait_queue_drained(cloud) -> None:
    """Until the delivery queue holds no message, waiting or in flight: every delivery
    that will ever happen has happened (a final state, not a pause)."""
    from resource_api.events import queues

    sqs = _sqs(cloud)
    url = sqs.get_queue_url(QueueName=queues.DEFAULT_QUEUE_NAME)["QueueUrl"]
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"]

    def drained() -> bool:
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        return all(int(attrs.get(n, 0)) == 0 for n in names)

    assert wait_for(drained), "the delivery queue never drained"


def wait_dead_lettered(cloud, event_id: str) -> dict:
    """Until the message of `event_id` is in the dead-letter queue (looked at, left there).
    The DLQ holds other tests' messages too: each look pages through all of it (what it
    read stays hidden for a few seconds, then is back; nothing else reads the DLQ)."""
    from resource_api.events import queues

    sqs = _sqs(cloud)
    url = sqs.get_queue_url(QueueName=queues.DEFAULT_QUEUE_NAME + queues.DLQ_SUFFIX)["QueueUrl"]

    def find() -> dict | None:
        while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=5).get("Messages", []):
            for body in (json.loads(m["Body"]) for m in got):
                if body.get("event") == event_id:
                    return body
        return None

    found = wait_for(find)
    assert found, f"{event_id} never reached the dead-letter queue"
    return found


@pytest.fixture
def clock_reset(cloud):
    yield cloud
    cloud.reset_clock()


# --- every event type, the documented payload ----------------------------------------------


EVENT_KEYS = {"id", "object", "type", "created", "api_version", "livemode", "data", "request"}


def assert_event_shape(event: dict) -> None:
    assert set(event) == EVENT_KEYS, event
    assert re.fullmatch(r"evt_[0-9a-z]{24}", event["id"])
    assert event["object"] == "event" and event["api_version"] == "2024-01-15"
    assert isinstance(event["created"], int) and event["livemode"] is False
    assert set(event["request"]) == {"id", "idempotency_key"}
    assert "object" in event["data"]


def _make_active(api, resource_id: str) -> None:
    """Provisioning (the local cloud's state machine, one step a second) takes a pending
    resource to active: wait for it, the system's own change (no request, no table write)."""
    assert wait_for(lambda: api.get(f"/v1/resources/{resource_id}").json()["status"] == "active"), \
        f"{resource_id} never became active"


def test_every_event_type_reaches_a_local_receiver_with_the_documented_payload(cloud, api, receiver):
    # Given an endpoint on a local receiver, subscribed to everything
    endpoint = make_endpoint(api, receiver)
    assert endpoint["secret"].startswith("whsec_") and len(base64.b64decode(endpoint["secret"][6:])) >= 24
    secret = endpoint["secret"]

    # When a resource is created with an idempotency key
    started = time.monotonic()
    created = api.post(
        "/v1/resources", data={"name": "Webhook Resource", "type": "production"}, headers={"Idempotency-Key": "wh-create-1"}
    )
    assert created.status_code == 201, created.text
    res = created.json()
    # Then resource.created arrives, with the full object and the request. (How fast is a
    # benchmark's question, not a test's: typically 0.2-0.5 s on an idle machine.)
    (d,) = receiver.wait_type("resource.created", res["id"])
    assert d.at >= started
    event = verify(d, secret)
    assert_event_shape(event)
    # (the plan-dependent `limits` block is the one part of a response events leave out)
    assert event["data"] == {"object": {k: v for k, v in res.items() if k != "limits"}}
    assert event["request"] == {"id": created.headers["Request-Id"], "idempotency_key": "wh-create-1"}
    assert d.header("webhook-id") == event["id"]

    # When provisioning activates it (the system, not a request)
    _make_active(api, res["id"])
    (d,) = receiver.wait_type("resource.status_changed", res["id"])
    event = verify(d, secret)
    assert event["data"]["object"]["status"] == "active"
    assert event["data"]["previous_attributes"] == {"status": "pending"}
    assert event["request"] == {"id": None, "idempotency_key": None}

    # When it is updated: name, a configuration value and metadata
    patched = api.patch(
        f"/v1/resources/{res['id']}",
        data={"name": "Renamed Resource", "configuration[timeout_ms]": "7500", "metadata[team]": "platform"},
    )
    assert patched.status_code == 200, patched.text
    # Then resource.updated carries only the changed fields, with their old values
    updates = receiver.wait(
        lambda _: any(
            e.event["data"]["object"]["name"] == "Renamed Resource"
            for e in receiver.of_type("resource.updated", res["id"])
        )
    )
    (d,) = [e for e in receiver.of_type("resource.updated", res["id"]) if e.event["data"]["object"]["name"] == "Renamed Resource"]
    event = verify(d, secret)
    assert_event_shape(event)
    prev = event["data"]["previous_attributes"]
    assert prev["name"] == "Webhook Resource"
    assert prev["configuration"] == {"timeout_ms": 5000}
    assert prev["metadata"] == {"team": None}
    assert set(prev) <= {"name", "configuration", "metadata", "updated"}
    fields = ("id", "name", "status", "configuration", "metadata", "updated")
    assert {k: event["data"]["object"][k] for k in fields} == {k: patched.json()[k] for k in fields}
    assert event["request"]["id"] == patched.headers["Request-Id"]
    assert updates

    # When its status is changed by a request
    paused = api.patch(f"/v1/resources/{res['id']}", data={"status": "paused"})
    assert paused.status_code == 200, paused.text
    changes = receiver.wait_type("resource.status_changed", res["id"], n=2)
    event = verify(changes[-1], secret)
    assert event["data"]["previous_attributes"] == {"status": "active"}
    assert event["data"]["object"]["status"] == "paused"
    assert event["request"]["id"] == paused.headers["Request-Id"]

    # When it is deleted
    deleted = api.delete(f"/v1/resources/{res['id']}", headers={"Idempotency-Key": "wh-delete-1"})
    assert deleted.status_code == 200, deleted.text
    (d,) = receiver.wait_type("resource.deleted", res["id"])
    event = verify(d, secret)
    assert event["data"]["object"]["id"] == res["id"] and event["data"]["object"]["deleted"] is True
    assert event["data"]["object"]["deleted_at"] == deleted.json()["deleted_at"]
    # ... carrying the deleting request, not the one that last wrote the resource
    assert event["request"] == {"id": deleted.headers["Request-Id"], "idempotency_key": "wh-delete-1"}

    # When a limit is exceeded (the rate limiter writes a notice; see events.notice_item)
    import boto3  # noqa: F401

    from resource_api.core import db
    from resource_api.events import domain as events

    item = events.notice_item(
        api.account["id"],  # type: ignore[attr-defined]
        "test",
        "resource.limit_exceeded",
        {"object": "limit", "resource": res["id"], "limit_type": "requests_per_minute", "limit": 1, "current_value": 2},
        request_id="req_limit",
    )
    cloud.dynamodb().put_item(TableName="resource-api", Item=db.to_item(item))
    (d,) = receiver.wait_type("resource.limit_exceeded")
    event = verify(d, secret)
    assert event["data"]["object"]["limit_type"] == "requests_per_minute"
    assert event["data"]["object"]["current_value"] == 2

    # And every delivered event is listed by the API, newest first, identical to what was sent
    listed = api.get("/v1/events", params={"limit": 100}).json()
    assert listed["object"] == "list" and listed["url"] == "/v1/events"
    by_id = {e["id"]: e for e in listed["data"]}
    for delivery in receiver.received:
        assert by_id[delivery.event["id"]] == delivery.event
    ids = [e["id"] for e in listed["data"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids)
    types = {e["type"] for e in listed["data"]}
    assert {"resource.created", "resource.updated", "resource.status_changed", "resource.deleted", "resource.limit_exceeded"} <= types


def test_signatures_verify_with_standardwebhooks_and_the_spec_snippet_under_node(api, receiver):
    node = shutil.which("node")
    if os.path.exists(SPEC):
        assert SPEC_SNIPPET in open(SPEC).read(), "the spec's verifyWebhook snippet changed"
    endpoint = make_endpoint(api, receiver, ["resource.created"])
    res = api.post("/v1/resources", data={"name": "Signed", "type": "staging"}).json()
    (d,) = receiver.wait_type("resource.created", res["id"])

    # Standard Webhooks, with the reference library
    assert verify(d, endpoint["secret"])["id"] == d.header("webhook-id")
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint["secret"]).verify(d.body + b" ", d.headers)
    assert re.fullmatch(r"v1,[A-Za-z0-9+/=]{44}", d.header("webhook-signature"))
    assert abs(int(d.header("webhook-timestamp")) - time.time()) < 60

    # The spec's own snippet, unchanged, under node: hex HMAC of the raw body, keyed with the secret string
    assert node, "node is needed to run the spec's JavaScript"
    script = SPEC_SNIPPET + """
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
let ok;
try { ok = verifyWebhook(Buffer.from(input.payload, 'base64'), input.signature, input.secret); }
catch (e) { ok = false; }
process.stdout.write(JSON.stringify(ok));
"""

    def run(payload: bytes, signature: str, secret: str) -> bool:
        out = subprocess.run(
            [node, "-e", script],
            input=json.dumps({"payload": base64.b64encode(payload).decode(), "signature": signature, "secret": secret}),
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        return json.loads(out.stdout)

    assert run(d.body, d.header("Resource-Signature"), endpoint["secret"]) is True
    assert run(d.body + b"x", d.header("Resource-Signature"), endpoint["secret"]) is False
    assert run(d.body, d.header("Resource-Signature"), "whsec_other") is False


def test_a_failing_receiver_gets_each_retry_then_succeeds_with_the_same_webhook_id(cloud, api, receiver):
    # Given a receiver that fails twice (500, then no answer it likes), then succeeds
    endpoint = make_endpoint(api, receiver, ["resource.created"])
    receiver.fail(500, 503)
    res = api.post("/v1/resources", data={"name": "Retried", "type": "staging"}).json()
    # Then it is delivered three times, with the same webhook-id and fresh valid signatures
    got = receiver.wait(lambda r: len([d for d in r if d.event["data"]["object"]["id"] == res["id"]]) >= 3)
    got = [d for d in got if d.event["data"]["object"]["id"] == res["id"]]
    # (the success is logged and its message deleted: nothing is left to deliver)
    evt_id = got[0].header("webhook-id")
    assert wait_for(lambda: any(a["status"] == "succeeded" for a in api.get(f"/v1/events/{evt_id}/deliveries").json()["data"]))
    wait_queue_drained(cloud)
    assert len([d for d in receiver.received if d.event["data"]["object"]["id"] == res["id"]]) == 3  # no more after success
    assert len({d.header("webhook-id") for d in got}) == 1
    assert len({d.body for d in got}) == 1  # the same bytes every time
    for d in got:
        verify(d, endpoint["secret"])
    assert 0.5 < got[1].at - got[0].at < 30 and 0.5 < got[2].at - got[1].at < 30  # ~1 s steps + jitter
    # And every attempt is in the delivery log, newest first
    log = api.get(f"/v1/events/{evt_id}/deliveries").json()
    attempts = list(reversed(log["data"]))
    assert [(a["attempt"], a["status"], a["http_status"]) for a in attempts] == [
        (1, "failed", 500),
        (2, "failed", 503),
        (3, "succeeded", 200),
    ]
    assert all(a["webhook_endpoint"] == endpoint["id"] and a["url"] == receiver.url for a in attempts)
    assert attempts[0]["next_attempt_at"] and attempts[2]["next_attempt_at"] is None
    assert all(isinstance(a["duration_ms"], int) for a in attempts)


def test_retry_after_is_honoured_on_429(api, receiver):
    make_endpoint(api, receiver, ["resource.created"])
    receiver.fail((429, {"Retry-After": "3"}))
    res = api.post("/v1/resources", data={"name": "Backoff", "type": "staging"}).json()
    got = receiver.wait_type("resource.created", res["id"], n=2)
    assert got[1].at - got[0].at >= 2.8, got[1].at - got[0].at


def test_redirects_are_failures_and_not_followed(api, receiver):
    make_endpoint(api, receiver, ["resource.created"])
    receiver.fail((302, {"Location": receiver.url + "/elsewhere"}))
    res = api.post("/v1/resources", data={"name": "Redirected", "type": "staging"}).json()
    got = receiver.wait_type("resource.created", res["id"], n=2)
    assert all(d.path == "/hooks" for d in got)
    log = api.get(f"/v1/events/{got[0].header('webhook-id')}/deliveries").json()["data"]
    assert log[-1]["http_status"] == 302 and "redirect" in log[-1]["error"]


def test_410_disables_the_endpoint_with_a_notice_event(cloud, api, receiver):
    # Given a gone endpoint and a healthy one that listens for notices
    gone = make_endpoint(api, receiver, ["resource.created"])
    receiver.fail(410)
    watcher_rx = receiver  # the same server, a different URL path
    watcher = api.post(
        "/v1/webhook_endpoints",
        data={"url": watcher_rx.url + "?watcher=1", "enabled_events[]": "webhook_endpoint.disabled"},
    ).json()
    # When an event is delivered to it and answered 410
    res = api.post("/v1/resources", data={"name": "Gone", "type": "staging"}).json()
    receiver.wait_type("resource.created", res["id"])
    # Then the endpoint is disabled at once, saying why
    ep = wait_for(lambda: (e := api.get(f"/v1/webhook_endpoints/{gone['id']}").json())["status"] == "disabled" and e)
    assert ep and "410" in ep["disabled_reason"]
    # And a webhook_endpoint.disabled event is emitted and delivered to the other endpoint
    (notice,) = receiver.wait_type("webhook_endpoint.disabled")
    assert notice.path.endswith("watcher=1")
    event = verify(notice, watcher["secret"])
    assert event["data"]["object"]["id"] == gone["id"] and event["data"]["object"]["status"] == "disabled"
    assert "secret" not in event["data"]["object"]
    # And nothing more goes to the disabled endpoint (a witness endpoint gets the next
    # event, and once the queue is drained the disabled one has had nothing); nor can it be resent to
    witness = api.post("/v1/webhook_endpoints", data={"url": receiver.url + "?witness=1", "enabled_events[]": "resource.created"})
    assert witness.status_code == 201, witness.text
    gone_count = lambda: len([d for d in receiver.of_type("resource.created") if d.path == "/hooks"])  # noqa: E731
    before = gone_count()
    after = api.post("/v1/resources", data={"name": "After", "type": "staging"}).json()
    receiver.wait(lambda _: any("witness" in d.path for d in receiver.of_type("resource.created", after["id"])))
    wait_queue_drained(cloud)
    assert gone_count() == before
    resend = api.post(f"/v1/events/{notice.event['id']}/resend", data={"webhook_endpoint": gone["id"]})
    assert resend.status_code == 409 and resend.json()["error"]["code"] == "webhook_endpoint_disabled"
    # Until it is enabled again
    again = api.patch(f"/v1/webhook_endpoints/{gone['id']}", data={"status": "enabled"}).json()
    assert again["status"] == "enabled" and again["disabled_reason"] is None


def test_an_endpoint_failing_for_days_is_disabled(api, receiver, clock_reset):
    endpoint = make_endpoint(api, receiver, ["resource.created"])
    receiver.fail(*([500] * 10))
    res = api.post("/v1/resources", data={"name": "Failing", "type": "staging"}).json()
    (first,) = receiver.wait_type("resource.created", res["id"])
    # (the failed attempt is recorded, so its streak started before the clock moves)
    evt_id = first.header("webhook-id")
    assert wait_for(lambda: api.get(f"/v1/events/{evt_id}/deliveries").json()["data"])
    # When the next attempt fails six days into the streak
    clock_reset.advance_clock(6 * 86_400)
    receiver.wait_type("resource.created", res["id"], n=2)
    ep = wait_for(lambda: (e := api.get(f"/v1/webhook_endpoints/{endpoint['id']}").json())["status"] == "disabled" and e)
    assert ep and "failed for" in ep["disabled_reason"]
    # And its message is dropped: once the queue is drained, no third attempt came
    wait_queue_drained(clock_reset)
    assert len(receiver.of_type("resource.created", res["id"])) == 2


def test_rotation_keeps_both_signatures_valid_during_the_grace_period(api, receiver, clock_reset):
    endpoint = make_endpoint(api, receiver, ["resource.created"])
    old = endpoint["secret"]
    rotated = api.post(f"/v1/webhook_endpoints/{endpoint['id']}/rotate_secret")
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["secret"]
    assert new != old and new.startswith("whsec_")
    assert rotated.json()["previous_secret_expires_at"] - time.time() == pytest.approx(86_400, abs=120)
    assert "secret" not in api.get(f"/v1/webhook_endpoints/{endpoint['id']}").json()

    # During the grace period both secrets verify
    res = api.post("/v1/resources", data={"name": "Rotating", "type": "staging"}).json()
    (d,) = receiver.wait_type("resource.created", res["id"])
    assert len(d.header("webhook-signature").split(" ")) == 2
    verify(d, new)
    verify(d, old)
    assert d.header("Resource-Signature") == hmac.new(new.encode(), d.body, hashlib.sha256).hexdigest()
    assert d.header("Resource-Signature-Previous") == hmac.new(old.encode(), d.body, hashlib.sha256).hexdigest()

    # After 24 h only the new one signs
    clock_reset.advance_clock(86_400 + 60)
    res = api.post("/v1/resources", data={"name": "Rotated", "type": "staging"}).json()
    (d,) = receiver.wait_type("resource.created", res["id"])
    (sig,) = d.header("webhook-signature").split(" ")
    signed = f"{d.header('webhook-id')}.{d.header('webhook-timestamp')}.".encode() + d.body
    expected = base64.b64encode(hmac.new(base64.b64decode(new[6:]), signed, hashlib.sha256).digest()).decode()
    assert sig == "v1," + expected
    assert d.header("Resource-Signature-Previous") is None


def test_dead_letter_after_the_schedule_then_replay_since_a_time(cloud, api, receiver):
    endpoint = make_endpoint(api, receiver, ["resource.created"])
    since = int(time.time()) - 1
    receiver.fail(*([500] * ATTEMPTS))
    res = api.post("/v1/resources", data={"name": "Dead Letter", "type": "staging"}).json()
    got = receiver.wait_type("resource.created", res["id"], n=ATTEMPTS)
    evt_id = got[0].header("webhook-id")
    # Then after the last attempt the message is in the dead-letter queue: the schedule is spent
    assert wait_dead_lettered(cloud, evt_id)["webhook_endpoint"] == endpoint["id"]
    assert len(receiver.of_type("resource.created", res["id"])) == ATTEMPTS
    log = api.get(f"/v1/events/{evt_id}/deliveries").json()["data"]
    assert [a["attempt"] for a in log] == list(range(ATTEMPTS, 0, -1))
    assert "dead-letter" in log[0]["error"]

    # When the failed deliveries since a time are replayed
    replay = api.post(f"/v1/webhook_endpoints/{endpoint['id']}/replay", data={"since": since})
    assert replay.status_code == 200, replay.text
    assert replay.json()["events"] == [evt_id]
    assert (replay.json()["count"], replay.json()["remaining"], replay.json()["has_more"]) == (1, 0, False)
    # Then the event arrives again, same id, and succeeds
    got = receiver.wait_type("resource.created", res["id"], n=ATTEMPTS + 1)
    assert got[-1].header("webhook-id") == evt_id
    verify(got[-1], endpoint["secret"])
    log = api.get(f"/v1/events/{evt_id}/deliveries").json()["data"]
    assert log[0]["status"] == "succeeded" and log[0]["reason"] == "replay"
    # And a second replay finds nothing left to replay
    assert api.post(f"/v1/webhook_endpoints/{endpoint['id']}/replay", data={"since": since}).json()["count"] == 0


def test_resend_one_event_to_one_or_all_endpoints(api, receiver):
    a = make_endpoint(api, receiver, ["resource.created"])
    b = make_endpoint(api, receiver, ["resource.updated"])  # not subscribed to created
    res = api.post("/v1/resources", data={"name": "Resend", "type": "staging"}).json()
    (first,) = receiver.wait_type("resource.created", res["id"])
    evt_id = first.event["id"]
    # To all subscribed endpoints
    resp = api.post(f"/v1/events/{evt_id}/resend")
    assert resp.status_code == 200 and resp.json()["webhook_endpoints"] == [a["id"]]
    # To one named endpoint, even one not subscribed to the type
    resp = api.post(f"/v1/events/{evt_id}/resend", data={"webhook_endpoint": b["id"]})
    assert resp.status_code == 200, resp.text
    got = receiver.wait_type("resource.created", res["id"], n=3)
    assert {d.header("webhook-id") for d in got} == {evt_id}
    assert sorted(_verifies(d, a["secret"]) for d in got) == [False, True, True]
    assert sorted(_verifies(d, b["secret"]) for d in got) == [False, False, True]
    assert api.post("/v1/events/evt_00000000000000000000000a/resend").status_code == 404


def _verifies(d: Delivery, secret: str) -> bool:
    try:
        verify(d, secret)
        return True
    except WebhookVerificationError:
        return False


def test_events_list_filters_paginates_and_expires_after_30_days(api, receiver, clock_reset):
    make_endpoint(api, receiver, ["resource.created"])
    made = [api.post("/v1/resources", data={"name": f"Event {i}", "type": "staging"}).json() for i in range(3)]
    receiver.wait(lambda _: len(receiver.of_type("resource.created")) >= 3)
    created = api.get("/v1/events", params={"type": "resource.created"}).json()["data"]
    assert [e["data"]["object"]["id"] for e in created] == [r["id"] for r in reversed(made)]
    page1 = api.get("/v1/events", params={"type": "resource.created", "limit": 2}).json()
    assert page1["has_more"] is True and len(page1["data"]) == 2
    page2 = api.get(
        "/v1/events", params={"type": "resource.created", "limit": 2, "starting_after": page1["data"][-1]["id"]}
    ).json()
    assert page2["has_more"] is False and [e["id"] for e in page2["data"]] == [created[2]["id"]]
    back = api.get("/v1/events", params={"type": "resource.created", "ending_before": created[2]["id"]}).json()
    assert [e["id"] for e in back["data"]] == [created[0]["id"], created[1]["id"]]
    one = api.get(f"/v1/events/{created[0]['id']}")
    assert one.status_code == 200 and one.json() == created[0]
    assert api.get("/v1/events", params={"type": "nope.nope"}).json()["error"]["param"] == "type"
    assert api.get("/v1/events", params={"starting_after": made[0]["id"]}).json()["error"]["param"] == "starting_after"
    assert api.get("/v1/events/evt_00000000000000000000000a").status_code == 404
    # After 30 days the events are gone, whether or not TTL removed them yet
    clock_reset.advance_clock(30 * 86_400 + 5)
    assert api.get(f"/v1/events/{created[0]['id']}").status_code == 404
    assert api.get("/v1/events").json()["data"] == []
    assert api.get(f"/v1/events/{created[0]['id']}/deliveries").status_code == 404


def test_endpoint_crud_and_validation(api, receiver):
    ep = make_endpoint(api, receiver, ["resource.created", "resource.deleted"], description="Orders service")
    assert ep["object"] == "webhook_endpoint" and ep["status"] == "enabled" and ep["livemode"] is False
    assert ep["enabled_events"] == ["resource.created", "resource.deleted"]
    listed = api.get("/v1/webhook_endpoints").json()
    assert [e["id"] for e in listed["data"]] == [ep["id"]] and "secret" not in listed["data"][0]
    upd = api.patch(f"/v1/webhook_endpoints/{ep['id']}", json={"enabled_events": ["*"], "metadata": {"k": "v"}})
    assert upd.status_code == 200 and upd.json()["enabled_events"] == ["*"] and upd.json()["metadata"] == {"k": "v"}
    bad = api.post("/v1/webhook_endpoints", data={"url": receiver.url, "enabled_events[]": "resource.exploded"})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "enabled_events"
    missing = api.post("/v1/webhook_endpoints", data={"url": receiver.url})
    assert missing.json()["error"]["code"] == "parameter_missing"
    gone = api.delete(f"/v1/webhook_endpoints/{ep['id']}")
    assert gone.status_code == 200 and gone.json() == {"id": ep["id"], "object": "webhook_endpoint", "deleted": True}
    assert api.get(f"/v1/webhook_endpoints/{ep['id']}").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.5/hooks",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/",
        "http://192.168.1.10:8080/",
        "http://user:pass@127.0.0.1/",
        "ftp://127.0.0.1/",
    ],
)
def test_unsafe_urls_are_refused_even_locally(api, url):
    resp = api.post("/v1/webhook_endpoints", data={"url": url, "enabled_events[]": "*"})
    assert resp.status_code == 400, resp.text
    err = resp.json()["error"]
    assert err["code"] == "webhook_url_invalid" and err["param"] == "url"


def test_api_key_query_parameter_on_webhook_routes_only(cloud, api, receiver):
    key = api.headers["Authorization"].split()[1]
    anon = requests.Session()
    # Accepted on webhook routes
    resp = anon.get(f"{cloud.url}/v1/events", params={"api_key": key}, timeout=10)
    assert resp.status_code == 200, resp.text
    resp = anon.post(
        f"{cloud.url}/v1/webhook_endpoints", params={"api_key": key}, data={"url": receiver.url, "enabled_events[]": "*"}, timeout=10
    )
    assert resp.status_code == 201, resp.text
    # A wrong query key is refused like a wrong header key
    resp = anon.get(f"{cloud.url}/v1/events", params={"api_key": "sk_test_nope"}, timeout=10)
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "api_key_invalid"
    # Refused elsewhere, with a clear error
    resp = api.get("/v1/resources", params={"api_key": key})
    assert resp.status_code == 401, resp.text
    assert resp.json()["error"]["code"] == "api_key_query_not_allowed"
    # (without a header, API Gateway itself answers 401 before any function runs)
    resp = anon.get(f"{cloud.url}/v1/resources", params={"api_key": key}, timeout=10)
    assert resp.status_code == 401
