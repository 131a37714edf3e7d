"""The asynchronous half of the API in-process, for fault injection: the table's stream
feeding the stream processor, the delivery queue feeding the delivery function, a real
webhook receiver on 127.0.0.1, and (optionally) the provisioning state machine, all on
in-process moto (test_webhook_faults.py, test_provisioning_faults.py).

What Lambda's event source mappings do is done here, step by step, as
localcloud/pollers.py does it in the local cloud, so a test can stop anywhere:

- `StreamSource.pump()`: new stream records to the stream processor, 100 at a time. A
  record reported failed is retried from that record; a function that raises or dies
  gets its whole batch again.
- `DeliveryQueue.run()`: SQS messages to the delivery function, 10 at a time. Messages
  it does not report failed are deleted; a failed one comes back when the visibility
  timeout the function gave it runs out (the queue's own, 6 minutes, if it gave none or
  died); the queue's redrive policy moves it to the DLQ after the last attempt. Time is
  the functions' clock (`resource_api.core.clock`): when nothing is visible, the queue jumps
  the clock to the next retry, so three days of retries take a second. (The harness
  holds received messages in moto for real and makes them visible when the virtual
  clock says so: moto's SQS runs on the wall clock, and refuses a 12-hour visibility
  12 hours after a message was *sent*, where SQS counts from its receive.)

Faults (`Injector`) are botocore hooks on the clients the functions use (the same
technique as test_faults.py): an error answer, an answer lost after the call took
effect, or the function dying (`Died`, which no `except Exception` catches) just before
or just after a call.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
import standardwebhooks.webhooks
from botocore.exceptions import ReadTimeoutError
from moto import mock_aws
from standardwebhooks import Webhook, WebhookVerificationError

from localcloud import lambda_runtime
from localcloud.motoserver import keep_stream_on_rollback
from localcloud.pollers import _sqs_record, _stream_record
from resource_api.core import accounts, clock, db, table
from resource_api.resources import provisioning
from resource_api.events import queues
from resource_api.webhooks import domain as webhook_endpoints
from resource_api.core.accounts import Principal
from resource_api.frame.request import RequestContext
from resource_api.webhooks.models import WebhookEndpointCreate

from . import apigw


class Died(BaseException):
    """The function's sandbox died at this point (a crash, its timeout, out of memory):
    nothing after it ran and the invocation gave no answer. A BaseException, so that no
    `except Exception` in the function can catch it."""


# --- fault injection on the functions' AWS clients -----------------------------------------


class Http:
    """The HTTP response a botocore before-call hook answers with instead of AWS."""

    def __init__(self, status: int) -> None:
        self.status_code = status
        self.headers: dict[str, str] = {}
        self.content = b""
        self.text = ""


def aws_error(code: str, status: int, **extra: Any) -> tuple[Http, dict[str, Any]]:
    """An injected AWS error answer (code, HTTP status, extra parsed fields)."""
    parsed = {"Error": {"Code": code, "Message": f"injected {code}"}, "ResponseMetadata": {"HTTPStatusCode": status}}
    parsed.update(extra)
    return Http(status), parsed


# kind -> when it strikes. "before": instead of the call (nothing happened); "after": the
# call took effect, then the function never learns it (its answer is lost, or it died).
KINDS: dict[str, str] = {
    "throttling": "before",
    "timeout_after_call": "after",
    "died_before_call": "before",
    "died_after_call": "after",
}
# Calls with an effect: "after" faults are injected on these only (a lost read is a failed read).
EFFECTS = {
    "dynamodb.PutItem", "dynamodb.UpdateItem", "dynamodb.DeleteItem", "dynamodb.TransactWriteItems",
    "dynamodb.BatchWriteItem", "sqs.SendMessage", "sqs.SendMessageBatch", "sqs.ChangeMessageVisibility",
    "sqs.ChangeMessageVisibilityBatch", "sqs.DeleteMessage",
    "stepfunctions.StartExecution", "stepfunctions.StopExecution",
}


def kinds_for(call: str) -> list[str]:
    return [k for k, when in KINDS.items() if when == "before" or call in EFFECTS]


@dataclass
class Injector:
    """Counts the AWS calls the functions make while `armed` (in every thread, across
    the clients it is installed on) and strikes call number `at` with `kind`."""

    at: int | None = None
    kind: str | None = None
    armed: bool = False
    calls: list[str] = field(default_factory=list)
    fired: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def install(self, client: Any) -> None:
        # first in line, so the fault wins over any other before-call answer (DeliveryQueue's)
        client.meta.events.register_first("before-call", self._before, unique_id="pipeline-fault-before")
        client.meta.events.register_first("after-call", self._after, unique_id="pipeline-fault-after")

    def uninstall(self, client: Any) -> None:
        client.meta.events.unregister("before-call", unique_id="pipeline-fault-before")
        client.meta.events.unregister("after-call", unique_id="pipeline-fault-after")

    def arm(self, at: int | None = None, kind: str | None = None) -> None:
        with self.lock:
            self.at, self.kind, self.fired, self.armed = at, kind, False, True
            self.calls.clear()

    def disarm(self) -> None:
        with self.lock:
            self.armed = False

    @contextmanager
    def armed_for(self, at: int | None = None, kind: str | None = None) -> Iterator[Injector]:
        self.arm(at, kind)
        try:
            yield self
        finally:
            self.disarm()

    def _before(self, model: Any, context: dict[str, Any], **_: Any) -> Any:
        with self.lock:
            if not self.armed:
                return None
            self.calls.append(f"{model.service_model.service_name}.{model.name}")
            index = len(self.calls) - 1
            context["pipeline_fault_index"] = index
            strike = index == self.at and KINDS[self.kind or ""] == "before"
            if strike:
                self.fired = True
        if not strike:
            return None
        if self.kind == "died_before_call":
            raise Died(f"died before {self.calls[index]}")
        code = "ThrottlingException"
        return aws_error(code, 400)

    def _after(self, context: dict[str, Any], **_: Any) -> None:
        index = context.get("pipeline_fault_index")
        with self.lock:
            strike = self.armed and index is not None and index == self.at
            strike = strike and KINDS[self.kind or ""] == "after"
            if strike:
                self.fired = True
        if not strike:
            return
        if self.kind == "died_after_call":
            raise Died(f"died after {self.calls[index]}")
        raise ReadTimeoutError(endpoint_url="https://aws.injected")


# --- the DynamoDB stream -> the stream processor -------------------------------------------------


class StreamSource:
    """The stream processor's event source mapping (as localcloud.pollers.StreamPoller,
    without the thread): ReportBatchItemFailures; a function that raises or dies gets the
    same batch again."""

    BATCH_SIZE = 100

    def __init__(self) -> None:
        self.streams = boto3.client("dynamodbstreams")
        self.arn = boto3.client("dynamodb").describe_table(TableName=db.table())["Table"]["LatestStreamArn"]
        self.iterators: dict[str, str] = {}
        self.invocations = 0
        self.retries = 0
        self.between_retries: Any = None  # called before a batch is retried (the mapping's back-off)
        self.after_batch: Any = None  # called after each batch the function took

    def _iterator(self, shard: str) -> str:
        if shard not in self.iterators:
            self.iterators[shard] = self.streams.get_shard_iterator(
                StreamArn=self.arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
        return self.iterators[shard]

    def skip(self) -> None:
        """Start after every record so far (what earlier tests wrote is theirs)."""
        for shard in self.streams.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"]:
            sid = shard["ShardId"]
            while True:
                resp = self.streams.get_records(ShardIterator=self._iterator(sid), Limit=1000)
                self.iterators[sid] = resp.get("NextShardIterator") or self.iterators[sid]
                if not resp.get("Records"):
                    break

    def pump(self, max_retries: int = 25) -> int:
        """Hand every new record to the stream processor until it took them all; the
        number of records."""
        taken = 0
        for shard in self.streams.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"]:
            sid, retries = shard["ShardId"], 0
            while True:
                resp = self.streams.get_records(ShardIterator=self._iterator(sid), Limit=self.BATCH_SIZE)
                records = resp.get("Records", [])
                if not records:
                    self.iterators[sid] = resp.get("NextShardIterator") or self.iterators[sid]
                    break
                self.invocations += 1
                try:
                    event = {"Records": [_stream_record(r, self.arn) for r in records]}
                    result = lambda_runtime.invoke("stream_processor", event)
                    failures = (result or {}).get("batchItemFailures") or []
                except (Exception, Died):
                    failures = [{"itemIdentifier": records[0]["dynamodb"]["SequenceNumber"]}]
                if not failures:
                    self.iterators[sid] = resp["NextShardIterator"]
                    taken += len(records)
                    if self.after_batch:
                        self.after_batch()
                    continue
                retries += 1
                self.retries += 1
                assert retries <= max_retries, f"the stream processor keeps failing: {failures}"
                if self.between_retries:
                    self.between_retries()
                self.iterators[sid] = self.streams.get_shard_iterator(
                    StreamArn=self.arn,
                    ShardId=sid,
                    ShardIteratorType="AT_SEQUENCE_NUMBER",
                    SequenceNumber=failures[0]["itemIdentifier"],
                )["ShardIterator"]
        return taken


# --- the delivery queue -> the delivery function, on the functions' clock -----------------------


HIDDEN_S = 43_000  # how long a received message stays hidden in moto; the harness shows it again
NOTE_VISIBILITY = "before-parameter-build.sqs.ChangeMessageVisibility"
NOTE_VISIBILITY_BATCH = "before-parameter-build.sqs.ChangeMessageVisibilityBatch"


def queue_arn(sqs: Any, url: str) -> str:
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


class DeliveryQueue:
    """The delivery function's event source mapping on a virtual clock (module doc)."""

    def __init__(self, url: str, dlq_url: str) -> None:
        self.url, self.dlq_url = url, dlq_url
        self.sqs = boto3.client("sqs")
        self.arn = queue_arn(self.sqs, url)
        # message id -> (the clock's time it is visible again, its receipt handle)
        self.due: dict[str, tuple[float, str]] = {}
        self.asked: dict[str, int] = {}  # receipt handle -> the visibility timeout the function set
        self.invocations = 0
        # per invocation that died: the (event, endpoint) of its messages
        self.deaths: list[list[tuple[str, str]]] = []

    # The functions' ChangeMessageVisibility(Batch) is noted here and answered OK (moto never sees it).
    def install(self, client: Any) -> None:
        client.meta.events.register(NOTE_VISIBILITY, self._note, unique_id="vq-note")
        client.meta.events.register(NOTE_VISIBILITY_BATCH, self._note_batch, unique_id="vq-note-batch")
        # on every call, last in line (botocore calls more specific handlers first): a
        # fault the Injector answers with wins
        client.meta.events.register_last("before-call", self._answer, unique_id="vq-answer")

    def uninstall(self, client: Any) -> None:
        client.meta.events.unregister(NOTE_VISIBILITY, unique_id="vq-note")
        client.meta.events.unregister(NOTE_VISIBILITY_BATCH, unique_id="vq-note-batch")
        client.meta.events.unregister("before-call", unique_id="vq-answer")

    def _note(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["visibility"] = (params["ReceiptHandle"], int(params["VisibilityTimeout"]))

    def _note_batch(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["visibility_batch"] = [(e["Id"], e["ReceiptHandle"], int(e["VisibilityTimeout"])) for e in params["Entries"]]

    def _answer(self, context: dict[str, Any], **_: Any) -> Any:
        if "visibility_batch" in context:
            for _id, handle, seconds in context["visibility_batch"]:
                self.asked[handle] = seconds
            ok = [{"Id": i} for i, _, _ in context["visibility_batch"]]
            return Http(200), {"Successful": ok, "Failed": [], "ResponseMetadata": {"HTTPStatusCode": 200}}
        if "visibility" not in context:
            return None
        handle, seconds = context["visibility"]
        self.asked[handle] = seconds
        return Http(200), {"ResponseMetadata": {"HTTPStatusCode": 200}}

    def step(self) -> bool:
        """One invocation with what is visible now; False if nothing is."""
        messages = self.sqs.receive_message(
            QueueUrl=self.url, MaxNumberOfMessages=queues.BATCH_SIZE, AttributeNames=["All"],
            MessageAttributeNames=["All"], VisibilityTimeout=HIDDEN_S, WaitTimeSeconds=0,
        ).get("Messages", [])
        if not messages:
            return False
        self.invocations += 1
        region = self.arn.split(":")[3]
        try:
            event = {"Records": [_sqs_record(m, self.arn, region) for m in messages]}
            result = lambda_runtime.invoke("webhook_delivery", event)
            failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures") or []}
        except (Exception, Died):
            bodies = [json.loads(m["Body"]) for m in messages]
            self.deaths.append([(b["event"], b["webhook_endpoint"]) for b in bodies])
            failed = {m["MessageId"] for m in messages}  # no answer: nothing is deleted
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self.sqs.delete_message_batch(
                QueueUrl=self.url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        now = clock.now()
        for m in messages:
            if m["MessageId"] in failed:
                seconds = self.asked.pop(m["ReceiptHandle"], queues.VISIBILITY_TIMEOUT_S)
                self.due[m["MessageId"]] = (now + seconds, m["ReceiptHandle"])
        return True

    def _show(self) -> None:
        now = clock.now()
        for mid, (when, handle) in list(self.due.items()):
            if when <= now:
                self.sqs.change_message_visibility(
                    QueueUrl=self.url, ReceiptHandle=handle, VisibilityTimeout=0
                )
                del self.due[mid]

    def run(self, until: float | None = None, max_invocations: int = 5000) -> None:
        """Deliver until nothing is left to deliver (or the clock reaches `until`, where it
        is then left): whenever nothing is visible, the clock jumps to the next retry."""
        start = self.invocations
        while self.invocations - start < max_invocations:
            self._show()
            if self.step():
                continue
            upcoming = [when for when, _ in self.due.values()]
            if not upcoming or (until is not None and min(upcoming) > until):
                break
            clock.set_offset(clock.offset() + max(0.0, min(upcoming) - clock.now()))
        else:
            raise AssertionError("the delivery queue never drained")
        if until is not None and clock.now() < until:
            clock.set_offset(clock.offset() + until - clock.now())

    def advance(self, seconds: float) -> None:
        """Let `seconds` pass on the clock, delivering whatever falls due meanwhile."""
        self.run(until=clock.now() + seconds)

    def purge(self) -> None:
        """Drop whatever is left (what a failed test left behind)."""
        for _, handle in self.due.values():
            self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=handle)
        self.due.clear()
        self.asked.clear()
        while got := self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10).get("Messages", []):
            for m in got:
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=m["ReceiptHandle"])

    def dead_letters(self) -> list[dict[str, Any]]:
        out = []
        while True:
            got = self.sqs.receive_message(
                QueueUrl=self.dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=HIDDEN_S
            ).get("Messages", [])
            if not got:
                return out
            out += [json.loads(m["Body"]) for m in got]


# --- a webhook receiver on 127.0.0.1 ------------------------------------------------------------


class _VirtualDatetime(datetime):
    """What `standardwebhooks` sees as now: the functions' clock (the receiver lives in
    the same world: when three days pass for the API, they pass for it too)."""

    @classmethod
    def now(cls, tz=None):  # type: ignore[override]
        return datetime.fromtimestamp(clock.now(), tz or timezone.utc)


@dataclass
class Got:
    path: str
    webhook_id: str
    body: bytes
    at: float  # the clock's time of arrival
    status: int  # what the receiver answered
    error: str | None  # why standardwebhooks refused it, if it did

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)


class Receiver:
    """A real HTTP server on 127.0.0.1 that checks every delivery with the
    `standardwebhooks` library as it arrives (200 if it verifies, 400 if not), the way
    a user's receiver does; `failing[path] = n` answers the next n requests there 503.
    `down()` stops listening (connections are refused); `up()` listens on the same port
    again."""

    def __init__(self) -> None:
        self.secrets: dict[str, str] = {}  # path -> the endpoint's secret
        self.failing: dict[str, int] = {}  # path -> how many more requests to answer 503
        self.got: list[Got] = []
        self.lock = threading.Lock()
        self.port = 0
        self.server: ThreadingHTTPServer | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def up(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = dict(self.headers.items())
                secret = receiver.secrets.get(self.path)
                error = None
                try:
                    if secret is None:
                        raise WebhookVerificationError("no endpoint at this path")
                    Webhook(secret).verify(body, headers)
                except WebhookVerificationError as exc:
                    error = str(exc)
                with receiver.lock:
                    status = 400 if error else 200
                    if status == 200 and receiver.failing.get(self.path, 0) > 0:
                        receiver.failing[self.path] -= 1
                        status = 503
                    got = Got(self.path, headers.get("webhook-id", ""), body, clock.now(), status, error)
                    receiver.got.append(got)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def of(self, path: str) -> list[Got]:
        with self.lock:
            return [g for g in self.got if g.path == "/" + path.lstrip("/")]


# --- the world ------------------------------------------------------------------------------------


@dataclass
class World:
    injector: Injector
    stream: StreamSource
    queue: DeliveryQueue
    receiver: Receiver
    sfn: Any = None  # the stream processor's Step Functions client (faults are injected on it)
    machine: str | None = None
    observer: Any = None  # the harness's own Step Functions client

    def principal(self, plan: str = "enterprise") -> Principal:
        account = accounts.create_account(plan=plan)
        return Principal(account_id=account["id"], mode="test", key_id="key_pipeline", plan=plan)

    def endpoint(self, p: Principal, name: str, events: list[str]) -> dict[str, Any]:
        """A webhook endpoint of `p` pointing at the receiver's /<name>."""
        params = WebhookEndpointCreate(url=self.receiver.url(name), enabled_events=events)
        made = webhook_endpoints.create(ctx(p), params)
        self.receiver.secrets["/" + name] = made["secret"]
        return made


def ctx(p: Principal) -> RequestContext:
    """A request of `p` (the tests write through resource_api, as the route functions do)."""
    return RequestContext(principal=p, request_id="req_" + uuid.uuid4().hex)


@contextmanager
def world(*, with_provisioning: bool = False) -> Iterator[World]:
    """In-process moto with the table (and its stream), the delivery queue and its DLQ,
    and with_provisioning the provisioning state machine executing for real (steps
    without waits); the functions' clients carry the fault injector."""
    config = {"stepfunctions": {"execute_state_machine": True}} if with_provisioning else None
    keep_stream_on_rollback()
    with pytest.MonkeyPatch.context() as mp, mock_aws(config=config):  # type: ignore[arg-type]
        mp.setenv("STAGE", "local")  # http to 127.0.0.1 is allowed, as in the local cloud
        mp.delenv(queues.SCHEDULE_ENV, raising=False)  # the deployed retry schedule: ~3 days
        mp.setattr(standardwebhooks.webhooks, "datetime", _VirtualDatetime)
        boto3.client("dynamodb").create_table(**table.create_table_request())
        sqs = boto3.client("sqs")
        dlq_request, queue_request = queues.create_queue_requests("pipeline-webhooks")
        dlq_url = sqs.create_queue(**dlq_request)["QueueUrl"]
        queue_request["Attributes"]["RedrivePolicy"] = queues.redrive_policy(queue_arn(sqs, dlq_url))
        url = sqs.create_queue(**queue_request)["QueueUrl"]
        mp.setenv(queues.QUEUE_URL_ENV, url)
        clients = {"dynamodb": db.aws_client("dynamodb"), "sqs": db.aws_client("sqs")}
        db.set_client(clients["dynamodb"])
        queues.set_client(clients["sqs"])
        sfn = machine = None
        if with_provisioning:
            from infra import statemachines

            sfn = clients["stepfunctions"] = db.aws_client("stepfunctions")
            machine = sfn.create_state_machine(
                name="resource-api-provisioning",
                definition=statemachines.render(TableName=table.table_name()),
                roleArn="arn:aws:iam::123456789012:role/provisioning",
            )["stateMachineArn"]
            mp.setenv(provisioning.STATE_MACHINE_ARN_ENV, machine)
            mp.setenv(provisioning.STEP_SECONDS_ENV, "0")
            provisioning.set_client(sfn)
        else:
            mp.delenv(provisioning.STATE_MACHINE_ARN_ENV, raising=False)
        injector = Injector()
        for client in clients.values():
            injector.install(client)
        queue = DeliveryQueue(url, dlq_url)
        queue.install(clients["sqs"])
        receiver = Receiver()
        receiver.up()
        w = World(injector, StreamSource(), queue, receiver, sfn, machine, boto3.client("stepfunctions"))
        try:
            yield w
        finally:
            receiver.down()
            clock.freeze(False)
            clock.set_offset(0)
            db.set_client(None)
            queues.set_client(None)
            provisioning.set_client(None)


# --- what a user would check ----------------------------------------------------------------------


def stored_events(p: Principal) -> list[dict[str, Any]]:
    """Every event of the account, as GET /v1/events lists them (oldest first)."""
    out: list[dict[str, Any]] = []
    query: dict[str, str] = {"limit": "100"}
    while True:
        page = apigw.invoke(p, "GET", "/v1/events", query=query)
        assert page.status == 200, page
        out += page.body["data"]
        if not page.body["has_more"]:
            return list(reversed(out))
        query = {"limit": "100", "starting_after": page.body["data"][-1]["id"]}


def deliveries_of(p: Principal, evt_id: str) -> list[dict[str, Any]]:
    """The delivery log of an event, oldest first."""
    page = apigw.invoke(p, "GET", f"/v1/events/{evt_id}/deliveries", query={"limit": "100"})
    assert page.status == 200, page
    return list(reversed(page.body["data"]))


def subscribed(events: list[str], event_type: str) -> bool:
    return "*" in events or event_type in events


@dataclass
class Check:
    events: int = 0  # events that had to arrive (per endpoint)
    deliveries: int = 0  # deliveries the receiver accepted
    duplicates: int = 0  # accepted deliveries beyond the first per event and endpoint (same id, same bytes)


def assert_all_delivered(p: Principal, receiver: Receiver, endpoints: dict[str, list[str]]) -> Check:
    """Every event of the account was accepted (answered 200) by every endpoint (path ->
    enabled events) subscribed to it; every request verified with standardwebhooks at
    its arrival; repeats carry the same id and the same bytes as the stored event;
    nothing else arrived. Duplicates: accepted deliveries beyond the first of an event."""
    check = Check()
    stored = {e["id"]: e for e in stored_events(p)}
    for path, enabled in endpoints.items():
        want = {i for i, e in stored.items() if subscribed(enabled, e["type"])}
        every = receiver.of(path)
        refused = [(g.webhook_id, g.error) for g in every if g.error]
        assert not refused, f"/{path}: deliveries that did not verify: {refused}"
        got = [g for g in every if g.status == 200]
        by_id: dict[str, list[Got]] = defaultdict(list)
        for g in every:
            by_id[g.webhook_id].append(g)
        accepted = {g.webhook_id for g in got}
        unaccepted = sorted((set(by_id) & want) - accepted)
        assert not unaccepted, f"/{path}: events that reached it but were never accepted: {unaccepted}"
        missing = sorted(want - set(by_id))
        assert not missing, f"/{path}: events never delivered: {[(i, stored[i]['type']) for i in missing]}"
        assert set(by_id) <= want, f"/{path}: deliveries of no event of its: {sorted(set(by_id) - want)}"
        for evt_id, copies in by_id.items():
            for g in copies:
                assert g.event == stored[evt_id], f"/{path}: {evt_id} is not the stored event"
                assert g.body == copies[0].body, f"/{path}: {evt_id} changed between deliveries"
        check.events += len(want)
        check.deliveries += len(got)
        check.duplicates += len(got) - len(accepted)
    return check


def event_types(p: Principal) -> Counter[str]:
    return Counter(e["type"] for e in stored_events(p))


def wait(predicate: Any, timeout: float = 30.0, interval: float = 0.02) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


# --- provisioning --------------------------------------------------------------------------------


TRANSACT = "dynamodb.TransactWriteItems"


class StepFault:
    """DynamoDB answers one provisioning step's transaction (its ClientRequestToken ends
    in -<step number>) with ProvisionedThroughputExceededException, as it does when it
    throttles, for the next `times` calls. It sits on the botocore session that moto's
    Step Functions interpreter makes its clients from (tests/unit/test_provisioning.py's
    Throttle), so the error goes through the state machine's own Retry and Catch."""

    def __init__(self, step: int, times: int) -> None:
        self.suffix, self.times, self.calls = f"-{step}", times, 0
        self.events = boto3._get_default_session().events

    def _mark(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        if str(params.get("ClientRequestToken", "")).endswith(self.suffix):
            context["step_fault"] = True

    def _answer(self, context: dict[str, Any], **_: Any) -> Any:
        if not context.get("step_fault"):
            return None
        self.calls += 1
        if self.calls > self.times:
            return None
        from botocore.awsrequest import AWSResponse

        http = AWSResponse("https://dynamodb", 400, {}, None)
        error = {
            "Code": "ProvisionedThroughputExceededException",
            "Message": "Rate of requests exceeds the allowed throughput.",
        }
        return http, {"Error": error, "ResponseMetadata": {"HTTPStatusCode": 400, "RequestId": "INJECTED"}}

    def __enter__(self) -> StepFault:
        self.events.register(f"before-parameter-build.{TRANSACT}", self._mark, unique_id="step-fault-mark")
        self.events.register(f"before-call.{TRANSACT}", self._answer, unique_id="step-fault-answer")
        return self

    def __exit__(self, *exc: Any) -> None:
        self.events.unregister(f"before-parameter-build.{TRANSACT}", unique_id="step-fault-mark")
        self.events.unregister(f"before-call.{TRANSACT}", unique_id="step-fault-answer")


@contextmanager
def quick_retries(factor: float = 0.05) -> Iterator[None]:
    """The state machine's Retry waits (up to 1, 2 and 4 s of full jitter) shortened in
    moto's interpreter: these tests count retries and outcomes; the unit tests keep
    the real waits."""
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

    class _Time:
        def __getattr__(self, name: str) -> Any:
            return getattr(time, name)

        @staticmethod
        def sleep(seconds: float) -> None:
            time.sleep(seconds * factor)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(retrier_decl, "time", _Time())
        yield


def executions(w: World, resource_id: str | None = None) -> list[dict[str, Any]]:
    out, token = [], None
    while True:
        more = {"nextToken": token} if token else {}
        page = w.observer.list_executions(stateMachineArn=w.machine, **more)
        out += [e for e in page["executions"] if resource_id is None or e["name"] == resource_id]
        token = page.get("nextToken")
        if not token:
            return out


def settle(w: World, timeout: float = 60.0) -> None:
    """Wait until no provisioning execution runs. (moto's DynamoDB is not safe under
    concurrent transactions, so the harness lets an execution finish before the stream
    processor writes again: the event source mapping's back-off, made long enough.)"""
    running = lambda: [e for e in executions(w) if e["status"] == "RUNNING"]  # noqa: E731
    assert wait(lambda: not running(), timeout), f"an execution never ended: {running()}"
