"""Provisioning on in-process moto, with Step Functions really executing the ASL
document the stack deploys (infra/statemachines/provisioning.asl.json).

Executions run on moto's threads. moto's DynamoDB is not thread-safe under concurrent
transactions (see localcloud/motoserver.py), so these tests never write from the test
thread while an execution is mid-step: they act while it waits, or after it ended.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import boto3
import pytest
from moto import mock_aws

from infra import statemachines
from localcloud.motoserver import keep_stream_on_rollback
from resource_api.core import accounts, db, keys, plans, table
from resource_api.resources import provisioning, domain as resources
from resource_api import stream
from resource_api.core.accounts import Principal
from resource_api.frame.request import RequestContext
from resource_api.core.errors import ApiError
from resource_api.resources.models import ListParams, ResourceCreate, ResourceUpdate

STEP_STATES = list(provisioning.STEPS)


@dataclass
class Provisioning:
    ddb: object
    sfn: object
    machine: str
    streams: object
    stream_arn: str
    _iterators: dict = field(default_factory=dict)

    def account(self, plan: str = "scale") -> RequestContext:
        account = accounts.create_account(plan=plan)
        principal = Principal(account_id=account["id"], mode="test", key_id="key_test", plan=plan)
        return RequestContext(principal=principal, request_id="req_" + "1" * 32)

    def pump(self) -> list[dict]:
        """Hand every new stream record to the stream processor, as Lambda would."""
        records = []
        for shard in self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]:
            sid = shard["ShardId"]
            it = self._iterators.get(sid) or self.streams.get_shard_iterator(
                StreamArn=self.stream_arn, ShardId=sid, ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            resp = self.streams.get_records(ShardIterator=it)
            records += [_as_lambda_sends(r) for r in resp["Records"]]
            self._iterators[sid] = resp["NextShardIterator"]
        assert stream.handle_batch(records, [provisioning.on_change]) == {"batchItemFailures": []}
        return records

    def create(self, ctx: RequestContext, **params) -> dict:
        resource = resources.create(ctx, ResourceCreate(name="My First Resource", type="production", **params))
        self.pump()
        return resource

    def execution(self, resource_id: str) -> dict:
        return self.sfn.describe_execution(executionArn=provisioning.execution_arn(resource_id))

    def wait(self, resource_id: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while (ex := self.execution(resource_id))["status"] == "RUNNING":
            assert time.monotonic() < deadline, f"{resource_id} still provisioning"
            time.sleep(0.02)
        return ex

    def wait_for_step(self, ctx: RequestContext, resource_id: str, steps: int, timeout: float = 15) -> dict:
        deadline = time.monotonic() + timeout
        while (r := resources.retrieve(ctx, resource_id))["provisioning"]["steps_completed"] < steps:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        return r

    def history(self, resource_id: str) -> list[dict]:
        arn = provisioning.execution_arn(resource_id)
        return self.sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]

    def states_entered(self, resource_id: str) -> list[str]:
        return [
            e["stateEnteredEventDetails"]["name"] for e in self.history(resource_id) if "stateEnteredEventDetails" in e
        ]

    def task_failures(self, resource_id: str) -> list[str]:
        return [e["taskFailedEventDetails"]["error"] for e in self.history(resource_id) if e["type"] == "TaskFailed"]

    def counter(self, ctx: RequestContext) -> dict:
        from resource_api.resources import domain  # the sums over the counter item and its shards

        return {k: v for k, v in domain.counts(ctx.account_id, ctx.mode).items() if v != 0}

    def runtime(self, ctx: RequestContext, resource_id: str) -> dict | None:
        key = db.to_item(keys.resource_runtime(ctx.account_id, ctx.mode, resource_id))
        return db.from_item(self.ddb.get_item(TableName=db.table(), Key=key, ConsistentRead=True).get("Item"))

    def executions(self) -> list[dict]:
        return self.sfn.list_executions(stateMachineArn=self.machine)["executions"]


def _as_lambda_sends(record: dict) -> dict:
    """boto3 parses ApproximateCreationDateTime into a datetime; Lambda sends epoch seconds."""
    ddb = dict(record["dynamodb"])
    ddb["ApproximateCreationDateTime"] = float(int(ddb["ApproximateCreationDateTime"].timestamp()))
    return {**record, "dynamodb": ddb}


@pytest.fixture
def prov(monkeypatch) -> Iterator[Provisioning]:
    monkeypatch.setenv(provisioning.STEP_SECONDS_ENV, "0")
    keep_stream_on_rollback()  # the local cloud's moto fix (a cancelled transaction kept the stream)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        ddb = boto3.client("dynamodb")
        ddb.create_table(**table.create_table_request())
        sfn = boto3.client("stepfunctions")
        machine = sfn.create_state_machine(
            name="resource-api-provisioning",
            definition=statemachines.render(TableName=table.table_name()),
            roleArn="arn:aws:iam::123456789012:role/provisioning",
        )["stateMachineArn"]
        monkeypatch.setenv(provisioning.STATE_MACHINE_ARN_ENV, machine)
        db.set_client(ddb)
        provisioning.set_client(sfn)
        stream_arn = ddb.describe_table(TableName=table.table_name())["Table"]["LatestStreamArn"]
        yield Provisioning(ddb, sfn, machine, boto3.client("dynamodbstreams"), stream_arn)
        db.set_client(None)
        provisioning.set_client(None)


def test_happy_path_walks_the_five_steps_and_ends_active(prov):
    # Given an account on the scale plan
    ctx = prov.account("scale")
    # When a resource is created and its INSERT reaches the stream processor
    created = prov.create(ctx)
    assert created["status"] == "pending" and created["provisioning"]["steps_completed"] == 0
    execution = prov.wait(created["id"])
    # Then one execution named after the resource walked the five steps in order
    assert execution["status"] == "SUCCEEDED" and execution["name"] == created["id"]
    entered = [s for s in prov.states_entered(created["id"]) if s in STEP_STATES]
    assert entered == STEP_STATES
    assert prov.task_failures(created["id"]) == []
    # And the resource is active, its provisioning block completed
    got = resources.retrieve(ctx, created["id"])
    assert got["status"] == "active"
    assert got["provisioning"] == {
        "status": "completed",
        "estimated_completion": got["provisioning"]["estimated_completion"],
        "steps_completed": 5,
        "steps_total": 5,
    }
    assert got["updated"] >= created["updated"]
    # And the counters are exact: one resource, active, holding one unit of capacity
    assert prov.counter(ctx) == {"total": 1, "active": 1, "reserved": 1}
    active = resources.list_(ctx, ListParams(status="active"))
    assert active["total_count"] == 1 and [r["id"] for r in active["data"]] == [created["id"]]
    assert resources.list_(ctx, ListParams(status="pending"))["total_count"] == 0
    # And the runtime configuration was written from the plan
    runtime = prov.runtime(ctx, created["id"])
    assert runtime["resource_id"] == created["id"] and runtime["plan"] == "scale"
    assert runtime["limits"]["max_requests_per_minute"] == plans.get("scale").requests_per_minute
    # And the status change is on the stream, written as the resource (entity) with no request
    records = prov.pump()
    changes = [stream.Change.from_record(r) for r in records]
    status_moves = [
        (c.old["status"], c.new["status"]) for c in changes if c.entity == "resource" and c.old and c.new
        and c.old["status"] != c.new["status"]
    ]
    assert status_moves == [("pending", "active")]
    final = [c for c in changes if c.entity == "resource"][-1].new
    assert "request_id" not in final and final["entity"] == "resource"


def test_steps_completed_only_moves_forward(prov, monkeypatch):
    # Given steps that each wait a second
    monkeypatch.setenv(provisioning.STEP_SECONDS_ENV, "1")
    ctx = prov.account()
    created = prov.create(ctx)
    # When GET is polled while it provisions
    seen, deadline = [], time.monotonic() + 20
    while time.monotonic() < deadline:
        r = resources.retrieve(ctx, created["id"])
        seen.append((r["provisioning"]["steps_completed"], r["status"]))
        if r["status"] == "active":
            break
        time.sleep(0.1)
    # Then steps_completed goes 0 -> 5 without going back, and estimated_completion was refined
    steps = [s for s, _ in seen]
    assert steps == sorted(steps) and steps[-1] == 5 and len(set(steps)) >= 4
    assert seen[-1][1] == "active"
    eta = resources.retrieve(ctx, created["id"])["provisioning"]["estimated_completion"]
    assert created["created"] + 5 <= eta <= created["created"] + 7


def test_a_full_plan_fails_the_resource_with_a_reason(prov, monkeypatch):
    # Given an account on the free plan (cut to 3 resources here, to keep the test short)
    # with all of its capacity in use
    monkeypatch.setitem(plans.PLANS, "free", dataclasses.replace(plans.PLANS["free"], max_resources=3))
    ctx = prov.account("free")
    limit = plans.get("free").max_resources
    for _ in range(limit):
        assert prov.wait(prov.create(ctx)["id"])["status"] == "SUCCEEDED"
    assert prov.counter(ctx) == {"total": limit, "active": limit, "reserved": limit}
    # When one more is created
    extra = prov.create(ctx)
    execution = prov.wait(extra["id"])
    # Then it fails (a customer outcome, so the execution itself succeeds: no alarm)
    assert execution["status"] == "SUCCEEDED"
    assert "ProvisioningRejected" in prov.states_entered(extra["id"])
    got = resources.retrieve(ctx, extra["id"])
    assert got["status"] == "failed"
    failure = got["provisioning"]["failure"]
    assert failure["code"] == "plan_limit_exceeded" and failure["step"] == "ValidateConfiguration"
    assert str(limit) in failure["message"] and got["provisioning"]["status"] == "failed"
    # And nothing was taken: the counters are exact
    assert prov.counter(ctx) == {"total": limit + 1, "active": limit, "failed": 1, "reserved": limit}
    assert prov.runtime(ctx, extra["id"]) is None
    # And a failed resource cannot be set active, but can be deleted (nothing to give back)
    with pytest.raises(ApiError) as err:
        resources.update(ctx, extra["id"], ResourceUpdate(status="active"))
    assert err.value.code == "status_transition_invalid"
    resources.delete(ctx, extra["id"])
    assert prov.counter(ctx) == {"total": limit, "active": limit, "reserved": limit}
    # And deleting an active one frees capacity for the next
    active_one = resources.list_(ctx, ListParams(status="active", limit=1))["data"][0]["id"]
    resources.delete(ctx, active_one)
    assert prov.counter(ctx) == {"total": limit - 1, "active": limit - 1, "reserved": limit - 1}
    again = prov.create(ctx)
    assert prov.wait(again["id"])["status"] == "SUCCEEDED"
    assert resources.retrieve(ctx, again["id"])["status"] == "active"


class Throttle:
    """Fault injection: DynamoDB answers one step's transaction with
    ProvisionedThroughputExceededException, as it does when throttling, for the next
    `times` calls. It sits on the botocore session moto's Step Functions uses for its
    service calls; the answer goes through the same error path as a real one."""

    def __init__(self, token_suffix: str, times: int) -> None:
        self.token_suffix, self.times, self.calls = token_suffix, times, 0
        self.events = boto3._get_default_session().events

    def mark(self, params, context, **_):
        if str(params.get("ClientRequestToken", "")).endswith(self.token_suffix):
            context["inject"] = True

    def answer(self, context, **_):
        if not context.get("inject"):
            return None
        self.calls += 1
        if self.calls > self.times:
            return None
        from botocore.awsrequest import AWSResponse

        http = AWSResponse("https://dynamodb", 400, {}, None)
        error = {"Code": "ProvisionedThroughputExceededException", "Message": "Rate of requests exceeds the allowed throughput."}
        return http, {"Error": error, "ResponseMetadata": {"HTTPStatusCode": 400, "RequestId": "INJECTED"}}

    def __enter__(self):
        self.events.register("before-parameter-build.dynamodb.TransactWriteItems", self.mark)
        self.events.register("before-call.dynamodb.TransactWriteItems", self.answer)
        return self

    def __exit__(self, *exc):
        self.events.unregister("before-parameter-build.dynamodb.TransactWriteItems", self.mark)
        self.events.unregister("before-call.dynamodb.TransactWriteItems", self.answer)


def test_a_transient_fault_is_retried(prov):
    # Given DynamoDB throttles WriteRuntimeConfiguration twice
    ctx = prov.account()
    with Throttle("-3", times=2) as throttle:
        created = prov.create(ctx)
        execution = prov.wait(created["id"])
    # Then the step was retried with backoff and provisioning went on
    assert throttle.calls == 3
    assert prov.task_failures(created["id"]) == ["DynamoDb.ProvisionedThroughputExceededException"] * 2
    assert execution["status"] == "SUCCEEDED"
    assert resources.retrieve(ctx, created["id"])["status"] == "active"
    assert prov.counter(ctx) == {"total": 1, "active": 1, "reserved": 1}


def test_retries_spent_fail_the_resource_cleanly_with_capacity_released(prov):
    # Given DynamoDB keeps throttling VerifyRuntimeConfiguration (after capacity was reserved)
    ctx = prov.account()
    with Throttle("-4", times=100) as throttle:
        created = prov.create(ctx)
        execution = prov.wait(created["id"])
    # Then it was tried 1 + 3 times, then caught
    assert throttle.calls == 4
    assert execution["status"] == "FAILED" and execution["error"] == "ProvisioningFailed"
    entered = prov.states_entered(created["id"])
    assert entered[-4:] == ["InspectFailure", "ClassifyFailure", "StepFailed", "RecordFailure"] or \
        "FailAndReleaseCapacity" in entered
    # And the resource is failed with the step in its reason
    got = resources.retrieve(ctx, created["id"])
    assert got["status"] == "failed"
    assert got["provisioning"]["status"] == "failed" and got["provisioning"]["steps_completed"] == 3
    assert got["provisioning"]["failure"]["code"] == "provisioning_error"
    assert got["provisioning"]["failure"]["step"] == "VerifyRuntimeConfiguration"
    # And what it had reserved is released, the runtime configuration removed, counters exact
    assert prov.counter(ctx) == {"total": 1, "failed": 1}
    assert prov.runtime(ctx, created["id"]) is None
    assert resources.list_(ctx, ListParams(status="failed"))["total_count"] == 1


def test_duplicate_starts_are_impossible(prov):
    # Given a resource whose provisioning started from its INSERT
    ctx = prov.account()
    created = resources.create(ctx, ResourceCreate(name="Once only", type="staging"))
    records = prov.pump()
    # When the same stream batch is replayed and the start is retried directly
    assert stream.handle_batch(records, [provisioning.on_change]) == {"batchItemFailures": []}
    item = resources.load(ctx, created["id"])
    provisioning.start(item)
    prov.wait(created["id"])
    provisioning.start(item)  # also once it has finished
    # Then there was exactly one execution, and the counters moved once
    assert [e["name"] for e in prov.executions()] == [created["id"]]
    assert prov.counter(ctx) == {"total": 1, "active": 1, "reserved": 1}


def test_only_pending_inserts_start_provisioning(prov):
    ctx = prov.account()
    created = prov.create(ctx)
    prov.wait(created["id"])
    resources.update(ctx, created["id"], ResourceUpdate(name="Renamed"))
    resources.delete(ctx, created["id"])
    records = prov.pump()
    assert {r["eventName"] for r in records} >= {"MODIFY", "REMOVE"}
    assert len(prov.executions()) == 1


def test_delete_during_provisioning_stops_it_and_releases_capacity(prov, monkeypatch):
    # Given a resource that has reserved capacity and is waiting for its next step
    monkeypatch.setenv(provisioning.STEP_SECONDS_ENV, "2")
    ctx = prov.account()
    created = prov.create(ctx)
    prov.wait_for_step(ctx, created["id"], 2)
    assert prov.counter(ctx) == {"total": 1, "pending": 1, "reserved": 1}
    # When it is deleted
    deleted = resources.delete(ctx, created["id"])
    assert deleted["deleted"] is True
    # Then its execution is stopped, and the counters are exact: nothing left, nothing held
    assert prov.wait(created["id"])["status"] == "ABORTED"
    assert prov.counter(ctx) == {}
    assert prov.runtime(ctx, created["id"]) is None


def test_a_step_after_a_delete_is_a_no_op(prov, monkeypatch):
    # Given a resource deleted before its execution started (the stop found nothing to stop)
    ctx = prov.account()
    created = resources.create(ctx, ResourceCreate(name="Short-lived", type="staging"))
    resources.delete(ctx, created["id"])
    # When the stream delivers its INSERT afterwards and provisioning starts
    prov.pump()
    execution = prov.wait(created["id"])
    # Then the first step's condition finds no resource and the execution ends as Cancelled
    assert execution["status"] == "SUCCEEDED"
    assert prov.states_entered(created["id"])[-1] == "Cancelled"
    assert prov.counter(ctx) == {}
    assert prov.runtime(ctx, created["id"]) is None


def test_patch_while_provisioning(prov, monkeypatch):
    # Given a resource provisioning with one-second steps
    monkeypatch.setenv(provisioning.STEP_SECONDS_ENV, "1")
    ctx = prov.account()
    created = prov.create(ctx)
    prov.wait_for_step(ctx, created["id"], 1)
    # Then a status change waits for active
    with pytest.raises(ApiError) as err:
        resources.update(ctx, created["id"], ResourceUpdate(status="paused"))
    assert err.value.code == "resource_not_ready" and err.value.status == 409
    # But name, configuration and metadata can change, and provisioning carries on
    patched = resources.update(
        ctx, created["id"], ResourceUpdate(name="Renamed while pending", metadata={"team": "platform"})
    )
    assert patched["status"] == "pending"
    assert prov.wait(created["id"])["status"] == "SUCCEEDED"
    got = resources.retrieve(ctx, created["id"])
    assert got["status"] == "active" and got["name"] == "Renamed while pending"
    assert got["metadata"] == {"team": "platform"}
    # And once active, status changes are allowed and move the counters
    assert resources.update(ctx, created["id"], ResourceUpdate(status="paused"))["status"] == "paused"
    assert prov.counter(ctx) == {"total": 1, "paused": 1, "reserved": 1}


def test_execution_input_is_built_from_keys_and_plans():
    item = {"id": "res_0000000000abcdefghijklmn", "account_id": "acct_1", "mode": "live"}
    payload = provisioning.execution_input(item, plans.get("starter"), seconds=6, now=1_000)
    assert payload["keys"]["resource"] == db.to_item(keys.resource("acct_1", "live", item["id"]))
    assert payload["keys"]["counter"] == db.to_item(keys.resource_counter("acct_1", "live"))
    assert payload["index"]["active"] == db.to_item(keys.resource_index("acct_1", "live", "active", item["id"]))
    assert payload["values"]["max_resources"] == {"N": "250"}
    assert payload["values"]["estimated_completion"] == {"N": str(1_000 + 30)}
    assert [int(v["N"]) for v in payload["values"]["schedule"]] == [1000, 1006, 1012, 1018, 1024, 1030]
    assert json.loads(json.dumps(payload)) == payload


def test_without_a_state_machine_nothing_starts(monkeypatch, caplog):
    monkeypatch.delenv(provisioning.STATE_MACHINE_ARN_ENV, raising=False)
    assert provisioning.start({"id": "res_x", "account_id": "a", "mode": "test"}) is None
    assert provisioning.stop("res_x") is False
