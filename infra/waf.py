"""An optional AWS WAF web ACL on the API stage: `-c waf_rate_limit=N` blocks an IP
address that sent more than N requests in the last 5 minutes, before API Gateway runs
the authorizer or any function (so a flood of requests with bad keys costs no Lambda
invocation and no DynamoDB read). Off by default: a web ACL costs a monthly fee at rest
(docs/deploy.md).

Per-account rate limits stay the service's (resource_api.frame.key_limits): this is the
per-IP backstop in front of them. A blocked request is answered by WAF itself, with a
static body in the spec's error object form (429 rate_limited, Retry-After); it never
reached API Gateway, so it has no request id.
"""

from __future__ import annotations

import json

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct
from resource_api.core.errors import CODES

WINDOW_S = 300  # WAF's evaluation window for the rate-based rule
RULE_NAME = "RateLimitPerIp"
BODY_KEY = "rate_limited"
RETRY_AFTER_S = 60


def blocked_body(limit: int, doc_base_url: str) -> str:
    spec = CODES["rate_limited"]
    return json.dumps(
        {
            "error": {
                "type": spec.type,
                "code": "rate_limited",
                "message": f"Too many requests from this IP address (more than {limit} in {WINDOW_S // 60} minutes). "
                "Retry after the time in Retry-After.",
                "doc_url": f"{doc_base_url}/errors.md#rate_limited",
                "request_id": None,
            }
        }
    )


class RateLimitAcl(Construct):
    """A REGIONAL web ACL allowing everything but the rate-based rule, associated with
    the API's stage."""

    def __init__(self, scope: Construct, id: str, *, stage: apigw.Stage, limit: int, name: str, doc_base_url: str) -> None:
        super().__init__(scope, id)

        def visibility(metric: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
            return wafv2.CfnWebACL.VisibilityConfigProperty(
                cloud_watch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
            )

        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            scope="REGIONAL",
            description=f"{name}: at most {limit} requests per IP address in {WINDOW_S // 60} minutes",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=visibility(f"{name}-waf"),
            custom_response_bodies={
                BODY_KEY: wafv2.CfnWebACL.CustomResponseBodyProperty(
                    content_type="APPLICATION_JSON", content=blocked_body(limit, doc_base_url)
                )
            },
            rules=[
                wafv2.CfnWebACL.RuleProperty(
                    name=RULE_NAME,
                    priority=0,
                    statement=wafv2.CfnWebACL.StatementProperty(
                        rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                            limit=limit, aggregate_key_type="IP", evaluation_window_sec=WINDOW_S
                        )
                    ),
                    action=wafv2.CfnWebACL.RuleActionProperty(
                        block=wafv2.CfnWebACL.BlockActionProperty(
                            custom_response=wafv2.CfnWebACL.CustomResponseProperty(
                                response_code=429,
                                custom_response_body_key=BODY_KEY,
                                response_headers=[
                                    wafv2.CfnWebACL.CustomHTTPHeaderProperty(name="Retry-After", value=str(RETRY_AFTER_S))
                                ],
                            )
                        )
                    ),
                    visibility_config=visibility(f"{name}-{RULE_NAME}"),
                )
            ],
        )
        association = wafv2.CfnWebACLAssociation(
            self, "Association", resource_arn=stage.stage_arn, web_acl_arn=self.web_acl.attr_arn
        )
        # The stage must exist before WAF can attach to it.
        association.node.add_dependency(stage)
