"""POST /v1/webhook_endpoints"""

from resource_api.http import Api

handler = Api("create_webhook_endpoint").serve_operation().handler
