"""Rate-limit arithmetic on in-process moto, with a tiny plan to reach the quota."""

import pytest

from resource_api import clock, plans, ratelimit
from resource_api.errors import ApiError


@pytest.fixture
def tiny(monkeypatch, principal):
    monkeypatch.setitem(plans.PLANS, "tiny", plans.Plan("tiny", 3, 5, 1, 7, 10))
    return principal.__class__(principal.account_id, "test", "key_tiny", "tiny")


def test_monthly_quota_and_window_rollover(tiny, monkeypatch):
    start = 1_800_000_000 - (1_800_000_000 % 60)  # a window boundary
    monkeypatch.setattr(clock, "now", lambda: start + 1.0)
    seen = [ratelimit.hit(tiny).remaining for _ in range(5)]
    assert seen == [4, 3, 2, 1, 0]  # burst of 5 after an idle minute
    with pytest.raises(ApiError) as exc:
        ratelimit.hit(tiny)
    assert exc.value.code == "rate_limited" and exc.value.headers["Retry-After"] == "59"
    monkeypatch.setattr(clock, "now", lambda: start + 61.0)
    nxt = ratelimit.hit(tiny)
    assert nxt.limit == 3 and nxt.remaining == 2  # overdraft of the last window is not carried
    nxt = ratelimit.hit(tiny)
    assert nxt.quota_remaining == 0  # 7 counted this month
    with pytest.raises(ApiError) as exc:
        ratelimit.hit(tiny)
    assert "Monthly quota" in exc.value.message
    # refused requests are given back: peeking shows the month still at 7
    assert ratelimit.peek(tiny).quota_remaining == 0


def test_idle_windows_are_pruned(tiny, monkeypatch):
    base = 1_800_000_000 - (1_800_000_000 % 60)
    for minute in (0, 5, 10):
        monkeypatch.setattr(clock, "now", lambda m=minute: base + m * 60 + 1.0)
        ratelimit.hit(tiny)
    from resource_api import db, keys

    item = db.from_item(
        db.client().get_item(TableName=db.table(), Key=db.to_item(keys.rate_limit("key_tiny", "202701")))["Item"]
    )
    windows = [k for k in item if k.startswith("w")]
    assert len(windows) <= 2 and item["used"] == 3
