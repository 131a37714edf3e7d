"""GET /v1/webhook_endpoints/{id}"""

from resource_api.http import Api

handler = Api("get_webhook_endpoint").serve_operation().handler
