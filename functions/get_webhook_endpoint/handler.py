"""GET /v1/webhook_endpoints/{id}"""

from resource_api import webhook_endpoints
from resource_api.http import Api, Req
from resource_api.models import NoParams

api = Api("get_webhook_endpoint")


@api.endpoint(query=NoParams)
def get_webhook_endpoint(req: Req, params: NoParams) -> dict:
    return webhook_endpoints.retrieve(req.ctx, req.path_params["id"])


handler = api.handler
