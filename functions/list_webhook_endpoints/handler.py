"""GET /v1/webhook_endpoints"""

from resource_api import webhook_endpoints
from resource_api.http import Api, Req
from resource_api.models import WebhookEndpointListParams

api = Api("list_webhook_endpoints")


@api.endpoint(query=WebhookEndpointListParams)
def list_webhook_endpoints(req: Req, params: WebhookEndpointListParams) -> dict:
    return webhook_endpoints.list_(req.ctx, params)


handler = api.handler
