"""Fair delivery (issue 23 item 1): another account's webhook latency while one account's
16 endpoints point at a receiver that accepts the connection and never answers.

A fresh local cloud (4 delivery invocations at once, as the local event source mapping
runs them); account A (free plan) points 16 endpoints (resource.created) at a stalled receiver and makes
3 resources, then one every 4 s, each one 16 deliveries that would each hold a slot for the 15 s deadline;
meanwhile account B (one endpoint, a receiver that answers at once, subscribed to
resource.created) makes a resource every `--every` seconds. B's latency is from its
create's answer to the webhook's arrival. Target: p99 under 2 s. B's latency alone
(4 resources before A starts) is reported beside it (`alone_p99_ms`): the floor this
machine gives at the time, whatever A does.

    python -m bench.fairness OUT.json [--seconds 12] [--every 0.5] [--unfair]

`--unfair` turns the fairness off (no slow-attempt share, no circuit breaker:
WEBHOOK_ACCOUNT_SLOW_SLOTS=0, WEBHOOK_CIRCUIT_TIMEOUTS=0) to measure what it fixes.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TARGET_P99_MS = 2000.0


class StalledReceiver:
    """Accepts every connection, reads what is sent, never answers. Keeps each
    connection's accept time and whether the sender has closed it."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.lock = threading.Lock()
        self.connections: list[dict[str, Any]] = []  # {"at": monotonic, "closed": bool}
        self._stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/stalled"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except (TimeoutError, OSError):
                continue
            record = {"at": time.monotonic(), "closed": False, "closed_at": None}
            with self.lock:
                self.connections.append(record)
            threading.Thread(target=self._hold, args=(conn, record), daemon=True).start()

    def _hold(self, conn: socket.socket, record: dict[str, Any]) -> None:
        conn.settimeout(0.5)
        with conn:
            while not self._stop.is_set():
                try:
                    if not conn.recv(65536):
                        break  # the sender gave up (its deadline, or the account's share)
                except TimeoutError:
                    continue
                except OSError:
                    break
        record["closed_at"] = time.monotonic()
        record["closed"] = True

    def open_since(self, before: float) -> int:
        """Connections accepted before `before` (monotonic) that are still open."""
        with self.lock:
            return sum(1 for c in self.connections if c["at"] < before and not c["closed"])

    def accepted(self) -> int:
        with self.lock:
            return len(self.connections)

    def close(self) -> None:
        self._stop.set()
        self.server.close()


class FastReceiver:
    """Answers 200 at once; keeps when each resource's resource.created arrived."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                at = time.monotonic()
                try:
                    event = json.loads(body)
                    rid = event["data"]["object"]["id"]
                    with outer.lock:
                        outer.arrived.setdefault(rid, at)
                except (ValueError, KeyError, TypeError):
                    pass
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/fast"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _post(client: Any, path: str, form: list[tuple[str, str]] | dict[str, str]) -> dict[str, Any]:
    status, _, body = client.request("POST", path, form=form)
    if not 200 <= status < 300:
        raise RuntimeError(f"POST {path} answered {status}: {body}")
    return body


def run(seconds: float, every: float, unfair: bool) -> dict[str, Any]:
    from bench.client import Client
    from bench.load import LocalCloudProcess, percentiles

    if unfair:
        os.environ.update({"WEBHOOK_ACCOUNT_SLOW_SLOTS": "0", "WEBHOOK_CIRCUIT_TIMEOUTS": "0"})
    stalled, fast = StalledReceiver(), FastReceiver()
    cloud = LocalCloudProcess()
    try:
        noisy = Client(cloud.url, cloud.account("free")["keys"]["test"])
        other = Client(cloud.url, cloud.account("scale")["keys"]["test"])
        for _ in range(16):
            _post(noisy, "/v1/webhook_endpoints", [("url", stalled.url), ("enabled_events[]", "resource.created")])
        _post(other, "/v1/webhook_endpoints", [("url", fast.url), ("enabled_events[]", "resource.created")])
        # B alone first: what this machine gives with no noisy neighbour (the floor)
        alone: dict[str, float] = {}
        for i in range(4):
            alone[_post(other, "/v1/resources", {"name": f"alone {i}", "type": "staging"})["id"]] = time.monotonic()
            time.sleep(every)
        until = time.monotonic() + 30
        while time.monotonic() < until and not all(rid in fast.arrived for rid in alone):
            time.sleep(0.05)
        baseline = percentiles([fast.arrived.get(rid, until) - at for rid, at in alone.items()])
        # A's first wave: 3 resources = 48 deliveries, more than every slot (4 x 10)
        for i in range(3):
            _post(noisy, "/v1/resources", {"name": f"noisy {i}", "type": "staging"})
        deadline = time.monotonic() + 60
        while stalled.accepted() < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        sent: dict[str, float] = {}
        started = time.monotonic()
        next_noisy = started
        i = 0
        while time.monotonic() - started < seconds:
            body = _post(other, "/v1/resources", {"name": f"other {i}", "type": "staging"})
            sent[body["id"]] = time.monotonic()
            if time.monotonic() >= next_noisy:  # A goes on: 16 more stalled deliveries every 4 s
                _post(noisy, "/v1/resources", {"name": f"noisy more {i}", "type": "staging"})
                next_noisy += 4.0
            i += 1
            time.sleep(max(0.0, every - (time.monotonic() - sent[body["id"]])))
        wait_until = time.monotonic() + 45
        while time.monotonic() < wait_until:
            with fast.lock:
                if all(rid in fast.arrived for rid in sent):
                    break
            time.sleep(0.05)
        with fast.lock:
            arrived = dict(fast.arrived)
        missing = [rid for rid in sent if rid not in arrived]
        # A webhook still missing after the wait counts as the wait's length (a floor).
        latencies = [arrived[rid] - at if rid in arrived else wait_until - at for rid, at in sent.items()]
        figures = percentiles(latencies)
        diagnosis: dict[str, Any] = {}
        if missing:  # where the missing ones are: not an event yet, or not attempted
            status, _, listed = other.request("GET", "/v1/events?limit=100&type=resource.created")
            evts = listed.get("data", []) if status == 200 else []
            diagnosis["events_stored"] = len(evts)
            attempted = 0
            for e in evts:
                _, _, dl = other.request("GET", f"/v1/events/{e['id']}/deliveries")
                attempted += bool((dl or {}).get("data"))
            diagnosis["events_attempted"] = attempted
        return {
            "fairness": "off" if unfair else "on",
            "seconds": seconds,
            "alone_p50_ms": baseline["p50_ms"],
            "alone_p99_ms": baseline["p99_ms"],
            "other_account_webhooks": len(sent),
            "missing": len(missing),
            **figures,
            "max_ms": round(max(latencies) * 1000, 1) if latencies else None,
            "target_p99_ms": TARGET_P99_MS,
            "met": figures["p99_ms"] is not None and figures["p99_ms"] < TARGET_P99_MS and not missing,
            "stalled_connections": stalled.accepted(),
            **diagnosis,
        }
    finally:
        cloud.stop()
        stalled.close()
        fast.close()


TARGET = f"another account's webhook p99 < {TARGET_P99_MS / 1000:.0f} s while one stalls 16 endpoints"


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The phase's row of `make bench`'s Targets table (bench/__main__.py collects it)."""
    subject = f"fair delivery {result.get('fairness', 'on')} (bench/fairness.py)"
    if result.get("p99_ms") is None:
        why = result.get("na") or result.get("cut_off") or "not measured"
        return [{"target": TARGET, "subject": subject, "figure": why, "verdict": "n/a"}]
    missing = f", {result['missing']} missing" if result.get("missing") else ""
    figure = (f"p50 {result['p50_ms']} / p99 {result['p99_ms']} ms (max {result.get('max_ms')}) over "
              f"{result.get('other_account_webhooks')} webhooks{missing}; alone p50 {result.get('alone_p50_ms')} / "
              f"p99 {result.get('alone_p99_ms')} ms")
    return [{"target": TARGET, "subject": subject, "figure": figure, "verdict": "PASS" if result.get("met") else "FAIL"}]


def main(argv: list[str]) -> int:
    seconds = float(argv[argv.index("--seconds") + 1]) if "--seconds" in argv else 12.0
    every = float(argv[argv.index("--every") + 1]) if "--every" in argv else 0.5
    result = run(seconds, every, "--unfair" in argv)
    result["targets"] = targets(result)
    with open(argv[0], "w") as f:
        json.dump(result, f, indent=1)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
