"""The webhook pipeline in the synthesized templates: queue + DLQ (alarmed), the two
event source mappings, least-privilege roles, and the `?api_key=` authorizer."""

from __future__ import annotations

import json

from resource_api.events import queues
from resource_api import routes, stream

from infra import webhooks
from infra.functions import FUNCTIONS

from .test_stack import as_list, functions_by_name, methods, policy_statements

SEND_ACTIONS = {"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}


def _queues(synth) -> dict[str, dict]:
    return synth.of_type("AWS::SQS::Queue")


def _delivery_queue(synth) -> tuple[str, dict]:
    return next((k, q) for k, q in _queues(synth).items() if "RedrivePolicy" in q["Properties"])


def _function(synth, name: str) -> tuple[str, dict]:
    for logical_id, fn in synth.of_type("AWS::Lambda::Function").items():
        asset = synth.asset_dir(fn["Properties"]["Code"])
        if (asset / "handler.py").read_bytes() == (FUNCTIONS / name / "handler.py").read_bytes():
            return logical_id, fn
    raise AssertionError(f"no function {name}")


def _grants(synth, fn: dict) -> dict[str, list]:
    role_id = fn["Properties"]["Role"]["Fn::GetAtt"][0]
    granted: dict[str, list] = {}
    for statement in policy_statements(synth, role_id):
        for action in as_list(statement["Action"]):
            granted.setdefault(action, []).extend(as_list(statement["Resource"]))
    return granted


def _arn(logical_id: str) -> dict:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def test_delivery_queue_redrives_to_an_alarmed_dlq_after_the_schedule(synth):
    # Given the delivery queue of the stack
    queue_id, queue = _delivery_queue(synth)
    props = queue["Properties"]
    # Then it keeps messages long enough for the whole ~3-day schedule, encrypted
    assert props["MessageRetentionPeriod"] == queues.RETENTION_S >= sum(queues.RETRY_SCHEDULE_S) * 1.2
    assert props["SqsManagedSseEnabled"] is True
    # And its visibility timeout is at least 6x the delivery function's timeout
    _, delivery = _function(synth, webhooks.DELIVERY_FUNCTION)
    assert props["VisibilityTimeout"] >= 6 * delivery["Properties"]["Timeout"]
    # And the receive after the last scheduled attempt moves the message to the DLQ
    redrive = props["RedrivePolicy"]
    assert redrive["maxReceiveCount"] == len(queues.RETRY_SCHEDULE_S) + 1
    dlq_id = redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]
    assert _queues(synth)[dlq_id]["Properties"]["MessageRetentionPeriod"] == queues.RETENTION_S
    # And a dead-lettered message raises an alarm
    alarms = [a["Properties"] for a in synth.of_type("AWS::CloudWatch::Alarm").values()]
    assert any(
        a.get("MetricName") == "ApproximateNumberOfMessagesVisible"
        and {"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq_id, "QueueName"]}} in a["Dimensions"]
        and a["Threshold"] == 1
        for a in alarms
    )


def test_delivery_function_reads_the_queue_with_partial_batch_failures(synth):
    queue_id, _ = _delivery_queue(synth)
    fn_id, _ = _function(synth, webhooks.DELIVERY_FUNCTION)
    (mapping,) = [
        m["Properties"]
        for m in synth.of_type("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": fn_id}
    ]
    assert mapping["EventSourceArn"] == _arn(queue_id)
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BatchSize"] == queues.BATCH_SIZE


def test_stream_processor_bisects_reports_failures_and_has_an_on_failure_destination(synth):
    fn_id, _ = _function(synth, webhooks.STREAM_FUNCTION)
    table_id = next(iter(synth.of_type("AWS::DynamoDB::Table")))
    (mapping,) = [
        m["Properties"]
        for m in synth.of_type("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": fn_id}
    ]
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": [table_id, "StreamArn"]}
    assert mapping["StartingPosition"] == "TRIM_HORIZON"
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["MaximumRetryAttempts"] == webhooks.STREAM_RETRY_ATTEMPTS
    # Only what a subscriber acts on invokes it: the patterns the local poller applies
    patterns = [json.loads(f["Pattern"]) for f in mapping["FilterCriteria"]["Filters"]]
    assert patterns == stream.FILTERS
    failure_arn = mapping["DestinationConfig"]["OnFailure"]["Destination"]
    failures_id = failure_arn["Fn::GetAtt"][0]
    assert failures_id in _queues(synth) and "RedrivePolicy" not in _queues(synth)[failures_id]["Properties"]


def test_pipeline_roles_are_least_privilege(synth):
    queue_id, _ = _delivery_queue(synth)
    table_id = next(iter(synth.of_type("AWS::DynamoDB::Table")))
    # The stream processor: reads the stream, writes the table, sends to the delivery
    # queue (and to its failure queue); receives from no queue.
    _, stream_fn = _function(synth, webhooks.STREAM_FUNCTION)
    granted = _grants(synth, stream_fn)
    assert {"dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream"} <= set(granted)
    for action in ("dynamodb:GetRecords", "dynamodb:GetShardIterator"):
        assert granted[action] == [{"Fn::GetAtt": [table_id, "StreamArn"]}]
    assert _arn(queue_id) in granted["sqs:SendMessage"]
    assert not {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"} & set(granted)
    assert not any(a.endswith(":*") or a == "*" for a in granted)
    # The delivery function: consumes the delivery queue only, and sends to none.
    _, delivery = _function(synth, webhooks.DELIVERY_FUNCTION)
    granted = _grants(synth, delivery)
    for action in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"):
        assert granted[action] == [_arn(queue_id)], action
    assert "sqs:SendMessage" not in granted
    assert not any(a.startswith("dynamodb:GetRecords") for a in granted)
    # Neither has any '*' resource but X-Ray (and ListStreams, which has no resource level)
    for fn in (stream_fn, delivery):
        for action, resources in _grants(synth, fn).items():
            if "*" in resources:
                assert action.startswith("xray:") or action == "dynamodb:ListStreams", action


def test_send_webhooks_routes_may_send_to_the_queue_and_know_its_url(synth):
    queue_id, _ = _delivery_queue(synth)
    fns = functions_by_name(synth)
    senders = {r.function for r in routes.ROUTES if routes.SEND_WEBHOOKS in r.access}
    assert senders == {"resend_event", "replay_webhook_deliveries"}
    for route in routes.ROUTES:
        _, fn = fns[route.function]
        granted = _grants(synth, fn)
        env = fn["Properties"]["Environment"]["Variables"]
        sqs_actions = {a for a in granted if a.startswith("sqs:")}
        if route.function in senders:
            assert sqs_actions == SEND_ACTIONS, route.function
            assert all(r == [_arn(queue_id)] for a, r in granted.items() if a.startswith("sqs:"))
            assert env[queues.QUEUE_URL_ENV] == {"Ref": queue_id}
        else:
            assert not sqs_actions, route.function
            assert queues.QUEUE_URL_ENV not in env, route.function


def test_query_key_routes_use_an_uncached_authorizer(synth):
    # API Gateway caches only on identity sources every request has; a key in the header
    # OR the query string cannot be one, so ?api_key= routes use no cache.
    authorizers = synth.of_type("AWS::ApiGateway::Authorizer")
    by_route = {(m, p): props for m, p, props in methods(synth) if props.get("AuthorizationType") == "CUSTOM"}
    for route in routes.ROUTES:
        props = by_route[(route.method, route.path[len(routes.API_PREFIX):])]
        authorizer = authorizers[props["AuthorizerId"]["Ref"]]["Properties"]
        if route.query_key:
            assert authorizer["AuthorizerResultTtlInSeconds"] == 0, route.path
            assert not authorizer.get("IdentitySource"), route.path
        else:
            assert authorizer["AuthorizerResultTtlInSeconds"] > 0, route.path
            assert authorizer["IdentitySource"] == "method.request.header.Authorization"
