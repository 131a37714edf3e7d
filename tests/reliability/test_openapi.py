"""The OpenAPI document: valid, complete, served, and true to real responses."""

from __future__ import annotations

import importlib

import pytest
import requests
from openapi_spec_validator import validate

from localcloud import openapi
from resource_api import expand, routes
from resource_api.errors import ApiError

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
        api = importlib.import_module(f"functions.{route.function}.handler").api
        if api.body_model is not None:
            content = op["requestBody"]["content"]
            assert set(content) == {"application/json", "application/x-www-form-urlencoded"}
            assert content["application/json"]["schema"]["$ref"].endswith("/" + api.body_model.__name__)
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
