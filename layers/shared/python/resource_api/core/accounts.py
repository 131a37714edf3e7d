"""Accounts and their API keys. Keys are shown once, stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import hmac
import string
from dataclasses import dataclass
from typing import Any

from . import clock, db, ids, keys

MODES = keys.MODES
PLANS = ("free", "starter", "growth", "scale", "enterprise")
_KEY_ALPHABET = string.ascii_letters + string.digits
KEY_PREFIX = {"test": "sk_test_", "live": "sk_live_"}


@dataclass(frozen=True)
class Principal:
    """Who a request acts for: what the authorizer hands every function."""

    account_id: str
    mode: str
    key_id: str
    plan: str
    api_version: str = ""  # the account's default API version ("" = the latest)

    @property
    def livemode(self) -> bool:
        return self.mode == "live"


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def mode_of(secret: str) -> str | None:
    for mode, prefix in KEY_PREFIX.items():
        if secret.startswith(prefix) and len(secret) > len(prefix):
            return mode
    return None


def new_secret(mode: str) -> str:
    import secrets  # noqa: PLC0415 - keys are made by apictl, never on a request path

    return KEY_PREFIX[mode] + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(32))


def create_account(plan: str = "free", account_id: str | None = None, name: str = "") -> dict[str, Any]:
    if plan not in PLANS:
        raise ValueError(f"plan must be one of {', '.join(PLANS)}")
    account = {
        "id": account_id or ids.new_id("acct"),
        "object": "account",
        "plan": plan,
        "name": name,
        "created": clock.now_s(),
    }
    _put_new({**keys.account(account["id"]), **account})
    return account


def _put_new(item: dict[str, Any]) -> None:
    """Put an item that must not exist yet. If botocore's own retry of a put whose
    answer was lost finds our item already there, that is our success, not a clash."""
    try:
        db.client().put_item(
            TableName=db.table(), Item=db.to_item(item), ConditionExpression="attribute_not_exists(pk)"
        )
    except Exception as exc:
        if db.error_code(exc) != "ConditionalCheckFailedException":
            raise
        key = {"pk": item["pk"], "sk": item["sk"]}
        stored = db.from_item(
            db.client().get_item(TableName=db.table(), Key=db.to_item(key), ConsistentRead=True).get("Item")
        )
        if stored != item:
            raise


def get_account(account_id: str) -> dict[str, Any] | None:
    item = db.from_item(
        db.client().get_item(TableName=db.table(), Key=db.to_item(keys.account(account_id))).get("Item")
    )
    return item


def add_key(account_id: str, mode: str, secret: str | None = None) -> dict[str, Any]:
    """Register a key (a fresh random one unless `secret` is given); returns it with its secret."""
    if mode not in MODES:
        raise ValueError("mode must be test or live")
    secret = secret or new_secret(mode)
    if mode_of(secret) != mode:
        raise ValueError(f"a {mode} key must start with {KEY_PREFIX[mode]}")
    key_id = ids.new_id("key")
    record = {
        "id": key_id,
        "object": "api_key",
        "account_id": account_id,
        "mode": mode,
        "last4": secret[-4:],
        "created": clock.now_s(),
        "revoked": False,
    }
    _put_new({**keys.api_key(hash_key(secret)), **keys.api_key_index(account_id, key_id), **record})
    return {**record, "secret": secret}


def list_keys(account_id: str) -> list[dict[str, Any]]:
    resp = db.client().query(
        TableName=db.table(),
        IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :p",
        ExpressionAttributeValues=db.values(p=keys.api_keys_of(account_id)),
    )
    out = []
    for raw in resp.get("Items", []):
        item = db.from_item(raw) or {}
        record = {k: item[k] for k in ("id", "object", "account_id", "mode", "last4", "created", "revoked")}
        record["expires"] = item.get("expires")  # set by a roll: the key stops working then
        record["rolled_to"] = item.get("rolled_to")
        out.append(record)
    return out


# How long a rolled key keeps working, as a dashboard offers it (Stripe: now .. 7 days).
ROLL_EXPIRIES_S = {"now": 0, "1h": 3600, "24h": 86400, "7d": 7 * 86400}


def _key_item(account_id: str, key_id: str) -> dict[str, Any] | None:
    resp = db.client().query(
        TableName=db.table(),
        IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :p AND gsi1sk = :k",
        ExpressionAttributeValues=db.values(p=keys.api_keys_of(account_id), k=key_id),
    )
    items = resp.get("Items", [])
    return db.from_item(items[0]) if items else None


def roll_key(account_id: str, key_id: str, expires_in_s: int) -> dict[str, Any]:
    """A new key of the same mode (returned with its secret, shown once); the old one keeps
    working for `expires_in_s` seconds more (0: it stops at once), then the authorizer
    refuses it (authenticate). ValueError for an unknown, revoked or already rolled key."""
    if expires_in_s < 0:
        raise ValueError("expires_in_s must be 0 or more")
    item = _key_item(account_id, key_id)
    if item is None or item.get("revoked"):
        raise ValueError(f"no such active key: {key_id}")
    if item.get("rolled_to"):
        raise ValueError(f"key {key_id} was already rolled")
    new = add_key(account_id, item["mode"])
    expires = clock.now_s() + expires_in_s
    db.client().update_item(
        TableName=db.table(),
        Key=db.to_item({"pk": item["pk"], "sk": item["sk"]}),
        UpdateExpression="SET expires = :e, rolled_to = :n",
        ConditionExpression="attribute_exists(pk) AND revoked = :f AND attribute_not_exists(rolled_to)",
        ExpressionAttributeValues=db.values(e=expires, n=new["id"], f=False),
    )
    return {**new, "rolled_from": key_id, "old_key_expires": expires}


def revoke_key(account_id: str, key_id: str) -> bool:
    resp = db.client().query(
        TableName=db.table(),
        IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :p AND gsi1sk = :k",
        ExpressionAttributeValues=db.values(p=keys.api_keys_of(account_id), k=key_id),
    )
    items = resp.get("Items", [])
    if not items:
        return False
    db.client().update_item(
        TableName=db.table(),
        Key={"pk": items[0]["pk"], "sk": items[0]["sk"]},
        UpdateExpression="SET revoked = :t, revoked_at = :now",
        ExpressionAttributeValues=db.values(t=True, now=clock.now_s()),
    )
    return True


def key_active(item: dict[str, Any]) -> bool:
    """A stored key that is not revoked and not past the expiry a roll gave it."""
    expires = item.get("expires")
    return not item.get("revoked") and (expires is None or int(expires) > clock.now_s())


def authenticate(secret: str) -> Principal | None:
    """The principal for a presented key, or None when it is unknown, revoked or expired."""
    mode = mode_of(secret)
    if mode is None or len(secret) > 255:
        return None
    return principal_for_hash(hash_key(secret), mode)


def principal_for_hash(digest: str, mode: str) -> Principal | None:
    """The principal of the key whose SHA-256 is `digest`, while it is valid for `mode`
    (what a dashboard session re-checks on every page, holding only the hash)."""
    client = db.client()
    item = db.from_item(client.get_item(TableName=db.table(), Key=db.to_item(keys.api_key(digest))).get("Item"))
    # The lookup is by hash; compare the stored hash in constant time all the same.
    if not item or not hmac.compare_digest(item["pk"], keys.api_key(digest)["pk"]):
        return None
    if item.get("mode") != mode or not key_active(item):
        return None
    account = get_account(item["account_id"])
    if account is None:
        return None
    return Principal(
        account_id=item["account_id"],
        mode=mode,
        key_id=item["id"],
        plan=account["plan"],
        api_version=account.get("api_version") or "",
    )


def set_api_version(account_id: str, version: str) -> None:
    """Pin the account's default API version (requests may still pin their own)."""
    from .versions import VERSIONS

    if version not in VERSIONS:
        raise ValueError(f"version must be one of {', '.join(VERSIONS)}")
    db.client().update_item(
        TableName=db.table(),
        Key=db.to_item(keys.account(account_id)),
        UpdateExpression="SET api_version = :v",
        ConditionExpression="attribute_exists(pk)",
        ExpressionAttributeValues=db.values(v=version),
    )
