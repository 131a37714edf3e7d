"""The API Gateway REQUEST authorizer: bearer key -> account, mode and plan.

One function behind two authorizers (infra/api.py `Api.authorizer_for`):

- the cached one, on every route but the webhook routes: API Gateway caches its answer
  for 300 s under the value of the `Authorization` header (its identity source), so a
  key is looked up at most once per cache period and a revoked key stops working when
  its cached answer expires. Its answer may depend on that header alone: it never
  honours `?api_key=`. Were it to, `Authorization: Basic x` plus `?api_key=<victim>`
  would cache the victim's Allow under "Basic x" for anyone sending that header.
- the uncached one (no identity source, no caching), on the routes that take the spec's
  `?api_key=` (routes.Route.query_key): a query key is honoured there, and only when no
  `Authorization` header is sent.

A present `Authorization` header that is not `Bearer <key>` (an empty Bearer, Basic,
Token, two headers) is refused outright, whatever the query string holds.

The function tells the two apart by the route API Gateway invoked it for (the event's
`httpMethod` and `resource`, the matched resource template, set by API Gateway and not
by the caller): only routes with query_key are served by the uncached authorizer.
"""

from __future__ import annotations

import os
from typing import Any

from .core import accounts


class Unauthorized(Exception):
    """Raised to make API Gateway answer its 401 (UNAUTHORIZED) response."""

    def __init__(self) -> None:
        super().__init__("Unauthorized")


def authorization(event: dict[str, Any]) -> str | None:
    """The Authorization header's value, None when absent or blank (which API Gateway
    treats as a missing identity source). More than one Authorization header is refused:
    which of them a cache would be keyed on is not ours to guess."""
    multi = event.get("multiValueHeaders") or {}
    values = [v for k, vs in multi.items() if k.lower() == "authorization" for v in (vs or [])]
    if len(values) > 1:
        raise Unauthorized()
    for name, value in (event.get("headers") or {}).items():
        if name.lower() == "authorization" and value and value.strip():
            return value
    return None


def bearer(value: str) -> str | None:
    """The key of `Bearer <key>`, or None for any other form."""
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def query_key(event: dict[str, Any]) -> str | None:
    """The spec's `?api_key=`, when given and not blank."""
    value = (event.get("queryStringParameters") or {}).get("api_key")
    return value.strip() if value and value.strip() else None


def takes_query_key(event: dict[str, Any]) -> bool:
    """Whether API Gateway invoked this function for a route that takes `?api_key=` (and
    so through the uncached authorizer). `resource` is the API Gateway resource the
    request matched (e.g. /webhook_endpoints/{id}), not the caller's path."""
    method = event.get("httpMethod") or (event.get("requestContext") or {}).get("httpMethod")
    resource = event.get("resource") or (event.get("requestContext") or {}).get("resourcePath")
    # Here, not at import: only a request without an Authorization header gets this far,
    # and the route table (every entity's declarations) is 4-5 ms of the cold start.
    from . import routes  # noqa: PLC0415

    return any(r.query_key and r.method == method and r.resource_path == resource for r in routes.ROUTES)


def key_of(event: dict[str, Any]) -> str:
    """The key this request authenticates with, or Unauthorized."""
    header = authorization(event)
    if header is not None:
        token = bearer(header)
    elif takes_query_key(event):
        token = query_key(event)
    else:
        token = None
    if token is None:
        raise Unauthorized()
    return token


def _policy(principal_id: str, effect: str, method_arn: str) -> dict[str, Any]:
    # Allow every route of this API and stage, so one cached answer serves them all.
    arn_parts = method_arn.split("/")
    resource = "/".join(arn_parts[:2]) + "/*" if len(arn_parts) >= 2 else method_arn
    return {
        "principalId": principal_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
        },
    }


def authorize(event: dict[str, Any]) -> dict[str, Any]:
    key = key_of(event)
    principal = accounts.authenticate(key)
    if principal is None:
        # A refused key of an account (revoked, expired) is that account's request:
        # logged for its request log (API Gateway's access log line has no account).
        from .requestlogs import refusals  # noqa: PLC0415 - the refusal path only

        refusals.refused_key(event, key)
        raise Unauthorized()
    method_arn = event.get("methodArn", "")
    if os.environ.get("STAGE") == "sandbox" and principal.livemode:
        from .requestlogs import refusals  # noqa: PLC0415

        refusals.denied(event, principal, key[-4:])
        return _policy(principal.key_id, "Deny", method_arn)
    answer = _policy(principal.key_id, "Allow", method_arn)
    answer["context"] = {
        "account_id": principal.account_id,
        "mode": principal.mode,
        "key_id": principal.key_id,
        "key_last4": key[-4:],
        "plan": principal.plan,
        "api_version": principal.api_version,
    }
    return answer
