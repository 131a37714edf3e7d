"""PATCH /v1/resources/{id}"""

from resource_api.http import Api

handler = Api("update_resource").serve_operation().handler
