"""GET /v1/resources/{id}"""

from resource_api.http import Api

api = Api("get_resource").serve_operation()
handler = api.handler
