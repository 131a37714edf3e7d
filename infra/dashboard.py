"""The dashboard (docs/dashboard.md): one Lambda function (functions/dashboard, a FastAPI
app behind Mangum, with the dashboard layer on top of the API's two) on its own REST API,
so its links are not under the API's /v1 stage: every path goes to the function
(`/` and `/{proxy+}`), which signs users in itself (no API Gateway authorizer: a session
cookie, not an API key, is its credential).

Its role: its log group and tracing (infra/functions.py), the access of the API routes
whose endpoints it runs in-process (dashboard/api.py FUNCTIONS, through the same access
kinds the API functions get), writes to API keys, its sessions and sign-in counters and
test events (keys.DASHBOARD_PARTITIONS), and cloudwatch:DescribeAlarms for the public
status page (that action has no resource-level permissions)."""

from __future__ import annotations

import json

from aws_cdk import Aws, CfnOutput, Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct
from resource_api import routes
from resource_api.core import keys

from .access import Access
from .api import ACCESS_LOG_FORMAT, execution_log_group
from .config import SERVICE_NAME, Config
from .data import WRITE_ACTIONS, Data
from .functions import invocation_target, python_function
from .layers import Layers
from .monitoring import Monitoring
from .nag import acknowledge

FUNCTION = "dashboard"
STAGE = "dashboard"
TIMEOUT_S = 15
# The stack's alarms as cdk-nag names the resource (the status page's DescribeAlarms).
ALARMS_RESOURCE = "arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:<AWS::StackName>-*"
DASHBOARD_MB = 1024  # the first page's import (FastAPI, pydantic, Jinja2) is CPU-bound: more memory, more CPU
# The API routes whose endpoints the dashboard runs (layers/dashboard/python/dashboard/api.py).
API_FUNCTIONS = (
    "list_resources", "get_resource",
    "list_webhook_endpoints", "get_webhook_endpoint", "create_webhook_endpoint", "update_webhook_endpoint",
    "rotate_webhook_secret", "replay_webhook_deliveries",
    "list_events", "get_event", "list_event_deliveries", "resend_event",
)
# The dashboard is people clicking: a far lower throttle than the API's.
THROTTLE_RATE = 50
THROTTLE_BURST = 100


def access_kinds() -> frozenset[str]:
    return frozenset().union(*(routes.route_for(f).access for f in API_FUNCTIONS))


class Dashboard(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: Config,
        layers: Layers,
        data: Data,
        access: Access,
        monitoring: Monitoring,
    ) -> None:
        super().__init__(scope, id)
        kinds = access_kinds()
        built = python_function(
            self,
            FUNCTION,
            config=config,
            layers=layers,
            monitoring=monitoring,
            environment={
                "STAGE": config.stage,
                "TABLE_NAME": data.table.table_name,
                "DOC_BASE_URL": config.doc_base_url,
                "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
                "POWERTOOLS_LOG_LEVEL": "INFO",
                # The stack's alarms (CloudFormation names them <stack>-<logical id>-<suffix>).
                "STATUS_ALARM_PREFIX": f"{config.stack_name}-",
                # Its own origin for the CSRF Origin check when served on a domain of its own
                # (dashboard_url context); on its execute-api URL it is the request's Host.
                **({"DASHBOARD_URL": config.dashboard_url} if config.dashboard_url else {}),
            },
            timeout_s=TIMEOUT_S,
            role_description=f"dashboard: its log group, tracing, access {sorted(kinds)}, keys, sessions, alarms",
            extra_layers=[layers.dashboard],
            memory_mb=DASHBOARD_MB,
        )
        self.function = built.function
        self.role = built.role
        access.grant(kinds, built.function)
        data.grant_partitions(built.function, WRITE_ACTIONS, keys.DASHBOARD_PARTITIONS)
        # The status page reads the stack's own alarms only (their names start with the stack's).
        built.role.add_to_policy(iam.PolicyStatement(
            actions=["cloudwatch:DescribeAlarms"],
            resources=[f"arn:{Aws.PARTITION}:cloudwatch:{Aws.REGION}:{Aws.ACCOUNT_ID}:alarm:{Aws.STACK_NAME}-*"],
        ))
        acknowledge(
            built.role,
            f"AwsSolutions-IAM5[Resource::{ALARMS_RESOURCE}]",
            "The public status page lists the stack's own alarms, which CloudFormation names <stack>-<logical id>-"
            "<suffix>: the name prefix is the narrowest resource that covers them, and DescribeAlarms only reads.",
        )

        access_logs = logs.LogGroup(self, "AccessLogs", retention=config.log_retention, removal_policy=config.removal_policy)
        self.rest_api = apigw.LambdaRestApi(
            self,
            "RestApi",
            handler=invocation_target(built.function),  # its `live` alias with SnapStart
            proxy=True,
            rest_api_name=f"{SERVICE_NAME}-{config.stage}-dashboard",
            description=f"Resource API dashboard ({config.stage})",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            cloud_watch_role=False,  # the API's construct sets the account's API Gateway logging role
            deploy_options=apigw.StageOptions(
                stage_name=STAGE,
                tracing_enabled=True,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FORMAT)),
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,  # never log bodies: a sign-in form holds a key
                metrics_enabled=False,
                throttling_rate_limit=THROTTLE_RATE,
                throttling_burst_limit=THROTTLE_BURST,
            ),
        )
        self.execution_logs = execution_log_group(self, self.rest_api, STAGE, config)
        for why, rule in (
            ("AwsSolutions-APIG2", "The dashboard app validates every form itself (through the API's own endpoint "
                                   "models) and answers a page naming the field; API Gateway's validator would not."),
            ("AwsSolutions-APIG3", "No WAF by default (a monthly fee at rest); failed sign-ins are rate limited per "
                                   "source address by the app and the dashboard stage has a low throttle."),
            ("AwsSolutions-APIG4", "The dashboard authenticates in the app: a sign-in form takes a secret key once, "
                                   "then a server-side session cookie (HttpOnly, SameSite=Strict) is the credential; "
                                   "the public status page needs none."),
            ("AwsSolutions-COG4", "Users sign in with the account's API secret key, as Meilisearch's and Typesense's "
                                  "dashboards do; Cognito user pools do not issue or check that credential."),
        ):
            acknowledge(self.rest_api, why, rule)
        # The URL the API's error objects link to (request_log_url) and the dashboard's origin.
        self.url = f"https://{self.rest_api.rest_api_id}.execute-api.{Aws.REGION}.{Aws.URL_SUFFIX}/{STAGE}"
        CfnOutput(self, "DashboardUrl", value=self.url, description="The dashboard: sign in with a secret key")
        monitoring.watch_api(self.rest_api, STAGE, name="Dashboard")
