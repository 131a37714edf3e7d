"""AWS faults at every AWS call site of each resource operation, in turn, in-process
against moto: the handler (invoked with an API Gateway event, as Lambda would) answers
the right error, the table is never half-written (the counter item always equals the
resources per status), and a retry with the same Idempotency-Key ends correct."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.exceptions import ReadTimeoutError

from resource_api.core import accounts, clock, db, keys

from . import apigw, figures
from .pipeline import Http, aws_error

STATUSES = ("pending", "active", "paused", "archived", "failed")


# --- fault injection on the shared DynamoDB client ------------------------------------------


def _condition_failure(operation: str) -> tuple[Http, dict[str, Any]]:
    if operation == "TransactWriteItems":
        return aws_error(
            "TransactionCanceledException",
            400,
            CancellationReasons=[{"Code": "ConditionalCheckFailed"}, {"Code": "None"}],
        )
    return aws_error("ConditionalCheckFailedException", 400)


def _timeout(**_: Any) -> None:
    raise ReadTimeoutError(endpoint_url="http://dynamodb.injected")


# kind -> (when, what): "before" answers instead of AWS (nothing written); "after" lets
# the call succeed and then loses the answer (written, but the caller cannot know).
FAULTS: dict[str, tuple[str, Any]] = {
    "throttling": ("before", lambda op: aws_error("ThrottlingException", 400)),
    "internal_error": ("before", lambda op: aws_error("InternalServerError", 500)),
    "read_timeout": ("before", lambda op: _timeout()),
    "condition_failed": ("before", _condition_failure),
    "timeout_after_write": ("after", lambda op: _timeout()),
}
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems"}


@dataclass
class Injector:
    """Counts the DynamoDB calls of a request; fails call number `at` with `kind`."""

    at: int | None = None
    kind: str | None = None
    calls: list[str] = field(default_factory=list)
    fired: bool = False

    def before(self, model: Any, params: Any, **_: Any) -> Any:
        self.calls.append(model.name)
        index = len(self.calls) - 1
        if index == self.at and FAULTS[self.kind][0] == "before":
            self.fired = True
            return FAULTS[self.kind][1](model.name)
        return None

    def after(self, model: Any, **_: Any) -> None:
        index = len(self.calls) - 1
        if index == self.at and FAULTS[self.kind][0] == "after":
            self.fired = True
            FAULTS[self.kind][1](model.name)


@pytest.fixture
def injector(aws):
    inj = Injector()
    events = db.client().meta.events
    events.register("before-call.dynamodb", inj.before, unique_id="fault-before")
    events.register("after-call.dynamodb", inj.after, unique_id="fault-after")
    yield inj
    events.unregister("before-call.dynamodb", unique_id="fault-before")
    events.unregister("after-call.dynamodb", unique_id="fault-after")


# --- the table, as it is --------------------------------------------------------------


def new_principal() -> accounts.Principal:
    account = accounts.create_account(plan="enterprise")
    return accounts.Principal(account_id=account["id"], mode="test", key_id="key_" + uuid.uuid4().hex[:20], plan="enterprise")


def stored_resources(p: accounts.Principal) -> list[dict[str, Any]]:
    out, start = [], None
    while True:
        kwargs = {"ExclusiveStartKey": start} if start else {}
        resp = db.client().query(
            TableName=db.table(),
            KeyConditionExpression="pk = :p AND begins_with(sk, :r)",
            ExpressionAttributeValues=db.values(p=keys.resource_partition(p.account_id, p.mode), r="res_"),
            ConsistentRead=True,
            **kwargs,
        )
        out += [db.from_item(i) for i in resp["Items"]]
        start = resp.get("LastEvaluatedKey")
        if not start:
            return out


def assert_counters_match(p: accounts.Principal) -> None:
    """The counter item equals the real number of resources, in total and per status."""
    items = stored_resources(p)
    from resource_api.resources.domain import counts  # the counter item and its shards

    counter = counts(p.account_id, p.mode)
    actual = Counter(i["status"] for i in items)
    assert int(counter.get("total", 0)) == len(items), (counter, actual)
    for status in STATUSES:
        assert int(counter.get(status, 0)) == actual[status], (status, counter, actual)
    for item in items:  # and each resource is listed under its own status
        assert item["gsi1pk"] == keys.resource_status_partition(p.account_id, p.mode, item["status"])


def seed_active(p: accounts.Principal) -> str:
    """A resource that finished provisioning (status active), as provisioning leaves it."""
    created = apigw.invoke(p, "POST", "/v1/resources", body={"name": "seed", "type": "staging"})
    assert created.status == 201, created
    rid = created.body["id"]
    item = db.from_item(db.client().get_item(TableName=db.table(), Key=db.to_item(keys.resource(p.account_id, p.mode, rid))).get("Item"))
    db.client().transact_write_items(
        TransactItems=[
            {
                "Update": {
                    "TableName": db.table(),
                    "Key": db.to_item(keys.resource(p.account_id, p.mode, rid)),
                    "UpdateExpression": "SET #s = :a, gsi1pk = :g, version = :v REMOVE #p",
                    "ExpressionAttributeNames": {"#s": "status", "#p": "provisioning"},
                    "ExpressionAttributeValues": db.values(
                        a="active", g=keys.resource_status_partition(p.account_id, p.mode, "active"), v=item["version"] + 1
                    ),
                }
            },
            {
                "Update": {
                    "TableName": db.table(),
                    "Key": db.to_item(keys.resource_counter(p.account_id, p.mode)),
                    "UpdateExpression": "ADD pending :m, active :o",
                    "ExpressionAttributeValues": db.values(m=-1, o=1),
                }
            },
        ]
    )
    return rid


# --- the operations under test ---------------------------------------------------------------


@dataclass
class Op:
    name: str
    method: str
    path: str  # {id} is a seeded active resource
    body: dict[str, Any] | None = None
    seeded: bool = False


OPS = [
    Op("create", "POST", "/v1/resources", {"name": "faulty", "type": "production"}),
    Op("update", "PATCH", "/v1/resources/{id}", {"status": "paused", "name": "renamed"}, seeded=True),
    Op("delete", "DELETE", "/v1/resources/{id}", seeded=True),
    Op("list", "GET", "/v1/resources"),
    Op("get", "GET", "/v1/resources/{id}", seeded=True),
]


def _run(injector: Injector, op: Op, at: int | None, kind: str | None, key: str):
    p = new_principal()
    path = op.path.replace("{id}", seed_active(p)) if op.seeded else op.path
    injector.calls.clear()
    injector.at, injector.kind, injector.fired = at, kind, False
    headers = {"Idempotency-Key": key} if op.method != "GET" else {}
    answer = apigw.invoke(p, op.method, path, body=op.body, headers=headers)
    injector.at = None
    return p, path, headers, answer


def _call_sites(injector: Injector, op: Op) -> list[str]:
    _, _, _, answer = _run(injector, op, None, None, "probe-" + uuid.uuid4().hex)
    assert answer.status < 300, answer
    return list(injector.calls)


# --- one case per (operation, call site, fault): discovered before the cases run ------------


@dataclass(frozen=True)
class Case:
    op: Op
    at: int  # the call's index among the request's DynamoDB calls
    operation: str  # what that call is (UpdateItem, TransactWriteItems...)
    kind: str

    @property
    def id(self) -> str:
        return f"{self.op.name}-{self.at}-{self.operation}-{self.kind}"


_SITES: dict[str, list[str]] = {}


def call_sites() -> dict[str, list[str]]:
    """Every operation's DynamoDB calls, in order, from one fault-free request each on a
    fresh in-process moto (run once, when the cases are collected)."""
    if not _SITES:
        import boto3
        from moto import mock_aws

        from resource_api.core import table
        from resource_api.frame import key_limits

        with mock_aws():
            client = boto3.client("dynamodb")
            client.create_table(**table.create_table_request())
            db.set_client(client)
            key_limits.forget_leases()
            injector = Injector()
            client.meta.events.register("before-call.dynamodb", injector.before, unique_id="discover-sites")
            try:
                for op in OPS:
                    _SITES[op.name] = _call_sites(injector, op)
            finally:
                db.set_client(None)
                key_limits.forget_leases()
    return _SITES


def cases() -> list[Case]:
    out = []
    for op in OPS:
        for at, operation in enumerate(call_sites()[op.name]):
            for kind in FAULTS:
                if kind in ("condition_failed", "timeout_after_write") and operation not in WRITES:
                    continue  # a read cannot fail a condition, nor write before its answer is lost
                out.append(Case(op, at, operation, kind))
    return out


def pytest_generate_tests(metafunc):  # noqa: ANN001, ANN201 - pytest's hook, for this module
    if "case" in metafunc.fixturenames:
        found = cases()
        metafunc.parametrize("case", found, ids=[c.id for c in found])


def test_every_operation_makes_aws_calls_and_every_call_gets_faults():
    sites = call_sites()
    assert set(sites) == {op.name for op in OPS} and all(sites.values()), sites
    assert {c.operation for c in cases()} >= {"UpdateItem", "PutItem", "TransactWriteItems", "Query", "GetItem"}


def test_fault_at_a_call_site(injector, case):
    op, at, operation, kind = case.op, case.at, case.operation, case.kind
    key = f"fault-{case.id}"
    p, path, headers, first = _run(injector, op, at, kind, key)
    where = f"{case.id} -> {first}"
    # The fault was injected where it was meant to be
    assert injector.fired, f"{where}: the injector did not fire (calls {injector.calls})"
    assert injector.calls[at] == operation, f"{where}: call {at} is {injector.calls[at]} now"
    figures.add("faults", "injected")
    # Then the answer is a success, or the error object with a retry hint
    assert first.status in (200, 201, 409, 500, 503), where
    if first.status >= 500:
        assert first.code in ("internal_error", "service_unavailable"), where
        assert first.body["error"]["type"] == "api_error", where
        # a retry hint: Retry-After, or at least the message says to retry
        assert first.headers.get("retry-after") or "retry" in first.body["error"]["message"].lower(), where
        if kind == "throttling" and operation == "TransactWriteItems":
            assert first.status == 503 and first.code == "service_unavailable", where
    if first.status == 409:
        assert first.code in ("resource_conflict", "idempotency_key_in_use"), where
    # And nothing is half-written
    assert_counters_match(p)
    # When the client retries with the same key (the fault has passed)
    retry = apigw.invoke(p, op.method, path, body=op.body, headers=headers)
    if retry.status == 409 and retry.code == "idempotency_key_in_use":
        # the first attempt's lock outlived it: a retry after the lock proceeds
        clock.set_offset(clock.offset() + 60)
        try:
            retry = apigw.invoke(p, op.method, path, body=op.body, headers=headers)
        finally:
            clock.set_offset(0)
    # Then the retry ends it: never a 5xx once the fault has passed; a stored answer is
    # replayed as it was; an error that stored nothing lets the work run, once
    assert retry.status < 500, f"{where}; retry {retry}"
    if op.method == "GET":
        assert retry.status == 200, f"{where}; retry {retry}"
    elif first.status < 500 and first.code != "idempotency_key_in_use":
        assert retry.headers.get("idempotent-replayed") == "true", f"{where}; retry {retry}"
        assert (retry.status, retry.body) == (first.status, first.body), f"{where}; retry {retry}"
    else:
        assert retry.status in (200, 201), f"{where}; retry {retry}"
    # And the table is consistent and the key made at most one object
    assert_counters_match(p)
    if op.name == "create":
        made = [r["id"] for r in stored_resources(p) if r.get("idempotency_key") == key]
        assert made == ([retry.body["id"]] if retry.status == 201 else []), f"{where}; the key made {made}"
    if op.name == "delete" and retry.status == 200:
        assert apigw.invoke(p, "GET", path).status == 404, where
    figures.add("faults", "survived")


def test_a_write_and_its_idempotency_record_commit_together(injector):
    # Given a create with a key: its last DynamoDB call is the transaction that holds both
    # the resource and the key's stored answer (nothing is written after the work)
    op = OPS[0]
    sites = _call_sites(injector, op)
    assert sites[-1] == "TransactWriteItems", sites
    # When that transaction commits but its answer is lost (a timeout after the write)
    p, path, headers, first = _run(injector, op, len(sites) - 1, "timeout_after_write", "lost-answer")
    assert first.status == 500 and first.headers.get("retry-after"), first
    # Then an immediate retry with the same key replays the one resource the key made
    retry = apigw.invoke(p, op.method, path, body=op.body, headers=headers)
    made = [r for r in stored_resources(p) if r.get("idempotency_key") == "lost-answer"]
    assert retry.status == 201 and retry.headers.get("idempotent-replayed") == "true", retry
    assert [r["id"] for r in made] == [retry.body["id"]]
    assert_counters_match(p)


def test_a_failed_transaction_does_not_pin_its_500_to_the_key(injector):
    # Given a create whose transaction fails with an internal error (nothing committed:
    # the key's completion was in the same transaction, so its lock proves it)
    op = OPS[0]
    sites = _call_sites(injector, op)
    p, path, headers, first = _run(injector, op, len(sites) - 1, "internal_error", "not-pinned")
    assert first.status == 500 and first.code == "internal_error" and first.headers.get("retry-after"), first
    assert stored_resources(p) == []
    # When the client retries at once with the same key
    retry = apigw.invoke(p, op.method, path, body=op.body, headers=headers)
    # Then the work runs (no 500 replayed for 24 h, no 409 until a lock expires), once
    made = [r for r in stored_resources(p) if r.get("idempotency_key") == "not-pinned"]
    assert retry.status == 201 and "idempotent-replayed" not in retry.headers, retry
    assert [r["id"] for r in made] == [retry.body["id"]]


def _race_past_the_lock(p: accounts.Principal, method: str, path: str, body: Any, headers: dict[str, str]):
    """Attempt A stalls just before its transaction; meanwhile its lock expires and attempt
    B (same key, another Lambda sandbox: its own thread and event loop) runs in full.
    Returns (A's answer, B's answer)."""
    import asyncio
    import threading

    answers: dict[str, Any] = {}
    stalled = threading.Event()
    events = db.client().meta.events

    def stall_a(model: Any, **_: Any) -> None:
        if model.name != "TransactWriteItems" or stalled.is_set():
            return
        stalled.set()
        clock.set_offset(120)

        def attempt_b() -> None:
            asyncio.set_event_loop(asyncio.new_event_loop())
            answers["b"] = apigw.invoke(p, method, path, body=body, headers=headers)

        b = threading.Thread(target=attempt_b)
        b.start()
        b.join(60)

    events.register("before-call.dynamodb", stall_a, unique_id="fence-stall")
    try:
        answers["a"] = apigw.invoke(p, method, path, body=body, headers=headers)
    finally:
        events.unregister("before-call.dynamodb", unique_id="fence-stall")
        clock.set_offset(0)
    return answers["a"], answers["b"]


def test_an_attempt_whose_lock_was_taken_over_writes_nothing(injector):
    """Attempt A stalls past its lock; attempt B (same key) takes the lock over and
    creates the resource. A's transaction is fenced by its lost lock: one resource."""
    op = OPS[0]
    p = new_principal()
    headers = {"Idempotency-Key": "fenced"}
    a, b = _race_past_the_lock(p, op.method, op.path, op.body, headers)
    assert b.status == 201, b
    assert a.status == 409 and a.code == "idempotency_key_in_use", a
    made = [r for r in stored_resources(p) if r.get("idempotency_key") == "fenced"]
    assert [r["id"] for r in made] == [b.body["id"]]
    assert_counters_match(p)
    # And the key answers B's resource from now on
    again = apigw.invoke(p, op.method, op.path, body=op.body, headers=headers)
    assert again.status == 201 and again.body["id"] == b.body["id"], again


# --- PATCH: the key's lock is on the resource itself (idempotency.execute's item_key) ---------


def _stored_resource(p: accounts.Principal, rid: str) -> dict[str, Any]:
    return db.from_item(
        db.client().get_item(TableName=db.table(), Key=db.to_item(keys.resource(p.account_id, p.mode, rid)),
                             ConsistentRead=True)["Item"]
    )


def _locks_on(item: dict[str, Any]) -> list[str]:
    from resource_api.frame import idempotency

    return [k for k in item if k.startswith(idempotency.LOCK_PREFIX)]


def test_an_idempotent_patch_reads_nothing_and_leaves_no_lock(injector):
    # Given an idempotent PATCH of a settled resource
    op = OPS[1]
    p, path, headers, first = _run(injector, op, None, None, "patch-no-read")
    assert first.status == 200, first
    # Then it made no read: the lock (a write that returns the resource) and one transaction
    writes = list(injector.calls)
    assert "GetItem" not in writes and writes[-2:] == ["UpdateItem", "TransactWriteItems"], writes
    rid = path.rsplit("/", 1)[1]
    item = _stored_resource(p, rid)
    assert _locks_on(item) == [] and item["name"] == "renamed"
    # And a retry replays the answer without applying the PATCH again
    version = item["version"]
    retry = apigw.invoke(p, op.method, path, body=op.body, headers=headers)
    assert retry.status == 200 and retry.headers.get("idempotent-replayed") == "true", retry
    assert retry.body == first.body
    again = _stored_resource(p, rid)
    assert again["version"] == version and _locks_on(again) == []
    # And the same key on another request is refused, on this resource or another one
    other = apigw.invoke(p, op.method, path, body={"name": "other"}, headers=headers)
    assert other.status == 400 and other.code == "idempotency_key_reused", other
    elsewhere = apigw.invoke(p, "POST", "/v1/resources", body={"name": "xyz", "type": "staging"}, headers=headers)
    assert elsewhere.status == 400 and elsewhere.code == "idempotency_key_reused", elsewhere
    assert _stored_resource(p, rid)["version"] == version


def test_a_patch_whose_answer_is_lost_is_replayed_exactly(injector):
    # Given a PATCH whose transaction commits but whose answer is lost
    op = OPS[1]
    sites = _call_sites(injector, op)
    p, path, headers, first = _run(injector, op, len(sites) - 1, "timeout_after_write", "patch-lost")
    assert first.status == 500, first
    rid = path.rsplit("/", 1)[1]
    committed = _stored_resource(p, rid)
    # When the client retries at once with the same key
    retry = apigw.invoke(p, op.method, path, body=op.body, headers=headers)
    # Then the committed answer is replayed, and the PATCH was applied once
    assert retry.status == 200 and retry.headers.get("idempotent-replayed") == "true", retry
    assert retry.body["updated"] == committed["updated"] and retry.body["status"] == "paused"
    assert _stored_resource(p, rid)["version"] == committed["version"]
    assert_counters_match(p)


def test_a_patch_whose_lock_was_taken_over_writes_nothing(injector):
    """PATCH attempt A stalls past its lock on the resource; B (same key) takes it over
    and applies the PATCH. A's transaction is fenced (by the lock, and by the key's
    record B committed): applied once, and A answers what B did."""
    op = OPS[1]
    p = new_principal()
    rid = seed_active(p)
    path = op.path.replace("{id}", rid)
    headers = {"Idempotency-Key": "patch-fenced"}
    before = _stored_resource(p, rid)["version"]
    a, b = _race_past_the_lock(p, op.method, path, op.body, headers)
    assert b.status == 200, b
    # A's transaction failed on B's committed record: A answers it (as a replay)
    assert a.status == 200 and a.body == b.body and a.headers.get("idempotent-replayed") == "true", a
    item = _stored_resource(p, rid)
    assert item["version"] == before + 1 and _locks_on(item) == []
    assert_counters_match(p)
    again = apigw.invoke(p, op.method, path, body=op.body, headers=headers)
    assert again.status == 200 and again.body == b.body, again


def test_patch_lock_edges_in_flight_refused_errors_stored_gone_resource_replayed(injector):
    from resource_api.frame import idempotency

    p = new_principal()
    rid = seed_active(p)
    path = f"/v1/resources/{rid}"
    item_key = keys.resource(p.account_id, p.mode, rid)
    # Given another attempt with the key holding the lock on the resource
    ctx_like = type("C", (), {"request_id": "req_other"})()
    token, _, _ = idempotency._acquire_on(ctx_like, "in-flight", "fp", 30_000, item_key)
    assert token
    busy = apigw.invoke(p, "PATCH", path, body={"name": "busy"}, headers={"Idempotency-Key": "in-flight"})
    # Then a request with that key is told to retry later, and nothing is applied
    assert busy.status == 409 and busy.code == "idempotency_key_in_use" and busy.headers.get("retry-after"), busy
    assert _stored_resource(p, rid)["name"] == "seed"
    # Given a PATCH with a key that fails its precondition (If-Match of another version)
    headers = {"Idempotency-Key": "stale-etag", "If-Match": '"not-the-etag"'}
    failed = apigw.invoke(p, "PATCH", path, body={"name": "nope"}, headers=headers)
    assert failed.status == 412 and failed.code == "precondition_failed", failed
    # Then that answer is the key's (replayed), and the lock is off the resource
    again = apigw.invoke(p, "PATCH", path, body={"name": "nope"}, headers=headers)
    assert again.status == 412 and again.headers.get("idempotent-replayed") == "true", again
    assert _locks_on(_stored_resource(p, rid)) == [_lock_for("in-flight")]
    # Given a PATCH answered, then the resource deleted
    done = apigw.invoke(p, "PATCH", path, body={"name": "last"}, headers={"Idempotency-Key": "before-delete"})
    assert done.status == 200, done
    gone = apigw.invoke(p, "DELETE", path, headers={"Idempotency-Key": "the-delete"})
    assert gone.status == 200, gone
    # Then the key still replays its answer, and a new key gets the 404
    replay = apigw.invoke(p, "PATCH", path, body={"name": "last"}, headers={"Idempotency-Key": "before-delete"})
    assert replay.status == 200 and replay.body == done.body and replay.headers.get("idempotent-replayed") == "true"
    missing = apigw.invoke(p, "PATCH", path, body={"name": "last"}, headers={"Idempotency-Key": "after-delete"})
    assert missing.status == 404 and missing.code == "resource_missing", missing


def _lock_for(key: str) -> str:
    from resource_api.frame import idempotency

    return idempotency._lock_attribute(key)


# --- atomic batches: the commit-time path (batch/domain.py) ----------------------------------


@dataclass
class Racer:
    """Another writer that changes an object just before an atomic batch's transaction
    reaches DynamoDB (a botocore before-call hook): the transaction is cancelled at
    commit time, after every operation was planned. `times` races, then it lets go."""

    p: accounts.Principal
    rid: str
    times: int
    raced: int = 0
    transactions: list[int] = field(default_factory=list)  # items per TransactWriteItems seen

    def before(self, model: Any, params: Any, **_: Any) -> None:
        if model.name != "TransactWriteItems":
            return
        self.transactions.append(len(json.loads(params["body"])["TransactItems"]))  # the request as sent
        if self.raced >= self.times:
            return
        self.raced += 1
        db.client().update_item(  # the other writer: a new name and version on the object
            TableName=db.table(),
            Key=db.to_item(keys.resource(self.p.account_id, self.p.mode, self.rid)),
            UpdateExpression="SET #n = :n, version = version + :one",
            ExpressionAttributeNames={"#n": "name"},
            ExpressionAttributeValues=db.values(n=f"renamed by another writer {self.raced}", one=1),
        )


@pytest.fixture
def race(aws):
    registered: list[Racer] = []

    def start(p: accounts.Principal, rid: str, times: int) -> Racer:
        racer = Racer(p, rid, times)
        db.client().meta.events.register("before-call.dynamodb", racer.before, unique_id="batch-race")
        registered.append(racer)
        return racer

    yield start
    if registered:
        db.client().meta.events.unregister("before-call.dynamodb", unique_id="batch-race")


def _atomic_batch(p: accounts.Principal, b: str, c: str) -> Any:
    """Create A, rename B, tag C: one atomic batch (C is the object another writer races for)."""
    ops = [
        {"method": "POST", "path": "/v1/resources", "body": {"name": "batch-made", "type": "staging"}},
        {"method": "PATCH", "path": f"/v1/resources/{b}", "body": {"name": "batch-renamed"}},
        {"method": "PATCH", "path": f"/v1/resources/{c}", "body": {"metadata": {"batch": "yes"}}},
    ]
    return apigw.invoke(p, "POST", "/v1/batch", body={"operations": ops, "atomic": True}, json_body=True)


def test_an_atomic_batch_that_loses_a_race_at_commit_is_planned_again_and_commits(race):
    # Given an atomic batch of three operations, and another writer that changes the
    # third operation's object once, just before the batch's transaction commits
    p = new_principal()
    b, c = seed_active(p), seed_active(p)
    racer = race(p, c, times=1)
    answer = _atomic_batch(p, b, c)
    # Then the cancelled transaction wrote nothing, the batch was planned again from fresh
    # reads and committed whole, in one transaction each time
    assert answer.status == 200, answer
    assert racer.raced == 1 and len(racer.transactions) == 2, racer.transactions
    assert racer.transactions[0] == racer.transactions[1] > 3  # every write (and the counters) together
    assert answer.body["atomic"] == {"committed": True, "failed_operation": None}
    assert [r["status"] for r in answer.body["results"]] == [201, 200, 200]
    # And the third object keeps the other writer's change as well as the batch's
    stored = _stored_resource(p, c)
    assert stored["name"] == "renamed by another writer 1" and stored["metadata"] == {"batch": "yes"}
    assert answer.body["results"][2]["body"]["name"] == "renamed by another writer 1"
    assert _stored_resource(p, b)["name"] == "batch-renamed"
    assert [r["name"] for r in stored_resources(p) if r["name"] == "batch-made"] == ["batch-made"]
    assert_counters_match(p)


def test_an_atomic_batch_that_keeps_losing_the_race_commits_nothing_and_names_the_operation(race):
    # Given another writer that changes the third operation's object before every commit
    p = new_principal()
    b, c = seed_active(p), seed_active(p)
    before = {rid: _stored_resource(p, rid) for rid in (b, c)}
    racer = race(p, c, times=99)
    answer = _atomic_batch(p, b, c)
    assert answer.status == 200, answer
    # Then after its re-plans the batch gives up and nothing is committed: the table is as
    # before the batch, but for the other writer's own changes
    assert [r for r in stored_resources(p) if r["name"] == "batch-made"] == []
    assert _stored_resource(p, b) == before[b]
    assert _stored_resource(p, c)["metadata"] == before[c]["metadata"]
    assert_counters_match(p)
    # And the answer names the operation whose object changed (2), the others are rolled back (424)
    assert racer.raced == 3 and len(racer.transactions) == 3, racer.transactions  # planned 3 times
    assert answer.body["atomic"] == {"committed": False, "failed_operation": 2}
    results = answer.body["results"]
    assert [r["status"] for r in results] == [424, 424, 409]
    assert results[2]["body"]["error"]["code"] == "resource_conflict"
    assert {r["body"]["error"]["code"] for r in results[:2]} == {"batch_rolled_back"}
    assert "operation 2 " in results[0]["body"]["error"]["message"]
    assert answer.body["summary"]["successful"] == 0


# --- keys reused across objects, and expired key records (frame/idempotency.py) ---------------


def test_a_key_reused_on_another_resource_with_the_same_body_is_refused_not_replayed(injector):
    # Given a PATCH of resource A with a key
    p = new_principal()
    a, b = seed_active(p), seed_active(p)
    headers = {"Idempotency-Key": "one-key-two-objects"}
    first = apigw.invoke(p, "PATCH", f"/v1/resources/{a}", body={"name": "renamed"}, headers=headers)
    assert first.status == 200 and first.body["id"] == a, first
    b_before = _stored_resource(p, b)
    # When the same key and the same body are sent to PATCH resource B
    other = apigw.invoke(p, "PATCH", f"/v1/resources/{b}", body={"name": "renamed"}, headers=headers)
    # Then the key is refused for another request (the path's id is part of it): B is not
    # answered with A's object, and B is unchanged, with no lock left on it
    assert other.status == 400 and other.code == "idempotency_key_reused", other
    assert _stored_resource(p, b) == b_before and _locks_on(_stored_resource(p, b)) == []
    # And A's own retry still replays A's answer
    again = apigw.invoke(p, "PATCH", f"/v1/resources/{a}", body={"name": "renamed"}, headers=headers)
    assert again.status == 200 and again.body == first.body and again.headers.get("idempotent-replayed") == "true"


def test_a_key_reused_on_another_resource_after_a_create_is_refused(injector):
    # Given a key used to create a resource, then on the DELETE of another one
    p = new_principal()
    b = seed_active(p)
    headers = {"Idempotency-Key": "create-then-delete"}
    made = apigw.invoke(p, "POST", "/v1/resources", body={"name": "made", "type": "staging"}, headers=headers)
    assert made.status == 201, made
    gone = apigw.invoke(p, "DELETE", f"/v1/resources/{b}", headers=headers)
    # Then the second request is refused and B still exists
    assert gone.status == 400 and gone.code == "idempotency_key_reused", gone
    assert _stored_resource(p, b)["id"] == b


def test_an_expired_key_record_is_not_replayed_on_the_patch_path(injector):
    from resource_api.frame import idempotency

    # Given a PATCH answered with a key, then the resource deleted
    p = new_principal()
    rid = seed_active(p)
    path = f"/v1/resources/{rid}"
    headers = {"Idempotency-Key": "expires"}
    done = apigw.invoke(p, "PATCH", path, body={"name": "once"}, headers=headers)
    assert done.status == 200, done
    assert apigw.invoke(p, "DELETE", path).status == 200
    # When the same PATCH comes back after the key's 24 h (its record expired, not yet
    # removed by the table's TTL, which may take days)
    clock.set_offset(idempotency.TTL_SECONDS + 60)
    try:
        late = apigw.invoke(p, "PATCH", path, body={"name": "once"}, headers=headers)
    finally:
        clock.set_offset(0)
    # Then the expired record is not replayed: the request runs, and the resource is gone
    assert late.status == 404 and late.code == "resource_missing", late
    assert "idempotent-replayed" not in late.headers


def test_an_expired_key_record_lets_a_patch_run_again(injector):
    from resource_api.frame import idempotency

    # Given a PATCH answered with a key, and a later change by another request
    p = new_principal()
    rid = seed_active(p)
    path = f"/v1/resources/{rid}"
    headers = {"Idempotency-Key": "runs-again"}
    assert apigw.invoke(p, "PATCH", path, body={"name": "first"}, headers=headers).status == 200
    assert apigw.invoke(p, "PATCH", path, body={"name": "second"}).status == 200
    version = _stored_resource(p, rid)["version"]
    # When the same PATCH with the same key comes back after 24 h
    clock.set_offset(idempotency.TTL_SECONDS + 60)
    try:
        late = apigw.invoke(p, "PATCH", path, body={"name": "first"}, headers=headers)
        # Then it is a new request: applied again, not replayed; and the key replays that answer
        assert late.status == 200 and "idempotent-replayed" not in late.headers, late
        assert late.body["name"] == "first" and _stored_resource(p, rid)["version"] == version + 1
        replay = apigw.invoke(p, "PATCH", path, body={"name": "first"}, headers=headers)
        assert replay.status == 200 and replay.headers.get("idempotent-replayed") == "true" and replay.body == late.body
    finally:
        clock.set_offset(0)
