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


def eventually(fn: Callable[[], T | None], timeout: float = 180.0) -> T:
    """Events are made off the request path (the table's stream): wait for one. (The local
    cloud's stream processor may still be working through the other tests' hundreds of
    resources.)"""
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

    resource = client.resources.create(name="Evented", type="production")
    event = eventually(lambda: next(
        (e for e in client.events.list(type="resource.created", created={"gte": resource.created}, limit=100)
         .auto_paging_iter() if isinstance(e.data.object, example_api.Resource) and e.data.object.id == resource.id),
        None))
    assert event.type == "resource.created" and event.request is not None
    assert (event.request.id or "").startswith("req_")
    again = client.events.retrieve(event.id)
    assert isinstance(again.data.object, example_api.Resource) and again.data.object.name == "Evented"
    deliveries = eventually(lambda: client.events.list_deliveries(event.id).data or None)
    assert all(isinstance(d, example_api.DeliveryAttempt) and d.event == event.id for d in deliveries)
    resent = client.events.resend(event.id, webhook_endpoint=endpoint.id)
    assert resent.webhook_endpoints == [endpoint.id]

    gone = client.webhook_endpoints.delete(endpoint.id)
    assert gone.deleted is True


def test_auto_pagination_over_300_objects_both_ways_with_filters(client: example_api.Client) -> None:
    # Given 300 resources made in three batches of 100 (typed results)
    ids: list[str] = []
    created: list[int] = []
    for chunk in range(3):
        result = client.batch.create(operations=[
            {"method": "POST", "path": "/v1/resources", "body": {"name": f"page {chunk}-{i}", "type": "development"}}
            for i in range(100)
        ])
        assert isinstance(result, example_api.BatchResult) and result.summary.successful == 100
        for r in result.results:
            assert r.status == 201 and isinstance(r.body, example_api.Resource)
            ids.append(r.body.id)
            created.append(r.body.created)
    window: example_api.models.CreatedFilter = {"gte": min(created), "lte": max(created)}
    mine = set(ids)

    # When every page of a filtered list is walked forward (newest first)
    first = client.resources.list(limit=100, created=window)
    assert len(first.data) == 100 and first.has_more
    forward = [r.id for r in first.auto_paging_iter() if r.id in mine]
    # Then each of them comes once, in the API's order (ids sort by creation time)
    assert sorted(forward) == sorted(ids) and forward == sorted(forward, reverse=True)

    # And backward from the oldest with ending_before (the filter carried along)
    oldest = min(ids)
    back = [r.id for r in client.resources.list(limit=100, created=window, ending_before=oldest).auto_paging_iter()]
    assert [i for i in back if i in mine] == sorted(mine - {oldest}) and back == sorted(back)

    # A batch with a failing operation types the failure as the error object
    result = client.batch.create(operations=[{"method": "GET", "path": "/v1/resources/res_0000000000000000000000zz"}])
    failed = result.results[0]
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
