"""DELETE /v1/resources/{id}"""

from resource_api.http import Api

handler = Api("delete_resource").serve_operation().handler
