"""POST /v1/webhook_endpoints/{id}/replay"""

from resource_api.routes import handler_for

handler = handler_for("replay_webhook_deliveries")
