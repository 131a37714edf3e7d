"""The webhook signing scheme (webhooks/signing.py), byte for byte: what docs/webhooks.md
promises a receiver, checked with independent code (hashlib/hmac here, the reference
`standardwebhooks` verifier in tests/unit/test_webhooks.py and the e2e suite)."""

from __future__ import annotations

import base64
import hashlib
import hmac

from standardwebhooks import Webhook

from resource_api.webhooks import signing

BODY = b'{"id":"evt_1","type":"resource.created"}'


def test_a_secret_is_whsec_and_the_base64_of_32_random_bytes():
    made = {signing.new_secret() for _ in range(20)}
    assert len(made) == 20
    for secret in made:
        assert secret.startswith("whsec_")
        assert len(base64.b64decode(secret[len("whsec_"):], validate=True)) == 32


def test_the_headers_carry_both_schemes_for_the_newest_secret_and_the_previous_one():
    new, old = signing.new_secret(), signing.new_secret()
    headers = signing.headers([new, old], "msg_1", 1_700_000_000, BODY)
    # Standard Webhooks: one v1 signature per secret, newest first, each verifiable
    signed = b"msg_1.1700000000." + BODY
    expected = [
        "v1," + base64.b64encode(hmac.new(base64.b64decode(s[6:]), signed, hashlib.sha256).digest()).decode()
        for s in (new, old)
    ]
    assert headers["webhook-signature"] == " ".join(expected)
    assert (headers["webhook-id"], headers["webhook-timestamp"]) == ("msg_1", "1700000000")
    # The spec's scheme: the hex HMAC-SHA256 of the raw body keyed with the secret string
    assert headers["Resource-Signature"] == hmac.new(new.encode(), BODY, hashlib.sha256).hexdigest()
    assert headers["Resource-Signature-Previous"] == hmac.new(old.encode(), BODY, hashlib.sha256).hexdigest()
    # And with one secret there is no previous signature
    single = signing.headers([new], "msg_1", 1_700_000_000, BODY)
    assert "Resource-Signature-Previous" not in single and len(single["webhook-signature"].split(" ")) == 1


def test_the_reference_verifier_accepts_each_secret_and_refuses_a_changed_body():
    import time

    new, old = signing.new_secret(), signing.new_secret()
    now = int(time.time())  # the verifier checks the timestamp against its own clock
    headers = signing.headers([new, old], "msg_2", now, BODY)
    for secret in (new, old):
        assert Webhook(secret).verify(BODY, headers) == {"id": "evt_1", "type": "resource.created"}
    try:
        Webhook(new).verify(BODY + b" ", headers)
    except Exception as exc:  # noqa: BLE001 - the library's verification error
        assert "signature" in str(exc).lower()
    else:
        raise AssertionError("a changed body verified")
