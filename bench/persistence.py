"""Keeping the local cloud's world across restarts (issue 21, localcloud/persistence.py):
what it costs and what a crash loses.

1. throughput: the load phase's closed loops (create, then GET) against a local cloud
   that keeps nothing and one that keeps its world (snapshots every second), in the same
   run, alternating, so the machine's load touches both alike;
2. start time: a world of N resources (default 10,000, made with /v1/batch and
   provisioned), stopped (its last snapshot), then started again; beside the start of an
   empty cloud; with the snapshot's size and the periodic snapshot's time at that size;
3. kill -9: a client creates resources one after another; the whole local cloud is
   killed with SIGKILL; after the restart, how many acknowledged creates are missing and
   over how many seconds before the kill they were acknowledged.

    python -m bench.persistence OUT.json [--seconds S] [--resources N] [--kills K]
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from typing import Any

from bench.client import Client, wait_settled
from bench.load import LocalCloudProcess, closed_loop


def keeping(state_dir: str, **more: str) -> dict[str, str]:
    return {"LOCAL_PERSIST": "1", "LOCAL_STATE_DIR": state_dir, **more}


def state(cloud: LocalCloudProcess) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://127.0.0.1:{cloud.moto_port}/_localcloud/state", timeout=30) as r:
        return json.load(r)


def started(extra: dict[str, str]) -> tuple[LocalCloudProcess, float]:
    t0 = time.monotonic()
    cloud = LocalCloudProcess(extra)
    return cloud, time.monotonic() - t0


def throughput(seconds: float, concurrency: int, rounds: int) -> dict[str, Any]:
    out: dict[str, Any] = {"seconds": seconds, "concurrency": concurrency, "rounds": rounds}
    runs: dict[str, dict[str, list[float]]] = {"off": {"create": [], "get": []}, "on": {"create": [], "get": []}}
    for _ in range(rounds):
        for mode in ("off", "on"):
            tmp = tempfile.mkdtemp(prefix="bench-persist-")
            cloud, _ = started(keeping(tmp) if mode == "on" else {})
            try:
                key = cloud.account("enterprise")["keys"]["test"]
                seed = Client(cloud.url, key)
                ids = [seed.request("POST", "/v1/resources", form={"name": f"seed {i}", "type": "production"})[2]["id"]
                       for i in range(12)]
                wait_settled(seed, ids)
                seed.close()

                def create(client: Client, n: int, i: int) -> int:
                    return client.request("POST", "/v1/resources", form={"name": f"load {n}-{i}", "type": "production"},
                                          idempotency_key=True)[0]

                def get(client: Client, n: int, i: int) -> int:
                    return client.request("GET", f"/v1/resources/{ids[(n + i) % len(ids)]}")[0]

                runs[mode]["create"].append(closed_loop(cloud.url, key, create, seconds, concurrency)["rps"])
                runs[mode]["get"].append(closed_loop(cloud.url, key, get, seconds, concurrency)["rps"])
                if mode == "on":
                    s = state(cloud)
                    out.setdefault("snapshots", []).append({k: s[k] for k in ("snapshots", "last_seconds", "last_bytes",
                                                                                "skipped_busy", "failures")})
            finally:
                cloud.stop()
                shutil.rmtree(tmp, ignore_errors=True)
    for op in ("create", "get"):
        off, on = statistics.mean(runs["off"][op]), statistics.mean(runs["on"][op])
        out[op] = {"rps_without": round(off, 1), "rps_with": round(on, 1),
                   "change_pct": round(100 * (on - off) / off, 1) if off else None,
                   "runs_without": runs["off"][op], "runs_with": runs["on"][op]}
    return out


def big_world(resources: int) -> dict[str, Any]:
    tmp = tempfile.mkdtemp(prefix="bench-persist-world-")
    out: dict[str, Any] = {"resources": resources}
    try:
        cloud, _ = started(keeping(tmp, PROVISIONING_STEP_SECONDS="0"))
        try:
            key = cloud.account("enterprise")["keys"]["test"]
            client = Client(cloud.url, key)
            t0 = time.monotonic()
            for start in range(0, resources, 100):
                ops = [{"method": "POST", "path": "/v1/resources", "body": {"name": f"world {i}", "type": "production"}}
                       for i in range(start, min(resources, start + 100))]
                status, _, body = client.request("POST", "/v1/batch", json_body={"operations": ops})
                if status != 200:
                    raise RuntimeError(f"batch answered {status}: {str(body)[:300]}")
            out["create_seconds"] = round(time.monotonic() - t0, 1)
            while True:  # provisioning done: nothing pending
                status, _, body = client.request("GET", "/v1/resources?status=pending&limit=1")
                if status == 200 and body.get("total_count") == 0:
                    break
                time.sleep(1)
            out["settled_seconds"] = round(time.monotonic() - t0, 1)
            time.sleep(3)  # a periodic snapshot of the settled world
            s = state(cloud)
            out["periodic_snapshot_seconds"] = s["last_seconds"]
            out["snapshot_bytes"] = s["last_bytes"]
            client.close()
        finally:
            t0 = time.monotonic()
            cloud.stop()
            out["stop_seconds"] = round(time.monotonic() - t0, 2)
        starts_with, starts_without = [], []
        for _ in range(2):
            cloud, took = started(keeping(tmp))
            restored = state(cloud)["restored"] or {}
            out["restored_items"] = sum((restored.get("items") or {}).values())
            out["restore_seconds"] = restored.get("seconds")
            starts_with.append(round(took, 2))
            cloud.stop()
            cloud, took = started({})
            starts_without.append(round(took, 2))
            cloud.stop()
        out["start_seconds_with_world"] = starts_with
        out["start_seconds_empty"] = starts_without
        out["start_added_seconds"] = round(min(starts_with) - min(starts_without), 2)
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def kill_9(pid: int) -> None:
    """kill -9 of the local cloud and everything it started, at one instant: all are
    stopped first (so the moto server does not see its parent die and save), then killed."""
    pids = descendants(pid)
    for p in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(p, signal.SIGSTOP)
    for p in descendants(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(p, signal.SIGKILL)


def crash(kills: int, run_s: float) -> dict[str, Any]:
    out: dict[str, Any] = {"kills": []}
    for _ in range(kills):
        tmp = tempfile.mkdtemp(prefix="bench-persist-crash-")
        try:
            cloud, _ = started(keeping(tmp))
            key = cloud.account("enterprise")["keys"]["test"]
            acked: list[tuple[float, str]] = []
            stop = threading.Event()

            def writer() -> None:
                client = Client(cloud.url, key)
                i = 0
                while not stop.is_set():
                    try:
                        status, _, body = client.request("POST", "/v1/resources",
                                                         form={"name": f"crash {i}", "type": "production"})
                    except Exception:  # noqa: BLE001 - the kill
                        return
                    if status == 201:
                        acked.append((time.time(), body["id"]))
                    i += 1

            t = threading.Thread(target=writer, daemon=True)
            t.start()
            time.sleep(run_s)
            killed_at = time.time()
            kill_9(cloud.proc.pid)
            cloud.proc.wait(timeout=30)
            stop.set()
            t.join(timeout=30)
            cloud.log.close()
            time.sleep(0.5)
            cloud2, _ = started(keeping(tmp))
            client = Client(cloud2.url, key)
            lost = [(at, rid) for at, rid in acked if client.request("GET", f"/v1/resources/{rid}")[0] == 404]
            client.close()
            cloud2.stop()
            out["kills"].append({
                "acknowledged": len(acked),
                "lost": len(lost),
                "lost_window_s": round(killed_at - min(at for at, _ in lost), 2) if lost else 0.0,
                "create_rps": round(len(acked) / run_s, 1),
            })
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    windows = [k["lost_window_s"] for k in out["kills"]]
    out["max_lost_window_s"] = max(windows) if windows else None
    return out


def main(argv: list[str]) -> int:
    seconds = float(argv[argv.index("--seconds") + 1]) if "--seconds" in argv else 8.0
    resources = int(argv[argv.index("--resources") + 1]) if "--resources" in argv else 10_000
    kills = int(argv[argv.index("--kills") + 1]) if "--kills" in argv else 2
    rounds = int(argv[argv.index("--rounds") + 1]) if "--rounds" in argv else 1
    only = set(argv[argv.index("--only") + 1].split(",")) if "--only" in argv else {"throughput", "crash", "world"}
    result: dict[str, Any] = {}

    def save() -> None:
        with open(argv[0], "w") as f:
            json.dump(result, f, indent=1)

    if "throughput" in only:
        result["throughput"] = throughput(seconds, 8, rounds)
        save()
    if "crash" in only:
        result["crash"] = crash(kills, 6.0)
        save()
    if "world" in only:
        result["world"] = big_world(resources)
        save()
    print(json.dumps(result, indent=1), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
