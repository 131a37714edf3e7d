"""Wall-clock bounds that tests no longer assert (issue 24: no test asserts an elapsed time).

    delivery deadline  a webhook attempt against a receiver that drips its answer one
                       byte at a time ends at its deadline (the real clock and timer),
                       not when the drip ends: DEADLINE_S + at most SLACK_S
    provisioning       the README's quick start: a resource created over real HTTP on a
                       local cloud is `active` within PROVISIONING_S

    python -m bench.deadlines OUT.json [--runs N]

Writes {"delivery": ..., "provisioning": ..., "targets": [...]}; `python -m bench` adds
the targets to its table. The unit tests check the same behaviour on a manual clock
(tests/unit/test_delivery_deadline.py, tests/e2e/test_provisioning.py).
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from typing import Any

DEADLINE_S = 1.5
SLACK_S = 1.0  # the attempt may end this much after its deadline (thread wake-up, close)
PROVISIONING_S = 15.0
BODY = b"ok" * 20  # 20 s of body at one byte per half second
ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 40\r\nConnection: close\r\n\r\n" + BODY


class _Drip:
    """A receiver on 127.0.0.1 that reads a request, then sends its answer from byte
    `fast` on one byte every `drip_s` seconds."""

    def __init__(self, drip_s: float, fast: int = 0) -> None:
        self.drip_s, self.fast = drip_s, fast
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            try:
                conn.sendall(ANSWER[: self.fast])
                for i in range(self.fast, len(ANSWER)):
                    if self.stop.wait(self.drip_s):
                        return
                    conn.sendall(ANSWER[i : i + 1])
            except OSError:
                return

    def close(self) -> None:
        self.stop.set()
        self.server.close()


def delivery(runs: int) -> dict[str, Any]:
    from resource_api.events import deliveries
    from resource_api.webhooks import urlguard

    policy = urlguard.Policy(frozenset({"http"}), allow_loopback=True)
    cases = {"answer drips": 0, "body trickles": ANSWER.index(b"\r\n\r\n") + 4}
    out: dict[str, Any] = {"deadline_s": DEADLINE_S, "cases": {}}
    for name, fast in cases.items():
        receiver = _Drip(drip_s=0.5, fast=fast)
        try:
            target = urlguard.check(f"http://127.0.0.1:{receiver.port}/hook", policy)
            seconds, errors = [], set()
            for _ in range(runs):
                started = time.monotonic()
                resp = deliveries.post(target, b"{}", {"Content-Type": "application/json"}, DEADLINE_S)
                seconds.append(round(time.monotonic() - started, 3))
                errors.add(resp.error)
        finally:
            receiver.close()
        out["cases"][name] = {"seconds": seconds, "max_s": max(seconds), "errors": sorted(map(str, errors))}
    return out


def provisioning() -> dict[str, Any]:
    from bench.client import Client
    from bench.load import LocalCloudProcess

    cloud = LocalCloudProcess()
    try:
        key = cloud.account("scale")["keys"]["test"]
        client = Client(cloud.url, key)
        started = time.monotonic()
        status, _, body = client.request("POST", "/v1/resources", form={"name": "My First Resource", "type": "production"})
        if status != 201:
            return {"na": f"create answered {status}: {str(body)[:200]}"}
        polls = 0
        while time.monotonic() - started < 4 * PROVISIONING_S:
            polls += 1
            status, _, got = client.request("GET", f"/v1/resources/{body['id']}")
            if status == 200 and got["status"] == "active":
                return {"seconds": round(time.monotonic() - started, 2), "polls": polls}
            time.sleep(0.2)
        return {"seconds": None, "na": f"still {got.get('status')} after {4 * PROVISIONING_S:.0f} s"}
    finally:
        cloud.stop()


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for name, case in (result.get("delivery") or {}).get("cases", {}).items():
        ok = case["max_s"] <= DEADLINE_S + SLACK_S and case["errors"] == [f"timed out after {DEADLINE_S:.1f} s"]
        rows.append({
            "target": f"webhook attempt ends <= deadline + {SLACK_S:.0f} s", "subject": f"{DEADLINE_S} s deadline, {name}",
            "figure": f"max {case['max_s']} s of {len(case['seconds'])} ({'; '.join(case['errors'])})",
            "verdict": "PASS" if ok else "FAIL",
        })
    prov = result.get("provisioning") or {}
    seconds = prov.get("seconds")
    rows.append({
        "target": f"quick start active < {PROVISIONING_S:.0f} s", "subject": "POST /v1/resources on make run",
        "figure": f"{seconds} s ({prov.get('polls')} polls)" if seconds is not None else prov.get("na", "not measured"),
        "verdict": "n/a" if seconds is None else ("PASS" if seconds < PROVISIONING_S else "FAIL"),
    })
    return rows


def main(argv: list[str]) -> int:
    runs = int(argv[argv.index("--runs") + 1]) if "--runs" in argv else 3
    result: dict[str, Any] = {"delivery": delivery(runs)}
    with open(argv[0], "w") as f:  # what was measured so far, should the budget cut the rest
        json.dump(result, f, indent=1)
    try:
        result["provisioning"] = provisioning()
    except Exception as exc:  # noqa: BLE001 - reported as n/a, not a crash of the bench
        result["provisioning"] = {"na": f"{type(exc).__name__}: {exc}"[:300]}
    result["targets"] = targets(result)
    with open(argv[0], "w") as f:
        json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
