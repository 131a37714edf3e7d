"""Webhook signatures, made afresh for every delivery attempt.

Two schemes, both over the exact bytes of the body that is sent:

- Standard Webhooks (standardwebhooks.com, what the `standardwebhooks` and `svix`
  libraries verify): `webhook-id` (the event id, the same on every retry),
  `webhook-timestamp` (Unix seconds of this attempt) and `webhook-signature`:
  `v1,<base64 HMAC-SHA256(base64-decoded secret, "{id}.{timestamp}.{body}")>`, one per
  signing secret, space-separated (two during a rotation's grace period).
- The spec's own snippet: `Resource-Signature` is the hex HMAC-SHA256 of the body keyed
  with the secret string itself (`whsec_...`), which is what the spec's `verifyWebhook`
  computes. During a rotation's grace period `Resource-Signature-Previous` carries the
  same with the previous secret. It carries no timestamp, so it cannot detect replays:
  prefer the Standard Webhooks headers.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
HEX_HEADER = "Resource-Signature"
HEX_HEADER_PREVIOUS = "Resource-Signature-Previous"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def _key(secret: str) -> bytes:
    return base64.b64decode(secret[len(SECRET_PREFIX) :] if secret.startswith(SECRET_PREFIX) else secret)


def standard_signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def hex_signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def headers(secrets_: list[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The signature headers of one attempt; `secrets_` newest first."""
    out = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(standard_signature(s, msg_id, timestamp, body) for s in secrets_),
        HEX_HEADER: hex_signature(secrets_[0], body),
    }
    if len(secrets_) > 1:
        out[HEX_HEADER_PREVIOUS] = hex_signature(secrets_[1], body)
    return out
