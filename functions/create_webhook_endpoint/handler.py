"""POST /v1/webhook_endpoints"""

from resource_api import webhook_endpoints
from resource_api.http import Api, Req
from resource_api.models import WebhookEndpointCreate

api = Api("create_webhook_endpoint")


@api.endpoint(body=WebhookEndpointCreate)
def create_webhook_endpoint(req: Req, params: WebhookEndpointCreate) -> dict:
    return webhook_endpoints.create(req.ctx, params)


handler = api.handler
