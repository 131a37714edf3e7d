"""DELETE /v1/resources/{id}"""

from resource_api import resources
from resource_api.http import Api, Req
from resource_api.models import DeleteParams

api = Api("delete_resource")


@api.endpoint(body=DeleteParams)
def delete_resource(req: Req, params: DeleteParams) -> dict:
    return resources.delete(req.ctx, req.path_params["id"])


handler = api.handler
