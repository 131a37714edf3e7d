"""The shared webhook test vectors (sdks/testdata/webhook-vectors.json) every SDK runs.

Two checks keep them honest: the committed file is what the API's own signer makes today
(regenerated and compared), and the independent `standardwebhooks` verifier agrees with every
case's expected verdict where its scheme applies (all but the legacy hex-only cases, which it
does not know: it refuses them, as every SDK does by default)."""

from __future__ import annotations

import datetime as _dt
import importlib.util
import json
import os

import pytest
import standardwebhooks.webhooks as swh
from standardwebhooks import Webhook, WebhookVerificationError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VECTORS = os.path.join(ROOT, "sdks", "testdata", "webhook-vectors.json")


def _generator():
    spec = importlib.util.spec_from_file_location("make_vectors", os.path.join(ROOT, "sdks", "testdata", "make_vectors.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _vectors() -> list[dict]:
    with open(VECTORS, encoding="utf-8") as f:
        return json.load(f)["vectors"]


def test_committed_vectors_are_what_the_signer_makes():
    with open(VECTORS, encoding="utf-8") as f:
        assert f.read() == _generator().render(), "run: PYTHONPATH=layers/shared/python python sdks/testdata/make_vectors.py"


def test_vectors_cover_the_cases_every_sdk_must_agree_on():
    names = {v["name"] for v in _vectors()}
    for required in ("missing_timestamp", "stale_timestamp", "tampered_body", "rotated_secret_old",
                     "hex_only_refused_by_default", "hex_only_opt_in"):
        assert required in names
    assert {v["expect"] for v in _vectors()} == {"accept", "reject"}


def _frozen(now: int):
    class Frozen(_dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return _dt.datetime.fromtimestamp(now, tz=tz)

    return Frozen


@pytest.mark.parametrize("vector", [v for v in _vectors() if not v["allow_hex_only"]], ids=lambda v: v["name"])
def test_independent_verifier_agrees(vector, monkeypatch):
    monkeypatch.setattr(swh, "datetime", _frozen(vector["now"]))
    verdicts = []
    for secret in vector["secrets"]:
        try:
            Webhook(secret).verify(vector["payload"], vector["headers"])
            verdicts.append("accept")
        except (WebhookVerificationError, ValueError):
            verdicts.append("reject")
    assert ("accept" if "accept" in verdicts else "reject") == vector["expect"]
