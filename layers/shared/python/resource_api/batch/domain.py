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

import json
import time
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .. import routes
from ..core import db, versions
from ..core.errors import ApiError, error_body
from ..frame import idempotency, key_limits, params, unit
from ..frame.request import RequestContext

MAX_OPERATIONS = 100
MAX_TRANSACTION_ITEMS = 100
# A batch's answer is one Lambda response: over 6 MB (6,291,556 bytes, the body escaped
# once more inside the proxy response) Lambda refuses it and API Gateway answers 502,
# after all the work was done. So the operations' results may total ANSWER_BUDGET_BYTES
# of JSON (room for the escaping and the headers), and operations start only within
# TIME_BUDGET_S of the batch's start (API Gateway gives up at 29 s). An operation past
# either budget is not run: its result is 400 parameter_invalid naming it ("send it in
# another batch"); a GET whose own result would cross the size budget is answered so
# too (a read: nothing was done). An atomic batch over either budget is refused whole
# before its transaction: nothing is written.
ANSWER_BUDGET_BYTES = 4 * 1024 * 1024
TIME_BUDGET_S = 20.0
_clock = time.monotonic  # tests move it

class BatchOperation(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    method: Literal["GET", "POST", "PATCH", "DELETE"]
    path: str = Field(..., min_length=1, max_length=512)
    body: dict[str, Any] | None = None
    idempotency_key: str | None = Field(None, min_length=1, max_length=255)


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    operations: list[BatchOperation] = Field(..., min_length=1, max_length=MAX_OPERATIONS)
    atomic: bool = False
    idempotency_key: str | None = Field(None, min_length=1, max_length=255)


@dataclass
class OperationRequest:
    """One operation of the batch, as its endpoint's operation sees it (a frame.request.Request)."""

    ctx: RequestContext
    path_params: dict[str, str]
    index: int
    op: BatchOperation
    route: routes.Endpoint
    params: Any = None
    result: dict[str, Any] = field(default_factory=dict)
    locked_item: dict[str, Any] | None = None  # a batch's operations lock no item (see frame/http.py)


def _plan(ctx: RequestContext, batch: BatchRequest) -> list[OperationRequest]:
    """Match every operation to a route before anything runs."""
    items = []
    for i, op in enumerate(batch.operations):
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
        if batch.atomic and op.method == "GET":
            raise ApiError(
                "parameter_invalid", "Atomic batches take write operations only.", param=f"operations[{i}][method]"
            )
        if batch.atomic and op.idempotency_key:
            raise ApiError(
                "parameter_invalid",
                "Operations of an atomic batch cannot have their own idempotency_key; "
                "send one Idempotency-Key for the whole batch.",
                param=f"operations[{i}][idempotency_key]",
            )
        items.append(OperationRequest(replace(ctx, idempotency_key=op.idempotency_key, extras={}), path_params, i, op, route))
    return items


def _validate(item: OperationRequest) -> None:
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


def _error(item: OperationRequest, exc: ApiError) -> dict[str, Any]:
    return {"status": exc.status, "body": exc.body(item.ctx.request_id)}


def _run_one(item: OperationRequest) -> dict[str, Any]:
    try:
        _validate(item)
    except ApiError as exc:
        return _error(item, exc)
    operation = item.route.operation

    def shape(body: Any) -> idempotency.Outcome:
        return idempotency.Outcome(item.route.status, body)

    def work(attempt: idempotency.Attempt | None) -> idempotency.Outcome:
        result = operation(item, item.params)
        if isinstance(result, unit.Unit):  # committed on its own, with its key's record
            return unit.commit(result, shape, attempt)
        return shape(result)

    data = item.params.model_dump(mode="json", exclude={"idempotency_key"}) if item.params is not None else {}
    print_ = idempotency.fingerprint(item.route.method, item.route.path, item.path_params, data)
    try:
        outcome = idempotency.execute(item.ctx, item.ctx.idempotency_key, print_, work)
    except ApiError as exc:  # in use / reused
        return _error(item, exc)
    result: dict[str, Any] = {"status": outcome.status, "body": outcome.body}
    if outcome.replayed:
        result["idempotent_replayed"] = True
    return result


def _size(result: Any) -> int:
    return len(json.dumps(result, separators=(",", ":"), default=str))


def _past_budget(item: OperationRequest, why: str) -> dict[str, Any]:
    return _error(item, ApiError(
        "parameter_invalid",
        f"Not run: this batch reached its {why} before operation {item.index}. Nothing of this operation "
        "was done; send it and the operations after it in another batch.",
        param=f"operations[{item.index}]",
    ))


def _run_bounded(items: list[OperationRequest], started: float) -> list[dict[str, Any]]:
    """The operations in order, while the answer stays within ANSWER_BUDGET_BYTES and
    TIME_BUDGET_S; the rest answered as not run."""
    results: list[dict[str, Any]] = []
    size = 0
    why = None
    for item in items:
        if why is None and _clock() - started > TIME_BUDGET_S:
            why = f"time budget ({TIME_BUDGET_S:g} s)"
        if why is not None:
            results.append(_past_budget(item, why))
            continue
        result = _run_one(item)
        grown = _size(result)
        if size + grown > ANSWER_BUDGET_BYTES:
            why = f"answer size budget ({ANSWER_BUDGET_BYTES} bytes)"
            if item.op.method == "GET":  # a read: answered as not run instead
                result = _past_budget(item, why)
                grown = _size(result)
        size += grown
        results.append(result)
    return results


def _not_run(item: OperationRequest, failed: int) -> dict[str, Any]:
    return {
        "status": 424,
        "body": error_body(
            "batch_rolled_back",
            f"Not committed: operation {failed} of this atomic batch failed, so nothing was.",
            request_id=item.ctx.request_id,
        ),
    }


def _run_atomic(
    ctx: RequestContext, items: list[OperationRequest], started: float
) -> tuple[list[dict[str, Any]], int | None]:
    """Plan and commit; a commit that lost a race to another writer (say a provisioning
    step) wrote nothing, so it is planned again from fresh reads, twice at most."""
    for attempt in range(3):
        results, failed, raced = _attempt_atomic(ctx, items, started)
        if not raced or attempt == 2:
            return results, failed
    raise AssertionError("unreachable")


def _plan_atomic(item: OperationRequest) -> unit.Unit:
    """The operation's unit of work, planned from what it read: its one transaction
    cannot plan one operation again, so a unit planned on an assumption (a DELETE that
    expects a settled resource) is planned again from a read first."""
    planned = item.route.operation(item, item.params)
    if not isinstance(planned, unit.Unit):
        raise AssertionError(f"{item.route.function} writes nothing to commit atomically")
    if planned.assumed and planned.replan is not None:
        planned = planned.replan(None)
    return planned


def _check_atomic_budget(units: list[unit.Unit], started: float) -> None:
    """Refuse an atomic batch, before its transaction, whose answer or planning ran past
    the budgets (nothing is written)."""
    if _clock() - started > TIME_BUDGET_S:
        raise ApiError("parameter_invalid", f"This atomic batch took longer than {TIME_BUDGET_S:g} s to plan; nothing "
                       "was written. Split it.", param="operations")
    if sum(_size(u.body) for u in units) > ANSWER_BUDGET_BYTES:
        raise ApiError("parameter_invalid", f"This atomic batch's answer would exceed {ANSWER_BUDGET_BYTES} bytes; "
                       "nothing was written. Split it, or ask for fewer expansions.", param="operations")


def _attempt_atomic(
    ctx: RequestContext, items: list[OperationRequest], started: float
) -> tuple[list[dict[str, Any]], int | None, bool]:
    units: list[unit.Unit] = []
    for item in items:
        try:
            _validate(item)
            units.append(_plan_atomic(item))
        except ApiError as exc:
            return [_error(i, exc) if i is item else _not_run(i, item.index) for i in items], item.index, False
    writes, write_owner = _merge(units, items)
    _check_atomic_budget(units, started)
    if len(writes) > MAX_TRANSACTION_ITEMS:
        raise ApiError(
            "parameter_invalid",
            f"This atomic batch needs {len(writes)} writes; one transaction holds {MAX_TRANSACTION_ITEMS}. "
            "Split it, or send it without atomic.",
            param="operations",
        )
    try:
        if writes:
            db.writer().transact_write_items(TransactItems=writes)
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
    for planned in units:
        for action in planned.after:
            action()
    return [{"status": i.route.status, "body": u.body} for i, u in zip(items, units)], None, False


def _merge(units: list[unit.Unit], items: list[OperationRequest]) -> tuple[list[dict[str, Any]], list[int | None]]:
    """One transaction from the operations' units: their writes (each object changed by
    one operation at most), then their counter deltas summed per counter item."""
    writes: list[dict[str, Any]] = []
    owner: list[int | None] = []
    seen: dict[str, int] = {}
    for planned, item in zip(units, items):
        who = item.index
        for write in planned.writes:
            (body,) = write.values()
            key = body.get("Key") or {k: body["Item"][k] for k in ("pk", "sk")}
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
    for counter in unit.merge_counters([c for planned in units for c in planned.counters]):
        writes.append(counter.write())
        owner.append(None)
    return writes, owner


def run(request: Any, batch: BatchRequest) -> dict[str, Any]:
    """Run `batch` for `request` (the frame's HttpRequest: its ctx and response headers)."""
    started = time.perf_counter()
    budget_from = _clock()
    ctx: RequestContext = request.ctx
    if ctx.api_version and ctx.api_version < versions.BATCH_SINCE:
        raise ApiError(
            "parameter_invalid",
            f"Batch operations exist from API version {versions.BATCH_SINCE}.",
            param=versions.HEADER,
        )
    items = _plan(ctx, batch)
    if len(items) > 1 and ctx.principal.key_id:  # the batch request itself was counted once
        try:
            request.response_headers.update(key_limits.hit(ctx.principal, cost=len(items) - 1).headers())
        except ApiError as exc:
            request.response_headers.update(exc.headers)
            raise
    failed_op: int | None = None
    if batch.atomic:
        results, failed_op = _run_atomic(ctx, items, budget_from)
    else:
        results = _run_bounded(items, budget_from)
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
    if batch.atomic:
        out["atomic"] = {"committed": failed_op is None, "failed_operation": failed_op}
    return out
