"""Fair delivery (issue 23 item 1) on in-process moto, against a real receiver on
127.0.0.1 that accepts the connection and never answers: the circuit breaker of one
endpoint (opens after N consecutive timeouts, defers without a request, one half-open
probe, closes on an answer) and the bounded share of slow attempts per account (past
it, an account's attempts are cut and deferred while another account's goes through).
Nothing here bounds elapsed time: the order of events and the records are asserted."""

from __future__ import annotations

import json

import pytest

from bench.fairness import StalledReceiver
from resource_api import stream
from resource_api.core import accounts, clock, db, keys
from resource_api.events import attempts, deliveries, queues
from resource_api.events.models import DeliveryListParams
from resource_api.frame.request import RequestContext
from resource_api.resources import domain as resources
from resource_api.resources.models import ResourceCreate
from resource_api.webhooks import domain as webhook_endpoints
from resource_api.webhooks.models import WebhookEndpointCreate
from tests.unit.test_delivery_deadline import Receiver
from tests.unit.test_webhooks import _sqs_event, drain, queue, stream_records  # noqa: F401 - fixture


@pytest.fixture
def stalled():
    receiver = StalledReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def moved_clock():
    yield clock
    clock.set_offset(0)


def _context() -> RequestContext:
    account = accounts.create_account(plan="free")
    return RequestContext(
        principal=accounts.Principal(account["id"], "test", f"key_{account['id']}", "free"), request_id="req_" + "0" * 32
    )


def _records(ctx, endpoint_id: str) -> list[dict]:
    """Every attempt item of this endpoint, oldest first (as stored: the dashboard's view)."""
    resp = db.client().query(
        TableName=db.table(),
        IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :p",
        ExpressionAttributeValues=db.values(p=keys.endpoint_deliveries_partition(ctx.account_id, ctx.mode, endpoint_id)),
    )
    return [db.from_item(i) for i in resp["Items"]]


def test_the_circuit_opens_after_n_timeouts_defers_probes_once_and_closes_on_an_answer(
    queue, stalled, moved_clock, monkeypatch  # noqa: F811 - the fixture
):
    monkeypatch.setenv(deliveries.DELIVERY_TIMEOUT_ENV, "0.3")
    monkeypatch.setenv("WEBHOOK_CIRCUIT_TIMEOUTS", "2")
    monkeypatch.setenv("WEBHOOK_CIRCUIT_OPEN_S", "60")
    monkeypatch.setenv("WEBHOOK_ACCOUNT_SLOW_SLOTS", "0")  # the share is the other test's
    ctx = _context()
    endpoint = webhook_endpoints.create(ctx, WebhookEndpointCreate(url=stalled.url, enabled_events=["*"]))
    resources.create(ctx, ResourceCreate(name="Breaker", type="staging"))
    stream.handle_batch(stream_records())
    (msg,) = drain(queue)
    posted: list[str] = []
    answer = {"with": None}

    def poster(target, body, headers, seconds):
        posted.append(headers["webhook-id"])
        if answer["with"] is not None:
            return deliveries.Response(answer["with"], 2)
        return deliveries.post(target, body, headers, seconds)  # the real request to the stalled receiver

    # Given two attempts that time out against the stalled receiver
    first = deliveries.deliver(msg, 1, poster)
    second = deliveries.deliver(msg, 2, poster)
    assert not first.ok and not second.ok and len(posted) == 2
    one, two = _records(ctx, endpoint["id"])
    assert one["error"].startswith("timed out") and one["circuit_state"] == "closed" and one["consecutive_timeouts"] == 1
    # Then the second opened the circuit, and its message waits at least until it may close
    assert two["circuit_state"] == "open" and two["consecutive_timeouts"] == 2
    assert two["next_attempt_at"] >= two["circuit_retry_at"] >= clock.now_s() + 59
    assert second.visibility_s >= 59
    # When the message comes back while it is open: deferred without a request, no slot held
    third = deliveries.deliver(msg, 3, poster)
    assert not third.ok and len(posted) == 2
    deferred = _records(ctx, endpoint["id"])[-1]
    assert deferred["deferred"] is True and "circuit is open after 2 consecutive timeouts" in deferred["error"]
    assert deferred["duration_ms"] == 0 and deferred["next_attempt_at"] >= deferred["circuit_retry_at"]
    assert attempts.circuit(deferred) == {
        "deferred": True, "state": "open", "consecutive_timeouts": 2,
        "retry_at": deferred["circuit_retry_at"], "next_attempt_at": deferred["next_attempt_at"],
    }
    # When it is due: exactly one attempt probes (half-open), a second waits for it
    from resource_api.events import fairness

    moved_clock.set_offset(61)
    probe = fairness.admit(ctx.account_id, ctx.mode, endpoint["id"], 0.3)
    assert (probe.state, probe.defer) == ("half_open", False)
    waiting = fairness.admit(ctx.account_id, ctx.mode, endpoint["id"], 0.3)
    assert (waiting.state, waiting.defer) == ("half_open", True)
    # A probe that times out opens it again, for twice as long
    moved_clock.set_offset(200)
    deliveries.deliver(msg, 4, poster)
    assert len(posted) == 3
    reopened = _records(ctx, endpoint["id"])[-1]
    assert reopened["circuit_state"] == "open" and reopened["circuit_retry_at"] >= clock.now_s() + 119
    # And a probe that is answered (even with an error status) closes it: deliveries go on
    moved_clock.set_offset(400)
    answer["with"] = 500
    deliveries.deliver(msg, 5, poster)
    answer["with"] = 200
    assert deliveries.deliver(msg, 6, poster).ok and len(posted) == 5
    assert [r["circuit_state"] for r in _records(ctx, endpoint["id"])[-2:]] == ["closed", "closed"]
    # The attempt log the API shows is unchanged in shape (the fields are additive)
    listed = attempts.list_for_event(ctx, msg["event"], DeliveryListParams(limit=100))["data"]
    assert len(listed) == 6 and set(listed[0]) == set(attempts.render(_records(ctx, endpoint["id"])[0]))


def test_an_account_past_its_share_of_slow_attempts_is_cut_while_another_accounts_goes_through(
    queue, stalled, monkeypatch  # noqa: F811 - the fixture
):
    monkeypatch.setenv(deliveries.DELIVERY_TIMEOUT_ENV, "3")
    monkeypatch.setenv("WEBHOOK_SLOW_AFTER_S", "0.2")
    monkeypatch.setenv("WEBHOOK_ACCOUNT_SLOW_SLOTS", "1")
    monkeypatch.setenv("WEBHOOK_CIRCUIT_TIMEOUTS", "3")
    noisy, other = _context(), _context()
    stalled_endpoints = [
        webhook_endpoints.create(noisy, WebhookEndpointCreate(url=stalled.url, enabled_events=["*"]))["id"] for _ in range(3)
    ]
    healthy = Receiver()
    try:
        webhook_endpoints.create(other, WebhookEndpointCreate(url=healthy.url("/other"), enabled_events=["*"]))
        resources.create(noisy, ResourceCreate(name="Noisy", type="staging"))
        resources.create(other, ResourceCreate(name="Other", type="staging"))
        stream.handle_batch(stream_records())
        # Given one SQS batch: the noisy account's 3 stalled deliveries and the other's one
        records = _sqs_event(queue, 4)
        assert {r["attributes"].get("MessageGroupId") for r in records} <= {None}  # Lambda's record keeps to its keys
        result = deliveries.handle_batch(records, remaining_ms=lambda: 60_000)
        # Then the other account's webhook was delivered
        assert len(healthy.requests) == 1
        # And of the noisy account's three, one kept the account's single slow slot to its
        # deadline, and the two others were cut (deferred) while it was still waiting
        errors = sorted(r["error"] for e in stalled_endpoints for r in _records(noisy, e))
        assert errors[-1] == "timed out after 3.0 s"
        assert all(e.startswith("deferred: no answer after") and "1 slow delivery slots" in e for e in errors[:2]), errors
        closes = sorted(stalled.connections, key=lambda c: c["closed_at"])
        assert len(closes) == 3 and all(c["closed"] for c in closes)
        assert closes[0]["closed_at"] < closes[2]["closed_at"] and closes[1]["closed_at"] < closes[2]["closed_at"]
        # Cut attempts count as timeouts of their endpoints (towards the circuit breaker)
        assert all(r["consecutive_timeouts"] == 1 for e in stalled_endpoints for r in _records(noisy, e))
        # All three are retried on the schedule; the slot was given back
        assert len(result["batchItemFailures"]) == 3
        from resource_api.events import fairness

        assert fairness.in_flight_slow(noisy.account_id, noisy.mode) == 0
    finally:
        healthy.close()


def test_every_delivery_message_is_in_its_accounts_group(queue, ctx):  # noqa: F811 - the fixture
    webhook_endpoints.create(ctx, WebhookEndpointCreate(url="http://127.0.0.1:9/x", enabled_events=["*"]))
    resources.create(ctx, ResourceCreate(name="Grouped", type="staging"))
    stream.handle_batch(stream_records())
    got = queue.receive_message(QueueUrl=queues.queue_url(), MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
    assert [m["Attributes"]["MessageGroupId"] for m in got] == [f"{ctx.account_id}#test"]
    assert json.loads(got[0]["Body"])["account_id"] == ctx.account_id


def test_the_local_poller_models_a_fair_queue_quietest_groups_first():
    """The local event source mapping (localcloud/pollers.py) counts each message group's
    received, unanswered messages and hands a free invocation the quietest groups' first:
    a message of an account with nothing in flight goes before a pile of another's."""
    from localcloud.pollers import SqsPoller

    poller = SqsPoller("http://unused", "webhook_delivery", batch_size=10, concurrency=4)

    def message(group: str, n: int) -> dict:
        return {"MessageId": f"{group}-{n}", "Attributes": {"MessageGroupId": group}}

    poller._receive([message("noisy", n) for n in range(25)])
    poller._receive([message("other", 0)])
    first = poller._next_batch()  # one invocation's batch (delivered concurrently)
    assert len(first) == 10 and "other-0" in {m["MessageId"] for m in first}
    assert poller.in_flight == {"noisy": 25, "other": 1}  # received, not answered yet
    assert {m["MessageId"] for m in first} - {"other-0"} == {f"noisy-{n}" for n in range(9)}  # then the oldest


def _aws_calls(client) -> list[str]:
    """The operations `client` makes from now on (botocore's own event, nothing stubbed)."""
    calls: list[str] = []

    def count(model, **_):
        calls.append(model.name)

    client.meta.events.register("before-call.dynamodb", count)
    return calls


def test_an_endpoint_that_timed_out_last_waits_without_a_request_while_its_account_holds_every_slow_slot(
    queue, monkeypatch  # noqa: F811 - the fixture
):
    """Deferred before it takes a delivery slot: unless it answered within SLOW_AFTER_S
    this time, it would be cut there for want of a slow slot. A fresh endpoint of the same
    account is still attempted, and the deferral is not counted as a timeout."""
    from resource_api.events import fairness

    monkeypatch.setenv("WEBHOOK_ACCOUNT_SLOW_SLOTS", "1")
    monkeypatch.setenv("WEBHOOK_CIRCUIT_TIMEOUTS", "3")
    ctx = _context()
    healthy = Receiver()
    try:
        timed_out = webhook_endpoints.create(ctx, WebhookEndpointCreate(url=healthy.url("/late"), enabled_events=["*"]))
        fresh = webhook_endpoints.create(ctx, WebhookEndpointCreate(url=healthy.url("/fresh"), enabled_events=["*"]))
        resources.create(ctx, ResourceCreate(name="Shared", type="staging"))
        stream.handle_batch(stream_records())
        msgs = {m["webhook_endpoint"]: m for m in drain(queue)}
        # Given the endpoint's last attempt timed out, and another attempt of the account holds its one slow slot
        fairness.after(ctx.account_id, ctx.mode, timed_out["id"], fairness.Circuit(fairness.CLOSED), timed_out=True)
        holder = fairness.SlowShare(ctx.account_id, ctx.mode, 15.0)
        assert holder.claim()
        posted: list[str] = []

        def poster(target, body, headers, seconds):
            posted.append(target.path)
            return deliveries.post(target, body, headers, seconds)

        # When its message comes: deferred on the schedule, no request made
        calls = _aws_calls(db.client())
        waited = deliveries.deliver(msgs[timed_out["id"]], 2, poster)
        assert not waited.ok and posted == [] and healthy.requests == []
        assert 0.8 * 60 <= waited.visibility_s <= 1.2 * 60  # the schedule's second delay
        record = _records(ctx, timed_out["id"])[-1]
        assert record["deferred"] is True and record["consecutive_timeouts"] == 1 and record["circuit_state"] == "closed"
        assert "last 1 attempt(s) timed out and the account's 1 slow delivery slots are in use" in record["error"]
        assert calls.count("BatchGetItem") == 1 and "GetItem" not in calls  # event, endpoint and state in one read
        # The account's fresh endpoint is attempted all the same
        assert deliveries.deliver(msgs[fresh["id"]], 1, poster).ok and posted == ["/fresh"]
        # Once the slot is free, the timed-out endpoint is attempted again, and an answer closes its count
        holder.release()
        assert deliveries.deliver(msgs[timed_out["id"]], 3, poster).ok and posted == ["/fresh", "/late"]
        assert _records(ctx, timed_out["id"])[-1]["consecutive_timeouts"] == 0
        assert fairness.admit(ctx.account_id, ctx.mode, timed_out["id"], 1.0).timeouts == 0
    finally:
        healthy.close()


def test_a_refused_claim_is_one_write_and_answers_the_processs_next_claims_until_it_frees_a_slot(aws, monkeypatch):
    from resource_api.events import fairness

    monkeypatch.setenv("WEBHOOK_ACCOUNT_SLOW_SLOTS", "1")
    ctx, other = _context(), _context()
    first = fairness.SlowShare(ctx.account_id, ctx.mode, 15.0)
    assert first.claim()
    calls = _aws_calls(db.client())
    # A claim past the share: one conditional write, refused, and no read of the set to sweep it
    assert not fairness.SlowShare(ctx.account_id, ctx.mode, 15.0).claim()
    assert calls == ["UpdateItem"]
    # The process's next claims for the account are refused without a call, another account's are not
    assert not fairness.SlowShare(ctx.account_id, ctx.mode, 15.0).claim()
    assert calls == ["UpdateItem"]
    assert fairness.SlowShare(other.account_id, other.mode, 15.0).claim()
    assert calls == ["UpdateItem", "UpdateItem"]
    # Once this process gives a slot back, the next claim asks again and gets it
    first.release()
    again = fairness.SlowShare(ctx.account_id, ctx.mode, 15.0)
    assert again.claim() and fairness.in_flight_slow(ctx.account_id, ctx.mode) == 1
    again.release()


def test_a_slot_left_past_its_deadline_is_swept_from_what_the_refused_claim_returned(aws, monkeypatch):
    """A slot whose attempt died with its container: the refused write returns the set
    (ReturnValuesOnConditionCheckFailure), the stale slot is removed, the claim is made."""
    from resource_api.events import fairness

    monkeypatch.setenv("WEBHOOK_ACCOUNT_SLOW_SLOTS", "1")
    ctx = _context()
    dead = fairness.SlowShare(ctx.account_id, ctx.mode, -10.0)  # its deadline (+5 s) already past
    assert dead.claim()
    calls = _aws_calls(db.client())
    live = fairness.SlowShare(ctx.account_id, ctx.mode, 15.0)
    assert live.claim()
    assert calls == ["UpdateItem", "UpdateItem", "UpdateItem"] and "GetItem" not in calls  # refused, swept, claimed
    item = db.client().get_item(TableName=db.table(), Key=db.to_item(keys.delivery_share(ctx.account_id, ctx.mode)),
                                ConsistentRead=True)["Item"]
    assert item["slots"]["SS"] == [live.slot]
    live.release()


def test_a_timeout_that_opens_the_circuit_is_one_write_and_the_open_period_runs_from_it(aws, moved_clock, monkeypatch):
    from resource_api.events import fairness

    monkeypatch.setenv("WEBHOOK_CIRCUIT_TIMEOUTS", "2")
    monkeypatch.setenv("WEBHOOK_CIRCUIT_OPEN_S", "60")
    ctx = _context()
    closed = fairness.after(ctx.account_id, ctx.mode, "we_x", fairness.Circuit(fairness.CLOSED), timed_out=True)
    calls = _aws_calls(db.client())
    opened = fairness.after(ctx.account_id, ctx.mode, "we_x", closed, timed_out=True)
    assert calls == ["UpdateItem"] and (opened.state, opened.timeouts) == ("open", 2)
    assert fairness.admit(ctx.account_id, ctx.mode, "we_x", 1.0) == fairness.Circuit(
        fairness.OPEN, 2, opened.retry_at, defer=True)
    moved_clock.set_offset(61)  # due: one probe goes
    assert fairness.admit(ctx.account_id, ctx.mode, "we_x", 1.0).state == "half_open"


def test_attempts_that_fail_together_for_one_endpoint_note_its_failing_streak_once(queue):  # noqa: F811
    """Each attempt of a batch read the endpoint before any failed: the first notes the
    streak, the others of the container reuse it; an answer ends it, and the next failure
    notes a new one."""
    ctx = _context()
    endpoint = webhook_endpoints.create(ctx, WebhookEndpointCreate(url="http://127.0.0.1:9/x", enabled_events=["*"]))
    loaded = webhook_endpoints.load(ctx.account_id, ctx.mode, endpoint["id"])
    calls = _aws_calls(db.client())
    assert [webhook_endpoints.mark_failed(loaded, 1000 + i) for i in range(3)] == [1000, 1000, 1000]
    assert calls == ["UpdateItem"]
    assert webhook_endpoints.load(ctx.account_id, ctx.mode, endpoint["id"])["failing_since"] == 1000
    webhook_endpoints.mark_succeeded(webhook_endpoints.load(ctx.account_id, ctx.mode, endpoint["id"]))
    assert webhook_endpoints.mark_failed(loaded, 2000) == 2000
    assert webhook_endpoints.load(ctx.account_id, ctx.mode, endpoint["id"])["failing_since"] == 2000


def test_a_batch_reads_what_its_attempts_are_admitted_on_in_one_call(queue):  # noqa: F811 - the fixture
    """Events, endpoints, breakers and the account's share of a whole batch: one
    BatchGetItem (the keys they share read once), and every message still delivered."""
    ctx = _context()
    healthy = Receiver()
    try:
        for n in range(3):
            webhook_endpoints.create(ctx, WebhookEndpointCreate(url=healthy.url(f"/{n}"), enabled_events=["*"]))
        resources.create(ctx, ResourceCreate(name="Batch", type="staging"))
        stream.handle_batch(stream_records())
        records = _sqs_event(queue, 3)
        calls = _aws_calls(db.client())
        assert deliveries.handle_batch(records, remaining_ms=lambda: 60_000) == {"batchItemFailures": []}
        assert calls.count("BatchGetItem") == 1 and "GetItem" not in calls
        assert sorted(p for p in healthy.paths) == ["/0", "/1", "/2"]
    finally:
        healthy.close()


def test_writes_submitted_while_a_call_is_under_way_go_together_in_the_next_call():
    """Group commit (core/groupcommit.py): the first write goes alone at once; those that
    come while it is under way wait for it, then go in one call; each submitter gets its
    own answer, and an item the call refused is its submitter's error alone."""
    import threading
    import time

    from resource_api.core.groupcommit import GroupCommit

    under_way, release = threading.Event(), threading.Event()
    calls: list[list[int]] = []

    def flush(items: list[int]) -> list:
        calls.append(list(items))
        if len(calls) == 1:
            under_way.set()
            release.wait(10)
        return [ValueError(f"refused {i}") if i == 7 else f"stored {i}" for i in items]

    group = GroupCommit(flush, 25)
    answers: dict[int, object] = {}

    def submit(i: int) -> None:
        try:
            answers[i] = group.submit(i)
        except ValueError as exc:
            answers[i] = exc

    threads = [threading.Thread(target=submit, args=(0,))]
    threads[0].start()
    assert under_way.wait(10)
    threads += [threading.Thread(target=submit, args=(i,)) for i in range(1, 10)]
    for t in threads[1:]:
        t.start()
    while len(group._pending) < 9:  # all nine wait for the call under way
        time.sleep(0.005)
    release.set()
    for t in threads:
        t.join(10)
    assert calls[0] == [0] and sorted(calls[1]) == list(range(1, 10)) and len(calls) == 2
    assert {i: str(a) for i, a in answers.items()} == {i: "refused 7" if i == 7 else f"stored {i}" for i in range(10)}


def test_a_batch_whose_attempts_time_out_together_records_each_once_and_reschedules_them_in_batch_calls(
    queue, stalled, monkeypatch  # noqa: F811 - the fixture
):
    """Four events for one stalled endpoint in one batch, the account's share one slow
    slot: one attempt keeps it to its deadline, three are cut together. Every attempt
    is recorded once, the endpoint's breaker counts all four (in fewer writes when they
    end together), and every message is re-scheduled, by the batch calls."""
    from resource_api.events import fairness

    monkeypatch.setenv(deliveries.DELIVERY_TIMEOUT_ENV, "1")
    monkeypatch.setenv("WEBHOOK_SLOW_AFTER_S", "0.2")
    monkeypatch.setenv("WEBHOOK_ACCOUNT_SLOW_SLOTS", "1")
    monkeypatch.setenv("WEBHOOK_CIRCUIT_TIMEOUTS", "10")
    ctx = _context()
    endpoint = webhook_endpoints.create(ctx, WebhookEndpointCreate(url=stalled.url, enabled_events=["resource.created"]))
    for n in range(4):
        resources.create(ctx, ResourceCreate(name=f"Burst {n}", type="staging"))
    stream.handle_batch(stream_records())
    records = _sqs_event(queue, 4)
    ddb_calls = _aws_calls(db.client())
    breaker_writes: list[int] = []
    sqs_calls: list[tuple[str, int]] = []

    def note_breaker(params, **_):  # a write of timeouts: ADD the count of each endpoint's
        if params.get("UpdateExpression", "").startswith("ADD #t"):
            breaker_writes.append(sum(int(v["N"]) for k, v in params["ExpressionAttributeValues"].items() if k[2:].isdigit() and k[1] == "n"))

    def note(params, event_name, **_):
        sqs_calls.append((event_name.rsplit(".", 1)[-1], len(params.get("Entries", [None]))))

    db.client().meta.events.register("before-parameter-build.dynamodb.UpdateItem", note_breaker)
    queue.meta.events.register("before-parameter-build.sqs", note)
    try:
        result = deliveries.handle_batch(records, remaining_ms=lambda: 60_000)
    finally:
        queue.meta.events.unregister("before-parameter-build.sqs", note)
        db.client().meta.events.unregister("before-parameter-build.dynamodb.UpdateItem", note_breaker)
    assert len(result["batchItemFailures"]) == 4
    kept = _records(ctx, endpoint["id"])
    assert len(kept) == 4 and len({r["event"] for r in kept}) == 4
    assert sorted(r["error"].split(" after")[0] for r in kept) == ["deferred: no answer"] * 3 + ["timed out"]
    assert sorted(r["consecutive_timeouts"] for r in kept) == [1, 2, 3, 4]
    assert fairness.read(ctx.account_id, ctx.mode, endpoint["id"]).circuit["timeouts"] == 4
    # the records in BatchWriteItem calls, the breaker in at most one write per attempt
    assert "PutItem" not in ddb_calls and 1 <= ddb_calls.count("BatchWriteItem") <= 4
    assert sum(breaker_writes) == 4 and len(breaker_writes) <= 4
    assert {name for name, _ in sqs_calls} == {"ChangeMessageVisibilityBatch"} and sum(n for _, n in sqs_calls) == 4


def test_an_attempt_cut_by_the_share_leaves_the_failing_streak_to_the_endpoints_next_failure(
    queue, monkeypatch  # noqa: F811 - the fixture
):
    """The cut attempts of a stalled account all end at the same second; each noting its
    endpoint's failing streak was a write of its own. They count as timeouts, so the
    circuit opens after N of them, and the first deferral notes the streak."""
    monkeypatch.setenv("WEBHOOK_CIRCUIT_TIMEOUTS", "2")
    ctx = _context()
    endpoint = webhook_endpoints.create(ctx, WebhookEndpointCreate(url="http://127.0.0.1:9/cut", enabled_events=["*"]))
    resources.create(ctx, ResourceCreate(name="Cut", type="staging"))
    stream.handle_batch(stream_records())
    (msg,) = drain(queue)
    posted: list[int] = []

    def cut(target, body, headers, seconds):
        posted.append(1)
        return deliveries.Response(None, 1000, timed_out=True, cut=True, error="deferred: no answer after 1.0 s")

    def streak() -> int | None:
        return webhook_endpoints.load(ctx.account_id, ctx.mode, endpoint["id"]).get("failing_since")

    assert not deliveries.deliver(msg, 1, cut).ok and streak() is None
    assert not deliveries.deliver(msg, 2, cut).ok and streak() is None  # the circuit opens
    assert not deliveries.deliver(msg, 3, cut).ok and len(posted) == 2  # deferred without a request
    assert streak() is not None and streak() >= clock.now_s() - 60
    assert [r["consecutive_timeouts"] for r in _records(ctx, endpoint["id"])] == [1, 2, 2]


def test_the_state_item_forgets_breakers_past_their_time_or_past_the_most_it_keeps(aws):
    """Breakers live in the account's state item: one not timed out for STATE_TTL_S is
    forgotten (as its own item would have expired), and past MAX_TRACKED endpoints the
    ones that timed out longest ago go (an account has at most 16 live ones per mode),
    so the item cannot grow with deleted endpoints."""
    from resource_api.events import fairness

    ctx = _context()
    now = clock.now_s()
    old = {f"cb_{f}_we_old": v for f, v in (("timeouts", 2), ("last_timeout_at", now - fairness.STATE_TTL_S - 10))}
    many = {f"cb_{f}_we_{n:03d}": v for n in range(fairness.MAX_TRACKED)
            for f, v in (("timeouts", 1), ("last_timeout_at", now - 1000 + n))}
    key = keys.delivery_share(ctx.account_id, ctx.mode)
    db.client().put_item(TableName=db.table(), Item=db.to_item({**key, **old, **many}))
    item = fairness.read(ctx.account_id, ctx.mode, "we_new").share
    counted = fairness.add_timeouts(ctx.account_id, ctx.mode, ["we_new", "we_new"], item)
    assert [n for n, _ in counted] == [1, 2] and all(at >= now for _, at in counted)
    kept = fairness.tracked(fairness.read(ctx.account_id, ctx.mode, "we_new").share)
    assert len(kept) == fairness.MAX_TRACKED and "we_old" not in kept and "we_000" not in kept
    assert "we_new" in kept and "we_001" in kept and fairness.read(ctx.account_id, ctx.mode, "we_new").circuit["timeouts"] == 2
