"""The environment every SDK's test.sh gets (the SDK contract): a fresh account on the
session's local cloud, the scripted stub, and a real signed webhook delivery.

    SDK_API_URL          base URL of the local cloud
    SDK_API_KEY          a test-mode secret key of a fresh account (plan "scale")
    SDK_STUB_URL         the scripted stub (tests/sdks/stub.py)
    SDK_WEBHOOK_FIXTURE  a JSON file: {"payload": raw body, "headers": {lower-case name: value},
                         "secret": "whsec_...", "event_id": "evt_...", "event_type": "resource.created"}
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from .stub import Stub

WAIT_S = 180.0  # a delivery takes ~1-2 s on an idle local cloud; SDK tests ahead of it may leave
# hundreds of events in the stream processor's queue


@pytest.fixture(scope="session")
def sdk_stub() -> Iterator[Stub]:
    stub = Stub().start()
    yield stub
    stub.stop()


def _receive_one() -> tuple[ThreadingHTTPServer, list[tuple[dict[str, str], bytes]]]:
    """A receiver on 127.0.0.1 that keeps each delivery's raw headers and body."""
    got: list[tuple[dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            got.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, got


def real_delivery(api: Any) -> dict[str, Any]:
    """Register an endpoint on a loopback receiver, create a resource, and return the
    resource.created delivery as it arrived (raw body, headers) with the endpoint's secret."""
    server, got = _receive_one()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
        resp = api.post("/v1/webhook_endpoints", json={"url": url, "enabled_events": ["resource.created"]})
        assert resp.status_code == 201, resp.text
        endpoint = resp.json()
        created = api.post("/v1/resources", json={"name": "Webhook fixture", "type": "development"})
        assert created.status_code == 201, created.text
        deadline = time.monotonic() + WAIT_S
        resource_id = created.json()["id"]
        found = None
        while found is None and time.monotonic() < deadline:
            found = next((d for d in list(got) if json.loads(d[1])["data"]["object"]["id"] == resource_id), None)
            time.sleep(0.05)
        assert found, f"no delivery of {resource_id} to {url} within {WAIT_S} s (got {len(got)})"
        headers, body = found
        event = json.loads(body)
        # gone once captured: the SDK tests' own writes must not queue deliveries to a closed port
        assert api.delete(f"/v1/webhook_endpoints/{endpoint['id']}").status_code == 200
        return {
            "payload": body.decode("utf-8"),
            "headers": headers,
            "secret": endpoint["secret"],
            "event_id": event["id"],
            "event_type": event["type"],
        }
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def sdk_account(cloud) -> dict[str, Any]:
    """One fresh account (plan scale) for every SDK of the session: each SDK's tests find
    what they made themselves (by id, created range)."""
    return cloud.new_account()


@pytest.fixture
def sdk_env(cloud, sdk_account, sdk_stub, tmp_path) -> dict[str, str]:
    """The SDK_* variables for sdks/<lang>/test.sh. The webhook fixture is a delivery made
    for this test (its webhook-timestamp is fresh: verification has a 5 minute tolerance)."""
    # The delivery is made on an account of its own: the SDK account's writes (hundreds of
    # resources per SDK) must not reach its receiver.
    api = cloud.client(cloud.new_account()["keys"]["test"])
    fixture = tmp_path / "webhook.json"
    fixture.write_text(json.dumps(real_delivery(api), indent=2))
    return {
        "SDK_API_URL": cloud.url,
        "SDK_API_KEY": sdk_account["keys"]["test"],
        "SDK_STUB_URL": sdk_stub.url,
        "SDK_WEBHOOK_FIXTURE": str(fixture),
    }
