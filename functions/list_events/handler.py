"""GET /v1/events"""

from resource_api import events
from resource_api.http import Api, Req
from resource_api.models import EventListParams

api = Api("list_events")


@api.endpoint(query=EventListParams)
def list_events(req: Req, params: EventListParams) -> dict:
    return events.list_(req.ctx, params)


handler = api.handler
