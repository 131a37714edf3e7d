"""GET /v1/webhook_endpoints"""

from resource_api.http import Api

handler = Api("list_webhook_endpoints").serve_operation().handler
