"""POST /v1/resources"""

from resource_api.http import Api

api = Api("create_resource").serve_operation()
handler = api.handler
