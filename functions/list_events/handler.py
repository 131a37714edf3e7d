"""GET /v1/events"""

from resource_api.http import Api

handler = Api("list_events").serve_operation().handler
