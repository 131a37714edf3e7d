"""Writes sdks/testdata/webhook-vectors.json: the webhook verification cases every SDK runs.

The signatures come from the API's own signer (resource_api.webhooks.signing), with fixed
secrets, ids and timestamps, so the file is the same on every run (tests/sdks/test_vectors.py
regenerates it and fails on any difference). Each case:

    {"name", "payload" (the raw body), "headers" (lower-case names), "secrets" (one or more,
     all passed to the verifier), "now" (the verifier's clock, Unix seconds), "tolerance"
     (seconds, the SDK default 300), "allow_hex_only" (the one opt-in for the legacy hex
     scheme), "expect": "accept" | "reject"}

Run: PYTHONPATH=layers/shared/python python sdks/testdata/make_vectors.py
"""

from __future__ import annotations

import base64
import json
import os
import sys

from resource_api.webhooks import signing

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "webhook-vectors.json")

SECRET = "whsec_" + base64.b64encode(bytes(range(32))).decode()
OLD_SECRET = "whsec_" + base64.b64encode(bytes(range(100, 132))).decode()
OTHER_SECRET = "whsec_" + base64.b64encode(bytes(range(200, 232))).decode()
EVENT_ID = "evt_01m8h8y3phbgz0cj001dzhg3"
TS = 1795876130
PAYLOAD = json.dumps(
    {
        "id": EVENT_ID,
        "object": "event",
        "type": "resource.created",
        "created": TS,
        "api_version": "2024-01-15",
        "livemode": False,
        "data": {
            "object": {
                "id": "res_01m8h8y3phbgz0cj001dzhg3",
                "object": "resource",
                "name": "Vector résumé ✓",
                "type": "production",
                "status": "pending",
            }
        },
        "request": {"id": "req_01m8h8y3phbgz0cj001dzhg3", "idempotency_key": None},
    },
    separators=(",", ":"),
    ensure_ascii=False,
)


def signed(secrets: list[str], payload: str = PAYLOAD, ts: int = TS) -> dict[str, str]:
    return {k.lower(): v for k, v in signing.headers(secrets, EVENT_ID, ts, payload.encode()).items()}


def case(name: str, expect: str, *, headers: dict[str, str], secrets: list[str] | None = None,
         payload: str = PAYLOAD, now: int = TS, allow_hex_only: bool = False, why: str = "") -> dict:
    return {
        "name": name,
        "why": why,
        "payload": payload,
        "headers": dict(sorted(headers.items())),
        "secrets": secrets or [SECRET],
        "now": now,
        "tolerance": 300,
        "allow_hex_only": allow_hex_only,
        "expect": expect,
    }


def without(headers: dict[str, str], *names: str) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k not in names}


def vectors() -> list[dict]:
    good = signed([SECRET])
    hex_only = {"resource-signature": good["resource-signature"]}
    tampered = PAYLOAD.replace('"status":"pending"', '"status":"active"')
    rotated = signed([SECRET, OLD_SECRET])
    return [
        case("valid", "accept", headers=good, why="Standard Webhooks headers and the hex signature, fresh"),
        case("valid_standard_only", "accept", headers=without(good, "resource-signature"),
             why="Standard Webhooks headers alone"),
        case("tolerance_edge_old", "accept", headers=good, now=TS + 300, why="exactly the tolerance old"),
        case("tolerance_edge_new", "accept", headers=good, now=TS - 300, why="exactly the tolerance ahead"),
        case("stale_timestamp", "reject", headers=good, now=TS + 301, why="a captured delivery replayed later"),
        case("future_timestamp", "reject", headers=good, now=TS - 301, why="a timestamp too far ahead"),
        case("tampered_body", "reject", headers=good, payload=tampered, why="body changed after signing"),
        case("wrong_secret", "reject", headers=good, secrets=[OTHER_SECRET], why="signed with another secret"),
        case("missing_timestamp", "reject", headers=without(good, "webhook-timestamp"),
             why="no timestamp: replay protection impossible"),
        case("missing_id", "reject", headers=without(good, "webhook-id"), why="no webhook-id"),
        case("malformed_timestamp", "reject", headers={**good, "webhook-timestamp": "17958761x0"},
             why="timestamp not an integer"),
        case("no_v1_signature", "reject", headers={**good, "webhook-signature": good["webhook-signature"].replace("v1,", "v2,")},
             why="only an unknown signature version"),
        case("hex_only_refused_by_default", "reject", headers=hex_only,
             why="only the legacy hex Resource-Signature: no timestamp, refused unless opted in"),
        case("hex_only_opt_in", "accept", headers=hex_only, allow_hex_only=True,
             why="the legacy hex scheme, explicitly allowed"),
        case("hex_only_opt_in_tampered", "reject", headers=hex_only, payload=tampered, allow_hex_only=True,
             why="the legacy hex scheme still checks the body"),
        case("hex_only_opt_in_wrong_secret", "reject", headers=hex_only, secrets=[OTHER_SECRET], allow_hex_only=True,
             why="the legacy hex scheme still checks the secret"),
        case("rotated_secret_new", "accept", headers=rotated, secrets=[SECRET],
             why="during a rotation, verified with the new secret"),
        case("rotated_secret_old", "accept", headers=rotated, secrets=[OLD_SECRET],
             why="during a rotation, verified with the old secret"),
        case("rotated_secret_both", "accept", headers=rotated, secrets=[OTHER_SECRET, OLD_SECRET],
             why="several secrets given: one matching is enough"),
        case("rotated_secret_stale", "reject", headers=rotated, secrets=[OLD_SECRET], now=TS + 3600,
             why="a rotation does not relax the timestamp"),
    ]


def render() -> str:
    return json.dumps({"vectors": vectors()}, indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    with open(OUT if len(sys.argv) < 2 else sys.argv[1], "w", encoding="utf-8") as f:
        f.write(render())
