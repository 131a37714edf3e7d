"""Phase 6: handler CPU per request, in-process against in-process moto, for each
resource endpoint beside a minimal handler making the same AWS calls with no
framework (bench/minimal.py). The ratio is our framework overhead.

Both handlers get the same API Gateway REST proxy events (built by the local
gateway's own event builder, with the authorizer's answer in requestContext) and
are called the way Lambda calls them. Requests alternate in chunks of ten between
the real and the minimal handler so machine noise hits both alike. CPU time is
process time; the time spent inside AWS calls (botocore + in-process moto, between
the before-parameter-build and after-call hooks) is also reported, so the CPU our
code spends outside AWS calls can be compared too.

Other GET routes without path parameters (lists of other objects) are timed too,
without a minimal twin. The authorizer's CPU per invocation is measured for the
cost model.

    python -m bench.cpu OUT.json [--requests N]
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from typing import Any

CHUNK = 10


def _env() -> None:
    for var in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        os.environ.pop(var, None)
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
            "TABLE_NAME": "resource-api-bench",
            "POWERTOOLS_SERVICE_NAME": "resource-api",
            "POWERTOOLS_LOG_LEVEL": "INFO",  # as deployed (infra/api.py); output goes to /dev/null
            "STAGE": "production",
        }
    )


class AwsClock:
    """CPU time spent inside AWS calls, and the sequence of calls, via botocore hooks."""

    def __init__(self, client: Any) -> None:
        self.inside = 0.0
        self.ops: list[str] = []
        self._t: dict[int, float] = {}
        client.meta.events.register("before-parameter-build", self._before)
        client.meta.events.register("after-call", self._after)

    # Calls sent in parallel from a thread pool overlap; each thread's own CPU is timed.
    def _before(self, model: Any, **_: Any) -> None:
        self.ops.append(model.name)
        self._t[threading.get_ident()] = time.thread_time()

    def _after(self, **_: Any) -> None:
        started = self._t.pop(threading.get_ident(), None)
        if started is not None:
            self.inside += time.thread_time() - started


def _quiet_call(fn: Any, *args: Any) -> Any:
    stdout, sys.stdout = sys.stdout, open(os.devnull, "w")
    try:
        return fn(*args)
    finally:
        sys.stdout.close()
        sys.stdout = stdout


class World:
    """A fresh in-process moto with the table (streams off: nothing here reads them, and
    moto copies every table, stream records included, on each transaction), one account
    and key, and an event builder that runs the real authorizer."""

    def __init__(self) -> None:
        import boto3
        from moto import mock_aws

        from localcloud.gateway import Gateway
        from resource_api.core import accounts, db, table
        from resource_api import routes

        from localcloud import motoserver

        # The local moto server's rollback (item by item): moto's own deep-copies every
        # table a transaction touches, so each transaction would cost time in proportion
        # to the table, which grows during the run (DynamoDB's cost does not).
        motoserver.keep_stream_on_rollback()
        self.mock = mock_aws()
        self.mock.start()
        self.client = boto3.client("dynamodb")
        request = table.create_table_request()
        request.pop("StreamSpecification", None)
        self.client.create_table(**request)
        db.set_client(self.client)
        self.clock = AwsClock(self.client)
        self.account = accounts.create_account(plan="enterprise")
        self.secret = accounts.add_key(self.account["id"], "test")["secret"]
        self.gateway = Gateway(auth_cache_ttl=300.0, admin=False)
        self.routes = {r.function: r for r in routes.ROUTES}

    def close(self) -> None:
        from resource_api.core import db

        db.set_client(None)
        self.mock.stop()

    def event(self, function: str, path: str, body: bytes = b"", query: dict[str, list[str]] | None = None,
              path_params: dict[str, str] | None = None, idem: bool = False) -> dict[str, Any]:
        route = self.routes[function]
        headers = {"Authorization": f"Bearer {self.secret}", "Host": "127.0.0.1", "User-Agent": "bench"}
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if idem:
            headers["Idempotency-Key"] = str(uuid.uuid4())
        ev = self.gateway._event(route.method, path, route, path_params or {}, headers, query or {}, body,
                                 str(uuid.uuid4()))
        auth = self.gateway._authorize(ev)
        if isinstance(auth, str):
            raise RuntimeError(f"authorizer refused the bench's key: {auth}")
        ev["requestContext"]["authorizer"] = auth
        return ev

    def create_active(self, cheap: bool = False) -> str:
        """A resource made by the real create handler (or, `cheap`, by the minimal one,
        which writes the same items), then settled as provisioning would (active)."""
        from bench import minimal
        from localcloud import lambda_runtime
        from resource_api.core import db

        event = self.event("create_resource", "/v1/resources", b"name=seed&type=production")
        if cheap:
            resp = minimal.create_resource(event)
        else:
            resp = _quiet_call(lambda_runtime.invoke, "create_resource", event)
        rid = json.loads(resp["body"])["id"]
        self.client.update_item(
            TableName=db.table(), Key=db.to_item({"pk": f"{self.account['id']}#test#RES", "sk": rid}),
            UpdateExpression="SET #s = :a, capacity_reserved = :t", ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues=db.values(a="active", t=True),
        )
        return rid


def measure_endpoint(function: str, requests: int) -> dict[str, Any]:
    from bench import minimal
    from localcloud import lambda_runtime

    world = World()
    try:
        seeded = [world.create_active() for _ in range(11 if function != "delete_resource" else 0)]
        to_delete: dict[str, list[str]] = {"real": [], "minimal": []}
        if function == "delete_resource":
            for variant in to_delete:
                to_delete[variant] = [world.create_active(cheap=True) for _ in range(requests + 1)]
        ev = world.event
        makers: dict[str, Any] = {
            "get_resource": lambda v: ev("get_resource", f"/v1/resources/{seeded[0]}", path_params={"id": seeded[0]}),
            "list_resources": lambda v: ev("list_resources", "/v1/resources", query={"limit": ["10"]}),
            "create_resource": lambda v: ev("create_resource", "/v1/resources", b"name=bench&type=production",
                                            idem=True),
            "update_resource": lambda v: ev("update_resource", f"/v1/resources/{seeded[1]}", b"name=renamed",
                                            path_params={"id": seeded[1]}, idem=True),
            "delete_resource": lambda v: (lambda rid: ev("delete_resource", f"/v1/resources/{rid}",
                                                         path_params={"id": rid}, idem=True))(to_delete[v].pop()),
        }
        make = makers[function]
        variants = {
            "real": lambda e: lambda_runtime.invoke(function, e),
            "minimal": minimal.HANDLERS[function],
        }
        samples: dict[str, list[float]] = {"real": [], "minimal": []}
        inside: dict[str, list[float]] = {"real": [], "minimal": []}
        ops: dict[str, list[str]] = {}
        statuses: dict[str, set[int]] = {"real": set(), "minimal": set()}
        clock = world.clock
        for variant, handler in variants.items():  # two untimed calls each: warm up, record the second's AWS calls
            for _ in range(2):
                clock.ops = []
                statuses[variant].add(_quiet_call(handler, make(variant))["statusCode"])
            ops[variant] = list(clock.ops)
        # Both count rate limits in leases by the same policy: from the same start, the
        # timed requests of both make the same calls (checked below).
        from resource_api.frame import key_limits

        key_limits.forget_leases()
        minimal.forget_leases()
        # In-process moto's tables are part of this harness, not of either handler: left
        # in the collector's oldest generation, every full collection walks them, and the
        # variant that happens to trigger it pays (a Lambda's heap holds no table).
        gc.collect()
        gc.freeze()
        timed_ops: dict[str, list[str]] = {"real": [], "minimal": []}
        done = 0
        devnull = open(os.devnull, "w")
        while done < requests - 1:
            n = min(CHUNK, requests - 1 - done)
            for variant, handler in variants.items():
                events = [make(variant) for _ in range(n)]
                clock.inside = 0.0
                clock.ops = []
                stdout, sys.stdout = sys.stdout, devnull
                try:
                    t0 = time.process_time()
                    for e in events:
                        statuses[variant].add(handler(e)["statusCode"])
                    spent = time.process_time() - t0
                finally:
                    sys.stdout = stdout
                timed_ops[variant] += clock.ops
                samples[variant].append(spent / n * 1000)
                inside[variant].append(clock.inside / n * 1000)
            done += n
        devnull.close()
        real_ms, min_ms = statistics.median(samples["real"]), statistics.median(samples["minimal"])
        real_in, min_in = statistics.median(inside["real"]), statistics.median(inside["minimal"])
        return {
            "requests": requests,
            "cpu_ms": round(real_ms, 3),
            "minimal_cpu_ms": round(min_ms, 3),
            "ratio": round(real_ms / min_ms, 3) if min_ms else None,
            "aws_calls_cpu_ms": round(real_in, 3),
            "minimal_aws_calls_cpu_ms": round(min_in, 3),
            "outside_aws_cpu_ms": round(real_ms - real_in, 3),
            "minimal_outside_aws_cpu_ms": round(min_ms - min_in, 3),
            "outside_aws_ratio": round((real_ms - real_in) / (min_ms - min_in), 2) if min_ms > min_in else None,
            "statuses": {k: sorted(v) for k, v in statuses.items()},
            "aws_calls": ops["real"],
            "minimal_aws_calls": ops["minimal"],
            "timed_calls": dict(sorted(Counter(timed_ops["real"]).items())),
            "minimal_timed_calls": dict(sorted(Counter(timed_ops["minimal"]).items())),
            "same_calls": Counter(timed_ops["real"]) == Counter(timed_ops["minimal"]),
        }
    finally:
        gc.unfreeze()
        world.close()


def measure_others(requests: int, done: set[str]) -> dict[str, Any]:
    """Other GET routes without path parameters, and the authorizer: our handler's CPU only."""
    from localcloud import lambda_runtime
    from resource_api import routes

    world = World()
    results: dict[str, Any] = {}
    try:
        for route in routes.ROUTES:
            if route.function in done or route.method != "GET" or "{" in route.path:
                continue
            try:
                times, status = [], set()
                for _ in range(requests):
                    e = world.event(route.function, route.path)
                    t0 = time.process_time()
                    status.add(_quiet_call(lambda_runtime.invoke, route.function, e)["statusCode"])
                    times.append((time.process_time() - t0) * 1000)
                results[route.function] = {"cpu_ms": round(statistics.median(times), 3), "statuses": sorted(status),
                                           "na_minimal": "no minimal twin in bench/minimal.py"}
            except Exception as exc:
                results[route.function] = {"na": f"{type(exc).__name__}: {exc}"[:200]}
        e = world.event("list_resources", "/v1/resources")
        auth_event = {"type": "REQUEST", "methodArn": "arn:aws:execute-api:us-east-1:123456789012:local/v1/GET/x",
                      "headers": e["headers"], "requestContext": e["requestContext"]}
        times = []
        for _ in range(requests):
            t0 = time.process_time()
            _quiet_call(lambda_runtime.invoke, routes.AUTHORIZER_FUNCTION, auth_event)
            times.append((time.process_time() - t0) * 1000)
        results[routes.AUTHORIZER_FUNCTION] = {"cpu_ms": round(statistics.median(times), 3)}
    finally:
        world.close()
    return results


def run(requests: int, out_path: str | None = None) -> dict[str, Any]:
    _env()
    from bench import minimal
    from resource_api import routes

    present = {r.function for r in routes.ROUTES}
    results: dict[str, Any] = {}
    for function in minimal.HANDLERS:
        if function not in present:
            results[function] = {"na": "not in the route table"}
            continue
        try:
            results[function] = measure_endpoint(function, requests)
        except Exception as exc:
            results[function] = {"na": f"{type(exc).__name__}: {exc}"[:300]}
        if out_path:  # what a cut-off run still reports
            with open(out_path, "w") as f:
                json.dump({"requests_per_endpoint": requests, "functions": results, "partial": True}, f)
    results.update(measure_others(max(10, requests // 4), set(results)))
    return {"requests_per_endpoint": requests, "functions": results}


def main(argv: list[str]) -> int:
    requests = 100
    if "--requests" in argv:
        requests = int(argv[argv.index("--requests") + 1])
    result = run(requests, argv[0])
    with open(argv[0], "w") as f:
        json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
