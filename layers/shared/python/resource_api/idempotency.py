"""Idempotency keys with Stripe's semantics, as DynamoDB items with a 24 h TTL.

    first request with a key  -> lock (IN_PROGRESS), run, store the response (COMPLETED)
    same key, same request     -> the stored response, replayed (Idempotent-Replayed: true)
    same key, other request    -> 400 idempotency_key_reused; nothing runs
    same key while in flight   -> 409 idempotency_key_in_use with Retry-After
    lock of a dead invocation  -> expires with the invocation's own deadline; a retry proceeds

The record completes in the same DynamoDB transaction as the logic's own writes
(`transact`): the lock's token is that transaction's fence, so the work and its stored
response commit together or not at all. A lost completion write cannot leave work done
without its record (a retry would do it twice), and a lock that expired and was taken
over by another attempt makes this attempt's writes fail instead of doubling them.
Logic that writes outside `transact` is completed after it returns, as before.

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

import contextvars
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


@dataclass
class _Pending:
    """The request whose idempotency record the logic's transaction may complete."""

    ctx: RequestContext
    key: str
    token: str
    shape: Callable[[Any], Outcome]
    committed: Outcome | None = None  # completed inside the logic's transaction
    unknown: bool = False  # that transaction failed without proving it wrote nothing


_pending: contextvars.ContextVar[_Pending | None] = contextvars.ContextVar("idempotency_pending", default=None)


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


def _completion(ctx: RequestContext, key: str, token: str, outcome: Outcome) -> dict[str, Any]:
    """The write that stores the response, if this attempt still holds the lock."""
    return dict(
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


def transact(items: list[dict[str, Any]], response: Any) -> None:
    """Commit the logic's `items` in one DynamoDB transaction, with the completion of the
    current request's idempotency record (its stored answer built from `response`, the
    body the logic is about to return) when the request has a key.

    Raises what DynamoDB raised. If the transaction was cancelled because this attempt
    no longer holds the lock (it expired and another attempt took over), raises
    `idempotency_key_in_use`: nothing was written and the other attempt's answer wins.
    """
    pending = _pending.get()
    outcome = None
    if pending is not None and pending.committed is None:
        outcome = pending.shape(response)
        items = [*items, {"Update": _completion(pending.ctx, pending.key, pending.token, outcome)}]
    try:
        db.client().transact_write_items(
            TransactItems=items,
            # A token per transaction makes botocore's own retries of it idempotent.
            ClientRequestToken=str(uuid.uuid4()),
        )
    except Exception as exc:
        if pending is not None and outcome is not None:
            reasons = db.cancellation_reasons(exc)
            if reasons and reasons[-1] == "ConditionalCheckFailed":
                raise _in_use() from exc
            if not reasons:
                # A timeout or 500 may hide a commit. The fence settles it: releasing the
                # lock only works if the completion did not commit, and a retry then
                # either replays the committed answer or runs from scratch.
                pending.unknown = True
        raise
    if pending is not None and outcome is not None:
        pending.committed = outcome


def _complete(ctx: RequestContext, key: str, token: str, outcome: Outcome) -> None:
    try:
        db.client().update_item(**_completion(ctx, key, token, outcome))
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
    shape: Callable[[Any], Outcome] | None = None,
) -> Outcome:
    """Run `work` at most once per (account, mode, key), replaying its outcome after.

    `shape` turns a response body into the Outcome `work` returns for it, so logic that
    writes through `transact` can store its answer in its own transaction; without it
    the record is completed after `work` returns."""
    if key is None:
        scope = _pending.set(None)  # not an outer request's key either (batch operations)
        try:
            return _run(ctx, work)[0]
        finally:
            _pending.reset(scope)
    token, replay = _acquire(ctx, key, print_, lock_ms)
    if replay is not None:
        return replay
    assert token is not None
    pending = _Pending(ctx, key, token, shape) if shape is not None else None
    scope = _pending.set(pending)
    try:
        outcome, keep = _run(ctx, work)
    finally:
        _pending.reset(scope)
    if pending is not None and pending.committed is not None:
        return pending.committed  # stored with the work itself: what every replay answers
    if keep and not (pending is not None and pending.unknown):
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
