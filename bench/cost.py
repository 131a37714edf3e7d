"""Phase 4: modelled AWS cost per million requests of each operation, from the round
trips (phase 3), the handler CPU (phase 6), the configured Lambda memory and the
on-demand prices in bench/prices.json. Pure arithmetic; see prices.json "model" for
the assumptions it rests on.

Per request:
    API Gateway REST request
  + Lambda: one request + GB-seconds of (our CPU outside AWS calls x 1769/memory
            + AWS calls x aws_call_ms), rounded up to the millisecond
  + DynamoDB on-demand: read and write request units, modelled from item sizes
  (+ on the cold path, the same for the authorizer's invocation)
  (+ on a request on one resource, its share of the metrics ingestion, which runs off
     the request path: the CloudWatch Logs ingestion of its record line and its share
     of a measured batch's ingest invocation and DynamoDB writes, request log included;
   + on any other request, its request-log record, modelled from the items the
     ingestion writes: bench/requestlog_cost.py)
The floor is API Gateway's REST price alone.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from . import requestlog_cost

PRICES = Path(__file__).with_name("prices.json")


def load_prices() -> dict[str, Any]:
    return json.loads(PRICES.read_text())


def lambda_invocation(prices: dict[str, Any], memory_mb: int, cpu_ms: float, aws_calls: int) -> dict[str, float]:
    model = prices["model"]
    duration = cpu_ms * model["lambda_memory_mb_per_vcpu"] / memory_mb + aws_calls * model["aws_call_ms"]
    billed_ms = max(1, math.ceil(duration))
    usd = prices["lambda_per_million_requests"] / 1e6 + prices["lambda_per_gb_second_arm64"] * (memory_mb / 1024) * (
        billed_ms / 1000
    )
    return {"duration_ms": round(duration, 1), "billed_ms": billed_ms, "usd": usd}


def dynamodb(prices: dict[str, Any], rru: float, wru: float) -> float:
    return (
        rru * prices["dynamodb_on_demand_per_million_read_request_units"]
        + wru * prices["dynamodb_on_demand_per_million_write_request_units"]
    ) / 1e6


def per_million(usd: float) -> float:
    return round(usd * 1e6, 2)


def cloudwatch_logs(prices: dict[str, Any], bytes_per_event: float, events: float = 1) -> float:
    """CloudWatch Logs ingestion of log events of a given size (plus the per-event overhead)."""
    size = bytes_per_event + prices["model"]["cloudwatch_logs_event_overhead_bytes"]
    return events * size / 1e9 * prices["cloudwatch_logs_ingestion_per_gb"]


def ingestion_per_request(roundtrips: dict[str, Any], prices: dict[str, Any], memory_mb: int) -> dict[str, Any] | None:
    """The metrics ingestion of one request on a resource, from the measured batch: its
    record line's CloudWatch Logs ingestion, and its share of the ingest invocation."""
    data = (roundtrips or {}).get("metrics_ingestion") or {}
    if not data or "na" in data:
        return None
    n = max(1, data["requests"])
    batch = _background_cost(data, prices, memory_mb, "")
    logs_usd = cloudwatch_logs(prices, data["log_bytes_per_request"])
    parts = {"cloudwatch_logs": logs_usd, "lambda": batch["parts"]["lambda"] / 1e6 / n,
             "dynamodb": batch["parts"]["dynamodb"] / 1e6 / n}
    return {
        "unit": f"per request on a resource, off the request path (batches of {n} on {data['resources']} resources)",
        "usd": sum(parts.values()),
        "per_million": per_million(sum(parts.values())),
        "parts": {k: per_million(v) for k, v in parts.items()},
    }


def _on_one_resource(data: dict[str, Any]) -> bool:
    return data.get("route", "").split(" ", 1)[-1].startswith("/v1/resources/{id}")


def model(roundtrips: dict[str, Any], cpu: dict[str, Any], memory_mb: int, prices: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    floor = prices["api_gateway_rest_per_million_requests"] / 1e6
    cpu_fns = (cpu or {}).get("functions", {})
    ingest = ingestion_per_request(roundtrips, prices, memory_mb)
    auth_cpu = (cpu_fns.get("authorizer") or {}).get("cpu_ms")
    profiles = list(requestlog_cost.model(prices, ingest["parts"]["lambda"] / 1e6 if ingest else None)["profiles"].values())
    request_logs = (profiles[0]["per_million"], profiles[1]["per_million"])  # read, write
    for op, data in ((roundtrips or {}).get("operations") or {}).items():
        if "na" in data or "warm" not in data:
            out[op] = {"na": data.get("na", "no round-trip figures")}
            continue
        fn_cpu = cpu_fns.get(data["function_name"]) or {}
        own_cpu = fn_cpu.get("outside_aws_cpu_ms", fn_cpu.get("cpu_ms"))
        if own_cpu is None:
            out[op] = {"na": "no CPU figure for its function (phase 6)"}
            continue
        row: dict[str, Any] = {"floor_per_million": per_million(floor)}
        for path in ("warm", "cold"):
            # The per-request mean where there is one: the rate limiter writes in leases.
            fn = (data[path].get("per_request") or {}).get("function") or data[path]["function"]
            lam = lambda_invocation(prices, memory_mb, own_cpu, fn["aws_calls"])
            usd = floor + lam["usd"] + dynamodb(prices, fn["rru"], fn["wru"])
            parts = {
                "api_gateway": per_million(floor),
                "lambda": per_million(lam["usd"]),
                "dynamodb": per_million(dynamodb(prices, fn["rru"], fn["wru"])),
            }
            auth = (data[path].get("per_request") or {}).get("authorizer") or data[path]["authorizer"]
            if auth["aws_calls"]:
                alam = lambda_invocation(prices, memory_mb, auth_cpu or 0.0, auth["aws_calls"])
                usd += alam["usd"] + dynamodb(prices, auth["rru"], auth["wru"])
                parts["authorizer"] = per_million(alam["usd"] + dynamodb(prices, auth["rru"], auth["wru"]))
            if ingest is not None and _on_one_resource(data):
                # (the measured batch holds the request-log writes of its requests too)
                usd += ingest["usd"]
                parts["metrics_ingestion"] = ingest["per_million"]
            else:  # every request is recorded in the request logs (bench/requestlog_cost.py)
                logged = request_logs[0 if data.get("route", "").startswith(("GET", "DELETE")) else 1]
                usd += logged / 1e6
                parts["request_log"] = logged
            row[path] = {
                "per_million": per_million(usd),
                "x_floor": round(usd / floor, 2),
                "parts": parts,
                "lambda_duration_ms": lam["duration_ms"],
            }
        out[op] = row
    if ingest is not None:
        out["metrics_ingestion"] = {k: v for k, v in ingest.items() if k != "usd"}
    out["request_logs"] = requestlog_cost.model(prices, ingest["parts"]["lambda"] / 1e6 if ingest else None)
    fan = (roundtrips or {}).get("webhook_fanout_delivery") or {}
    if fan and "na" not in fan:
        out["webhook_fanout_delivery"] = _background_cost(fan, prices, memory_mb, "per event delivered to one endpoint")
    prov = (roundtrips or {}).get("provisioning_run") or {}
    if prov and "na" not in prov:
        row = _background_cost(prov, prices, memory_mb, "per provisioning run")
        transitions = prov.get("state_transitions", 0)
        sm_calls = prov.get("service_calls_by_state_machine_total", 0)
        sfn = transitions * prices["step_functions_standard_per_thousand_state_transitions"] / 1000
        # The state machine's own DynamoDB calls run inside moto's server, out of the hooks'
        # reach: each is modelled as one transactional 1 KB write (2 WRU).
        sm_ddb = dynamodb(prices, 0, 2 * sm_calls)
        row["parts"]["step_functions"] = per_million(sfn)
        row["parts"]["state_machine_dynamodb_estimated"] = per_million(sm_ddb)
        row["per_million"] = round(row["per_million"] + per_million(sfn) + per_million(sm_ddb), 2)
        out["provisioning_run"] = row
    return out


def _background_cost(data: dict[str, Any], prices: dict[str, Any], memory_mb: int, unit: str) -> dict[str, Any]:
    """Event-driven work: each invocation that made calls is costed from its calls alone
    (its CPU is not measured: a 1 ms floor per invocation), plus SQS requests."""
    total = data["total"]
    invocations = data.get("invocations_with_calls", 0)
    n = max(1, invocations)
    lam = lambda_invocation(prices, memory_mb, 0.0, total["aws_calls"] / n)["usd"] * n
    sqs = sum(v for k, v in total["by_kind"].items() if k.startswith("sqs:"))
    usd = lam + dynamodb(prices, total["rru"], total["wru"]) + sqs * prices["sqs_standard_per_million_requests"] / 1e6
    return {
        "unit": unit,
        "per_million": per_million(usd),
        "parts": {
            "lambda": per_million(lam),
            "dynamodb": per_million(dynamodb(prices, total["rru"], total["wru"])),
            "sqs": per_million(sqs * prices["sqs_standard_per_million_requests"] / 1e6),
        },
    }
