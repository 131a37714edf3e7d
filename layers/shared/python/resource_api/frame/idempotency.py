"""Idempotency keys with Stripe's semantics, as DynamoDB items with a 24 h TTL.

    first request with a key  -> lock (IN_PROGRESS), run, store the response (COMPLETED)
    same key, same request     -> the stored response, replayed (Idempotent-Replayed: true)
    same key, other request    -> 400 idempotency_key_reused; nothing runs
    same key while in flight   -> 409 idempotency_key_in_use with Retry-After
    lock of a dead invocation  -> expires with the invocation's own deadline; a retry proceeds

The record completes in the same DynamoDB transaction as the logic's own writes
(the unit of work commits through `Attempt.commit`, frame/unit.py): the lock's token is that transaction's fence, so the work and its stored
response commit together or not at all. A lost completion write cannot leave work done
without its record (a retry would do it twice), and a lock that expired and was taken
over by another attempt makes this attempt's writes fail instead of doubling them.
Logic that writes outside a unit of work is completed after it returns.
A request that changes one existing item (a resource PATCH) locks that item instead
of the key's record (`execute(item_key=...)`): the lock returns the item, so the logic
reads nothing, and its transaction writes the key's completed record beside the fenced
change (docs/idempotency.md).

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

from ..core import clock, db, keys
from ..core.errors import ApiError, error_body
from . import unit
from .request import RequestContext

TTL_SECONDS = 24 * 3600
HEADER = "Idempotency-Key"
MAX_LENGTH = 255
IN_PROGRESS, COMPLETED = "IN_PROGRESS", "COMPLETED"
LOCK_PREFIX = "idempotency_lock_"  # + key hash: a lock held on the item a request writes
# Fields an answer shows once, by the `object` of the answer: a webhook endpoint's
# signing secret (at creation and rotation). The stored answer, which every replay of
# the key returns, never holds them: `secret` is null there and `secret_redacted`
# says which secret it was (`whsec_...` and its last 4 characters), as
# docs/idempotency.md describes.
SHOWN_ONCE = {"webhook_endpoint": "secret"}


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
class Attempt:
    """One attempt at a request with a key: the lock it holds (on the key's record, or
    on the item the request changes) and what became of its commit. The request's unit
    of work commits through it (frame/unit.py), so its record is one more write of the
    work's own transaction."""

    ctx: RequestContext
    key: str
    token: str
    committed: Outcome | None = None  # completed inside the work's transaction
    unknown: bool = False  # that transaction failed without proving it wrote nothing
    print_: str = ""
    item_key: dict[str, str] | None = None  # the lock is on this item (see execute)
    item: dict[str, Any] | None = None  # that item as the lock returned it (or as it is now)

    def locked(self, item_key: dict[str, str] | None) -> dict[str, Any] | None:
        """The item the lock is on, as the lock returned it (the work then needs no read),
        if the lock is on `item_key`."""
        if item_key is not None and self.item_key == item_key and self.committed is None:
            return self.item
        return None

    def commit(self, items: list[dict[str, Any]], outcome: Outcome) -> None:
        """Commit `items` in one DynamoDB transaction with this attempt's record,
        completed with `outcome` (the answer the work is about to give).

        Raises what DynamoDB raised. If the transaction was cancelled because this
        attempt no longer holds the lock (it expired and another attempt took over),
        raises `idempotency_key_in_use`: nothing was written and the other attempt's
        answer wins."""
        fenced = None
        if self.item_key is not None:
            items, fenced = _fence(items, self)
            items = [*items, {"Put": _record_put(self.ctx, self.key, self.print_, outcome)}]
        else:
            items = [*items, {"Update": _completion(self.ctx, self.key, self.token, outcome)}]
        try:
            unit.transact(items)
        except ApiError:
            raise  # refused before anything was sent (token vending's 503): nothing written
        except Exception as exc:
            reasons = db.cancellation_reasons(exc)
            if fenced is not None and reasons:
                if reasons[-1] == "ConditionalCheckFailed":
                    raise _KeyTaken() from exc  # the key's record exists: it answers
                if reasons[fenced] == "ConditionalCheckFailed":
                    now = db.cancellation_items(exc)[fenced]
                    lock = (now or {}).get(_lock_attribute(self.key)) or {}
                    if now is not None and lock.get("token") != self.token:
                        raise _in_use(store=False) from exc  # taken over: the other attempt's answer wins
                    self.item = now  # the item as it is now: the work may plan again from it
            elif reasons and reasons[-1] == "ConditionalCheckFailed":
                raise _in_use() from exc
            if not reasons:
                # A timeout or 500 may hide a commit. The fence settles it: releasing the
                # lock only works if the completion did not commit, and a retry then
                # either replays the committed answer or runs from scratch.
                self.unknown = True
            raise
        self.committed = outcome


def _key(ctx: RequestContext, key: str) -> dict[str, str]:
    return keys.idempotency(ctx.account_id, ctx.mode, hashlib.sha256(key.encode()).hexdigest())


def _in_use(store: bool = True) -> ApiError:
    return ApiError("idempotency_key_in_use", headers={"Retry-After": "1"}, store=store)


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
        db.writer().put_item(
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
    return None, _replay(old, print_)


def _replay(record: dict[str, Any], print_: str) -> Outcome:
    """A key's record as the answer to this request: its stored response, or 400 if the
    record is another request's, or 409 while it runs."""
    if record["fingerprint"] != print_:
        raise _reused()
    if record["state"] != COMPLETED:
        raise _in_use()
    stored = record["response"]
    return Outcome(
        status=stored["status"], body=json.loads(stored["body"]), headers=stored.get("headers") or {}, replayed=True
    )


class _KeyTaken(ApiError):
    """The key's record exists already (another attempt or request stored it): what this
    attempt did was not committed, and the record decides the answer."""

    def __init__(self) -> None:
        super().__init__("idempotency_key_in_use", store=False)


def _lock_attribute(key: str) -> str:
    return LOCK_PREFIX + hashlib.sha256(key.encode()).hexdigest()[:32]


def _stale_locks(item: dict[str, Any], now_ms: int, own: str) -> list[str]:
    return [k for k, v in item.items() if k.startswith(LOCK_PREFIX) and k != own
            and isinstance(v, dict) and int(v.get("until", 0)) < now_ms]


def _acquire_on(
    ctx: RequestContext, key: str, print_: str, lock_ms: int, item_key: dict[str, str]
) -> tuple[str | None, dict[str, Any] | None, Outcome | None]:
    """The lock on the item the work will write (one write that also returns it):
    (token, the item, None) when this request may run; (None, None, stored outcome) to
    replay. Raises 409 while another attempt holds it, and the answer of the key's
    record, or a 404, when the item does not exist."""
    now_ms = clock.now_ms()
    token = uuid.uuid4().hex
    attr = _lock_attribute(key)
    try:
        resp = db.writer().update_item(
            TableName=db.table(),
            Key=db.to_item(item_key),
            UpdateExpression="SET #lk = :lock",
            ConditionExpression="attribute_exists(pk) AND (attribute_not_exists(#lk) OR #lk.#until < :now_ms)",
            ExpressionAttributeNames={"#lk": attr, "#until": "until"},
            ExpressionAttributeValues=db.values(
                lock={"token": token, "until": now_ms + lock_ms, "request_id": ctx.request_id},
                now_ms=now_ms,
            ),
            ReturnValues="ALL_NEW",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
        return token, db.from_item(resp.get("Attributes")), None
    except Exception as exc:
        if db.error_code(exc) != "ConditionalCheckFailedException":
            raise db.translate(exc) from exc
        old = db.from_item(getattr(exc, "response", {}).get("Item"))
    if old is None:  # not returned by this DynamoDB: read it
        try:
            old = db.from_item(
                db.client().get_item(TableName=db.table(), Key=db.to_item(item_key), ConsistentRead=True).get("Item")
            )
        except Exception as exc:
            raise db.translate(exc) from exc
    if old is not None:
        raise _in_use()  # another attempt with this key holds the item
    replay = _recorded(ctx, key, print_)
    if replay is not None:
        return None, None, replay
    return None, None, None  # no such item, and no record: the work answers (404)


def _recorded(ctx: RequestContext, key: str, print_: str) -> Outcome | None:
    """The key's stored answer to replay; raises if the record belongs to another
    request (400) or is still running (409). None if there is no record."""
    old = db.from_item(
        db.client().get_item(TableName=db.table(), Key=db.to_item(_key(ctx, key)), ConsistentRead=True).get("Item")
    )
    if old is None or old.get("expires_at", 0) < clock.now_s():
        return None
    return _replay(old, print_)


def _record_put(ctx: RequestContext, key: str, print_: str, outcome: Outcome) -> dict[str, Any]:
    """The key's record, completed, written where none is (or only an expired one)."""
    now_ms = clock.now_ms()
    return dict(
        TableName=db.table(),
        Item=db.to_item({
            **_key(ctx, key),
            "entity": "idempotency",
            "state": COMPLETED,
            "fingerprint": print_,
            "request_id": ctx.request_id,
            "expires_at": now_ms // 1000 + TTL_SECONDS,
            "response": _stored(outcome),
        }),
        ConditionExpression="attribute_not_exists(pk) OR expires_at < :now",
        ExpressionAttributeValues=db.values(now=now_ms // 1000),
    )


def _release_on(pending: Attempt) -> None:
    try:
        db.writer().update_item(
            TableName=db.table(),
            Key=db.to_item(pending.item_key),
            UpdateExpression="REMOVE #lk",
            ConditionExpression="#lk.#token = :token",
            ExpressionAttributeNames={"#lk": _lock_attribute(pending.key), "#token": "token"},
            ExpressionAttributeValues=db.values(token=pending.token),
        )
    except Exception:
        pass  # taken over, or gone: the lock expires on its own


def shown_once(body: Any) -> Any:
    """`body` as it is stored and replayed: without what the first answer shows once."""
    field_ = SHOWN_ONCE.get(body.get("object")) if isinstance(body, dict) else None
    if field_ is None or not body.get(field_):
        return body
    value = str(body[field_])
    prefix = value.split("_", 1)[0] + "_" if "_" in value else ""
    return {**body, field_: None, f"{field_}_redacted": f"{prefix}...{value[-4:]}"}


def _stored(outcome: Outcome) -> dict[str, Any]:
    return {
        "status": outcome.status,
        "body": json.dumps(shown_once(outcome.body), separators=(",", ":")),
        "headers": outcome.headers,
    }


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
            response=_stored(outcome),
        ),
    )


def _fence(items: list[dict[str, Any]], pending: Attempt) -> tuple[list[dict[str, Any]], int]:
    """The logic's items with its Put of the locked item made conditional on this
    attempt still holding the lock, and taking the lock (and expired ones) off."""
    assert pending.item_key is not None
    target = db.to_item(pending.item_key)
    for i, op in enumerate(items):
        put = op.get("Put")
        if put is not None and all(put["Item"].get(k) == v for k, v in target.items()):
            break
    else:
        raise ValueError("a request locked on an item must Put that item in its transaction")
    own = _lock_attribute(pending.key)
    drop = {own, *_stale_locks(pending.item or {}, clock.now_ms(), own)}
    put = {**put, "Item": {k: v for k, v in put["Item"].items() if k not in drop}}
    condition = put.get("ConditionExpression")
    put["ConditionExpression"] = ("(" + condition + ") AND " if condition else "") + "#lk_own.#lk_token = :lk_token"
    put["ExpressionAttributeNames"] = {**put.get("ExpressionAttributeNames", {}), "#lk_own": own, "#lk_token": "token"}
    put["ExpressionAttributeValues"] = {**put.get("ExpressionAttributeValues", {}), **db.values(lk_token=pending.token)}
    put["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    return [*items[:i], {"Put": put}, *items[i + 1 :]], i


def _complete(ctx: RequestContext, key: str, token: str, outcome: Outcome) -> None:
    try:
        db.writer().update_item(**_completion(ctx, key, token, outcome))
    except Exception as exc:
        # Our lock expired and another attempt took over; its result will be stored.
        if db.error_code(exc) != "ConditionalCheckFailedException":
            raise


def _release(ctx: RequestContext, key: str, token: str) -> None:
    try:
        db.writer().delete_item(
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
    work: Callable[[Attempt | None], Outcome],
    lock_ms: int = 30_000,
    item_key: dict[str, str] | None = None,
) -> Outcome:
    """Run `work` at most once per (account, mode, key), replaying its outcome after.

    `work` gets the Attempt that holds the key (None without a key): a unit of work
    commits through it (frame/unit.py), storing the answer in its own transaction;
    work that does not is completed after it returns.

    With `item_key` (the one existing item the work writes, e.g. the resource a PATCH
    changes), the lock is taken on that item instead of on the key's record: one write
    that also returns the item (`Attempt.locked`), so the work needs no read. The
    work's transaction must Put that item; the Put is fenced on the lock and takes it
    off, and the key's record is written, completed, in the same transaction."""
    if key is None:
        return _run(ctx, lambda: work(None))[0]
    if item_key is not None:
        return _execute_on(ctx, key, print_, work, lock_ms, item_key)
    token, replay = _acquire(ctx, key, print_, lock_ms)
    if replay is not None:
        return replay
    assert token is not None
    attempt = Attempt(ctx, key, token)
    outcome, keep = _run(ctx, lambda: work(attempt))
    if attempt.committed is not None:
        return attempt.committed  # stored with the work itself: what every replay answers
    if keep and not attempt.unknown:
        _complete(ctx, key, token, outcome)
    else:
        _release(ctx, key, token)
    return outcome


def _execute_on(
    ctx: RequestContext,
    key: str,
    print_: str,
    work: Callable[[Attempt | None], Outcome],
    lock_ms: int,
    item_key: dict[str, str],
) -> Outcome:
    token, item, replay = _acquire_on(ctx, key, print_, lock_ms, item_key)
    if replay is not None:
        return replay
    if token is None:  # no such item and no record: the work answers it (a 404), unstored
        return _run(ctx, lambda: work(None))[0]
    attempt = Attempt(ctx, key, token, print_=print_, item_key=item_key, item=item)
    try:
        outcome, keep = _run(ctx, lambda: work(attempt))
    except _KeyTaken:
        outcome, keep = None, False
    if attempt.committed is not None:
        return attempt.committed  # stored with the work itself: what every replay answers
    if outcome is not None and keep and not attempt.unknown:
        try:  # an answer without a commit (an error after the work began): stored as ever
            db.writer().put_item(**_record_put(ctx, key, print_, outcome))
        except Exception as exc:
            if db.error_code(exc) != "ConditionalCheckFailedException":
                _release_on(attempt)
                raise db.translate(exc) from exc
            outcome = None
    _release_on(attempt)
    if outcome is None:  # the key's record was there first: it answers
        stored = _recorded(ctx, key, print_)
        if stored is None:
            raise _in_use()
        return stored
    return outcome


def _run(ctx: RequestContext, work: Callable[[], Outcome]) -> tuple[Outcome, bool]:
    """The outcome of `work`, and whether it may be stored."""
    try:
        return work(), True
    except _KeyTaken:
        raise
    except ApiError as exc:
        return Outcome(exc.status, exc.body(ctx.request_id), exc.headers), exc.store
    except Exception:
        from aws_lambda_powertools import Logger

        Logger(service="resource-api").exception("unhandled error")
        return Outcome(500, error_body("internal_error", request_id=ctx.request_id)), True
