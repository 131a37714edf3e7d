"""CloudWatch Logs subscription (the API functions' resource_request lines) -> per-resource
metrics and request logs, exactly once per request (see resource_api.ingest). Raising
makes Lambda deliver the event again."""

from aws_lambda_powertools import Logger

from resource_api.metrics.ingest import handle_event

logger = Logger(service="resource-api")


@logger.inject_lambda_context
def handler(event, context):
    return handle_event(event)
