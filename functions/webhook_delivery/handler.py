"""SQS (webhook delivery queue) -> signed POSTs to webhook endpoints, with partial
batch failures (see resource_api.deliveries)."""

from aws_lambda_powertools import Logger

from resource_api.deliveries import handle_batch

logger = Logger(service="resource-api")


@logger.inject_lambda_context
def handler(event, context):
    return handle_batch(event.get("Records", []))
