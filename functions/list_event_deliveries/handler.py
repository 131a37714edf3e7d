"""GET /v1/events/{id}/deliveries"""

from resource_api.http import Api

handler = Api("list_event_deliveries").serve_operation().handler
