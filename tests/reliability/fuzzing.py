"""Schemathesis set-up shared by the bounded run in `make test` and `make fuzz`:
the schema (our OpenAPI document) pointed at the local cloud, and a form serializer
that nests with brackets (configuration[timeout_ms]=...) as Stripe-style APIs take it."""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import urlencode

import uuid
from collections.abc import MutableMapping

import requests
import schemathesis
from schemathesis import GenerationMode
from schemathesis.core import NOT_SET

from localcloud import openapi

# Examples per operation: small in `make test`, large in `make fuzz` (FUZZ_EXAMPLES).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
# The coverage phase (boundary values of every parameter, ~1,600 requests) runs in `make fuzz`.
PHASES = os.environ.get("FUZZ_PHASES", "examples,fuzzing").split(",")
# Stateful: one derandomized round of STATEFUL_RUNS scenarios of up to STATEFUL_STEPS steps
# (80-100 steps, 2-4 s). A round patches and deletes a resource it created by step 15
# (median) and 48 at the latest in 203 seeded rounds; 2 of 142 rounds of 6 scenarios
# (48-59 steps) never did, all 61 of 10 did (docs/reliability.md).
STATEFUL_STEPS = int(os.environ.get("FUZZ_STATEFUL_STEPS", "8"))
STATEFUL_RUNS = int(os.environ.get("FUZZ_STATEFUL_RUNS", "10"))


def _pairs(value: Any, prefix: str) -> list[tuple[str, str]]:
    """Form pairs of one value; None is left out (a form has no null: absent is the same)."""
    if isinstance(value, dict):
        # an empty object is left out: a form cannot say {} (`metadata=` clears, but
        # `configuration=` is invalid), and for a valid request absent is the same
        out: list[tuple[str, str]] = []
        for k, v in value.items():
            out += _pairs(v, f"{prefix}[{k}]")
        return out
    if isinstance(value, list):
        if any(isinstance(v, (dict, list)) for v in value):  # operations[0][method]=...
            return [p for i, v in enumerate(value) for p in _pairs(v, f"{prefix}[{i}]")]
        return [p for v in value for p in _pairs(v, f"{prefix}[]")]
    if value is None:
        return []
    if isinstance(value, bool):
        return [(prefix, "true" if value else "false")]
    return [(prefix, str(value))]


def form_encode(body: Any) -> bytes | str:
    """A body as a Stripe-style form: nested objects in brackets, lists as `k[]`."""
    if isinstance(body, (str, bytes)):
        return body
    if not isinstance(body, dict):
        return json.dumps(body)  # out-of-spec bodies still reach the server
    pairs: list[tuple[str, str]] = []
    for k, v in body.items():
        pairs += _pairs(v, str(k))
    return urlencode(pairs)


def json_only(doc: dict[str, Any]) -> dict[str, Any]:
    """The document with JSON request bodies only. Schemathesis flattens nested form
    bodies (configuration[timeout_ms] becomes a top-level timeout_ms) and sends null as
    "null", which is not how this API (or Stripe) reads forms; so the fuzzer sends JSON,
    and every valid JSON body is sent again as a bracket form (`form_twin`), which must
    get the same answer."""
    for item in doc["paths"].values():
        for op in item.values():
            content = op.get("requestBody", {}).get("content", {})
            content.pop("application/x-www-form-urlencoded", None)
    return doc


def schema(examples: int = EXAMPLES, phases: list[str] | None = None) -> Any:
    """The schema to parametrize tests with (the target and key are given per call)."""
    loaded = schemathesis.openapi.from_dict(json_only(openapi.document()))
    loaded.config.update(request_timeout=30)
    loaded.config.generation.update(
        max_examples=examples,
        deterministic=True,
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        # unknown parameters are negative data here (400 parameter_unknown), not positive
        allow_extra_parameters=False,
    )
    loaded.config.phases.update(phases=phases or PHASES)
    return loaded


# The stateful walk (test_fuzz.py) leaves out webhook endpoints: their chains can never
# start in the offline local cloud. A create needs a URL that is http(s) to a loopback
# address here (public names do not resolve), which generated strings never are, so every
# webhook endpoint call of the walk had a made-up id (404); they were two of its six entry
# points and took 41% of its steps, which a create -> patch -> delete chain needed.
# The operations stay in the per-operation fuzzing; events (made by resource writes) stay
# in the walk.
STATEFUL_EXCLUDED_TAGS = ("webhook_endpoints",)


def stateful_schema() -> Any:
    """The schema of the stateful walk: links between resources and events only."""
    loaded = schema(phases=["stateful"])
    for tag in STATEFUL_EXCLUDED_TAGS:
        loaded = loaded.exclude(tag=tag)
    return loaded


# Codes a schema-valid request may still earn: constraints across parameters or on the
# world that OpenAPI cannot state (starting_after with ending_before; a webhook URL
# must resolve to a public address). Expand paths are in the document (an enum).
CROSS_PARAMETER_CODES = {"parameters_exclusive", "webhook_url_invalid"}
# Operations whose validation the document cannot state in full (a webhook URL must be
# https to a public address, which needs DNS; a batch operation's path must name a
# resource route): schema-valid requests may be refused there.
SEMANTIC = {"create_webhook_endpoint", "update_webhook_endpoint", "batch"}


def positive_data_accepted(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schemathesis' positive_data_acceptance, minus CROSS_PARAMETER_CODES: a request the
    document calls valid is not refused as invalid (400/413/415)."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code not in (400, 413, 415):
        return None
    if any(info.mode.is_negative for info in meta.components.values()):
        return None
    if case.operation.definition.raw.get("operationId") in SEMANTIC:
        return None
    try:
        code = json.loads(response.content)["error"]["code"]
    except Exception:  # noqa: BLE001 - not the error object: other checks say so
        code = None
    if code in CROSS_PARAMETER_CODES:
        return None
    raise AssertionError(f"schema-valid request refused with {response.status_code} {code}: {response.content[:300]!r}")


def unique_idempotency_keys(case: Any) -> None:
    """Generated requests reuse keys ("0", "00"...) with other parameters, which is
    idempotency_key_reused by design: give each valid key one fresh value (the header
    and the body parameter the same one, as they must agree)."""
    fresh = "fuzz-" + uuid.uuid4().hex
    for holder, name in ((case.headers, "Idempotency-Key"), (case.body, "idempotency_key")):
        if isinstance(holder, MutableMapping) and isinstance(holder.get(name), str):
            value = holder[name]
            if 1 <= len(value) <= 255 and all(32 <= ord(c) < 127 for c in value):
                holder[name] = fresh


def form_twin(case: Any, resp: Any, base_url: str, headers: dict[str, str]) -> bool:
    """Send a valid JSON body again as a bracket-nested form: same status, same error
    code. Returns whether a twin was sent."""
    meta = case.meta
    if (
        meta is None
        or not meta.generation.mode.is_positive
        or any(info.mode.is_negative for info in meta.components.values())
        or not isinstance(case.body, dict)
        or case.operation.definition.raw.get("operationId") in SEMANTIC
        or resp.status_code in (409, 412, 429)  # state-dependent answers
        or resp.status_code >= 500
    ):
        return False
    sent = dict(resp.request.headers)
    sent.update(headers)
    sent["Content-Type"] = "application/x-www-form-urlencoded"
    sent.pop("Content-Length", None)
    body = dict(case.body)
    fresh = "twin-" + uuid.uuid4().hex  # its own idempotency key: a twin is another request
    if "Idempotency-Key" in sent:
        sent["Idempotency-Key"] = fresh
    if isinstance(body.get("idempotency_key"), str):
        body["idempotency_key"] = fresh
    twin = requests.request(resp.request.method, resp.request.url, data=form_encode(body), headers=sent, timeout=30)
    if twin.status_code in (409, 412, 429):
        return True
    want = (resp.status_code, _code(resp.content))
    got = (twin.status_code, _code(twin.content))
    assert got == want, f"form twin of {case.body!r} answered {got}, JSON answered {want}: {twin.text[:300]}"
    return True


def _code(content: bytes) -> str | None:
    try:
        return json.loads(content)["error"]["code"]
    except Exception:  # noqa: BLE001
        return None


# --- negative data --------------------------------------------------------------------

_COMPONENTS = openapi.document()["components"]


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = _COMPONENTS["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _wants_string(schema: dict[str, Any]) -> bool:
    schema = _resolve(schema)
    return schema.get("type") == "string" or any(_wants_string(o) for o in schema.get("anyOf", []))


def _as_the_api_reads_it(value: Any, schema: dict[str, Any]) -> Any:
    """`value` with numbers turned into strings where the schema wants a string: the
    models take numbers for strings (coerce_numbers_to_str), so that a form body (all
    strings) and a JSON body are read alike."""
    schema = _resolve(schema)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and _wants_string(schema):
        return str(value)
    options = [_resolve(o) for o in schema.get("anyOf", [])] or [schema]
    for option in options:
        if isinstance(value, dict) and option.get("type") == "object":
            props = option.get("properties", {})
            extra = option.get("additionalProperties")
            return {
                k: _as_the_api_reads_it(v, props.get(k) or (extra if isinstance(extra, dict) else {}))
                for k, v in value.items()
            }
        if isinstance(value, list) and option.get("type") == "array":
            return [_as_the_api_reads_it(v, option.get("items", {})) for v in value]
    return value


def negative_data_rejected(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schemathesis' negative_data_rejection, knowing the one leniency the API has on
    purpose (numbers for strings): a request the document calls invalid is not answered
    2xx. (412 after validation is a rejection of state, not of data: also fine.)"""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_negative or not 200 <= response.status_code < 300:
        return None
    negative = {str(loc).rsplit(".", 1)[-1].lower() for loc, info in meta.components.items() if info.mode.is_negative}
    if "path" in negative:
        raise AssertionError(f"schema-invalid path accepted with {response.status_code}")
    if "header" in negative and not _header_negative_is_absent(case):
        raise AssertionError(f"schema-invalid header accepted with {response.status_code}: {case.headers}")
    if "query" in negative and "security" not in case.operation.definition.raw:
        # (on webhook routes the mutated query value may be the ?api_key= alternative,
        # which a valid bearer key makes moot)
        raise AssertionError(f"schema-invalid query accepted with {response.status_code}: {case.query}")
    request_body = case.operation.definition.raw.get("requestBody", {})
    body_schema = request_body.get("content", {}).get("application/json", {}).get("schema")
    if body_schema is None:
        return None
    if case.body is NOT_SET:  # no body sent (the negative part was elsewhere): invalid only if required
        if request_body.get("required"):
            raise AssertionError(f"request without its required body accepted with {response.status_code}")
        return None
    from jsonschema import Draft202012Validator

    root = {**body_schema, "components": _COMPONENTS}
    read = _as_the_api_reads_it(case.body, body_schema)
    errors = list(Draft202012Validator(root).iter_errors(read))
    if errors:
        raise AssertionError(
            f"schema-invalid body accepted with {response.status_code}: {errors[0].message} in {read!r}"[:500]
        )
    return None


def _header_negative_is_absent(case: Any) -> bool:
    """The headers the document refuses are dropped ones (we send Authorization
    ourselves) or empty values, which HTTP treats as absent (an empty Api-Version means
    the default version, an empty If-Match no precondition). Headers the document takes
    may come along: a valid Api-Version next to an empty If-Match."""
    from jsonschema import Draft202012Validator

    documented = {
        p["name"].lower(): p.get("schema", {})
        for p in case.operation.definition.raw.get("parameters", [])
        if p.get("in") == "header"
    }
    for name, value in (case.headers or {}).items():
        if name.lower() == "authorization" or value == "":
            continue
        schema = documented.get(name.lower())
        if schema is None or not Draft202012Validator(schema).is_valid(value):
            return False
    return True
