"""POST /v1/resources"""

from resource_api import resources
from resource_api.http import Api, Req
from resource_api.models import ResourceCreate

api = Api("create_resource")


@api.endpoint(body=ResourceCreate)
def create_resource(req: Req, params: ResourceCreate) -> dict:
    return resources.create(req.ctx, params)


handler = api.handler
