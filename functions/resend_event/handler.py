"""POST /v1/events/{id}/resend"""

from resource_api.http import Api

handler = Api("resend_event").serve_operation().handler
