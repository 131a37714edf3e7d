"""Domain logic without DynamoDB: resource operations plan a unit of work (frame/unit.py)
from what they are given, and the commit's rules (plan again on a stale condition, sum
an atomic batch's counters) are plain code. Any call to DynamoDB fails these tests."""

from __future__ import annotations

from typing import Any

import pytest

from resource_api.core import db, keys
from resource_api.core.accounts import Principal
from resource_api.core.errors import ApiError
from resource_api.frame import unit
from resource_api.frame.request import RequestContext
from resource_api.frame.unit import Counter, Unit
from resource_api.resources import domain
from resource_api.resources.models import ResourceCreate, ResourceUpdate

RID = "res_01hf7yat00jg3044bweht3mk"


class NoDynamoDB:
    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"DynamoDB was called: {name}")


@pytest.fixture(autouse=True)
def no_dynamodb():
    db.set_client(NoDynamoDB())
    yield
    db.set_client(None)


@pytest.fixture
def ctx() -> RequestContext:
    return RequestContext(Principal("acct_unit", "test", "key_unit", "free"), "req_" + "1" * 32)


def stored(ctx: RequestContext, status: str = "active", **extra: Any) -> dict[str, Any]:
    return {
        **keys.resource(ctx.account_id, ctx.mode, RID), "id": RID, "account_id": ctx.account_id, "mode": ctx.mode,
        "entity": "resource", "created": 1_700_000_000, "updated": 1_700_000_000, "name": "Stored", "type": "staging",
        "status": status, "configuration": {"timeout_ms": 5000}, "metadata": {}, "version": 4, **extra,
    }


def deltas(u: Unit) -> dict[str, int]:
    """The counts the unit moves: total and per status on a shard, `reserved` on the main
    counter item (where provisioning checks it against the plan)."""
    out: dict[str, int] = {}
    for counter in u.counters:
        assert counter.key == keys.resource_counter("acct_unit", "test")
        assert bool(counter.shards) == ("reserved" not in counter.deltas), counter
        out.update(counter.deltas)
    return out


def test_create_plans_one_put_and_the_counts_it_moves(ctx):
    u = domain.plan_create(ctx, ResourceCreate(name="Planned", type="staging"))
    (write,) = u.writes
    assert write["Put"]["ConditionExpression"] == "attribute_not_exists(pk)"
    assert deltas(u) == {"total": 1, "pending": 1}
    assert u.body["object"] == "resource" and u.body["status"] == "pending" and u.body["name"] == "Planned"
    assert u.conflict is not None and u.conflict.code == "resource_conflict"


def test_update_plans_from_the_item_it_is_given_and_moves_the_status_counts(ctx):
    u = domain.plan_update(ctx, RID, ResourceUpdate(status="paused"), stored(ctx))
    (write,) = u.writes
    assert write["Put"]["ConditionExpression"] == "version = :v"
    assert write["Put"]["ExpressionAttributeValues"] == {":v": {"N": "4"}}
    assert deltas(u) == {"active": -1, "paused": 1}
    assert u.body["status"] == "paused" and u.replan is not None and u.attempts == domain.UPDATE_ATTEMPTS
    # And a rename moves no count
    assert domain.plan_update(ctx, RID, ResourceUpdate(name="Renamed"), stored(ctx)).counters == []


def test_update_with_if_match_is_never_planned_again(ctx):
    ctx.if_match = '"' + "0" * 32 + '"'
    with pytest.raises(ApiError) as refused:
        domain.plan_update(ctx, RID, ResourceUpdate(name="Renamed"), stored(ctx))
    assert refused.value.code == "precondition_failed"


def test_delete_plans_without_a_read_and_again_from_the_item_as_it_is(ctx):
    blind = domain.plan_delete(ctx, RID)
    assert blind.assumed and blind.after == []
    assert deltas(blind) == {"total": -1, "active": -1, "reserved": -1}
    # Given the resource was still pending: the plan from it gives back no capacity and
    # stops its provisioning once committed
    again = blind.replan(stored(ctx, status="pending"))
    assert not again.assumed and deltas(again) == {"total": -1, "pending": -1} and len(again.after) == 1
    assert "version = :v" in again.writes[0]["Delete"]["ConditionExpression"]


class Cancelled(Exception):
    def __init__(self, *reasons: dict[str, Any]) -> None:
        self.response = {"Error": {"Code": "TransactionCanceledException"}, "CancellationReasons": list(reasons)}


def test_commit_plans_again_while_the_first_condition_fails_then_answers_the_conflict(monkeypatch):
    sent: list[list[dict[str, Any]]] = []
    now = {"pk": {"S": "A"}, "sk": {"S": "B"}, "version": {"N": "2"}}

    def transact(items):
        sent.append(items)
        raise Cancelled({"Code": "ConditionalCheckFailed", "Item": now})

    monkeypatch.setattr(unit, "transact", transact)
    seen: list[Any] = []

    def plan(item: dict[str, Any] | None, left: int = 3) -> Unit:
        seen.append(item)
        return Unit({"n": left}, [{"Put": {"Item": {}}}], conflict=ApiError("resource_conflict"),
                    replan=(lambda i: plan(i, left - 1)) if left > 1 else None, attempts=left)

    with pytest.raises(ApiError) as conflict:
        unit.commit(plan(None), lambda body: body)
    assert conflict.value.code == "resource_conflict"
    assert len(sent) == 3 and seen == [None, {"pk": "A", "sk": "B", "version": 2}, {"pk": "A", "sk": "B", "version": 2}]


def test_an_atomic_batch_sums_counters_per_item_and_drops_what_cancels_out():
    a, b = {"pk": "C#1", "sk": "C"}, {"pk": "C#2", "sk": "C"}
    merged = unit.merge_counters([
        Counter(a, {"total": 1, "pending": 1}), Counter(b, {"toys": 1}), Counter(a, {"total": -1, "active": -1}),
    ])
    assert merged == [Counter(a, {"pending": 1, "active": -1}), Counter(b, {"toys": 1})]
    assert merged[0].write()["Update"]["UpdateExpression"] == "ADD #c0 :c0, #c1 :c1"


def test_a_transaction_cancelled_for_a_conflict_is_answered_503_and_never_stored():
    from botocore.exceptions import ClientError

    from resource_api.core import db

    cancelled = ClientError({"Error": {"Code": "TransactionCanceledException"},
                             "CancellationReasons": [{"Code": "None"}, {"Code": "TransactionConflict"}]},
                            "TransactWriteItems")
    err = db.translate(cancelled)
    assert (err.status, err.code, err.store, err.headers.get("Retry-After")) == (503, "service_unavailable", False, "1")
    # a failed condition beside a conflict is the condition's answer, not a retry
    mixed = ClientError({"Error": {"Code": "TransactionCanceledException"},
                         "CancellationReasons": [{"Code": "ConditionalCheckFailed"}, {"Code": "TransactionConflict"}]},
                        "TransactWriteItems")
    assert not db.conflicted(mixed) and db.conflicted(cancelled)


def _conflicts_first(n_conflicts: int, sent: list):
    """A botocore hook: the first `n_conflicts` TransactWriteItems are cancelled for a
    TransactionConflict before they reach the table (nothing written), as DynamoDB does."""
    from botocore.exceptions import ClientError

    def hook(params, **_):
        sent.append(params["ClientRequestToken"])
        if len(sent) <= n_conflicts:
            raise ClientError({"Error": {"Code": "TransactionCanceledException", "Message": "conflict"},
                               "CancellationReasons": [{"Code": "TransactionConflict"}]}, "TransactWriteItems")
    return hook


@pytest.mark.parametrize("conflicts", [0, 1, 4, 5])
def test_a_conflicted_transaction_is_sent_again_with_jittered_backoff_up_to_five_times(aws, conflicts, caplog):
    from resource_api.core import db

    sent: list[str] = []
    slept: list[float] = []
    events = db.client().meta.events
    hook = _conflicts_first(conflicts, sent)
    events.register("provide-client-params.dynamodb.TransactWriteItems", hook)
    item = {"Put": {"TableName": db.table(), "Item": db.to_item({"pk": "T#1", "sk": "x", "n": 1})}}
    try:
        if conflicts < unit.CONFLICT_ATTEMPTS:
            unit.transact([item], sleep=slept.append)
        else:
            with pytest.raises(Exception) as err:
                unit.transact([item], sleep=slept.append)
            assert db.conflicted(err.value)
    finally:
        events.unregister("provide-client-params.dynamodb.TransactWriteItems", hook)
    stored = db.client().get_item(TableName=db.table(), Key=db.to_item({"pk": "T#1", "sk": "x"})).get("Item")
    assert (stored is not None) == (conflicts < unit.CONFLICT_ATTEMPTS)
    assert len(sent) == min(conflicts + 1, 5) and len(set(sent)) == len(sent), "a new token per attempt"
    assert len(slept) == min(conflicts, 4), "a pause before each attempt again, none after the last"
    for n, pause in enumerate(slept):  # full jitter: 0 .. 10 ms x 2^n, at most 150 ms
        assert 0 <= pause <= min(0.15, 0.01 * 2**n)
    warned = [r for r in caplog.records if "transaction conflict, retrying" in r.getMessage()]
    assert [r.getMessage().split("(")[1] for r in warned] == [f"{n + 1} of 4)" for n in range(len(slept))]


def test_a_failed_condition_is_never_sent_again(aws):
    from resource_api.core import db

    db.client().put_item(TableName=db.table(), Item=db.to_item({"pk": "T#2", "sk": "x"}))
    sent: list[str] = []
    hook = lambda params, **_: sent.append(params["ClientRequestToken"])  # noqa: E731
    db.client().meta.events.register("provide-client-params.dynamodb.TransactWriteItems", hook)
    try:
        with pytest.raises(Exception) as err:
            unit.transact([{"Put": {"TableName": db.table(), "Item": db.to_item({"pk": "T#2", "sk": "x"}),
                                    "ConditionExpression": "attribute_not_exists(pk)"}}], sleep=lambda s: None)
    finally:
        db.client().meta.events.unregister("provide-client-params.dynamodb.TransactWriteItems", hook)
    assert db.cancellation_reasons(err.value) == ["ConditionalCheckFailed"] and len(sent) == 1


def test_a_committed_unit_runs_its_after_actions_once_and_a_failed_one_never(aws):
    from resource_api.core import db

    ran: list[str] = []
    put = lambda sk, cond=None: {"Put": {"TableName": db.table(), "Item": db.to_item({"pk": "T#3", "sk": sk}),  # noqa: E731
                                         **({"ConditionExpression": cond} if cond else {})}}
    ok = Unit({"id": "a"}, [put("a")], after=[lambda: ran.append("a")])
    assert unit.commit(ok, lambda body: body) == {"id": "a"} and ran == ["a"]
    # writes[1]'s condition fails: its own error answers, nothing is written, nothing runs after
    taken = ApiError("resource_conflict")
    failing = Unit({"id": "b"}, [put("b"), put("a", "attribute_not_exists(pk)")], failures={1: taken},
                   conflict=ApiError("precondition_failed"), after=[lambda: ran.append("b")])
    with pytest.raises(ApiError) as err:
        unit.commit(failing, lambda body: body)
    assert err.value is taken and ran == ["a"]
    assert db.client().get_item(TableName=db.table(), Key=db.to_item({"pk": "T#3", "sk": "b"})).get("Item") is None



def test_commit_stops_planning_after_the_attempts_the_unit_allows_and_answers_its_conflict(monkeypatch):
    now = {"pk": {"S": "A"}, "sk": {"S": "B"}, "version": {"N": "9"}}
    sent: list[Any] = []

    def transact(items):
        sent.append(items)
        raise Cancelled({"Code": "ConditionalCheckFailed", "Item": now})

    monkeypatch.setattr(unit, "transact", transact)

    def plan(item: dict[str, Any] | None) -> Unit:  # could always plan again: `attempts` decides
        return Unit({}, [{"Put": {"Item": {}}}], conflict=ApiError("precondition_failed"), replan=plan, attempts=2)

    with pytest.raises(ApiError) as conflict:
        unit.commit(plan(None), lambda body: body)
    assert conflict.value.code == "precondition_failed" and len(sent) == 2
