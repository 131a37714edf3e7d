"""Holding real responses to the OpenAPI document (localcloud/openapi.py)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator

from localcloud import openapi
from resource_api.frame.request import REQUEST_ID_PATTERN
from resource_api.responses import INTERNAL_FIELDS

ERROR_KEYS = {"type", "code", "message", "doc_url", "request_id"}
# Headers of HTTP itself, not of the API: they need no declaration in the document.
TRANSPORT_HEADERS = {"content-type", "content-length", "date", "server", "connection", "keep-alive",
                     "transfer-encoding", "vary"}


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    return openapi.document()


def operation(method: str, path: str) -> dict[str, Any]:
    return document()["paths"][path][method.lower()]


def schema_errors(schema: dict[str, Any], body: Any) -> list[str]:
    root = {**schema, "components": document()["components"]}
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in Draft202012Validator(root).iter_errors(body)]


def check_response(method: str, path: str, resp) -> None:
    """`resp` (a requests.Response) is a documented answer of this operation."""
    op = operation(method, path)
    documented = op["responses"].get(str(resp.status_code))
    assert documented is not None, f"{method} {path}: undocumented status {resp.status_code}: {resp.text[:300]}"
    assert re.fullmatch(REQUEST_ID_PATTERN, resp.headers.get("Request-Id", "")), resp.headers
    # every header the API sends is declared (SDKs read Retry-After, ETag... from the document)
    declared = {name.lower() for name in documented.get("headers", {})}
    undeclared = {h for h in resp.headers if h.lower() not in declared | TRANSPORT_HEADERS}
    assert not undeclared, f"{method} {path} {resp.status_code}: undeclared headers {sorted(undeclared)}"
    content = documented.get("content")
    if not content:
        assert not resp.content, resp.content[:200]
        return
    body = resp.json()
    problems = schema_errors(content["application/json"]["schema"], body)
    assert not problems, f"{method} {path} {resp.status_code}: {problems[:5]} in {body}"
    assert_no_internal_fields(body)
    if resp.status_code >= 400:
        assert body["error"]["request_id"] == resp.headers["Request-Id"]


def assert_no_internal_fields(body: Any, where: str = "") -> None:
    """No stored-only attribute (keys, owner, fingerprints) is ever answered."""
    if isinstance(body, dict):
        for k, v in body.items():
            # an event's `request` {id, idempotency_key} is public; metadata keys are the user's
            if k in INTERNAL_FIELDS and not where.endswith(("/request", "/metadata")):
                raise AssertionError(f"internal field {where}/{k} answered: {body}")
            assert_no_internal_fields(v, f"{where}/{k}")
    elif isinstance(body, list):
        for v in body:
            assert_no_internal_fields(v, where)
