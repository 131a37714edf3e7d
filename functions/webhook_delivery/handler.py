"""SQS (webhook delivery queue) -> signed POSTs to webhook endpoints, with partial
batch failures (see resource_api.deliveries). Every invocation calls DynamoDB, so the
AWS clients are built at init (boto3 is imported then), as AWS advises."""

from aws_lambda_powertools import Logger

from resource_api.deliveries import handle_batch, init_clients

logger = Logger(service="resource-api")
init_clients()


@logger.inject_lambda_context
def handler(event, context):
    return handle_batch(event.get("Records", []))
