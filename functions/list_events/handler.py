"""GET /v1/events"""

from resource_api.routes import handler_for

handler = handler_for("list_events")
