"""GET /v1/resources/{id}"""

from resource_api.http import Api

handler = Api("get_resource").serve_operation().handler
