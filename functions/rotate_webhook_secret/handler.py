"""POST /v1/webhook_endpoints/{id}/rotate_secret"""

from resource_api import webhook_endpoints
from resource_api.http import Api, Req
from resource_api.models import WebhookSecretRotate

api = Api("rotate_webhook_secret")


@api.endpoint(body=WebhookSecretRotate)
def rotate_webhook_secret(req: Req, params: WebhookSecretRotate) -> dict:
    return webhook_endpoints.rotate_secret(req.ctx, req.path_params["id"], params.expires_in)


handler = api.handler
