"""POST /v1/webhook_endpoints/{id}/replay"""

from resource_api.http import Api

handler = Api("replay_webhook_deliveries").serve_operation().handler
