"""API Gateway REQUEST authorizer for every route."""

from aws_lambda_powertools import Logger

from resource_api.auth import authorize

logger = Logger(service="resource-api")


@logger.inject_lambda_context
def handler(event, context):
    return authorize(event)
