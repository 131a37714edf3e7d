"""An endpoint declaration: one HTTP route of the API and everything about it, in one place.

Each entity declares its endpoints in `<entity>/api.py`; `routes.py` collects them into
the route table that the frame (http.py), the batch endpoint, the CDK stack (infra/),
the local gateway and the OpenAPI document (localcloud/openapi.py) all read.

A declaration names its models and its operation as "module:attribute" references,
relative to the declaring entity's package (".models:ResourceCreate"), resolved on first
use: the route table loads no pydantic model and no domain logic, so the authorizer and
the CDK app read it without the request path's imports.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field, replace
from typing import Any

API_PREFIX = "/v1"

# What a function may be granted (the CDK stack maps each to IAM actions).
READ = "read"  # DynamoDB reads of the table
# DynamoDB writes (and reads) of the table, each to its own entity's item kinds only
# (never API keys, accounts, events, deliveries or notices):
# - resources, their counters, runtime configurations and tombstones, and idempotency
#   records (keys.RESOURCE_WRITE_PARTITIONS): the resource routes and the batch;
WRITE = "write"
# - webhook endpoints and their count, and idempotency records
#   (keys.WEBHOOK_ENDPOINT_WRITE_PARTITIONS): the webhook endpoint routes;
WRITE_WEBHOOK_ENDPOINTS = "write_webhook_endpoints"
# - idempotency records only (keys.IDEMPOTENCY_PARTITIONS): resend and replay, which
#   write nothing else to the table (they queue deliveries).
WRITE_IDEMPOTENCY = "write_idempotency"
# Writes to usage counters only (keys.COUNTER_PARTITIONS: the key's rate-limit windows).
# Every route has it: the shared frame counts every request, reads included.
# (Per-resource metrics and request logs are written off the request path by the
# metrics_ingest function, from the frame's log lines: metrics/ingest.py.)
COUNT = "count"
# A resource's configuration.rate_limit windows and its limit notices
# (keys.RESOURCE_LIMIT_PARTITIONS): the routes that call resources.rate_limit.admit only.
RESOURCE_LIMIT = "resource_limit"
# The authorizer's reads: an API key item by hash and its account (keys.AUTH_PARTITIONS).
AUTHENTICATE = "authenticate"
STOP_EXECUTION = "stop_execution"  # states:StopExecution on provisioning executions (resources/provisioning.py)
SEND_WEBHOOKS = "send_webhooks"  # sqs:SendMessage to the webhook delivery queue (events/queues.py)

_resolved: dict[tuple[str, str], Any] = {}


def resolve(ref: str, package: str) -> Any:
    """The object a "module:attribute" reference names (module relative to `package`)."""
    cached = _resolved.get((ref, package))
    if cached is None:
        module, _, attr = ref.partition(":")
        cached = _resolved[(ref, package)] = getattr(importlib.import_module(module, package), attr)
    return cached


@dataclass(frozen=True)
class Endpoint:
    """One endpoint: its route (method, path, success status, summary), what it may touch
    (access), the function that serves it (its folder under functions/), its request and
    response models, the operation it runs, and its flags."""

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
    body: str | None = None  # the request model of a body ("module:Model")
    query: str | None = None  # the request model of a query string
    response: str | None = None  # the model of the success answer (documentation)
    # operation(request, params) -> the answer's body, or a unit of work (frame/unit.py)
    # that the caller commits; `request` is a frame.request.Request.
    run: str | None = None
    # lock_item(request) -> the one existing item a request with an Idempotency-Key locks
    # instead of the key's own record (frame/idempotency.py), or None.
    lock_item: str | None = None
    batchable: bool = False  # POST /v1/batch may run it
    package: str = field(default="", compare=False)  # the declaring entity's package

    def __post_init__(self) -> None:
        object.__setattr__(self, "access", frozenset(self.access) | {COUNT})

    @property
    def resource_path(self) -> str:
        """The API Gateway resource path: the public path without the stage prefix."""
        return self.path[len(API_PREFIX) :] or "/"

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.path) + "$")

    def _get(self, ref: str | None) -> Any:
        return resolve(ref, self.package) if ref else None

    @property
    def body_model(self) -> Any:
        return self._get(self.body)

    @property
    def query_model(self) -> Any:
        return self._get(self.query)

    @property
    def params_model(self) -> Any:
        """The model the endpoint's parameters are validated with (body or query)."""
        return self._get(self.body or self.query)

    @property
    def response_model(self) -> Any:
        return self._get(self.response)

    @property
    def operation(self) -> Any:
        return self._get(self.run)

    @property
    def lock(self) -> Any:
        return self._get(self.lock_item)


def declare(package: str, *endpoints: Endpoint) -> tuple[Endpoint, ...]:
    """An entity's endpoints, bound to its package (what their references are relative to)."""
    return tuple(replace(e, package=package) for e in endpoints)
