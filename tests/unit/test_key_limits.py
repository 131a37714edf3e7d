"""Rate-limit arithmetic on in-process moto, with a tiny plan to reach the quota."""

import pytest

from resource_api.core import clock, plans
from resource_api.frame import key_limits
from resource_api.core.errors import ApiError


@pytest.fixture
def tiny(monkeypatch, principal):
    monkeypatch.setitem(plans.PLANS, "tiny", plans.Plan("tiny", 3, 5, 1, 7, 10))
    return principal.__class__(principal.account_id, "test", "key_tiny", "tiny")


def test_monthly_quota_and_window_rollover(tiny, monkeypatch):
    start = 1_800_000_000 - (1_800_000_000 % 60)  # a window boundary
    monkeypatch.setattr(clock, "now", lambda: start + 1.0)
    seen = [key_limits.hit(tiny).remaining for _ in range(5)]
    assert seen == [4, 3, 2, 1, 0]  # burst of 5 after an idle minute
    with pytest.raises(ApiError) as exc:
        key_limits.hit(tiny)
    assert exc.value.code == "rate_limited" and exc.value.headers["Retry-After"] == "59"
    monkeypatch.setattr(clock, "now", lambda: start + 61.0)
    nxt = key_limits.hit(tiny)
    assert nxt.limit == 3 and nxt.remaining == 2  # overdraft of the last window is not carried
    nxt = key_limits.hit(tiny)
    assert nxt.quota_remaining == 0  # 7 counted this month
    with pytest.raises(ApiError) as exc:
        key_limits.hit(tiny)
    assert "Monthly quota" in exc.value.message
    # refused requests are given back: peeking shows the month still at 7
    assert key_limits.peek(tiny).quota_remaining == 0


def test_idle_windows_are_pruned(tiny, monkeypatch):
    base = 1_800_000_000 - (1_800_000_000 % 60)
    for minute in (0, 5, 10):
        monkeypatch.setattr(clock, "now", lambda m=minute: base + m * 60 + 1.0)
        key_limits.hit(tiny)
    from resource_api.core import db, keys

    item = db.from_item(
        db.client().get_item(TableName=db.table(), Key=db.to_item(keys.rate_limit(tiny.account_id, "test", "202701")))["Item"]
    )
    windows = [k for k in item if k.startswith("w")]
    assert len(windows) <= 2 and item["used"] == 3


def _writes():
    """A counter of the DynamoDB calls this process makes, by operation."""
    from collections import Counter

    from resource_api.core import db

    seen: Counter = Counter()
    db.client().meta.events.register("before-call.dynamodb", lambda model, **_: seen.update([model.name]))
    return seen


def _stored(principal, month: str = "202701") -> dict:
    from resource_api.core import db, keys

    return db.from_item(
        db.client().get_item(
            TableName=db.table(), Key=db.to_item(keys.rate_limit(principal.account_id, principal.mode, month))
        )["Item"]
    )


@pytest.fixture
def free(monkeypatch, principal):
    start = 1_800_000_000 - (1_800_000_000 % 60)
    monkeypatch.setattr(clock, "now", lambda: start + 1.0)
    return principal.__class__(principal.account_id, "test", "key_free", "free"), start


def test_a_steady_client_is_counted_in_leases_with_exact_headers(free, monkeypatch):
    key, start = free
    calls = _writes()
    seen = [key_limits.hit(key).remaining for _ in range(100)]
    assert seen == list(range(99, -1, -1))  # exact, one by one, as if each were written
    assert calls["UpdateItem"] <= 25  # far fewer writes than requests
    with pytest.raises(ApiError):  # and never more than the burst
        key_limits.hit(key)
    assert key_limits.peek(key).remaining == 0
    stored = _stored(key)
    assert stored["used"] == 100 and stored[f"w{int(start) // 60}"] == 100  # the 429 was given back


def test_unused_lease_is_given_back_on_the_next_write(free, monkeypatch):
    key, start = free
    for _ in range(20):
        key_limits.hit(key)
    window = int(start) // 60
    assert _stored(key)["used"] > 20  # counted ahead
    monkeypatch.setattr(clock, "now", lambda: start + 61.0)
    nxt = key_limits.hit(key)
    stored, ahead = _stored(key), key_limits._leases[f"{key.account_id}#test"].left
    assert stored["used"] - ahead == 21 and stored[f"w{window + 1}"] - ahead == 1
    assert stored[f"w{window}"] == 20  # the last window's unused lease went back to it
    # the previous window's true count sets this one's allowance: 60 + (60 - 20), capped at 100
    assert nxt.limit == 100 and nxt.remaining == 99


def test_peek_from_a_lease_makes_no_call(free):
    key, _ = free
    for _ in range(10):
        last = key_limits.hit(key)
    calls = _writes()
    assert key_limits.peek(key).remaining == last.remaining
    assert sum(calls.values()) == 0


def test_two_containers_never_admit_more_than_the_allowance(free, monkeypatch):
    """Two processes share the key: each leases for itself; together they stay within
    the limit, and what they leave unadmitted is small."""
    import random

    key, _ = free
    containers = [{}, {}]
    admitted, rng = 0, random.Random(7)
    for _ in range(300):
        monkeypatch.setattr(key_limits, "_leases", containers[rng.random() < 0.5])
        try:
            key_limits.hit(key)
            admitted += 1
        except ApiError:
            pass
    assert 90 <= admitted <= 100  # the burst is 100
    used = _stored(key)["used"]
    assert admitted <= used <= 100


def test_a_container_serving_many_keys_forgets_past_windows(free, monkeypatch):
    key, start = free
    monkeypatch.setattr(key_limits, "MAX_KEYS", 5)
    for i in range(5):
        key_limits.hit(key.__class__(f"acct_many_{i}", "test", f"key_many_{i}", "free"))
    monkeypatch.setattr(clock, "now", lambda: start + 61.0)
    key_limits.hit(key)  # a sixth account, in the next window: the five past leases go
    assert list(key_limits._leases) == [f"{key.account_id}#test"]
    assert key_limits.hit(key).remaining == 98  # and counting goes on as before


def test_every_key_of_an_account_and_mode_spends_one_budget(free):
    """An operator who makes more keys gets no more requests: the budget is the
    account's in its mode (test and live apart), whichever key a request comes with."""
    key, _ = free
    other_key = key.__class__(key.account_id, "test", "key_free_2", "free")
    live_key = key.__class__(key.account_id, "live", "key_free_live", "free")
    for i in range(100):
        key_limits.hit(key if i % 2 else other_key)
    for k in (key, other_key):
        with pytest.raises(ApiError) as exc:
            key_limits.hit(k)
        assert exc.value.code == "rate_limited"
    assert key_limits.hit(live_key).remaining == 99  # live has its own budget
    assert _stored(key)["used"] == 100
