"""The shared webhook vectors (sdks/testdata/webhook-vectors.json), the same cases every SDK runs:
a missing or stale timestamp, a tampered body, a rotated secret, the legacy hex-only scheme."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from example_api import Webhook
from example_api.errors import SignatureVerificationError

VECTORS = os.path.join(os.path.dirname(__file__), "..", "..", "testdata", "webhook-vectors.json")

with open(VECTORS, encoding="utf-8") as _f:
    CASES: list[dict[str, Any]] = json.load(_f)["vectors"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_vector(case: dict[str, Any]) -> None:
    def verify() -> None:
        Webhook.construct_event(case["payload"], case["headers"], case["secrets"], tolerance=case["tolerance"],
                                allow_hex_only=case["allow_hex_only"], now=case["now"])

    if case["expect"] == "accept":
        verify()
    else:
        with pytest.raises(SignatureVerificationError):
            verify()
