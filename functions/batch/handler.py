"""POST /v1/batch"""

from resource_api.http import Api

handler = Api("batch").serve_operation().handler
