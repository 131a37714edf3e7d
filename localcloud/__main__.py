"""`python -m localcloud` (what `make run` starts): the whole API on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import sys
import threading

from . import keep
from .cloud import ROOT, LocalCloud


def workers() -> int:
    """Gateway processes in all (localcloud/workers.py): LOCAL_WORKERS, default 1. More
    help on a machine with cores to spare; on 2 cores the moto server, one gateway and
    the client already share both, and extra workers measured no better (docs/performance.md)."""
    given = os.environ.get("LOCAL_WORKERS", "").strip()
    return max(1, int(given)) if given else 1


def main() -> int:
    keys = [k.strip() for k in os.environ.get("LOCAL_API_KEYS", "").split(",") if k.strip()]
    bad = [k for k in keys if not (k.startswith("sk_test_") or k.startswith("sk_live_"))]
    if bad:
        print("LOCAL_API_KEYS takes sk_test_... and sk_live_... keys, comma-separated", file=sys.stderr)
        return 2
    cloud = LocalCloud(
        port=int(os.environ.get("PORT", "8000")),
        moto_port=int(os.environ.get("MOTO_PORT", "0")),
        api_keys=keys,
        auth_cache_ttl=float(os.environ.get("AUTHORIZER_CACHE_TTL", "300")),
        state_file=os.environ.get("LOCAL_STATE_FILE", os.path.join(ROOT, ".localcloud.json")),
        log=lambda msg: print(f"[localcloud] {msg}", flush=True),
        workers=workers(),
        dashboard_port=int(os.environ["DASHBOARD_PORT"]) if os.environ.get("DASHBOARD_PORT") else None,
        state_dir=keep.state_directory(ROOT),
        fresh=keep.wants_fresh(),
    )
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        cloud.start()
    except Exception as exc:
        print(f"[localcloud] failed to start: {exc}", file=sys.stderr, flush=True)
        cloud.stop()
        return 1
    print(
        "\n".join(
            [
                "",
                f"Resource API running at {cloud.url}  (AWS services: moto at {cloud.moto_url})",
                f"  account:  acct_demo",
                f"  test key: {cloud.keys['test']}",
                f"  live key: {cloud.keys['live']}",
                f"Dashboard: {cloud.dashboard_url}  (sign in with either key)",
                "",
                "Try:",
                f"  curl {cloud.url}/v1/resources -H \"Authorization: Bearer {cloud.keys['test']}\" "
                "-d name=\"My First Resource\" -d type=\"production\"",
                "",
                "Press Ctrl-C to stop.",
            ]
        ),
        flush=True,
    )
    stop.wait()
    print("[localcloud] stopping", flush=True)
    cloud.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
