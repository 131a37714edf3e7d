"""The DynamoDB client, item (de)serialisation and AWS error translation.

The client is built lazily, once per process; tests and the local cloud reach a
moto endpoint through `AWS_ENDPOINT_URL`, or replace it with `set_client`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from .clients import aws_client  # noqa: F401 - db.aws_client, as the callers know it
from .table import table_name

if TYPE_CHECKING:
    from .errors import ApiError

log = logging.getLogger(__name__)
_client: Any = None

TRANSACTION_CONFLICT = "TransactionConflict"
# Failures after which nothing was written: safe to retry as a new attempt.
THROTTLED = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
}


def client() -> Any:
    global _client
    if _client is None:
        _client = aws_client("dynamodb")
    return _client


def writer() -> Any:
    """The client of the write path (creates, updates, deletes, the batch, webhook
    endpoints, idempotency records): with token vending on (core/vending.py), the
    request's account's own credentials; else the function's (`client()`). Raises
    503 service_unavailable (an ApiError, nothing written) if STS fails."""
    from . import vending  # noqa: PLC0415 - standard library only; boto3 on first vend

    vended = vending.writer()
    return client() if vended is None else vended


def set_client(value: Any) -> None:
    global _client
    _client = value


def table() -> str:
    return table_name()


def get_many(keys: list[dict[str, Any]], consistent: bool = True) -> list[dict[str, Any] | None]:
    """The items of up to 100 distinct keys of the table in one BatchGetItem (one round
    trip instead of one per key), in the order of `keys`, None where there is none. Keys
    DynamoDB leaves unprocessed are asked again once, then read one by one."""
    wanted = [to_item(k) for k in keys]
    got: dict[tuple, dict[str, Any]] = {}

    def ident(item: dict[str, Any]) -> tuple:
        return tuple(sorted((name, str(item[name])) for name in wanted[0]))

    request: dict[str, Any] = {table(): {"Keys": wanted, "ConsistentRead": consistent}}
    for _attempt in range(2):
        resp = client().batch_get_item(RequestItems=request)
        for raw in resp.get("Responses", {}).get(table(), []):
            got[ident(raw)] = raw
        request = resp.get("UnprocessedKeys") or {}
        if not request:
            break
    for key in (request.get(table()) or {}).get("Keys", []):
        raw = client().get_item(TableName=table(), Key=key, ConsistentRead=consistent).get("Item")
        if raw:
            got[ident(raw)] = raw
    return [from_item(got.get(ident(k))) for k in wanted]


def put_many(items: list[dict[str, Any]], attempts: int = 4) -> None:
    """Put up to 25 items (in DynamoDB's form) in one BatchWriteItem. The items DynamoDB
    leaves unprocessed (throttled) are sent again, with a short backoff, up to `attempts`
    calls in all; raises if some are still left (a put of the same item twice writes it
    once: the caller may retry them all)."""
    import time  # noqa: PLC0415 - only the batch writer waits

    request: dict[str, Any] = {table(): [{"PutRequest": {"Item": item}} for item in items]}
    for attempt in range(attempts):
        request = client().batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
        if not request.get(table()):
            return
        if attempt + 1 < attempts:
            time.sleep(0.05 * 2**attempt)
    raise RuntimeError(f"DynamoDB left {len(request[table()])} item(s) of a BatchWriteItem unprocessed")


# --- attribute values -----------------------------------------------------------


def _to(value: Any) -> dict[str, Any]:
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, (int, float)):
        return {"N": str(value)}
    if isinstance(value, dict):
        return {"M": {k: _to(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return {"L": [_to(v) for v in value]}
    # Our items never hold a Decimal (from_item reads numbers as int or float), so the
    # decimal module is loaded only if one is ever passed, not at every cold start.
    from decimal import Decimal  # noqa: PLC0415

    if isinstance(value, Decimal):
        return {"N": str(value)}
    raise TypeError(f"cannot store {type(value).__name__}")


def _from(value: dict[str, Any]) -> Any:
    (kind, inner), = value.items()
    if kind == "S":
        return inner
    if kind == "N":
        return int(inner) if inner.lstrip("-").isdigit() else float(inner)
    if kind == "BOOL":
        return inner
    if kind == "NULL":
        return None
    if kind == "M":
        return {k: _from(v) for k, v in inner.items()}
    if kind == "L":
        return [_from(v) for v in inner]
    if kind == "SS":
        return set(inner)
    raise TypeError(f"unsupported attribute type {kind}")


def to_item(data: dict[str, Any]) -> dict[str, Any]:
    return {k: _to(v) for k, v in data.items() if v is not None}


def from_item(item: dict[str, Any] | None) -> dict[str, Any] | None:
    if item is None:
        return None
    return {k: _from(v) for k, v in item.items()}


def values(**kwargs: Any) -> dict[str, Any]:
    """ExpressionAttributeValues from keyword arguments: values(s='x') -> {':s': {'S': 'x'}}."""
    return {f":{k}": _to(v) for k, v in kwargs.items()}


# --- errors -------------------------------------------------------------------


def error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return response.get("Error", {}).get("Code", "")


def translate(exc: Exception) -> ApiError:
    """An AWS failure as the error the client should see (retryable where it is)."""
    # The failure path only: the authorizer never loads the error catalogue otherwise.
    from .errors import ApiError  # noqa: PLC0415

    if isinstance(exc, ApiError):  # already the answer (e.g. token vending's 503)
        return exc
    code = error_code(exc)
    log.warning("dynamodb call failed: %s", code or type(exc).__name__)
    if code == "TransactionCanceledException" and set(cancellation_reasons(exc)) & THROTTLED:
        code = "ThrottlingException"
    if conflicted(exc):
        # Cancelled because another transaction in flight included one of its items
        # (after frame/unit.py's retries): certainly nothing written, so never a 500,
        # and never stored for the key: the same retry runs again.
        return ApiError(
            "service_unavailable",
            "Concurrent requests were writing the same objects and nothing was written. Retry with "
            "exponential backoff and the same Idempotency-Key.",
            headers={"Retry-After": "1"},
            store=False,
        )
    if code in THROTTLED:
        return ApiError(
            "service_unavailable",
            "The service is temporarily busy and nothing was written. Retry with exponential "
            "backoff and the same Idempotency-Key.",
            headers={"Retry-After": "1"},
            store=False,
        )
    # Anything else (internal errors, timeouts) may or may not have been written:
    # an idempotent retry replays this answer rather than risk a second execution.
    return ApiError("internal_error", headers={"Retry-After": "1"})


def conflicted(exc: Exception) -> bool:
    """DynamoDB refused the write because a transaction in flight included the same item
    (TransactionCanceledException with TransactionConflict and no failed condition, or a
    single write's TransactionConflictException): nothing was written, it may be sent again."""
    code = error_code(exc)
    if code == "TransactionConflictException":
        return True
    if code != "TransactionCanceledException":
        return False
    reasons = set(cancellation_reasons(exc))
    return TRANSACTION_CONFLICT in reasons and not reasons - {TRANSACTION_CONFLICT, "None", ""}


def cancellation_reasons(exc: Exception) -> list[str]:
    response = getattr(exc, "response", None) or {}
    return [r.get("Code", "None") for r in response.get("CancellationReasons", [])]


def cancellation_items(exc: Exception) -> list[dict[str, Any] | None]:
    """Per transaction item, the item as it was when its condition failed (for items
    that asked ReturnValuesOnConditionCheckFailure=ALL_OLD; None where absent)."""
    response = getattr(exc, "response", None) or {}
    return [from_item(r.get("Item")) for r in response.get("CancellationReasons", [])]
