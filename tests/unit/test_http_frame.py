"""The frame (resource_api.frame.http) as Lambda calls it: an API Gateway REST proxy event in,
a proxy response out, on in-process moto. What it took over from FastAPI + Mangum
(issue 16): headers read case-insensitively and from `multiValueHeaders`, base64 bodies,
routing errors, and the spec's error object with `Request-Id` for every failure, malformed
events and unhandled exceptions included."""

from __future__ import annotations

import base64
import importlib

import pytest

from tests.reliability import apigw


def handler(function: str):
    return importlib.import_module(f"functions.{function}.handler").handler


def call(function: str, evt: dict) -> apigw.Answer:
    raw = handler(function)(evt, apigw.Context(function))
    assert raw["headers"]["Request-Id"].startswith("req_")
    assert raw["isBase64Encoded"] is False
    return apigw.Answer(raw)


def test_a_base64_form_body_with_multi_value_headers_in_any_case_creates(principal):
    # Given a create whose body API Gateway passed base64-encoded, and whose headers come
    # only as multiValueHeaders with unusual capitalisation
    _, evt = apigw.event(principal, "POST", "/v1/resources", body={"name": "b64", "type": "staging"})
    evt["body"] = base64.b64encode(evt["body"].encode()).decode()
    evt["isBase64Encoded"] = True
    evt["headers"] = {}
    evt["multiValueHeaders"] = {"CONTENT-type": ["application/x-www-form-urlencoded"], "idempotency-KEY": ["k-1"]}
    # When it is served twice
    first, again = call("create_resource", evt), call("create_resource", dict(evt))
    # Then it was created once, and the retry replayed it
    assert first.status == 201 and first.body["name"] == "b64"
    assert again.body["id"] == first.body["id"] and again.headers["idempotent-replayed"] == "true"
    assert first.headers["content-type"] == "application/json" and first.headers["etag"]


def test_a_body_that_is_not_base64_gets_the_error_object(principal):
    _, evt = apigw.event(principal, "POST", "/v1/resources", body={"name": "xyz", "type": "staging"})
    evt["body"], evt["isBase64Encoded"] = "not base64!", True
    got = call("create_resource", evt)
    assert (got.status, got.code) == (400, "body_invalid")
    assert got.body["error"]["request_id"].startswith("req_")


def test_a_conditional_get_answers_304_with_no_body(principal):
    made = apigw.invoke(principal, "POST", "/v1/resources", body={"name": "conditional", "type": "staging"})
    assert made.status == 201, made
    path = f"/v1/resources/{made.body['id']}"
    tag = apigw.invoke(principal, "GET", path).headers["etag"]
    _, evt = apigw.event(principal, "GET", path, headers={"IF-NONE-MATCH": tag})
    raw = handler("get_resource")(evt, apigw.Context("get_resource"))
    assert raw["statusCode"] == 304 and raw["body"] == "" and raw["headers"]["etag"] == tag
    assert "content-type" not in raw["headers"] and raw["headers"]["Request-Id"]


@pytest.mark.parametrize(
    ("mangle", "status", "code"),
    [
        (lambda e: {**e, "httpMethod": "PUT"}, 405, "method_not_allowed"),
        (lambda e: {**e, "path": "/v1/nothing/here"}, 404, "url_invalid"),
        (lambda e: {**e, "path": "/resources/res_x"}, 404, "resource_missing"),  # execute-api: no stage prefix
        (lambda e: {**e, "pathParameters": "id"}, 500, "internal_error"),
        (lambda e: None, 404, "url_invalid"),
    ],
)
def test_routing_errors_and_malformed_events_get_the_error_object(principal, mangle, status, code):
    _, evt = apigw.event(principal, "GET", "/v1/resources/res_x")
    got = call("get_resource", mangle(evt))
    assert (got.status, got.code) == (status, code)


def test_an_unhandled_exception_is_a_500_error_object_and_a_request_line(principal, monkeypatch):
    from resource_api.frame import http
    from resource_api.resources import domain as resources

    def boom(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(resources, "retrieve", boom)
    logged: list[tuple[str, dict]] = []
    monkeypatch.setattr(http.logger, "info", lambda msg, extra=None: logged.append((msg, extra or {})))
    _, evt = apigw.event(principal, "GET", "/v1/resources/res_x")
    got = call("get_resource", evt)
    assert (got.status, got.code) == (500, "internal_error")
    # And the frame's request line (what the metrics ingestion reads) says so
    request = [extra for msg, extra in logged if msg == "request"]
    assert request and request[-1]["status"] == 500 and request[-1]["route"] == "/v1/resources/{id}"
    assert request[-1]["account_id"] == principal.account_id
