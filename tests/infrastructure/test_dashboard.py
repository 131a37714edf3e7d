"""The dashboard in the synthesized templates (infra/dashboard.py): its own REST API whose
every path reaches one function, that function's layers and least-privilege role, the
TTLs its sessions and the request logs rely on, and its alarms."""

from __future__ import annotations

from resource_api import routes
from resource_api.core import keys, table
from resource_api.requestlogs import store as requestlogs

from infra import dashboard, data
from infra.dashboard import API_FUNCTIONS, STAGE

from .test_stack import as_list, functions_by_name, policy_statements
from .test_webhooks import _function


def _dashboard_api(synth) -> tuple[str, dict]:
    (found,) = [
        (logical_id, api) for logical_id, api in synth.of_type("AWS::ApiGateway::RestApi").items()
        if api["Properties"]["Name"].endswith("-dashboard")
    ]
    return found


def _statements(synth, fn: dict) -> list[dict]:
    return policy_statements(synth, fn["Properties"]["Role"]["Fn::GetAtt"][0])


def test_the_dashboard_has_its_own_api_whose_every_path_reaches_its_function(synth):
    api_id, api = _dashboard_api(synth)
    fn_id, _ = _function(synth, "dashboard")
    methods = [m["Properties"] for m in synth.of_type("AWS::ApiGateway::Method").values()
               if m["Properties"]["RestApiId"] == {"Ref": api_id}]
    proxies = [r["Properties"] for r in synth.of_type("AWS::ApiGateway::Resource").values()
               if r["Properties"]["RestApiId"] == {"Ref": api_id}]
    # / and /{proxy+}, any method, a Lambda proxy integration of the dashboard function, no authorizer
    assert [p["PathPart"] for p in proxies] == ["{proxy+}"]
    assert len(methods) == 2
    for method in methods:
        assert method["HttpMethod"] == "ANY" and method["AuthorizationType"] == "NONE"
        assert method["Integration"]["Type"] == "AWS_PROXY"
        uri = method["Integration"]["Uri"]["Fn::Join"][1]
        assert {"Fn::GetAtt": [fn_id, "Arn"]} in uri
    # Its own stage (not under the API's /v1), with access logs, tracing and a throttle
    (stage,) = [s["Properties"] for s in synth.of_type("AWS::ApiGateway::Stage").values()
                if s["Properties"]["RestApiId"] == {"Ref": api_id}]
    assert stage["StageName"] == STAGE != "v1"
    assert stage["TracingEnabled"] is True
    assert "DestinationArn" in stage["AccessLogSetting"]
    (settings,) = stage["MethodSettings"]
    assert settings["ThrottlingRateLimit"] == dashboard.THROTTLE_RATE
    assert settings["DataTraceEnabled"] is False  # a sign-in form's key never reaches a log


def test_the_api_functions_link_their_errors_to_the_dashboard(synth):
    api_id, _ = _dashboard_api(synth)
    for name, (_, fn) in functions_by_name(synth).items():
        if name == routes.AUTHORIZER_FUNCTION:
            continue
        url = fn["Properties"]["Environment"]["Variables"]["DASHBOARD_URL"]
        if synth.name == "production":  # the dashboard_url context (its own domain) wins
            assert url == "https://dashboard.eu.example.com", name
            continue
        parts = url["Fn::Join"][1]
        assert {"Ref": api_id} in parts and parts[-1].endswith(f"/{STAGE}"), name


def test_only_the_dashboard_function_gets_the_dashboard_layer(synth):
    _, fn = _function(synth, "dashboard")
    dashboard_layer = next(
        logical_id for logical_id, layer in synth.of_type("AWS::Lambda::LayerVersion").items()
        if "dashboard" in layer["Properties"]["Description"]
    )
    assert {"Ref": dashboard_layer} in fn["Properties"]["Layers"] and len(fn["Properties"]["Layers"]) == 3
    for name, (_, other) in functions_by_name(synth).items():
        assert {"Ref": dashboard_layer} not in other["Properties"]["Layers"], name


def test_the_dashboard_role_is_least_privilege(synth):
    _, fn = _function(synth, "dashboard")
    table_id = next(iter(synth.of_type("AWS::DynamoDB::Table")))
    kinds = dashboard.access_kinds()
    assert kinds == frozenset().union(*(routes.route_for(f).access for f in API_FUNCTIONS))
    assert routes.AUTHENTICATE not in kinds and routes.STOP_EXECUTION not in kinds  # it deletes no resource
    writes: list[list[str]] = []
    wildcard: set[str] = set()
    for statement in _statements(synth, fn):
        assert statement["Effect"] == "Allow"
        actions = as_list(statement["Action"])
        if "*" in as_list(statement["Resource"]):
            wildcard |= set(actions)
        if set(actions) & {"dynamodb:PutItem", "dynamodb:UpdateItem"}:
            # every write is held under a partition-key condition, on the table only
            assert statement["Resource"] == {"Fn::GetAtt": [table_id, "Arn"]}
            writes.append(statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"])
    assert wildcard == {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
    (alarms,) = [s["Resource"] for s in _statements(synth, fn) if s["Action"] == "cloudwatch:DescribeAlarms"]
    assert alarms["Fn::Join"][1][-2:] == [{"Ref": "AWS::StackName"}, "-*"]  # the stack's own alarms only
    granted = {p for leading in writes for p in as_list(leading)}
    # its own partitions: keys, sessions, sign-in counters, test events; and the API's
    assert set(keys.DASHBOARD_PARTITIONS) <= granted
    # (each write kind of the API routes it runs grants its own entity's partitions, infra/data.py)
    by_kind = {
        routes.WRITE: keys.RESOURCE_WRITE_PARTITIONS,
        routes.WRITE_WEBHOOK_ENDPOINTS: keys.WEBHOOK_ENDPOINT_WRITE_PARTITIONS,
        routes.WRITE_IDEMPOTENCY: keys.IDEMPOTENCY_PARTITIONS,
        routes.COUNT: keys.COUNTER_PARTITIONS,
        routes.RESOURCE_LIMIT: keys.RESOURCE_LIMIT_PARTITIONS,
    }
    expected = set(keys.DASHBOARD_PARTITIONS).union(*(by_kind[k] for k in kinds if k in by_kind))
    assert granted == expected
    # never the accounts themselves, the request logs or the metrics (read only)
    assert not granted & {"ACCOUNT#*", *keys.METRICS_PARTITIONS}
    actions = {a for s in _statements(synth, fn) for a in as_list(s["Action"])}
    assert "sqs:SendMessage" in actions  # resend and replay queue deliveries
    assert not {a for a in actions if a.startswith("states:")}
    assert set(data.WRITE_ACTIONS) <= actions


def test_sessions_and_request_logs_expire_by_the_tables_ttl(synth):
    from dashboard import sessions

    (tbl,) = synth.of_type("AWS::DynamoDB::Table").values()
    assert tbl["Properties"]["TimeToLiveSpecification"] == {"AttributeName": table.TTL_ATTRIBUTE, "Enabled": True}
    # what the items set: sessions at most their absolute expiry, request logs 30 days
    assert sessions.ABSOLUTE_S == 12 * 3600 and sessions.IDLE_S == 30 * 60
    assert requestlogs.TTL_S == 30 * 86_400


def test_the_dashboard_is_alarmed_and_graphed(synth):
    api_id, api = _dashboard_api(synth)
    alarms = [a["Properties"] for a in synth.of_type("AWS::CloudWatch::Alarm").values()]
    on_dashboard_api = [
        a for a in alarms if a.get("Namespace") == "AWS/ApiGateway"
        and {"Name": "ApiName", "Value": api["Properties"]["Name"]} in a.get("Dimensions", [])
    ]
    assert {a["MetricName"] for a in on_dashboard_api} == {"5XXError", "Latency"}
    fn_id, _ = _function(synth, "dashboard")
    on_function = [a for a in alarms if {"Name": "FunctionName", "Value": {"Ref": fn_id}} in a.get("Dimensions", [])]
    assert on_function  # throttles/errors, like every function
