"""GET /v1/events/{id}/deliveries"""

from resource_api import deliveries
from resource_api.http import Api, Req
from resource_api.models import DeliveryListParams

api = Api("list_event_deliveries")


@api.endpoint(query=DeliveryListParams)
def list_event_deliveries(req: Req, params: DeliveryListParams) -> dict:
    return deliveries.list_for_event(req.ctx, req.path_params["id"], params)


handler = api.handler
