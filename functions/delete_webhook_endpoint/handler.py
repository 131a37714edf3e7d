"""DELETE /v1/webhook_endpoints/{id}"""

from resource_api import webhook_endpoints
from resource_api.http import Api, Req
from resource_api.models import WriteParams

api = Api("delete_webhook_endpoint")


@api.endpoint(body=WriteParams)
def delete_webhook_endpoint(req: Req, params: WriteParams) -> dict:
    return webhook_endpoints.delete(req.ctx, req.path_params["id"])


handler = api.handler
