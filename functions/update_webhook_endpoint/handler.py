"""PATCH /v1/webhook_endpoints/{id}"""

from resource_api.routes import handler_for

handler = handler_for("update_webhook_endpoint")
