"""The environment every SDK's test.sh gets (the SDK contract): a fresh account on the
session's local cloud, the scripted stub, a real signed webhook delivery, and a set of
resources to paginate.

    SDK_API_URL          base URL of the local cloud
    SDK_API_KEY          a test-mode secret key of a fresh account (plan "scale")
    SDK_STUB_URL         the scripted stub (tests/sdks/stub.py)
    SDK_WEBHOOK_FIXTURE  a JSON file: {"payload": raw body, "headers": {lower-case name: value},
                         "secret": "whsec_...", "event_id": "evt_...", "event_type": "resource.created"}
    SDK_PAGINATION_CREATED_GTE, SDK_PAGINATION_CREATED_LTE
                         Unix seconds: the created range of the account's pagination set, which
                         holds exactly SDK_PAGINATION_COUNT resources and nothing else
    SDK_PAGINATION_COUNT 260

All of it is made once per session, before any SDK's tests run. Every resource starts a
provisioning execution and puts records on the one local event pipeline (a few a second
on a loaded machine): one shared set of 260, not 260 per SDK, keeps the pipeline short
enough for the tests that wait on an event or a delivery.
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

WAIT_S = 120.0  # a delivery takes ~1-2 s on an idle local cloud (made before anything else is)
PAGINATION_COUNT = 260  # more than 250: at 100 a page, at least 3 pages


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
def sdk_webhook(cloud, tmp_path_factory) -> dict[str, Any]:
    """The real delivery, made once per session before the SDK account holds anything, on
    an account of its own (the SDK account's writes must not reach its receiver): `path`
    of the SDK_WEBHOOK_FIXTURE file, the `delivery` in it, and that account's `api_key`.
    It may be many minutes old when an SDK verifies it: the SDKs verify it as of its own
    webhook-timestamp, and show a stale timestamp refused at the real clock separately."""
    key = cloud.new_account()["keys"]["test"]
    delivery = real_delivery(cloud.client(key))
    path = tmp_path_factory.mktemp("sdk-webhook") / "webhook.json"
    path.write_text(json.dumps(delivery, indent=2))
    return {"path": str(path), "delivery": delivery, "api_key": key}


@pytest.fixture(scope="session")
def sdk_account(cloud) -> dict[str, Any]:
    """One fresh account (plan scale) for every SDK of the session: each SDK's tests find
    what they made themselves (by id), and the shared pagination set by its created range."""
    return cloud.new_account()


def _create_resources(api: Any, count: int, name: str) -> list[dict[str, Any]]:
    """`count` resources through POST /v1/batch (100 a call), in order."""
    made: list[dict[str, Any]] = []
    while len(made) < count:
        ops = [
            {"method": "POST", "path": "/v1/resources", "body": {"name": f"{name} {len(made) + i}", "type": "development"}}
            for i in range(min(100, count - len(made)))
        ]
        resp = api.post("/v1/batch", json={"operations": ops}, timeout=120)
        assert resp.status_code == 200, resp.text
        for result in resp.json()["results"]:
            assert result["status"] == 201, result
            made.append(result["body"])
    return made


def _next_second() -> None:
    """Wait until the local cloud's clock has moved past the second of the last write: it
    runs at the wall clock's pace (whatever its offset), so > 1 s of waiting does it."""
    time.sleep(1.1)


@pytest.fixture(scope="session")
def sdk_pagination(cloud, sdk_account, sdk_webhook) -> dict[str, str]:
    """The shared pagination set: PAGINATION_COUNT resources of the SDK account in a created
    range of their own, with one resource just before the range and one just after it (so
    a filter dropped on a later page shows as an object too many). Made after the webhook
    delivery (`sdk_webhook`), so that delivery never waits behind the set's events."""
    api = cloud.client(sdk_account["keys"]["test"])
    _create_resources(api, 1, "Before the pagination set")
    _next_second()
    made = _create_resources(api, PAGINATION_COUNT, "Pagination set")
    _next_second()
    _create_resources(api, 1, "After the pagination set")
    low, high = min(r["created"] for r in made), max(r["created"] for r in made)
    window = {"created[gte]": low, "created[lte]": high}
    listed = api.get("/v1/resources", params={**window, "limit": 1})
    assert listed.status_code == 200, listed.text
    assert listed.json()["total_count"] == PAGINATION_COUNT, f"{window} holds {listed.json()['total_count']}"
    assert api.get("/v1/resources", params={"limit": 1}).json()["total_count"] == PAGINATION_COUNT + 2
    return {
        "SDK_PAGINATION_CREATED_GTE": str(low),
        "SDK_PAGINATION_CREATED_LTE": str(high),
        "SDK_PAGINATION_COUNT": str(PAGINATION_COUNT),
    }


@pytest.fixture
def sdk_env(cloud, sdk_account, sdk_stub, sdk_webhook, sdk_pagination) -> dict[str, str]:
    """The SDK_* variables for sdks/<lang>/test.sh (sdks/README.md)."""
    return {
        "SDK_API_URL": cloud.url,
        "SDK_API_KEY": sdk_account["keys"]["test"],
        "SDK_STUB_URL": sdk_stub.url,
        "SDK_WEBHOOK_FIXTURE": sdk_webhook["path"],
        **sdk_pagination,
    }
