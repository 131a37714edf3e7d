"""PATCH /v1/webhook_endpoints/{id}"""

from resource_api import webhook_endpoints
from resource_api.http import Api, Req
from resource_api.models import WebhookEndpointUpdate

api = Api("update_webhook_endpoint")


@api.endpoint(body=WebhookEndpointUpdate)
def update_webhook_endpoint(req: Req, params: WebhookEndpointUpdate) -> dict:
    return webhook_endpoints.update(req.ctx, req.path_params["id"], params)


handler = api.handler
