"""The request, by one name: `Request` is what an endpoint's operation sees of it (the
frame's HttpRequest, or one operation of a batch), and its `ctx` (RequestContext) is who
asks and how, read from the API Gateway event."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from ..core.accounts import Principal


# A request id as answered (Request-Id header, error bodies): the functions' form, req_
# and API Gateway's request id without dashes; or, in API Gateway's own error answers
# (gateway responses, which only substitute variables), that request id as it is.
REQUEST_ID_PATTERN = r"^(req_[0-9a-zA-Z]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"


def request_id_of(event: dict[str, Any]) -> str:
    """The functions' form of the request id: req_ + API Gateway's id without dashes."""
    raw = (event.get("requestContext") or {}).get("requestId") or ""
    return raw if raw.startswith("req_") else "req_" + raw.replace("-", "")


@dataclass
class RequestContext:
    principal: Principal
    request_id: str
    method: str = "GET"
    path: str = "/"
    idempotency_key: str | None = None
    api_version: str | None = None
    account_api_version: str | None = None  # the account's default, from the authorizer
    if_match: str | None = None  # If-Match of a PATCH or DELETE
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def account_id(self) -> str:
        return self.principal.account_id

    @property
    def mode(self) -> str:
        return self.principal.mode

    @property
    def livemode(self) -> bool:
        return self.principal.livemode

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> RequestContext:
        rc = event.get("requestContext") or {}
        auth = rc.get("authorizer") or {}
        principal = Principal(
            account_id=auth.get("account_id", ""),
            mode=auth.get("mode", ""),
            key_id=auth.get("key_id", ""),
            plan=auth.get("plan", "free"),
        )
        return cls(
            principal=principal,
            request_id=request_id_of(event),
            method=event.get("httpMethod", "GET"),
            path=event.get("path", "/"),
            account_api_version=auth.get("api_version") or None,
        )


class Request(Protocol):
    """A request as an endpoint's operation sees it (`operation(request, params)`, see
    frame/endpoint.py): the frame's HttpRequest, or one operation of a batch."""

    ctx: RequestContext
    path_params: dict[str, str]
    # The item the request's idempotency lock holds, as the lock returned it (the
    # endpoint's lock_item), so the operation needs no read of it; None otherwise.
    locked_item: dict[str, Any] | None
