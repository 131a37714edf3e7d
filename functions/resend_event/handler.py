"""POST /v1/events/{id}/resend"""

from resource_api import events
from resource_api.http import Api, Req
from resource_api.models import EventResend

api = Api("resend_event")


@api.endpoint(body=EventResend)
def resend_event(req: Req, params: EventResend) -> dict:
    return events.resend(req.ctx, req.path_params["id"], params)


handler = api.handler
