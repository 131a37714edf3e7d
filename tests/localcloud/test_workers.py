"""`python -m localcloud` with gateway worker processes (localcloud/workers.py): every
process answers the API, and the /_local controls reach all of them (the clock a test
moves is the clock every later request sees, whichever process serves it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import requests

from tests import localcloud_process

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEST_KEY = "sk_test_" + "workersTestKey00000000000000000000"[:32]


def _cpu_ticks(pids: list[str]) -> list[int]:
    ticks = []
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ticks.append(int(fields[11]) + int(fields[12]))
    return ticks


def _apictl(env: dict[str, str], moto_port: int, *args: str) -> dict:
    from localcloud.cloud import aws_environment

    out = subprocess.run([sys.executable, "-m", "apictl", *args], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**env, **aws_environment(f"http://127.0.0.1:{moto_port}")})
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def _account_with_key(env: dict[str, str], moto_port: int) -> tuple[dict, str]:
    account = _apictl(env, moto_port, "create-account", "--plan", "scale")
    return account, account["keys"]["test"]


def _get(url: str, headers: dict[str, str]) -> int:
    return requests.get(f"{url}/v1/resources?limit=1", headers=headers, timeout=30).status_code


def test_workers_share_the_port_the_clock_and_the_authorizer_cache(tmp_path):
    port, moto_port = localcloud_process.free_port(), localcloud_process.free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        "PORT": str(port),
        "MOTO_PORT": str(moto_port),
        "LOCAL_API_KEYS": TEST_KEY,
        "LOCAL_WORKERS": "3",
        "AUTHORIZER_CACHE_TTL": "300",
        "LOCAL_STATE_FILE": str(tmp_path / "state.json"),
        "TABLE_NAME": "resource-api",
        "PYTHONPATH": os.pathsep.join([ROOT, os.path.join(ROOT, "layers", "shared", "python")]),
    }
    log = open(tmp_path / "localcloud.log", "w+")
    proc = localcloud_process.start(env, log, timeout=120)
    url = f"http://127.0.0.1:{port}"
    try:
        workers = subprocess.run(["pgrep", "-f", f"localcloud.workers --host 127.0.0.1 --port {port}"],
                                 capture_output=True, text=True).stdout.split()
        assert len(workers) == 2

        day = 86_400
        assert requests.post(f"{url}/_local/clock", json={"offset": day}, timeout=10).json()["offset"] == day
        headers = {"Authorization": f"Bearer {TEST_KEY}", "Connection": "close"}  # a new connection each time
        before = _cpu_ticks(workers)
        created = []
        for i in range(24):
            resp = requests.post(f"{url}/v1/resources", data={"name": f"worker test {i}", "type": "production"},
                                 headers=headers, timeout=30)
            assert resp.status_code == 201, resp.text
            created.append(resp.json()["created"])
        now = time.time()
        assert all(now + day - 120 < c < now + day + 120 for c in created), created

        requests.post(f"{url}/_local/clock", json={"offset": 0}, timeout=10).raise_for_status()
        for _ in range(12):
            resp = requests.get(f"{url}/v1/resources?limit=1", headers=headers, timeout=30)
            assert resp.status_code == 200
        resp = requests.post(f"{url}/v1/resources", data={"name": "after reset", "type": "production"},
                             headers=headers, timeout=30)
        assert abs(resp.json()["created"] - time.time()) < 120

        # every worker served some of the 37 connections (the kernel spreads them)
        after = _cpu_ticks(workers)
        # The authorizer cache: a key every process has cached (TTL 300 s) stays usable
        # after it is revoked, until /_local/authorizer_cache clears the cache of every process
        account, key = _account_with_key(env, moto_port)
        auth = {"Authorization": f"Bearer {key}", "Connection": "close"}
        assert [_get(url, auth) for _ in range(24)] == [200] * 24
        (key_id,) = [k["id"] for k in _apictl(env, moto_port, "list-keys", account["id"])["data"] if k["mode"] == "test"]
        _apictl(env, moto_port, "revoke-key", account["id"], key_id)
        assert requests.delete(f"{url}/_local/authorizer_cache", timeout=10).status_code == 200
        answers = [_get(url, auth) for _ in range(24)]
        assert answers == [401] * 24, answers  # a 200 would be a process that kept its cache
        assert all(a - b >= 2 for a, b in zip(after, before)), (before, after)
    finally:
        localcloud_process.stop(proc)
        log.close()
    # (the workers exit on their own after the parent: wait for that, the final state)
    for _ in range(300):
        leftover = subprocess.run(["pgrep", "-f", f"localcloud.workers --host 127.0.0.1 --port {port}"],
                                  capture_output=True, text=True).stdout.split()
        if not leftover:
            break
        time.sleep(0.1)
    assert leftover == []
