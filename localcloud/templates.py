"""API Gateway's gateway responses as API Gateway renders them: the templates and header
mappings the stack installs (resource_api.frame.gateway_responses), with variable substitution
only, since gateway response templates are not processed by the VTL engine.

- `$context.a.b` and `${context.a.b}` are replaced by the context variable's value, and
  likewise `$stageVariables.x` and `$method.request.header|querystring|path.x`. A
  reference to a variable that has no value renders empty (our templates name only
  variables API Gateway always sets for a gateway response; a test holds them to that).
- Anything else (`$foo`, `#set(...)`, `$x.replace(...)`'s arguments) is left as written,
  so a directive shows up in the body, as it would in AWS, and breaks the JSON.
- `$context.error.messageString` is `$context.error.message` in double quotes.

Header mappings: `'static'` is the text between the quotes; `context.x`,
`stageVariables.x` and `method.request.header.x` are the variable's value.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from resource_api.frame.gateway_responses import (
    ACCESS_LOG_FORMAT,
    DASHBOARD_URL_VARIABLE,
    GATEWAY_RESPONSES,
    response_headers,
    template,
)

# API Gateway's own message ($context.error.message) for what the local gateway answers.
MESSAGES = {
    "UNAUTHORIZED": "Unauthorized",
    "ACCESS_DENIED": "User is not authorized to access this resource with an explicit deny",
    "MISSING_AUTHENTICATION_TOKEN": "Missing Authentication Token",
    "REQUEST_TOO_LARGE": "Request Too Long",
    "THROTTLED": "Too Many Requests",
    "INTEGRATION_TIMEOUT": "Endpoint request timed out",
    "AUTHORIZER_FAILURE": "Unauthorized",
    "AUTHORIZER_CONFIGURATION_ERROR": "Unauthorized",
    "DEFAULT_4XX": "Bad Request",
    "DEFAULT_5XX": "Internal server error",
}

_SOURCES = r"context|stageVariables|method\.request\.(?:header|querystring|path)"
_REFERENCE = re.compile(
    r"\$\{(?P<bs>" + _SOURCES + r")\.(?P<bn>[A-Za-z0-9_.\-]+)\}"
    r"|\$(?P<s>" + _SOURCES + r")\.(?P<n>[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)"
)


def references(text: str) -> list[str]:
    """Every variable a template refers to, as `source.name` (e.g. context.requestId)."""
    return [f"{m['bs'] or m['s']}.{m['bn'] or m['n']}" for m in _REFERENCE.finditer(text)]


def render(text: str, variables: dict[str, str]) -> str:
    """Substitute `$source.name` / `${source.name}` with variables["source.name"]."""

    def value(m: re.Match[str]) -> str:
        return variables.get(f"{m['bs'] or m['s']}.{m['bn'] or m['n']}", "")

    return _REFERENCE.sub(value, text)


def mapped(expression: str, variables: dict[str, str]) -> str:
    """A header mapping expression's value: 'static' or a variable."""
    if len(expression) >= 2 and expression[0] == expression[-1] == "'":
        return expression[1:-1]
    return variables.get(expression, "")


def variables(
    response_type: str, request_id: str, message: str | None = None, **context: Any
) -> dict[str, str]:
    """The variables API Gateway has when it answers a gateway response."""
    message = MESSAGES[response_type] if message is None else message
    found = {
        "context.requestId": request_id,
        "context.extendedRequestId": request_id,
        "context.error.responseType": response_type,
        "context.error.message": message,
        "context.error.messageString": f'"{message}"',
        "context.stage": "v1",
    }
    found.update({f"context.{k}": str(v) for k, v in context.items()})
    return found


def stage_variables(dashboard_url: str | None = None) -> dict[str, str]:
    """The stage's variables as the stack sets them: dashboardUrl when the stage has a
    dashboard (deployed: infra/api.py's stage variable; locally DASHBOARD_URL, which the
    local cloud sets, or `dashboard_url`)."""
    url = (dashboard_url if dashboard_url is not None else os.environ.get("DASHBOARD_URL", "")).strip().rstrip("/")
    return {f"stageVariables.{DASHBOARD_URL_VARIABLE}": url} if url else {}


def gateway_response(
    response_type: str, request_id: str, *, status: int | None = None, message: str | None = None,
    base_doc_url: str | None = None, dashboard_url: str | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of a gateway response, rendered from the stack's template.
    status: API Gateway's own status, which DEFAULT_4XX/5XX keep (the stack sets the
    others' status)."""
    default_status = GATEWAY_RESPONSES[response_type][0]
    if not response_type.startswith("DEFAULT_"):
        status = default_status
    found = variables(response_type, request_id, message)
    found.update(stage_variables(dashboard_url))
    headers = {name: mapped(expr, found) for name, expr in response_headers(response_type).items()}
    body = render(template(response_type, base_doc_url, dashboard=f"stageVariables.{DASHBOARD_URL_VARIABLE}" in found), found)
    return status or default_status, headers, body.encode("utf-8")


def access_log_line(found: dict[str, str]) -> str:
    """The stage's access log line (ACCESS_LOG_FORMAT) with these variables; a variable
    without a value is "-", as API Gateway writes it."""
    line = {}
    for name, expression in ACCESS_LOG_FORMAT.items():
        value = found.get(expression.removeprefix("$"))
        line[name] = "-" if value in (None, "") else str(value)
    return json.dumps(line, separators=(",", ":"))
