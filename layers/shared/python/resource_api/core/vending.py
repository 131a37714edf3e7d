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
CACHE_SIZE accounts, until REFRESH_BEFORE_S before they expire, and one DynamoDB client
signs each request with its own context's (writer): a warm account costs a dict lookup,
a cold one an AssumeRole round trip (bench/vending.py, docs/deploy.md "Token vending"). If STS fails, nothing is written: the request answers
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
CACHE_SIZE = 4096  # accounts per container (credentials: 3 strings, ~2 KB each with the token)
# A role assumed by a role session (role chaining) lasts at most one hour.
SESSION_SECONDS = 3600
REFRESH_BEFORE_S = 300  # a new session this long before the old one expires

_bound: ContextVar[_Binding | None] = ContextVar("resource_api_vending", default=None)
_cache: OrderedDict[tuple[str, str], tuple[Any, float]] = OrderedDict()  # -> (ReadOnlyCredentials, expiry)
_lock = threading.Lock()
_sts: Any = None
_client: Any = None


class _Binding:
    """A request's tenant role and account, and the credentials its writes sign with."""

    __slots__ = ("role", "account", "credentials")

    def __init__(self, role: str, account: str) -> None:
        self.role, self.account, self.credentials = role, account, None


def role_env(kind: str) -> str:
    return ROLE_ENV + kind.upper()


def role_for(kinds: Iterable[str]) -> str | None:
    """The tenant role of the route's write kind, if vending is on for it."""
    for kind in sorted(kinds):
        arn = os.environ.get(role_env(kind))
        if arn:
            return arn
    return None


def bind(account_id: str | None, kinds: Iterable[str]) -> Token[_Binding | None]:
    """Writes of this request (this context) go with `account_id`'s vended credentials
    when the route's write kind has a tenant role; undo with unbind(token)."""
    role = role_for(kinds)
    return _bound.set(_Binding(role, account_id) if role and account_id else None)


def unbind(token: Token[_Binding | None]) -> None:
    _bound.reset(token)


def writer() -> Any | None:
    """The vended DynamoDB client, signing with the bound account's credentials (fetched
    now if not cached: raises 503 if STS fails), or None when nothing is bound.

    One client serves every account: what differs per account is only the credentials
    it signs with, read per request from this context's binding (_BoundCredentials), so
    a cold account costs an AssumeRole and nothing else (no client, no connection), and
    the cache holds credentials, not clients. Each thread has its own context: a write
    in a context with no binding fails, it never signs with another account's."""
    binding = _bound.get()
    if binding is None:
        return None
    binding.credentials = credentials_for(binding.role, binding.account)
    return shared_client()


def credentials_for(role_arn: str, account_id: str, now: float | None = None) -> Any:
    """Credentials of `role_arn` tagged account=`account_id`: the cached ones while they
    have more than REFRESH_BEFORE_S left, else a new session (LRU, CACHE_SIZE at most)."""
    key = (role_arn, account_id)
    now = time.time() if now is None else now
    with _lock:
        hit = _cache.get(key)
        if hit is not None and hit[1] - REFRESH_BEFORE_S > now:
            _cache.move_to_end(key)
            return hit[0]
    credentials, expires = _assume(role_arn, account_id)
    with _lock:
        _cache[key] = (credentials, expires)
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return credentials


def session_name(account_id: str) -> str:
    """The session's name (CloudTrail shows it): the account, in STS's alphabet."""
    name = "".join(c if c.isalnum() or c in "_+=,.@-" else "-" for c in account_id)[:64]
    return name if len(name) >= 2 else f"account-{name}"


def _assume(role_arn: str, account_id: str) -> tuple[Any, float]:
    from botocore.credentials import ReadOnlyCredentials  # noqa: PLC0415

    try:
        creds = sts().assume_role(
            RoleArn=role_arn,
            RoleSessionName=session_name(account_id),
            DurationSeconds=SESSION_SECONDS,
            Tags=[{"Key": TAG, "Value": account_id}],
        )["Credentials"]
    except Exception as exc:  # botocore ClientError, a timeout, no endpoint
        code = (getattr(exc, "response", None) or {}).get("Error", {}).get("Code", "")
        log.warning("sts:AssumeRole failed: %s", code or type(exc).__name__)
        raise unavailable() from exc
    expiration = creds["Expiration"]
    expires = expiration.timestamp() if hasattr(expiration, "timestamp") else time.time() + SESSION_SECONDS
    return ReadOnlyCredentials(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]), expires


def shared_client() -> Any:
    """The one vended DynamoDB client of this container (see writer)."""
    global _client
    if _client is None:
        from botocore.credentials import Credentials  # noqa: PLC0415

        from .clients import aws_client  # noqa: PLC0415

        class _BoundCredentials(Credentials):
            """What the client signs each request with: the credentials writer() put on
            this context's binding, never anything else."""

            def __init__(self) -> None:
                super().__init__("unbound", "unbound", "unbound", method="token-vending")

            def get_frozen_credentials(self) -> Any:
                binding = _bound.get()
                if binding is None or binding.credentials is None:
                    raise RuntimeError("token vending: a write with no account's credentials bound to it")
                return binding.credentials

        client = aws_client("dynamodb", aws_access_key_id="unbound", aws_secret_access_key="unbound",
                               aws_session_token="unbound")
        # The signer asks its credentials for frozen ones on every request (botocore
        # RequestSigner.get_auth_instance): these answer with the request's own.
        client._request_signer._credentials = _BoundCredentials()
        _client = client
    return _client


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
        from .clients import aws_client  # noqa: PLC0415

        _sts = aws_client("sts")
    return _sts


def set_sts(value: Any) -> None:
    """Tests and the bench: another STS client (or None: built again on next use)."""
    global _sts
    _sts = value


def clear() -> None:
    """Forget every cached session and the client (tests, the bench's cold accounts)."""
    global _client
    with _lock:
        _cache.clear()
    _client = None


def cached() -> int:
    return len(_cache)
