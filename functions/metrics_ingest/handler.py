"""CloudWatch Logs subscriptions (every API function's request lines, the authorizer's
refusals, the stage's access log lines of API Gateway's own answers) -> per-resource
metrics and the accounts' request logs, exactly once per request (see
resource_api.requestlogs.ingest). Raising makes Lambda deliver the event again."""

from aws_lambda_powertools import Logger

from resource_api.requestlogs.ingest import handle_event

logger = Logger(service="resource-api")


@logger.inject_lambda_context
def handler(event, context):
    return handle_event(event)
