"""API Gateway's own responses (answered before or instead of any function), re-templated
into the spec's error object. The CDK stack installs these templates and headers; the
local gateway renders its answers from the very same ones (localcloud/templates.py).

Gateway response templates are not VTL: API Gateway only substitutes variables
(`$context.requestId`, `$context.error.messageString`, `$stageVariables.x`, ...), so a
template here is the final JSON text with references in it, never a directive (`#set`,
`#if`) or a method call. That leaves the request id as API Gateway has it, a UUID
(`$context.requestId`), in the body and, by a header mapping of the same context
variable, in the `Request-Id` header; the functions answer the same id in their form,
`req_` + the UUID without dashes (context.request_id_of). docs/errors.md says so.
"""

from __future__ import annotations

import json

from ..core.errors import CODES, doc_url

# API Gateway response type -> (status, our error code, message or None for the code's own)
GATEWAY_RESPONSES: dict[str, tuple[int, str, str | None]] = {
    "UNAUTHORIZED": (401, "api_key_invalid", None),
    "ACCESS_DENIED": (403, "livemode_not_allowed", None),
    "MISSING_AUTHENTICATION_TOKEN": (404, "url_invalid", None),
    # Bodies over API Gateway's 10 MB, and (as observed on REST APIs) bodies whose proxy
    # event is over Lambda's 6 MB invoke payload: API Gateway answers 413 "Request Too
    # Long" instead of invoking the function (docs/errors.md#body_too_large).
    "REQUEST_TOO_LARGE": (413, "body_too_large", None),
    "THROTTLED": (429, "rate_limited", None),
    "INTEGRATION_TIMEOUT": (504, "timeout", None),
    "AUTHORIZER_FAILURE": (500, "internal_error", None),
    "AUTHORIZER_CONFIGURATION_ERROR": (500, "internal_error", None),
    "DEFAULT_4XX": (400, "request_invalid", "$context.error.messageString"),
    "DEFAULT_5XX": (500, "internal_error", "$context.error.messageString"),
}

REQUEST_ID = "$context.requestId"
DASHBOARD_URL_VARIABLE = "dashboardUrl"  # the stage variable of the dashboard's base URL


def template(response_type: str, base_doc_url: str | None = None, dashboard: bool = False) -> str:
    """The application/json template of a gateway response type: substitution only.
    dashboard: the stage has a dashboard URL (stage variable DASHBOARD_URL_VARIABLE), so
    request_log_url is its page of this request; else null (a template cannot choose)."""
    _, code, message = GATEWAY_RESPONSES[response_type]
    spec = CODES[code]
    body = {
        "error": {
            "type": spec.type,
            "code": code,
            "message": "__MESSAGE__",
            "doc_url": doc_url(code) if base_doc_url is None else f"{base_doc_url}/errors.md#{code}",
            "request_id": REQUEST_ID,
            "request_log_url": f"$stageVariables.{DASHBOARD_URL_VARIABLE}/logs/{REQUEST_ID}" if dashboard else None,
        }
    }
    text = json.dumps(body)
    if message is None:
        return text.replace("__MESSAGE__", spec.message.replace('"', "'"))
    # $context.error.messageString is API Gateway's message already in double quotes.
    return text.replace('"__MESSAGE__"', message)


def response_headers(response_type: str) -> dict[str, str]:
    """The headers of a gateway response, as API Gateway mapping expressions: a quoted
    static value, or a context variable (`gatewayresponse.header.<name>` values)."""
    headers = {"Content-Type": "'application/json'", "Request-Id": REQUEST_ID.removeprefix("$")}
    if response_type == "THROTTLED":
        headers["Retry-After"] = "'1'"
    return headers


# One JSON line per request in the stage's access log (infra/api.py). The local gateway
# writes the same line for the answers it makes itself (localcloud/gateway.py). A line
# with an account whose errorType is a gateway response type is a request-log record
# (requestlogs/ingest.py): a request API Gateway answered itself after the authorizer.
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "extendedRequestId": "$context.extendedRequestId",
    "ip": "$context.identity.sourceIp",
    "requestTime": "$context.requestTimeEpoch",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "path": "$context.path",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationLatency": "$context.integrationLatency",
    "integrationStatus": "$context.integrationStatus",
    "errorType": "$context.error.responseType",
    "errorMessage": "$context.error.message",
    "authorizerStatus": "$context.authorizer.status",
    "authorizerLatency": "$context.authorizer.latency",
    "principalId": "$context.authorizer.principalId",
    "accountId": "$context.authorizer.account_id",
    "mode": "$context.authorizer.mode",
    "keyLast4": "$context.authorizer.key_last4",
    "userAgent": "$context.identity.userAgent",
}
