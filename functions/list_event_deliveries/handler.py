"""GET /v1/events/{id}/deliveries"""

from resource_api.routes import handler_for

handler = handler_for("list_event_deliveries")
