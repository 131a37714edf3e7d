"""Signing secrets are shown once: a replayed create or rotation (same Idempotency-Key)
answers the secret redacted, and the stored answer in DynamoDB never holds it. A
rotation with `expires_in=0` ends the previous secret at once (a leaked secret).

Through the route functions' real handlers (an API Gateway event, as Lambda hands it
over), on in-process moto."""

from __future__ import annotations

import json
import time

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from resource_api.core import db
from resource_api.events import deliveries, queues
from resource_api.resources import domain as resources
from resource_api.webhooks import signing, domain as webhook_endpoints
from resource_api import stream
from resource_api.resources.models import ResourceCreate
from tests.reliability import apigw
from tests.unit.test_webhooks import _sqs_event, queue, stream_records  # noqa: F401 - fixture


@pytest.fixture
def local(monkeypatch):
    monkeypatch.setenv("STAGE", "local")  # http to 127.0.0.1 is a valid endpoint URL here


def _idempotency_items() -> list[dict]:
    items = db.client().scan(TableName=db.table())["Items"]
    return [i for i in (db.from_item(raw) for raw in items) if i and i.get("entity") == "idempotency"]


def _create(principal, key: str | None = None) -> apigw.Answer:
    return apigw.invoke(
        principal, "POST", "/v1/webhook_endpoints",
        body={"url": "http://127.0.0.1:9/hooks", "enabled_events": ["*"]}, json_body=True,
        headers={"Idempotency-Key": key} if key else None,
    )


def _rotate(principal, endpoint_id: str, key: str | None = None, **body) -> apigw.Answer:
    return apigw.invoke(
        principal, "POST", f"/v1/webhook_endpoints/{endpoint_id}/rotate_secret", body=body or None,
        headers={"Idempotency-Key": key} if key else None,
    )


def test_a_replayed_create_does_not_show_the_secret_again_and_none_is_stored(principal, local):
    first = _create(principal, "create-once")
    assert first.status == 201
    secret = first.body["secret"]
    assert secret.startswith(signing.SECRET_PREFIX)
    # When the same request is replayed with its key
    again = _create(principal, "create-once")
    # Then it is the same endpoint, without the secret, and says which secret it was
    assert again.status == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.body["id"] == first.body["id"]
    assert again.body["secret"] is None
    assert again.body["secret_redacted"] == "whsec_..." + secret[-4:]
    assert {k: v for k, v in again.body.items() if k not in ("secret", "secret_redacted")} == {
        k: v for k, v in first.body.items() if k != "secret"
    }
    # And the stored answer never held it (nor its key material)
    (record,) = _idempotency_items()
    stored = json.dumps(record)
    assert secret not in stored and secret[len(signing.SECRET_PREFIX):] not in stored
    assert json.loads(record["response"]["body"])["secret"] is None
    # While the endpoint itself still signs with it
    stored_endpoint = webhook_endpoints.load(principal.account_id, principal.mode, first.body["id"])
    assert webhook_endpoints.signing_secrets(stored_endpoint) == [secret]


def test_a_replayed_rotation_does_not_show_the_new_secret_again_and_none_is_stored(principal, local):
    endpoint = _create(principal).body
    first = _rotate(principal, endpoint["id"], "rotate-once")
    assert first.status == 200 and first.body["secret"] != endpoint["secret"]
    again = _rotate(principal, endpoint["id"], "rotate-once")
    assert again.headers["idempotent-replayed"] == "true"
    assert again.body["secret"] is None and again.body["secret_redacted"] == "whsec_..." + first.body["secret"][-4:]
    assert again.body["previous_secret_expires_at"] == first.body["previous_secret_expires_at"]
    # Nothing ran twice: the secret the replay stands for still signs
    current = webhook_endpoints.load(principal.account_id, principal.mode, endpoint["id"])
    assert webhook_endpoints.signing_secrets(current) == [first.body["secret"], endpoint["secret"]]
    (record,) = _idempotency_items()
    assert first.body["secret"] not in json.dumps(record) and endpoint["secret"] not in json.dumps(record)


def _delivered_headers(ctx, queue_, endpoint_id: str) -> dict[str, str]:  # noqa: F811
    """The headers one real delivery attempt of a fresh event sends to the endpoint."""
    resources.create(ctx, ResourceCreate(name=f"Signed {time.monotonic_ns()}", type="staging"))
    stream.handle_batch(stream_records())
    (record,) = _sqs_event(queue_, 1)
    queue_.delete_message(QueueUrl=queues.queue_url(), ReceiptHandle=record["receiptHandle"])
    sent: list[tuple[bytes, dict[str, str]]] = []

    def poster(target, body, headers, seconds):
        sent.append((body, headers))
        return deliveries.Response(200, 1)

    msg = json.loads(record["body"])
    assert msg["webhook_endpoint"] == endpoint_id
    assert deliveries.deliver(msg, 1, poster).ok
    ((body, headers),) = sent
    return {**headers, "_body": body.decode()}


def _verifies(secret: str, headers: dict[str, str]) -> bool:
    body = headers["_body"]
    try:
        Webhook(secret).verify(body, {k: v for k, v in headers.items() if k != "_body"})
    except WebhookVerificationError:
        return False
    return True


def test_expires_in_zero_ends_the_previous_secret_at_once(ctx, principal, queue, local):  # noqa: F811
    endpoint = _create(principal).body
    original = endpoint["secret"]
    # A rotation with the default grace period: deliveries carry two signatures
    rotated = _rotate(principal, endpoint["id"])
    assert rotated.status == 200 and rotated.body["previous_secret_expires_at"] > time.time() + 86_000
    graced = _delivered_headers(ctx, queue, endpoint["id"])
    assert len(graced["webhook-signature"].split(" ")) == 2 and signing.HEX_HEADER_PREVIOUS in graced
    assert _verifies(rotated.body["secret"], graced) and _verifies(original, graced)
    # When the new secret leaked too and is rotated with expires_in=0
    leaked = rotated.body["secret"]
    fresh = _rotate(principal, endpoint["id"], expires_in="0")
    assert fresh.status == 200 and "previous_secret_expires_at" not in fresh.body
    # Then the next delivery carries one signature, by the fresh secret only
    after = _delivered_headers(ctx, queue, endpoint["id"])
    assert len(after["webhook-signature"].split(" ")) == 1 and signing.HEX_HEADER_PREVIOUS not in after
    assert _verifies(fresh.body["secret"], after)
    assert not _verifies(leaked, after) and not _verifies(original, after)


@pytest.mark.parametrize("value", ["-1", str(webhook_endpoints.ROTATION_GRACE_S + 1), "soon", "1.5"])
def test_expires_in_out_of_range_is_refused_with_the_param_named(principal, local, value):
    endpoint = _create(principal).body
    answer = _rotate(principal, endpoint["id"], expires_in=value)
    assert answer.status == 400
    assert answer.body["error"]["type"] == "invalid_request_error" and answer.code == "parameter_invalid"
    assert answer.body["error"]["param"] == "expires_in"
    # And nothing changed: the endpoint still signs with its one secret
    current = webhook_endpoints.load(principal.account_id, principal.mode, endpoint["id"])
    assert webhook_endpoints.signing_secrets(current) == [endpoint["secret"]]
