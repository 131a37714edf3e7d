"""POST /v1/batch: up to 100 operations in one request.

Each operation runs the same endpoint declaration as the single call (routes.py):
same validation, idempotency (per-operation `idempotency_key`), rate limiting (one
count per operation) and events. One failing operation does not stop the others.

`"atomic": true` makes the batch all-or-nothing: every operation is planned (read,
validated, checked) first, then all their writes commit in ONE DynamoDB transaction
(at most 100 items, counter updates merged), or none do and the response names the
operation that failed.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .. import routes
from ..core import db, keys, versions
from ..core.errors import ApiError, error_body
from ..frame import idempotency, key_limits, params
from ..frame.request import RequestContext

MAX_OPERATIONS = 100
MAX_TRANSACTION_ITEMS = 100

# While set, resources._transact hands its items here instead of writing them.
collecting: contextvars.ContextVar[list[list[dict[str, Any]]] | None] = contextvars.ContextVar(
    "batch_collecting", default=None
)
# While an atomic batch is planned: what its operations do once their writes committed.
_after_commit: contextvars.ContextVar[list[Callable[[], Any]] | None] = contextvars.ContextVar(
    "batch_after_commit", default=None
)


def after_commit(action: Callable[[], Any]) -> None:
    """Run `action` once the current write has committed: now, or, while an atomic batch
    is planned, after its one transaction committed (never if it did not). E.g. stopping
    a deleted pending resource's provisioning: an atomic batch that rolls back must
    leave it provisioning."""
    pending = _after_commit.get()
    if pending is None:
        action()
    else:
        pending.append(action)


class BatchOperation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    method: Literal["GET", "POST", "PATCH", "DELETE"]
    path: str = Field(..., min_length=1, max_length=512)
    body: dict[str, Any] | None = None
    idempotency_key: str | None = Field(None, min_length=1, max_length=255)


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    operations: list[BatchOperation] = Field(..., min_length=1, max_length=MAX_OPERATIONS)
    atomic: bool = False
    idempotency_key: str | None = Field(None, min_length=1, max_length=255)


@dataclass
class Item:
    """One operation of the batch, as the operations registry sees it (a `Call`)."""

    ctx: RequestContext
    path_params: dict[str, str]
    index: int
    op: BatchOperation
    route: routes.Endpoint
    params: Any = None
    result: dict[str, Any] = field(default_factory=dict)


def _plan(ctx: RequestContext, request: BatchRequest) -> list[Item]:
    """Match every operation to a route before anything runs."""
    items = []
    for i, op in enumerate(request.operations):
        path = op.path.split("?", 1)[0]
        route, path_params, allowed = routes.match(op.method, path)
        if route is None or not route.batchable:
            if path.rstrip("/") == "/v1/batch":
                msg = "Batches cannot be nested."
            elif allowed:
                msg = f"{op.method} is not allowed on {path} (allowed: {', '.join(sorted(allowed))})."
            else:
                msg = f"Unrecognized path {path}; batches take /v1/resources operations."
            raise ApiError("parameter_invalid", msg, param=f"operations[{i}][path]")
        if request.atomic and op.method == "GET":
            raise ApiError(
                "parameter_invalid", "Atomic batches take write operations only.", param=f"operations[{i}][method]"
            )
        if request.atomic and op.idempotency_key:
            raise ApiError(
                "parameter_invalid",
                "Operations of an atomic batch cannot have their own idempotency_key; "
                "send one Idempotency-Key for the whole batch.",
                param=f"operations[{i}][idempotency_key]",
            )
        items.append(Item(replace(ctx, idempotency_key=op.idempotency_key, extras={}), path_params, i, op, route))
    return items


def _validate(item: Item) -> None:
    model = item.route.params_model
    data = dict(item.op.body or {})
    if item.route.query is not None and "?" in item.op.path:
        data = {**params.parse_query(_query_pairs(item.op.path)), **data}
    try:
        item.params = params.validate(model, data) if model is not None else None
    except ApiError as exc:
        if exc.param:  # name the parameter inside the batch: operations[3][body][name]
            head, _, rest = exc.param.partition("[")
            exc.param = f"operations[{item.index}][body][{head}]" + (f"[{rest}" if rest else "")
        raise
    key = idempotency.check_key(item.op.idempotency_key, f"operations[{item.index}][idempotency_key]")
    body_key = getattr(item.params, "idempotency_key", None)
    item.ctx.idempotency_key = key or idempotency.check_key(body_key, f"operations[{item.index}][body][idempotency_key]")


def _query_pairs(path: str) -> dict[str, list[str]]:
    from urllib.parse import parse_qsl

    out: dict[str, list[str]] = {}
    for k, v in parse_qsl(path.split("?", 1)[1], keep_blank_values=True):
        out.setdefault(k, []).append(v)
    return out


def _error(item: Item, exc: ApiError) -> dict[str, Any]:
    return {"status": exc.status, "body": exc.body(item.ctx.request_id)}


def _run_one(item: Item) -> dict[str, Any]:
    try:
        _validate(item)
    except ApiError as exc:
        return _error(item, exc)
    operation = item.route.operation

    def shape(body: Any) -> idempotency.Outcome:
        return idempotency.Outcome(item.route.status, body)

    def work() -> idempotency.Outcome:
        return shape(operation(item, item.params))

    data = item.params.model_dump(mode="json", exclude={"idempotency_key"}) if item.params is not None else {}
    print_ = idempotency.fingerprint(item.route.method, item.route.path, item.path_params, data)
    try:
        outcome = idempotency.execute(item.ctx, item.ctx.idempotency_key, print_, work, shape=shape)
    except ApiError as exc:  # in use / reused
        return _error(item, exc)
    result: dict[str, Any] = {"status": outcome.status, "body": outcome.body}
    if outcome.replayed:
        result["idempotent_replayed"] = True
    return result


def _not_run(item: Item, failed: int) -> dict[str, Any]:
    return {
        "status": 424,
        "body": error_body(
            "batch_rolled_back",
            f"Not committed: operation {failed} of this atomic batch failed, so nothing was.",
            request_id=item.ctx.request_id,
        ),
    }


def _run_atomic(ctx: RequestContext, items: list[Item]) -> tuple[list[dict[str, Any]], int | None]:
    """Plan and commit; a commit that lost a race to another writer (say a provisioning
    step) wrote nothing, so it is planned again from fresh reads, twice at most."""
    for attempt in range(3):
        results, failed, raced = _attempt_atomic(ctx, items)
        if not raced or attempt == 2:
            return results, failed
    raise AssertionError("unreachable")


def _attempt_atomic(ctx: RequestContext, items: list[Item]) -> tuple[list[dict[str, Any]], int | None, bool]:
    groups: list[list[dict[str, Any]]] = []
    owners: list[int] = []
    bodies: list[Any] = []
    actions: list[Callable[[], Any]] = []
    token = collecting.set(groups)
    later = _after_commit.set(actions)
    try:
        for item in items:
            try:
                _validate(item)
                before = len(groups)
                bodies.append(item.route.operation(item, item.params))
                owners += [item.index] * (len(groups) - before)
            except ApiError as exc:
                return [_error(i, exc) if i is item else _not_run(i, item.index) for i in items], item.index, False
    finally:
        collecting.reset(token)
        _after_commit.reset(later)
    writes, write_owner = _merge(ctx, groups, owners, items)
    if len(writes) > MAX_TRANSACTION_ITEMS:
        raise ApiError(
            "parameter_invalid",
            f"This atomic batch needs {len(writes)} writes; one transaction holds {MAX_TRANSACTION_ITEMS}. "
            "Split it, or send it without atomic.",
            param="operations",
        )
    try:
        if writes:
            db.client().transact_write_items(TransactItems=writes)
    except Exception as exc:
        reasons = db.cancellation_reasons(exc)
        failed_at = next((n for n, r in enumerate(reasons) if r not in ("None", "")), None)
        failed = write_owner[failed_at] if failed_at is not None and write_owner[failed_at] is not None else 0
        raced = "ConditionalCheckFailed" in reasons
        if raced:
            err = ApiError("resource_conflict", "Another request changed this object first; nothing was committed.")
        else:
            err = db.translate(exc)
        return [_error(i, err) if i.index == failed else _not_run(i, failed) for i in items], failed, raced
    for action in actions:
        action()
    return [{"status": i.route.status, "body": b} for i, b in zip(items, bodies)], None, False


def _merge(
    ctx: RequestContext, groups: list[list[dict[str, Any]]], owners: list[int], items: list[Item]
) -> tuple[list[dict[str, Any]], list[int | None]]:
    """One transaction from the operations' writes: counter updates summed into one."""
    counter_key = db.to_item(keys.resource_counter(ctx.account_id, ctx.mode))
    deltas: dict[str, int] = {}
    writes: list[dict[str, Any]] = []
    owner: list[int | None] = []
    seen: dict[str, int] = {}
    for group, who in zip(groups, owners):
        for write in group:
            (kind, body), = write.items()
            key = body.get("Key") or {k: body["Item"][k] for k in ("pk", "sk")}
            if kind == "Update" and key == counter_key:
                names = body["ExpressionAttributeNames"]
                for placeholder, value in body["ExpressionAttributeValues"].items():
                    name = names["#" + placeholder[1:]]
                    deltas[name] = deltas.get(name, 0) + int(value["N"])
                continue
            ident = f"{key['pk']['S']}|{key['sk']['S']}"
            if ident in seen and seen[ident] != who:
                raise ApiError(
                    "parameter_invalid",
                    f"Operations {seen[ident]} and {who} change the same object; "
                    "an atomic batch may change each object once.",
                    param=f"operations[{who}]",
                )
            seen[ident] = who
            writes.append(write)
            owner.append(who)
    deltas = {k: v for k, v in deltas.items() if v}
    if deltas:
        names = {f"#c{i}": n for i, n in enumerate(deltas)}
        writes.append(
            {
                "Update": {
                    "TableName": db.table(),
                    "Key": counter_key,
                    "UpdateExpression": "ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(deltas))),
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": {f":c{i}": {"N": str(v)} for i, v in enumerate(deltas.values())},
                }
            }
        )
        owner.append(None)
    return writes, owner


def run(call: Any, request: BatchRequest) -> dict[str, Any]:
    """Run a batch for `call` (the HTTP frame's Req: its ctx and response headers)."""
    started = time.perf_counter()
    ctx: RequestContext = call.ctx
    if ctx.api_version and ctx.api_version < versions.BATCH_SINCE:
        raise ApiError(
            "parameter_invalid",
            f"Batch operations exist from API version {versions.BATCH_SINCE}.",
            param=versions.HEADER,
        )
    items = _plan(ctx, request)
    if len(items) > 1 and ctx.principal.key_id:  # the batch request itself was counted once
        try:
            call.response_headers.update(key_limits.hit(ctx.principal, cost=len(items) - 1).headers())
        except ApiError as exc:
            call.response_headers.update(exc.headers)
            raise
    failed_op: int | None = None
    if request.atomic:
        results, failed_op = _run_atomic(ctx, items)
    else:
        results = [_run_one(item) for item in items]
    ok = sum(1 for r in results if 200 <= r["status"] < 300)
    out: dict[str, Any] = {
        "object": "batch",
        "results": results,
        "summary": {
            "total": len(results),
            "successful": ok,
            "failed": len(results) - ok,
            "duration_ms": round((time.perf_counter() - started) * 1000),
        },
    }
    if request.atomic:
        out["atomic"] = {"committed": failed_op is None, "failed_operation": failed_op}
    return out
