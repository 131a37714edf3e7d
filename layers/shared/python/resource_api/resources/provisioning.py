"""Async provisioning: one Step Functions execution per created resource.

The stream is the trigger: a resource's INSERT reaches `on_change` (a stream
subscriber), which starts the provisioning state machine
(infra/statemachines/provisioning.asl.json) with the resource id as the execution
name, so a replayed stream batch, a retried start or a duplicate request can never
start a second one (Step Functions refuses a second execution of the same name).

The execution input carries everything the state machine needs as ready-made
DynamoDB values (every key from core/keys.py, the plan's limit from core/plans.py, the step
pacing), so the definition itself is plain service integrations on the table:

    ValidateConfiguration -> ReserveCapacity -> WriteRuntimeConfiguration
        -> VerifyRuntimeConfiguration -> Activate

DELETE of a resource that is still pending stops its execution (`stop`) after the
delete has committed; see docs/provisioning.md for every interleaving.
"""

from __future__ import annotations

import json
import logging
import math
import os
from typing import Any

from ..core import accounts, clock, db, keys, plans

log = logging.getLogger(__name__)

STATE_MACHINE_ARN_ENV = "PROVISIONING_STATE_MACHINE_ARN"
STEP_SECONDS_ENV = "PROVISIONING_STEP_SECONDS"
DEFAULT_STEP_SECONDS = 6  # deployed stages: ~30 s in all, as the spec shows
STEPS = (
    "ValidateConfiguration",
    "ReserveCapacity",
    "WriteRuntimeConfiguration",
    "VerifyRuntimeConfiguration",
    "Activate",
)
# What the runtime configuration item records beyond the plan's request rate (the spec's `limits`).
MAX_BATCH_SIZE = 1000
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024

_client: Any = None


def client() -> Any:
    global _client
    if _client is None:
        _client = db.aws_client("stepfunctions")
    return _client


def set_client(value: Any) -> None:
    global _client
    _client = value


def state_machine_arn() -> str | None:
    return os.environ.get(STATE_MACHINE_ARN_ENV) or None


def step_seconds() -> int:
    """Seconds each step waits before it runs (Wait states need whole seconds)."""
    raw = os.environ.get(STEP_SECONDS_ENV, "")
    return max(0, int(raw)) if raw.strip() else DEFAULT_STEP_SECONDS


def execution_arn(resource_id: str, machine_arn: str | None = None) -> str:
    machine_arn = machine_arn or state_machine_arn() or ""
    return machine_arn.replace(":stateMachine:", ":execution:", 1) + ":" + resource_id


# --- the execution input ----------------------------------------------------------


def runtime_item(account_id: str, mode: str, resource_id: str, plan: plans.Plan, execution: str) -> dict[str, Any]:
    """The resource's runtime configuration: what it may do, from its plan."""
    return {
        **keys.resource_runtime(account_id, mode, resource_id),
        "entity": "resource_runtime",
        "account_id": account_id,
        "mode": mode,
        "resource_id": resource_id,
        "plan": plan.name,
        "limits": {
            "max_requests_per_minute": plan.requests_per_minute,
            "max_batch_size": MAX_BATCH_SIZE,
            "max_payload_bytes": MAX_PAYLOAD_BYTES,
        },
        "provisioned_by": execution,
    }


def execution_input(item: dict[str, Any], plan: plans.Plan, *, seconds: int, now: int) -> dict[str, Any]:
    """What one execution needs, from the resource's stored item.

    `values.schedule[k]` is the earliest time step k can have finished (now + k steps):
    JSONPath has no epoch clock, so the state machine stamps `updated` from it.
    """
    account_id, mode, resource_id = item["account_id"], item["mode"], item["id"]
    schedule = [now + k * seconds for k in range(len(STEPS) + 1)]
    index = {
        status: db.to_item(keys.resource_index(account_id, mode, status, resource_id))
        for status in ("active", "failed")
    }
    return {
        "resource_id": resource_id,
        "account_id": account_id,
        "mode": mode,
        "plan": plan.name,
        "max_resources": plan.max_resources,
        "step_seconds": seconds,
        "progress": {"steps_completed": 0, "next_step": STEPS[0]},
        "keys": {
            "resource": db.to_item(keys.resource(account_id, mode, resource_id)),
            "counter": db.to_item(keys.resource_counter(account_id, mode)),
            "runtime": db.to_item(keys.resource_runtime(account_id, mode, resource_id)),
        },
        "index": index,
        "values": {
            "resource_id": {"S": resource_id},
            "plan": {"S": plan.name},
            "max_resources": {"N": str(plan.max_resources)},
            "estimated_completion": {"N": str(schedule[-1])},
            "schedule": [{"N": str(t)} for t in schedule],
        },
        "runtime_item": db.to_item(runtime_item(account_id, mode, resource_id, plan, resource_id)),
    }


# --- start and stop ---------------------------------------------------------------


def start(item: dict[str, Any]) -> str | None:
    """Start provisioning a pending resource; its execution's ARN. Starting it again is
    harmless: Step Functions answers the same execution (same name and input, still
    running) or ExecutionAlreadyExists, which counts as done. None if provisioning is not
    configured here."""
    machine = state_machine_arn()
    if machine is None:
        log.warning("%s is not set: resource %s is not provisioned", STATE_MACHINE_ARN_ENV, item.get("id"))
        return None
    account = accounts.get_account(item["account_id"]) or {}
    plan = plans.get(account.get("plan", "free"))
    payload = execution_input(item, plan, seconds=step_seconds(), now=math.ceil(clock.now()))
    sfn = client()
    try:
        sfn.start_execution(stateMachineArn=machine, name=item["id"], input=json.dumps(payload))
    except sfn.exceptions.ExecutionAlreadyExists:
        pass  # a replayed record or a retried start: the one execution is already there
    return execution_arn(item["id"], machine)


def stop(resource_id: str) -> bool:
    """Stop a resource's execution (DELETE of a pending resource). Best effort: the
    execution's remaining steps are conditional on the resource, so one that is not
    stopped ends by itself in `Cancelled`. True if Step Functions took the stop; False if
    there is no such execution (yet) or the call failed."""
    machine = state_machine_arn()
    if machine is None:
        return False
    sfn = client()
    try:
        sfn.stop_execution(
            executionArn=execution_arn(resource_id, machine),
            error="ResourceDeleted",
            cause="The resource was deleted while it was provisioning.",
        )
    except sfn.exceptions.ExecutionDoesNotExist:
        return False
    except Exception:
        log.warning("could not stop the provisioning of %s; it will end at its next step", resource_id, exc_info=True)
        return False
    return True


# --- the stream subscriber --------------------------------------------------------


def on_change(change: Any) -> None:
    """Stream subscriber: a resource INSERTed as pending starts its provisioning."""
    if change.name != "INSERT" or change.entity != "resource":
        return
    item = change.new or {}
    if item.get("status") != "pending":
        return
    start(item)
