"""Abuse limits in the templates: the webhook delivery function cannot take the API's
concurrency, and the optional WAF per-IP rate limit (`-c waf_rate_limit=N`)."""

from __future__ import annotations

import json

import pytest

from infra import waf, webhooks
from infra.config import Config

from .conftest import DEPLOYMENTS, _synth
from .test_webhooks import _delivery_queue, _function


def test_delivery_function_has_reserved_concurrency_and_its_queue_never_exceeds_it(synth):
    # Given the delivery function and the event source that feeds it
    fn_id, fn = _function(synth, webhooks.DELIVERY_FUNCTION)
    queue_id, _ = _delivery_queue(synth)
    (mapping,) = [
        m["Properties"] for m in synth.of_type("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": fn_id}
    ]
    # Then it runs at most the configured number of executions (the API keeps the rest)
    reserved = fn["Properties"]["ReservedConcurrentExecutions"]
    assert reserved == synth.stack.config.webhook_delivery_concurrency == Config.webhook_delivery_concurrency
    # And the queue invokes no more than that, so no message is throttled back (a throttle
    # would cost the message one of its delivery attempts)
    assert mapping["ScalingConfig"]["MaximumConcurrency"] == reserved
    # And no API function reserves any (they share the account's unreserved pool)
    others = [f for k, f in synth.of_type("AWS::Lambda::Function").items() if k != fn_id]
    assert not any("ReservedConcurrentExecutions" in f["Properties"] for f in others)


def test_delivery_concurrency_is_a_context_setting(tmp_path, layers):
    from infra.app import build

    app, stack = build({"stage": "sandbox", "webhook_delivery_concurrency": "40"}, outdir=str(tmp_path), env={})
    assert stack.config.webhook_delivery_concurrency == 40
    fn = stack.webhooks.delivery.node.default_child
    assert stack.resolve(fn.reserved_concurrent_executions) == 40


@pytest.mark.parametrize("value", ["1", "1001"])
def test_delivery_concurrency_out_of_range_is_refused(value):
    from aws_cdk import App

    with pytest.raises(ValueError, match="webhook_delivery_concurrency"):
        Config.from_node(App(context={"webhook_delivery_concurrency": value}).node, env={})


@pytest.mark.parametrize("value", ["0", "9", "many"])
def test_waf_rate_limit_out_of_range_is_refused(value):
    from aws_cdk import App

    with pytest.raises(ValueError, match="waf_rate_limit"):
        Config.from_node(App(context={"waf_rate_limit": value}).node, env={})


def test_no_web_acl_by_default_and_the_nag_acknowledgement_says_how_to_add_one(synth):
    assert not synth.of_type("AWS::WAFv2::WebACL") and not synth.of_type("AWS::WAFv2::WebACLAssociation")
    # (the API's; the dashboard's own API has its own reason: tests/infrastructure/test_dashboard.py)
    (reason,) = [r for rule, path, r in synth.acknowledged if rule == "AwsSolutions-APIG3" and "/Dashboard/" not in path]
    assert "waf_rate_limit" in reason


@pytest.fixture(scope="module")
def with_waf(layers, tmp_path_factory):
    context = {**DEPLOYMENTS["production"], "waf_rate_limit": "2000"}
    return _synth("production", tmp_path_factory.mktemp("cdk-production-waf"), context)


def test_waf_flag_attaches_a_per_ip_rate_limit_to_the_stage(with_waf):
    # Given production synthesized with -c waf_rate_limit=2000
    (acl_id, acl), = with_waf.of_type("AWS::WAFv2::WebACL").items()
    props = acl["Properties"]
    # Then a regional web ACL lets everything through but one rate-based rule per IP
    assert props["Scope"] == "REGIONAL" and props["DefaultAction"] == {"Allow": {}}
    (rule,) = props["Rules"]
    assert rule["Statement"]["RateBasedStatement"] == {
        "Limit": 2000, "AggregateKeyType": "IP", "EvaluationWindowSec": waf.WINDOW_S,
    }
    # And what it blocks is answered 429 with the spec's error object and Retry-After
    response = rule["Action"]["Block"]["CustomResponse"]
    assert response["ResponseCode"] == 429
    assert {"Name": "Retry-After", "Value": str(waf.RETRY_AFTER_S)} in response["ResponseHeaders"]
    body = props["CustomResponseBodies"][response["CustomResponseBodyKey"]]
    assert body["ContentType"] == "APPLICATION_JSON"
    error = json.loads(body["Content"])["error"]
    assert (error["type"], error["code"]) == ("rate_limit_error", "rate_limited") and error["doc_url"].endswith("#rate_limited")
    # And it is attached to the API's stage v1
    (assoc,) = with_waf.of_type("AWS::WAFv2::WebACLAssociation").values()
    # the API's stage (the dashboard's own API is tests/infrastructure/test_dashboard.py's)
    (stage_id,) = [k for k, v in with_waf.of_type("AWS::ApiGateway::Stage").items() if v["Properties"]["StageName"] != "dashboard"]
    assert assoc["Properties"]["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    arn = json.dumps(assoc["Properties"]["ResourceArn"])
    assert ":apigateway:" in arn and "/restapis/" in arn and f'"/stages/", {{"Ref": "{stage_id}"}}' in arn
    assert stage_id in assoc["DependsOn"]  # created once the stage exists
    # And cdk-nag is satisfied without the "no WAF" acknowledgement
    assert with_waf.nag_error is None, with_waf.nag_error
    assert "AwsSolutions-APIG3" not in {rule for rule, path, _ in with_waf.acknowledged if "/Dashboard/" not in path}


def test_zero_delivery_concurrency_reserves_none_and_keeps_the_queue_bounded(tmp_path, layers):
    from infra.app import build

    # Given an account whose quota is too low to reserve any (new accounts start at 10 or 50)
    app, stack = build({"stage": "sandbox", "webhook_delivery_concurrency": "0", "lambda_concurrency_limit": "50"},
                       outdir=str(tmp_path), env={})
    from aws_cdk.assertions import Template

    resources = Template.from_stack(stack).to_json()["Resources"]
    # Then no function reserves concurrency (the deploy cannot be refused for it)
    assert not any("ReservedConcurrentExecutions" in r["Properties"] for r in resources.values()
                   if r["Type"] == "AWS::Lambda::Function")
    # and the delivery queue still invokes at most half the quota at once
    (mapping,) = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Lambda::EventSourceMapping"
                  and "ScalingConfig" in r["Properties"]]
    assert mapping["ScalingConfig"]["MaximumConcurrency"] == 25 == stack.config.delivery_max_concurrency


@pytest.mark.parametrize(
    ("context", "room"),
    [
        ({"webhook_delivery_concurrency": "901"}, 900),  # 1,000 - 100 unreserved
        ({"webhook_delivery_concurrency": "2", "lambda_concurrency_limit": "50"}, 0),
        ({"webhook_delivery_concurrency": "2", "lambda_concurrency_limit": "10"}, 0),
        ({"webhook_delivery_concurrency": "25", "lambda_reserved_elsewhere": "880"}, 20),  # another stage's share
    ],
)
def test_a_reservation_the_account_would_refuse_is_refused_at_synth_with_the_arithmetic(context, room):
    from aws_cdk import App

    with pytest.raises(ValueError, match=f"at most {room} can be") as refused:
        Config.from_node(App(context=context).node, env={})
    assert "webhook_delivery_concurrency=0" in str(refused.value)


def test_a_reservation_within_the_quota_is_taken():
    from aws_cdk import App

    config = Config.from_node(App(context={"webhook_delivery_concurrency": "900"}).node, env={})
    assert config.webhook_delivery_concurrency == config.delivery_max_concurrency == 900
    assert Config.from_node(App(context={"webhook_delivery_concurrency": "0"}).node, env={}).delivery_max_concurrency == 25
