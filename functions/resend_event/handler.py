"""POST /v1/events/{id}/resend"""

from resource_api.routes import handler_for

handler = handler_for("resend_event")
