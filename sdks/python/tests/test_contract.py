"""The SDK against the local cloud (SDK_API_URL, SDK_API_KEY): the contract flow, replays,
typed errors, pagination over more than 250 objects, webhook endpoints and events."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import pytest

import example_api
from example_api import errors

from .conftest import env

T = TypeVar("T")


def eventually(fn: Callable[[], T | None], timeout: float = 120.0) -> T:
    """Wait for what is made off the request path (provisioning, events, deliveries): the
    local cloud's pipeline may still be working through the session's other writes."""
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value is not None or time.monotonic() > deadline:
            assert value is not None, "timed out"
            return value
        time.sleep(0.2)


def test_create_retrieve_update_with_if_match_delete(client: example_api.Client) -> None:
    created = client.resources.create(
        name="SDK contract", type="staging", configuration={"timeout_ms": 10000}, metadata={"team": "sdk"})
    assert isinstance(created, example_api.Resource) and created.id.startswith("res_")
    assert created.name == "SDK contract" and created.type == "staging" and created.metadata == {"team": "sdk"}
    assert created.configuration.timeout_ms == 10000 and created.configuration.retry_count == 3
    assert created.last_response is not None and created.last_response.status == 201
    assert (created.last_response.request_id or "").startswith("req_")
    assert created.last_response.idempotent_replayed is False

    got = client.resources.retrieve(created.id, expand=["metrics"])
    assert got.id == created.id and got.metrics is not None
    # provisioning changes the resource (and its ETag) until it is active: read it after
    def active() -> example_api.Resource | None:
        r = client.resources.retrieve(created.id)
        return r if r.status == "active" else None

    plain = eventually(active)
    assert plain.last_response is not None and plain.last_response.etag
    etag = plain.last_response.etag

    updated = client.resources.update(created.id, if_match=etag, name="SDK contract v2", metadata={"env": "ci"})
    assert updated.name == "SDK contract v2" and updated.metadata == {"env": "ci"}  # replaced as a whole
    with pytest.raises(errors.ConflictError) as stale:  # the ETag read before the update no longer matches
        client.resources.update(created.id, if_match=etag, name="lost update")
    assert stale.value.http_status == 412 and stale.value.code == "precondition_failed"

    deleted = client.resources.delete(created.id)
    assert isinstance(deleted, example_api.DeletedResource) and deleted.deleted is True and deleted.id == created.id
    with pytest.raises(errors.ResourceNotFoundError):
        client.resources.retrieve(created.id)


def test_an_idempotent_replay(client: example_api.Client) -> None:
    key = f"sdk-python-{uuid.uuid4()}"
    first = client.resources.create(name="Replayed", type="development", idempotency_key=key)
    again = client.resources.create(name="Replayed", type="development", idempotency_key=key)
    assert again.id == first.id
    assert again.last_response is not None and again.last_response.idempotent_replayed is True
    with pytest.raises(errors.IdempotencyError) as reused:  # the same key with other parameters
        client.resources.create(name="Something else", type="development", idempotency_key=key)
    assert reused.value.code == "idempotency_key_reused"


def test_typed_errors_carry_code_param_and_request_id(client: example_api.Client) -> None:
    with pytest.raises(errors.ResourceNotFoundError) as missing:
        client.resources.retrieve("res_0000000000000000000000zz")
    e = missing.value
    assert e.http_status == 404 and e.type == "resource_not_found" and e.code == "resource_missing"
    assert (e.request_id or "").startswith("req_") and e.doc_url and "resource_missing" in e.doc_url
    with pytest.raises(errors.InvalidRequestError) as invalid:
        client.resources.create(name="ab", type="production")
    assert invalid.value.http_status == 400 and invalid.value.code == "parameter_invalid"
    assert invalid.value.param == "name"
    bad_key = example_api.Client(api_key="sk_test_" + "0" * 24, base_url=env("SDK_API_URL"))
    with pytest.raises(errors.AuthenticationError) as unauthenticated:
        bad_key.resources.list(limit=1)
    assert unauthenticated.value.http_status == 401


def pagination_set() -> tuple[example_api.models.CreatedFilter, int]:
    """The session's shared set (sdks/README.md): a created range holding exactly
    SDK_PAGINATION_COUNT resources, made before any SDK's tests, with others on both sides."""
    window: example_api.models.CreatedFilter = {
        "gte": int(env("SDK_PAGINATION_CREATED_GTE")), "lte": int(env("SDK_PAGINATION_CREATED_LTE"))}
    return window, int(env("SDK_PAGINATION_COUNT"))


def test_webhook_endpoints_and_events(client: example_api.Client) -> None:
    endpoint = client.webhook_endpoints.create(
        url="http://127.0.0.1:9/sdk-python", enabled_events=["resource.created"], description="SDK test")
    assert isinstance(endpoint, example_api.WebhookEndpoint) and (endpoint.secret or "").startswith("whsec_")
    assert client.webhook_endpoints.retrieve(endpoint.id).secret is None
    updated = client.webhook_endpoints.update(endpoint.id, enabled_events=["*"], status="disabled")
    assert updated.enabled_events == ["*"] and updated.status == "disabled"
    assert endpoint.id in {e.id for e in client.webhook_endpoints.list(limit=100).auto_paging_iter()}
    rotated = client.webhook_endpoints.rotate_secret(endpoint.id)
    assert rotated.secret and rotated.secret != endpoint.secret
    client.webhook_endpoints.update(endpoint.id, status="enabled")
    replay = client.webhook_endpoints.replay(endpoint.id, since=0)
    assert replay.object == "webhook_replay" and replay.webhook_endpoint == endpoint.id

    # An event of the shared pagination set: made at the start of the session, first in the
    # event pipeline's queue (an event of a resource made now would wait behind the rest).
    window, _ = pagination_set()
    event = eventually(lambda: next(iter(client.events.list(type="resource.created", created=window, limit=1)), None),
                       timeout=120)
    assert event.type == "resource.created" and event.request is not None
    assert (event.request.id or "").startswith("req_")
    again = client.events.retrieve(event.id)
    assert isinstance(again.data.object, example_api.Resource) and again.id == event.id
    assert window["gte"] <= again.data.object.created <= window["lte"]
    assert again.data.object.name == client.resources.retrieve(again.data.object.id).name
    resent = client.events.resend(event.id, webhook_endpoint=endpoint.id)
    assert resent.webhook_endpoints == [endpoint.id]
    # the resend is a delivery attempt of its own (failed: nothing listens on port 9)
    deliveries = eventually(lambda: [d for d in client.events.list_deliveries(event.id, limit=100).auto_paging_iter()
                                     if d.webhook_endpoint == endpoint.id] or None, timeout=120)
    assert all(isinstance(d, example_api.DeliveryAttempt) and d.event == event.id for d in deliveries)

    gone = client.webhook_endpoints.delete(endpoint.id)
    assert gone.deleted is True


def test_auto_pagination_over_more_than_250_objects_both_ways_with_filters(client: example_api.Client) -> None:
    # Given the shared set, and resources of the account outside its created range
    window, count = pagination_set()
    assert count > 250
    everything = client.resources.list(limit=1).total_count
    assert everything is not None and everything > count

    # When every page of the filtered list is walked forward (newest first)
    first = client.resources.list(limit=100, created=window)
    assert len(first.data) == 100 and first.has_more and first.total_count == count
    walked = list(first.auto_paging_iter())
    forward = [r.id for r in walked]
    # Then each of the set comes once, and nothing else, in the API's order (ids sort by creation time)
    assert len(forward) == len(set(forward)) == count
    assert all(window["gte"] <= r.created <= window["lte"] for r in walked)
    assert forward == sorted(forward, reverse=True)
    # over at least 3 pages, each of them filtered (a page's total_count is its filter's, not the account's)
    pages = [first]
    while (after := pages[-1].next_page()) is not None:
        pages.append(after)
    assert len(pages) >= 3 and all(p.total_count == count for p in pages)
    assert [r.id for p in pages for r in p.data] == forward

    # And backward from the oldest with ending_before (the filter carried along): every newer one, oldest first
    oldest = forward[-1]
    back = client.resources.list(limit=100, created=window, ending_before=oldest).auto_paging_iter()
    assert [r.id for r in back] == sorted(forward)[1:]

    # A batch types each result: a created Resource, and a failing operation as the error object
    result = client.batch.create(operations=[
        {"method": "POST", "path": "/v1/resources", "body": {"name": "Batched", "type": "development"}},
        {"method": "GET", "path": "/v1/resources/res_0000000000000000000000zz"},
    ])
    assert isinstance(result, example_api.BatchResult) and result.summary.successful == 1
    made, failed = result.results
    assert made.status == 201 and isinstance(made.body, example_api.Resource) and made.body.name == "Batched"
    assert failed.status == 404 and isinstance(failed.body, example_api.Error)
    assert failed.body.error.code == "resource_missing"


def test_api_version_pinning(client: example_api.Client) -> None:
    old = example_api.Client(api_key=env("SDK_API_KEY"), base_url=env("SDK_API_URL"), api_version="2023-11-01")
    page = old.resources.list(limit=1)
    assert page.last_response is not None and page.last_response.api_version == "2023-11-01"
    with pytest.raises(errors.InvalidRequestError) as too_old:  # batch exists from 2024-01-15
        old.batch.create(operations=[{"method": "GET", "path": "/v1/resources"}])
    assert too_old.value.param == "Api-Version"
    newest = old.resources.list(limit=1, api_version="2024-01-15")  # per call
    assert newest.last_response is not None and newest.last_response.api_version == "2024-01-15"
