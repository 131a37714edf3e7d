"""Cursor lists over time-sortable ids, shared by every list endpoint.

Ids sort by creation time (see core/ids.py), so one sort-key range expresses the
`created[gt|gte|lt|lte]` filter and the `starting_after` / `ending_before` cursor
together; a cursor keeps working after its object is gone.
"""

from __future__ import annotations

from typing import Any, Protocol

from . import db, ids
from .errors import ApiError

_MAX_RANDOM = ids.ALPHABET[-1] * ids.RANDOM_CHARS


class Created(Protocol):
    gt: int | None
    gte: int | None
    lt: int | None
    lte: int | None


def step(value: str, delta: int) -> str:
    """The id just before (-1) or after (+1) `value` in sort order."""
    prefix, _, body = value.partition("_")
    digits = [ids.ALPHABET.index(c) for c in body]
    i = len(digits) - 1
    while i >= 0:
        digits[i] += delta
        if 0 <= digits[i] < 32:
            break
        digits[i] %= 32
        i -= 1
    return prefix + "_" + "".join(ids.ALPHABET[d] for d in digits)


def bounds(
    prefix: str,
    created: Created | None = None,
    starting_after: str | None = None,
    ending_before: str | None = None,
    not_before_s: int | None = None,
) -> tuple[str, str]:
    """Inclusive (low, high) sort-key bounds for a created filter, a cursor, and an
    optional retention floor (`not_before_s`: objects created earlier are gone)."""
    if starting_after and ending_before:
        raise ApiError(
            "parameters_exclusive",
            "Only one of 'starting_after' and 'ending_before' may be given.",
            param="ending_before",
        )
    low = ids.lower_bound(prefix, 0)
    high = f"{prefix}_{ids.ALPHABET[-1] * ids.TIME_CHARS}{_MAX_RANDOM}"
    c = created
    if c is not None:
        starts = [v for v in (c.gte, None if c.gt is None else c.gt + 1) if v is not None]
        ends = [v for v in (c.lte, None if c.lt is None else c.lt - 1) if v is not None]
        if starts:
            low = max(low, ids.lower_bound(prefix, max(starts)))
        if ends:
            end_s = min(ends)
            high = min(high, f"{prefix}_{ids.time_part((end_s + 1) * 1000 - 1)}{_MAX_RANDOM}")
    if not_before_s is not None:
        low = max(low, ids.lower_bound(prefix, not_before_s))
    if starting_after:
        high = min(high, step(starting_after, -1))
    if ending_before:
        low = max(low, step(ending_before, +1))
    return low, high


def page(
    query: Any,
    *,
    low: str,
    high: str,
    limit: int,
    ending_before: str | None,
) -> tuple[list[dict[str, Any]], bool]:
    """One page, newest first: `query(low, high, limit, forward)` returns raw items.
    Returns (items, has_more)."""
    forward = ending_before is not None  # ending_before walks toward newer objects
    items = [] if low > high else list(query(low, high, limit + 1, forward))
    has_more = len(items) > limit
    items = items[:limit]
    if forward:
        items.reverse()
    return items, has_more


def partition_query(partition: str) -> Any:
    """The `query` for `page` over one base-table partition (strongly consistent)."""

    def query(lo: str, hi: str, limit: int, forward: bool) -> list[dict[str, Any]]:
        resp = db.client().query(
            TableName=db.table(),
            KeyConditionExpression="pk = :p AND sk BETWEEN :lo AND :hi",
            ExpressionAttributeValues=db.values(p=partition, lo=lo, hi=hi),
            ConsistentRead=True,
            Limit=limit,
            ScanIndexForward=forward,
        )
        return [db.from_item(i) for i in resp.get("Items", [])]  # type: ignore[misc]

    return query
