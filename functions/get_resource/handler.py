"""GET /v1/resources/{id}"""

from resource_api import resources
from resource_api.http import Api, Req
from resource_api.models import RetrieveParams

api = Api("get_resource")


@api.endpoint(query=RetrieveParams)
def get_resource(req: Req, params: RetrieveParams) -> dict:
    return resources.retrieve(req.ctx, req.path_params["id"])


handler = api.handler
