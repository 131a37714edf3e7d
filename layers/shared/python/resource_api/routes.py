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
WRITE = "write"  # DynamoDB writes (and reads) of the table


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # public path, with {param} placeholders
    function: str  # folder under functions/
    access: frozenset[str]
    status: int = 200  # success status
    summary: str = ""

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
    Route("GET", "/v1/resources/{id}", "get_resource", frozenset({READ}), 200, "Retrieve a resource"),
    Route("PATCH", "/v1/resources/{id}", "update_resource", frozenset({WRITE}), 200, "Update a resource"),
    Route("DELETE", "/v1/resources/{id}", "delete_resource", frozenset({WRITE}), 200, "Delete a resource"),
)

# The function that authenticates every route (an API Gateway REQUEST authorizer).
AUTHORIZER_FUNCTION = "authorizer"
AUTHORIZER_ACCESS = frozenset({READ})


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
