"""GET /v1/resources"""

from resource_api.http import Api

handler = Api("list_resources").serve_operation().handler
