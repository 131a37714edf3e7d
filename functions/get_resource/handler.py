"""GET /v1/resources/{id}"""

from resource_api.routes import handler_for

handler = handler_for("get_resource")
