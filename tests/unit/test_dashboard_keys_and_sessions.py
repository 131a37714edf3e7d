"""Key roll with an expiry (core/accounts.py, what the authorizer checks) and the
dashboard's server-side sessions (layers/dashboard/python/dashboard/sessions.py), on
in-process moto with the shared clock moved instead of waiting."""

from __future__ import annotations

import pytest

from resource_api.auth import Unauthorized, authorize
from resource_api.core import accounts, clock


@pytest.fixture
def moved_clock():
    yield lambda seconds: clock.set_offset(clock.offset() + seconds)
    clock.set_offset(0)


def _event(secret: str) -> dict:
    return {"headers": {"Authorization": f"Bearer {secret}"}, "methodArn": "arn:aws:execute-api:r:1:api/v1/GET/resources",
            "httpMethod": "GET", "resource": "/resources"}


def test_a_rolled_key_works_until_its_expiry_then_the_authorizer_refuses_it(aws, moved_clock):
    acct = accounts.create_account("free")
    old = accounts.add_key(acct["id"], "test")
    new = accounts.roll_key(acct["id"], old["id"], accounts.ROLL_EXPIRIES_S["1h"])
    assert new["secret"].startswith("sk_test_") and new["id"] != old["id"]
    assert authorize(_event(old["secret"]))["context"]["key_id"] == old["id"]  # still valid for the hour
    assert authorize(_event(new["secret"]))["context"]["key_id"] == new["id"]
    moved_clock(3599)
    assert authorize(_event(old["secret"]))["context"]["key_id"] == old["id"]
    moved_clock(1)
    with pytest.raises(Unauthorized):
        authorize(_event(old["secret"]))
    assert authorize(_event(new["secret"]))["context"]["key_id"] == new["id"]
    listed = {k["id"]: k for k in accounts.list_keys(acct["id"])}
    assert listed[old["id"]]["rolled_to"] == new["id"] and listed[old["id"]]["expires"] == new["old_key_expires"]


def test_a_key_rolled_now_stops_at_once_and_cannot_be_rolled_twice(aws):
    acct = accounts.create_account("free")
    old = accounts.add_key(acct["id"], "live")
    new = accounts.roll_key(acct["id"], old["id"], 0)
    assert new["mode"] == "live"
    assert accounts.authenticate(old["secret"]) is None
    with pytest.raises(ValueError):
        accounts.roll_key(acct["id"], old["id"], 0)
    accounts.revoke_key(acct["id"], new["id"])
    with pytest.raises(ValueError):  # a revoked key is not rolled
        accounts.roll_key(acct["id"], new["id"], 3600)
    with pytest.raises(ValueError):  # nor another account's
        accounts.roll_key(accounts.create_account("free")["id"], old["id"], 0)


def test_a_session_ends_after_its_idle_time_and_its_absolute_time(aws, moved_clock):
    from dashboard import sessions

    acct = accounts.create_account("free")
    key = accounts.add_key(acct["id"], "test")
    principal = accounts.authenticate(key["secret"])
    idle = sessions.create(key["secret"], principal, key["last4"])
    assert sessions.load(idle.id).account_id == acct["id"]
    moved_clock(sessions.IDLE_S)
    assert sessions.load(idle.id) is None  # idle too long: gone, and deleted

    busy = sessions.create(key["secret"], principal, key["last4"])
    used = 0
    while used + sessions.IDLE_S // 2 < sessions.ABSOLUTE_S:
        moved_clock(sessions.IDLE_S // 2)
        used += sessions.IDLE_S // 2
        assert sessions.load(busy.id) is not None, used  # each page keeps it alive
    moved_clock(sessions.ABSOLUTE_S - used)
    assert sessions.load(busy.id) is None  # however busy, never past the absolute expiry


def test_a_session_stores_no_usable_id_and_ends_with_its_key(aws):
    from resource_api.core import db

    from dashboard import sessions

    acct = accounts.create_account("free")
    key = accounts.add_key(acct["id"], "test")
    session = sessions.create(key["secret"], accounts.authenticate(key["secret"]), key["last4"])
    items = db.client().scan(TableName=db.table())["Items"]
    text = repr(items)
    assert session.id not in text and key["secret"] not in text and session.csrf in text
    stored = [i for i in items if i["pk"]["S"].startswith("DASHSESSION#")]
    assert int(stored[0]["expires_at"]["N"]) <= session.created + sessions.IDLE_S
    accounts.revoke_key(acct["id"], key["id"])
    assert sessions.load(session.id) is None


def test_a_test_key_session_cannot_switch_to_live(aws):
    from dashboard import sessions

    acct = accounts.create_account("free")
    test_key = accounts.add_key(acct["id"], "test")
    live_key = accounts.add_key(acct["id"], "live")
    test_session = sessions.create(test_key["secret"], accounts.authenticate(test_key["secret"]), "")
    with pytest.raises(ValueError):
        sessions.set_mode(test_session, "live")
    live_session = sessions.create(live_key["secret"], accounts.authenticate(live_key["secret"]), "")
    sessions.set_mode(live_session, "test")
    loaded = sessions.load(live_session.id)
    assert loaded.mode == "test" and loaded.as_principal().mode == "test" and loaded.as_principal().account_id == acct["id"]
