"""POST /v1/webhook_endpoints/{id}/replay"""

from resource_api import deliveries
from resource_api.http import Api, Req
from resource_api.models import WebhookReplay

api = Api("replay_webhook_deliveries")


@api.endpoint(body=WebhookReplay)
def replay_webhook_deliveries(req: Req, params: WebhookReplay) -> dict:
    return deliveries.replay(req.ctx, req.path_params["id"], params)


handler = api.handler
