"""SnapStart's restore hooks (resource_api/core/snapstart.py), with a restore simulated
the way SnapStart does it: one initialised process whose memory is copied into several
"restored" ones (os.fork, with the random generator's state put back as the snapshot
held it: unlike a restore, fork reseeds it), each running the hooks the runtime would run.

The runtime's `snapshot_restore_py` is replaced by a stand-in with the same two
functions (the real one ships only inside Lambda's Python runtime); the hooks are
registered by the shared layer's own init, as in Lambda, because the process starts
with AWS_LAMBDA_INITIALIZATION_TYPE=snap-start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

RUNTIME = '''
before, after = [], []
def register_before_snapshot(func, *args, **kwargs):
    before.append(func)
    return func
def register_after_restore(func, *args, **kwargs):
    after.append(func)
    return func
'''

SCRIPT = r'''
import json, os, random, sys, uuid
import snapshot_restore_py as runtime
import resource_api  # init: registers the hooks when Lambda initialises for SnapStart
from resource_api.core import clock, db, ids
from resource_api.events import domain, queues
from resource_api.frame import key_limits

print(json.dumps({"registered": [len(runtime.before), len(runtime.after)]}), flush=True)
if not runtime.after:
    sys.exit(0)
# What init and a first request leave in memory: clients, a lease, a cached version, a clock.
init_client = db.client()
queues.client()
key_limits._leases["key_1"] = "a lease taken before the snapshot"
domain._versions["acct_1"] = ("2024-06-01", 0.0)
clock.set_offset(3600)
for hook in runtime.before:  # the snapshot
    hook()
snapshot = {"clients_in_snapshot": [db._client is not None, queues._client is not None]}
generator = random.getstate()

def restored(run_hooks):
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        # fork() reseeds `random` in the child (random.py's at-fork hook); a SnapStart restore
        # does not, it resumes the snapshot's memory: put the snapshot's generator back.
        random.setstate(generator)
        if run_hooks:
            for hook in runtime.after:
                hook()
        out = {
            "random": [random.random() for _ in range(3)],
            "id": ids.new_id("res"),
            "uuid": uuid.uuid4().hex,
            "clients": [db._client is not None, queues._client is not None],
            "leases": len(key_limits._leases), "versions": len(domain._versions), "offset": clock.offset(),
        }
        client = db.client()
        out["new_client"] = client is not init_client and client is db.client()
        os.write(write, json.dumps(out).encode())
        os._exit(0)
    os.close(write)
    data = b""
    while chunk := os.read(read, 65536):
        data += chunk
    os.waitpid(pid, 0)
    return json.loads(data)

print(json.dumps({**snapshot, "restored": [restored(True), restored(True)],
                  "without_hooks": [restored(False), restored(False)]}))
'''


def run(tmp_path: Path, initialization_type: str) -> list[dict]:
    (tmp_path / "snapshot_restore_py.py").write_text(RUNTIME)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT / "layers" / "shared" / "python")]),
        "AWS_LAMBDA_INITIALIZATION_TYPE": initialization_type,
        "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "restore-test", "AWS_SECRET_ACCESS_KEY": "restore-test",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",  # never called: clients are only built
    }
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120,
                         check=True, cwd=tmp_path)
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def test_restored_copies_draw_their_own_randomness_and_rebuild_clients_and_caches(tmp_path):
    registered, result = run(tmp_path, "snap-start")
    assert registered == {"registered": [1, 1]}
    assert result["clients_in_snapshot"] == [False, False]  # dropped before the snapshot
    one, two = result["restored"]
    # Without the hooks the restored copies would share the generator: the same "random"
    # retry jitter in every copy. With them each draws its own.
    plain_one, plain_two = result["without_hooks"]
    assert plain_one["random"] == plain_two["random"]
    assert one["random"] != two["random"]
    # Ids and tokens read the OS's random source each time: distinct in any case.
    assert one["id"] != two["id"] and one["uuid"] != two["uuid"]
    for copy in (one, two):
        assert copy["clients"] == [False, False] and copy["new_client"]
        assert copy["leases"] == 0 and copy["versions"] == 0 and copy["offset"] == 0.0
    assert plain_one["leases"] == 1 and plain_one["offset"] == 3600.0  # what the hooks cleared


def test_hooks_are_registered_only_when_lambda_initialises_for_snapstart(tmp_path):
    assert run(tmp_path, "on-demand") == [{"registered": [0, 0]}]


def test_register_without_the_runtime_registers_nothing():
    from resource_api.core import snapstart

    assert "snapshot_restore_py" not in sys.modules
    assert snapstart.register() is False
