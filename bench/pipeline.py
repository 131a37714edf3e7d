"""Phase: the event pipeline, from a committed write to a webhook receiver, over real HTTP.

Starts a local cloud (`python -m localcloud`, its own moto server) on free ports, makes
an enterprise-plan account, starts a webhook receiver on 127.0.0.1 (a threading HTTP
server answering 200) and registers it as a webhook endpoint subscribed to
`resource.created`. Then:

- burst: 300 creates in 3 `POST /v1/batch` requests of 100 (back to back);
- paced: creates sent one by one at 20/s (open loop, from a few client threads) for
  `--seconds` seconds.

Each create starts a provisioning execution (Step Functions in moto, five steps) that
runs beside the deliveries, as it does for a user; its count and how many were still
running when the last delivery arrived are reported.

Per scenario: deliveries (and duplicates, which at-least-once allows), deliveries per
second, and create-to-delivery latency. A create's instant is its resource id's
millisecond timestamp (`res_` + milliseconds, taken by the create just before its
transaction commits); a delivery's is when the receiver read its request. Both clocks
are this machine's.

    deliveries_per_s          deliveries / (last delivery - first create)     end to end
    delivery_rate_per_s       (deliveries - 1) / (last delivery - first delivery)

The target (issue 20) reads the first for the burst: creates included. Each scenario runs
in a local cloud of its own (started for it, a few seconds) and is followed until its
provisioning has settled (no resource pending, `--settle-limit` seconds at most, 45 by
default): the paced run never meets the burst's work (before, it started while the
burst's 300 executions were still running, and measured them), and the CPU seconds of
the local cloud's two processes (gateway + functions + pollers, moto server) from the
scenario's first create until then are reported per created resource
(`cpu_ms_per_resource_settled`: all of a resource's work), with the load average. A
scenario that did not settle within the limit says so (`settled`: false; its CPU is then
up to the limit).

With `--opstats` the moto server runs with MOTO_OPSTATS (localcloud/motoserver.py
OpStats) and each scenario also reports the server's CPU per resource by operation
(`moto_ms_per_resource_by_operation`: calls and ms of each X-Amz-Target, Step Functions
tasks' calls apart, the HTTP handling around them and the CPU outside requests).

    python -m bench.pipeline OUT.json [--seconds S] [--burst N] [--settle-limit S] [--opstats]
"""

from __future__ import annotations

import json
import os
import queue
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bench.client import Client, write_result
from bench.client import paced as paced_at
from bench.load import LocalCloudProcess, process_cpu

BATCH = 100
PACED_RATE = 20.0
TARGET_BURST_PER_S = 100.0
TARGET_PACED_P99_S = 2.0
WAIT_S = 40  # longest wait for a scenario's last delivery (then it reports what arrived)
SETTLE_S = 45  # longest wait, after a scenario's last delivery, for its provisioning to settle


def created_s(resource_id: str) -> float:
    from resource_api.core import ids

    return ids.created_ms(resource_id, "res") / 1000


class Receiver:
    """A webhook receiver on 127.0.0.1: records (arrival, event type, resource id, webhook-id)."""

    def __init__(self) -> None:
        self.got: list[tuple[float, str, str, str]] = []
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                at = time.time()
                try:
                    event = json.loads(body)
                    obj = event["data"]["object"]
                    row = (at, event["type"], obj.get("id", ""), self.headers.get("webhook-id", ""))
                except (ValueError, KeyError, TypeError):
                    row = (at, "?", "", self.headers.get("webhook-id", ""))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                with receiver.changed:
                    receiver.got.append(row)
                    receiver.changed.notify_all()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, ids: set[str], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                seen = {r[2] for r in self.got if r[1] == "resource.created"}
                if ids <= seen:
                    return True
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.changed.wait(min(left, 0.5))

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def percentile(xs: list[float], q: float) -> float | None:
    if not xs:
        return None
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def summarize(receiver: Receiver, ids: list[str], started: float, timeout_hit: bool) -> dict[str, Any]:
    wanted = set(ids)
    with receiver.lock:
        rows = [r for r in receiver.got if r[1] == "resource.created" and r[2] in wanted]
    first: dict[str, float] = {}
    for at, _, rid, _ in rows:
        first[rid] = min(at, first.get(rid, at))
    latencies = [first[rid] - created_s(rid) for rid in first]
    arrivals = sorted(first.values())
    out: dict[str, Any] = {
        "creates": len(ids),
        "delivered": len(first),
        "missing": len(wanted - set(first)),
        "duplicates": len(rows) - len(first),
        "timed_out": timeout_hit,
    }
    if arrivals:
        span = arrivals[-1] - started
        out["seconds_to_last_delivery"] = round(span, 2)
        out["deliveries_per_s"] = round(len(first) / span, 1) if span > 0 else None
        if len(arrivals) > 1 and arrivals[-1] > arrivals[0]:
            out["delivery_rate_per_s"] = round((len(arrivals) - 1) / (arrivals[-1] - arrivals[0]), 1)
        for name, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99)):
            out[f"latency_{name}_s"] = round(percentile(latencies, q), 3)
        out["latency_max_s"] = round(max(latencies), 3)
    return out


def provisioning_state(client: Client) -> dict[str, Any]:
    status, _, body = client.request("GET", "/v1/resources?status=pending&limit=1")
    return {"pending_resources": body.get("total_count") if status == 200 else None}


def burst(cloud: LocalCloudProcess, key: str, receiver: Receiver, total: int, timeout: float) -> dict[str, Any]:
    client = Client(cloud.url, key, timeout=120)
    ids: list[str] = []
    started = time.time()
    create_s = []
    for b in range(0, total, BATCH):
        n = min(BATCH, total - b)
        ops = [{"method": "POST", "path": "/v1/resources", "body": {"name": f"burst {b + i}", "type": "production"}}
               for i in range(n)]
        t0 = time.monotonic()
        status, _, body = client.request("POST", "/v1/batch", json_body={"operations": ops})
        create_s.append(round(time.monotonic() - t0, 2))
        if status != 200:
            raise RuntimeError(f"batch answered {status}: {str(body)[:300]}")
        for r in body["results"]:
            if r["status"] != 201:
                raise RuntimeError(f"a batch create answered {r['status']}: {r['body']}")
            ids.append(r["body"]["id"])
    creates_done = time.time() - started
    ok = receiver.wait_for(set(ids), timeout)
    out = summarize(receiver, ids, started, not ok)
    out["mode"] = f"{total} creates in {len(create_s)} batches of up to {BATCH}, back to back"
    out["ids"] = sorted(ids)  # for with_cpu's settle (not kept in the result)
    out["seconds_creating"] = round(creates_done, 2)
    out["batch_request_s"] = create_s
    out.update(provisioning_state(client))
    client.close()
    return out


def paced(cloud: LocalCloudProcess, key: str, receiver: Receiver, rate: float, seconds: float,
          timeout: float, workers: int = 6) -> dict[str, Any]:
    jobs: queue.Queue = queue.Queue()
    ids: list[str] = []
    errors: list[str] = []
    late: list[float] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        client = Client(cloud.url, key)
        while True:
            item = jobs.get()
            if item is None:
                break
            i, at = item
            status, _, body = client.request("POST", "/v1/resources", form={"name": f"paced {i}", "type": "production"})
            with lock:
                if status == 201:
                    ids.append(body["id"])
                    late.append(time.monotonic() - at)
                else:
                    errors.append(f"{status}: {str(body)[:200]}")
        client.close()

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(workers)]
    for t in threads:
        t.start()
    started = time.time()
    paced_at(rate, int(rate * seconds), lambda i, at: jobs.put((i, at)))
    for _ in threads:
        jobs.put(None)
    for t in threads:
        t.join(60)
    creates_done = time.time() - started
    ok = receiver.wait_for(set(ids), timeout)
    out = summarize(receiver, ids, started, not ok)
    out["mode"] = f"creates paced at {rate:g}/s for {seconds:g} s (open loop, {workers} clients)"
    out["ids"] = sorted(ids)  # in the order they were created (for with_cpu's settle)
    out["seconds_creating"] = round(creates_done, 2)
    out["create_errors"] = errors[:5]
    out["create_request_p99_s"] = round(percentile(late, 0.99) or 0.0, 3)
    client = Client(cloud.url, key)
    out.update(provisioning_state(client))
    client.close()
    return out


def with_cpu(pid: int, measure: Any, settle: Any = None, opstats: str | None = None) -> dict[str, Any]:
    """`measure()`'s result with the CPU the local cloud spent meanwhile; with `settle`
    (a callable that waits until the provisioning of the ids the result names is over,
    answering how long it took and whether it ended), also
    the CPU up to then, per delivered resource; with `opstats` (the moto server's
    MOTO_OPSTATS file), the moto server's CPU up to then by operation."""
    before = process_cpu(pid)
    ops_before = read_opstats(opstats)
    load = _load()
    result = measure()
    after = process_cpu(pid)
    ids = result.pop("ids", [])
    result["load_average"] = load
    delivered = result.get("delivered") or 0
    created = result.get("creates") or 0
    result["cpu_s"] = {k: round(after[k] - before.get(k, 0.0), 2) for k in after}
    if delivered:
        result["cpu_ms_per_delivery"] = {k: round(v * 1000 / delivered, 1) for k, v in result["cpu_s"].items()}
    if settle is not None:
        result["seconds_until_settled"], result["settled"] = settle(ids)
        settled = process_cpu(pid)
        result["cpu_s_until_settled"] = {k: round(settled[k] - before.get(k, 0.0), 2) for k in settled}
        if created:  # per created resource: all of its work, delivered or not
            result["cpu_ms_per_resource_settled"] = {
                k: round(v * 1000 / created, 1) for k, v in result["cpu_s_until_settled"].items()}
        if opstats and created:
            time.sleep(OPSTATS_DUMP_S + 0.5)  # the server's next dump holds everything up to now
            result["moto_ms_per_resource_by_operation"] = opstats_delta(ops_before, read_opstats(opstats), created)
    return result


OPSTATS_DUMP_S = 2.0  # the moto server writes MOTO_OPSTATS every 2 s (localcloud/motoserver.py OpStats)


def read_opstats(path: str | None) -> dict[str, Any]:
    if not path:
        return {}
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def opstats_delta(before: dict[str, Any], after: dict[str, Any], resources: int) -> dict[str, Any]:
    """The moto server's CPU between two MOTO_OPSTATS dumps, per resource: each operation's
    calls and ms, the HTTP handling around them, and the rest of the process (Step
    Functions' interpreter threads, the collector)."""
    if not after:
        return {}
    ops: dict[str, Any] = {}
    spent = 0.0
    for key, row in after.get("ops", {}).items():
        old = before.get("ops", {}).get(key, {"count": 0, "cpu_s": 0.0})
        n, cpu = row["count"] - old["count"], row["cpu_s"] - old["cpu_s"]
        if n:
            spent += cpu
            ops[key] = {"calls": round(n / resources, 2), "ms": round(cpu * 1000 / resources, 2),
                        "us_per_call": round(cpu * 1e6 / n)}
    http = after.get("http_cpu_s", 0.0) - before.get("http_cpu_s", 0.0)
    total = after.get("process_cpu_s", 0.0) - before.get("process_cpu_s", 0.0)
    return {
        "total_ms": round(total * 1000 / resources, 1),
        "requests_ms": round(spent * 1000 / resources, 1),
        "http_handling_ms": round(http * 1000 / resources, 1),
        "outside_requests_ms": round((total - spent - http) * 1000 / resources, 1),
        "operations": dict(sorted(ops.items(), key=lambda kv: -kv[1]["ms"])),
    }


def running_executions(cloud: LocalCloudProcess) -> Any:
    """A callable answering whether any provisioning execution is still running (moto's
    ListExecutions, asked of the cloud's moto server directly)."""
    import boto3

    from localcloud.cloud import aws_environment
    from localcloud.provisioning import STATE_MACHINE_NAME

    env = aws_environment(f"http://127.0.0.1:{cloud.moto_port}")
    sfn = boto3.client("stepfunctions", endpoint_url=env["AWS_ENDPOINT_URL"], region_name=env["AWS_REGION"],
                       aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
    arn = next(m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]
               if m["name"] == STATE_MACHINE_NAME)
    return lambda: bool(sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING", maxResults=1)["executions"])


def failed_resources(cloud: LocalCloudProcess, key: str) -> dict[str, Any]:
    """How many of the account's resources ended `failed`, and the failure (code and step)
    of up to ten of them."""
    client = Client(cloud.url, key)
    try:
        status, _, body = client.request("GET", "/v1/resources?status=failed&limit=10")
        if status != 200:
            return {"error": status}
        reasons: dict[str, int] = {}
        for r in body.get("data", []):
            failure = (r.get("provisioning") or {}).get("failure") or {}
            reason = f"{failure.get('code')} at {failure.get('step')}"
            reasons[reason] = reasons.get(reason, 0) + 1
        return {"count": body.get("total_count"), "sample": reasons}
    finally:
        client.close()


def queue_state(cloud: LocalCloudProcess) -> dict[str, Any]:
    """The delivery queue's and its DLQ's message counts (asked of moto directly): where the
    deliveries that did not arrive are (waiting, in flight, dead-lettered)."""
    import boto3

    from localcloud.cloud import aws_environment
    from resource_api.events import queues

    env = aws_environment(f"http://127.0.0.1:{cloud.moto_port}")
    sqs = boto3.client("sqs", endpoint_url=env["AWS_ENDPOINT_URL"], region_name=env["AWS_REGION"],
                       aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
    out: dict[str, Any] = {}
    for name in (queues.queue_name(), queues.queue_name() + queues.DLQ_SUFFIX):
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        out[name] = {"waiting": int(attrs["ApproximateNumberOfMessages"]),
                     "in_flight": int(attrs["ApproximateNumberOfMessagesNotVisible"])}
    return out


def settled(cloud: LocalCloudProcess, key: str, ids: list[str], limit: float = 90.0) -> tuple[float, bool]:
    """Wait until none of `ids` is pending (`limit` seconds at most), then until the local
    cloud is idle (under a tenth of a core over half a second, 5 s at most: the stream
    records of the last provisioning steps become events after the resources are
    active): how long it took, and whether it did settle.

    Asked cheaply: the last created resource (one GetItem) until it is no longer pending,
    then moto's running executions (ListExecutions) until there are none, twice a second
    each; then once the account's pending resources (`status=pending`, a query of the
    status index, which moto answers by reading the whole table: up to 100 ms on the
    burst's table; asked twice a second it was a tenth of the moto server's CPU per
    resource), and again every 2 s while any is left."""
    client = Client(cloud.url, key)
    started = time.monotonic()
    running = running_executions(cloud)

    def late() -> bool:
        return time.monotonic() - started >= limit

    try:
        while ids:
            status, _, body = client.request("GET", f"/v1/resources/{ids[-1]}")
            if status != 200 or body.get("status") != "pending":
                break
            if late():
                return round(time.monotonic() - started, 1), False
            time.sleep(0.5)
        while running():
            if late():
                return round(time.monotonic() - started, 1), False
            time.sleep(0.5)
        while provisioning_state(client)["pending_resources"]:
            if late():
                return round(time.monotonic() - started, 1), False
            time.sleep(2.0)
    finally:
        client.close()
    quiet_by = time.monotonic() + 5.0
    before = sum(process_cpu(cloud.proc.pid).values())
    while time.monotonic() < quiet_by:
        time.sleep(0.5)
        now = sum(process_cpu(cloud.proc.pid).values())
        if now - before < 0.05:
            break
        before = now
    return round(time.monotonic() - started, 1), True


def _load() -> str:
    try:
        return "/".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def start_cloud(receiver: Receiver, ops_path: str | None) -> tuple[LocalCloudProcess, str]:
    """A local cloud of its own with an enterprise account whose endpoint is `receiver`."""
    cloud = LocalCloudProcess({"MOTO_OPSTATS": ops_path} if ops_path else None)
    try:
        account = cloud.account("enterprise")
        key = account["keys"]["test"]
        client = Client(cloud.url, key)
        status, _, body = client.request("POST", "/v1/webhook_endpoints",
                                         form={"url": receiver.url, "enabled_events[]": "resource.created"})
        client.close()
        if status != 200 and status != 201:
            raise RuntimeError(f"webhook endpoint: {status} {body}")
        if ops_path:
            time.sleep(OPSTATS_DUMP_S + 0.5)  # the scenario's "before" is a dump made after the set-up
        return cloud, key
    except BaseException:
        cloud.stop()
        raise


def run(seconds: float, total: int, out_path: str | None = None, settle_limit: float = SETTLE_S,
        opstats: bool = False) -> dict[str, Any]:
    """The burst, then the paced run, each in a local cloud of its own, each followed
    until its provisioning has settled (no resource pending; `settle_limit` seconds at
    most) so that its CPU holds all of its resources' work. A cloud of its own (a few
    seconds to start) keeps the burst's work out of the paced run whether or not the
    burst settled within the limit (in a full `make bench` the burst's 300 executions
    once ran on into the paced run and made its p99 16 s), and the paced run's table is
    the same size however large the burst was."""
    from localcloud import httpheaders

    httpheaders.install()
    receiver = Receiver()
    ops_path = None
    if opstats:
        ops_path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"pipeline-opstats-{os.getpid()}.json")
    out: dict[str, Any] = {
        "target_values": {"burst_deliveries_per_s": TARGET_BURST_PER_S, "paced_p99_s": TARGET_PACED_P99_S},
        "receiver": "ThreadingHTTPServer on 127.0.0.1, answers 200",
        "clouds": "one per scenario",
    }
    try:
        for name in ("burst", "paced"):
            cloud, key = start_cloud(receiver, ops_path)
            try:
                if name == "burst":
                    measure = lambda: burst(cloud, key, receiver, total, timeout=WAIT_S)  # noqa: E731
                else:
                    measure = lambda: paced(cloud, key, receiver, PACED_RATE, seconds, timeout=WAIT_S)  # noqa: E731
                out[name] = with_cpu(cloud.proc.pid, measure, lambda ids: settled(cloud, key, ids, settle_limit),
                                     ops_path)
                out[name]["failed_resources"] = failed_resources(cloud, key)
                if out[name].get("missing"):
                    try:
                        out[name]["queues_after"] = queue_state(cloud)
                    except Exception as exc:  # a diagnosis, not a figure
                        out[name]["queues_after"] = repr(exc)[:300]
            finally:
                cloud.stop()
            if out_path:
                with open(out_path, "w") as f:
                    json.dump({**out, "partial": True}, f)
        return out
    finally:
        receiver.stop()
        if ops_path:
            for p in (ops_path, ops_path + ".tmp"):
                if os.path.exists(p):
                    os.unlink(p)


def render(result: dict[str, Any]) -> str:
    """The phase's lines of `make bench`'s table."""
    lines = ["pipeline: committed write -> webhook receiver on 127.0.0.1 (resource.created), "
             "provisioning executions running beside"]
    for name in ("burst", "paced"):
        r = result.get(name)
        if not r or "delivered" not in r:
            lines.append(f"  {name}: not measured")
            continue
        verdict = ""
        if name == "burst" and r.get("deliveries_per_s") is not None:
            ok = r["deliveries_per_s"] >= TARGET_BURST_PER_S
            verdict = f"  target >= {TARGET_BURST_PER_S:g}/s: {'pass' if ok else 'FAIL'}"
        if name == "paced" and r.get("latency_p99_s") is not None:
            ok = r["latency_p99_s"] < TARGET_PACED_P99_S and not r["missing"]
            verdict = f"  target p99 < {TARGET_PACED_P99_S:g} s: {'pass' if ok else 'FAIL'}"
        lines.append(
            f"  {name}: {r['delivered']}/{r['creates']} delivered ({r['duplicates']} duplicates), "
            f"{r.get('deliveries_per_s')}/s end to end ({r.get('delivery_rate_per_s')}/s between first and last), "
            f"create->delivery p50 {r.get('latency_p50_s')} s p99 {r.get('latency_p99_s')} s; "
            f"CPU ms per created resource until its provisioning settled "
            f"{r.get('cpu_ms_per_resource_settled')} ({r.get('seconds_until_settled')} s after the last delivery"
            + ("" if r.get("settled", True) else ", NOT settled: CPU up to then") + ")"
            + f"; load {r.get('load_average')}{verdict}"
        )
        if (r.get("failed_resources") or {}).get("count"):
            lines.append(f"    {r['failed_resources']['count']} of its resources ended failed "
                         f"(up to ten of them: {r['failed_resources']['sample']})")
        if r.get("queues_after"):
            lines.append(f"    {r['missing']} missing; delivery queues after the wait: {r['queues_after']}")
    return "\n".join(lines)


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The phase's rows of `make bench`'s Targets table (bench/__main__.py collects them)."""
    rows = []
    for name, target in (("burst", f"pipeline burst >= {TARGET_BURST_PER_S:g} deliveries/s"),
                         ("paced", f"pipeline p99 < {TARGET_PACED_P99_S:g} s at {PACED_RATE:g} creates/s")):
        r = result.get(name) or {}
        if "delivered" not in r:
            why = result.get("na") or result.get("cut_off") or "not measured"
            rows.append({"target": target, "subject": name, "figure": why, "verdict": "n/a"})
            continue
        if name == "burst":
            ok = r.get("deliveries_per_s") is not None and r["deliveries_per_s"] >= TARGET_BURST_PER_S and not r["missing"]
            figure = f"{r.get('deliveries_per_s')}/s end to end, {r['delivered']}/{r['creates']} delivered"
        else:
            ok = r.get("latency_p99_s") is not None and r["latency_p99_s"] < TARGET_PACED_P99_S and not r["missing"]
            figure = f"p99 {r.get('latency_p99_s')} s, {r['delivered']}/{r['creates']} delivered"
        figure += f"; CPU ms per resource until settled {r.get('cpu_ms_per_resource_settled')}"
        rows.append({"target": target, "subject": name, "figure": figure, "verdict": "PASS" if ok else "FAIL"})
    return rows


def main(argv: list[str]) -> int:
    seconds = float(argv[argv.index("--seconds") + 1]) if "--seconds" in argv else 15.0
    total = int(argv[argv.index("--burst") + 1]) if "--burst" in argv else 300
    limit = float(argv[argv.index("--settle-limit") + 1]) if "--settle-limit" in argv else SETTLE_S
    result = run(seconds, total, argv[0], limit, "--opstats" in argv)
    result["targets"] = targets(result)
    return write_result(argv[0], result, render)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
