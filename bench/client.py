"""A small keep-alive HTTP client for the local cloud (stdlib only, cheap per request)."""

from __future__ import annotations

import http.client
import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

SCENARIO_HEADER = "X-Bench-Scenario"


class Client:
    def __init__(self, url: str, key: str, timeout: float = 30.0) -> None:
        host, _, port = url.removeprefix("http://").partition(":")
        self.host, self.port, self.key, self.timeout = host, int(port or 80), key, timeout
        self.conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self.conn

    def request(
        self,
        method: str,
        path: str,
        form: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        scenario: str | None = None,
        idempotency_key: bool = False,
        body: bytes | None = None,
        json_body: Any = None,
    ) -> tuple[int, dict[str, str], Any]:
        hdrs = {"Authorization": f"Bearer {self.key}", **(headers or {})}
        if scenario:
            hdrs[SCENARIO_HEADER] = scenario
        if idempotency_key:
            hdrs["Idempotency-Key"] = str(uuid.uuid4())
        if json_body is not None:
            body = json.dumps(json_body).encode()
            hdrs["Content-Type"] = "application/json"
        elif form is not None:
            body = urlencode(form).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=hdrs)
                resp = conn.getresponse()
                payload = resp.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self.close()
                if attempt:
                    raise
        try:
            data = json.loads(payload) if payload else None
        except ValueError:
            data = payload.decode("utf-8", "replace")
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def scenario_of(function: str, event: dict[str, Any]) -> str | None:
    """The scenario label a request carried (None for events without headers)."""
    for name, value in (event.get("headers") or {}).items():
        if name.lower() == SCENARIO_HEADER.lower():
            return value
    return None


def wait_settled(client: Client, ids: list[str], timeout: float = 90.0, scenario: str | None = None) -> None:
    """Wait until provisioning has settled these resources (no longer `pending`), so that
    what is measured next runs with nothing beside it."""
    deadline = time.monotonic() + timeout
    for rid in ids:
        while time.monotonic() < deadline:
            status, _, body = client.request("GET", f"/v1/resources/{rid}", scenario=scenario)
            if 200 <= status < 300 and body.get("status") != "pending":
                break
            time.sleep(0.25)


def paced(rate: float, total: int, put: Any) -> float:
    """Open loop: call put(i, at) for i in 0..total-1 at the instants start + i/rate (each
    request's scheduled instant, from which its latency counts); returns `start`."""
    start = time.monotonic()
    for i in range(total):
        at = start + i / rate
        delay = at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        put(i, at)
    return start


def write_result(path: str, result: dict[str, Any], render: Any = None) -> int:
    """A phase's end: its figures to `path` (JSON) and, if it has them, its lines to stderr."""
    with open(path, "w") as f:
        json.dump(result, f, indent=1)
    if render is not None:
        import sys

        print(render(result), file=sys.stderr)
    return 0


def stop_workers(jobs: Any, threads: list, seconds: float, give_up: Any) -> None:
    """After a paced schedule: tell each worker to stop (a None job), wait up to `seconds`
    for what is queued, then set `give_up` (what is still unsent counts as not served)."""
    for _ in threads:
        jobs.put(None)
    deadline = time.monotonic() + seconds
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    give_up.set()


def status_of(send: Any, client: Client, *args: Any) -> int:
    """`send(client, *args)`'s HTTP status, or -1 if it raised (the connection is then dropped)."""
    try:
        return send(client, *args)
    except Exception:
        client.close()
        return -1
