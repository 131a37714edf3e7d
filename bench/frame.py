"""Phase 1b: the frame's cold start, beside a framework and beside an absolute floor.

One function (GET /v1/resources/{id}, the most called) in a fresh interpreter per
sample, three ways, laid out as bench.coldstart lays out a deployed function:

    shipped    its handler as deployed: resource_api.frame.http, the thin adapter (proxy
               event in, proxy response out, no ASGI)
    framework  the same handler behind FastAPI + Mangum, as the frame was built until
               issue 16: the app with the route, Mangum translating the event to ASGI and
               back, the endpoint handing the event to the shipped frame. What a framework
               adds on top of our frame; fastapi and mangum are in requirements-dev.txt for
               this comparison only (they do not ship).
    floor      bench.minimal.get_resource: no framework, no pydantic, no logging. At init
               only the standard library and the key builders/attribute conversions
               (resource_api.core.keys, resource_api.core.db); on the first call boto3, one
               DynamoDB client and the same two DynamoDB calls as the real handler
               (rate-limit UpdateItem, GetItem), answered with json.dumps.

Each sample: `import` time (init), then the first invocation (which builds the first
boto3 client, as every function's first request does), then a second (warm) one, in
wall-clock and CPU time. The DynamoDB is an in-process moto server on 127.0.0.1 with
the table; the resource asked for does not exist, so every variant answers 404 after
the same calls. Rounds run the three one after another, in rotating order, so machine
noise hits all alike; medians over the rounds, reported as ratios.

    python -m bench.frame OUT.json [--runs N] [--budget S] [--before REV]

`--before REV` adds a fourth variant: the shared layer of git revision REV (e.g. the
FastAPI frame itself, f7c4a64), for the run that took the decision.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from io import BytesIO
from pathlib import Path
from typing import Any

from bench import coldstart, discover

ROOT = discover.ROOT
FUNCTION = "get_resource"
PATH = "/v1/resources/res_0000000000benchmissing00"

SAMPLE = r"""
import json, sys, time
cfg = json.loads(sys.argv[1])
sys.path[0:0] = cfg["paths"]
event, variant = cfg["event"], cfg["variant"]

class Context:
    function_name = "get_resource"
    aws_request_id = "bench"
    def get_remaining_time_in_millis(self):
        return 29_000

t0, c0 = time.perf_counter(), time.process_time()
if variant == "floor":
    from bench.minimal import get_resource as handle
elif variant == "framework":
    import handler
    from fastapi import FastAPI, Request
    from mangum import Mangum
    from starlette.responses import Response

    async def serve(request: Request) -> Response:
        await request.body()
        out = handler.handler(request.scope["aws.event"], request.scope["aws.context"])
        return Response(content=out["body"], status_code=out["statusCode"], headers=out["headers"])

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    from resource_api.routes import route_for
    route = route_for("get_resource")
    app.add_api_route(route.path, serve, methods=[route.method])
    handle = Mangum(app, lifespan="off")
else:
    import handler
    handle = handler.handler
t1, c1 = time.perf_counter(), time.process_time()
first = handle(dict(event), Context())
t2, c2 = time.perf_counter(), time.process_time()
second = handle(dict(event), Context())
t3, c3 = time.perf_counter(), time.process_time()
print(json.dumps({
    "import_ms": (t1 - t0) * 1000, "first_ms": (t2 - t1) * 1000, "warm_ms": (t3 - t2) * 1000,
    "import_cpu_ms": (c1 - c0) * 1000, "first_cpu_ms": (c2 - c1) * 1000, "warm_cpu_ms": (c3 - c2) * 1000,
    "status": [first["statusCode"], second["statusCode"]],
}))
"""

FIGURES = ("import_ms", "first_ms", "warm_ms", "import_cpu_ms", "first_cpu_ms", "warm_cpu_ms")


def proxy_event() -> dict[str, Any]:
    """A REST proxy event for the GET, with the authorizer's answer, as API Gateway sends it."""
    request_id = str(uuid.uuid4())
    key = f"key_bench{uuid.uuid4().hex[:12]}"  # a key of its own: no sample meets another's rate limit
    authorizer = {"principalId": key, "account_id": "acct_bench", "mode": "test", "key_id": key, "plan": "free"}
    headers = {"Host": "api.example.com", "Accept": "application/json", "User-Agent": "bench"}
    return {
        "resource": "/resources/{id}", "path": PATH, "httpMethod": "GET", "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None, "multiValueQueryStringParameters": None,
        "pathParameters": {"id": PATH.rsplit("/", 1)[1]}, "stageVariables": None,
        "requestContext": {"resourcePath": "/resources/{id}", "httpMethod": "GET", "path": PATH, "stage": "v1",
                           "requestId": request_id, "accountId": "123456789012", "apiId": "bench",
                           "identity": {"sourceIp": "127.0.0.1"}, "authorizer": authorizer},
        "body": None, "isBase64Encoded": False,
    }


def _shared_layer_at(rev: str, into: Path) -> Path:
    archive = subprocess.run(["git", "archive", rev, "layers/shared/python"], cwd=ROOT, capture_output=True,
                             check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    import compileall

    compileall.compile_dir(str(into), quiet=1)  # ordinary .pyc, as coldstart's fallback layout
    return into / "layers" / "shared" / "python"


def _sample(variant: str, paths: list[str], env: dict[str, str]) -> dict[str, Any]:
    cfg = json.dumps({"paths": paths, "event": proxy_event(), "variant": variant})
    proc = subprocess.run([sys.executable, "-E", "-s", "-B", "-c", SAMPLE, cfg], env=env, capture_output=True,
                          text=True, timeout=120, cwd=tempfile.gettempdir())
    if proc.returncode != 0:
        raise RuntimeError((proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def summarise(samples: dict[str, list[dict[str, Any]]], notes: dict[str, str]) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for name, got in samples.items():
        if not got:
            rows[name] = {"na": notes.get(name, "no sample")}
            continue
        row = {f: round(statistics.median(s[f] for s in got), 1) for f in FIGURES}
        row["cold_ms"] = round(statistics.median(s["import_ms"] + s["first_ms"] for s in got), 1)
        row["cold_cpu_ms"] = round(statistics.median(s["import_cpu_ms"] + s["first_cpu_ms"] for s in got), 1)
        row["status"] = sorted({st for s in got for st in s["status"]})
        row["samples"] = [{f: round(s[f], 1) for f in FIGURES} for s in got]
        rows[name] = row
    floor = rows.get("floor", {})
    for name, row in rows.items():
        if "na" in row or "na" in floor:
            continue
        for f in ("import_ms", "first_ms", "cold_ms", "cold_cpu_ms"):
            row[f"{f}_vs_floor"] = round(row[f] / floor[f], 2) if floor.get(f) else None
    shipped, framework = rows.get("shipped", {}), rows.get("framework", {})
    if "cold_ms" in shipped and "cold_ms" in framework:
        shipped["cold_ms_vs_framework"] = round(shipped["cold_ms"] / framework["cold_ms"], 2)
        shipped["cold_cpu_ms_vs_framework"] = round(shipped["cold_cpu_ms"] / framework["cold_cpu_ms"], 2)
    return {"runs": min((len(v) for v in samples.values()), default=0), "function": FUNCTION, "variants": rows,
            "notes": notes}


def run(runs: int, budget: float | None = None, before: str | None = None, out_path: str | None = None) -> dict[str, Any]:
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    begun = time.monotonic()
    build_note = coldstart.build_layers()
    layers, layout = coldstart.layer_paths()
    work = Path(tempfile.mkdtemp(prefix="bench-frame-"))
    port = discover_free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        env = {**coldstart.lambda_env(), "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"}
        _create_table(env)
        asset = work / FUNCTION
        shutil.copytree(ROOT / "functions" / FUNCTION, asset, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        variants: dict[str, list[str]] = {
            "shipped": [str(asset), *layers],
            "framework": [str(asset), *layers],
            "floor": [str(ROOT), *layers],
        }
        notes = {"layout": layout, "build": build_note,
                 "floor": "bench.minimal.get_resource: stdlib + resource_api.keys/db at init; boto3, one client "
                          "and the same two DynamoDB calls on the first call"}
        if before:
            old = _shared_layer_at(before, work / "before")
            variants["before"] = [str(asset), str(old), *layers[1:]]
            notes["before"] = f"the shared layer of {before} (ordinary .pyc, compiled beforehand)"
        samples: dict[str, list[dict[str, Any]]] = {name: [] for name in variants}
        order = list(variants)
        started = time.monotonic()
        for round_number in range(runs):
            if budget and round_number >= 2:
                per_round = (time.monotonic() - started) / round_number
                if time.monotonic() - begun + per_round > budget:
                    break
            for name in order[round_number % len(order):] + order[: round_number % len(order)]:
                if name not in samples or (notes.get(name, "").startswith("failed")):
                    continue
                try:
                    samples[name].append(_sample(name, variants[name], env))
                except Exception as exc:
                    notes[name] = f"failed: {exc}"[:300]
                    samples[name] = []
            if out_path:
                Path(out_path).write_text(json.dumps({**summarise(samples, notes), "partial": True}))
        return summarise(samples, notes)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


def discover_free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _create_table(env: dict[str, str]) -> None:
    import boto3

    from resource_api.core import table

    client = boto3.client("dynamodb", endpoint_url=env["AWS_ENDPOINT_URL"], region_name=env["AWS_REGION"],
                          aws_access_key_id="bench", aws_secret_access_key="bench")
    client.create_table(**table.create_table_request(env["TABLE_NAME"]))


def main(argv: list[str]) -> int:
    runs = int(argv[argv.index("--runs") + 1]) if "--runs" in argv else 7
    budget = float(argv[argv.index("--budget") + 1]) if "--budget" in argv else None
    before = argv[argv.index("--before") + 1] if "--before" in argv else None
    result = run(runs, budget, before, argv[0])
    Path(argv[0]).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
