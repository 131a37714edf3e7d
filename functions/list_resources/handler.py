"""GET /v1/resources"""

from resource_api.http import Api

api = Api("list_resources").serve_operation()
handler = api.handler
