"""Phase: the spec's latency table under the spec's load (issue 20 item 4).

A paced open-loop mix at 10,000 requests a minute (167/s): 60% get, 20% list, 10%
create, 7% update, 3% delete, against a local cloud (`python -m localcloud`, its own
moto server) over real HTTP. Requests are scheduled at fixed intervals and latency
counts from the scheduled instant, so a server that falls behind shows it (no
coordinated omission). The order of the mix is a fixed shuffle of 100 slots.

Printed per endpoint beside the spec's P50/P95/P99 and an estimate on paper of the same
request deployed (bench/mix.py AWS_PAPER, docs/performance.md): the CPU seconds of the
local cloud's processes (gateway + functions + pollers; moto server) per request are
measured too, since on a shared machine CPU time says more than wall clock. Every
create starts a provisioning execution and every write its events and metrics, which
run beside the mix as they would deployed.

    python -m bench.mix OUT.json [--seconds S] [--rate R]
"""

from __future__ import annotations

import json
import os
import queue
import random
import sys
import threading
import time
from typing import Any

from bench.client import Client, paced, status_of, stop_workers, write_result
from bench.load import LocalCloudProcess, percentiles, process_cpu

RATE = 10_000 / 60
SETTLE_S = 25
MIX = {"get": 60, "list": 20, "create": 10, "update": 7, "delete": 3}
# The spec's table (shared/spec/resource-api.md, "Performance"): P50/P95/P99 ms.
SPEC_MS = {
    "list": (45, 120, 250),
    "get": (23, 67, 145),
    "create": (67, 189, 420),
    "update": (54, 156, 340),
    "delete": (31, 89, 180),
}
# The same request deployed, on paper (docs/performance.md "The mix on AWS, on paper"):
# API Gateway's added latency + the Lambda invoke + our handler's compute + the
# DynamoDB calls in sequence (bench/roundtrips.py's counts) at DynamoDB's typical
# single-digit-millisecond latency. Typical (p50) milliseconds.
APIGW_MS = 10.0  # REST API integration overhead, typical
LAMBDA_INVOKE_MS = 2.0  # warm invoke overhead
DDB_READ_MS = 4.0  # GetItem / Query, in-region, typical
DDB_WRITE_MS = 6.0  # UpdateItem / PutItem
DDB_TRANSACT_MS = 12.0  # TransactWriteItems (two-phase: about twice a single write)
CALLS = {  # sequential DynamoDB calls per request, warm container (bench/roundtrips.py)
    "get": {"read": 1},
    "list": {"read": 2},
    "create": {"write": 1, "transact": 1},  # idempotency lock, then the transaction
    "update": {"write": 1, "transact": 1},
    "delete": {"write": 1, "transact": 1},
}
HANDLER_MS = {"get": 3.0, "list": 5.0, "create": 6.0, "update": 6.0, "delete": 5.0}  # 1,769 MB, bench/cpu.py


def aws_paper_ms(endpoint: str) -> float:
    c = CALLS[endpoint]
    ddb = c.get("read", 0) * DDB_READ_MS + c.get("write", 0) * DDB_WRITE_MS + c.get("transact", 0) * DDB_TRANSACT_MS
    return round(APIGW_MS + LAMBDA_INVOKE_MS + HANDLER_MS[endpoint] + ddb, 1)


def schedule(seed: int = 20) -> list[str]:
    slots = [name for name, n in MIX.items() for _ in range(n)]
    random.Random(seed).shuffle(slots)
    return slots


def run(seconds: float, rate: float, out_path: str | None = None, workers: int = 32) -> dict[str, Any]:
    from localcloud import httpheaders

    httpheaders.install()
    cloud = LocalCloudProcess()
    try:
        key = cloud.account("enterprise")["keys"]["test"]
        seed = Client(cloud.url, key, timeout=120)
        total = int(rate * seconds)
        deletes = sum(1 for i in range(total) if schedule()[i % 100] == "delete")

        def make(n: int, label: str) -> list[str]:
            out = []
            for b in range(0, n, 100):
                ops = [{"method": "POST", "path": "/v1/resources", "body": {"name": f"{label} {b + i}", "type": "production"}}
                       for i in range(min(100, n - b))]
                status, _, body = seed.request("POST", "/v1/batch", json_body={"operations": ops})
                if status != 200:
                    raise RuntimeError(f"seeding: batch answered {status}: {str(body)[:300]}")
                out += [r["body"]["id"] for r in body["results"] if r["status"] == 201]
            return out

        readable = make(40, "mix")
        doomed = make(deletes + 5, "mix doomed")
        # The measured window starts with the seeds' provisioning over (as in bench/load.py),
        # or after SETTLE_S at most (a loaded machine: then some of it runs beside the mix).
        deadline = time.monotonic() + SETTLE_S
        while time.monotonic() < deadline:
            status, _, body = seed.request("GET", "/v1/resources?status=pending&limit=1")
            if status == 200 and not body.get("total_count"):
                break
            time.sleep(0.5)
        seed.close()
        doomed_q: queue.Queue = queue.Queue()
        for rid in doomed:
            doomed_q.put(rid)

        def send(client: Client, op: str, i: int) -> int:
            if op == "get":
                return client.request("GET", f"/v1/resources/{readable[i % len(readable)]}")[0]
            if op == "list":
                return client.request("GET", "/v1/resources?limit=20")[0]
            if op == "create":
                return client.request("POST", "/v1/resources", form={"name": f"mix create {i}", "type": "production"},
                                      idempotency_key=True)[0]
            if op == "update":
                return client.request("PATCH", f"/v1/resources/{readable[i % len(readable)]}",
                                      form={"metadata[run]": str(i)}, idempotency_key=True)[0]
            return client.request("DELETE", f"/v1/resources/{doomed_q.get_nowait()}", idempotency_key=True)[0]

        slots = schedule()
        jobs: queue.Queue = queue.Queue()
        lock = threading.Lock()
        lat: dict[str, list[float]] = {k: [] for k in MIX}
        codes: dict[str, dict[str, int]] = {k: {} for k in MIX}
        give_up = threading.Event()

        def worker() -> None:
            client = Client(cloud.url, key)
            try:
                while not give_up.is_set():
                    job = jobs.get()
                    if job is None:
                        break
                    i, op, at = job
                    status = status_of(send, client, op, i)
                    done = time.monotonic()
                    with lock:
                        codes[op][str(status)] = codes[op].get(str(status), 0) + 1
                        if 200 <= status < 300:
                            lat[op].append(done - at)
            finally:
                client.close()

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(workers)]
        for t in threads:
            t.start()
        pid = cloud.proc.pid
        cpu_before = process_cpu(pid)
        load_before = _load()
        start = paced(rate, total, lambda i, at: jobs.put((i, slots[i % 100], at)))
        stop_workers(jobs, threads, seconds, give_up)
        elapsed = time.monotonic() - start
        cpu_after = process_cpu(pid)
        with lock:
            served = sum(sum(c.values()) for c in codes.values())
            ok = sum(len(v) for v in lat.values())
            endpoints = {}
            for op in MIX:
                p = percentiles(lat[op])
                spec = SPEC_MS[op]
                endpoints[op] = {
                    **p,
                    "ok": len(lat[op]),
                    "statuses": dict(sorted(codes[op].items())),
                    "spec_ms": {"p50": spec[0], "p95": spec[1], "p99": spec[2]},
                    "within_spec_p99": p["p99_ms"] is not None and p["p99_ms"] <= spec[2],
                    "aws_paper_p50_ms": aws_paper_ms(op),
                }
        cpu_s = {k: round(cpu_after[k] - cpu_before.get(k, 0.0), 2) for k in cpu_after}
        out = {
            "mode": f"open loop paced at {rate:.0f}/s for {seconds:g} s ({workers} workers), mix {MIX}",
            "requests": total,
            "ok": ok,
            "not_served": total - served,
            "rps": round(ok / elapsed, 1),
            "elapsed_s": round(elapsed, 1),
            "load_average": load_before,
            "load_average_after": _load(),
            "endpoints": endpoints,
            "all_within_spec_p99": all(e["within_spec_p99"] for e in endpoints.values()),
            "server_cpu_s": cpu_s,
            "server_cpu_ms_per_request": {k: round(v * 1000 / max(1, ok), 1) for k, v in cpu_s.items()},
            "server_cpu_cores_used": round(sum(cpu_s.values()) / elapsed, 2),
        }
        if out_path:
            with open(out_path, "w") as f:
                json.dump(out, f)
        return out
    finally:
        cloud.stop()


def _load() -> str:
    try:
        return "/".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def render(result: dict[str, Any]) -> str:
    lines = [f"mix: {result['mode']}; {result['ok']}/{result['requests']} ok at {result['rps']}/s, "
             f"load {result['load_average']}; server CPU ms/request {result['server_cpu_ms_per_request']}",
             f"{'endpoint':8} {'p50':>7} {'p95':>7} {'p99':>7}   spec p50/p95/p99   AWS p50 (paper)"]
    for op, e in result["endpoints"].items():
        s = e["spec_ms"]
        lines.append(f"{op:8} {e['p50_ms']!s:>7} {e['p95_ms']!s:>7} {e['p99_ms']!s:>7}   "
                     f"{s['p50']:>4}/{s['p95']}/{s['p99']:<4}        {e['aws_paper_p50_ms']}")
    return "\n".join(lines)


TARGET = f"the mix at {RATE:.0f}/s: every endpoint's p99 inside the spec's"


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The phase's row of `make bench`'s Targets table (bench/__main__.py collects it)."""
    if not result.get("endpoints"):
        why = result.get("na") or result.get("cut_off") or "not measured"
        return [{"target": TARGET, "subject": "get, list, create, update, delete", "figure": why, "verdict": "n/a"}]
    ends = result["endpoints"]
    outside = [op for op, e in ends.items() if not e["within_spec_p99"]]
    figure = (f"{result['rps']}/s served ({result['ok']}/{result['requests']} ok); p99 "
              + ", ".join(f"{op} {e['p99_ms']} ms (spec {e['spec_ms']['p99']})" for op, e in ends.items()))
    ok = not outside and result["ok"] == result["requests"]
    return [{"target": TARGET, "subject": f"{len(ends) - len(outside)}/{len(ends)} endpoints inside",
             "figure": figure, "verdict": "PASS" if ok else "FAIL"}]


def main(argv: list[str]) -> int:
    seconds = float(argv[argv.index("--seconds") + 1]) if "--seconds" in argv else 20.0
    rate = float(argv[argv.index("--rate") + 1]) if "--rate" in argv else RATE
    result = run(seconds, rate, argv[0])
    result["targets"] = targets(result)
    return write_result(argv[0], result, render)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
