"""API Gateway's own responses (raised before any function runs), re-templated into
the spec's error object. The CDK stack installs these templates; the local gateway
answers with the same status, code and message."""

from __future__ import annotations

import json

from .errors import CODES, doc_url

# API Gateway response type -> (status, our error code, message or None for the code's own)
GATEWAY_RESPONSES: dict[str, tuple[int, str, str | None]] = {
    "UNAUTHORIZED": (401, "api_key_invalid", None),
    "ACCESS_DENIED": (403, "livemode_not_allowed", None),
    "MISSING_AUTHENTICATION_TOKEN": (404, "url_invalid", None),
    "REQUEST_TOO_LARGE": (413, "body_too_large", None),
    "THROTTLED": (429, "rate_limited", None),
    "INTEGRATION_TIMEOUT": (504, "timeout", None),
    "AUTHORIZER_FAILURE": (500, "internal_error", None),
    "AUTHORIZER_CONFIGURATION_ERROR": (500, "internal_error", None),
    "DEFAULT_4XX": (400, "request_invalid", "$context.error.message"),
    "DEFAULT_5XX": (500, "internal_error", "$context.error.message"),
}


def template(response_type: str, base_doc_url: str | None = None) -> str:
    """The application/json mapping template for a gateway response type."""
    _, code, message = GATEWAY_RESPONSES[response_type]
    spec = CODES[code]
    body = {
        "error": {
            "type": spec.type,
            "code": code,
            "message": "__MESSAGE__",
            "doc_url": doc_url(code) if base_doc_url is None else f"{base_doc_url}/errors.md#{code}",
            "request_id": "__REQUEST_ID__",
        }
    }
    # The request id in the form the functions answer (req_ + the id without dashes).
    text = '#set($rid = "req_" + $context.requestId.replace("-", ""))\n' + json.dumps(body).replace(
        '"__REQUEST_ID__"', '"$rid"'
    )
    if message is None:
        return text.replace("__MESSAGE__", spec.message.replace('"', "'"))
    # $context.error.messageString is already a quoted JSON string
    return text.replace('"__MESSAGE__"', "$context.error.messageString")
