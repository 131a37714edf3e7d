"""PATCH /v1/resources/{id}"""

from resource_api import resources
from resource_api.http import Api, Req
from resource_api.models import ResourceUpdate

api = Api("update_resource")


@api.endpoint(body=ResourceUpdate)
def update_resource(req: Req, params: ResourceUpdate) -> dict:
    return resources.update(req.ctx, req.path_params["id"], params)


handler = api.handler
