"""GET /v1/resources"""

from resource_api.routes import handler_for

handler = handler_for("list_resources")
