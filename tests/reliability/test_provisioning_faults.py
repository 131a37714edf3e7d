"""Faults in provisioning (docs/reliability.md, Provisioning): the execution's start
failing (every AWS call the stream processor makes for a created resource, in turn, up
to and including StartExecution: throttled, its answer lost after the execution
started, the function dying just before or after it), and each of the five steps
failing for a while, or for good. The user sees one provisioning per resource, named by
the resource id; it ends active (or failed, with the step, and everything it held
given back); counters stay exact; every change is one event, none lost.

In-process on moto, with moto's Step Functions running the deployed state machine
(pipeline.py; steps without waits, retry waits shortened)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from resource_api.core import db, keys
from resource_api.resources import provisioning, domain as resources
from resource_api.core.accounts import Principal
from resource_api.resources.models import ResourceCreate

from . import figures, pipeline
from .pipeline import World

SECTION = "provisioning"
STEPS = list(provisioning.STEPS)


@pytest.fixture(scope="module")
def w() -> Iterator[World]:
    with pipeline.world(with_provisioning=True) as world, pipeline.quick_retries():
        world.stream.between_retries = world.stream.after_batch = lambda: pipeline.settle(world)
        yield world


def counter(p: Principal) -> dict[str, int]:
    return {k: v for k, v in resources.counts(p.account_id, p.mode).items() if v}


def runtime_item(p: Principal, resource_id: str) -> dict | None:
    key = db.to_item(keys.resource_runtime(p.account_id, p.mode, resource_id))
    return db.from_item(db.client().get_item(TableName=db.table(), Key=key, ConsistentRead=True).get("Item"))


def create(w: World) -> tuple[Principal, str]:
    p = w.principal("scale")
    created = resources.create(pipeline.ctx(p), ResourceCreate(name="provisioned", type="production"))
    return p, created["id"]


def finish(w: World) -> None:
    """Whatever the stream still holds (the steps' changes) through the stream processor."""
    pipeline.settle(w)
    w.stream.pump()


def assert_provisioned_once(w: World, p: Principal, rid: str, baseline: Counter[str], where: str) -> None:
    """One execution, named by the resource id, succeeded; the resource is active with
    exact counters; every change is one event, as without the fault."""
    runs = pipeline.executions(w, rid)
    assert [(e["name"], e["status"]) for e in runs] == [(rid, "SUCCEEDED")], f"{where}: {runs}"
    got = resources.retrieve(pipeline.ctx(p), rid)
    assert got["status"] == "active" and got["provisioning"]["status"] == "completed", f"{where}: {got}"
    assert counter(p) == {"total": 1, "active": 1, "reserved": 1}, where
    events = pipeline.stored_events(p)
    assert len({e["id"] for e in events}) == len(events), where
    assert Counter(e["type"] for e in events) == baseline, f"{where}: {Counter(e['type'] for e in events)}"


@pytest.fixture(scope="module")
def baseline(w: World) -> dict[str, object]:
    """A create with no fault: the calls the stream processor's provisioning subscriber
    makes for it (the ones before are the events subscriber's, which
    test_webhook_faults.py sweeps), and the events a provisioned resource makes."""
    w.stream.pump()
    p, rid = create(w)
    starts: list[int] = []
    real = provisioning.on_change

    def on_change(change):
        if change.name == "INSERT" and change.entity == "resource":
            starts.append(len(probe.calls))
        return real(change)

    with pytest.MonkeyPatch.context() as mp, w.injector.armed_for() as probe:
        mp.setattr(provisioning, "on_change", on_change)
        w.stream.pump()
    calls = list(probe.calls)
    assert len(starts) == 1 and "stepfunctions.StartExecution" in calls[starts[0]:], (starts, calls)
    finish(w)
    types = Counter(e["type"] for e in pipeline.stored_events(p))
    assert types["resource.created"] == 1 and types["resource.status_changed"] == 1, types
    first = starts[0]
    last = calls.index("stepfunctions.StartExecution", first)
    return {"sites": list(enumerate(calls))[first : last + 1], "events": types}


def test_execution_start_faults_at_every_call_site(w, baseline):
    """Given a created resource, when each AWS call that starts its provisioning (the
    account's plan, StartExecution) fails, or its answer is lost after it took effect,
    or the stream processor dies just before or after it: then the record is retried
    and the resource is provisioned once, by one execution named by its id (a retried
    start of a started execution is refused as ExecutionAlreadyExists: done)."""
    sites: list[tuple[int, str]] = baseline["sites"]  # type: ignore[assignment]
    for at, call in sites:
        for kind in pipeline.kinds_for(call):
            where = f"{kind} at call {at} ({call})"
            w.stream.pump()
            p, rid = create(w)
            with w.injector.armed_for(at, kind) as inj:
                w.stream.pump()
            assert inj.fired, f"{where}: other calls this time: {inj.calls}"
            figures.add(SECTION, "injected")
            finish(w)
            assert_provisioned_once(w, p, rid, baseline["events"], where)  # type: ignore[arg-type]
            figures.add(SECTION, "survived")
    assert [c for _, c in sites][-1] == "stepfunctions.StartExecution"


@pytest.mark.parametrize("step", range(1, len(STEPS) + 1), ids=STEPS)
def test_a_step_failing_for_a_while_is_retried(w, baseline, step):
    """Given DynamoDB throttles one step's transaction twice: then the state machine
    retries it and the resource ends active, provisioned once."""
    w.stream.pump()
    with pipeline.StepFault(step, times=2) as fault:
        p, rid = create(w)
        w.stream.pump()
        finish(w)
    figures.add(SECTION, "injected")
    assert fault.calls == 3, fault.calls  # two throttled, then the one that went through
    assert_provisioned_once(w, p, rid, baseline["events"], STEPS[step - 1])  # type: ignore[arg-type]
    figures.add(SECTION, "survived")


@pytest.mark.parametrize("step", range(1, len(STEPS) + 1), ids=STEPS)
def test_a_step_failing_for_good_fails_the_resource_cleanly(w, step):
    """Given DynamoDB throttles one step's transaction every time: then after its
    retries the resource is `failed` with provisioning_error naming the step, whatever
    it held is given back (reserved capacity, runtime configuration), the counters are
    exact, and the change to failed is one resource.status_changed event."""
    w.stream.pump()
    with pipeline.StepFault(step, times=100) as fault:
        p, rid = create(w)
        w.stream.pump()
        finish(w)
    figures.add(SECTION, "injected")
    assert fault.calls == 4, fault.calls  # tried once, retried three times
    runs = pipeline.executions(w, rid)
    assert [(e["name"], e["status"]) for e in runs] == [(rid, "FAILED")], runs
    got = resources.retrieve(pipeline.ctx(p), rid)
    assert got["status"] == "failed", got
    failure = got["provisioning"]["failure"]
    assert (failure["code"], failure["step"]) == ("provisioning_error", STEPS[step - 1]), failure
    assert got["provisioning"]["steps_completed"] == step - 1
    assert counter(p) == {"total": 1, "failed": 1}
    assert runtime_item(p, rid) is None
    events = pipeline.stored_events(p)
    changed = [e for e in events if e["type"] == "resource.status_changed"]
    moves = [(e["data"]["previous_attributes"], e["data"]["object"]["status"]) for e in changed]
    assert moves == [({"status": "pending"}, "failed")], moves
    assert len({e["id"] for e in events}) == len(events)
    figures.add(SECTION, "survived")
