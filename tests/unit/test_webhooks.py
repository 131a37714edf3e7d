"""Events and webhooks at unit level, on in-process moto (DynamoDB with its stream, SQS):
the SSRF guard in a production configuration, the outbox guarantees (an aborted write
emits nothing, a batch processed twice makes no duplicates), the retry schedule and
the partial batch answer of the delivery function."""

from __future__ import annotations

import json
import random

import pytest
from standardwebhooks import Webhook

from resource_api.core import db, keys
from resource_api.events import attempts, deliveries, drafts, queues
from resource_api.events import domain as events
from resource_api.webhooks import signing, urlguard, domain as webhook_endpoints
from resource_api import stream
from resource_api.core.errors import ApiError
from resource_api.resources.models import ResourceCreate, ResourceUpdate
from resource_api.webhooks.models import WebhookEndpointCreate

PROD = urlguard.Policy(frozenset({"https"}), allow_loopback=False)


def public(host: str, port: int) -> list[str]:
    return ["93.184.216.34"]


# --- SSRF guard -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, why",
    [
        ("http://example.com/hooks", "https"),
        ("https://127.0.0.1/hooks", "loopback"),
        ("https://[::1]/hooks", "loopback"),
        ("https://localhost/hooks", "localhost"),
        ("https://10.1.2.3/", "private"),
        ("https://172.16.0.1/", "private"),
        ("https://192.168.0.1/", "private"),
        ("https://169.254.169.254/latest/meta-data/", "metadata"),
        ("https://[fd00:ec2::254]/", "metadata"),
        ("https://169.254.10.10/", "link-local"),
        ("https://[fe80::1]/", "link-local"),
        ("https://[fc00::1]/", "private"),
        ("https://[::ffff:127.0.0.1]/", "loopback"),
        ("https://[::ffff:169.254.169.254]/", "metadata"),
        ("https://[64:ff9b::a9fe:a9fe]/", "metadata"),  # NAT64 of 169.254.169.254
        ("https://100.64.0.1/", "not a public"),
        ("https://0.0.0.0/", "unspecified"),
        ("https://[::]/", "unspecified"),
        ("https://user:pw@example.com/", "credentials"),
    ],
)
def test_production_refuses_unsafe_urls(url, why):
    with pytest.raises(urlguard.UnsafeUrl, match=why):
        urlguard.check(url, PROD, public)


@pytest.mark.parametrize("answer", [["10.0.0.7"], ["93.184.216.34", "127.0.0.1"], ["169.254.169.254"], ["::1"]])
def test_production_refuses_names_resolving_to_unsafe_addresses(answer):
    # Any one unsafe address among the answers is enough to refuse
    with pytest.raises(urlguard.UnsafeUrl):
        urlguard.check("https://hooks.example.com/x", PROD, lambda h, p: answer)


def test_production_refuses_names_that_do_not_resolve():
    def nxdomain(host: str, port: int) -> list[str]:
        raise OSError("no such host")

    with pytest.raises(urlguard.UnsafeUrl, match="does not resolve"):
        urlguard.check("https://nowhere.example/", PROD, nxdomain)


def test_production_accepts_https_to_a_public_address_and_pins_it():
    target = urlguard.check("https://hooks.example.com:8443/in?x=1", PROD, public)
    assert (target.scheme, target.host, target.port, target.path, target.address) == (
        "https", "hooks.example.com", 8443, "/in?x=1", "93.184.216.34",
    )


def test_the_local_cloud_allows_http_to_loopback_only():
    local = urlguard.Policy(frozenset({"http", "https"}), allow_loopback=True)
    assert urlguard.check("http://127.0.0.1:9000/hooks", local).address == "127.0.0.1"
    with pytest.raises(urlguard.UnsafeUrl):
        urlguard.check("http://192.168.1.1/", local)


def test_policy_follows_the_stage(monkeypatch):
    monkeypatch.delenv("STAGE", raising=False)
    assert urlguard.Policy.current() == PROD  # deployed (and unknown) stages are strict
    monkeypatch.setenv("STAGE", "production")
    assert urlguard.Policy.current() == PROD
    monkeypatch.setenv("STAGE", "local")
    assert urlguard.Policy.current().allow_loopback


def test_creating_an_endpoint_refuses_a_private_url_in_production(ctx, monkeypatch):
    monkeypatch.setenv("STAGE", "production")
    with pytest.raises(ApiError) as exc:
        webhook_endpoints.create(
            ctx, WebhookEndpointCreate(url="https://10.0.0.1/hooks", enabled_events=["*"])
        )
    assert exc.value.code == "webhook_url_invalid" and exc.value.param == "url"


# --- the pipeline on moto -----------------------------------------------------------------


@pytest.fixture
def queue(aws, monkeypatch):
    import boto3

    sqs = boto3.client("sqs")
    dlq_request, queue_request = queues.create_queue_requests("unit-webhooks")
    dlq_url = sqs.create_queue(**dlq_request)["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queue_request["Attributes"]["RedrivePolicy"] = queues.redrive_policy(dlq_arn)
    url = sqs.create_queue(**queue_request)["QueueUrl"]
    monkeypatch.setenv(queues.QUEUE_URL_ENV, url)
    monkeypatch.setenv("STAGE", "local")
    queues.set_client(sqs)
    yield sqs
    queues.set_client(None)


def stream_records() -> list[dict]:
    """Every record of the table's stream so far, as Lambda would hand them over."""
    import boto3

    from localcloud.pollers import _stream_record
    from resource_api.core import db

    arn = db.client().describe_table(TableName=db.table())["Table"]["LatestStreamArn"]
    streams = boto3.client("dynamodbstreams")
    out = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")[
            "ShardIterator"
        ]
        while it:
            resp = streams.get_records(ShardIterator=it)
            if not resp["Records"]:
                break
            out += [_stream_record(r, arn) for r in resp["Records"]]
            it = resp.get("NextShardIterator")
    return out


def drain(sqs) -> list[dict]:
    msgs = []
    while True:
        got = sqs.receive_message(QueueUrl=queues.queue_url(), MaxNumberOfMessages=10, VisibilityTimeout=600).get(
            "Messages", []
        )
        if not got:
            return msgs
        msgs += [json.loads(m["Body"]) for m in got]


def stored_events(ctx) -> list[dict]:
    from resource_api.events.models import EventListParams

    return events.list_(ctx, EventListParams(limit=100))["data"]


def test_an_aborted_write_emits_nothing(ctx, queue):
    from resource_api.resources import domain as resources
    from tests.reliability.pipeline import aws_error

    webhook_endpoints.create(ctx, WebhookEndpointCreate(url="http://127.0.0.1:9/hooks", enabled_events=["*"]))
    res = resources.create(ctx, ResourceCreate(name="Kept", type="staging"))
    stream.handle_batch(stream_records())
    before = {e["id"] for e in stored_events(ctx)}
    assert len(before) == 1  # resource.created
    seen = len(stream_records())
    drain(queue)
    # When every write of an update loses its version condition at DynamoDB (another
    # writer keeps getting there first: the table cancels it, as the fault suite's hook answers)
    cancelled: list[str] = []

    def lose_the_race(model, **_):  # noqa: ANN001, ANN202
        if model.name in ("TransactWriteItems", "UpdateItem", "PutItem"):
            cancelled.append(model.name)
            if model.name == "TransactWriteItems":
                return aws_error("TransactionCanceledException", 400,
                                 CancellationReasons=[{"Code": "ConditionalCheckFailed"}, {"Code": "None"}])
            return aws_error("ConditionalCheckFailedException", 400)
        return None

    events_ = db.client().meta.events
    events_.register("before-call.dynamodb", lose_the_race, unique_id="lose-the-race")
    try:
        with pytest.raises(ApiError) as exc:
            resources.update(ctx, res["id"], ResourceUpdate(name="Never written"))
    finally:
        events_.unregister("before-call.dynamodb", unique_id="lose-the-race")
    assert cancelled and exc.value.code in {"resource_conflict", "precondition_failed"}
    # Then the stream has nothing new, so no event and no message exist for it
    new_records = stream_records()[seen:]
    assert new_records == []
    stream.handle_batch(stream_records())
    assert {e["id"] for e in stored_events(ctx)} == before
    assert drain(queue) == []


def test_a_batch_processed_twice_yields_no_duplicate_events_or_messages(ctx, queue):
    from resource_api.resources import domain as resources

    webhook_endpoints.create(ctx, WebhookEndpointCreate(url="http://127.0.0.1:9/a", enabled_events=["*"]))
    webhook_endpoints.create(ctx, WebhookEndpointCreate(url="http://127.0.0.1:9/b", enabled_events=["resource.deleted"]))
    res = resources.create(ctx, ResourceCreate(name="Twice", type="staging"))
    resources.update(ctx, res["id"], ResourceUpdate(name="Twice Renamed", metadata={"a": "b"}))
    resources.delete(ctx, res["id"])
    records = stream_records()
    # When the same batch is processed twice (Lambda retries a batch after a failure)
    assert stream.handle_batch(records) == {"batchItemFailures": []}
    first = stored_events(ctx)
    assert stream.handle_batch(records) == {"batchItemFailures": []}
    second = stored_events(ctx)
    # Then the events are the same, once each
    assert [e["id"] for e in second] == [e["id"] for e in first]
    assert len({e["id"] for e in second}) == len(second) == 3
    assert sorted(e["type"] for e in second) == ["resource.created", "resource.deleted", "resource.updated"]
    # And each was fanned out once: created/updated to one endpoint, deleted to both
    messages = drain(queue)
    assert len(messages) == 4
    assert len({(m["event"], m["webhook_endpoint"]) for m in messages}) == 4


def test_the_stream_filter_drops_only_records_no_subscriber_acts_on(ctx, queue):
    """The event source mapping's filter (stream.FILTERS, applied locally by the poller):
    every record that makes an event or starts provisioning passes; the rest do not."""
    from resource_api.core import accounts
    from resource_api.frame import key_limits
    from resource_api.resources import domain as resources

    endpoint = webhook_endpoints.create(ctx, WebhookEndpointCreate(url="http://127.0.0.1:9/f", enabled_events=["*"]))
    res = resources.create(ctx, ResourceCreate(name="Filtered", type="staging"))
    resources.update(ctx, res["id"], ResourceUpdate(name="Filtered Renamed"))
    resources.delete(ctx, res["id"])
    for _ in range(3):
        key_limits.hit(accounts.Principal(ctx.account_id, "test", "key_filter", "free"))
    stream.handle_batch(stream_records())  # stores the events: their items are records too
    stored = db.from_item(
        db.client().get_item(TableName=db.table(), Key=db.to_item(keys.webhook_endpoint(ctx.account_id, ctx.mode, endpoint["id"])))["Item"]
    )
    assert webhook_endpoints.disable(stored, "gone")
    records = stream_records()
    acted, dropped = [], []
    for record in records:
        change = stream.Change.from_record(record)
        acts = bool(events.drafts(change)) or (
            change.name == "INSERT" and change.entity == "resource" and (change.new or {}).get("status") == "pending"
        )
        # Then no record a subscriber acts on is dropped
        assert stream.accepts(record) or not acts, (change.name, change.entity)
        if acts:
            acted.append((change.name, change.entity))
        if not stream.accepts(record):
            dropped.append(change.entity)
    # (what they act on here: the resource's three changes and the system disable)
    assert sorted(acted) == [("INSERT", "resource"), ("MODIFY", "resource"), ("MODIFY", "webhook_endpoint"),
                             ("REMOVE", "resource")]
    # And the bookkeeping is dropped: rate-limit counters (no entity), the events
    # themselves, the deletion tombstone
    assert {None, "event", "resource_deletion"} <= set(dropped)
    assert len(dropped) > len(records) // 2


def test_a_half_done_fan_out_is_finished_by_the_retry(ctx, queue):
    from resource_api.resources import domain as resources
    from tests.reliability.pipeline import aws_error

    webhook_endpoints.create(ctx, WebhookEndpointCreate(url="http://127.0.0.1:9/a", enabled_events=["*"]))
    resources.create(ctx, ResourceCreate(name="Half", type="staging"))
    records = stream_records()
    refused: list[str] = []

    def sqs_down(model, **_):  # noqa: ANN001, ANN202
        refused.append(model.name)
        return aws_error("ServiceUnavailable", 503)

    # When the event is stored but SQS refuses the send, the record is reported failed
    queue.meta.events.register("before-call.sqs.SendMessageBatch", sqs_down, unique_id="sqs-down")
    try:
        failed = stream.handle_batch(records)
    finally:
        queue.meta.events.unregister("before-call.sqs.SendMessageBatch", unique_id="sqs-down")
    assert refused, "no send was attempted"
    (insert,) = [r for r in records if r["dynamodb"].get("NewImage", {}).get("entity") == {"S": "resource"}]
    assert failed["batchItemFailures"] == [{"itemIdentifier": insert["dynamodb"]["SequenceNumber"]}]
    assert drain(queue) == []
    # Then the retry still fans it out
    assert stream.handle_batch(records) == {"batchItemFailures": []}
    assert len(drain(queue)) == 1


def test_event_ids_are_derived_from_the_stream_record():
    change = stream.Change("rec-1", "INSERT", "1", 0, None, {"entity": "x"})
    a = events.event_id(change, "resource.updated", 1_700_000_000_000)
    assert a == events.event_id(change, "resource.updated", 1_700_000_000_000)
    assert a != events.event_id(change, "resource.status_changed", 1_700_000_000_000)
    other = stream.Change("rec-2", "INSERT", "2", 0, None, {"entity": "x"})
    assert a != events.event_id(other, "resource.updated", 1_700_000_000_000)
    from resource_api.core import ids

    assert ids.is_valid(a, "evt") and ids.created_ms(a, "evt") == 1_700_000_000_000


def test_previous_attributes_list_only_what_changed():
    old = {"name": "A", "configuration": {"timeout_ms": 5000, "batch_size": 100}, "metadata": {"x": "1"}, "status": "active"}
    new = {"name": "B", "configuration": {"timeout_ms": 7500, "batch_size": 100}, "metadata": {"y": "2"}, "status": "active"}
    assert drafts.previous_attributes(old, new) == {
        "name": "A",
        "configuration": {"timeout_ms": 5000},
        "metadata": {"x": "1", "y": None},
    }


# --- delivery -------------------------------------------------------------------------


def test_signature_headers_verify_with_standard_webhooks_for_each_secret():
    new, old = signing.new_secret(), signing.new_secret()
    body = b'{"id":"evt_1"}'
    import time

    headers = signing.headers([new, old], "evt_1", int(time.time()), body)
    assert Webhook(new).verify(body, headers) == {"id": "evt_1"}
    assert Webhook(old).verify(body, headers) == {"id": "evt_1"}
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert headers[signing.HEX_HEADER] == signing.hex_signature(new, body)
    assert headers[signing.HEX_HEADER_PREVIOUS] == signing.hex_signature(old, body)


def test_retry_schedule_spans_about_three_days_with_jitter_and_retry_after(monkeypatch):
    monkeypatch.delenv(queues.SCHEDULE_ENV, raising=False)
    total = sum(queues.RETRY_SCHEDULE_S)
    assert 2.5 * 86_400 < total < 3.5 * 86_400
    rng = random.Random(7)
    delays = [deliveries.next_delay(n, rng=rng) for n in range(1, queues.max_attempts() + 1)]
    assert delays[-1] is None  # the last attempt: next stop, the DLQ
    for n, d in enumerate(delays[:-1], start=1):
        base = queues.RETRY_SCHEDULE_S[n - 1]
        assert base * 0.8 <= d <= min(base * 1.2, queues.MAX_VISIBILITY_S)
    slow = deliveries.Response(429, 5, retry_after=900)
    assert deliveries.next_delay(1, slow) == 900  # Retry-After beats the 5 s step
    assert deliveries.next_delay(1, deliveries.Response(500, 5, retry_after=900)) < 10  # only on 429/502/503/504
    assert deliveries.next_delay(1, deliveries.Response(503, 5, retry_after=10**9)) <= queues.MAX_VISIBILITY_S


def _sqs_event(sqs, count: int) -> list[dict]:
    from localcloud.pollers import _sqs_record

    got = sqs.receive_message(QueueUrl=queues.queue_url(), MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
    assert len(got) == count
    return [_sqs_record(m, "arn:aws:sqs:us-east-1:123456789012:unit-webhooks", "us-east-1") for m in got]


def test_delivery_batch_reports_only_failed_messages_and_reschedules_them(ctx, queue):
    from resource_api.resources import domain as resources

    ok = webhook_endpoints.create(ctx, WebhookEndpointCreate(url="http://127.0.0.1:9/ok", enabled_events=["*"]))
    bad = webhook_endpoints.create(ctx, WebhookEndpointCreate(url="http://127.0.0.1:9/bad", enabled_events=["*"]))
    resources.create(ctx, ResourceCreate(name="Batch", type="staging"))
    stream.handle_batch(stream_records())
    records = _sqs_event(queue, 2)
    seen: list[dict] = []

    def poster(target, body, headers, seconds):
        seen.append(headers)
        return deliveries.Response(200 if target.path == "/ok" else 500, 3)

    result = deliveries.handle_batch(records, poster=poster)
    failed = [r for r in records if json.loads(r["body"])["webhook_endpoint"] == bad["id"]]
    assert result == {"batchItemFailures": [{"itemIdentifier": failed[0]["messageId"]}]}
    assert {h["webhook-id"] for h in seen} == {json.loads(records[0]["body"])["event"]}
    # The failed one is invisible until its retry; the endpoint's failure streak began
    assert queue.receive_message(QueueUrl=queues.queue_url()).get("Messages") is None
    assert webhook_endpoints.load(ctx.account_id, ctx.mode, bad["id"])["failing_since"]
    assert "failing_since" not in webhook_endpoints.load(ctx.account_id, ctx.mode, ok["id"])


def test_delivery_rechecks_the_url_and_never_connects_to_an_unsafe_address(ctx, queue, monkeypatch):
    from resource_api.resources import domain as resources

    ep = webhook_endpoints.create(ctx, WebhookEndpointCreate(url="http://127.0.0.1:9/x", enabled_events=["*"]))
    resources.create(ctx, ResourceCreate(name="Rebind", type="staging"))
    stream.handle_batch(stream_records())
    records = _sqs_event(queue, 1)
    # When the deployed policy applies at delivery time (e.g. DNS now points inside)
    monkeypatch.setenv("STAGE", "production")
    called = []
    result = deliveries.handle_batch(records, poster=lambda *a: called.append(a))
    assert called == []
    assert len(result["batchItemFailures"]) == 1
    evt = json.loads(records[0]["body"])["event"]
    from resource_api.events.models import DeliveryListParams

    (attempt,) = attempts.list_for_event(ctx, evt, DeliveryListParams())["data"]
    assert attempt["status"] == "failed" and attempt["error"].startswith("refused: the URL must be an https URL")
    assert attempt["webhook_endpoint"] == ep["id"]


def test_events_are_rendered_in_the_accounts_default_api_version(ctx, queue):
    from resource_api.core import accounts
    from resource_api.resources import domain as resources

    # Given an account pinned to an older API version (apictl set-api-version)
    accounts.set_api_version(ctx.account_id, "2023-11-01")
    webhook_endpoints.create(ctx, WebhookEndpointCreate(url="http://127.0.0.1:9/hooks", enabled_events=["*"]))
    resources.create(ctx, ResourceCreate(name="Pinned", type="staging"))
    # When its changes become events
    stream.handle_batch(stream_records())
    # Then the events say the version they were made in, stored and as delivered
    (event,) = stored_events(ctx)
    assert event["api_version"] == "2023-11-01"
    (message,) = drain(queue)
    sent = json.loads(events.load(ctx.account_id, ctx.mode, message["event"])["body"])  # the bytes delivered
    assert sent["api_version"] == "2023-11-01"
