"""The OpenAPI document: valid, complete, served, and true to real responses."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import requests
from openapi_spec_validator import validate

from localcloud import openapi
from localcloud import openapi_examples
from resource_api import routes
from resource_api.core.errors import ApiError
from resource_api.resources import expand
from resource_api.webhooks.models import EVENT_TYPES

from . import contract


def test_document_is_valid_openapi_3_1():
    doc = openapi.document()
    assert doc["openapi"].startswith("3.1")
    validate(doc)


def test_every_route_is_documented_with_the_models_its_handler_validates():
    doc = openapi.document()
    for route in routes.ROUTES:
        op = doc["paths"][route.path][route.method.lower()]
        assert op["operationId"] == route.function
        api = route  # its declaration: what functions/<function>/handler.py serves
        if api.body_model is not None and set(api.body_model.model_fields) != {"idempotency_key"}:
            # JSON is the one documented content type (generators send what they are
            # given); the form encoding is described beside it
            content = op["requestBody"]["content"]
            assert set(content) == {"application/json"} and op["requestBody"]["x-form-encoded"] is True
            assert content["application/json"]["schema"]["$ref"].endswith("/" + api.body_model.__name__)
        elif api.body_model is not None:  # a body of nothing but the key's alias: the header says it
            assert "requestBody" not in op
        if api.query_model is not None:
            names = {p["name"].removesuffix("[]") for p in op["parameters"] if p["in"] == "query"}
            assert names == set(api.query_model.model_fields)
        assert str(route.status) in op["responses"]
        for status, resp in op["responses"].items():
            if int(status) >= 400:
                assert resp["content"]["application/json"]["schema"]["$ref"].endswith("/Error")


def test_documented_expand_paths_are_the_ones_expand_takes():
    """`expand[]` items are an enum (a generated valid request must be accepted): every
    documented path parses where it is documented; the list's paths are refused on a
    resource and the resource's on a list."""
    for on_list in (False, True):
        for path in openapi.expand_paths(on_list=on_list):
            assert expand.parse([path], on_list=on_list)
            with pytest.raises(ApiError):
                expand.parse([path], on_list=not on_list)
    doc = openapi.document()
    listed = {p["name"]: p for p in doc["paths"]["/v1/resources"]["get"]["parameters"]}["expand[]"]
    assert listed["schema"]["items"]["enum"] == openapi.expand_paths(on_list=True)
    body = doc["components"]["schemas"]["ResourceCreate"]["properties"]["expand"]
    assert body["items"]["enum"] == openapi.expand_paths(on_list=False)


def test_served_without_a_key_with_human_docs(cloud):
    resp = requests.get(f"{cloud.url}/v1/openapi.json", timeout=10)
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("application/json")
    assert resp.json() == openapi.document()
    page = requests.get(f"{cloud.url}/docs", timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    for route in routes.ROUTES:
        assert f"id='{route.function}'" in page.text
    assert "parameter_invalid" in page.text and "configuration[timeout_ms]" in page.text
    assert "<script" not in page.text and "http://" not in page.text and "https://" not in page.text


def test_real_resource_answers_match_the_document(api):
    # Given a resource made with a form body and one with JSON
    check = contract.check_response
    r = api.post("/v1/resources", data={"name": "Contract", "type": "staging", "metadata[team]": "core"})
    check("POST", "/v1/resources", r)
    rid = r.json()["id"]
    r2 = api.post("/v1/resources", json={"name": "Contract 2", "type": "production", "configuration": {"rate_limit": 5}})
    check("POST", "/v1/resources", r2)
    # When it is read, listed, changed and deleted, and errors are provoked on the way
    check("GET", "/v1/resources/{id}", api.get(f"/v1/resources/{rid}"))
    etag = api.get(f"/v1/resources/{rid}").headers["ETag"]
    check("GET", "/v1/resources/{id}", api.get(f"/v1/resources/{rid}", headers={"If-None-Match": etag}))
    check("GET", "/v1/resources", api.get("/v1/resources", params={"limit": 1}))
    check("GET", "/v1/resources", api.get("/v1/resources", params={"created[gte]": 0, "status": "pending"}))
    check("PATCH", "/v1/resources/{id}", api.patch(f"/v1/resources/{rid}", data={"name": "Renamed", "metadata": ""}))
    check("PATCH", "/v1/resources/{id}", api.patch(f"/v1/resources/{rid}", data={"status": "bogus"}))
    check("PATCH", "/v1/resources/{id}", api.patch(f"/v1/resources/{rid}", headers={"If-Match": '"' + "0" * 32 + '"'}))
    check("GET", "/v1/resources/{id}", api.get("/v1/resources/res_nothere"))
    check("GET", "/v1/resources", api.get("/v1/resources", params={"limit": 1000}))
    check("POST", "/v1/resources", api.post("/v1/resources", data="<x/>", headers={"Content-Type": "text/xml"}))
    check("DELETE", "/v1/resources/{id}", api.delete(f"/v1/resources/{rid}"))
    check("DELETE", "/v1/resources/{id}", api.delete(f"/v1/resources/{rid}"))
    anon = requests.get(api.base + "/v1/resources", timeout=10)
    check("GET", "/v1/resources", anon)


def test_every_list_route_answers_its_documented_list(api):
    # Then every parameterless list of the route table answers what the document says
    for route in routes.ROUTES:
        if route.method == "GET" and "{" not in route.path:
            contract.check_response("GET", route.path, api.get(route.path))


ROOT = Path(__file__).resolve().parents[2]
CHECKED_IN = ROOT / "openapi" / "openapi.json"


def test_checked_in_document_is_what_the_code_produces():
    """openapi/openapi.json (what SDK generators read) is `make openapi`'s output, byte for byte."""
    made = subprocess.run(
        [str(ROOT / ".venv/bin/python"), "-m", "localcloud.openapi"],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=60,
        env={**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT}/layers/shared/python"},
    ).stdout
    assert made == CHECKED_IN.read_text(), "openapi/openapi.json is stale: run `make openapi` and commit it"
    assert made.endswith("}\n")


def _redocly() -> Path:
    folder = ROOT / "openapi"
    binary = folder / "node_modules" / ".bin" / "redocly"
    if not binary.exists():  # `make test` installs it first; a bare pytest run does it here
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=folder, check=True, timeout=300)
    return binary


def test_redocly_lints_the_document_with_no_error_and_no_warning():
    """The second, independent validator (Redocly CLI, pinned in openapi/package.json) with
    its recommended ruleset (openapi/redocly.yaml)."""
    env = {**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true", "NO_COLOR": "1"}
    out = subprocess.run(
        [str(_redocly()), "lint", "--config", "redocly.yaml", "--format", "json", "openapi.json"],
        cwd=ROOT / "openapi", capture_output=True, text=True, timeout=120, env=env,
    )
    report = json.loads(out.stdout[out.stdout.index("{"):])
    problems = [(p["ruleId"], p["severity"], p["message"]) for p in report["problems"]]
    assert out.returncode == 0 and not problems, (problems[:20], out.stderr[-2000:])


def _walk(node, path=""):
    if isinstance(node, dict):
        yield path, node
        for k, v in node.items():
            yield from _walk(v, f"{path}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, f"{path}/{i}")


def test_document_has_none_of_the_generator_blockers():
    """What broke SDK generators (issue 15) stays fixed."""
    doc = openapi.document()
    comps = doc["components"]["schemas"]
    # a date is no semver; the API version is beside it
    assert re.fullmatch(r"\d+\.\d+\.\d+", doc["info"]["version"]) and doc["info"]["x-api-version"] == "2024-01-15"
    assert "Configuration" not in comps  # openapi-generator's own class name
    for path, node in _walk(doc):
        # a regex starting with / breaks the Ruby and PHP generators
        assert not str(node.get("pattern", "")).startswith("/"), path
        # anyOf/oneOf of arrays (enabled_events) broke openapi-python-client and Java
        for key in ("anyOf", "oneOf"):
            assert not any(o.get("type") == "array" or "const" in o for o in node.get(key, [])), path
    events = comps["WebhookEndpointCreate"]["properties"]["enabled_events"]
    assert events["type"] == "array" and events["items"]["enum"] == ["*", *EVENT_TYPES]
    # the body never repeats the Idempotency-Key header's name
    for item in doc["paths"].values():
        for op in item.values():
            ref = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            if ref:
                assert "idempotency_key" not in comps[ref["$ref"].rsplit("/", 1)[-1]]["properties"]
            assert op["description"] and op["tags"]
    # typed batch results and events, webhooks per event type
    body = comps["BatchOperationResult"]["properties"]["body"]["oneOf"]
    assert {o["$ref"].rsplit("/", 1)[-1] for o in body} == {"Resource", "DeletedResource", "ResourceList", "Error"}
    assert comps["Event"]["properties"]["type"]["enum"] == list(EVENT_TYPES)
    data = comps["EventData"]["properties"]["object"]
    assert data["discriminator"]["mapping"] == {
        "resource": "#/components/schemas/Resource",
        "webhook_endpoint": "#/components/schemas/WebhookEndpoint",
        "limit": "#/components/schemas/LimitNotice",
    }
    assert set(doc["webhooks"]) == set(EVENT_TYPES)
    # inline unions carry titles of their own ("Object" and "Body" are reserved or clash in PHP and Java)
    assert data["title"] == "EventDataObject"
    assert comps["BatchOperationResult"]["properties"]["body"]["title"] == "BatchOperationResultBody"
    # Unix times are 64-bit (Go's generator picks int32 for a bare integer)
    assert comps["Resource"]["properties"]["created"]["format"] == "int64"
    assert comps["WebhookReplay"]["properties"]["since"]["format"] == "int64"
    assert "format" not in comps["ResourceConfigurationParams"]["properties"]["timeout_ms"]  # bounded: int32
    assert {t["name"] for t in doc["tags"]} >= {"resources", "batch", "webhook_endpoints", "events"}


def test_headers_are_declared():
    doc = openapi.document()
    create = doc["paths"]["/v1/resources"]["post"]
    get = doc["paths"]["/v1/resources/{id}"]["get"]
    patch = doc["paths"]["/v1/resources/{id}"]["patch"]
    names = lambda op: {p["name"] for p in op["parameters"] if p["in"] == "header"}  # noqa: E731
    assert names(create) == {"Api-Version", "Idempotency-Key"}
    assert names(get) == {"Api-Version", "If-None-Match"}
    assert names(patch) == {"Api-Version", "Idempotency-Key", "If-Match"}
    assert {"Request-Id", "ETag", "Idempotent-Replayed", "X-RateLimit-Remaining"} <= set(create["responses"]["201"]["headers"])
    for status in ("409", "429", "503"):
        assert "Retry-After" in patch["responses"][status]["headers"]
    assert "Resource-RateLimit-Limit" in patch["responses"]["429"]["headers"]
    assert "ETag" in get["responses"]["304"]["headers"]


def test_examples_match_their_schemas():
    """Every example in the document is valid for its schema (Redocly checks media types;
    this checks schema-level examples too)."""
    doc = openapi.document()
    checked = 0
    for path, node in _walk(doc):
        if "example" in node and "schema" in node:
            assert not contract.schema_errors(node["schema"], node["example"]), path
            checked += 1
        if "examples" in node and isinstance(node["examples"], list) and path.startswith("/components/schemas/"):
            for example in node["examples"]:
                assert not contract.schema_errors(node, example), path
                checked += 1
    assert checked >= len(openapi_examples.SCHEMAS) + len(openapi_examples.REQUESTS)
