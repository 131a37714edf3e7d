"""The spec's error object and the catalogue of every error code the API can answer.

Every failure the API produces goes through `ApiError`; each code has a section in
`docs/errors.md`, which `doc_url` points at (a test keeps the two in step).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ErrorCode:
    type: str
    status: int
    message: str


# code -> (type, HTTP status, default message). Keep docs/errors.md in step.
CODES: dict[str, ErrorCode] = {
    "parameter_invalid": ErrorCode("invalid_request_error", 400, "A parameter has an invalid value."),
    "parameter_missing": ErrorCode("invalid_request_error", 400, "A required parameter is missing."),
    "parameter_unknown": ErrorCode("invalid_request_error", 400, "Received an unknown parameter."),
    "parameters_exclusive": ErrorCode(
        "invalid_request_error", 400, "Only one of these parameters may be given."
    ),
    "body_invalid": ErrorCode("invalid_request_error", 400, "The request body could not be parsed."),
    "content_type_unsupported": ErrorCode(
        "invalid_request_error",
        415,
        "Send application/x-www-form-urlencoded or application/json.",
    ),
    "body_too_large": ErrorCode("invalid_request_error", 413, "The request body is too large."),
    "url_invalid": ErrorCode("invalid_request_error", 404, "Unrecognized request URL."),
    "method_not_allowed": ErrorCode(
        "invalid_request_error", 405, "This method is not allowed on this URL."
    ),
    "resource_missing": ErrorCode("resource_not_found", 404, "No such object."),
    "api_key_invalid": ErrorCode(
        "authentication_error",
        401,
        "Invalid or missing API key. Send it as 'Authorization: Bearer sk_test_...'.",
    ),
    "api_key_query_not_allowed": ErrorCode(
        "authentication_error",
        401,
        "The api_key query parameter is accepted on webhook routes only; "
        "send 'Authorization: Bearer <key>' instead.",
    ),
    "livemode_not_allowed": ErrorCode(
        "permission_error", 403, "This environment accepts test mode keys (sk_test_) only."
    ),
    "resource_not_ready": ErrorCode(
        "conflict_error",
        409,
        "The resource is still provisioning; its status can change once it is active.",
    ),
    "status_transition_invalid": ErrorCode(
        "conflict_error", 409, "The resource cannot move to this status from its current one."
    ),
    "resource_conflict": ErrorCode(
        "conflict_error", 409, "The object was changed by another request; retry."
    ),
    "idempotency_key_reused": ErrorCode(
        "idempotency_error",
        400,
        "This Idempotency-Key was already used with different parameters or on another endpoint.",
    ),
    "idempotency_key_in_use": ErrorCode(
        "conflict_error",
        409,
        "A request with this Idempotency-Key is still being processed; retry shortly.",
    ),
    "precondition_failed": ErrorCode(
        "conflict_error", 412, "The object changed since the ETag given in If-Match."
    ),
    "rate_limited": ErrorCode(
        "rate_limit_error", 429, "Too many requests. Retry after the time in Retry-After."
    ),
    "resource_rate_limited": ErrorCode(
        "rate_limit_error",
        429,
        "Too many requests on this resource (its configuration[rate_limit]). Retry after the time in Retry-After.",
    ),
    "expand_invalid": ErrorCode(
        "invalid_request_error", 400, "This path cannot be expanded (see docs/expand-and-metrics.md)."
    ),
    "timeout": ErrorCode("timeout_error", 504, "The request timed out. Retry with an idempotency key."),
    "service_unavailable": ErrorCode(
        "api_error", 503, "The service is temporarily unavailable. Retry with exponential backoff."
    ),
    "batch_rolled_back": ErrorCode(
        "invalid_request_error", 424, "Not committed: another operation of this atomic batch failed."
    ),
    "request_invalid": ErrorCode("invalid_request_error", 400, "The request is invalid."),
    "webhook_url_invalid": ErrorCode(
        "invalid_request_error",
        400,
        "This URL may not receive webhooks: use https to a public address.",
    ),
    "webhook_endpoint_limit_reached": ErrorCode(
        "invalid_request_error",
        400,
        "This account has the maximum number of webhook endpoints in this mode; delete one before creating another.",
    ),
    "webhook_endpoint_disabled": ErrorCode(
        "conflict_error",
        409,
        "The webhook endpoint is disabled; enable it (status=enabled) before delivering to it.",
    ),
    "internal_error": ErrorCode(
        "api_error", 500, "An internal error occurred. Retry with exponential backoff."
    ),
}


DEFAULT_DOC_BASE_URL = "https://github.com/resource-api/resource-api/blob/main/docs"


def doc_url(code: str, base: str | None = None) -> str:
    base = base or os.environ.get("DOC_BASE_URL", DEFAULT_DOC_BASE_URL)
    return f"{base.rstrip('/')}/errors.md#{code}"


DASHBOARD_URL_ENV = "DASHBOARD_URL"


def request_log_url(request_id: str | None) -> str | None:
    """The dashboard page of a request, `{DASHBOARD_URL}/logs/{request_id}`, or None when
    the stage has no dashboard URL configured (env DASHBOARD_URL; docs/errors.md)."""
    base = os.environ.get(DASHBOARD_URL_ENV, "").strip().rstrip("/")
    if not base or not request_id:
        return None
    return f"{base}/logs/{request_id}"


class ApiError(Exception):
    """An error answered to the client as the spec's error object."""

    def __init__(
        self,
        code: str,
        message: str | None = None,
        *,
        param: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
        store: bool = True,
    ) -> None:
        spec = CODES[code]
        # False when the failure is known to have written nothing, so an idempotent
        # retry may run again instead of replaying this error.
        self.store = store
        self.code = code
        self.type = spec.type
        self.status = spec.status
        self.message = message or spec.message
        self.param = param
        self.headers = headers or {}
        self.extra = extra or {}
        super().__init__(f"{code}: {self.message}")

    def body(self, request_id: str | None) -> dict[str, Any]:
        return error_body(
            self.code, self.message, param=self.param, request_id=request_id, extra=self.extra
        )


def error_body(
    code: str,
    message: str | None = None,
    *,
    param: str | None = None,
    request_id: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    spec = CODES[code]
    error: dict[str, Any] = {
        "type": spec.type,
        "code": code,
        "message": message or spec.message,
    }
    if param is not None:
        error["param"] = param
    error["doc_url"] = doc_url(code)
    error["request_id"] = request_id
    error["request_log_url"] = request_log_url(request_id)
    if extra:
        error.update(extra)
    return {"error": error}
