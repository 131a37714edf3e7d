"""Per-resource metrics and the accounts' request logs, off the request path:

    every API function's and the authorizer's log group --(subscription filter
        { ($.record = "resource_request") || ($.record = "request") })--> metrics_ingest
    the stage's access log --({ ($.accountId = "acct_*") && ($.errorType != "-") })-->
                                              metrics_ingest --> the table
                                              --(async invocation: 2 retries, then the
                                                 on-failure destination)--> failure queue (alarm)

The API functions never write metrics: the frame logs one line per request, and on a
request on one resource that line is its record (resource_api.metrics.store.request_record).
CloudWatch Logs invokes the ingest function asynchronously with batches of matching
lines; Lambda retries a failed invocation twice, then sends an invocation record to
the failure queue (its `requestPayload` is the event: invoke the function with it to
replay; ingestion is exactly once per request, so a replay counts nothing twice).

The function may write only the metrics, the per-resource logs and the request-log
items (log, request-id pointer, hourly usage), and check that a resource exists
(dynamodb:LeadingKeys conditions); it reads nothing else (a Query or Scan is refused).
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda_destinations as lambda_destinations
from aws_cdk import aws_logs as logs
from aws_cdk import aws_logs_destinations as destinations
from constructs import Construct
from resource_api.core import keys
from resource_api.frame import request_log
from resource_api.metrics import store as metrics

from .config import SERVICE_NAME, Config
from .functions import construct_id, python_function
from .layers import Layers
from .monitoring import Monitoring

FUNCTION = metrics.INGEST_FUNCTION
TIMEOUT_S = 60
ASYNC_RETRIES = 2  # Lambda's maximum for asynchronous invocations
MAX_EVENT_AGE = Duration.hours(6)
# A function's line that is a record: a request on one resource (metrics and request log)
# or any other request of an account (request log; frame/request_log.py, requestlogs/refusals.py).
FILTER_PATTERN = logs.FilterPattern.any(
    *(logs.FilterPattern.string_value(f"$.{request_log.RECORD_FIELD}", "=", m) for m in request_log.MARKERS)
)
# An access log line of a request API Gateway answered itself after the authorizer named
# the account (gateway_responses.ACCESS_LOG_FORMAT; requestlogs/ingest.py checks the rest).
ACCESS_FILTER_PATTERN = logs.FilterPattern.all(
    logs.FilterPattern.string_value("$.accountId", "=", "acct_*"),
    logs.FilterPattern.string_value("$.errorType", "!=", "-"),
)
# The request logs (requestlogs/store.py): the usage Update and the two Puts of a request.
REQUEST_LOG_ACTIONS = ("dynamodb:PutItem", "dynamodb:UpdateItem")
# What the ingestion calls (ingest.py), each on the items it may touch only.
METRICS_ACTIONS = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")
EXISTS_ACTIONS = ("dynamodb:ConditionCheckItem",)


class MetricsIngest(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: Config,
        layers: Layers,
        table: dynamodb.ITable,
        monitoring: Monitoring,
    ) -> None:
        super().__init__(scope, id)
        self.failures = monitoring.failure_queue(
            self,
            "Failures",
            alarm="MetricsIngestFailures",
            holds="the metrics ingest function's on-failure destination for events that failed every "
            "asynchronous retry; it is alarmed, and its events are replayed by hand.",
        )

        self.function = python_function(
            self,
            FUNCTION,
            config=config,
            layers=layers,
            monitoring=monitoring,
            environment={
                "STAGE": config.stage,
                "TABLE_NAME": table.table_name,
                "DOC_BASE_URL": config.doc_base_url,
                "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
                "POWERTOOLS_LOG_LEVEL": "INFO",
            },
            timeout_s=TIMEOUT_S,
            role_description=f"{FUNCTION}: its log group, tracing, its failure queue, metrics and request-log "
            "items, resource existence",
            description=f"Resource API {config.stage}: {FUNCTION} (per-resource metrics and request logs)",
            on_failure=lambda_destinations.SqsDestination(self.failures),
            retry_attempts=ASYNC_RETRIES,
            max_event_age=MAX_EVENT_AGE,
        ).function
        iam.Grant.add_to_principal(
            grantee=self.function,
            actions=list(METRICS_ACTIONS),
            resource_arns=[table.table_arn],
            conditions={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": list(keys.METRICS_PARTITIONS)}},
        )
        iam.Grant.add_to_principal(
            grantee=self.function,
            actions=list(EXISTS_ACTIONS),
            resource_arns=[table.table_arn],
            conditions={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": list(keys.RESOURCE_PARTITIONS)}},
        )
        iam.Grant.add_to_principal(
            grantee=self.function,
            actions=list(REQUEST_LOG_ACTIONS),
            resource_arns=[table.table_arn],
            conditions={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": list(keys.REQUEST_LOG_PARTITIONS)}},
        )
        self.subscriptions: dict[str, logs.SubscriptionFilter] = {}

    def subscribe(self, function: str, log_group: logs.ILogGroup) -> logs.SubscriptionFilter:
        """Send a function's record lines (request logs, resource metrics) to the ingestion."""
        cid = construct_id(function)
        subscription = logs.SubscriptionFilter(
            self,
            f"{cid}Subscription",
            log_group=log_group,
            destination=destinations.LambdaDestination(self.function),
            filter_pattern=FILTER_PATTERN,
            filter_name=f"requests-to-{FUNCTION}",
        )
        self.subscriptions[function] = subscription
        return subscription

    def subscribe_access_log(self, log_group: logs.ILogGroup) -> logs.SubscriptionFilter:
        """Send the stage's access log lines of API Gateway's own answers to an account
        (401/403/413/429/504... after the authorizer) to the ingestion."""
        subscription = logs.SubscriptionFilter(
            self,
            "AccessLogSubscription",
            log_group=log_group,
            destination=destinations.LambdaDestination(self.function),
            filter_pattern=ACCESS_FILTER_PATTERN,
            filter_name=f"gateway-answers-to-{FUNCTION}",
        )
        self.subscriptions["access_log"] = subscription
        return subscription
