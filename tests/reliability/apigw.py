"""An API Gateway REST proxy event factory, to invoke a route's function in-process
(as Lambda would) without the local gateway: `invoke("create_resource", ...)`."""

from __future__ import annotations

import importlib
import json
import uuid
from typing import Any
from urllib.parse import urlencode

from resource_api import routes
from resource_api.core.accounts import Principal


class Context:
    """The Lambda context a handler reads (remaining time bounds idempotency locks)."""

    def __init__(self, function: str, remaining_ms: int = 29_000) -> None:
        self.function_name = function
        self.aws_request_id = str(uuid.uuid4())
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function}"
        self.memory_limit_in_mb = 512
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def event(
    principal: Principal,
    method: str,
    path: str,
    *,
    body: dict[str, Any] | None = None,
    json_body: bool = False,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[routes.Endpoint, dict[str, Any]]:
    route, path_params, _ = routes.match(method, path)
    assert route is not None, (method, path)
    hdrs = dict(headers or {})
    raw = None
    if body is not None:
        if json_body:
            raw = json.dumps(body)
            hdrs.setdefault("Content-Type", "application/json")
        else:
            raw = urlencode(body)
            hdrs.setdefault("Content-Type", "application/x-www-form-urlencoded")
    request_id = uuid.uuid4().hex
    return route, {
        "resource": route.resource_path,
        "path": path,
        "httpMethod": method,
        "headers": hdrs,
        "multiValueHeaders": {k: [v] for k, v in hdrs.items()},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()} or None,
        "pathParameters": path_params or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": route.resource_path,
            "httpMethod": method,
            "path": path,
            "stage": "v1",
            "requestId": request_id,
            "accountId": "123456789012",
            "apiId": "local",
            "identity": {"sourceIp": "127.0.0.1"},
            "authorizer": {
                "principalId": principal.key_id,
                "account_id": principal.account_id,
                "mode": principal.mode,
                "key_id": principal.key_id,
                "plan": principal.plan,
            },
        },
        "body": raw,
        "isBase64Encoded": False,
    }


class Answer:
    def __init__(self, raw: dict[str, Any]) -> None:
        self.status = raw["statusCode"]
        self.headers = {k.lower(): v for k, v in (raw.get("headers") or {}).items()}
        self.body = json.loads(raw["body"]) if raw.get("body") else None

    @property
    def code(self) -> str | None:
        return (self.body or {}).get("error", {}).get("code") if isinstance(self.body, dict) else None

    def __repr__(self) -> str:
        return f"<{self.status} {self.code or ''} {json.dumps(self.body)[:200]}>"


def invoke(principal: Principal, method: str, path: str, remaining_ms: int = 29_000, **kwargs: Any) -> Answer:
    route, evt = event(principal, method, path, **kwargs)
    handler = importlib.import_module(f"functions.{route.function}.handler").handler
    return Answer(handler(evt, Context(route.function, remaining_ms)))
