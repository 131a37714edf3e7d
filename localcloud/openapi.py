"""The OpenAPI 3.1 document of the whole API, generated from the route table: the
endpoint declarations (resource_api/<entity>/api.py), their request models and the
response models they name (resource_api/responses.py);
and a small self-contained HTML page of it (no CDN: the local cloud is offline).

The local cloud serves them at /v1/openapi.json and /docs; `python -m localcloud.openapi`
prints the document.
"""

from __future__ import annotations

import copy
import html
import json
import sys
from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from resource_api.core import errors, ids, versions
from resource_api.resources import expand
from resource_api.frame import idempotency
from resource_api import responses, routes
from resource_api.frame import models as shared_models
from resource_api.resources.models import ListParams
from resource_api.webhooks.models import EVENT_TYPES
from resource_api.webhooks import signing
from resource_api.frame.request import REQUEST_ID_PATTERN

from . import openapi_examples as examples

REF = "#/components/schemas/{model}"
HEADER_REF = "#/components/headers/{name}"
BODY_KEY = "idempotency_key"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def _response_model(route: routes.Endpoint) -> type[BaseModel]:
    """The model of the endpoint's success answer (a plain object if it declares none)."""
    return route.response_model or responses.AnyObject


# What the models' own validators check beyond their type hints, so the document says
# it too (a generated valid request must be accepted): validator name -> schema patch.
METADATA_SCHEMA = {
    "type": "object",
    "maxProperties": shared_models.METADATA_MAX_KEYS,
    "propertyNames": {"minLength": 1, "maxLength": shared_models.METADATA_KEY_MAX, "pattern": "^[^\\[\\]]+$"},
    # Strings. (Numbers are taken too and stored as strings, booleans are not; the
    # document says string only, so generated clients get a plain string map.)
    "additionalProperties": {"type": "string", "maxLength": shared_models.METADATA_VALUE_MAX},
    "description": f"Key-value pairs: at most {shared_models.METADATA_MAX_KEYS} keys of at most "
    f"{shared_models.METADATA_KEY_MAX} characters (no brackets), values at most {shared_models.METADATA_VALUE_MAX}; "
    "`metadata=` (empty) clears it",
}
# One array of one enum (an anyOf of a const ["*"] and an array breaks generators):
# "*" is one of the values, and the API takes it only alone.
EVENT_TYPES_SCHEMA = {
    "type": "array",
    "minItems": 1,
    "items": {"type": "string", "enum": ["*", *EVENT_TYPES]},
    "description": 'Event types to send. ["*"] means every type (now and added later) and must be alone; '
    "repeated types are sent once",
    "examples": [["resource.created", "resource.deleted"], ["*"]],
}


def _validator_patches(model: type[BaseModel]) -> dict[str, list[Any]]:
    """field -> schema patches (applied in order), from the model's field validators."""
    patches: dict[str, list[Any]] = {}
    for dec in model.__pydantic_decorators__.field_validators.values():
        name = getattr(dec.func, "__name__", "")
        for field in dec.info.fields:
            # these validators refuse null too (absent is the way to leave a field alone)
            if name == "_check_metadata":
                patches.setdefault(field, []).append(lambda s: dict(METADATA_SCHEMA))
            elif name == "_not_null":
                patches.setdefault(field, []).append(_not_null)
            elif name == "_check_enabled_events":
                patches.setdefault(field, []).append(lambda s: dict(EVENT_TYPES_SCHEMA))
            elif name == "_type" and field == "type":
                patches.setdefault(field, []).append(lambda s: {**_not_null(s), "enum": list(EVENT_TYPES)})
    if "idempotency_key" in model.model_fields:
        # frame/http.py takes it only as printable ASCII, like the header
        patches.setdefault("idempotency_key", []).append(_printable)
    if "expand" in model.model_fields:
        # expand.parse takes these paths only (anything else is 400 expand_invalid)
        on_list = model is ListParams
        patches.setdefault("expand", []).append(lambda s: _expand_schema(s, on_list=on_list))
    return patches


def expand_paths(*, on_list: bool) -> list[str]:
    """Every path `expand[]` takes (resources/expand.py): on a resource its own fields and its
    related resources' item fields; on a list, the items' fields under `data.`."""
    items = [f"data.{f}" for f in expand.ON_LIST_ITEM]
    if on_list:
        return items
    return [*expand.ON_RESOURCE, *(f"related_resources.{p}" for p in items)]


def _expand_schema(schema: dict[str, Any], *, on_list: bool) -> dict[str, Any]:
    return {
        **schema,
        "items": {"type": "string", "enum": expand_paths(on_list=on_list)},
        "maxItems": expand.MAX_PATHS,
    }


def _printable(schema: dict[str, Any]) -> dict[str, Any]:
    if "anyOf" in schema:
        return {**schema, "anyOf": [_printable(o) for o in schema["anyOf"]]}
    if schema.get("type") == "string":
        return {**schema, "pattern": "^[\\x20-\\x7e]+$"}
    return schema


def _patched(model: type[BaseModel], schema: dict[str, Any]) -> dict[str, Any]:
    props = schema.get("properties", {})
    for field, patches in _validator_patches(model).items():
        if field in props:
            title = props[field].get("title")
            for patch in patches:
                props[field] = patch(props[field])
            if title:
                props[field]["title"] = title
    return schema


def _all_models(model: type[BaseModel]) -> dict[str, type[BaseModel]]:
    """`model` and the models its fields refer to, by name (as pydantic names $defs)."""
    out = {model.__name__: model}
    for field in model.model_fields.values():
        for arg in (field.annotation, *getattr(field.annotation, "__args__", ())):
            if isinstance(arg, type) and issubclass(arg, BaseModel) and arg.__name__ not in out:
                out.update(_all_models(arg))
    return out


class _Components:
    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {}
        self._owners: dict[str, type[BaseModel]] = {}

    def add(self, model: type[BaseModel], mode: str = "validation", body: bool = False) -> dict[str, Any]:
        """Put `model` (and what it refers to) in components; return a $ref to it.
        A request body (`body`) is documented without its `idempotency_key`: the API
        takes it as an alias of the Idempotency-Key header, but a body field of that name
        collides with the header's parameter in generated clients."""
        schema = model.model_json_schema(ref_template=REF, mode=mode)
        known = _all_models(model)
        for name, sub in schema.pop("$defs", {}).items():
            self.schemas.setdefault(name, _patched(known[name], sub) if name in known else sub)
        schema = _patched(model, schema)
        if body:
            schema.get("properties", {}).pop(BODY_KEY, None)
        name = model.__name__
        owner = self._owners.setdefault(name, model)
        if owner is not model:  # two models of one name would share one schema
            raise ValueError(f"two models named {name}: {owner.__module__} and {model.__module__}")
        self.schemas.setdefault(name, schema)
        return {"$ref": REF.format(model=name)}

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        ref = schema.get("$ref")
        if ref:
            return self.schemas[ref.rsplit("/", 1)[-1]]
        return schema


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """`X | None` -> X: a query parameter is absent, never null."""
    options = schema.get("anyOf")
    if options:
        rest = [o for o in options if o.get("type") != "null"]
        if len(rest) == 1:
            out = {k: v for k, v in schema.items() if k != "anyOf" and not (k == "default" and v is None)}
            out.update(rest[0])
            return out
    return {k: v for k, v in schema.items() if not (k == "default" and v is None)}


CURSORS = ("starting_after", "ending_before")


def _cursor_pattern(function: str) -> str:
    """The id pattern of the objects a list route returns (its cursors are such ids)."""
    prefix = "[a-z]+"
    data = _response_model(routes.route_for(function)).model_fields.get("data")
    item = getattr(data.annotation, "__args__", [None])[0] if data is not None else None
    if item is not None and "id" in getattr(item, "model_fields", {}):
        for meta in item.model_fields["id"].metadata:
            pattern = getattr(meta, "pattern", None)
            if pattern and "_" in pattern:
                prefix = pattern.lstrip("^").split("_", 1)[0]
    return ids.pattern(prefix)


def _query_parameters(model: type[BaseModel], comps: _Components, function: str = "") -> list[dict[str, Any]]:
    schema = _patched(model, model.model_json_schema(ref_template=REF))
    for name, sub in schema.pop("$defs", {}).items():
        comps.schemas.setdefault(name, sub)
    required = set(schema.get("required", []))
    out: list[dict[str, Any]] = []
    for name, prop in schema.get("properties", {}).items():
        prop = _not_null(dict(prop))
        prop.pop("title", None)
        description = prop.pop("description", None)
        param: dict[str, Any] = {"in": "query", "required": name in required}
        target = comps.resolve(prop)
        if target.get("type") == "object":
            # created[gte]=... (and created.gte=...): bracket nesting, as OpenAPI's deepObject;
            # inline, as a query string has no null
            inline = {k: v for k, v in target.items() if k != "title"}
            inline["properties"] = {k: _not_null(v) for k, v in target.get("properties", {}).items()}
            param.update(name=name, style="deepObject", explode=True, schema=inline)
        elif prop.get("type") == "array":
            # expand[]=a&expand[]=b
            param.update(name=f"{name}[]", style="form", explode=True, schema=prop)
        else:
            if name in CURSORS and prop.get("type") == "string":
                prop["pattern"] = _cursor_pattern(function)
            param.update(name=name, schema=prop)
        if description:
            param["description"] = description
        out.append(param)
    return out


def _header(name: str) -> dict[str, Any]:
    return {"$ref": HEADER_REF.format(name=name)}


def _common_headers() -> dict[str, Any]:
    """On every answer: its request id, the version that rendered it and the key's rate limit."""
    return {name: _header(name) for name in ("Request-Id", versions.HEADER, *RATE_LIMIT_HEADERS)}


def _error_response(status: int, route: routes.Endpoint) -> dict[str, Any]:
    headers = _common_headers()
    if status in RETRY_AFTER_STATUSES:
        headers["Retry-After"] = _header("Retry-After")
    if status == 429 and route.path.startswith("/v1/resources/{"):
        headers.update({name: _header(name) for name in RESOURCE_RATE_LIMIT_HEADERS})
    return {
        "description": ERROR_STATUSES[status],
        "headers": headers,
        "content": {JSON: {"schema": {"$ref": REF.format(model="Error")}, "example": examples.error_for(status)}},
    }


# frame/key_limits.py's headers, on every answer to a request with a valid key
RATE_LIMIT_HEADERS = (
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "X-RateLimit-Reset-After",
    "RateLimit-Policy",
    "RateLimit",
)
# resources/rate_limit.py's, when a resource's own configuration[rate_limit] refuses a request
RESOURCE_RATE_LIMIT_HEADERS = ("Resource-RateLimit-Limit", "Resource-RateLimit-Remaining", "Resource-RateLimit-Reset")
# Retry-After: 429 (frame/key_limits.py, resources/rate_limit.py), 409 idempotency_key_in_use (frame/idempotency.py),
# 500/503 from the database layer (core/db.py)
RETRY_AFTER_STATUSES = (409, 429, 500, 503)


def _integer_header(description: str) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "integer", "minimum": 0}}


HEADERS: dict[str, Any] = {
    "Request-Id": {
        "description": "This request's id; also in error bodies and events. Quote it to support. req_... from "
        "the functions; API Gateway's own errors (401, 403, 404 for unknown URLs, 413, 429, 504) carry its "
        "request id as a UUID (docs/errors.md)",
        "required": True,
        "schema": {"type": "string", "pattern": REQUEST_ID_PATTERN},
        "example": "req_8a7b6c5d4e3f2g1h",
    },
    versions.HEADER: {
        "description": "The API version that rendered this answer",
        "schema": {"type": "string", "enum": list(versions.VERSIONS)},
    },
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored answer of an earlier request with the same Idempotency-Key",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "ETag": {
        "description": "The object's version, for If-Match (PATCH, DELETE) and If-None-Match (GET); weak on lists",
        "schema": {"type": "string", "pattern": '^(W/)?"[0-9a-f]{32}"$'},
    },
    "Retry-After": _integer_header("Seconds to wait before retrying"),
    "X-RateLimit-Limit": _integer_header("Requests per minute the key allows (its plan)"),
    "X-RateLimit-Remaining": _integer_header("Requests left in the current minute"),
    "X-RateLimit-Reset": _integer_header("Unix time when the current window ends"),
    "X-RateLimit-Reset-After": _integer_header("Seconds until the current window ends"),
    "RateLimit-Policy": {
        "description": 'IETF draft RateLimit-Policy: `"default";q=<per minute>;w=60`, plus the monthly quota if any',
        "schema": {"type": "string"},
    },
    "RateLimit": {
        "description": 'IETF draft RateLimit: `"default";r=<remaining>;t=<seconds to reset>`',
        "schema": {"type": "string"},
    },
    "Resource-RateLimit-Limit": _integer_header("The resource's configuration[rate_limit] (requests per minute)"),
    "Resource-RateLimit-Remaining": _integer_header("Requests left for this resource in this minute (0)"),
    "Resource-RateLimit-Reset": _integer_header("Unix time when the resource's window ends"),
}


ERROR_STATUSES = {
    400: "Invalid request (invalid_request_error, idempotency_error)",
    401: "Missing, unknown or revoked API key (authentication_error)",
    403: "Key not allowed here (permission_error)",
    404: "No such object in this account and mode (resource_not_found)",
    409: "Conflict (conflict_error): object not ready, changed concurrently, or idempotency key in use",
    412: "If-Match did not match the object's current ETag",
    413: "Body larger than 1 MiB",
    415: "Body neither form encoded nor JSON",
    429: "Rate limit or monthly quota exceeded (rate_limit_error); see Retry-After",
    500: "Internal error (api_error); retry with backoff and the same Idempotency-Key",
    503: "Temporarily unavailable, nothing written (api_error); retry with backoff",
}


def _error_statuses(route: routes.Endpoint) -> list[int]:
    """The error statuses a route can answer."""
    statuses = [400, 401, 403, 429, 500, 503]
    if "{" in route.path:
        statuses.append(404)
    if route.method in ("POST", "PATCH", "DELETE"):
        statuses += [409, 413, 415]
    if route.method in ("PATCH", "DELETE"):
        statuses.append(412)
    return sorted(statuses)


def _links(route: routes.Endpoint) -> dict[str, Any]:
    """Stateful testing: an object created here (or listed here) can be read, changed
    and deleted by the routes under `{path}/{id}`."""
    if route.method not in ("POST", "GET") or "{" in route.path:
        return {}
    source = "$response.body#/id" if route.method == "POST" else "$response.body#/data/0/id"
    links = {}
    for other in routes.ROUTES:
        if other.path.startswith(route.path + "/{id}"):
            links[f"{other.function}"] = {"operationId": other.function, "parameters": {"id": source}}
    return links


def _headers(route: routes.Endpoint) -> list[dict[str, Any]]:
    out = [
        {
            "in": "header",
            "name": versions.HEADER,
            "required": False,
            "description": "Pin an API version; defaults to the account's, else the latest",
            "schema": {"type": "string", "enum": list(versions.VERSIONS)},
        }
    ]
    if route.method in ("POST", "PATCH", "DELETE"):
        out.append(
            {
                "in": "header",
                "name": idempotency.HEADER,
                "required": False,
                "description": "Replays the first response for 24 h (docs/idempotency.md). Send a fresh key "
                "with each new write and the same key when retrying it. The body parameter "
                "`idempotency_key` of the spec is an alias (if both are sent they must be equal)",
                "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": idempotency.MAX_LENGTH,
                    "pattern": "^[\\x20-\\x7e]+$",
                },
            }
        )
    if route.method == "GET":
        out.append(
            {
                "in": "header",
                "name": "If-None-Match",
                "required": False,
                "description": "An ETag from an earlier answer: 304 with no body if it still matches",
                "schema": {"type": "string", "minLength": 1},
            }
        )
    if route.method in ("PATCH", "DELETE"):
        out.append(
            {
                "in": "header",
                "name": "If-Match",
                "required": False,
                "description": "ETag the object must still have (else 412)",
                "schema": {"type": "string", "pattern": '^"[0-9a-f]{32}"$'},
            }
        )
    return out


def _operation(route: routes.Endpoint, comps: _Components) -> dict[str, Any]:
    body_model, query_model = route.body_model, route.query_model
    op: dict[str, Any] = {
        "operationId": route.function,
        "summary": route.summary or route.function.replace("_", " "),
        "description": DESCRIPTIONS.get(route.function, route.summary),
        "tags": [route.path.split("/")[2]],
        "parameters": [],
    }
    if route.query_key:
        op["security"] = [{"bearerAuth": []}, {"queryKey": []}]
    for name in route.pattern.groupindex:
        op["parameters"].append(
            {"in": "path", "name": name, "required": True, "schema": {"type": "string", "minLength": 1}}
        )
    if query_model is not None:
        op["parameters"] += _query_parameters(query_model, comps, route.function)
    op["parameters"] += _headers(route)
    if body_model is not None and set(body_model.model_fields) - {BODY_KEY}:
        ref = comps.add(body_model, body=True)
        required = bool(body_model.model_json_schema().get("required"))
        media: dict[str, Any] = {"schema": ref}
        if route.function in examples.REQUESTS:
            media["example"] = examples.REQUESTS[route.function]
        op["requestBody"] = {
            "required": required,
            "description": "JSON. The API also takes the same parameters form encoded "
            "(application/x-www-form-urlencoded) with bracket nesting, as Stripe does: "
            "`configuration[timeout_ms]=10000`, `metadata[team]=core`, `enabled_events[]=*`; "
            "same validation and errors either way.",
            "content": {JSON: media},
            "x-form-encoded": True,
        }
    success = comps.add(_response_model(route), mode="serialization")
    ok_headers = {**_common_headers(), "ETag": _header("ETag")}
    if route.method in ("POST", "PATCH", "DELETE"):
        ok_headers["Idempotent-Replayed"] = _header("Idempotent-Replayed")
    ok: dict[str, Any] = {"schema": success}
    name = success["$ref"].rsplit("/", 1)[-1]
    if name in examples.SCHEMAS:
        ok["example"] = examples.SCHEMAS[name]
    responses: dict[str, Any] = {
        str(route.status): {"description": "Success", "headers": ok_headers, "content": {JSON: ok}}
    }
    if route.method == "GET":
        responses["304"] = {
            "description": "Not modified (If-None-Match matched the ETag)",
            "headers": {**_common_headers(), "ETag": _header("ETag")},
        }
    for status in _error_statuses(route):
        responses[str(status)] = _error_response(status, route)
    op["responses"] = responses
    links = _links(route)
    if links:
        responses[str(route.status)]["links"] = links
    return op


# The document's own version (semver: generators put it in package metadata); the API's
# version is a date, pinned per request with the Api-Version header: x-api-version.
DOCUMENT_VERSION = "1.0.0"

# Components renamed in the document: generators' own classes are called Configuration
# (openapi-generator's Java, Python and PHP clients), so a model of that name collides.
RENAMES = {"Configuration": "ResourceConfigurationParams", "ConfigurationPatch": "ResourceConfigurationPatch"}

TAGS = [
    {"name": "resources", "description": "The resource object: create, retrieve, update, delete, list"},
    {"name": "batch", "description": "Up to 100 resource operations in one request, optionally atomic (docs/batch.md)"},
    {
        "name": "webhook_endpoints",
        "description": "Where events are delivered, signed with the endpoint's secret (docs/webhooks.md)",
    },
    {"name": "events", "description": "What happened, as delivered to webhook endpoints; kept 30 days"},
]

_LIST = (
    " Newest first; page with `starting_after` (the last id of a page) or `ending_before` "
    "(the first id), `limit` 1-100 (default 10); `has_more` says whether there is more."
)
_WRITE = " Send an `Idempotency-Key` to retry safely."
DESCRIPTIONS = {
    "create_resource": "Creates a resource. It answers at once with status `pending` while provisioning runs "
    "(the `provisioning` block); `resource.created` follows as an event." + _WRITE,
    "list_resources": "Lists the account's resources in this mode, with optional filters (`status`, `type`, "
    "`created[gte]`...)." + _LIST,
    "get_resource": "Retrieves a resource. `expand[]=metrics`, `logs` or `related_resources` add blocks; "
    "send `If-None-Match` with an earlier ETag to get 304 when unchanged.",
    "update_resource": "Updates the given fields; the rest is left as is (`metadata` is replaced as a whole; "
    "`metadata=` clears it). Send `If-Match` with the ETag you read to refuse a lost update (412)." + _WRITE,
    "delete_resource": "Deletes a resource, permanently (consider `status=archived`). `If-Match` makes it "
    "conditional." + _WRITE,
    "batch": "Runs up to 100 resource operations (each as its single call would, with its own "
    "`idempotency_key`) and answers each one's status and body in order. `atomic: true` commits all or "
    "none (424 batch_rolled_back for the rest when one fails). From API version 2024-01-15." + _WRITE,
    "create_webhook_endpoint": "Registers an https URL to receive the chosen event types. The answer "
    "carries the signing `secret` (shown now and at rotation only)." + _WRITE,
    "list_webhook_endpoints": "Lists the account's webhook endpoints in this mode." + _LIST,
    "get_webhook_endpoint": "Retrieves a webhook endpoint (without its secret).",
    "update_webhook_endpoint": "Changes an endpoint's URL, event types, description, metadata or status "
    "(`enabled` re-enables an endpoint switched off after failures)." + _WRITE,
    "delete_webhook_endpoint": "Deletes a webhook endpoint; nothing more is delivered to it." + _WRITE,
    "rotate_webhook_secret": "Issues a new signing secret and answers it. For 24 hours deliveries are "
    "signed with both (two `webhook-signature` values, and `Resource-Signature-Previous`), so receivers "
    "can switch without losing events." + _WRITE,
    "replay_webhook_deliveries": "Delivers again the events whose delivery to this endpoint failed, "
    "created at or after `since`." + _WRITE,
    "list_events": "Lists events of the last 30 days, filtered by `type` or `created`." + _LIST,
    "get_event": "Retrieves an event (the payload its deliveries carry).",
    "list_event_deliveries": "Lists an event's delivery attempts (status, attempt number) across endpoints."
    + _LIST,
    "resend_event": "Delivers an event again, to one endpoint or to every endpoint subscribed to it." + _WRITE,
}

EVENT_DESCRIPTIONS = {
    "resource.created": "A resource was created; data.object is the resource",
    "resource.updated": "A resource changed; data.object is the resource, data.previous_attributes the old values",
    "resource.deleted": "A resource was deleted; data.object is the resource as it was, with deleted: true "
    "and deleted_at",
    "resource.status_changed": "A resource's status changed (also sent as resource.updated); "
    "data.previous_attributes.status is the old status",
    "resource.limit_exceeded": "A resource's own configuration[rate_limit] refused a request (once per minute); "
    "data.object is the limit notice",
    "webhook_endpoint.disabled": "An endpoint was switched off after failing deliveries; data.object is the "
    "endpoint",
}

SIGNATURE_HEADERS: dict[str, tuple[bool, str, dict[str, Any]]] = {
    "webhook-id": (True, "Standard Webhooks: the event id, the same on every attempt (deduplicate on it)",
                   {"type": "string", "pattern": "^evt_[0-9a-z]{24}$"}),
    "webhook-timestamp": (True, "Standard Webhooks: Unix seconds of this attempt; refuse it if more than 5 "
                          "minutes off", {"type": "string", "pattern": "^[0-9]+$"}),
    "webhook-signature": (True, 'Standard Webhooks: space-separated `v1,<base64 HMAC-SHA256 of "{webhook-id}.'
                          '{webhook-timestamp}.{body}" keyed with the base64-decoded secret after whsec_>`, '
                          "one per secret (two during a rotation)", {"type": "string"}),
    signing.HEX_HEADER: (True, "The spec's signature: hex HMAC-SHA256 of the raw body keyed with the secret "
                         "string (whsec_...) itself. No timestamp: prefer webhook-signature",
                         {"type": "string", "pattern": "^[0-9a-f]{64}$"}),
    signing.HEX_HEADER_PREVIOUS: (False, "The same with the previous secret, during a rotation's 24 h",
                                  {"type": "string", "pattern": "^[0-9a-f]{64}$"}),
}


def _webhooks() -> dict[str, Any]:
    """OpenAPI 3.1 `webhooks`: one POST per event type, the Event as its body, the
    signature headers, and the answers the sender reads (2xx succeeds, else retried)."""
    out: dict[str, Any] = {}
    params = [
        {"in": "header", "name": name, "required": req, "description": desc, "schema": schema}
        for name, (req, desc, schema) in SIGNATURE_HEADERS.items()
    ]
    for event_type in EVENT_TYPES:
        example = {**examples.EVENT, "type": event_type}
        out[event_type] = {
            "post": {
                "operationId": "webhook_" + event_type.replace(".", "_"),
                "summary": event_type,
                "description": EVENT_DESCRIPTIONS[event_type] + ". Verify the signature over the raw body "
                "before parsing (docs/webhooks.md).",
                "tags": ["events"],
                "security": [],
                "parameters": params,
                "requestBody": {
                    "required": True,
                    "content": {JSON: {"schema": {"$ref": REF.format(model="Event")}, "example": example}},
                },
                "responses": {
                    "200": {"description": "Received: any 2xx ends the delivery"},
                    "default": {"description": "Any other answer (or none in time) is retried with backoff"},
                },
            }
        }
    return out


def _rename(node: Any) -> Any:
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str) and v.rsplit("/", 1)[-1] in RENAMES:
                v = REF.format(model=RENAMES[v.rsplit("/", 1)[-1]])
            elif k == "title" and isinstance(v, str) and v in RENAMES:
                v = RENAMES[v]
            out[k] = _rename(v)
        return out
    if isinstance(node, list):
        return [_rename(v) for v in node]
    return node


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[-1]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


INT32_MAX = 2**31 - 1


def _int64(node: Any) -> Any:
    """`format: int64` on every integer that may not fit 32 bits (Unix times, counts):
    generators otherwise pick 32-bit ints (Go's int32 `created` ends in 2038)."""
    if isinstance(node, dict):
        if node.get("type") == "integer" and "format" not in node and node.get("maximum", INT32_MAX + 1) > INT32_MAX:
            node["format"] = "int64"
        for value in node.values():
            _int64(value)
    elif isinstance(node, list):
        for value in node:
            _int64(value)
    return node


def _drop_unused(doc: dict[str, Any]) -> dict[str, Any]:
    """Leave out component schemas nothing refers to (e.g. a query model's nested filter,
    which the parameter inlines as a deepObject)."""
    comps = doc["components"]["schemas"]
    while True:
        used = _refs({k: v for k, v in doc.items() if k != "components"}) | _refs(comps)
        unused = [name for name in comps if name not in used]
        if not unused:
            return doc
        for name in unused:
            del comps[name]


@lru_cache(maxsize=1)
def _document() -> dict[str, Any]:
    comps = _Components()
    comps.add(responses.Error, mode="serialization")
    paths: dict[str, Any] = {}
    for route in routes.ROUTES:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, comps)
    comps.add(responses.Event, mode="serialization")  # the webhooks' body
    for name, example in examples.SCHEMAS.items():
        comps.schemas[name]["examples"] = [example]
    codes = "\n".join(f"- `{c}` ({s.status} {s.type})" for c, s in sorted(errors.CODES.items()))
    schemas_ = {RENAMES.get(name, name): schema for name, schema in comps.schemas.items()}
    return _int64(_drop_unused(_rename({
        "openapi": "3.1.0",
        "info": {
            "title": "Resource API",
            "version": DOCUMENT_VERSION,
            "description": "Resources with cursor pagination, idempotency keys, test and live keys, "
            f"and one error object. API version {versions.LATEST} (pin one per request with the "
            f"`{versions.HEADER}` header: {', '.join(versions.VERSIONS)}). Error codes:\n\n" + codes,
            "license": {"name": "Proprietary", "identifier": "LicenseRef-Proprietary"},
            "x-api-version": versions.LATEST,
            "x-api-versions": list(versions.VERSIONS),
        },
        "servers": [{"url": "http://127.0.0.1:8000", "description": "The local cloud (`make run`)"}],
        "security": [{"bearerAuth": []}],
        "tags": TAGS,
        "paths": paths,
        "webhooks": _webhooks(),
        "components": {
            "schemas": dict(sorted(schemas_.items())),
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A secret key: sk_test_... or sk_live_...",
                },
                "queryKey": {
                    "type": "apiKey",
                    "in": "query",
                    "name": "api_key",
                    "description": "The spec's ?api_key= (webhook routes only)",
                },
            },
            "headers": dict(sorted(HEADERS.items())),
        },
    })))


def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document (a fresh copy each call)."""
    return copy.deepcopy(_document())


# --- human docs ---------------------------------------------------------------------


def _type_of(schema: dict[str, Any], doc: dict[str, Any]) -> str:
    schema = _not_null(schema)
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    if schema.get("type") == "array":
        return f"array of {_type_of(schema.get('items', {}), doc)}"
    bounds = []
    for key, word in (("minimum", ">="), ("maximum", "<="), ("minLength", "len >="), ("maxLength", "len <=")):
        if key in schema:
            bounds.append(f"{word} {schema[key]}")
    kind = str(schema.get("type", "any"))
    return kind + (f" ({', '.join(bounds)})" if bounds else "")


def _rows(doc: dict[str, Any], schema: dict[str, Any], prefix: str = "") -> list[tuple[str, str, bool, str]]:
    if "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    required = set(schema.get("required", []))
    rows = []
    for name, prop in schema.get("properties", {}).items():
        full = f"{prefix}[{name}]" if prefix else name
        inner = _not_null(prop)
        target = doc["components"]["schemas"].get(inner.get("$ref", "").rsplit("/", 1)[-1], inner)
        if target.get("type") == "object" and target.get("properties"):
            rows.append((full, "object", name in required, prop.get("description", "")))
            rows += _rows(doc, target, full)
        else:
            rows.append((full, _type_of(prop, doc), name in required, prop.get("description", "")))
    return rows


def html_page() -> str:
    doc = _document()
    e = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<title>Resource API reference</title><style>",
        "body{font:15px/1.5 system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}",
        "code,td:first-child{font-family:ui-monospace,monospace}table{border-collapse:collapse;width:100%;",
        "margin:.5em 0 1.5em}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}",
        "th{background:#f6f6f6}.m{font-weight:bold;padding:2px 6px;border-radius:4px;background:#eef}",
        "h2{border-top:1px solid #ccc;padding-top:1em}</style></head><body>",
        "<h1>Resource API reference</h1>",
        f"<p>Version {e(doc['info']['version'])}. Machine-readable: <a href='/v1/openapi.json'>"
        "/v1/openapi.json</a> (OpenAPI 3.1). Authenticate with <code>Authorization: Bearer sk_test_...</code>. "
        "Bodies are form encoded with bracket nesting or JSON. Every error is the "
        "<a href='#errors'>error object</a>.</p><h2>Operations</h2><ul>",
    ]
    ops = [(p, m, op) for p, item in doc["paths"].items() for m, op in item.items()]
    for path, method, op in ops:
        parts.append(
            f"<li><a href='#{e(op['operationId'])}'><span class='m'>{method.upper()}</span> "
            f"<code>{e(path)}</code></a> {e(op['summary'])}</li>"
        )
    parts.append("</ul>")
    for path, method, op in ops:
        parts.append(
            f"<h2 id='{e(op['operationId'])}'><span class='m'>{method.upper()}</span> <code>{e(path)}</code></h2>"
            f"<p>{e(op['summary'])}</p>"
        )
        params = [
            (p["name"], p["in"], _type_of(p.get("schema", {}), doc), p.get("required", False), p.get("description", ""))
            for p in op["parameters"]
        ]
        if "requestBody" in op:
            schema = op["requestBody"]["content"][JSON]["schema"]
            params += [(n, "body", t, r, d) for n, t, r, d in _rows(doc, schema)]
        if params:
            parts.append("<table><tr><th>Parameter</th><th>In</th><th>Type</th><th>Required</th><th></th></tr>")
            for name, where, kind, req, desc in params:
                parts.append(
                    f"<tr><td>{e(name)}</td><td>{e(where)}</td><td>{e(kind)}</td>"
                    f"<td>{'yes' if req else ''}</td><td>{e(desc or '')}</td></tr>"
                )
            parts.append("</table>")
        parts.append("<table><tr><th>Status</th><th>Answer</th></tr>")
        for status, resp in op["responses"].items():
            schema = (resp.get("content") or {}).get(JSON, {}).get("schema", {})
            what = schema.get("$ref", "").rsplit("/", 1)[-1] or "(no body)"
            parts.append(f"<tr><td>{e(status)}</td><td>{e(what)}: {e(resp['description'])}</td></tr>")
        parts.append("</table>")
    parts.append("<h2 id='errors'>Errors</h2><p>Every failure is <code>{\"error\": {type, code, message, param, "
                 "doc_url, request_id}}</code>; each code is explained in <a href='/docs/errors.md'>errors.md</a>."
                 "</p><table><tr><th>code</th><th>type</th><th>status</th><th>meaning</th></tr>")
    for code, spec in sorted(errors.CODES.items()):
        parts.append(
            f"<tr><td><a href='/docs/errors.md#{e(code)}'>{e(code)}</a></td><td>{e(spec.type)}</td>"
            f"<td>{spec.status}</td><td>{e(spec.message)}</td></tr>"
        )
    parts.append("</table></body></html>")
    return "".join(parts)


if __name__ == "__main__":
    json.dump(document(), sys.stdout, indent=2)
    sys.stdout.write("\n")
