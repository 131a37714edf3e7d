"""Typed errors: one class per error `type` of the API's error object, each carrying the
object's code, param, doc_url and request_id, and the HTTP status and headers.

    try:
        client.resources.retrieve("res_missing")
    except example_api.errors.ResourceNotFoundError as e:
        print(e.code, e.param, e.request_id, e.http_status)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ExampleApiError(Exception):
    """Every error this SDK raises."""

    def __init__(
        self,
        message: str,
        *,
        http_status: int | None = None,
        type: str | None = None,  # noqa: A002 - the error object's field
        code: str | None = None,
        param: str | None = None,
        doc_url: str | None = None,
        request_id: str | None = None,
        request_log_url: str | None = None,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.http_status = http_status
        self.type = type
        self.code = code
        self.param = param
        self.doc_url = doc_url
        self.request_id = request_id
        self.request_log_url = request_log_url
        self.headers: Mapping[str, str] = headers or {}
        self.body = body

    @property
    def status(self) -> int | None:
        return self.http_status

    def __str__(self) -> str:
        parts = [self.message]
        if self.code:
            parts.append(f"(code={self.code}{', param=' + self.param if self.param else ''})")
        if self.request_id:
            parts.append(f"[{self.request_id}]")
        return " ".join(parts)


class APIConnectionError(ExampleApiError):
    """No answer: the connection failed or timed out (after the retries)."""


class SignatureVerificationError(ExampleApiError):
    """A webhook's signature or timestamp did not verify (Webhook.construct_event)."""


class APIError(ExampleApiError):
    """api_error: the API failed (5xx); retried automatically before this is raised."""


class AuthenticationError(ExampleApiError):
    """authentication_error (401): missing, unknown or revoked API key."""


class PermissionError(ExampleApiError):  # noqa: A001 - Stripe's name; example_api.errors.PermissionError
    """permission_error (403): the key may not do this."""


class InvalidRequestError(ExampleApiError):
    """invalid_request_error (400, 404 url_invalid, 413, 415): fix the request; not retried."""


class IdempotencyError(ExampleApiError):
    """idempotency_error: a key reused with other parameters."""


class RateLimitError(ExampleApiError):
    """rate_limit_error (429): retried automatically (honouring Retry-After) before this is raised."""


class ResourceNotFoundError(ExampleApiError):
    """resource_not_found (404)."""


class ConflictError(ExampleApiError):
    """conflict_error (409, 412): changed concurrently, not ready, or If-Match failed."""


class ApiTimeoutError(ExampleApiError):
    """timeout_error: the API gave up; retry with the same idempotency key."""


# the error object's `type` -> its class; an unknown type gets the base class
BY_TYPE: dict[str, type[ExampleApiError]] = {
    "api_error": APIError,
    "authentication_error": AuthenticationError,
    "permission_error": PermissionError,
    "invalid_request_error": InvalidRequestError,
    "idempotency_error": IdempotencyError,
    "rate_limit_error": RateLimitError,
    "resource_not_found": ResourceNotFoundError,
    "conflict_error": ConflictError,
    "timeout_error": ApiTimeoutError,
}

# when the body is no error object: by status
_BY_STATUS: dict[int, type[ExampleApiError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    403: PermissionError,
    404: ResourceNotFoundError,
    409: ConflictError,
    412: ConflictError,
    429: RateLimitError,
}


def from_response(status: int, headers: Mapping[str, str], body: Any) -> ExampleApiError:
    """The typed error of an HTTP error answer."""
    error = body.get("error") if isinstance(body, dict) else None
    request_id = next((v for k, v in headers.items() if k.lower() == "request-id"), None)
    if not isinstance(error, dict):
        cls = _BY_STATUS.get(status, APIError if status >= 500 else ExampleApiError)
        return cls(f"HTTP {status}", http_status=status, request_id=request_id, headers=headers, body=body)
    cls = BY_TYPE.get(str(error.get("type")), ExampleApiError)
    return cls(
        str(error.get("message") or f"HTTP {status}"),
        http_status=status,
        type=error.get("type"),
        code=error.get("code"),
        param=error.get("param"),
        doc_url=error.get("doc_url"),
        request_id=error.get("request_id") or request_id,
        request_log_url=error.get("request_log_url"),
        headers=headers,
        body=body,
    )
