"""The route table: every HTTP route of the API, the function serving it, and what
that function may touch. The CDK stack builds API Gateway methods, functions and
least-privilege grants from it; the local gateway routes requests with it.

Adding an endpoint is one row here plus its handler in functions/<function>/handler.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

API_PREFIX = "/v1"

# What a function may be granted (the CDK stack maps each to IAM actions).
READ = "read"  # DynamoDB reads of the table
# DynamoDB writes (and reads) of the table, to the partitions the API writes only
# (keys.API_WRITE_PARTITIONS: never API keys, accounts, events or notices).
WRITE = "write"
# Writes to usage counters only (keys.COUNTER_PARTITIONS: the key's rate-limit windows).
# Every route has it: the shared frame counts every request, reads included.
# (Per-resource metrics and request logs are written off the request path by the
# metrics_ingest function, from the frame's log lines: ingest.py.)
COUNT = "count"
# A resource's configuration.rate_limit windows and its limit notices
# (keys.RESOURCE_LIMIT_PARTITIONS): the routes that call limits.admit only.
RESOURCE_LIMIT = "resource_limit"
# The authorizer's reads: an API key item by hash and its account (keys.AUTH_PARTITIONS).
AUTHENTICATE = "authenticate"
STOP_EXECUTION = "stop_execution"  # states:StopExecution on provisioning executions (provisioning.py)
SEND_WEBHOOKS = "send_webhooks"  # sqs:SendMessage to the webhook delivery queue (queues.py)


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # public path, with {param} placeholders
    function: str  # folder under functions/
    access: frozenset[str]
    status: int = 200  # success status
    summary: str = ""
    # The spec's `?api_key=` query authentication is accepted here (webhook routes only).
    # API Gateway: these methods need an authorizer that sees the query string (see
    # infra/webhooks.py); every other route refuses it with api_key_query_not_allowed.
    query_key: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "access", frozenset(self.access) | {COUNT})

    @property
    def resource_path(self) -> str:
        """The API Gateway resource path: the public path without the stage prefix."""
        return self.path[len(API_PREFIX) :] or "/"

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.path) + "$")


ROUTES: tuple[Route, ...] = (
    Route("POST", "/v1/resources", "create_resource", frozenset({WRITE}), 201, "Create a resource"),
    Route("GET", "/v1/resources", "list_resources", frozenset({READ}), 200, "List resources"),
    Route("GET", "/v1/resources/{id}", "get_resource", frozenset({READ, RESOURCE_LIMIT}), 200, "Retrieve a resource"),
    Route("PATCH", "/v1/resources/{id}", "update_resource", frozenset({WRITE, RESOURCE_LIMIT}), 200,
          "Update a resource"),
    Route("DELETE", "/v1/resources/{id}", "delete_resource", frozenset({WRITE, STOP_EXECUTION, RESOURCE_LIMIT}), 200,
          "Delete a resource"),
    # STOP_EXECUTION: a DELETE in a batch stops a pending resource's provisioning, as DELETE does.
    Route("POST", "/v1/batch", "batch", frozenset({WRITE, STOP_EXECUTION, RESOURCE_LIMIT}), 200,
          "Run up to 100 resource operations"),
    # Webhooks (docs/webhooks.md)
    Route("POST", "/v1/webhook_endpoints", "create_webhook_endpoint", frozenset({WRITE}), 201,
          "Create a webhook endpoint", query_key=True),
    Route("GET", "/v1/webhook_endpoints", "list_webhook_endpoints", frozenset({READ}), 200,
          "List webhook endpoints", query_key=True),
    Route("GET", "/v1/webhook_endpoints/{id}", "get_webhook_endpoint", frozenset({READ}), 200,
          "Retrieve a webhook endpoint", query_key=True),
    Route("PATCH", "/v1/webhook_endpoints/{id}", "update_webhook_endpoint", frozenset({WRITE}), 200,
          "Update a webhook endpoint", query_key=True),
    Route("DELETE", "/v1/webhook_endpoints/{id}", "delete_webhook_endpoint", frozenset({WRITE}), 200,
          "Delete a webhook endpoint", query_key=True),
    Route("POST", "/v1/webhook_endpoints/{id}/rotate_secret", "rotate_webhook_secret", frozenset({WRITE}), 200,
          "Rotate an endpoint's signing secret (24 h grace)", query_key=True),
    Route("POST", "/v1/webhook_endpoints/{id}/replay", "replay_webhook_deliveries",
          frozenset({WRITE, SEND_WEBHOOKS}), 200, "Redeliver an endpoint's failed deliveries since a time",
          query_key=True),
    Route("GET", "/v1/events", "list_events", frozenset({READ}), 200, "List events", query_key=True),
    Route("GET", "/v1/events/{id}", "get_event", frozenset({READ}), 200, "Retrieve an event", query_key=True),
    Route("GET", "/v1/events/{id}/deliveries", "list_event_deliveries", frozenset({READ}), 200,
          "List an event's delivery attempts", query_key=True),
    Route("POST", "/v1/events/{id}/resend", "resend_event", frozenset({WRITE, SEND_WEBHOOKS}), 200,
          "Deliver an event again", query_key=True),
)

# The function that authenticates every route (an API Gateway REQUEST authorizer).
AUTHORIZER_FUNCTION = "authorizer"
AUTHORIZER_ACCESS = frozenset({AUTHENTICATE})


def route_for(function: str) -> Route:
    for route in ROUTES:
        if route.function == function:
            return route
    raise KeyError(function)


def match(method: str, path: str) -> tuple[Route | None, dict[str, str], list[str]]:
    """(route, path parameters, methods allowed on this path) for a request."""
    allowed: list[str] = []
    for route in ROUTES:
        m = route.pattern.match(path)
        if m:
            allowed.append(route.method)
            if route.method == method:
                return route, m.groupdict(), allowed
    return None, {}, allowed
