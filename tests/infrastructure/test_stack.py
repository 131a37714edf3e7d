"""Assertions on the synthesized templates: what matters, derived from the route table
and the schema, not resource counts."""

from __future__ import annotations

import json

import pytest
from resource_api import routes
from resource_api.core import table
from resource_api.frame.gateway_responses import GATEWAY_RESPONSES, template

from infra import data
from infra.api import AUTHORIZER_CACHE, METHODS, STAGE
from infra.functions import HANDLER
from infra.config import DEFAULT_DOC_BASE_URL

from .conftest import ROOT

ALL_FUNCTIONS = [r.function for r in routes.ROUTES] + [routes.AUTHORIZER_FUNCTION]
ACCESS_OF = {r.function: r.access for r in routes.ROUTES} | {routes.AUTHORIZER_FUNCTION: routes.AUTHORIZER_ACCESS}
WRITE_ONLY_ACTIONS = set(data.WRITE_ACTIONS)


# --- helpers over the template ------------------------------------------------------


def resource_paths(synth) -> dict[str, str]:
    """logical id of each AWS::ApiGateway::Resource (and the root) -> its full path."""
    res = synth.of_type("AWS::ApiGateway::Resource")
    paths: dict[str, str] = {}

    def path_of(logical_id: str) -> str:
        if logical_id not in paths:
            props = res[logical_id]["Properties"]
            parent = props["ParentId"]
            prefix = "" if "Fn::GetAtt" in parent else path_of(parent["Ref"])
            paths[logical_id] = f"{prefix}/{props['PathPart']}"
        return paths[logical_id]

    for logical_id in res:
        path_of(logical_id)
    return paths


def api_id(synth) -> str:
    """The API's RestApi (the dashboard has its own: tests/infrastructure/test_dashboard.py)."""
    (found,) = [k for k, v in synth.of_type("AWS::ApiGateway::RestApi").items() if not v["Properties"]["Name"].endswith("-dashboard")]
    return found


def methods(synth) -> list[tuple[str, str, dict]]:
    """(HTTP method, resource path, properties) of every method of the API."""
    paths = resource_paths(synth)
    out = []
    mine = {"Ref": api_id(synth)}
    for props in (m["Properties"] for m in synth.of_type("AWS::ApiGateway::Method").values() if m["Properties"]["RestApiId"] == mine):
        rid = props["ResourceId"]
        path = "/" if "Fn::GetAtt" in rid else paths[rid["Ref"]]
        out.append((props["HttpMethod"], path, props))
    return out


def function_of_integration(props: dict) -> str:
    """Logical id of the Lambda function a proxy integration invokes."""
    parts = props["Integration"]["Uri"]["Fn::Join"][1]
    return next(p["Fn::GetAtt"][0] for p in parts if isinstance(p, dict) and "Fn::GetAtt" in p)


def functions_by_name(synth) -> dict[str, tuple[str, dict]]:
    """folder name under functions/ -> (logical id, resource), from the staged assets."""
    out = {}
    for logical_id, fn in synth.of_type("AWS::Lambda::Function").items():
        asset = synth.asset_dir(fn["Properties"]["Code"])
        names = [name for name in ALL_FUNCTIONS if (asset / "handler.py").read_bytes() == (ROOT / "functions" / name / "handler.py").read_bytes()]
        if len(names) == 1:
            out[names[0]] = (logical_id, fn)
    return out


def policy_statements(synth, role_logical_id: str) -> list[dict]:
    statements = []
    for policy in synth.of_type("AWS::IAM::Policy").values():
        props = policy["Properties"]
        if {"Ref": role_logical_id} in props["Roles"]:
            statements += props["PolicyDocument"]["Statement"]
    return statements


def as_list(value):
    return value if isinstance(value, list) else [value]

# --- routes -----------------------------------------------------------------------------


def test_a_method_per_route_and_nothing_else(synth):
    # Given the route table; When the API is synthesized
    served = {(m, p) for m, p, _ in methods(synth) if m != "ANY"}
    # Then every row is a method on its resource path, and no method exists beyond them
    assert served == {(r.method, r.resource_path) for r in routes.ROUTES}


def authorizers(synth) -> tuple[str, str | None]:
    """(the header authorizer, the query-key authorizer if any): logical ids."""
    header = query = None
    for logical_id, authorizer in synth.of_type("AWS::ApiGateway::Authorizer").items():
        if authorizer["Properties"].get("IdentitySource"):
            header = logical_id
        else:
            query = logical_id
    assert header
    return header, query


def test_each_route_invokes_its_own_function_behind_the_authorizer(synth):
    by_name = {name: logical_id for name, (logical_id, _) in functions_by_name(synth).items()}
    header, query = authorizers(synth)
    for route in routes.ROUTES:
        (props,) = [p for m, path, p in methods(synth) if (m, path) == (route.method, route.resource_path)]
        assert props["Integration"]["Type"] == "AWS_PROXY"
        assert function_of_integration(props) == by_name[route.function], route
        assert props["AuthorizationType"] == "CUSTOM"
        # Routes that also take ?api_key= (route.query_key) use the uncached twin.
        expected = query if getattr(route, "query_key", False) else header
        assert props["AuthorizerId"] == {"Ref": expected}, route


def test_other_methods_of_a_route_path_answer_405_with_allow(synth):
    anys = {path: props for m, path, props in methods(synth) if m == "ANY"}
    paths = {r.resource_path for r in routes.ROUTES}
    assert set(anys) == paths
    for path, props in anys.items():
        allowed = sorted({r.method for r in routes.ROUTES if r.resource_path == path})
        integration = props["Integration"]
        assert integration["Type"] == "MOCK"
        (response,) = integration["IntegrationResponses"]
        assert response["StatusCode"] == "405"
        assert response["ResponseParameters"]["method.response.header.Allow"] == f"'{', '.join(allowed)}'"
        body = response["ResponseTemplates"]["application/json"]
        assert '"code": "method_not_allowed"' in body and "$context.requestId" in body
        assert set(METHODS) - set(allowed)  # there is something left to refuse


def test_unknown_paths_fall_to_url_invalid(synth):
    (response,) = [
        r["Properties"] for r in synth.of_type("AWS::ApiGateway::GatewayResponse").values()
        if r["Properties"]["ResponseType"] == "MISSING_AUTHENTICATION_TOKEN"
    ]
    assert response["StatusCode"] == "404"
    assert '"code": "url_invalid"' in response["ResponseTemplates"]["application/json"]


# --- functions ------------------------------------------------------------------------


def test_every_function_is_python312_arm64_with_both_layers_and_tracing(synth):
    fns = functions_by_name(synth)
    assert set(fns) == set(ALL_FUNCTIONS)
    # the shared code and the deps; the dashboard's own layer is its function's only (test_dashboard.py)
    layer_ids = {k for k, v in synth.of_type("AWS::Lambda::LayerVersion").items() if "dashboard" not in v["Properties"]["Description"]}
    assert len(layer_ids) == 2
    for name, (_, fn) in fns.items():
        props = fn["Properties"]
        assert props["Runtime"] == "python3.12", name
        assert props["Architectures"] == ["arm64"], name
        assert props["Handler"] == HANDLER, name
        assert props["TracingConfig"] == {"Mode": "Active"}, name
        assert {layer["Ref"] for layer in props["Layers"]} == layer_ids, name
        env = props["Environment"]["Variables"]
        assert env["STAGE"] == synth.name
        assert env["TABLE_NAME"] == {"Ref": next(iter(synth.of_type("AWS::DynamoDB::Table")))}
        assert env["DOC_BASE_URL"] == DEFAULT_DOC_BASE_URL
        assert env["POWERTOOLS_SERVICE_NAME"] == "resource-api"


def test_layers_are_built_for_the_runtime(synth):
    for layer in synth.of_type("AWS::Lambda::LayerVersion").values():
        assert layer["Properties"]["CompatibleRuntimes"] == ["python3.12"]
        assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]


# --- least privilege --------------------------------------------------------------------


BASELINE_ACTIONS = {"logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments", "xray:PutTelemetryRecords"}


def granted_actions(synth, fn: dict) -> dict[str, list]:
    """action -> resources, over every policy attached to a function's role."""
    role_id = fn["Properties"]["Role"]["Fn::GetAtt"][0]
    assert not synth.resources[role_id]["Properties"].get("ManagedPolicyArns")
    granted: dict[str, list] = {}
    for statement in policy_statements(synth, role_id):
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            granted.setdefault(action, []).extend(as_list(statement["Resource"]))
    return granted


# The table-write kinds, one per entity (frame/endpoint.py).
WRITE_KINDS = {routes.WRITE, routes.WRITE_WEBHOOK_ENDPOINTS, routes.WRITE_IDEMPOTENCY}


def test_each_function_role_grants_exactly_its_route_dynamodb_access(synth):
    table_id = next(iter(synth.of_type("AWS::DynamoDB::Table")))
    table_arn = {"Fn::GetAtt": [table_id, "Arn"]}
    index_arns = [{"Fn::Join": ["", [table_arn, f"/index/{name}"]]} for name in table.INDEXES]
    for name, (_, fn) in functions_by_name(synth).items():
        granted = granted_actions(synth, fn)
        dynamo = {a: r for a, r in granted.items() if a.startswith("dynamodb:")}
        access = ACCESS_OF[name]
        expected = set(data.READ_ACTIONS) if access & {routes.READ, *WRITE_KINDS} else set()
        if access & WRITE_KINDS:
            expected |= WRITE_ONLY_ACTIONS
        if access & {routes.COUNT, routes.RESOURCE_LIMIT}:  # counter writes, held under a LeadingKeys condition
            expected |= set(data.COUNT_ACTIONS)
        if routes.AUTHENTICATE in access:  # the authorizer: GetItem of keys and accounts (test_least_privilege)
            expected |= {"dynamodb:GetItem"}
        # Then it holds exactly its route's DynamoDB actions ...
        assert set(dynamo) == expected, name
        # ... on the table and its named indexes only (no wildcard)
        for action, resources in dynamo.items():
            allowed = [table_arn, *index_arns] if action in data.READ_ACTIONS else [table_arn]
            assert all(r in allowed for r in resources), (name, action, resources)
        # and the only '*' is X-Ray's (the cdk-nag IAM5 acknowledgement says so)
        for action, resources in granted.items():
            if "*" in resources:
                assert action.startswith("xray:"), (name, action)


def test_other_actions_follow_exactly_the_route_access_kinds(synth):
    """Kinds other constructs register (send_webhooks, stop_execution, ...): whatever
    actions a kind grants, a function holds them if and only if its route has the kind."""
    fns = functions_by_name(synth)
    holders: dict[str, set[str]] = {}
    for name, (_, fn) in fns.items():
        granted = set(granted_actions(synth, fn))
        assert BASELINE_ACTIONS <= granted, name  # its log group, and X-Ray
        for action in granted - BASELINE_ACTIONS:
            if not action.startswith("dynamodb:"):
                holders.setdefault(action, set()).add(name)
    with_kind = {
        kind: {name for name in fns if kind in ACCESS_OF[name]}
        for kind in set().union(*ACCESS_OF.values()) - {routes.READ, *WRITE_KINDS}
    }
    for action, names in holders.items():
        assert names in with_kind.values(), f"{action} is held by {sorted(names)}, which is no access kind's set of routes"
    plain = [name for name in fns if ACCESS_OF[name] <= {routes.READ, *WRITE_KINDS}]
    assert not any(name in names for names in holders.values() for name in plain)


def test_each_write_function_may_write_only_its_own_entitys_item_kinds(synth):
    """Resource functions cannot write webhook endpoints, webhook endpoint functions cannot
    write resources, and resend and replay write only their idempotency records."""
    from resource_api.core import keys

    entity_writes = {"*#RES", "*#RUNTIME", "*#RESDEL", "*#WHE", "IDEM#*"}
    for name, (_, fn) in functions_by_name(synth).items():
        patterns = set()
        for statement in policy_statements(synth, fn["Properties"]["Role"]["Fn::GetAtt"][0]):
            if "dynamodb:PutItem" in as_list(statement["Action"]):
                patterns |= set(statement.get("Condition", {}).get("ForAllValues:StringLike", {})
                                .get("dynamodb:LeadingKeys", ["<unconditioned>"]))
        patterns &= entity_writes | {"<unconditioned>"}
        access = ACCESS_OF[name]
        expected = (set(keys.RESOURCE_WRITE_PARTITIONS) if routes.WRITE in access else set()) | (
            set(keys.WEBHOOK_ENDPOINT_WRITE_PARTITIONS) if routes.WRITE_WEBHOOK_ENDPOINTS in access else set()) | (
            set(keys.IDEMPOTENCY_PARTITIONS) if routes.WRITE_IDEMPOTENCY in access else set())
        assert patterns == expected, name
        if name in ("resend_event", "replay_webhook_deliveries"):
            assert patterns == {"IDEM#*"}, name
        if routes.WRITE_WEBHOOK_ENDPOINTS in access:
            assert "*#RES" not in patterns and "*#WHE" in patterns, name
        if routes.WRITE in access:
            assert "*#WHE" not in patterns and "*#RES" in patterns, name


def test_a_read_route_cannot_write_data(synth):
    """A read route may write only usage counters (rate limits, metrics, request logs),
    and only items whose partition key is a counter's."""
    from resource_api.core import keys

    fns = functions_by_name(synth)
    readers = [r.function for r in routes.ROUTES if r.access - {routes.RESOURCE_LIMIT} == {routes.READ, routes.COUNT}]
    assert "get_resource" in readers and "list_resources" in readers
    for name in readers:
        role_id = fns[name][1]["Properties"]["Role"]["Fn::GetAtt"][0]
        for statement in policy_statements(synth, role_id):
            actions = set(as_list(statement["Action"]))
            assert not any(a in ("dynamodb:*", "*") for a in actions)
            if actions & WRITE_ONLY_ACTIONS:
                assert actions <= set(data.COUNT_ACTIONS), (name, actions)
                leading = statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
                assert sorted(leading) in (sorted(keys.COUNTER_PARTITIONS), sorted(keys.RESOURCE_LIMIT_PARTITIONS)), name


def test_every_access_kind_in_the_route_table_is_registered(sandbox):
    kinds = set().union(*ACCESS_OF.values())
    assert kinds <= sandbox.stack.access.kinds


def test_an_unregistered_access_kind_fails_loudly():
    from infra.access import Access

    with pytest.raises(KeyError, match="start_execution"):
        Access().grant({"start_execution"}, grantee=None)


# --- authorizer and stage ---------------------------------------------------------------


def test_request_authorizer_is_cached_on_the_authorization_header(synth):
    header, query = authorizers(synth)
    props = synth.resources[header]["Properties"]
    assert props["Type"] == "REQUEST"
    assert props["IdentitySource"] == "method.request.header.Authorization"
    assert props["AuthorizerResultTtlInSeconds"] == AUTHORIZER_CACHE.to_seconds() == 300
    logical_id = functions_by_name(synth)[routes.AUTHORIZER_FUNCTION][0]
    assert {"Fn::GetAtt": [logical_id, "Arn"]} in props["AuthorizerUri"]["Fn::Join"][1]
    if query:
        assert synth.resources[query]["Properties"]["AuthorizerResultTtlInSeconds"] == 0


def test_stage_v1_has_access_logs_tracing_and_a_throttle(synth):
    (stage,) = [s for s in synth.of_type("AWS::ApiGateway::Stage").values() if s["Properties"]["RestApiId"] == {"Ref": api_id(synth)}]
    props = stage["Properties"]
    assert props["StageName"] == STAGE
    assert props["TracingEnabled"] is True
    assert "$context.requestId" in props["AccessLogSetting"]["Format"]
    assert props["AccessLogSetting"]["DestinationArn"]["Fn::GetAtt"][1] == "Arn"
    (settings,) = props["MethodSettings"]
    assert settings["ThrottlingRateLimit"] > 0 and settings["ThrottlingBurstLimit"] > 0
    assert settings["LoggingLevel"] == "ERROR"


def test_the_execution_log_group_is_the_stacks_with_a_retention(sandbox, production):
    for synth, days, policy in ((sandbox, 30, "Delete"), (production, 90, "Retain")):
        # Given each stage's execution logging (the API's and the dashboard's: API Gateway
        # would make the group itself otherwise)
        stages = synth.of_type("AWS::ApiGateway::Stage")
        groups = {k: g for k, g in synth.of_type("AWS::Logs::LogGroup").items()
                  if "API-Gateway-Execution-Logs_" in json.dumps(g["Properties"].get("LogGroupName", ""))}
        assert len(stages) == len(groups) == 2
        for stage_id, stage in stages.items():
            api_id, stage_name = stage["Properties"]["RestApiId"]["Ref"], stage["Properties"]["StageName"]
            # Then the stack makes it, under the name API Gateway writes to, with a retention
            ((group_id, group),) = [(k, g) for k, g in groups.items() if g["Properties"]["LogGroupName"] == {
                "Fn::Join": ["", ["API-Gateway-Execution-Logs_", {"Ref": api_id}, f"/{stage_name}"]]}]
            assert group["Properties"]["RetentionInDays"] == days
            assert group["DeletionPolicy"] == policy  # a sandbox destroy takes it along
            # before the stage starts logging into it
            assert group_id in stage["DependsOn"]


def test_gateway_responses_are_the_error_object(synth):
    found = {r["Properties"]["ResponseType"]: r["Properties"] for r in synth.of_type("AWS::ApiGateway::GatewayResponse").values()}
    assert set(found) == set(GATEWAY_RESPONSES)
    for kind, (status, code, _) in GATEWAY_RESPONSES.items():
        props = found[kind]
        text = props["ResponseTemplates"]["application/json"]
        # (every deployment has a dashboard, infra/dashboard.py: request_log_url names its page)
        assert text == template(kind, DEFAULT_DOC_BASE_URL, dashboard=True)
        assert f'"code": "{code}"' in text
        # Gateway response templates are not VTL: no directive may appear (#set, #if, ...),
        # or its line would be sent as text before the JSON.
        assert "#" not in text.replace("/errors.md#", ""), text
        assert '"request_id": "$context.requestId"' in text
        params = props["ResponseParameters"]
        assert params["gatewayresponse.header.Request-Id"] == "context.requestId"  # the body's id
        assert params["gatewayresponse.header.Content-Type"] == "'application/json'"
        if kind.startswith("DEFAULT_"):
            assert "StatusCode" not in props  # keeps API Gateway's own 4xx/5xx status
        else:
            assert props["StatusCode"] == str(status)
    for kind in ("UNAUTHORIZED", "ACCESS_DENIED", "REQUEST_TOO_LARGE", "THROTTLED", "INTEGRATION_TIMEOUT"):
        assert kind in found


def test_custom_domain_maps_v1_only_when_configured(sandbox, production):
    assert not sandbox.of_type("AWS::ApiGateway::DomainName")
    (domain,) = production.of_type("AWS::ApiGateway::DomainName").values()
    assert domain["Properties"]["DomainName"] == "eu.api.example.com"
    assert domain["Properties"]["EndpointConfiguration"] == {"Types": ["REGIONAL"]}
    (mapping,) = production.of_type("AWS::ApiGateway::BasePathMapping").values()
    assert mapping["Properties"]["BasePath"] == "v1"


# --- data -----------------------------------------------------------------------------------


def test_table_is_the_declared_table_with_ttl_stream_and_pitr(synth):
    (resource,) = synth.of_type("AWS::DynamoDB::Table").values()
    props = resource["Properties"]
    request = table.create_table_request()
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["KeySchema"] == request["KeySchema"]
    assert sorted(props["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == request["AttributeDefinitions"]
    assert props["GlobalSecondaryIndexes"] == request["GlobalSecondaryIndexes"]
    assert props["StreamSpecification"] == {"StreamViewType": table.STREAM_VIEW} == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert props["TimeToLiveSpecification"] == {"AttributeName": table.TTL_ATTRIBUTE, "Enabled": True}
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert "TableName" not in props  # CloudFormation names it: stages can share a region


def test_production_keeps_its_table_and_sandbox_may_delete_it(sandbox, production):
    (prod,) = production.of_type("AWS::DynamoDB::Table").values()
    assert prod["DeletionPolicy"] == prod["UpdateReplacePolicy"] == "Retain"
    assert prod["Properties"]["DeletionProtectionEnabled"] is True
    (box,) = sandbox.of_type("AWS::DynamoDB::Table").values()
    assert box["DeletionPolicy"] == "Delete"
    assert box["Properties"]["DeletionProtectionEnabled"] is False


def test_stage_and_region_make_the_deployment(sandbox, production):
    assert sandbox.stack.stack_name == "resource-api-sandbox"
    assert production.stack.stack_name == "resource-api-production"
    assert production.stack.region == "eu-west-1"
    assert production.stack.termination_protection is True


# --- monitoring ---------------------------------------------------------------------------


def test_alarms_on_5xx_rate_p99_latency_and_throttles(synth):
    alarms = [a["Properties"] for a in synth.of_type("AWS::CloudWatch::Alarm").values()]
    by_metric: dict[str, list[dict]] = {}
    for alarm in alarms:
        if "MetricName" in alarm:
            by_metric.setdefault(alarm["MetricName"], []).append(alarm)
        assert alarm["TreatMissingData"] == "notBreaching"
        assert alarm["AlarmActions"], "every alarm notifies the alarm topic"
    name = synth.resources[api_id(synth)]["Properties"]["Name"]
    of_api = {m: [a for a in v if {"Name": "ApiName", "Value": name} in a.get("Dimensions", [])] for m, v in by_metric.items()}
    (rate,) = of_api["5XXError"]
    assert rate["Statistic"] == "Average" and 0 < rate["Threshold"] < 1
    (latency,) = of_api["Latency"]
    assert latency["ExtendedStatistic"] == "p99"
    assert len(by_metric["Throttles"]) >= len(ALL_FUNCTIONS)  # one per function
    assert any("ReadThrottleEvents" in str(a.get("Metrics")) for a in alarms)  # the table
    assert synth.of_type("AWS::CloudWatch::Dashboard")


def _render(value) -> str:
    """A template value with its pseudo parameters spelt out (Fn::Join of Refs)."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return "${" + value["Ref"] + "}"
    sep, parts = value["Fn::Join"]
    return sep.join(_render(p) for p in parts)


def test_cloudwatch_alarms_may_publish_to_the_ssl_only_alarm_topic(synth):
    # Given the alarm topic every alarm notifies
    (topic_id,) = synth.of_type("AWS::SNS::Topic")
    for alarm in synth.of_type("AWS::CloudWatch::Alarm").values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic_id}]
    # Its policy (which replaces SNS's default one) refuses plain HTTP ...
    (policy,) = [p["Properties"] for p in synth.of_type("AWS::SNS::TopicPolicy").values() if {"Ref": topic_id} in p["Properties"]["Topics"]]
    statements = policy["PolicyDocument"]["Statement"]
    assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in statements)
    # ... and lets CloudWatch publish, for this account's alarms only
    (allow,) = [s for s in statements if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert allow["Action"] == "sns:Publish" and allow["Resource"] == {"Ref": topic_id}
    assert allow["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert _render(allow["Condition"]["ArnLike"]["aws:SourceArn"]) == (
        "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*"
    )


def test_monitoring_watches_what_later_constructs_bring():
    # Given the helpers the webhook and provisioning constructs will call
    import aws_cdk as cdk
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_sqs as sqs
    from aws_cdk import aws_stepfunctions as sfn
    from aws_cdk.assertions import Match, Template

    from infra.config import Config
    from infra.monitoring import Monitoring

    stack = cdk.Stack(cdk.App())
    monitoring = Monitoring(stack, "Monitoring", config=Config(stage="sandbox", region=None, account=None))
    fn = lambda_.Function(stack, "Fn", runtime=lambda_.Runtime.PYTHON_3_12, handler="x.h", code=lambda_.Code.from_inline("h=1"))
    # When a DLQ, a stream consumer and a state machine are handed over
    monitoring.watch_dead_letter_queue("WebhookDlq", sqs.Queue(stack, "Dlq"))
    monitoring.watch_stream_consumer("StreamProcessor", fn)
    monitoring.watch_state_machine("Provisioning", sfn.StateMachine(stack, "Sm", definition_body=sfn.DefinitionBody.from_chainable(sfn.Pass(stack, "P"))))
    # Then each gets its alarm
    template = Template.from_stack(stack)
    template.has_resource_properties("AWS::CloudWatch::Alarm", {"MetricName": "ApproximateNumberOfMessagesVisible", "Threshold": 1})
    template.has_resource_properties("AWS::CloudWatch::Alarm", {"MetricName": "IteratorAge", "Statistic": "Maximum"})
    template.has_resource_properties("AWS::CloudWatch::Alarm", {"Metrics": Match.array_with([Match.object_like({"Id": "f"})])})
