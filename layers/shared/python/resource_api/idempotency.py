"""Idempotency keys with Stripe's semantics, as DynamoDB items with a 24 h TTL.

    first request with a key  -> lock (IN_PROGRESS), run, store the response (COMPLETED)
    same key, same request     -> the stored response, replayed (Idempotent-Replayed: true)
    same key, other request    -> 400 idempotency_key_reused; nothing runs
    same key while in flight   -> 409 idempotency_key_in_use with Retry-After
    lock of a dead invocation  -> expires with the invocation's own deadline; a retry proceeds

The record is scoped to account + mode + key. "Same request" means the same method,
route, path parameters and validated parameters, so a form body and a JSON body with
the same values are the same request. Validation failures never reach this module
(nothing is stored); everything after work began is stored, 5xx included, except
errors known to have written nothing (throttling), which release the lock.

Why not Powertools' idempotency utility: it reads the wall clock directly (our expiry
tests move the service clock instead of sleeping 24 h), deletes the record whenever
the function raises (we must keep 5xx), and with a composite key puts every record
of a function in one static partition. The state machine is small; it lives here.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import clock, db, keys
from .context import RequestContext
from .errors import ApiError, error_body

TTL_SECONDS = 24 * 3600
HEADER = "Idempotency-Key"
MAX_LENGTH = 255
IN_PROGRESS, COMPLETED = "IN_PROGRESS", "COMPLETED"


@dataclass
class Outcome:
    """A response, as stored and replayed."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    replayed: bool = False


def check_key(value: str | None, param: str = HEADER) -> str | None:
    if value is None:
        return None
    if not 1 <= len(value) <= MAX_LENGTH or not all(32 <= ord(c) < 127 for c in value):
        raise ApiError(
            "parameter_invalid",
            f"{HEADER} must be 1-{MAX_LENGTH} printable ASCII characters.",
            param=param,
        )
    return value


def fingerprint(method: str, route: str, path_params: dict[str, str], params: dict[str, Any]) -> str:
    canonical = json.dumps(
        {"method": method, "route": route, "path": path_params, "params": params},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _key(ctx: RequestContext, key: str) -> dict[str, str]:
    return keys.idempotency(ctx.account_id, ctx.mode, hashlib.sha256(key.encode()).hexdigest())


def _in_use() -> ApiError:
    return ApiError("idempotency_key_in_use", headers={"Retry-After": "1"})


def _reused() -> ApiError:
    return ApiError("idempotency_key_reused", param=HEADER)


def _acquire(ctx: RequestContext, key: str, print_: str, lock_ms: int) -> tuple[str | None, Outcome | None]:
    """(lock token, None) when this request may run; (None, stored outcome) to replay."""
    now_ms = clock.now_ms()
    token = uuid.uuid4().hex
    item = {
        **_key(ctx, key),
        "entity": "idempotency",
        "state": IN_PROGRESS,
        "fingerprint": print_,
        "lock": token,
        "locked_until": now_ms + lock_ms,
        "request_id": ctx.request_id,
        "expires_at": now_ms // 1000 + TTL_SECONDS,
    }
    try:
        db.client().put_item(
            TableName=db.table(),
            Item=db.to_item(item),
            ConditionExpression=(
                "attribute_not_exists(pk) OR expires_at < :now "
                "OR (#s = :progress AND locked_until < :now_ms)"
            ),
            ExpressionAttributeNames={"#s": "state"},
            ExpressionAttributeValues=db.values(now=now_ms // 1000, now_ms=now_ms, progress=IN_PROGRESS),
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
        return token, None
    except Exception as exc:
        if db.error_code(exc) != "ConditionalCheckFailedException":
            raise db.translate(exc) from exc
        old = db.from_item(getattr(exc, "response", {}).get("Item"))
    if old is None:  # not returned by this DynamoDB: read it
        old = db.from_item(
            db.client()
            .get_item(TableName=db.table(), Key=db.to_item(_key(ctx, key)), ConsistentRead=True)
            .get("Item")
        )
    if old is None:
        raise _in_use()  # released between our write and read: the retry will proceed
    if old["fingerprint"] != print_:
        raise _reused()
    if old["state"] != COMPLETED:
        raise _in_use()
    stored = old["response"]
    return None, Outcome(
        status=stored["status"], body=json.loads(stored["body"]), headers=stored.get("headers") or {}, replayed=True
    )


def _complete(ctx: RequestContext, key: str, token: str, outcome: Outcome) -> None:
    try:
        db.client().update_item(
            TableName=db.table(),
            Key=db.to_item(_key(ctx, key)),
            UpdateExpression="SET #s = :done, #r = :response REMOVE #l, locked_until",
            ConditionExpression="#l = :token",
            ExpressionAttributeNames={"#s": "state", "#r": "response", "#l": "lock"},
            ExpressionAttributeValues=db.values(
                done=COMPLETED,
                token=token,
                response={
                    "status": outcome.status,
                    "body": json.dumps(outcome.body, separators=(",", ":")),
                    "headers": outcome.headers,
                },
            ),
        )
    except Exception as exc:
        # Our lock expired and another attempt took over; its result will be stored.
        if db.error_code(exc) != "ConditionalCheckFailedException":
            raise


def _release(ctx: RequestContext, key: str, token: str) -> None:
    try:
        db.client().delete_item(
            TableName=db.table(),
            Key=db.to_item(_key(ctx, key)),
            ConditionExpression="#l = :token",
            ExpressionAttributeNames={"#l": "lock"},
            ExpressionAttributeValues=db.values(token=token),
        )
    except Exception:
        pass  # the lock expires on its own


def execute(
    ctx: RequestContext,
    key: str | None,
    print_: str,
    work: Callable[[], Outcome],
    lock_ms: int = 30_000,
) -> Outcome:
    """Run `work` at most once per (account, mode, key), replaying its outcome after."""
    if key is None:
        return _run(ctx, work)[0]
    token, replay = _acquire(ctx, key, print_, lock_ms)
    if replay is not None:
        return replay
    assert token is not None
    outcome, keep = _run(ctx, work)
    if keep:
        _complete(ctx, key, token, outcome)
    else:
        _release(ctx, key, token)
    return outcome


def _run(ctx: RequestContext, work: Callable[[], Outcome]) -> tuple[Outcome, bool]:
    """The outcome of `work`, and whether it may be stored."""
    try:
        return work(), True
    except ApiError as exc:
        return Outcome(exc.status, exc.body(ctx.request_id), exc.headers), exc.store
    except Exception:
        from aws_lambda_powertools import Logger

        Logger(service="resource-api").exception("unhandled error")
        return Outcome(500, error_body("internal_error", request_id=ctx.request_id)), True
