"""Server-side sessions (OWASP Session Management): a DynamoDB item per session, found by
the SHA-256 of the cookie's random id (the table never holds a usable id), with an idle
and an absolute expiry, both enforced on every request and by DynamoDB's TTL for cleanup.

Every request re-checks the key the session was opened with (accounts.principal_for_hash):
revoking or rolling it (once the old key expires) ends the session at once, as signing
out does (the item is deleted)."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from typing import Any

from resource_api.core import accounts, clock, db, keys, table

COOKIE = "__Host-dashboard_session"
IDLE_S = int(os.environ.get("DASHBOARD_SESSION_IDLE_S", str(30 * 60)))  # 30 min without a page
ABSOLUTE_S = int(os.environ.get("DASHBOARD_SESSION_ABSOLUTE_S", str(12 * 3600)))  # 12 h after sign-in
TOUCH_EVERY_S = 60  # last_seen is written at most once a minute per session
SIGNIN_LIMIT = int(os.environ.get("DASHBOARD_SIGNIN_LIMIT", "10"))  # failed attempts per source IP per minute



def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _key(session_id: str) -> dict[str, str]:
    return keys.dashboard_session(_digest(session_id))


@dataclass
class Session:
    id: str
    account_id: str
    mode: str  # the mode the pages show (the switch)
    key_mode: str  # the mode of the key signed in with: a live key may view test, not the reverse
    key_hash: str
    key_id: str
    key_last4: str
    csrf: str
    created: int
    last_seen: int
    principal: accounts.Principal | None = None

    @property
    def modes(self) -> tuple[str, ...]:
        return accounts.MODES if self.key_mode == "live" else ("test",)

    def as_principal(self) -> accounts.Principal:
        """Who the pages act for: the key's account and plan, in the mode shown."""
        assert self.principal is not None
        p = self.principal
        return accounts.Principal(p.account_id, self.mode, p.key_id, p.plan, p.api_version)

    def csrf_ok(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf, str(token))


def _expires_at(created: int, last_seen: int) -> int:
    return min(created + ABSOLUTE_S, last_seen + IDLE_S)


def create(secret: str, principal: accounts.Principal, last4: str) -> Session:
    """A new session for a key just checked (a fresh id at every sign-in)."""
    now = clock.now_s()
    session = Session(
        id=secrets.token_urlsafe(32),
        account_id=principal.account_id,
        mode=principal.mode,
        key_mode=principal.mode,
        key_hash=accounts.hash_key(secret),
        key_id=principal.key_id,
        key_last4=last4,
        csrf=secrets.token_urlsafe(32),
        created=now,
        last_seen=now,
        principal=principal,
    )
    item = {
        **_key(session.id),
        "entity": "dashboard_session",
        "account_id": session.account_id,
        "mode": session.mode,
        "key_mode": session.key_mode,
        "key_hash": session.key_hash,
        "key_id": session.key_id,
        "key_last4": last4,
        "csrf": session.csrf,
        "created": now,
        "last_seen": now,
        table.TTL_ATTRIBUTE: _expires_at(now, now),
    }
    db.client().put_item(TableName=db.table(), Item=db.to_item(item))
    return session


def load(session_id: str | None) -> Session | None:
    """The live session of a cookie's id, or None (unknown, expired, or its key no longer
    valid: then the item is deleted)."""
    if not session_id or len(session_id) > 128:
        return None
    key = _key(session_id)
    item = db.from_item(
        db.client().get_item(TableName=db.table(), Key=db.to_item(key), ConsistentRead=True).get("Item")
    )
    if not item:
        return None
    now = clock.now_s()
    if now >= _expires_at(int(item["created"]), int(item["last_seen"])):
        end(session_id)
        return None
    principal = accounts.principal_for_hash(item["key_hash"], item["key_mode"])
    if principal is None or principal.account_id != item["account_id"]:
        end(session_id)  # the key was revoked, or rolled and past its expiry
        return None
    session = Session(
        id=session_id,
        account_id=item["account_id"],
        mode=item["mode"],
        key_mode=item["key_mode"],
        key_hash=item["key_hash"],
        key_id=item["key_id"],
        key_last4=item.get("key_last4", ""),
        csrf=item["csrf"],
        created=int(item["created"]),
        last_seen=int(item["last_seen"]),
        principal=principal,
    )
    if now - session.last_seen >= TOUCH_EVERY_S:
        _update(session_id, "SET last_seen = :n, #ttl = :e", n=now, e=_expires_at(session.created, now))
        session.last_seen = now
    return session


def _update(session_id: str, expression: str, **values: Any) -> None:
    db.client().update_item(
        TableName=db.table(),
        Key=db.to_item(_key(session_id)),
        UpdateExpression=expression,
        ConditionExpression="attribute_exists(pk)",
        ExpressionAttributeNames={n: a for n, a in (("#ttl", table.TTL_ATTRIBUTE), ("#m", "mode")) if n in expression},
        ExpressionAttributeValues=db.values(**values),
    )


def set_mode(session: Session, mode: str) -> None:
    if mode not in session.modes:
        raise ValueError(mode)
    _update(session.id, "SET #m = :m", m=mode)
    session.mode = mode


def end(session_id: str) -> None:
    db.client().delete_item(TableName=db.table(), Key=db.to_item(_key(session_id)))


def _signin_window(source_ip: str) -> tuple[dict[str, str], int]:
    window = clock.now_s() // 60
    return keys.dashboard_signin(source_ip[:64], window), window


def signin_blocked(source_ip: str) -> bool:
    """Whether this source address has had SIGNIN_LIMIT failed sign-ins this minute (the
    caller answers 429 without checking the key)."""
    key, _ = _signin_window(source_ip)
    item = db.from_item(db.client().get_item(TableName=db.table(), Key=db.to_item(key), ConsistentRead=True).get("Item"))
    return bool(item) and int(item.get("n", 0)) >= SIGNIN_LIMIT


def signin_failed(source_ip: str) -> None:
    """Count one failed sign-in of this source address in this minute."""
    key, window = _signin_window(source_ip)
    db.client().update_item(
        TableName=db.table(),
        Key=db.to_item(key),
        UpdateExpression="ADD n :one SET #ttl = :e",
        ExpressionAttributeNames={"#ttl": table.TTL_ATTRIBUTE},
        ExpressionAttributeValues=db.values(one=1, e=(window + 2) * 60),
    )
