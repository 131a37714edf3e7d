"""API Gateway's own answers (gateway responses) are the spec's error object, as AWS
would send them: the stack's templates use variable substitution only (gateway response
templates are not VTL), and the local gateway renders its 401/403/404/413 from those very
templates by API Gateway's substitution rules (localcloud/templates.py).

Bodies between Lambda's 6 MB invoke payload limit and API Gateway's 10 MB never reach a
function: Lambda refuses the invoke and API Gateway answers 413 "Request Too Long",
re-templated as body_too_large; bodies over 10 MB are refused by API Gateway itself."""

from __future__ import annotations

import json
import re
import uuid

import pytest
import requests

from localcloud import templates
from resource_api.frame.request import REQUEST_ID_PATTERN
from resource_api.frame.gateway_responses import GATEWAY_RESPONSES, response_headers, template
from resource_api.responses import Error

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# What API Gateway's messages look like ($context.error.message) for the DEFAULT_* types.
AWS_MESSAGES = ["Unsupported Media Type", "Forbidden", "Internal server error", "Missing Authentication Token"]


# --- the templates ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(GATEWAY_RESPONSES))
def test_every_template_is_substitution_only_and_names_only_variables_api_gateway_sets(kind):
    text = template(kind, "https://docs.example.com")
    assert "#" not in text.replace("errors.md#", ""), text  # no directive (#set, #if, ...)
    assert set(templates.references(text)) <= {"context.requestId", "context.error.messageString"}, text
    assert ".replace(" not in text and "$rid" not in text


@pytest.mark.parametrize("kind", list(GATEWAY_RESPONSES))
@pytest.mark.parametrize("message", AWS_MESSAGES)
def test_every_template_renders_to_the_spec_error_object(kind, message):
    request_id = str(uuid.uuid4())
    status = 415 if kind == "DEFAULT_4XX" else 502 if kind == "DEFAULT_5XX" else None
    got_status, headers, body = templates.gateway_response(kind, request_id, status=status, message=message)
    error = Error.model_validate_json(body).error  # the spec's error object, nothing else
    code = GATEWAY_RESPONSES[kind][1]
    assert error.code == code and error.request_id == request_id == headers["Request-Id"]
    assert error.doc_url.endswith(f"/errors.md#{code}")
    if kind.startswith("DEFAULT_"):
        assert got_status == status and error.message == message  # API Gateway's own status and words
    else:
        assert got_status == GATEWAY_RESPONSES[kind][0]
    assert headers["Content-Type"] == "application/json"
    assert ("Retry-After" in headers) == (kind == "THROTTLED")


def test_the_renderer_substitutes_only_variables_as_api_gateway_does():
    found = templates.variables("UNAUTHORIZED", "abc-1")
    text = '{"id": "$context.requestId", "b": "${context.requestId}x"}'
    assert templates.render(text, found) == '{"id": "abc-1", "b": "abc-1x"}'
    assert templates.render("$context.error.messageString", found) == '"Unauthorized"'
    assert templates.render("[$context.nothing]", found) == "[]"
    # a directive is not processed: a VTL template would send its #set line as text
    vtl = '#set($rid = "req_" + $context.requestId.replace("-", ""))\n{"request_id": "$rid"}'
    with pytest.raises(json.JSONDecodeError):
        json.loads(templates.render(vtl, found))
    assert templates.mapped("'application/json'", found) == "application/json"
    assert templates.mapped("context.requestId", found) == "abc-1"


def test_the_request_id_header_maps_the_same_context_variable_as_the_body():
    for kind in GATEWAY_RESPONSES:
        assert response_headers(kind)["Request-Id"] == "context.requestId"
        assert '"request_id": "$context.requestId"' in template(kind)


# --- the local gateway answers what the templates render ---------------------------------


def assert_gateway_response(cloud, resp, kind: str) -> dict:
    """resp is exactly the gateway response `kind` as API Gateway renders the stack's template."""
    request_id = resp.headers["Request-Id"]
    assert re.fullmatch(UUID, request_id), request_id  # API Gateway's id, as it has it
    assert re.fullmatch(REQUEST_ID_PATTERN, request_id)
    status, headers, body = templates.gateway_response(
        kind, request_id, base_doc_url=f"{cloud.url}/docs", dashboard_url=cloud.dashboard_url
    )
    assert resp.status_code == status, resp.text
    assert resp.content == body
    for name, value in headers.items():
        assert resp.headers[name] == value
    error = Error.model_validate_json(resp.content).error
    assert error.request_id == request_id
    return error.model_dump()


@pytest.mark.parametrize("header", [None, "Bearer sk_test_unknown000000000000", "Basic eDp5"])
def test_401_is_the_rendered_unauthorized_response(cloud, header):
    headers = {"Authorization": header} if header else {}
    resp = requests.get(f"{cloud.url}/v1/resources", headers=headers, timeout=30)
    assert assert_gateway_response(cloud, resp, "UNAUTHORIZED")["code"] == "api_key_invalid"


def test_404_for_an_unknown_url_is_the_rendered_missing_authentication_token_response(cloud):
    resp = requests.get(f"{cloud.url}/v1/nothing_here", timeout=30)
    assert assert_gateway_response(cloud, resp, "MISSING_AUTHENTICATION_TOKEN")["code"] == "url_invalid"


def test_a_functions_error_keeps_the_functions_request_id_form(api):
    resp = api.get("/v1/resources/res_000000000000000000000000")
    assert resp.status_code == 404
    assert re.fullmatch(r"req_[0-9a-f]{32}", resp.headers["Request-Id"])
    assert resp.json()["error"]["request_id"] == resp.headers["Request-Id"]


# --- bodies over Lambda's 6 MB and over API Gateway's 10 MB -------------------------------


@pytest.mark.parametrize("megabytes", [7, 11])
def test_a_body_over_lambdas_or_api_gateways_limit_answers_413_body_too_large(cloud, api, megabytes):
    # Given a JSON body of 7 MB (over Lambda's 6 MB invoke payload, under API Gateway's
    # 10 MB) or 11 MB (over both)
    body = b'{"name": "' + b"a" * (megabytes * 1024 * 1024) + b'", "type": "staging"}'
    # When it is posted to create a resource
    resp = api.post("/v1/resources", data=body, headers={"Content-Type": "application/json"})
    # Then API Gateway answers 413 body_too_large with the error object; no function ran
    error = assert_gateway_response(cloud, resp, "REQUEST_TOO_LARGE")
    assert error["code"] == "body_too_large" and error["type"] == "invalid_request_error"
    assert api.get("/v1/resources").json()["data"] == []


def test_the_6_mb_limit_is_the_invoke_payload_not_the_body_length(api):
    # 5 MB of plain text makes an event under 6 MB: the function runs and refuses it itself
    plain = api.post("/v1/resources", data=b"name=" + b"a" * (5 * 1024 * 1024))
    assert plain.status_code == 413 and plain.json()["error"]["code"] == "body_too_large"
    assert re.fullmatch(r"req_[0-9a-f]{32}", plain.headers["Request-Id"])  # a function's answer
    # 1.2 MB of control characters is over 6 MB once escaped in the event's JSON (\u0001)
    escaped = api.post("/v1/resources", data=b"name=" + b"\x01" * (1200 * 1024))
    assert escaped.status_code == 413 and re.fullmatch(UUID, escaped.headers["Request-Id"])  # API Gateway's


def test_a_body_over_lambdas_limit_with_a_bad_key_is_401(cloud):
    # The authorizer runs before the function's invoke fails, as in API Gateway
    body = b"name=" + b"a" * (7 * 1024 * 1024)
    bad_key = {"Authorization": "Bearer sk_test_nope"}
    resp = requests.post(f"{cloud.url}/v1/resources", data=body, headers=bad_key, timeout=60)
    assert_gateway_response(cloud, resp, "UNAUTHORIZED")
