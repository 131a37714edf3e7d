"""The OpenAPI 3.1 document of the whole API, generated from the route table, the
request models each endpoint validates with (`api.body_model` / `api.query_model` of
functions/<function>/handler.py) and the response models of resource_api/schemas.py;
and a small self-contained HTML page of it (no CDN: the local cloud is offline).

The local cloud serves them at /v1/openapi.json and /docs; `python -m localcloud.openapi`
prints the document.
"""

from __future__ import annotations

import copy
import html
import importlib
import json
import sys
from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from resource_api import errors, expand, idempotency, models, routes, schemas, versions
from resource_api.context import REQUEST_ID_PATTERN

REF = "#/components/schemas/{model}"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def _models_of(function: str) -> tuple[type[BaseModel] | None, type[BaseModel] | None]:
    api = importlib.import_module(f"functions.{function}.handler").api
    return api.body_model, api.query_model


# What the models' own validators check beyond their type hints, so the document says
# it too (a generated valid request must be accepted): validator name -> schema patch.
METADATA_SCHEMA = {
    "type": "object",
    "maxProperties": models.METADATA_MAX_KEYS,
    "propertyNames": {"minLength": 1, "maxLength": models.METADATA_KEY_MAX, "pattern": "^[^\\[\\]]+$"},
    # numbers are taken and stored as strings (booleans are not)
    "additionalProperties": {
        "anyOf": [{"type": "string", "maxLength": models.METADATA_VALUE_MAX}, {"type": "number"}]
    },
    "description": f"Key-value pairs: at most {models.METADATA_MAX_KEYS} keys of at most "
    f"{models.METADATA_KEY_MAX} characters (no brackets), values at most {models.METADATA_VALUE_MAX}; "
    "`metadata=` (empty) clears it",
}
EVENT_TYPES_SCHEMA = {
    "anyOf": [
        {"type": "array", "const": ["*"]},
        {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"enum": list(models.EVENT_TYPES)}},
    ],
    "description": "Event types to send, or ['*'] for all",
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
                patches.setdefault(field, []).append(lambda s: {**_not_null(s), "enum": list(models.EVENT_TYPES)})
    if "idempotency_key" in model.model_fields:
        # http.py takes it only as printable ASCII, like the header
        patches.setdefault("idempotency_key", []).append(_printable)
    if "expand" in model.model_fields:
        # expand.parse takes these paths only (anything else is 400 expand_invalid)
        on_list = model is models.ListParams
        patches.setdefault("expand", []).append(lambda s: _expand_schema(s, on_list=on_list))
    return patches


def expand_paths(*, on_list: bool) -> list[str]:
    """Every path `expand[]` takes (expand.py): on a resource its own fields and its
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

    def add(self, model: type[BaseModel], mode: str = "validation") -> dict[str, Any]:
        """Put `model` (and what it refers to) in components; return a $ref to it."""
        schema = model.model_json_schema(ref_template=REF, mode=mode)
        known = _all_models(model)
        for name, sub in schema.pop("$defs", {}).items():
            self.schemas.setdefault(name, _patched(known[name], sub) if name in known else sub)
        schema = _patched(model, schema)
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


ID_BODY = "[0-9a-hjkmnp-tv-z]{24}"  # ids.py: 10 time + 14 random characters, Crockford base32
CURSORS = ("starting_after", "ending_before")


def _cursor_pattern(function: str) -> str:
    """The id pattern of the objects a list route returns (its cursors are such ids)."""
    prefix = "[a-z]+"
    data = schemas.response_model(function).model_fields.get("data")
    item = getattr(data.annotation, "__args__", [None])[0] if data is not None else None
    if item is not None and "id" in getattr(item, "model_fields", {}):
        for meta in item.model_fields["id"].metadata:
            pattern = getattr(meta, "pattern", None)
            if pattern and "_" in pattern:
                prefix = pattern.lstrip("^").split("_", 1)[0]
    return f"^{prefix}_{ID_BODY}$"


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


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {"Request-Id": {"$ref": "#/components/headers/Request-Id"}},
        "content": {JSON: {"schema": {"$ref": REF.format(model="Error")}}},
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


def _error_statuses(route: routes.Route) -> list[int]:
    statuses = [400, 401, 403, 429, 500, 503]
    if "{" in route.path:
        statuses.append(404)
    if route.method in ("POST", "PATCH", "DELETE"):
        statuses += [409, 413, 415]
    if route.method in ("PATCH", "DELETE"):
        statuses.append(412)
    return sorted(statuses)


def _links(route: routes.Route) -> dict[str, Any]:
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


def _headers(route: routes.Route) -> list[dict[str, Any]]:
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
                "description": "Replays the first response for 24 h (docs/idempotency.md)",
                "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": idempotency.MAX_LENGTH,
                    "pattern": "^[\\x20-\\x7e]+$",
                },
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


def _operation(route: routes.Route, comps: _Components) -> dict[str, Any]:
    body_model, query_model = _models_of(route.function)
    op: dict[str, Any] = {
        "operationId": route.function,
        "summary": route.summary or route.function.replace("_", " "),
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
    if body_model is not None:
        ref = comps.add(body_model)
        required = bool(body_model.model_json_schema().get("required"))
        op["requestBody"] = {
            "required": required,
            "description": "Form encoded with bracket nesting (configuration[timeout_ms]=10000) or JSON; "
            "the same validation and errors either way.",
            "content": {FORM: {"schema": ref}, JSON: {"schema": ref}},
        }
    success = comps.add(schemas.response_model(route.function), mode="serialization")
    responses: dict[str, Any] = {
        str(route.status): {
            "description": "Success",
            "headers": {"Request-Id": {"$ref": "#/components/headers/Request-Id"}},
            "content": {JSON: {"schema": success}},
        }
    }
    if route.method == "GET":
        responses["304"] = {
            "description": "Not modified (If-None-Match matched the ETag)",
            "headers": {"Request-Id": {"$ref": "#/components/headers/Request-Id"}},
        }
    for status in _error_statuses(route):
        responses[str(status)] = _error_response(ERROR_STATUSES[status])
    op["responses"] = responses
    links = _links(route)
    if links:
        responses[str(route.status)]["links"] = links
    return op


@lru_cache(maxsize=1)
def _document() -> dict[str, Any]:
    comps = _Components()
    comps.add(schemas.Error, mode="serialization")
    paths: dict[str, Any] = {}
    for route in routes.ROUTES:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, comps)
    codes = "\n".join(f"- `{c}` ({s.status} {s.type})" for c, s in sorted(errors.CODES.items()))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Resource API",
            "version": versions.LATEST,
            "description": "Resources with cursor pagination, idempotency keys, test and live keys, "
            "and one error object. Error codes:\n\n" + codes,
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(comps.schemas.items())),
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
            "headers": {
                "Request-Id": {
                    "description": "This request's id; also in error bodies and events. req_... from the "
                    "functions; API Gateway's own errors (401, 403, 404 for unknown URLs, 413, 429, 504) carry "
                    "its request id as a UUID (docs/errors.md)",
                    "required": True,
                    "schema": {"type": "string", "pattern": REQUEST_ID_PATTERN},
                }
            },
        },
    }


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
