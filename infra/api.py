"""The REST API (stage v1): one Lambda per row of the route table, each with a role
holding exactly its route's access, a cached REQUEST authorizer, 405 answers for the
other methods of each path, API Gateway's own errors re-templated into the spec's error
object, access logs, tracing, a coarse stage throttle, an optional WAF per-IP rate
limit (infra/waf.py) and an optional custom domain."""

from __future__ import annotations

import json

from aws_cdk import CfnOutput, Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct
from resource_api import routes
from resource_api.core.errors import CODES
from resource_api.frame.gateway_responses import (
    ACCESS_LOG_FORMAT,
    DASHBOARD_URL_VARIABLE,
    GATEWAY_RESPONSES,
    response_headers,
    template,
)

from .access import Access
from .config import SERVICE_NAME, Config
from .functions import construct_id, invocation_target, python_function
from .layers import Layers
from .monitoring import Monitoring
from .nag import acknowledge
from .waf import RateLimitAcl

STAGE = "v1"  # the public prefix /v1 is the stage (or the custom domain's base path)
TIMEOUT_S = 10
AUTHORIZER_CACHE = Duration.seconds(300)
# Every method API Gateway knows; those a path has no route for answer 405 (via ANY).
METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
# Body types a wrong-method request may carry; the 405 answer does not depend on them.
MOCK_CONTENT_TYPES = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data", "text/plain")




def execution_log_group(scope: Construct, rest_api: apigw.RestApi, stage: str, config: Config) -> logs.LogGroup:
    """Execution logging (logging_level ERROR) writes to a log group API Gateway makes
    itself, outside the stack, with no expiry, and left behind by a destroy. Made here
    first, with the stage's retention and removal policy; the stage waits for it."""
    group = logs.LogGroup(
        scope,
        "ExecutionLogs",
        log_group_name=f"API-Gateway-Execution-Logs_{rest_api.rest_api_id}/{stage}",
        retention=config.log_retention,
        removal_policy=config.removal_policy,
    )
    rest_api.deployment_stage.node.add_dependency(group)
    return group

class Api(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: Config,
        layers: Layers,
        table: dynamodb.ITable,
        access: Access,
        monitoring: Monitoring,
        dashboard_url: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.config = config
        self.layers = layers
        self.access = access
        self.monitoring = monitoring
        self.environment = {
            "STAGE": config.stage,
            "TABLE_NAME": table.table_name,
            "DOC_BASE_URL": config.doc_base_url,
            "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
            "POWERTOOLS_LOG_LEVEL": "INFO",
        }
        self.functions: dict[str, lambda_.Function] = {}
        self.log_groups: dict[str, logs.LogGroup] = {}

        access_logs = self.access_logs = logs.LogGroup(
            self, "AccessLogs", retention=config.log_retention, removal_policy=config.removal_policy
        )
        # The dashboard's base URL: the stack's own dashboard API (infra/dashboard.py), or the
        # dashboard_url context (its custom domain) when given.
        dashboard_url = dashboard_url or config.dashboard_url
        if dashboard_url:  # error objects' request_log_url (core/errors.py, gateway responses)
            self.environment["DASHBOARD_URL"] = dashboard_url
        self.rest_api = apigw.RestApi(
            self,
            "RestApi",
            rest_api_name=f"{SERVICE_NAME}-{config.stage}",
            description=f"Resource API ({config.stage})",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            # Access logging needs API Gateway's account-level CloudWatch role in the
            # region; kept on destroy because other stacks in the region rely on it.
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=RemovalPolicy.RETAIN,
            deploy_options=apigw.StageOptions(
                stage_name=STAGE,
                tracing_enabled=True,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FORMAT)),
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,
                metrics_enabled=False,
                throttling_rate_limit=config.throttle_rate_limit,
                throttling_burst_limit=config.throttle_burst_limit,
                # the gateway responses' request_log_url: $stageVariables.dashboardUrl
                variables={DASHBOARD_URL_VARIABLE: dashboard_url} if dashboard_url else None,
            ),
        )

        self.execution_logs = execution_log_group(self, self.rest_api, STAGE, config)

        acknowledge(
            self.rest_api,
            "AwsSolutions-APIG2",
            "Each function validates its own parameters (pydantic models in the shared layer) so that every "
            "invalid parameter is answered with the spec's error object naming its param, for form-encoded "
            "and JSON bodies alike; an API Gateway request validator answers its own 400 without param.",
        )
        if config.waf_rate_limit is not None:
            self.waf: RateLimitAcl | None = RateLimitAcl(
                self, "Waf", stage=self.rest_api.deployment_stage, limit=config.waf_rate_limit,
                name=f"{SERVICE_NAME}-{config.stage}", doc_base_url=config.doc_base_url,
            )
        else:
            self.waf = None
            acknowledge(
                self.rest_api,
                "AwsSolutions-APIG3",
                "No WAF web ACL unless deployed with -c waf_rate_limit=N (docs/deploy.md): a web ACL costs a "
                "monthly fee at rest. Without it every route still needs a valid API key (the authorizer), the "
                "stage has a throttle, and per-account rate limits are enforced by the service.",
            )
        acknowledge(
            self.rest_api,
            "AwsSolutions-COG4",
            "Callers authenticate with API secret keys (sk_test_/sk_live_, Stripe style), checked by the "
            "Lambda REQUEST authorizer against hashed keys in the table; Cognito user pools do not issue "
            "or check this kind of credential. The ANY methods are the 405 mocks (see APIG4).",
        )
        acknowledge(
            self.rest_api.node.find_child("CloudWatchRole"),
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
            "API Gateway's account-level logging role (needed for access logs), made by CDK with the managed "
            "policy AWS documents for it; a hand-written copy would grant the same logs actions on '*'.",
        )

        self.authorizer_function = self._function(routes.AUTHORIZER_FUNCTION, routes.AUTHORIZER_ACCESS)
        # Cached per Authorization header: a key is looked up at most once per 300 s. API
        # Gateway answers 401 without calling it only when the header is missing or empty;
        # the function refuses any other form than `Bearer <key>` and never reads the query
        # string here, so a cached answer depends on the header alone (resource_api.auth).
        self.authorizer = apigw.RequestAuthorizer(
            self,
            "RequestAuthorizer",
            handler=invocation_target(self.authorizer_function),
            identity_sources=[apigw.IdentitySource.header("Authorization")],
            results_cache_ttl=AUTHORIZER_CACHE,
        )
        self._query_key_authorizer: apigw.RequestAuthorizer | None = None

        paths: dict[str, list[str]] = {}
        for route in routes.ROUTES:
            fn = self._function(route.function, route.access)
            resource = self.rest_api.root.resource_for_path(route.resource_path)
            resource.add_method(
                route.method,
                apigw.LambdaIntegration(invocation_target(fn), proxy=True, allow_test_invoke=False),
                authorizer=self.authorizer_for(route),
                authorization_type=apigw.AuthorizationType.CUSTOM,
                operation_name=route.function,
            )
            paths.setdefault(route.resource_path, []).append(route.method)
        for path, methods in paths.items():
            self._method_not_allowed(self.rest_api.root.resource_for_path(path), methods)

        # Substitution-only templates (not VTL) and header mappings, from the definitions
        # the local gateway renders too (resource_api.frame.gateway_responses).
        for response_type, (status, _code, _message) in GATEWAY_RESPONSES.items():
            self.rest_api.add_gateway_response(
                f"GatewayResponse{construct_id(response_type.lower())}",
                type=apigw.ResponseType.of(response_type),
                # DEFAULT_4XX/5XX keep API Gateway's own status (415, 403, 502, ...).
                status_code=None if response_type.startswith("DEFAULT_") else str(status),
                templates={"application/json": template(response_type, config.doc_base_url, bool(dashboard_url))},
                response_headers=response_headers(response_type),
            )

        if config.domain_name:
            self.domain = apigw.DomainName(
                self,
                "Domain",
                domain_name=config.domain_name,
                certificate=acm.Certificate.from_certificate_arn(self, "Certificate", config.certificate_arn),
                endpoint_type=apigw.EndpointType.REGIONAL,
                security_policy=apigw.SecurityPolicy.TLS_1_2,
            )
            apigw.BasePathMapping(
                self, "V1Mapping", domain_name=self.domain, rest_api=self.rest_api, base_path=STAGE,
                stage=self.rest_api.deployment_stage,
            )
            CfnOutput(self, "BaseUrl", value=f"https://{config.domain_name}/{STAGE}")
            CfnOutput(
                self, "DomainTarget", value=self.domain.domain_name_alias_domain_name,
                description=f"Point {config.domain_name} (CNAME or alias) here",
            )
        CfnOutput(self, "ApiUrl", value=self.rest_api.url, description="execute-api URL of stage v1 (the /v1 prefix is the stage)")
        monitoring.watch_api(self.rest_api, STAGE)

    def authorizer_for(self, route: routes.Endpoint) -> apigw.IAuthorizer:
        """The authorizer of a route. Routes that also take the spec's `?api_key=` query
        parameter (route.query_key) get the same function without result caching: API
        Gateway caches only on identity sources and refuses, before the function runs,
        a request missing any of them, so a header-or-query key cannot be one. The
        function honours `?api_key=` only when invoked for one of these routes (the
        event's matched resource and method; resource_api.auth.takes_query_key)."""
        if not getattr(route, "query_key", False):
            return self.authorizer
        if self._query_key_authorizer is None:
            self._query_key_authorizer = apigw.RequestAuthorizer(
                self,
                "QueryKeyAuthorizer",
                handler=invocation_target(self.authorizer_function),
                identity_sources=[],
                results_cache_ttl=Duration.seconds(0),
            )
            # No identity source at all (CDK would write an empty string).
            self._query_key_authorizer.node.default_child.add_property_deletion_override("IdentitySource")
        return self._query_key_authorizer

    def _function(self, name: str, access: frozenset[str]) -> lambda_.Function:
        # One role per function, with nothing but its log group and its route's access.
        built = python_function(
            self,
            name,
            config=self.config,
            layers=self.layers,
            monitoring=self.monitoring,
            environment=self.environment,
            timeout_s=TIMEOUT_S,
            role_description=f"{name}: its log group, tracing, and access {sorted(access)}",
        )
        self.access.grant(access, built.function)
        self.functions[name] = built.function
        self.log_groups[name] = built.log_group
        return built.function

    def _method_not_allowed(self, resource: apigw.IResource, allowed: list[str]) -> None:
        """ANY on a path answers 405 with an Allow header (explicit methods win over ANY)."""
        allow = ", ".join(sorted(set(allowed)))
        body = {
            "error": {
                "type": CODES["method_not_allowed"].type,
                "code": "method_not_allowed",
                "message": CODES["method_not_allowed"].message,
                "doc_url": f"{self.config.doc_base_url}/errors.md#method_not_allowed",
                "request_id": "__REQUEST_ID__",
            }
        }
        # The same request id form the functions answer (req_ + the id without dashes).
        response_template = (
            '#set($rid = "req_" + $context.requestId.replace("-", ""))\n'
            "#set($context.responseOverride.header.Request-Id = $rid)\n"
            + json.dumps(body).replace('"__REQUEST_ID__"', '"$rid"')
        )
        resource.add_method(
            "ANY",
            apigw.MockIntegration(
                request_templates={t: '{"statusCode": 405}' for t in MOCK_CONTENT_TYPES},
                passthrough_behavior=apigw.PassthroughBehavior.NEVER,
                integration_responses=[
                    apigw.IntegrationResponse(
                        status_code="405",
                        response_templates={"application/json": response_template},
                        response_parameters={"method.response.header.Allow": f"'{allow}'"},
                    )
                ],
            ),
            # Answered before authentication, as the local gateway does; no backend runs.
            authorization_type=apigw.AuthorizationType.NONE,
            method_responses=[
                apigw.MethodResponse(
                    status_code="405",
                    response_parameters={"method.response.header.Allow": True, "method.response.header.Request-Id": True},
                )
            ],
            operation_name="method_not_allowed",
        )
        acknowledge(
            resource.node.find_child("ANY"),
            "AwsSolutions-APIG4",
            "This ANY method is a MOCK integration that only answers 405 method_not_allowed with an Allow "
            "header, before authentication as the local gateway does; it runs no backend and returns no data.",
        )
