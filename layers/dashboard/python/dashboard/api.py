"""The dashboard's actions are the API's own endpoints, run in this process: the same
declaration (routes.py), validation, idempotency, rate limiting, events and error
objects as a call over HTTP, for the session's account and mode. Nothing here decides
anything a route does not."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import quote, urlencode

from resource_api import routes
from resource_api.core.accounts import Principal

# The functions whose endpoints the dashboard runs (infra/dashboard.py grants their access).
FUNCTIONS = (
    "list_resources", "get_resource",
    "list_webhook_endpoints", "get_webhook_endpoint", "create_webhook_endpoint", "update_webhook_endpoint",
    "rotate_webhook_secret", "replay_webhook_deliveries",
    "list_events", "get_event", "list_event_deliveries", "resend_event",
)


_handlers: dict[str, Any] = {}


class Answer:
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self.body = body

    @property
    def ok(self) -> bool:
        return self.status < 400

    @property
    def error(self) -> dict[str, Any]:
        return self.body.get("error", {}) if not self.ok else {}


def call(principal: Principal, function: str, context: Any = None, *, path_params: dict[str, str] | None = None,
         query: list[tuple[str, str]] | None = None, form: list[tuple[str, str]] | None = None) -> Answer:
    """Run `function`'s endpoint as `principal` with a form-encoded body or a query
    string, as API Gateway would invoke it after the authorizer; its answer."""
    route = routes.route_for(function)
    path_params = dict(path_params or {})
    path = route.path
    for name, value in path_params.items():
        path = path.replace("{" + name + "}", quote(value, safe=""))
    request_id = str(uuid.uuid4())
    multi_query: dict[str, list[str]] = {}
    for k, v in query or []:
        multi_query.setdefault(k, []).append(v)
    body = urlencode(form) if form is not None else None
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body is not None else {}
    event = {
        "resource": route.resource_path,
        "path": path[len(routes.API_PREFIX):],
        "httpMethod": route.method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": path_params or None,
        "requestContext": {
            "resourcePath": route.resource_path,
            "httpMethod": route.method,
            "path": path,
            "requestId": request_id,
            "requestTimeEpoch": int(time.time() * 1000),
            "identity": {"sourceIp": "dashboard", "userAgent": "dashboard"},
            "authorizer": {
                "principalId": principal.key_id,
                "account_id": principal.account_id,
                "mode": principal.mode,
                "key_id": principal.key_id,
                "plan": principal.plan,
                "api_version": principal.api_version,
            },
        },
        "body": body,
        "isBase64Encoded": False,
    }
    handler = _handlers.get(function)
    if handler is None:
        handler = _handlers[function] = routes.handler_for(function)
    response = handler(event, context or _Context())
    text = response.get("body") or ""
    return Answer(int(response["statusCode"]), json.loads(text) if text else {})


class _Context:
    """A Lambda context for calls made outside an invocation (tests)."""

    function_name = "dashboard"
    aws_request_id = "dashboard"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000
