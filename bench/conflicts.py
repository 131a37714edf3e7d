"""Concurrent writes in one account: the share of creates that meet a DynamoDB
transaction conflict (issue 23 item 7).

Starts a local cloud (whose moto raises TransactionConflict when transactions on one
item overlap, localcloud/motopatches/conflicts.py), makes an enterprise-plan account,
then CONCURRENCY clients create resources in it back to back for SECONDS, each with an
Idempotency-Key, as bench/load.py's create phase does. Reports the answers by status,
how many transactions the local DynamoDB cancelled with TransactionConflict (the retries
inside the requests included), and the share of creates that failed:

    python -m bench.conflicts OUT.json [--seconds S] [--concurrency C]

The figures before and after the fix are in docs/reliability.md.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from bench.client import Client
from bench.load import LocalCloudProcess, closed_loop


def run(seconds: float, concurrency: int) -> dict[str, Any]:
    cloud = LocalCloudProcess()
    try:
        key = cloud.account("enterprise")["keys"]["test"]

        def create(client: Client, n: int, i: int) -> int:
            return client.request("POST", "/v1/resources", form={"name": f"conflict {n}-{i}", "type": "production"},
                                  idempotency_key=True)[0]

        result = closed_loop(cloud.url, key, create, seconds, concurrency, warmup=0.5)
        failed = sum(v for k, v in result["statuses"].items() if not 200 <= int(k) < 300)
        cloud.log.flush()
        cloud.log.seek(0)
        retried = len(re.findall(r"transaction conflict, retrying", cloud.log.read()))
        return {
            "concurrency": concurrency,
            "seconds": seconds,
            "creates": result["requests"],
            "statuses": result["statuses"],
            "failed_share": round(failed / max(1, result["requests"]), 4),
            "conflicts_retried_in_request": retried,
            "rps": result["rps"],
            "p50_ms": result["p50_ms"],
            "p99_ms": result["p99_ms"],
        }
    finally:
        cloud.stop()


def main(argv: list[str]) -> int:
    seconds = float(argv[argv.index("--seconds") + 1]) if "--seconds" in argv else 10.0
    concurrency = int(argv[argv.index("--concurrency") + 1]) if "--concurrency" in argv else 8
    with open(argv[0], "w") as f:
        json.dump(run(seconds, concurrency), f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
