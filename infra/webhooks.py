"""Events and webhooks: the stream processor (the table's stream is the outbox), the
delivery queue with its DLQ, and the delivery function.

    table stream --(event source mapping: bisect on error, partial batch failures,
                    on-failure destination)--> stream processor --> events in the table
                                                                  --> delivery queue
    delivery queue --(event source mapping: partial batch failures)--> webhook_delivery
                   --(after the last scheduled attempt: redrive)--> DLQ (alarm)

Queue settings come from resource_api.events.queues, the definition the local cloud uses too.
Registers the "send_webhooks" access kind of the route table: it grants sqs:SendMessage
on the delivery queue and gives the function WEBHOOK_QUEUE_URL.

`?api_key=` on webhook routes: API Gateway REST authorizers cache on identity sources
and refuse, without calling the authorizer, any request that lacks one of them. A key
that may come in the Authorization header OR in the api_key query parameter therefore
cannot be an identity source of a cached authorizer: the routes marked `query_key` in
routes.py need the authorizer function behind a second REQUEST authorizer with result
caching off (results_cache_ttl=0, no identity sources), which infra/api.py adds
(`Api.authorizer_for`). On every other route a query-only key never reaches the
authorizer (401 from API Gateway), and a query key next to a bearer header is refused
by the function with api_key_query_not_allowed.
"""

from __future__ import annotations


from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct
from resource_api.core import keys
from resource_api.events import fairness, queues
from resource_api import routes, stream

from .access import Access
from .config import SERVICE_NAME, Config
from .data import Data
from .functions import invocation_target, python_function
from .layers import Layers
from .monitoring import Monitoring
from .nag import acknowledge

STREAM_FUNCTION = "stream_processor"
DELIVERY_FUNCTION = "webhook_delivery"
STREAM_TIMEOUT_S = 60
STREAM_BATCH_SIZE = 100
STREAM_RETRY_ATTEMPTS = 10  # then the batch (bisected down to the failing record) goes to the failure queue
STREAM_MAX_RECORD_AGE = Duration.days(1)


class Webhooks(Construct):
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
        data: Data,
    ) -> None:
        super().__init__(scope, id)
        self.config = config
        self.layers = layers
        self.table = table
        self.monitoring = monitoring
        retention = Duration.seconds(queues.RETENTION_S)

        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            retention_period=retention,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        self.queue = sqs.Queue(
            self,
            "DeliveryQueue",
            visibility_timeout=Duration.seconds(queues.VISIBILITY_TIMEOUT_S),
            retention_period=retention,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.dead_letter_queue, max_receive_count=queues.max_receive_count(deployed=True)
            ),
        )
        # Stream batches that still fail after the retries (bisected down to the record).
        self.stream_failures = monitoring.failure_queue(
            self,
            "StreamFailures",
            alarm="StreamFailures",
            holds="the on-failure destination of the stream event source mapping, holding pointers to stream "
            "records that failed every retry; it is alarmed, not redriven.",
        )
        monitoring.watch_dead_letter_queue("WebhookDeadLetters", self.dead_letter_queue)

        environment = {
            "STAGE": config.stage,
            "TABLE_NAME": table.table_name,
            "DOC_BASE_URL": config.doc_base_url,
            "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
            "POWERTOOLS_LOG_LEVEL": "INFO",
            queues.QUEUE_URL_ENV: self.queue.queue_url,
        }

        # The stream processor: changes -> events -> one message per subscribed endpoint.
        self.stream_processor = self._function(STREAM_FUNCTION, STREAM_TIMEOUT_S, environment)
        # Reads anything a change may need (the account, tombstones, endpoints...); writes events only.
        data.grant_read(self.stream_processor)
        data.grant_partitions(self.stream_processor, ("dynamodb:PutItem", "dynamodb:UpdateItem"), keys.EVENT_PARTITIONS)
        self.queue.grant_send_messages(self.stream_processor)
        invocation_target(self.stream_processor).add_event_source(
            sources.DynamoEventSource(
                table,
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=STREAM_BATCH_SIZE,
                bisect_batch_on_error=True,
                report_batch_item_failures=True,
                retry_attempts=STREAM_RETRY_ATTEMPTS,
                max_record_age=STREAM_MAX_RECORD_AGE,
                on_failure=sources.SqsDlq(self.stream_failures),
                # Only the changes a subscriber acts on invoke it (resource_api.stream).
                filters=[lambda_.FilterCriteria.filter(p) for p in stream.FILTERS],
            )
        )
        monitoring.watch_stream_consumer("StreamProcessor", self.stream_processor)
        acknowledge(
            self.stream_processor.role,  # type: ignore[arg-type]
            "AwsSolutions-IAM5[Resource::*]",
            "Two '*' only: dynamodb:ListStreams, which has no resource-level permissions and which the stream "
            "event source mapping needs, and xray:PutTraceSegments/PutTelemetryRecords for active tracing.",
        )

        # The delivery function: one message = one event for one endpoint.
        # Reserved concurrency: receivers that answer slowly hold executions for up to the
        # function's timeout; without a cap, a backlog would scale this function up to the
        # account's whole concurrency and the API's functions would be throttled. The
        # reservation is also a floor, so deliveries go on while the API is busy. The event
        # source's maximum concurrency is the same number: it then never invokes more than
        # the reservation allows, so no message is throttled back to the queue (a throttle
        # would count as a delivery attempt: SQS's receive count is the attempt number).
        # 0: no reservation (docs/deploy.md, "Webhook delivery concurrency").
        concurrency = config.webhook_delivery_concurrency
        # Each account's share of it: how many attempts one account may keep waiting on a
        # slow receiver at once (events/fairness.py; a fifth of the invocations).
        delivery_environment = {
            **environment,
            fairness.SLOW_SLOTS_ENV: str(fairness.slow_slots_for(config.delivery_max_concurrency)),
        }
        self.delivery = self._function(
            DELIVERY_FUNCTION, queues.FUNCTION_TIMEOUT_S, delivery_environment,
            reserved_concurrent_executions=concurrency or None,
        )
        # The event and the endpoint (a batch's in one BatchGetItem, its accounts' delivery
        # state too); the attempt log (a batch's records in one BatchWriteItem), the
        # endpoint's failure streak / disabling, the delivery state.
        data.grant_partitions(
            self.delivery, ("dynamodb:GetItem", "dynamodb:BatchGetItem"), keys.DELIVERY_READ_PARTITIONS
        )
        data.grant_partitions(
            self.delivery, ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"),
            keys.DELIVERY_WRITE_PARTITIONS,
        )
        # incl. ChangeMessageVisibility, which also authorises ChangeMessageVisibilityBatch (re-scheduling)
        self.queue.grant_consume_messages(self.delivery)
        invocation_target(self.delivery).add_event_source(
            sources.SqsEventSource(
                self.queue,
                batch_size=queues.BATCH_SIZE,
                report_batch_item_failures=True,
                max_concurrency=config.delivery_max_concurrency,
            )
        )

        access.register(routes.SEND_WEBHOOKS, self.grant_send)

    def grant_send(self, grantee: iam.IGrantable) -> None:
        """The "send_webhooks" access kind: send to the delivery queue (resend, replay)."""
        self.queue.grant_send_messages(grantee)
        if isinstance(grantee, lambda_.Function):
            grantee.add_environment(queues.QUEUE_URL_ENV, self.queue.queue_url)

    def _function(self, name: str, timeout_s: int, environment: dict[str, str], **options) -> lambda_.Function:  # noqa: ANN003
        return python_function(
            self,
            name,
            config=self.config,
            layers=self.layers,
            monitoring=self.monitoring,
            environment=environment,
            timeout_s=timeout_s,
            role_description=f"{name}: its log group, tracing, the table, and the webhook delivery queue",
            tracing_wildcard=name != STREAM_FUNCTION,
            **options,
        ).function
