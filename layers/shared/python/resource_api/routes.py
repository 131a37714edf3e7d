"""The route table: every endpoint of the API, collected from the entities' declarations
(`<entity>/api.py`, see frame/endpoint.py). The CDK stack builds API Gateway methods,
functions and least-privilege grants from it; the local gateway routes requests with it;
the batch endpoint runs the batchable ones; the OpenAPI document describes them all.

Registering an entity is one line of ENTITIES; adding an endpoint is one declaration in
its entity's api.py plus functions/<function>/handler.py, one line: handler_for(function).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from .frame.endpoint import (  # noqa: F401 - the route table's vocabulary, for infra/ and tools
    API_PREFIX,
    AUTHENTICATE,
    COUNT,
    READ,
    RESOURCE_LIMIT,
    SEND_WEBHOOKS,
    STOP_EXECUTION,
    WRITE,
    WRITE_IDEMPOTENCY,
    WRITE_WEBHOOK_ENDPOINTS,
    Endpoint,
)

# The entities, in the order of the route table (and of the OpenAPI document).
ENTITIES = (
    "resources",
    "batch",
    "webhooks",
    "events",
)

ROUTES: tuple[Endpoint, ...] = tuple(
    e for name in ENTITIES for e in importlib.import_module(f".{name}.api", __package__).ENDPOINTS
)

# The function that authenticates every route (an API Gateway REQUEST authorizer).
AUTHORIZER_FUNCTION = "authorizer"
AUTHORIZER_ACCESS = frozenset({AUTHENTICATE})


def route_for(function: str) -> Endpoint:
    for route in ROUTES:
        if route.function == function:
            return route
    raise KeyError(function)


def match(method: str, path: str) -> tuple[Endpoint | None, dict[str, str], list[str]]:
    """(route, path parameters, methods allowed on this path) for a request."""
    allowed: list[str] = []
    for route in ROUTES:
        m = route.pattern.match(path)
        if m:
            allowed.append(route.method)
            if route.method == method:
                return route, m.groupdict(), allowed
    return None, {}, allowed


def handler_for(function: str) -> Callable[[Any, Any], dict[str, Any]]:
    """The Lambda handler of the endpoint `function` serves (functions/<function>/handler.py)."""
    # Here, not at import: the authorizer and the CDK app read the route table without
    # the frame (pydantic, Powertools).
    from .frame.http import Api  # noqa: PLC0415

    return Api(route_for(function)).handler
