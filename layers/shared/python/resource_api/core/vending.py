"""Token vending: the write path's DynamoDB client holds the account's own credentials
(issue 23 item 5; AWS's SaaS tenant-isolation pattern).

With vending on (`-c vending=true`, infra/data.py), a write function's own role cannot
write its entity's items; a tenant role can, and its policy binds dynamodb:LeadingKeys
to the session tag `account` (`${aws:PrincipalTag/account}#*#RES`, `IDEM#${...}#*`...,
keys.tenant_partitions). Each request that writes assumes that role with the session
tag `account=<the authenticated account>` (sts:AssumeRole + sts:TagSession), so a key
built for any other account is refused by IAM, whatever the code computed.

    bind(account_id, route.access)   the frame, once per request (frame/http.py)
    db.writer()                      the client the write path uses: the bound account's
                                     vended client, else the function's own (db.client())

The role of a write kind comes from the environment, TENANT_ROLE_ARN_<KIND> (infra/
gives each write function only its own; the local cloud, one process, sets them all).
Credentials are cached per container and (role, account), in LRU order, at most
CACHE_SIZE accounts, until REFRESH_BEFORE_S before they expire: a warm account costs a
dict lookup, a cold one an AssumeRole round trip and a client (bench/vending.py,
docs/deploy.md "Token vending"). If STS fails, nothing is written: the request answers
503 service_unavailable with Retry-After, not stored for its Idempotency-Key.

Nothing here is loaded at import but the standard library: boto3 on the first vend.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from contextvars import ContextVar, Token
from typing import Any

log = logging.getLogger(__name__)

TAG = "account"  # the session tag the tenant roles' policies bind (aws:PrincipalTag/account)
ROLE_ENV = "TENANT_ROLE_ARN_"  # + the write kind, upper case: TENANT_ROLE_ARN_WRITE, ...
CACHE_SIZE = 512  # accounts per container (a client is ~60 KB: ~30 MB at most)
# A role assumed by a role session (role chaining) lasts at most one hour.
SESSION_SECONDS = 3600
REFRESH_BEFORE_S = 300  # a new session this long before the old one expires

_bound: ContextVar[tuple[str, str] | None] = ContextVar("resource_api_vending", default=None)
_cache: OrderedDict[tuple[str, str], tuple[Any, float]] = OrderedDict()
_lock = threading.Lock()
_sts: Any = None


def role_env(kind: str) -> str:
    return ROLE_ENV + kind.upper()


def role_for(kinds: Iterable[str]) -> str | None:
    """The tenant role of the route's write kind, if vending is on for it."""
    for kind in sorted(kinds):
        arn = os.environ.get(role_env(kind))
        if arn:
            return arn
    return None


def bind(account_id: str | None, kinds: Iterable[str]) -> Token[tuple[str, str] | None]:
    """Writes of this request (this context) go with `account_id`'s vended credentials
    when the route's write kind has a tenant role; undo with unbind(token)."""
    role = role_for(kinds)
    return _bound.set((role, account_id) if role and account_id else None)


def unbind(token: Token[tuple[str, str] | None]) -> None:
    _bound.reset(token)


def writer() -> Any | None:
    """The bound account's vended DynamoDB client, or None when nothing is bound."""
    bound = _bound.get()
    return None if bound is None else client_for(*bound)


def client_for(role_arn: str, account_id: str, now: float | None = None) -> Any:
    """A DynamoDB client with credentials of `role_arn` tagged account=`account_id`:
    the cached one while it has more than REFRESH_BEFORE_S left, else a new session."""
    key = (role_arn, account_id)
    now = time.time() if now is None else now
    with _lock:
        hit = _cache.get(key)
        if hit is not None and hit[1] - REFRESH_BEFORE_S > now:
            _cache.move_to_end(key)
            return hit[0]
    client, expires = _vend(role_arn, account_id)
    with _lock:
        _cache[key] = (client, expires)
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return client


def session_name(account_id: str) -> str:
    """The session's name (CloudTrail shows it): the account, in STS's alphabet."""
    name = "".join(c if c.isalnum() or c in "_+=,.@-" else "-" for c in account_id)[:64]
    return name if len(name) >= 2 else f"account-{name}"


def _vend(role_arn: str, account_id: str) -> tuple[Any, float]:
    from . import db  # noqa: PLC0415 - db imports this module lazily too

    try:
        creds = sts().assume_role(
            RoleArn=role_arn,
            RoleSessionName=session_name(account_id),
            DurationSeconds=SESSION_SECONDS,
            Tags=[{"Key": TAG, "Value": account_id}],
        )["Credentials"]
    except Exception as exc:  # botocore ClientError, a timeout, no endpoint
        log.warning("sts:AssumeRole failed: %s", db.error_code(exc) or type(exc).__name__)
        raise unavailable() from exc
    client = db.aws_client(
        "dynamodb",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    expiration = creds["Expiration"]
    expires = expiration.timestamp() if hasattr(expiration, "timestamp") else time.time() + SESSION_SECONDS
    return client, expires


def unavailable() -> Exception:
    from .errors import ApiError  # noqa: PLC0415

    return ApiError(
        "service_unavailable",
        "Credentials for this account could not be obtained and nothing was written. Retry with "
        "exponential backoff and the same Idempotency-Key.",
        headers={"Retry-After": "1"},
        store=False,
    )


def sts() -> Any:
    global _sts
    if _sts is None:
        from . import db  # noqa: PLC0415

        _sts = db.aws_client("sts")
    return _sts


def set_sts(value: Any) -> None:
    """Tests and the bench: another STS client (or None: built again on next use)."""
    global _sts
    _sts = value


def clear() -> None:
    """Forget every cached session (tests, the bench's cold accounts)."""
    with _lock:
        _cache.clear()


def cached() -> int:
    return len(_cache)
