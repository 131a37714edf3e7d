"""POST /v1/webhook_endpoints/{id}/rotate_secret"""

from resource_api.routes import handler_for

handler = handler_for("rotate_webhook_secret")
