"""DELETE /v1/resources/{id}"""

from resource_api.http import Api

api = Api("delete_resource").serve_operation()
handler = api.handler
