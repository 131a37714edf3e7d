"""Webhook verification of a real delivery (SDK_WEBHOOK_FIXTURE). The delivery is made once
per test session and may be older than the 5 minute tolerance by now: it is verified as of
its own webhook-timestamp (`now=`), and re-signed copies show what the real clock does."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

import pytest

import example_api
from example_api.errors import SignatureVerificationError


def standard_signature(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def resigned(fixture: dict[str, Any], timestamp: int) -> dict[str, str]:
    """The delivery's headers signed (correctly) at another time."""
    headers = dict(fixture["headers"])
    headers["webhook-timestamp"] = str(timestamp)
    headers["webhook-signature"] = standard_signature(fixture["secret"], headers["webhook-id"], timestamp,
                                                      fixture["payload"])
    return headers


def fresh(fixture: dict[str, Any]) -> dict[str, str]:
    """Delivered moments ago (the fixture was captured earlier in the session)."""
    return resigned(fixture, int(time.time()))


def received_at(fixture: dict[str, Any]) -> float:
    """A moment after the delivery was sent: the clock to check the delivery as it came against."""
    return int(fixture["headers"]["webhook-timestamp"]) + 5


def test_a_real_delivery_verifies_and_parses_into_a_typed_event(webhook_fixture: dict[str, Any]) -> None:
    f = webhook_fixture
    at = received_at(f)
    event = example_api.Webhook.construct_event(f["payload"], f["headers"], f["secret"], now=at)
    assert isinstance(event, example_api.Event)
    assert event.id == f["event_id"] and event.type == f["event_type"] == "resource.created"
    assert isinstance(event.data.object, example_api.Resource) and event.data.object.id.startswith("res_")
    # bytes too, and header names in any case
    upper = {k.title(): v for k, v in f["headers"].items()}
    assert example_api.Webhook.construct_event(f["payload"].encode(), upper, f["secret"], now=at).id == event.id
    # and at the real clock, signed just now (the default clock is the real one)
    assert example_api.Webhook.construct_event(f["payload"], fresh(f), f["secret"]).id == event.id


def test_a_tampered_body_fails(webhook_fixture: dict[str, Any]) -> None:
    f = webhook_fixture
    tampered = f["payload"].replace('"resource.created"', '"resource.deleted"')
    assert tampered != f["payload"]
    with pytest.raises(SignatureVerificationError, match="No webhook-signature"):  # as delivered
        example_api.Webhook.construct_event(tampered, f["headers"], f["secret"], now=received_at(f))
    with pytest.raises(SignatureVerificationError, match="No webhook-signature"):  # and signed just now
        example_api.Webhook.construct_event(tampered, fresh(f), f["secret"])


def test_an_old_timestamp_fails_even_correctly_signed(webhook_fixture: dict[str, Any]) -> None:
    f = webhook_fixture
    # the delivery itself, 10 minutes after it was sent
    with pytest.raises(SignatureVerificationError, match="olerance"):
        example_api.Webhook.construct_event(f["payload"], f["headers"], f["secret"], now=received_at(f) + 600)
    # at the real clock: signed (correctly) an hour ago
    with pytest.raises(SignatureVerificationError, match="olerance"):
        example_api.Webhook.construct_event(f["payload"], resigned(f, int(time.time()) - 3600), f["secret"])
    # a changed timestamp without a new signature fails too
    headers = dict(f["headers"], **{"webhook-timestamp": str(int(time.time()))})
    with pytest.raises(SignatureVerificationError, match="No webhook-signature"):
        example_api.Webhook.construct_event(f["payload"], headers, f["secret"])


def test_the_wrong_secret_fails_and_either_secret_passes_during_a_rotation(webhook_fixture: dict[str, Any]) -> None:
    f = webhook_fixture
    other = "whsec_" + base64.b64encode(b"x" * 32).decode()
    at = received_at(f)
    with pytest.raises(SignatureVerificationError, match="No webhook-signature"):
        example_api.Webhook.construct_event(f["payload"], f["headers"], other, now=at)
    # the receiver holds both secrets while it switches
    assert example_api.Webhook.construct_event(f["payload"], f["headers"], [other, f["secret"]], now=at).id == f["event_id"]
    # the sender signs with both during its 24 h grace: the old secret still verifies
    now = int(time.time())
    headers = dict(f["headers"])
    headers["webhook-timestamp"] = str(now)
    headers["webhook-signature"] = " ".join(
        standard_signature(s, headers["webhook-id"], now, f["payload"]) for s in (other, f["secret"]))
    headers["resource-signature"] = hmac.new(other.encode(), f["payload"].encode(), hashlib.sha256).hexdigest()
    headers["resource-signature-previous"] = f["headers"]["resource-signature"]
    assert example_api.Webhook.construct_event(f["payload"], headers, f["secret"]).id == f["event_id"]


def test_the_specs_hex_signature(webhook_fixture: dict[str, Any]) -> None:
    f = webhook_fixture
    headers = fresh(f)
    headers["resource-signature"] = "0" * 64  # right Standard Webhooks signature, wrong hex one
    with pytest.raises(SignatureVerificationError, match="Resource-Signature"):
        example_api.Webhook.construct_event(f["payload"], headers, f["secret"])
    hex_only = {"resource-signature": f["headers"]["resource-signature"]}
    with pytest.raises(SignatureVerificationError):  # no timestamp: refused unless asked for
        example_api.Webhook.construct_event(f["payload"], hex_only, f["secret"])
    assert example_api.Webhook.construct_event(f["payload"], hex_only, f["secret"], allow_hex_only=True).id
