"""Per-resource metrics and request logs off the request path, in the synthesized
templates: every API function's log group (and the authorizer's) is subscribed to
metrics_ingest with the frame's record pattern, the stage's access log with the pattern
of API Gateway's own answers to an account; the ingest function may touch only
metrics, request logs and the existence of a resource, and a batch that keeps failing
is dead-lettered and alarmed."""

from __future__ import annotations

import json
import re

from resource_api.core import keys, table
from resource_api.frame import gateway_responses, request_log
from resource_api.metrics import store as metrics
from resource_api.requestlogs import store as requestlogs_store
from resource_api import routes

from infra import ingest

from .test_stack import as_list, functions_by_name, policy_statements
from .test_webhooks import _function, _grants

RECORDING = metrics.recording_functions(routes.ROUTES)
SUBSCRIBED = request_log.subscribed_functions(routes)


def _ingest(synth) -> tuple[str, dict]:
    return _function(synth, metrics.INGEST_FUNCTION)


def _log_group_of(fn: dict) -> dict:
    return fn["Properties"]["LoggingConfig"]["LogGroup"]


def _matches(pattern: str, line: str) -> bool:
    """CloudWatch Logs' JSON filter pattern on one log line, for the forms used here:
    `{ $.f = "v" }`, `{ ($.f = "v") || ($.g = "w") }`, `{ (...) && (...) }`, with `=`
    or `!=` and a trailing `*` wildcard in a value."""
    m = re.fullmatch(r"\{ (.*) \}", pattern)
    assert m, pattern
    body = m.group(1)
    op = "&&" if " && " in body else "||"
    terms = body.split(f" {op} ")
    try:
        data = json.loads(line)
    except ValueError:
        return False
    if not isinstance(data, dict):
        return False
    results = []
    for term in terms:
        t = re.fullmatch(r'\(?\$\.(\w+) (=|!=) "([^"]*)"\)?', term)
        assert t, f"not a JSON pattern term: {term}"
        value = data.get(t.group(1))
        want = t.group(3)
        hit = isinstance(value, str) and (value.startswith(want[:-1]) if want.endswith("*") else value == want)
        results.append(hit if t.group(2) == "=" else (value is not None and not hit))
    return all(results) if op == "&&" else any(results)


def _api_stage(synth) -> dict:
    """The API's stage (the dashboard's own API has a stage of its own, not subscribed)."""
    (stage,) = [s for s in synth.of_type("AWS::ApiGateway::Stage").values() if s["Properties"]["StageName"] != "dashboard"]
    return stage


def _access_log_group(synth) -> str:
    stage = _api_stage(synth)
    return stage["Properties"]["AccessLogSetting"]["DestinationArn"]["Fn::GetAtt"][0]


def test_every_functions_log_group_and_the_access_log_are_subscribed_to_the_ingestion(synth):
    assert set(RECORDING) < set(SUBSCRIBED)
    assert set(SUBSCRIBED) == {r.function for r in routes.ROUTES} | {routes.AUTHORIZER_FUNCTION}
    ingest_id, ingest_fn = _ingest(synth)
    fns = functions_by_name(synth)
    filters = list(synth.of_type("AWS::Logs::SubscriptionFilter").values())
    permissions = synth.of_type("AWS::Lambda::Permission")
    subscribed = {}
    for f in filters:
        props = f["Properties"]
        # Each sends its records, and only them, to the ingest function
        assert props["DestinationArn"] == {"Fn::GetAtt": [ingest_id, "Arn"]}
        group = props["LogGroupName"]["Ref"]
        expected_pattern = ingest.ACCESS_FILTER_PATTERN if group == _access_log_group(synth) else ingest.FILTER_PATTERN
        assert props["FilterPattern"] == expected_pattern.log_pattern_string
        subscribed[group] = f
        # after CloudWatch Logs may invoke it, from that log group only
        (permission,) = [permissions[d]["Properties"] for d in f["DependsOn"] if d in permissions]
        assert permission["Principal"] == "logs.amazonaws.com"
        assert permission["FunctionName"] == {"Fn::GetAtt": [ingest_id, "Arn"]}
        assert permission["SourceArn"] == {"Fn::GetAtt": [group, "Arn"]}
    expected = {_log_group_of(fns[name][1])["Ref"] for name in SUBSCRIBED} | {_access_log_group(synth)}
    assert set(subscribed) == expected and len(filters) == len(expected)
    # and never the ingest function's own log group (no loop)
    assert _log_group_of(ingest_fn)["Ref"] not in subscribed


def test_the_filter_pattern_takes_the_frames_record_lines_only(synth):
    (pattern,) = {f["Properties"]["FilterPattern"] for f in synth.of_type("AWS::Logs::SubscriptionFilter").values()
                  if f["Properties"]["LogGroupName"]["Ref"] != _access_log_group(synth)}
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
    other = {"message": "request", "status": 200, **request_log.line({"request_id": "req_1", "account_id": "acct_x"})}
    assert _matches(pattern, json.dumps(other))
    not_found = {"message": "request", **metrics.request_record(Ctx(), "GET", "/v1/resources/{id}", {"id": rid}, 404, 1)}
    for line in (json.dumps(not_found), json.dumps({"message": "request", "route": "/v1/resources"}),
                 "START RequestId: 1 Version: $LATEST", json.dumps({"message": "resource_request"})):
        assert not _matches(pattern, line), line


def test_the_access_log_pattern_takes_api_gateways_own_answers_to_an_account_only(synth):
    from localcloud import templates

    (pattern,) = {f["Properties"]["FilterPattern"] for f in synth.of_type("AWS::Logs::SubscriptionFilter").values()
                  if f["Properties"]["LogGroupName"]["Ref"] == _access_log_group(synth)}
    stage = _api_stage(synth)
    assert json.loads(stage["Properties"]["AccessLogSetting"]["Format"]) == gateway_responses.ACCESS_LOG_FORMAT

    def line(kind: str, **auth: str) -> str:
        found = templates.variables(kind, "0f0f0f0f-0000-0000-0000-000000000000") if kind else {}
        found.update({f"context.authorizer.{k}": v for k, v in auth.items()})
        return templates.access_log_line(found)

    account = {"account_id": "acct_1", "mode": "test", "principalId": "key_1"}
    for kind in ("THROTTLED", "ACCESS_DENIED", "REQUEST_TOO_LARGE", "INTEGRATION_TIMEOUT", "DEFAULT_5XX"):
        assert _matches(pattern, line(kind, **account)), kind
    assert not _matches(pattern, line("UNAUTHORIZED"))  # an unknown key: no account
    assert not _matches(pattern, line("", **account))  # a function answered: its own line records it


def test_the_subscribed_functions_log_their_records(synth):
    """The records are INFO lines: a subscribed function logging above INFO would record nothing."""
    fns = functions_by_name(synth)
    for name in SUBSCRIBED:
        assert fns[name][1]["Properties"]["Environment"]["Variables"]["POWERTOOLS_LOG_LEVEL"] == "INFO", name


def test_request_logs_expire_with_the_tables_ttl(synth):
    """30 days: the log items and pointers carry the table's TTL attribute."""
    (tbl,) = synth.of_type("AWS::DynamoDB::Table").values()
    assert tbl["Properties"]["TimeToLiveSpecification"] == {"AttributeName": table.TTL_ATTRIBUTE, "Enabled": True}
    record = {"account_id": "acct_1", "mode": "test", "request_id": "req_1", "at_ms": 1_800_000_000_000,
              "status": 200, "latency_ms": 1.0}
    for item in (requestlogs_store.log_item(record), requestlogs_store.pointer_item(record)):
        assert item[table.TTL_ATTRIBUTE] == 1_800_000_000 + 30 * 86_400


def test_the_dashboard_url_makes_request_log_url(synth):
    """The functions get DASHBOARD_URL and the gateway responses name
    $stageVariables.dashboardUrl: the dashboard_url context (its custom domain) when
    given, else the stack's own dashboard API (infra/dashboard.py)."""
    from infra.dashboard import STAGE as DASHBOARD_STAGE

    (dashboard_api,) = [k for k, v in synth.of_type("AWS::ApiGateway::RestApi").items()
                        if v["Properties"]["Name"].endswith("-dashboard")]

    def is_dashboard_url(value) -> bool:
        if synth.name == "production":
            return value == "https://dashboard.eu.example.com"
        parts = value["Fn::Join"][1]
        return {"Ref": dashboard_api} in parts and parts[-1].endswith(f"/{DASHBOARD_STAGE}")

    (stage,) = [s for s in synth.of_type("AWS::ApiGateway::Stage").values() if s["Properties"]["StageName"] != DASHBOARD_STAGE]
    assert is_dashboard_url(stage["Properties"]["Variables"][gateway_responses.DASHBOARD_URL_VARIABLE])
    for name in SUBSCRIBED:
        env = functions_by_name(synth)[name][1]["Properties"]["Environment"]["Variables"]
        assert is_dashboard_url(env["DASHBOARD_URL"]), name
    for response in synth.of_type("AWS::ApiGateway::GatewayResponse").values():
        error = json.loads(response["Properties"]["ResponseTemplates"]["application/json"].replace(
            "$context.error.messageString", '"m"'))["error"]
        assert error["request_log_url"] == "$stageVariables.dashboardUrl/logs/$context.requestId"


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
        ({"dynamodb:PutItem", "dynamodb:UpdateItem"}, sorted(keys.REQUEST_LOG_PARTITIONS)),
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
    assert not set(keys.METRICS_PARTITIONS + keys.REQUEST_LOG_PARTITIONS) & set(keys.COUNTER_PARTITIONS)
    for name, (_, fn) in functions_by_name(synth).items():
        role_id = fn["Properties"]["Role"]["Fn::GetAtt"][0]
        for statement in policy_statements(synth, role_id):
            leading = (statement.get("Condition") or {}).get("ForAllValues:StringLike", {}).get("dynamodb:LeadingKeys", [])
            assert not set(leading) & set(keys.METRICS_PARTITIONS + keys.REQUEST_LOG_PARTITIONS), name


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
