"""GET /v1/events/{id}"""

from resource_api import events
from resource_api.http import Api, Req
from resource_api.models import NoParams

api = Api("get_event")


@api.endpoint(query=NoParams)
def get_event(req: Req, params: NoParams) -> dict:
    return events.retrieve(req.ctx, req.path_params["id"])


handler = api.handler
