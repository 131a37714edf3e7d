"""Examples in the OpenAPI document (localcloud/openapi.py): request bodies per operation
and objects per schema, the spec's own examples with ids of the real format.

tests/reliability/test_openapi.py validates every one against its schema, and the
schemathesis run sends the request examples to a real local cloud, so they stay true.
"""

from __future__ import annotations

import copy
from typing import Any

from resource_api.core import errors

RES = "res_01hq3k5v7w9x0y2z4a6b8c0d"
RES_2 = "res_01hq3k6a2b4c6d8e0f2g4h6j"
WE = "we_01hq3k5v7w9x0y2z4a6b8c0e"
EVT = "evt_01hq3k5v7w9x0y2z4a6b8c0f"
REQ = "req_8a7b6c5d4e3f2g1h"
DASHBOARD_URL = "https://dashboard.example.com"
CREATED = 1705320000

RESOURCE: dict[str, Any] = {
    "id": RES,
    "object": "resource",
    "created": CREATED,
    "updated": CREATED,
    "livemode": False,
    "name": "Production API Resource",
    "type": "production",
    "status": "pending",
    "configuration": {"timeout_ms": 10000, "retry_count": 5, "batch_size": 100, "rate_limit": None},
    "metadata": {"team": "platform", "environment": "prod"},
    "provisioning": {
        "status": "in_progress",
        "estimated_completion": CREATED + 30,
        "steps_completed": 2,
        "steps_total": 5,
    },
    "limits": {"max_requests_per_minute": 10000, "max_batch_size": 100, "max_payload_bytes": 1048576},
}

DELETED_RESOURCE = {"id": RES, "object": "resource", "deleted": True, "deleted_at": CREATED + 60}

WEBHOOK_ENDPOINT = {
    "id": WE,
    "object": "webhook_endpoint",
    "url": "https://example.com/webhooks",
    "enabled_events": ["resource.created", "resource.updated"],
    "description": "Production listener",
    "status": "enabled",
    "metadata": {},
    "created": CREATED,
    "livemode": False,
    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
}

_EVENT_RESOURCE = {k: v for k, v in RESOURCE.items() if k != "limits"}  # events carry no limits
EVENT = {
    "id": EVT,
    "object": "event",
    "type": "resource.updated",
    "created": CREATED + 5,
    "api_version": "2024-01-15",
    "livemode": False,
    "data": {
        "object": {**_EVENT_RESOURCE, "updated": CREATED + 5},
        "previous_attributes": {"name": "Old Name", "updated": CREATED},
    },
    "request": {"id": REQ, "idempotency_key": "unique_key_123"},
}


def error_body(code: str, message: str | None = None, param: str | None = None) -> dict[str, Any]:
    """The error object; its doc_url on the default base (the local cloud sets DOC_BASE_URL
    to itself, and the document must not depend on where it was made)."""
    error = errors.error_body(code, message, param=param, request_id=REQ)["error"]
    error["doc_url"] = errors.doc_url(code, errors.DEFAULT_DOC_BASE_URL)
    error["request_log_url"] = f"{DASHBOARD_URL}/logs/{REQ}"  # a stage with a dashboard (the spec's example)
    return {"error": error}


BATCH_RESULT = {
    "object": "batch",
    "results": [
        {"status": 201, "body": {**RESOURCE, "id": RES_2, "name": "Resource 1", "metadata": {}}},
        {"status": 200, "body": {**RESOURCE, "status": "active"}},
        {"status": 404, "body": error_body("resource_missing", param="id")},
    ],
    "summary": {"total": 3, "successful": 2, "failed": 1, "duration_ms": 127},
}

# component schema -> an example object
SCHEMAS: dict[str, Any] = {
    "Resource": RESOURCE,
    "DeletedResource": DELETED_RESOURCE,
    "ResourceList": {
        "object": "list",
        "url": "/v1/resources",
        "data": [RESOURCE],
        "has_more": False,
        "total_count": 1,
    },
    "WebhookEndpoint": WEBHOOK_ENDPOINT,
    "DeletedWebhookEndpoint": {"id": WE, "object": "webhook_endpoint", "deleted": True},
    "WebhookEndpointList": {
        "object": "list",
        "url": "/v1/webhook_endpoints",
        "data": [{**WEBHOOK_ENDPOINT, "secret": None}],
        "has_more": False,
    },
    "Event": EVENT,
    "EventList": {"object": "list", "url": "/v1/events", "data": [EVENT], "has_more": False},
    "BatchResult": BATCH_RESULT,
    "EventResendResult": {"object": "event_resend", "event": EVT, "webhook_endpoints": [WE]},
    "WebhookReplayResult": {
        "object": "webhook_replay",
        "webhook_endpoint": WE,
        "since": CREATED,
        "events": [EVT],
        "count": 1,
        "remaining": 0,
        "has_more": False,
    },
    "Error": error_body(
        "parameter_invalid", "The 'name' parameter must be between 3 and 255 characters.", param="name"
    ),
}

# operation -> an example request body (JSON); sent for real by the schemathesis examples phase
REQUESTS: dict[str, Any] = {
    "create_resource": {
        "name": "Production API Resource",
        "type": "production",
        "configuration": {"timeout_ms": 10000, "retry_count": 5},
        "metadata": {"team": "platform", "environment": "prod"},
    },
    "update_resource": {"name": "Production API Resource v2", "metadata": {"team": "core"}},
    "batch": {
        "operations": [
            {"method": "POST", "path": "/v1/resources", "body": {"name": "Resource 1", "type": "production"}},
            {"method": "PATCH", "path": f"/v1/resources/{RES}", "body": {"status": "active"}},
            {"method": "DELETE", "path": f"/v1/resources/{RES_2}"},
        ]
    },
    "create_webhook_endpoint": {
        "url": "https://example.com/webhooks",
        "enabled_events": ["resource.created", "resource.updated"],
        "description": "Production listener",
    },
    "update_webhook_endpoint": {"enabled_events": ["*"]},
    "replay_webhook_deliveries": {"since": CREATED},
    "resend_event": {"webhook_endpoint": WE},
}

# error status -> the code its example shows
_ERROR_EXAMPLES = {
    400: "parameter_invalid",
    401: "api_key_invalid",
    403: "livemode_not_allowed",
    404: "resource_missing",
    409: "idempotency_key_in_use",
    412: "precondition_failed",
    413: "body_too_large",
    415: "content_type_unsupported",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}


def error_for(status: int) -> dict[str, Any]:
    code = _ERROR_EXAMPLES[status]
    return copy.deepcopy(error_body(code, param="name" if code == "parameter_invalid" else None))
