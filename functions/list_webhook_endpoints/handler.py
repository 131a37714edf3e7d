"""GET /v1/webhook_endpoints"""

from resource_api.routes import handler_for

handler = handler_for("list_webhook_endpoints")
