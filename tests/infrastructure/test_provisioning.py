"""The provisioning state machine as synthesized: the very document the local cloud
runs, its least-privilege role, logs, tracing, Retry/Catch, alarm and grants."""

from __future__ import annotations

import json
import time

import boto3
import pytest
from moto import mock_aws

from infra import statemachines
from infra.provisioning import dynamodb_actions
from localcloud import provisioning as local_provisioning
from resource_api.resources import provisioning
from resource_api import routes


def _machine(synth) -> tuple[str, dict]:
    (logical_id, machine), = synth.of_type("AWS::StepFunctions::StateMachine").items()
    return logical_id, machine["Properties"]


def _deployed_definition(synth, table_name: str) -> str:
    """What Step Functions runs once CloudFormation has substituted the table's name."""
    _, props = _machine(synth)
    (table_id, _), = synth.of_type("AWS::DynamoDB::Table").items()
    assert props["DefinitionSubstitutions"] == {"TableName": {"Ref": table_id}}
    return _in_partition(props["DefinitionString"], "aws").replace("${TableName}", table_name)


def _in_partition(definition: dict | str, partition: str) -> str:
    """The synthesized DefinitionString (a Fn::Join with AWS::Partition) as CloudFormation
    resolves it in `partition`."""
    if isinstance(definition, str):
        return definition
    joiner, parts = definition["Fn::Join"]
    return joiner.join(partition if p == {"Ref": "AWS::Partition"} else p for p in parts)


def _policies_of(synth, role_id: str) -> list[dict]:
    return [
        s
        for p in synth.of_type("AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]


def _actions(statement: dict) -> list[str]:
    action = statement["Action"]
    return action if isinstance(action, list) else [action]


def test_the_deployed_and_the_local_definition_are_the_same_document(synth):
    # Given the name the table has where the definition runs
    for table in ("resource-api", "resource-api-sandbox-DataTable-1A2B3C"):
        # Then the synthesized definition, substituted, is the local cloud's, state for state
        deployed = json.loads(_deployed_definition(synth, table))
        local = json.loads(local_provisioning.definition(table))
        assert deployed == local
        assert deployed == json.loads(statemachines.render(TableName=table))
    assert statemachines.placeholders() == {"TableName", "Partition"}


def test_the_integrations_use_the_stack_partition(synth):
    # Given the synthesized definition before CloudFormation substitutes it
    _, props = _machine(synth)
    # Then no integration ARN names the aws partition itself: each takes the stack's
    # (AWS::Partition), so aws-cn and aws-us-gov deploy too
    assert "arn:aws:" not in json.dumps(props["DefinitionString"])
    china = json.loads(_in_partition(props["DefinitionString"], "aws-cn"))
    integrations = [s["Resource"] for s in china["States"].values() if "Resource" in s]
    assert integrations and all(r.startswith("arn:aws-cn:states:::") for r in integrations)
    # and in aws-cn the state machine's grants are the same as in aws
    china = json.loads(statemachines.render(TableName="t", Partition="aws-cn"))
    resources = {s["Resource"] for s in china["States"].values() if "Resource" in s}
    assert resources and all(r.startswith("arn:aws-cn:states:::") for r in resources)
    assert dynamodb_actions(china) == dynamodb_actions(
        json.loads(statemachines.render(TableName="t")))


def test_moto_runs_the_synthesized_definition(sandbox, monkeypatch):
    # Given the synthesized definition (not the file) in moto with execution on
    from resource_api.core import accounts, db, table
    from resource_api.resources import domain as resources
    from resource_api.frame.request import RequestContext
    from resource_api.resources.models import ResourceCreate

    monkeypatch.setenv(provisioning.STEP_SECONDS_ENV, "0")
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        ddb = boto3.client("dynamodb")
        ddb.create_table(**table.create_table_request())
        sfn = boto3.client("stepfunctions")
        arn = sfn.create_state_machine(
            name="synthesized", definition=_deployed_definition(sandbox, table.table_name()),
            roleArn="arn:aws:iam::123456789012:role/provisioning",
        )["stateMachineArn"]
        monkeypatch.setenv(provisioning.STATE_MACHINE_ARN_ENV, arn)
        db.set_client(ddb)
        provisioning.set_client(sfn)
        try:
            account = accounts.create_account(plan="starter")
            principal = accounts.Principal(account_id=account["id"], mode="live", key_id="k", plan="starter")
            ctx = RequestContext(principal=principal, request_id="req_" + "2" * 32)
            created = resources.create(ctx, ResourceCreate(name="Synthesized", type="staging"))
            # When provisioning starts from its stored item
            execution = provisioning.start(resources.load(ctx, created["id"]))
            deadline = time.monotonic() + 30
            while (status := sfn.describe_execution(executionArn=execution)["status"]) == "RUNNING":
                assert time.monotonic() < deadline
                time.sleep(0.05)
            # Then it runs to the end and the resource is active
            assert status == "SUCCEEDED"
            assert resources.retrieve(ctx, created["id"])["status"] == "active"
        finally:
            db.set_client(None)
            provisioning.set_client(None)


def test_every_task_retries_transient_errors_and_catches_the_rest():
    document = json.loads(statemachines.PROVISIONING.read_text())
    tasks = {name: s for name, s in document["States"].items() if s["Type"] == "Task"}
    assert set(provisioning.STEPS) <= set(tasks)
    for name, task in tasks.items():
        retried = {e for r in task["Retry"] for e in r["ErrorEquals"]}
        assert "DynamoDb.ProvisionedThroughputExceededException" in retried, name
        assert all(r["BackoffRate"] >= 2 for r in task["Retry"] if r.get("MaxAttempts", 3) > 1), name
        assert [c["ErrorEquals"] for c in task["Catch"]] == [["States.ALL"]], name
        assert task["TimeoutSeconds"] <= 10, name
    # Step pacing comes from the input; the whole execution is bounded
    waits = [s for s in document["States"].values() if s["Type"] == "Wait"]
    assert len(waits) == 5 and all(w["SecondsPath"] == "$.step_seconds" for w in waits)
    assert document["TimeoutSeconds"] == 3600


def test_state_machine_role_is_least_privilege(synth):
    logical_id, props = _machine(synth)
    role_id = props["RoleArn"]["Fn::GetAtt"][0]
    role = synth.resources[role_id]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "states.amazonaws.com"}
    assert "ManagedPolicyArns" not in role
    statements = _policies_of(synth, role_id)
    table = next(s for s in statements if any(a.startswith("dynamodb:") for a in _actions(s)))
    # Exactly the item actions the definition's tasks use, on the table only, resource partitions only
    assert set(_actions(table)) == dynamodb_actions(json.loads(statemachines.PROVISIONING.read_text())) == {
        "dynamodb:ConditionCheckItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem",
        "dynamodb:UpdateItem",
    }
    (table_id, _), = synth.of_type("AWS::DynamoDB::Table").items()
    assert table["Resource"] == {"Fn::GetAtt": [table_id, "Arn"]}
    assert table["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["*#RES", "*#RUNTIME"]}}
    # Everything else is log delivery and X-Ray, which AWS only grants on "*"
    others = {a for s in statements if s is not table for a in _actions(s)}
    assert all(a.startswith(("logs:", "xray:")) for a in others), others
    assert not any(a.startswith("states:") or a in ("*", "dynamodb:*") for a in others)


def test_logs_to_vended_logs_with_tracing(synth):
    _, props = _machine(synth)
    assert props["StateMachineType"] == "STANDARD"
    assert props["TracingConfiguration"] == {"Enabled": True}
    logging = props["LoggingConfiguration"]
    assert logging["Level"] == "ALL"
    log_group_id = logging["Destinations"][0]["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
    group = synth.resources[log_group_id]["Properties"]
    assert group["LogGroupName"].startswith("/aws/vendedlogs/states/")
    assert group["LogGroupName"] == f"/aws/vendedlogs/states/{synth.stack.config.stack_name}-provisioning"
    assert group["RetentionInDays"] > 0


def test_alarm_on_failed_executions_but_not_on_deletes(synth):
    logical_id, _ = _machine(synth)
    alarms = [
        a["Properties"] for a in synth.of_type("AWS::CloudWatch::Alarm").values()
        if any(
            m.get("MetricStat", {}).get("Metric", {}).get("Dimensions") == [{"Name": "StateMachineArn", "Value": {"Ref": logical_id}}]
            for m in a["Properties"].get("Metrics", [])
        )
    ]
    assert len(alarms) == 1
    alarm = alarms[0]
    metrics = {m["MetricStat"]["Metric"]["MetricName"] for m in alarm["Metrics"] if "MetricStat" in m}
    assert metrics == {"ExecutionsFailed", "ExecutionsTimedOut"}  # aborted = a DELETE while provisioning
    assert alarm["Threshold"] == 0 and alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["EvaluationPeriods"] == 1
    assert alarm["AlarmActions"]  # to the stage's alarm topic


def _function_by_handler_dir(synth, name_part: str) -> tuple[str, dict]:
    matches = [(k, v) for k, v in synth.of_type("AWS::Lambda::Function").items() if name_part in k]
    assert len(matches) == 1, [k for k, _ in matches]
    return matches[0]


def test_stream_processor_may_start_executions_and_knows_the_pacing(synth):
    logical_id, _ = _machine(synth)
    fn_id, fn = _function_by_handler_dir(synth, "StreamProcessor")
    env = fn["Properties"]["Environment"]["Variables"]
    assert env[provisioning.STATE_MACHINE_ARN_ENV] == {"Ref": logical_id}
    assert env[provisioning.STEP_SECONDS_ENV] == str(provisioning.DEFAULT_STEP_SECONDS)  # ~30 s in all
    role_id = fn["Properties"]["Role"]["Fn::GetAtt"][0]
    starts = [s for s in _policies_of(synth, role_id) if "states:StartExecution" in _actions(s)]
    assert starts == [{"Action": "states:StartExecution", "Effect": "Allow", "Resource": {"Ref": logical_id}}]


def test_only_delete_and_batch_may_stop_executions(synth):
    """DELETE of a pending resource stops its provisioning, and so does a DELETE inside
    POST /v1/batch: both functions have the grant and the state machine's ARN."""
    stoppers = []
    for fn_id, fn in synth.of_type("AWS::Lambda::Function").items():
        role_id = fn["Properties"]["Role"]["Fn::GetAtt"][0]
        statements = [s for s in _policies_of(synth, role_id) if any(a.startswith("states:Stop") for a in _actions(s))]
        if statements:
            stoppers.append(fn_id)
            (statement,) = statements
            assert _actions(statement) == ["states:StopExecution"]
            resource = json.dumps(statement["Resource"])
            assert '":execution:", {"Ref": "AWS::StackName"}, "-provisioning:*"' in resource
            assert fn["Properties"]["Environment"]["Variables"][provisioning.STATE_MACHINE_ARN_ENV]
    assert len(stoppers) == 2, stoppers
    assert sum("DeleteResource" in f for f in stoppers) == 1 and sum("Batch" in f for f in stoppers) == 1
    assert routes.STOP_EXECUTION in routes.route_for("delete_resource").access
    assert routes.STOP_EXECUTION in routes.route_for("batch").access


@pytest.mark.parametrize("value", ["2"])
def test_step_pacing_is_a_context_setting(value, tmp_path):
    from infra.app import build

    app, stack = build({"stage": "sandbox", "provisioning_step_seconds": value}, outdir=str(tmp_path), env={})
    assert stack.provisioning.step_seconds == int(value)
