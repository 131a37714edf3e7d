"""Retries, idempotency keys and headers, against the scripted stub (SDK_STUB_URL)."""

from __future__ import annotations

import socket
from typing import Any

import pytest

import example_api
from example_api import errors

from .conftest import script

RESOURCE: dict[str, Any] = {
    "id": "res_01hq3k5v7w9x0y2z4a6b8c0d",
    "object": "resource",
    "created": 1705320000,
    "updated": 1705320000,
    "livemode": False,
    "name": "Stubbed",
    "type": "production",
    "status": "pending",
    "configuration": {"timeout_ms": 5000, "retry_count": 3, "batch_size": 100},
    "metadata": {},
}


def error(status: int, type_: str, code: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    body = {"error": {"type": type_, "code": code, "message": code, "param": "id" if status == 404 else None,
                      "doc_url": f"https://example.com/errors.md#{code}", "request_id": f"req_{code.replace('_', '')}"}}
    return {"status": status, "headers": headers or {}, "body": body}


def client_for(base_url: str, **kwargs: Any) -> example_api.Client:
    return example_api.Client(api_key="sk_test_stub", base_url=base_url, initial_retry_delay=0.01,
                              max_retry_delay=0.05, **kwargs)


def test_409_in_use_429_and_503_are_retried_with_one_key_honouring_retry_after() -> None:
    stub = script(
        error(409, "conflict_error", "idempotency_key_in_use", {"Retry-After": "0"}),
        error(429, "rate_limit_error", "rate_limited", {"Retry-After": "1"}),
        error(503, "api_error", "service_unavailable", {"Retry-After": "0"}),
        {"status": 201, "body": RESOURCE, "headers": {"Request-Id": "req_final"}},
    )
    resource = client_for(stub.base_url).resources.create(name="Stubbed", type="production")
    assert isinstance(resource, example_api.Resource) and resource.id == RESOURCE["id"]
    assert resource.last_response is not None and resource.last_response.request_id == "req_final"
    log = stub.log()
    assert [r["method"] for r in log] == ["POST"] * 4
    keys = {r["headers"]["idempotency-key"] for r in log}
    assert len(keys) == 1 and len(keys.pop()) >= 32  # one generated key, reused by every attempt
    # Retry-After: 1 after the 429 was waited for
    assert log[2]["time"] - log[1]["time"] >= 0.95


def test_5xx_without_retry_after_is_retried_with_backoff_then_raised() -> None:
    stub = script(error(500, "api_error", "internal_error"))
    with pytest.raises(errors.APIError) as caught:
        client_for(stub.base_url, max_retries=2).resources.retrieve(RESOURCE["id"])
    assert len(stub.log()) == 3  # the first attempt and two retries
    assert caught.value.http_status == 500 and caught.value.code == "internal_error"
    assert "idempotency-key" not in stub.log()[0]["headers"]  # a GET needs none


@pytest.mark.parametrize(
    ("answer", "raised"),
    [
        (error(400, "invalid_request_error", "parameter_invalid"), errors.InvalidRequestError),
        (error(401, "authentication_error", "api_key_invalid"), errors.AuthenticationError),
        (error(404, "resource_not_found", "resource_missing"), errors.ResourceNotFoundError),
        (error(412, "conflict_error", "precondition_failed"), errors.ConflictError),
        (error(409, "conflict_error", "resource_conflict", {"Retry-After": "0"}), errors.ConflictError),
        (error(429, "rate_limit_error", "rate_limited", {"Retry-After": "3600"}), errors.RateLimitError),
    ],
)
def test_no_retry(answer: dict[str, Any], raised: type[errors.ExampleApiError]) -> None:
    """400, 401, 404, 412 and other 409s are final; a Retry-After beyond the cap is not waited for."""
    stub = script(answer, {"status": 200, "body": RESOURCE})
    with pytest.raises(raised) as caught:
        client_for(stub.base_url).resources.update(RESOURCE["id"], name="Renamed", if_match='"abc"')
    assert len(stub.log()) == 1
    e = caught.value
    assert e.http_status == answer["status"] and e.code == answer["body"]["error"]["code"]
    assert e.request_id == answer["body"]["error"]["request_id"] and e.doc_url
    assert stub.log()[0]["headers"]["if-match"] == '"abc"'


def test_the_callers_idempotency_key_wins_and_every_write_has_one() -> None:
    stub = script(error(503, "api_error", "service_unavailable", {"Retry-After": "0"}),
                  {"status": 200, "body": {"id": RESOURCE["id"], "object": "resource", "deleted": True,
                                           "deleted_at": 1705320060}})
    deleted = client_for(stub.base_url).resources.delete(RESOURCE["id"], idempotency_key="order_12345_delete")
    assert isinstance(deleted, example_api.DeletedResource) and deleted.deleted is True
    assert [r["headers"]["idempotency-key"] for r in stub.log()] == ["order_12345_delete"] * 2
    assert stub.log()[0]["path"] == f"/v1/resources/{RESOURCE['id']}"


def test_connection_errors_are_retried_then_raised() -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(errors.APIConnectionError):
        client_for(f"http://127.0.0.1:{port}", max_retries=2).resources.list(limit=1)


def test_headers_and_query_as_the_api_reads_them() -> None:
    stub = script({"status": 200, "body": {"object": "list", "url": "/v1/resources", "data": [RESOURCE],
                                           "has_more": False, "total_count": 1},
                   "headers": {"Api-Version": "2023-11-01"}})
    page = client_for(stub.base_url, api_version="2023-11-01").resources.list(
        limit=5, status="active", created={"gte": 1, "lt": 9}, expand=["data.metrics"])
    sent = stub.log()[0]
    assert sent["headers"]["api-version"] == "2023-11-01"
    assert sent["headers"]["authorization"] == "Bearer sk_test_stub"
    from urllib.parse import parse_qsl

    assert sorted(parse_qsl(sent["query"])) == sorted(
        [("limit", "5"), ("status", "active"), ("created[gte]", "1"), ("created[lt]", "9"), ("expand[]", "data.metrics")])
    assert page.last_response is not None and page.last_response.api_version == "2023-11-01"
    assert [r.id for r in page.auto_paging_iter()] == [RESOURCE["id"]] and page.total_count == 1


def test_unknown_fields_and_enum_values_parse() -> None:
    newer = {**RESOURCE, "status": "hibernating", "region": "eu", "configuration": {
        **RESOURCE["configuration"], "compression": "zstd"}}
    stub = script({"status": 200, "body": newer})
    resource = client_for(stub.base_url).resources.retrieve(RESOURCE["id"])
    # (typed as the documented Literal; the value is what the API sent)
    assert str(resource.status) == "hibernating" and resource["region"] == "eu"
    assert resource.configuration.timeout_ms == 5000 and resource.configuration["compression"] == "zstd"
    assert resource.to_dict() == newer
