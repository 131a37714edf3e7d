"""Rate limits and monthly quotas per account and mode, on atomic DynamoDB counters,
taken in leases.

Every key of an account in one mode (test or live) spends one budget, so an operator
who makes more keys does not get more requests (Stripe's limits are per account and
mode too); test and live are counted apart, so test traffic never starves live. One
item per account, mode and month holds the month's request count (`used`) and the count
of each active one-minute window (`w<window number>`). A write (`ADD used :n, #cur :n`,
returning the new item) yields everything needed: this window's count, the previous
window's, and the month's.

Leases: a container does not write once per request. Each write takes a *lease* of
`n` requests for the current window, counted at once, and the container's next
requests are served from it without touching DynamoDB. `n` starts at 1 (a key seen for
the first time costs one write per request, exactly as before) and doubles each time a
lease is used up within a second, up to `MAX_LEASE`; it shrinks again when a lease
lasts longer. Whatever is leased stays within the limits when it is taken (a lease
never exceeds a quarter of what the window or the month has left, as last seen), so
leases never admit more than the limit. Tokens a lease did not use are given back by
the container's next write on that key (in the same window, or to the previous one
after a rollover), so the month's count stays exact for a container that lives on;
a container that is recycled with a lease in hand overcounts at most that lease.
Headers from a lease are exact for requests served by one container: remaining is the
window's allowance minus everything counted, less the unused part of this lease.

Burst: a window's allowance is the plan's per-minute rate plus what the previous
window left unused, capped at the plan's burst. An idle client may send `burst`
requests in one minute; a steady one gets `requests_per_minute`. Requests refused
with 429 are given back (a second, compensating write on the refusal path only), so
retrying while limited does not eat the quota.

Concurrency limits (the plan's "Concurrent" column) are not enforced per request:
doing so needs two more writes per request and leaks slots when a function dies
mid-request. The API Gateway stage throttle and the account's Lambda concurrency bound
it instead; the webhook delivery function has reserved concurrency (infra/webhooks.py)
so slow webhook receivers cannot take the API's share (see docs/rate-limits.md).
"""

from __future__ import annotations

import calendar
import math
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..core import clock, db, keys, plans
from ..core.accounts import Principal
from ..core.errors import ApiError

if TYPE_CHECKING:
    from .request import RequestContext

WINDOW = 60
MAX_LEASE = 32  # requests one write may count ahead
MAX_KEYS = 10_000  # leases a container keeps before it forgets those of past windows
LEASE_SECONDS = 1.0  # a lease used up faster than this doubles the next one


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


@dataclass
class _Lease:
    """Requests counted ahead for one key in one window, held by this container."""

    month: str
    window: int
    size: int  # what the write that took it counted
    left: int  # not used yet
    cur: int  # the window's count after that write (this lease included)
    prev: int  # the previous window's count
    used: int  # the month's count after that write
    taken: float  # time.monotonic() when taken

    def limits(self, plan: plans.Plan, now: float, month_end: int) -> Limits:
        """Where the key stands from this container: counted, less the unused lease."""
        return _limits(plan, now, self.cur - self.left, self.prev, self.used - self.left, month_end)


_leases: dict[str, _Lease] = {}
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def forget_leases() -> None:
    """Drop this container's leases (tests that start a fresh table)."""
    _leases.clear()


def _forget_past(month: str, window: int) -> None:
    """Keep a container that serves many keys small: drop the leases of windows that are
    over (what they did not use is then not given back: at most one lease per key)."""
    for key, lease in list(_leases.items()):
        if (lease.month, lease.window) != (month, window):
            _leases.pop(key, None)
            lock = _locks.get(key)
            if lock is not None and not lock.locked():
                _locks.pop(key, None)


def _lock(key_id: str) -> threading.Lock:
    lock = _locks.get(key_id)
    if lock is None:
        with _locks_guard:
            lock = _locks.setdefault(key_id, threading.Lock())
    return lock


def _month(now: float) -> tuple[str, int]:
    """('YYYYMM', epoch seconds at the end of the month)."""
    t = time.gmtime(now)
    last_day = calendar.monthrange(t.tm_year, t.tm_mon)[1]
    end = calendar.timegm((t.tm_year, t.tm_mon, last_day, 23, 59, 59)) + 1
    return f"{t.tm_year:04d}{t.tm_mon:02d}", end


def _budget(principal: Principal) -> str:
    """Whose budget a request spends: its account's in its mode, whichever key it came with."""
    return f"{principal.account_id}#{principal.mode}"


def plan_limits(principal: Principal) -> plans.Plan:
    return plans.get(principal.plan)


def _allowance(plan: plans.Plan, prev: int) -> int:
    return min(plan.burst, plan.requests_per_minute + max(0, plan.requests_per_minute - prev))


def _limits(plan: plans.Plan, now: float, cur: int, prev: int, used: int, month_end: int) -> Limits:
    window_end = (int(now) // WINDOW + 1) * WINDOW
    allowance = _allowance(plan, prev)
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


def _size(old: _Lease | None, plan: plans.Plan, cost: int, month: str, window: int) -> int:
    """How many requests the next write counts: `cost`, plus some ahead when this
    container has been using its leases up quickly, never more than a quarter of what
    is left (as last seen) so that leases cannot overdraw the limits."""
    if old is None:
        return cost
    quick = old.left == 0 and time.monotonic() - old.taken < LEASE_SECONDS
    size = min(MAX_LEASE, old.size * 2) if quick else max(1, old.size // 2)
    if old.month == month:
        if plan.monthly_quota is not None:
            size = min(size, (plan.monthly_quota - old.used + old.left) // 4)
        if old.window == window:
            size = min(size, (_allowance(plan, old.prev) - old.cur + old.left) // 4)
        else:  # a new window: its allowance is at least the plan's rate
            size = min(size, plan.requests_per_minute // 4)
    return max(cost, size)


def _write(principal: Principal, month: str, window: int, n: int, old: _Lease | None, month_end: int) -> dict:
    """Count `n` requests in this window, giving back what `old` did not use."""
    cur = f"w{window}"
    names = {"#cur": cur, "#stale": f"w{window - 2}"}
    add_now, add_month = n, n
    extra = ""
    values: dict = {}
    if old is not None and old.month == month and old.left:
        add_month -= old.left
        if old.window == window:
            add_now -= old.left
        elif old.window == window - 1:  # the previous window's unused part goes back to it
            extra = ", #prev :back"
            names["#prev"] = f"w{window - 1}"
            values["back"] = -old.left
    resp = db.client().update_item(
        TableName=db.table(),
        Key=db.to_item(keys.rate_limit(principal.account_id, principal.mode, month)),
        UpdateExpression=f"ADD used :m, #cur :n{extra} SET expires_at = :exp REMOVE #stale",
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=db.values(n=add_now, m=add_month, exp=month_end + 35 * 86400, **values),
        ReturnValues="ALL_NEW",
    )
    item = db.from_item(resp.get("Attributes")) or {}
    stale = [k for k in item if k.startswith("w") and k[1:].isdigit() and k not in (cur, f"w{window - 1}")]
    if stale:  # windows left behind by an idle gap: drop them so the item stays small
        db.client().update_item(
            TableName=db.table(),
            Key=db.to_item(keys.rate_limit(principal.account_id, principal.mode, month)),
            UpdateExpression="REMOVE " + ", ".join(f"#s{i}" for i in range(len(stale))),
            ExpressionAttributeNames={f"#s{i}": k for i, k in enumerate(stale)},
        )
    return item


def _give_back(principal: Principal, month: str, window: int, n: int) -> None:
    try:
        db.client().update_item(
            TableName=db.table(),
            Key=db.to_item(keys.rate_limit(principal.account_id, principal.mode, month)),
            UpdateExpression="ADD used :n, #cur :n",
            ExpressionAttributeNames={"#cur": f"w{window}"},
            ExpressionAttributeValues=db.values(n=-n),
        )
    except Exception:
        pass


def hit(principal: Principal, cost: int = 1) -> Limits:
    """Count `cost` requests; raises the 429 (with headers) when over the limit."""
    now = clock.now()
    plan = plan_limits(principal)
    month, month_end = _month(now)
    window = int(now) // WINDOW
    key = _budget(principal)
    with _lock(key):
        lease = _leases.get(key)
        if lease is not None and (lease.month, lease.window) == (month, window) and lease.left >= cost:
            lease.left -= cost
            return lease.limits(plan, now, month_end)
        if lease is not None and (lease.month, lease.window) > (month, window):
            lease = None  # the clock went back (tests): nothing to give back to
        size = _size(lease, plan, cost, month, window)
        try:
            item = _write(principal, month, window, size, lease, month_end)
        except Exception as exc:
            raise db.translate(exc) from exc
        _leases.pop(key, None)
        cur, prev, used = int(item.get(f"w{window}", 0)), int(item.get(f"w{window - 1}", 0)), int(item.get("used", 0))
        # The part of this write beyond the limits (only when others counted meanwhile).
        excess = max(0, cur - _allowance(plan, prev))
        if plan.monthly_quota is not None:
            excess = max(excess, used - plan.monthly_quota)
        if size - min(size, excess) < cost:  # refused: give the whole write back
            _give_back(principal, month, window, size)
            raise _limits(plan, now, cur - size + cost, prev, used - size + cost, month_end).error()
        if excess:
            _give_back(principal, month, window, excess)
            cur, used = cur - excess, used - excess
        left = size - excess - cost
        if len(_leases) >= MAX_KEYS:
            _forget_past(month, window)
        lease = _leases[key] = _Lease(month, window, size - excess, left, cur, prev, used, time.monotonic())
        return lease.limits(plan, now, month_end)


def peek(principal: Principal) -> Limits:
    """Where the key stands, without counting (for 304 answers)."""
    now = clock.now()
    month, month_end = _month(now)
    window = int(now) // WINDOW
    plan = plan_limits(principal)
    lease = _leases.get(_budget(principal))
    if lease is not None and (lease.month, lease.window) == (month, window):
        return lease.limits(plan, now, month_end)
    try:
        resp = db.client().get_item(TableName=db.table(), Key=db.to_item(keys.rate_limit(principal.account_id, principal.mode, month)))
    except Exception as exc:
        raise db.translate(exc) from exc
    item = db.from_item(resp.get("Item")) or {}
    return _limits(
        plan, now, int(item.get(f"w{window}", 0)), int(item.get(f"w{window - 1}", 0)), int(item.get("used", 0)), month_end
    )


CHARGED = "rate_limit_charged"  # ctx.extras: the Limits after a request's own charge (charge below)


def charge(ctx: RequestContext, wanted: int, *, partial: bool) -> int:
    """Count `wanted` units of work a request queued (deliveries of a replay or a resend)
    against the account's rate limit and monthly quota, on top of the request itself.

    `partial`: count as many as are left (as this container last saw them) and return
    how many, so the caller does that many; otherwise all or nothing. Raises the 429
    when nothing fits. The Limits after the charge go into ctx.extras[CHARGED], and the
    frame puts their headers on the answer, so they include this charge."""
    principal = ctx.principal
    if wanted == 0 or not principal.key_id:
        return wanted
    n = wanted
    if partial:
        now = peek(principal)
        left = min(now.remaining, wanted if now.quota_remaining is None else now.quota_remaining)
        n = min(wanted, left) or wanted  # nothing left (as last seen): the count below answers 429
    ctx.extras[CHARGED] = hit(principal, cost=n)  # refused whole (429, nothing counted) if it does not fit
    return n
