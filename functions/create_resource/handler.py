"""POST /v1/resources"""

from resource_api.http import Api

handler = Api("create_resource").serve_operation().handler
