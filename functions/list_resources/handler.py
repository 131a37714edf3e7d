"""GET /v1/resources"""

from resource_api import resources
from resource_api.http import Api, Req
from resource_api.models import ListParams

api = Api("list_resources")


@api.endpoint
def list_resources(req: Req) -> dict:
    return resources.list_(req.ctx, req.query(ListParams))


handler = api.handler
