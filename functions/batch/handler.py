"""POST /v1/batch"""

from resource_api.routes import handler_for

handler = handler_for("batch")
