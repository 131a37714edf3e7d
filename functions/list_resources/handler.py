"""GET /v1/resources"""

from resource_api import resources
from resource_api.http import Api, Req
from resource_api.models import ListParams

api = Api("list_resources")


@api.endpoint(query=ListParams)
def list_resources(req: Req, params: ListParams) -> dict:
    return resources.list_(req.ctx, params)


handler = api.handler
