"""Per-key rate limits and monthly quotas on atomic DynamoDB counters.

One item per API key and month holds the month's request count (`used`) and the count
of each active one-minute window (`w<window number>`). Every counted request is one
UpdateItem (`ADD used :n, #cur :n`, returning the new item), which yields everything
needed: this window's count, the previous window's, and the month's.

Burst: a window's allowance is the plan's per-minute rate plus what the previous
window left unused, capped at the plan's burst. An idle client may send `burst`
requests in one minute; a steady one gets `requests_per_minute`. Requests refused
with 429 are given back (a second, compensating write on the refusal path only), so
retrying while limited does not eat the quota.

Concurrency limits (the plan's "Concurrent" column) are not enforced per request:
doing so needs two more writes per request and leaks slots when a function dies
mid-request. Lambda reserved concurrency per function and the API Gateway stage
throttle bound concurrency instead (see docs/rate-limits.md).
"""

from __future__ import annotations

import calendar
import math
import time
from dataclasses import dataclass

from . import clock, db, keys, plans
from .accounts import Principal
from .errors import ApiError

WINDOW = 60


@dataclass(frozen=True)
class Limits:
    limit: int  # this window's allowance
    remaining: int
    reset: int  # epoch seconds when the window ends
    reset_after: int
    rate: int  # the plan's requests per minute
    quota: int | None
    quota_remaining: int | None
    quota_reset_after: int
    exceeded: str | None = None  # "rate" | "quota" | None

    def headers(self) -> dict[str, str]:
        policy = f'"default";q={self.rate};w={WINDOW}'
        state = f'"default";r={self.remaining};t={self.reset_after}'
        if self.quota is not None:
            policy += f', "monthly";q={self.quota};w={self.quota_reset_after}'
            state += f', "monthly";r={self.quota_remaining};t={self.quota_reset_after}'
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
            "X-RateLimit-Reset-After": str(self.reset_after),
            "RateLimit-Policy": policy,
            "RateLimit": state,
        }

    def error(self) -> ApiError:
        if self.exceeded == "quota":
            retry = self.quota_reset_after
            message = f"Monthly quota of {self.quota} requests used up; it resets in {retry} s."
        else:
            retry = self.reset_after
            message = f"Rate limit of {self.limit} requests per minute exceeded; retry in {retry} s."
        return ApiError(
            "rate_limited", message, headers={**self.headers(), "Retry-After": str(max(retry, 1))}, store=False
        )


def _month(now: float) -> tuple[str, int]:
    """('YYYYMM', epoch seconds at the end of the month)."""
    t = time.gmtime(now)
    last_day = calendar.monthrange(t.tm_year, t.tm_mon)[1]
    end = calendar.timegm((t.tm_year, t.tm_mon, last_day, 23, 59, 59)) + 1
    return f"{t.tm_year:04d}{t.tm_mon:02d}", end


def plan_limits(principal: Principal) -> plans.Plan:
    return plans.get(principal.plan)


def _limits(plan: plans.Plan, now: float, cur: int, prev: int, used: int, month_end: int) -> Limits:
    window_end = (int(now) // WINDOW + 1) * WINDOW
    allowance = min(plan.burst, plan.requests_per_minute + max(0, plan.requests_per_minute - prev))
    quota_left = None if plan.monthly_quota is None else max(0, plan.monthly_quota - used)
    exceeded = None
    if cur > allowance:
        exceeded = "rate"
    elif plan.monthly_quota is not None and used > plan.monthly_quota:
        exceeded = "quota"
    return Limits(
        limit=allowance,
        remaining=max(0, allowance - cur),
        reset=window_end,
        reset_after=max(0, math.ceil(window_end - now)),
        rate=plan.requests_per_minute,
        quota=plan.monthly_quota,
        quota_remaining=quota_left,
        quota_reset_after=max(0, math.ceil(month_end - now)),
        exceeded=exceeded,
    )


def _update(principal: Principal, now: float, cost: int) -> tuple[dict, str, str, int]:
    month, month_end = _month(now)
    window = int(now) // WINDOW
    cur, prev = f"w{window}", f"w{window - 1}"
    resp = db.client().update_item(
        TableName=db.table(),
        Key=db.to_item(keys.rate_limit(principal.key_id, month)),
        UpdateExpression="ADD used :n, #cur :n SET expires_at = :exp REMOVE #stale",
        ExpressionAttributeNames={"#cur": cur, "#stale": f"w{window - 2}"},
        ExpressionAttributeValues=db.values(n=cost, exp=month_end + 35 * 86400),
        ReturnValues="ALL_NEW",
    )
    item = db.from_item(resp.get("Attributes")) or {}
    stale = [k for k in item if k.startswith("w") and k[1:].isdigit() and k not in (cur, prev)]
    if stale:  # windows left behind by an idle gap: drop them so the item stays small
        db.client().update_item(
            TableName=db.table(),
            Key=db.to_item(keys.rate_limit(principal.key_id, month)),
            UpdateExpression="REMOVE " + ", ".join(f"#s{i}" for i in range(len(stale))),
            ExpressionAttributeNames={f"#s{i}": k for i, k in enumerate(stale)},
        )
    return item, cur, prev, month_end


def hit(principal: Principal, cost: int = 1) -> Limits:
    """Count `cost` requests; raises the 429 (with headers) when over the limit."""
    now = clock.now()
    plan = plan_limits(principal)
    try:
        item, cur, prev, month_end = _update(principal, now, cost)
    except Exception as exc:
        raise db.translate(exc) from exc
    limits = _limits(plan, now, int(item.get(cur, 0)), int(item.get(prev, 0)), int(item.get("used", 0)), month_end)
    if limits.exceeded:
        try:  # give the refused requests back
            db.client().update_item(
                TableName=db.table(),
                Key=db.to_item(keys.rate_limit(principal.key_id, _month(now)[0])),
                UpdateExpression="ADD used :n, #cur :n",
                ExpressionAttributeNames={"#cur": cur},
                ExpressionAttributeValues=db.values(n=-cost),
            )
        except Exception:
            pass
        raise limits.error()
    return limits


def peek(principal: Principal) -> Limits:
    """Where the key stands, without counting (for 304 answers)."""
    now = clock.now()
    month, month_end = _month(now)
    window = int(now) // WINDOW
    try:
        resp = db.client().get_item(TableName=db.table(), Key=db.to_item(keys.rate_limit(principal.key_id, month)))
    except Exception as exc:
        raise db.translate(exc) from exc
    item = db.from_item(resp.get("Item")) or {}
    plan = plan_limits(principal)
    return _limits(
        plan, now, int(item.get(f"w{window}", 0)), int(item.get(f"w{window - 1}", 0)), int(item.get("used", 0)), month_end
    )
