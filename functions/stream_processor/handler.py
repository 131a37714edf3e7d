"""DynamoDB stream -> events, webhook fan-out, provisioning (see resource_api.stream)."""

from aws_lambda_powertools import Logger

from resource_api.stream import handle_batch

logger = Logger(service="resource-api")


@logger.inject_lambda_context
def handler(event, context):
    return handle_batch(event.get("Records", []))
