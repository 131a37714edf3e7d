"""GET /v1/events/{id}"""

from resource_api.http import Api

handler = Api("get_event").serve_operation().handler
