"""Webhook endpoint URLs: made plain ASCII (IDNA host, percent-encoded path and query)
or refused with the spec's error at creation and update; a delivery to an odd URL
stored before never crashes its batch; the URL guard's errors never echo the addresses
a name resolved to (an SSRF oracle)."""

from __future__ import annotations

import json

import pytest

from resource_api.core import db, keys
from resource_api.events import attempts, deliveries
from resource_api.resources import domain as resources
from resource_api import stream
from resource_api.webhooks import urlguard, domain as webhook_endpoints
from resource_api.core.errors import ApiError
from resource_api.events.models import DeliveryListParams
from resource_api.resources.models import ResourceCreate
from resource_api.webhooks.models import WebhookEndpointCreate
from tests.reliability import apigw
from tests.unit.test_delivery_deadline import Receiver
from tests.unit.test_webhooks import PROD, _sqs_event, queue, stream_records  # noqa: F401 - fixture


@pytest.mark.parametrize(
    "url, stored",
    [
        ("https://example.com/hóok", "https://example.com/h%C3%B3ok"),
        ("https://example.com/my hooks/in?tag=a b&x=é", "https://example.com/my%20hooks/in?tag=a%20b&x=%C3%A9"),
        ("https://Bücher.example:8443/in", "https://xn--bcher-kva.example:8443/in"),
        ("https://example.com/p%C3%B3?a=%20", "https://example.com/p%C3%B3?a=%20"),  # encoded already: unchanged
        ("https://hooks.example.com/in?x=1&y=[2]", "https://hooks.example.com/in?x=1&y=[2]"),
    ],
)
def test_urls_are_made_plain_ascii(url, stored):
    assert urlguard.normalize(url) == stored
    target = urlguard.check(url, PROD, lambda h, p: ["93.184.216.34"])
    assert target.path.isascii() and target.host.isascii()
    assert urlguard.normalize(stored) == stored


@pytest.mark.parametrize(
    "url, why",
    [
        ("https://example.com/a\nb", "control characters"),
        ("https://example.com/\x00", "control characters"),
        ("https://exa mple.com/", "not a valid domain name"),
        ("https://exa<mple.com/", "not a valid domain name"),
        ("https://" + "a" * 64 + ".example/", "not a valid domain name"),
        ("https://example.com:99999/", "not a valid URL"),
    ],
)
def test_urls_that_cannot_be_made_ascii_are_refused(url, why):
    with pytest.raises(urlguard.UnsafeUrl, match=why):
        urlguard.check(url, PROD, lambda h, p: ["93.184.216.34"])


@pytest.fixture
def local(monkeypatch):
    monkeypatch.setenv("STAGE", "local")


def test_creating_and_updating_an_endpoint_stores_the_encoded_url_or_answers_400(principal, local):
    made = apigw.invoke(
        principal, "POST", "/v1/webhook_endpoints", json_body=True,
        body={"url": "http://127.0.0.1:9/hóok with space", "enabled_events": ["*"]},
    )
    assert made.status == 201 and made.body["url"] == "http://127.0.0.1:9/h%C3%B3ok%20with%20space"
    assert webhook_endpoints.load(principal.account_id, principal.mode, made.body["id"])["url"] == made.body["url"]
    updated = apigw.invoke(
        principal, "PATCH", f"/v1/webhook_endpoints/{made.body['id']}", json_body=True,
        body={"url": "http://127.0.0.1:9/naïve"},
    )
    assert updated.status == 200 and updated.body["url"] == "http://127.0.0.1:9/na%C3%AFve"
    for bad in ("http://127.0.0.1:9/a\r\nX-Injected: 1", "http://exa mple.com/"):
        refused = apigw.invoke(
            principal, "POST", "/v1/webhook_endpoints", json_body=True, body={"url": bad, "enabled_events": ["*"]}
        )
        assert refused.status == 400, refused
        assert refused.code == "webhook_url_invalid" and refused.body["error"]["param"] == "url"
        assert refused.body["error"]["type"] == "invalid_request_error"
        again = apigw.invoke(principal, "PATCH", f"/v1/webhook_endpoints/{made.body['id']}", json_body=True,
                             body={"url": bad})
        assert again.status == 400 and again.code == "webhook_url_invalid" and again.body["error"]["param"] == "url"


def _store_raw_url(ctx, endpoint_id: str, url: str) -> None:
    """An endpoint URL as an older version may have stored it (no API call takes it now)."""
    db.client().update_item(
        TableName=db.table(),
        Key=db.to_item(keys.webhook_endpoint(ctx.account_id, ctx.mode, endpoint_id)),
        UpdateExpression="SET #u = :u",
        ExpressionAttributeNames={"#u": "url"},
        ExpressionAttributeValues=db.values(u=url),
    )


def test_a_delivery_to_a_stored_odd_url_does_not_crash_the_batch(ctx, queue, local):  # noqa: F811
    receiver = Receiver()
    try:
        odd = webhook_endpoints.create(ctx, WebhookEndpointCreate(url=receiver.url("/x"), enabled_events=["*"]))
        broken = webhook_endpoints.create(ctx, WebhookEndpointCreate(url=receiver.url("/y"), enabled_events=["*"]))
        _store_raw_url(ctx, odd["id"], receiver.url("/hóok with space"))
        _store_raw_url(ctx, broken["id"], receiver.url("/a\r\nX-Injected: 1"))
        resources.create(ctx, ResourceCreate(name="Odd", type="staging"))
        stream.handle_batch(stream_records())
        records = _sqs_event(queue, 2)
        # When the batch delivers to both
        result = deliveries.handle_batch(records, remaining_ms=lambda: 60_000)
    finally:
        receiver.close()
    # Then the odd one is delivered to its encoded path, and the broken one is a
    # recorded, refused attempt (retried), not a crash of the batch
    broken_msg = next(r for r in records if json.loads(r["body"])["webhook_endpoint"] == broken["id"])
    assert result == {"batchItemFailures": [{"itemIdentifier": broken_msg["messageId"]}]}
    assert len(receiver.requests) == 1
    evt = json.loads(records[0]["body"])["event"]
    by_endpoint = {a["webhook_endpoint"]: a for a in attempts.list_for_event(ctx, evt, DeliveryListParams())["data"]}
    assert by_endpoint[odd["id"]]["status"] == "succeeded"
    assert by_endpoint[broken["id"]]["status"] == "failed"
    assert by_endpoint[broken["id"]]["error"] == "refused: the URL must not contain control characters"


def test_a_delivery_to_a_stored_odd_url_requests_the_encoded_path():
    receiver = Receiver()
    try:
        local = urlguard.Policy(frozenset({"http"}), allow_loopback=True)
        target = urlguard.check(receiver.url("/hóok with space?q=é"), local)
        assert deliveries.post(target, b"{}", {}, 5.0).status == 200
    finally:
        receiver.close()
    assert receiver.paths == ["/h%C3%B3ok%20with%20space?q=%C3%A9"]


@pytest.mark.parametrize(
    "answer", [["10.0.0.7"], ["93.184.216.34", "127.0.0.1"], ["169.254.169.254"], ["::ffff:10.0.0.7"], ["fd00::5"]]
)
def test_the_guard_never_echoes_resolved_addresses(answer):
    with pytest.raises(urlguard.UnsafeUrl) as exc:
        urlguard.check("https://hooks.example.com/x", PROD, lambda h, p: answer)
    message = str(exc.value)
    assert "hooks.example.com" in message
    for address in answer:
        assert address not in message
    # not even the kind of address it found (private, metadata, ...): one message for all
    assert message == "has a host that does not resolve to an address that may receive webhooks: hooks.example.com"


def test_the_api_error_for_a_name_resolving_inside_names_no_address(ctx, monkeypatch):
    monkeypatch.setenv("STAGE", "production")
    monkeypatch.setattr(urlguard, "resolve", lambda h, p: ["10.20.30.40"])
    with pytest.raises(ApiError) as exc:
        webhook_endpoints.create(ctx, WebhookEndpointCreate(url="https://intranet.example/hooks", enabled_events=["*"]))
    assert exc.value.code == "webhook_url_invalid" and exc.value.param == "url"
    assert "10.20.30.40" not in str(exc.value.body("req_1")) and "private" not in str(exc.value.body("req_1"))
