"""POST /v1/webhook_endpoints/{id}/rotate_secret"""

from resource_api.http import Api

handler = Api("rotate_webhook_secret").serve_operation().handler
