"""SQS (webhook delivery queue) -> signed POSTs to webhook endpoints, with partial
batch failures (see resource_api.deliveries). Every invocation calls AWS, so the SDK is
imported at init; its clients are built by the first batch, before its thread pool."""

import boto3  # noqa: F401 - loaded at init, where Lambda gives the CPU burst
from aws_lambda_powertools import Logger

from resource_api.events.deliveries import handle_batch

logger = Logger(service="resource-api")


@logger.inject_lambda_context
def handler(event, context):
    # The invocation's clock bounds every attempt, so the batch is answered in time.
    return handle_batch(event.get("Records", []), remaining_ms=context.get_remaining_time_in_millis)
