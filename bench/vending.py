"""Token vending's cost (issue 23 item 5, resource_api/core/vending.py): what the first
write of an account costs a warm container (an sts:AssumeRole round trip: one DynamoDB
client serves every account, signing with each request's credentials), and what a warm
account costs (a cache hit), beside one DynamoDB write in the same run.

Against the local cloud's moto server (a child process, real HTTP on 127.0.0.1):

    wall-clock  per cold account: the vend (an AssumeRole, cached), and its first PutItem
                vs a warm account's and the function's own role's; per warm account:
                a cache hit; once per container: the shared vended client
    instructions (Valgrind, when installed): one process warms up (models loaded,
                connections open), then forks a child per figure; a figure is (child -
                an empty child) / operations, so moto's work is not in it

    python -m bench.vending OUT.json [--accounts N]

The figures and the decision they led to (vending off by default) are in docs/deploy.md,
"Token vending".
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ROLE = "arn:aws:iam::123456789012:role/tenant-write"
os.environ.setdefault("TENANT_ROLE_ARN_WRITE", ROLE)  # vending on for the "write" kind
TABLE = "resource-api-bench-vending"

# Counted under Valgrind: warm up, then one child per figure (os._exit: no teardown).
COUNT = r"""
import json, os, sys, uuid
cfg = json.loads(sys.argv[1])
sys.path[0:0] = cfg["paths"]
from resource_api.core import db, vending
role, k, table = cfg["role"], cfg["k"], cfg["table"]
def put(client):
    client.put_item(TableName=table, Item={"pk": {"S": "acct_bench#test#RES"}, "sk": {"S": uuid.uuid4().hex}})
def vended(account):
    token = vending.bind(account, {"write"})
    try:
        return vending.writer()
    finally:
        vending.unbind(token)
def vended_put(account):
    token = vending.bind(account, {"write"})
    try:
        put(vending.writer())
    finally:
        vending.unbind(token)
vended_put("acct_warm")
own = db.client()
put(own)
def fork(work):
    pid = os.fork()
    if pid == 0:
        try:
            work()
        except BaseException as exc:
            os.write(2, f"BENCH-ERROR {os.getpid()} {type(exc).__name__}: {exc}\n".encode())
            os._exit(1)
        os._exit(0)
    os.waitpid(pid, 0)
    return pid
def cold():
    for i in range(k):
        vended(f"acct_cold{i:04d}")
def cold_write():
    for i in range(k):
        vended_put(f"acct_first{i:04d}")
def warm():
    for _ in range(k * 100):
        vended("acct_warm")
def write():
    for _ in range(k):
        put(own)
out = {"empty": fork(lambda: None), "cold": fork(cold), "cold_write": fork(cold_write),
       "warm": fork(warm), "write": fork(write)}
os.write(1, json.dumps(out).encode())
os._exit(0)
"""


def start_moto() -> tuple[subprocess.Popen, str]:
    from bench.load import free_port

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "localcloud.motoserver", "-H", "127.0.0.1", "-p", str(port)],
        cwd=ROOT, env={**os.environ, "MOTO_PORT": str(port)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=1).read()
            return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("moto server did not start")


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"median_ms": round(statistics.median(ordered) * 1000, 3),
            "p90_ms": round(ordered[int(0.9 * (len(ordered) - 1))] * 1000, 3), "n": len(ordered)}


def wall_clock(accounts: int) -> dict[str, Any]:
    from resource_api.core import db, vending

    def put(client: Any) -> None:
        client.put_item(TableName=TABLE, Item={"pk": {"S": "acct_bench#test#RES"}, "sk": {"S": uuid.uuid4().hex}})

    def as_account(account: str, write: bool) -> float:
        t0 = time.perf_counter()
        token = vending.bind(account, {"write"})
        try:
            client = vending.writer()
            if write:
                put(client)
        finally:
            vending.unbind(token)
        return time.perf_counter() - t0

    def timed(fn: Any) -> float:
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0

    own = db.client()
    put(own)  # warm: the model, the connection
    vending.clear()
    shared = timed(vending.shared_client)  # once per container
    as_account("acct_warm", True)
    sts = vending.sts()
    vend = [as_account(f"acct_c{i:04d}", False) for i in range(accounts)]
    assume = [timed(lambda i=i: sts.assume_role(RoleArn=ROLE, RoleSessionName=f"acct_a{i:04d}",
                                                Tags=[{"Key": vending.TAG, "Value": f"acct_a{i:04d}"}]))
              for i in range(accounts)]
    cold_write = [as_account(f"acct_f{i:04d}", True) for i in range(accounts)]
    warm_write = [as_account("acct_warm", True) for _ in range(accounts)]
    own_write = [timed(lambda: put(own)) for _ in range(accounts)]
    hits = accounts * 200
    hit_us = statistics.mean(as_account("acct_warm", False) for _ in range(hits)) * 1e6
    return {
        "shared_client_once_ms": round(shared * 1000, 3),
        "cold_vend": _ms(vend), "assume_role": _ms(assume),
        "cold_account_write": _ms(cold_write), "warm_account_write": _ms(warm_write), "own_role_write": _ms(own_write),
        "warm_hit_us": round(hit_us, 2),
        "cold_vend_per_write": round(statistics.median(vend) / statistics.median(own_write), 2),
        # A cold account's first write over a warm account's
        "cold_account_extra_ms": round((statistics.median(cold_write) - statistics.median(warm_write)) * 1000, 3),
    }


def count_instructions(env: dict[str, str], k: int = 5) -> dict[str, Any]:
    from bench import instructions

    why = instructions.unavailable()
    if why:
        return {"na": why}
    cfg = {"paths": [str(ROOT), str(ROOT / "layers" / "shared" / "python")], "role": ROLE, "k": k, "table": TABLE}
    result = instructions.count_forks(COUNT, [json.dumps(cfg)], env, timeout=240)
    if result["errors"]:
        return {"na": "; ".join(result["errors"].values())[:300]}
    pids, counts = result["out"], result["counts"]
    base = counts[pids["empty"]]
    per = {name: (counts[pids[name]] - base) / (k * 100 if name == "warm" else k) for name in ("cold", "cold_write", "warm", "write")}
    return {
        "cold_vend": round(per["cold"]), "cold_vend_and_first_write": round(per["cold_write"]),
        "warm_hit": round(per["warm"]), "write": round(per["write"]),
        "cold_vend_per_write": round(per["cold"] / per["write"], 2), "k": k,
    }


def render(result: dict[str, Any]) -> str:
    w, n = result.get("wall_clock") or {}, result.get("instructions") or {}
    if not w:
        return "token vending: n/a"
    lines = [
        f"token vending (local moto, load {result.get('load_average')}): a cold account's write "
        f"{w['cold_account_write']['median_ms']} ms vs a warm account's {w['warm_account_write']['median_ms']} ms "
        f"(+{w['cold_account_extra_ms']} ms; AssumeRole alone {w['assume_role']['median_ms']} ms), own role "
        f"{w['own_role_write']['median_ms']} ms; a vend = {w['cold_vend_per_write']}x a PutItem; a warm account "
        f"{w['warm_hit_us']} us; the shared client, once per container, {w['shared_client_once_ms']} ms",
    ]
    if "na" in n:
        lines.append(f"  instructions: n/a ({n['na']})")
    elif n:
        lines.append(f"  instructions: cold vend {n['cold_vend']:,} (= {n['cold_vend_per_write']}x a PutItem's "
                     f"{n['write']:,}), vend + first write {n['cold_vend_and_first_write']:,}, warm hit {n['warm_hit']:,}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    accounts = int(argv[argv.index("--accounts") + 1]) if "--accounts" in argv else 40
    proc, url = start_moto()
    try:
        from localcloud.cloud import aws_environment

        env = {**aws_environment(url), "TABLE_NAME": TABLE, "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled"}
        os.environ.update(env)
        import boto3

        from resource_api.core import table

        request = table.create_table_request()
        boto3.client("dynamodb").create_table(**{**request, "TableName": TABLE})
        load = "/".join(f"{x:.1f}" for x in os.getloadavg())
        result: dict[str, Any] = {"accounts": accounts, "load_average": load, "wall_clock": wall_clock(accounts)}
        out.write_text(json.dumps(result))
        child_env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        result["instructions"] = count_instructions(child_env)
        out.write_text(json.dumps(result, indent=1))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
