"""GET /v1/events/{id}"""

from resource_api.routes import handler_for

handler = handler_for("get_event")
