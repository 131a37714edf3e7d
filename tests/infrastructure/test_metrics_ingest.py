"""Per-resource metrics off the request path, in the synthesized templates: the resource
routes' log groups are subscribed to metrics_ingest with the frame's record pattern,
the ingest function may touch only metrics, request logs and the existence of a
resource, and a batch that keeps failing is dead-lettered and alarmed."""

from __future__ import annotations

import json
import re

from resource_api.core import keys
from resource_api.metrics import store as metrics
from resource_api import routes

from infra import ingest

from .test_stack import as_list, functions_by_name, policy_statements
from .test_webhooks import _function, _grants

RECORDING = metrics.recording_functions(routes.ROUTES)


def _ingest(synth) -> tuple[str, dict]:
    return _function(synth, metrics.INGEST_FUNCTION)


def _log_group_of(fn: dict) -> dict:
    return fn["Properties"]["LoggingConfig"]["LogGroup"]


def _matches(pattern: str, line: str) -> bool:
    """CloudWatch Logs' JSON filter pattern `{ $.field = "value" }` on one log line (the
    only form used here)."""
    m = re.fullmatch(r'\{ \$\.(\w+) = "([^"]*)" \}', pattern)
    assert m, f"not a single-field JSON pattern: {pattern}"
    try:
        data = json.loads(line)
    except ValueError:
        return False
    return isinstance(data, dict) and data.get(m.group(1)) == m.group(2)


def test_the_resource_routes_log_groups_are_subscribed_to_the_ingestion(synth):
    assert RECORDING == [r.function for r in routes.ROUTES if r.path.startswith("/v1/resources/{id}")]
    ingest_id, ingest_fn = _ingest(synth)
    fns = functions_by_name(synth)
    filters = list(synth.of_type("AWS::Logs::SubscriptionFilter").values())
    permissions = synth.of_type("AWS::Lambda::Permission")
    subscribed = {}
    for f in filters:
        props = f["Properties"]
        # Each sends the frame's records, and only them, to the ingest function
        assert props["DestinationArn"] == {"Fn::GetAtt": [ingest_id, "Arn"]}
        assert props["FilterPattern"] == f'{{ $.{metrics.RECORD_FIELD} = "{metrics.RECORD_MARKER}" }}'
        subscribed[props["LogGroupName"]["Ref"]] = f
        # after CloudWatch Logs may invoke it, from that log group only
        (permission,) = [permissions[d]["Properties"] for d in f["DependsOn"] if d in permissions]
        assert permission["Principal"] == "logs.amazonaws.com"
        assert permission["FunctionName"] == {"Fn::GetAtt": [ingest_id, "Arn"]}
        assert permission["SourceArn"] == {"Fn::GetAtt": [props["LogGroupName"]["Ref"], "Arn"]}
    expected = {_log_group_of(fns[name][1])["Ref"] for name in RECORDING}
    assert set(subscribed) == expected and len(filters) == len(expected)
    # and never the ingest function's own log group (no loop)
    assert _log_group_of(ingest_fn)["Ref"] not in subscribed


def test_the_filter_pattern_takes_the_frames_record_lines_only(synth):
    (pattern,) = {f["Properties"]["FilterPattern"] for f in synth.of_type("AWS::Logs::SubscriptionFilter").values()}
    rid = "res_" + "0" * 10 + "a" * 14
    from dataclasses import dataclass

    @dataclass
    class Ctx:
        account_id: str = "acct_x"
        mode: str = "test"
        request_id: str = "req_" + "1" * 32

    record = {"message": "request", "status": 200, **metrics.request_record(Ctx(), "GET", "/v1/resources/{id}",
                                                                             {"id": rid}, 200, 3.0)}
    assert _matches(pattern, json.dumps(record))
    not_found = {"message": "request", **metrics.request_record(Ctx(), "GET", "/v1/resources/{id}", {"id": rid}, 404, 1)}
    for line in (json.dumps(not_found), json.dumps({"message": "request", "route": "/v1/resources"}),
                 "START RequestId: 1 Version: $LATEST", json.dumps({"message": "resource_request"})):
        assert not _matches(pattern, line), line


def test_the_subscribed_functions_log_their_records(synth):
    """The records are INFO lines: a subscribed function logging above INFO would record nothing."""
    fns = functions_by_name(synth)
    for name in RECORDING:
        assert fns[name][1]["Properties"]["Environment"]["Variables"]["POWERTOOLS_LOG_LEVEL"] == "INFO", name


def test_the_ingest_function_is_built_like_the_others(synth):
    _, fn = _ingest(synth)
    props = fn["Properties"]
    assert props["Runtime"] == "python3.12" and props["Architectures"] == ["arm64"]
    assert props["Handler"] == "handler.handler" and props["TracingConfig"] == {"Mode": "Active"}
    assert {layer["Ref"] for layer in props["Layers"]} == {  # the API functions' two, never the dashboard's
        k for k, v in synth.of_type("AWS::Lambda::LayerVersion").items() if "dashboard" not in v["Properties"]["Description"]
    }
    env = props["Environment"]["Variables"]
    assert env["TABLE_NAME"] == {"Ref": next(iter(synth.of_type("AWS::DynamoDB::Table")))}
    assert env["POWERTOOLS_SERVICE_NAME"] == "resource-api" and env["STAGE"] == synth.name


def test_the_ingest_role_touches_metrics_logs_and_resource_existence_only(synth):
    _, fn = _ingest(synth)
    table_id = next(iter(synth.of_type("AWS::DynamoDB::Table")))
    table_arn = {"Fn::GetAtt": [table_id, "Arn"]}
    role_id = fn["Properties"]["Role"]["Fn::GetAtt"][0]
    assert not synth.resources[role_id]["Properties"].get("ManagedPolicyArns")
    dynamo = []
    for statement in policy_statements(synth, role_id):
        actions = set(as_list(statement["Action"]))
        if any(a.startswith("dynamodb:") for a in actions):
            assert all(a.startswith("dynamodb:") for a in actions)
            assert as_list(statement["Resource"]) == [table_arn]
            leading = statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
            dynamo.append((actions, sorted(leading)))
    assert sorted(dynamo, key=str) == sorted([
        (set(ingest.METRICS_ACTIONS), sorted(keys.METRICS_PARTITIONS)),
        ({"dynamodb:ConditionCheckItem"}, sorted(keys.RESOURCE_PARTITIONS)),
    ], key=str)
    granted = _grants(synth, fn)
    assert not {"dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchWriteItem", "dynamodb:BatchGetItem"} & set(granted)
    for action, resources in granted.items():
        if "*" in resources:
            assert action.startswith("xray:"), action
    failures_id = _failure_queue(synth, fn)
    sqs_actions = {a for a in granted if a.startswith("sqs:")}
    assert sqs_actions == {"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}
    assert all(granted[a] == [{"Fn::GetAtt": [failures_id, "Arn"]}] for a in sqs_actions)


def test_the_api_functions_no_longer_write_metrics(synth):
    """Metrics and request logs left the request path: the counter grant of every route
    no longer reaches them."""
    assert not set(keys.METRICS_PARTITIONS) & set(keys.COUNTER_PARTITIONS)
    for name, (_, fn) in functions_by_name(synth).items():
        role_id = fn["Properties"]["Role"]["Fn::GetAtt"][0]
        for statement in policy_statements(synth, role_id):
            leading = (statement.get("Condition") or {}).get("ForAllValues:StringLike", {}).get("dynamodb:LeadingKeys", [])
            assert not set(leading) & set(keys.METRICS_PARTITIONS), name


def _invoke_config(synth, ingest_id: str) -> dict:
    (config,) = [c["Properties"] for c in synth.of_type("AWS::Lambda::EventInvokeConfig").values()
                 if c["Properties"]["FunctionName"] == {"Ref": ingest_id}]
    return config


def _failure_queue(synth, fn: dict) -> str:
    ingest_id = next(k for k, v in synth.resources.items() if v is fn)
    return _invoke_config(synth, ingest_id)["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]


def test_a_batch_that_keeps_failing_is_retried_then_dead_lettered_and_alarmed(synth):
    ingest_id, fn = _ingest(synth)
    config = _invoke_config(synth, ingest_id)
    assert config["MaximumRetryAttempts"] == ingest.ASYNC_RETRIES == 2
    assert config["MaximumEventAgeInSeconds"] == ingest.MAX_EVENT_AGE.to_seconds()
    dlq_id = _failure_queue(synth, fn)
    dlq = synth.resources[dlq_id]["Properties"]
    assert dlq["SqsManagedSseEnabled"] is True and dlq["MessageRetentionPeriod"] == 14 * 86_400
    alarms = [a["Properties"] for a in synth.of_type("AWS::CloudWatch::Alarm").values()]
    assert any(
        a.get("MetricName") == "ApproximateNumberOfMessagesVisible"
        and {"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq_id, "QueueName"]}} in a["Dimensions"]
        for a in alarms
    )
    assert fn["Properties"]["Timeout"] == ingest.TIMEOUT_S
