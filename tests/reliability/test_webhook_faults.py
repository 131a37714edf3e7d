"""Faults in the webhook pipeline (docs/reliability.md, Webhook pipeline): the stream
processor and the delivery function failing or dying at every AWS call they make, the
delivery function dying after it sent but before it recorded, and a receiver that is
down for a day, and for four days. Each ends the same way for the user: every event
arrives, verified with the `standardwebhooks` library, and any repeat carries the same
event id and the same bytes; each change is one event.

In-process on moto, through the real handlers (pipeline.py drives them as Lambda's
event source mappings would, on the functions' clock)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from resource_api.core import clock
from resource_api.events import deliveries, queues
from resource_api.resources import domain as resources
from resource_api.webhooks import domain as webhook_endpoints
from resource_api.core.accounts import Principal
from resource_api.resources.models import ResourceCreate, ResourceUpdate

from . import apigw, figures, pipeline
from .pipeline import Died, World

SECTION = "webhooks"
HOUR = 3600


@pytest.fixture(scope="module")
def w() -> Iterator[World]:
    with pipeline.world() as world:
        yield world


@pytest.fixture(autouse=True)
def _fresh_start(w: World) -> Iterator[None]:
    """Each test starts with the receiver up and nothing in flight (one that failed may
    have left both otherwise)."""
    if w.receiver.server is None:
        w.receiver.up()
    w.queue.purge()
    yield


_n = 0


def fresh(
    w: World, endpoints: dict[str, list[str]]
) -> tuple[Principal, dict[str, list[str]], dict[str, dict[str, Any]]]:
    """A new account with endpoints at fresh receiver paths (name -> enabled events);
    its setup records already through the stream processor."""
    global _n
    _n += 1
    paths = {f"{name}-{_n}": events for name, events in endpoints.items()}
    p = w.principal()
    made = {path: w.endpoint(p, path, events) for path, events in paths.items()}
    w.stream.pump()
    return p, paths, made


def change_one_resource(p: Principal) -> None:
    """A resource created, then deleted: two committed changes, two events."""
    created = resources.create(pipeline.ctx(p), ResourceCreate(name="piped", type="staging"))
    resources.delete(pipeline.ctx(p), created["id"])


TWO_CHANGES = Counter({"resource.created": 1, "resource.deleted": 1})


def count(check: pipeline.Check) -> None:
    figures.add(SECTION, "events delivered", check.events)
    figures.add(SECTION, "duplicates (same id)", check.duplicates)


# --- the stream processor ---------------------------------------------------------------------


def test_stream_processor_faults_at_every_call_site(w):
    """Given a resource's two changes on the stream and two endpoints, when the stream
    processor's AWS call number n fails (throttled, or its answer lost after it took
    effect) or the function dies just before or just after it, in turn for every n of the
    batch: then each change is still exactly one event, and every event reaches every
    subscribed endpoint."""
    endpoints = {"all": ["*"], "deletions": ["resource.deleted"]}
    p, paths, _ = fresh(w, endpoints)
    change_one_resource(p)
    with w.injector.armed_for() as probe:
        w.stream.pump()
    sites = list(probe.calls)
    assert "dynamodb.PutItem" in sites and "sqs.SendMessageBatch" in sites, sites
    w.queue.run()
    assert pipeline.event_types(p) == TWO_CHANGES
    pipeline.assert_all_delivered(p, w.receiver, paths)

    for at, call in enumerate(sites):
        for kind in pipeline.kinds_for(call):
            where = f"{kind} at call {at} ({call})"
            p, paths, _ = fresh(w, endpoints)
            change_one_resource(p)
            with w.injector.armed_for(at, kind) as inj:
                w.stream.pump()
            assert inj.fired, f"{where}: the batch made other calls this time: {inj.calls}"
            figures.add(SECTION, "injected")
            w.queue.run()
            assert pipeline.event_types(p) == TWO_CHANGES, where
            count(pipeline.assert_all_delivered(p, w.receiver, paths))
            figures.add(SECTION, "survived")


# --- the delivery function --------------------------------------------------------------------


# With one message in the batch, an answer lost after a call took effect ends the same
# way as dying right after it (the message is not deleted: back after the visibility
# timeout), so the delivery sweep leaves timeout_after_call out.
DELIVERY_KINDS = ("throttling", "died_before_call", "died_after_call")


def test_delivery_faults_at_every_call_site(w):
    """Given an event for an endpoint that fails its first delivery (503) and takes the
    second, when the delivery function's AWS call number n fails or the function dies
    just before or after it, in turn for every n of both attempts: then the event is
    delivered, repeats carry its id, and its delivery log ends with the success."""
    p, paths, _ = fresh(w, {"flaky": ["*"]})
    (path,) = paths
    w.receiver.failing["/" + path] = 1
    resources.create(pipeline.ctx(p), ResourceCreate(name="delivered", type="staging"))
    w.stream.pump()
    with w.injector.armed_for() as probe:
        w.queue.run()
    sites = list(probe.calls)
    # each attempt's record (BatchWriteItem) and the failed one's re-scheduling (a batch's
    # writes, core/groupcommit.py), every one a site of its own
    assert "sqs.ChangeMessageVisibilityBatch" in sites and sites.count("dynamodb.BatchWriteItem") == 2, sites
    pipeline.assert_all_delivered(p, w.receiver, paths)

    for at, call in enumerate(sites):
        for kind in DELIVERY_KINDS if call in pipeline.EFFECTS else DELIVERY_KINDS[:2]:
            where = f"{kind} at call {at} ({call})"
            p, paths, _ = fresh(w, {"flaky": ["*"]})
            (path,) = paths
            w.receiver.failing["/" + path] = 1
            resources.create(pipeline.ctx(p), ResourceCreate(name="delivered", type="staging"))
            w.stream.pump()
            with w.injector.armed_for(at, kind) as inj:
                w.queue.run()
            assert inj.fired, f"{where}: the deliveries made other calls this time: {inj.calls}"
            figures.add(SECTION, "injected")
            check = pipeline.assert_all_delivered(p, w.receiver, paths)
            (evt,) = pipeline.stored_events(p)
            log = pipeline.deliveries_of(p, evt["id"])
            assert log and log[-1]["status"] == "succeeded", f"{where}: {log}"
            count(check)
            figures.add(SECTION, "survived")


def test_delivery_dies_after_sending_before_recording(w, monkeypatch):
    """Given six messages (three events, two endpoints), when the function dies right
    after one POST was answered 200 and before that attempt is recorded: the invocation
    has no answer, so every message of its batch comes back after the queue's
    visibility timeout. Then every event is delivered, what was sent before the crash
    again with the same id and bytes (the receiver deduplicates on webhook-id), and
    every log ends with a success."""
    p, paths, made = fresh(w, {"a": ["*"], "b": ["*"]})
    for n in range(3):
        resources.create(pipeline.ctx(p), ResourceCreate(name=f"batch {n}", type="staging"))
    w.stream.pump()
    real = deliveries._record
    died: list[tuple[str, str]] = []  # (event, endpoint) of the lost attempt

    def record(msg, endpoint, attempt, resp, succeeded, *rest):
        if succeeded and not died:
            died.append((msg["event"], endpoint["id"]))
            raise Died("after the POST, before its attempt was recorded")
        return real(msg, endpoint, attempt, resp, succeeded, *rest)

    monkeypatch.setattr(deliveries, "_record", record)
    deaths_before = len(w.queue.deaths)
    w.queue.run()
    figures.add(SECTION, "injected")
    (batch,) = w.queue.deaths[deaths_before:]  # the invocation that died: these come back
    assert died[0] in batch
    check = pipeline.assert_all_delivered(p, w.receiver, paths)
    twice = 0
    for evt in pipeline.stored_events(p):
        for path, endpoint in made.items():
            pair = (evt["id"], endpoint["id"])
            log = [(a["attempt"], a["status"]) for a in pipeline.deliveries_of(p, evt["id"])
                   if a["webhook_endpoint"] == endpoint["id"]]
            arrivals = [g.at for g in w.receiver.of(path) if g.webhook_id == evt["id"]]
            if pair not in batch:
                assert (len(arrivals), log) == (1, [(1, "succeeded")]), (pair, arrivals, log)
            elif pair == died[0]:  # sent, not recorded: the crash counts as its first attempt
                assert (len(arrivals), log) == (2, [(2, "succeeded")]), (pair, arrivals, log)
            elif len(arrivals) == 2:  # sent and recorded before the function died
                assert log == [(1, "succeeded"), (2, "succeeded")], (pair, log)
            else:  # not started yet when it died (the crash ends its batch's work)
                assert (len(arrivals), log) == (1, [(2, "succeeded")]), (pair, arrivals, log)
            if len(arrivals) == 2:  # again once the visibility timeout ran out
                twice += 1
                assert arrivals[1] - arrivals[0] >= queues.VISIBILITY_TIMEOUT_S - 1, arrivals
    assert check.events == 6 and check.duplicates == twice >= 1, (check, batch)
    count(check)
    figures.add(SECTION, "survived")


# --- a receiver that is down ----------------------------------------------------------------------


def make_changes(w: World, p: Principal, n: int, label: str) -> None:
    for i in range(n):
        made = resources.create(pipeline.ctx(p), ResourceCreate(name=f"{label} {i}", type="staging"))
        resources.update(pipeline.ctx(p), made["id"], ResourceUpdate(metadata={"batch": label}))
    w.stream.pump()


def test_a_receiver_down_for_a_day_gets_everything_when_it_returns(w):
    """Given a receiver that goes down, and events made at its start, 6 h and 20 h into
    the outage, when it comes back after 26 h: then every event arrives, each at its
    next scheduled attempt (the first ones at their 9th, after retries 5 s ... 10 h
    apart), verified, with no repeats; the endpoint stays enabled and its failure streak
    ends; nothing went to the dead-letter queue."""
    p, paths, made = fresh(w, {"returning": ["*"]})
    (path,), (endpoint,) = paths, made.values()
    w.receiver.down()
    start = clock.now()
    for hours, label in ((0, "at once"), (6, "6 h in"), (20, "20 h in")):
        w.queue.advance(start + hours * HOUR - clock.now())
        make_changes(w, p, 1, label)
    w.queue.advance(start + 26 * HOUR - clock.now())
    assert w.receiver.of(path) == []
    back = clock.now()
    w.receiver.up()
    w.queue.run()
    check = pipeline.assert_all_delivered(p, w.receiver, paths)
    assert check.events == 6 and check.duplicates == 0, check
    arrivals = [g.at - back for g in w.receiver.of(path)]
    assert max(arrivals) <= queues.MAX_VISIBILITY_S, arrivals  # each at its next attempt: within 12 h
    # The first event went through the schedule's later steps
    first = pipeline.stored_events(p)[0]
    log = pipeline.deliveries_of(p, first["id"])
    assert [a["status"] for a in log] == ["failed"] * (len(log) - 1) + ["succeeded"] and len(log) >= 9, log
    assert all("Connection" in (a["error"] or "") for a in log[:-1]), log
    schedule = queues.RETRY_SCHEDULE_S
    for n, (a, b) in enumerate(zip(log, log[1:])):
        assert a["next_attempt_at"] == pytest.approx(b["created"], abs=2)
        longest = min(1.2 * schedule[n], queues.MAX_VISIBILITY_S)
        assert 0.8 * schedule[n] - 2 <= b["created"] - a["created"] <= longest + 2, (n, a, b)
    item = webhook_endpoints.load(p.account_id, p.mode, endpoint["id"])
    assert item["status"] == "enabled" and item.get("failing_since") is None
    assert w.queue.dead_letters() == []
    count(check)
    figures.add(SECTION, "receiver outages survived")


def test_a_receiver_down_past_the_schedule_gets_everything_by_replay(w):
    """Given a receiver down for four days (longer than the ~3-day schedule, shorter
    than the 5 days that disable an endpoint), with events made at its start and two
    days in: the first ones spend their 13 attempts and go to the dead-letter queue.
    When it is back and the user replays the endpoint's failed deliveries since the
    outage began: then every event arrives (the later ones also at their next
    scheduled attempt: same id, same bytes), verified."""
    p, paths, made = fresh(w, {"replayed": ["*"]})
    (path,), (endpoint,) = paths, made.values()
    w.receiver.down()
    since = clock.now_s() - 1
    start = clock.now()
    make_changes(w, p, 1, "day 0")
    w.queue.advance(start + 2 * 86_400 - clock.now())
    make_changes(w, p, 1, "day 2")
    w.queue.advance(start + 4 * 86_400 - clock.now())
    assert w.receiver.of(path) == []
    # The first events' schedule is spent: in the DLQ (the operators' alarm), their last attempt says so
    stored = pipeline.stored_events(p)
    first_day = {e["id"] for e in stored[:2]}
    dead = w.queue.dead_letters()
    assert {m["event"] for m in dead} == first_day and len(dead) == 2, dead
    log = pipeline.deliveries_of(p, stored[0]["id"])
    assert len(log) == queues.max_attempts() and "dead-letter" in log[-1]["error"], log
    assert webhook_endpoints.load(p.account_id, p.mode, endpoint["id"])["status"] == "enabled"
    # When it is back and the user replays
    w.receiver.up()
    path_ = f"/v1/webhook_endpoints/{endpoint['id']}/replay"
    replay = apigw.invoke(p, "POST", path_, body={"since": str(since)})
    assert replay.status == 200, replay
    assert sorted(replay.body["events"]) == sorted(e["id"] for e in stored), replay
    w.queue.run()
    check = pipeline.assert_all_delivered(p, w.receiver, paths)
    assert check.events == 4, check
    assert webhook_endpoints.load(p.account_id, p.mode, endpoint["id"]).get("failing_since") is None
    count(check)
    figures.add(SECTION, "receiver outages survived")
