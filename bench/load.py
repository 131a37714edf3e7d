"""Phase 5: local throughput and latency over real HTTP.

Starts a local cloud (`python -m localcloud`, a child process with its own moto
server) on free ports, makes an enterprise-plan account (so the per-key rate limits
do not cap the measurement), seeds resources, then for get, list and create:

- closed loop: CONCURRENCY clients, each with its own keep-alive connection, send
  back to back for SECONDS; requests per second and latency percentiles;
- for GET also an open loop paced at the target rate (167/s = 10,000/min) for
  PACED_FACTOR x SECONDS (sustained, on settled resources): requests are scheduled at
  fixed intervals and latency counts from the scheduled time, so a server that falls
  behind shows it (no coordinated omission).

The paced GET and the creates (the two targets) each start once the local cloud is quiet
(`quiesce`: what the run before left, e.g. its request logs' ingestion, is done).
The clients run in this process (threads), on the same 2 cores as the server.

    python -m bench.load OUT.json [--seconds S] [--concurrency C]
"""

from __future__ import annotations

import json
import os
import queue
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from typing import Any

from bench import discover
from bench.client import Client, paced, stop_workers, wait_settled

TEST_KEY = "sk_test_" + "benchLoad000000000000000000000000"
LIVE_KEY = "sk_live_" + "benchLoad000000000000000000000000"
TARGET_GET_RPS = 10_000 / 60
PACED_FACTOR = 3  # the paced GET runs three times as long as the closed loops


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentiles(latencies: list[float]) -> dict[str, float | None]:
    if not latencies:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None}
    xs = sorted(latencies)

    def p(q: float) -> float:
        return round(xs[min(len(xs) - 1, int(q * len(xs)))] * 1000, 1)

    return {"p50_ms": p(0.50), "p95_ms": p(0.95), "p99_ms": p(0.99)}


class LocalCloudProcess:
    def __init__(self, extra_env: dict[str, str] | None = None) -> None:
        self.port, self.moto_port = free_port(), free_port()
        self.dir = tempfile.mkdtemp(prefix="bench-load-")
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
            **discover.env_for_children(),
            "PORT": str(self.port),
            "MOTO_PORT": str(self.moto_port),
            "LOCAL_API_KEYS": f"{TEST_KEY},{LIVE_KEY}",
            "AUTHORIZER_CACHE_TTL": "300",
            "LOCAL_STATE_FILE": os.path.join(self.dir, "state.json"),
            "TABLE_NAME": "resource-api",
            "LOCAL_PERSIST": "0",  # its world is kept nowhere (bench/persistence.py measures keeping it)
            **(extra_env or {}),
        }
        self.log = open(os.path.join(self.dir, "localcloud.log"), "w+")
        from localcloud.cloud import _die_with_parent

        self.proc = subprocess.Popen(
            [sys.executable, "-m", "localcloud"], cwd=discover.ROOT, env=self.env, stdout=self.log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,  # a phase cut off by its budget takes its local cloud with it
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                if self.proc.poll() is None:
                    self.proc.kill()  # not left behind
                self.log.seek(0)
                raise RuntimeError("local cloud did not start: " + self.log.read()[-500:])
            time.sleep(0.2)

    def account(self, plan: str) -> dict[str, Any]:
        from localcloud.cloud import aws_environment

        env = {**self.env, **aws_environment(f"http://127.0.0.1:{self.moto_port}")}
        out = subprocess.run([sys.executable, "-m", "apictl", "create-account", "--plan", plan], cwd=discover.ROOT,
                             env=env, capture_output=True, text=True, check=True, timeout=60)
        return json.loads(out.stdout)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def process_cpu(pid: int, reaped: bool = False) -> dict[str, float]:
    """CPU seconds so far of a process and its children (by command), from /proc; with
    `reaped`, each one's own children that have ended too (the moto server's snapshot
    processes, bench/persistence.py)."""
    out: dict[str, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    try:
        children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    except OSError:
        children = []
    for p in [str(pid), *children]:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{p}/cmdline") as f:
                cmd = f.read().replace("\0", " ")
        except OSError:
            continue
        if "moto" in cmd:
            name = "moto server"
        elif p == str(pid) or "localcloud.workers" in cmd:  # the gateway's worker processes too
            name = "gateway + functions"
        else:
            name = cmd[:40]
        ticks = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if reaped else 0)
        out[name] = out.get(name, 0.0) + ticks / tick
    return out


def with_cpu(pid: int, measure: Any, reaped: bool = False) -> dict[str, Any]:
    """Run a measurement; add the server-side CPU per successful request, by process."""
    before = process_cpu(pid, reaped)
    result = measure()
    after = process_cpu(pid, reaped)
    if result.get("ok"):
        result["server_cpu_ms_per_request"] = {
            k: round((after[k] - before.get(k, 0.0)) * 1000 / result["ok"], 1) for k in after
        }
    return result


QUIET_WINDOW_S = 0.5
QUIET_CPU_S = 0.05  # the local cloud's processes together, per window: a tenth of a core
QUIET_MAX_S = 8.0  # the phase has 75 s (bench/__main__.py): at load 13 the GETs left 7.5 s of work


def quiesce(pid: int, window: float = QUIET_WINDOW_S, quiet: float = QUIET_CPU_S, limit: float = QUIET_MAX_S) -> float:
    """Wait (at most `limit` s) until the local cloud's processes are quiet: what the run
    before left behind (its request logs' ingestion, provisioning executions, stream
    processing) is done. The seconds waited."""
    start = time.monotonic()
    before = sum(process_cpu(pid).values())
    while True:
        time.sleep(window)
        now = sum(process_cpu(pid).values())
        if now - before < quiet or time.monotonic() - start >= limit:
            return round(time.monotonic() - start, 1)
        before = now


def closed_loop(url: str, key: str, send: Any, seconds: float, concurrency: int, warmup: float = 1.0) -> dict[str, Any]:
    stop_at = time.monotonic() + warmup + seconds
    measure_from = time.monotonic() + warmup
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    def worker(n: int) -> None:
        client = Client(url, key)
        mine, codes = [], {}
        i = 0
        try:
            while True:
                t0 = time.monotonic()
                if t0 >= stop_at:
                    break
                try:
                    status = send(client, n, i)
                except Exception:
                    status = -1
                    client.close()
                t1 = time.monotonic()
                i += 1
                if t0 >= measure_from:
                    codes[status] = codes.get(status, 0) + 1
                    if 200 <= status < 300:
                        mine.append(t1 - t0)
        finally:
            client.close()
        with lock:
            latencies.extend(mine)
            for k, v in codes.items():
                statuses[k] = statuses.get(k, 0) + v

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ok = len(latencies)
    return {
        "mode": f"closed loop, {concurrency} clients, {seconds:g} s",
        "requests": sum(statuses.values()),
        "ok": ok,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "rps": round(ok / seconds, 1),
        **percentiles(latencies),
        "mean_ms": round(statistics.mean(latencies) * 1000, 1) if latencies else None,
    }


def open_loop(url: str, key: str, send: Any, rate: float, seconds: float, workers: int = 24) -> dict[str, Any]:
    """Requests scheduled every 1/rate s; latency from the scheduled instant to the answer.
    Requests still unsent `seconds` after the schedule ended are counted as not served."""
    jobs: queue.Queue = queue.Queue()
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    give_up = threading.Event()

    def worker(n: int) -> None:
        client = Client(url, key)
        i = 0
        try:
            while not give_up.is_set():
                scheduled = jobs.get()
                if scheduled is None:
                    break
                try:
                    status = send(client, n, i)
                except Exception:
                    status = -1
                    client.close()
                done = time.monotonic()
                i += 1
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1
                    if 200 <= status < 300:
                        latencies.append(done - scheduled)
                        slow.append((scheduled, done - scheduled))
        finally:
            client.close()

    slow: list[tuple[float, float]] = []
    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(workers)]
    for t in threads:
        t.start()
    total = int(rate * seconds)
    start = paced(rate, total, lambda i, at: jobs.put(at))
    stop_workers(jobs, threads, seconds, give_up)
    elapsed = time.monotonic() - start
    with lock:
        served = sum(statuses.values())
        ok = len(latencies)
        lat = list(latencies)
        codes = dict(statuses)
    for t in threads:
        t.join(5)
    return {
        "mode": f"open loop paced at {rate:.0f}/s for {seconds:g} s ({workers} workers)",
        "requests": total,
        "ok": ok,
        "not_served": total - served,
        "statuses": {str(k): v for k, v in sorted(codes.items())},
        "rps": round(ok / elapsed, 1),
        "elapsed_s": round(elapsed, 1),
        **percentiles(lat),
        "slow_seconds": slow_seconds(slow, start),
    }


def slow_seconds(answers: list[tuple[float, float]], start: float, over_s: float = 0.25) -> dict[str, Any]:
    """Where the answers slower than `over_s` were scheduled: by second of the schedule
    (the three worst), so a tail made by one stall (every request of one second late)
    is told from one spread over the run (a few in every second)."""
    per: dict[int, int] = {}
    for scheduled, latency in answers:
        if latency > over_s:
            second = int(scheduled - start)
            per[second] = per.get(second, 0) + 1
    worst = sorted(per.items(), key=lambda kv: -kv[1])[:3]
    return {"over_ms": over_s * 1000, "answers": sum(per.values()), "seconds": len(per),
            "worst": [{"second": sec, "answers": n} for sec, n in worst]}


def run(seconds: float, concurrency: int, out_path: str | None = None) -> dict[str, Any]:
    from localcloud import httpheaders

    # The clients' share of the 2 cores: their responses' headers parsed the short way, as
    # the local cloud's processes do (the same messages; localcloud/httpheaders.py).
    httpheaders.install()
    cloud = LocalCloudProcess()
    try:
        account = cloud.account("enterprise")
        key = account["keys"]["test"]
        seed = Client(cloud.url, key)
        ids = []
        for i in range(12):
            status, _, body = seed.request("POST", "/v1/resources", form={"name": f"load resource {i}", "type": "production"})
            if not 200 <= status < 300:
                raise RuntimeError(f"seeding: create answered {status}: {body}")
            ids.append(body["id"])
        # The GETs are measured on settled resources, as a client reads them: the seeds'
        # provisioning (a few state transitions each) is over before the clock starts.
        wait_settled(seed, ids)
        seed.close()

        def get(client: Client, n: int, i: int) -> int:
            return client.request("GET", f"/v1/resources/{ids[(n + i) % len(ids)]}")[0]

        def list_(client: Client, n: int, i: int) -> int:
            return client.request("GET", "/v1/resources?limit=10")[0]

        def create(client: Client, n: int, i: int) -> int:
            return client.request("POST", "/v1/resources", form={"name": f"load resource {n}-{i}", "type": "production"},
                                  idempotency_key=True)[0]

        out: dict[str, Any] = {"concurrency": concurrency, "seconds": seconds, "plan": "enterprise"}
        pid = cloud.proc.pid
        # The two targets (the paced GET, the creates) start on a quiet cloud: the
        # creates otherwise shared their first seconds with the ingestion of the paced
        # GETs' request logs. The closed-loop GET and list follow at once, as before.
        for name, settle, measure in (
            ("get_paced", True, lambda: open_loop(cloud.url, key, get, TARGET_GET_RPS, PACED_FACTOR * seconds)),
            ("create", True, lambda: closed_loop(cloud.url, key, create, seconds, concurrency)),
            ("get", False, lambda: closed_loop(cloud.url, key, get, seconds, concurrency)),
            ("list", False, lambda: closed_loop(cloud.url, key, list_, seconds, concurrency)),
        ):
            waited = quiesce(pid) if settle else None
            out[name] = with_cpu(pid, measure)
            if waited is not None:
                out[name]["quiet_after_s"] = waited
            if out_path:  # what a cut-off run still reports
                with open(out_path, "w") as f:
                    json.dump({**out, "partial": True}, f)
        return out
    finally:
        cloud.stop()


def main(argv: list[str]) -> int:
    seconds = float(argv[argv.index("--seconds") + 1]) if "--seconds" in argv else 15.0
    concurrency = int(argv[argv.index("--concurrency") + 1]) if "--concurrency" in argv else 8
    with open(argv[0], "w") as f:
        json.dump(run(seconds, concurrency, argv[0]), f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
