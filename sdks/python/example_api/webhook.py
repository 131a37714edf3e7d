"""Webhook verification: `Webhook.construct_event(payload, headers, secret)`.

A delivery carries two signatures (docs/webhooks.md):

- Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature` =
  space-separated `v1,<base64 HMAC-SHA256(base64-decoded secret after whsec_,
  "{id}.{timestamp}.{body}")>`, one per signing secret (two during a rotation);
- the spec's own: `Resource-Signature` = hex HMAC-SHA256 of the body keyed with the
  secret string itself (`Resource-Signature-Previous` with the previous secret).

With the Standard Webhooks headers present both are checked when both are sent, and the
timestamp must be within `tolerance` seconds (a replayed old delivery fails). A delivery
with only the hex signature is accepted only if `allow_hex_only=True` (it has no timestamp,
so it cannot detect replays). Comparisons are constant-time. `secret` may be a list: the
new and the old secret while you switch during a rotation.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Mapping, Sequence

from .errors import SignatureVerificationError
from ._generated.models import Event

DEFAULT_TOLERANCE_S = 300
PREFIX = "whsec_"


def _key(secret: str) -> bytes:
    try:
        return base64.b64decode(secret[len(PREFIX):] if secret.startswith(PREFIX) else secret, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureVerificationError("The secret is not a whsec_ base64 secret") from exc


class Webhook:
    @staticmethod
    def verify(
        payload: str | bytes,
        headers: Mapping[str, str],
        secret: str | Sequence[str],
        *,
        tolerance: int = DEFAULT_TOLERANCE_S,
        allow_hex_only: bool = False,
        now: float | None = None,
    ) -> None:
        """Raise SignatureVerificationError unless the delivery is authentic and fresh."""
        body = payload.encode("utf-8") if isinstance(payload, str) else bytes(payload)
        secrets = [secret] if isinstance(secret, str) else list(secret)
        if not secrets:
            raise SignatureVerificationError("No secret given")
        lower = {k.lower(): v for k, v in headers.items()}
        msg_id, stamp, signatures = lower.get("webhook-id"), lower.get("webhook-timestamp"), lower.get("webhook-signature")
        hex_sigs = [s.strip() for s in (lower.get("resource-signature"), lower.get("resource-signature-previous")) if s]
        if msg_id and stamp and signatures:
            try:
                sent_at = int(stamp)
            except ValueError as exc:
                raise SignatureVerificationError("Invalid webhook-timestamp") from exc
            current = time.time() if now is None else now
            if abs(current - sent_at) > tolerance:
                raise SignatureVerificationError("Timestamp outside the tolerance (an old or replayed delivery?)")
            signed = f"{msg_id}.{sent_at}.".encode() + body
            expected = [
                "v1," + base64.b64encode(hmac.new(_key(s), signed, hashlib.sha256).digest()).decode() for s in secrets
            ]
            given = signatures.split()
            if not any(hmac.compare_digest(g, e) for g in given for e in expected):
                raise SignatureVerificationError("No webhook-signature matches")
        elif not (allow_hex_only and hex_sigs):
            raise SignatureVerificationError("Missing webhook-id, webhook-timestamp or webhook-signature")
        if hex_sigs:
            expected_hex = [hmac.new(s.encode(), body, hashlib.sha256).hexdigest() for s in secrets]
            if not any(hmac.compare_digest(g.lower(), e) for g in hex_sigs for e in expected_hex):
                raise SignatureVerificationError("Resource-Signature does not match")

    @staticmethod
    def construct_event(
        payload: str | bytes,
        headers: Mapping[str, str],
        secret: str | Sequence[str],
        *,
        tolerance: int = DEFAULT_TOLERANCE_S,
        allow_hex_only: bool = False,
        now: float | None = None,
    ) -> Event:
        """Verify, then parse: the typed Event (event.data.object a Resource, WebhookEndpoint
        or LimitNotice by its `object`). `now` (Unix seconds) is the clock the timestamp is
        checked against: the real one unless given (e.g. to check a stored delivery)."""
        Webhook.verify(payload, headers, secret, tolerance=tolerance, allow_hex_only=allow_hex_only, now=now)
        try:
            data = json.loads(payload)
        except ValueError as exc:
            raise SignatureVerificationError("The payload is not JSON") from exc
        if not isinstance(data, dict):
            raise SignatureVerificationError("The payload is not an event")
        event: Event = Event.construct(data)
        return event
