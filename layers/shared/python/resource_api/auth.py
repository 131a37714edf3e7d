"""The API Gateway REQUEST authorizer: bearer key -> account, mode and plan.

API Gateway caches the answer per Authorization header (see the stack), so a key is
looked up at most once per cache period; a revoked key stops working when its cached
answer expires.
"""

from __future__ import annotations

import os
from typing import Any

from . import accounts


class Unauthorized(Exception):
    """Raised to make API Gateway answer its 401 (UNAUTHORIZED) response."""

    def __init__(self) -> None:
        super().__init__("Unauthorized")


def bearer(headers: dict[str, str] | None) -> str | None:
    for name, value in (headers or {}).items():
        if name.lower() == "authorization" and value:
            scheme, _, token = value.strip().partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


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


def query_key(event: dict[str, Any]) -> str | None:
    """The spec's `?api_key=` (webhook routes only: the functions of other routes refuse
    it, and API Gateway sends this authorizer no query-only request for them)."""
    value = (event.get("queryStringParameters") or {}).get("api_key")
    return value.strip() if value and value.strip() else None


def authorize(event: dict[str, Any]) -> dict[str, Any]:
    token = bearer(event.get("headers")) or query_key(event)
    if token is None:
        raise Unauthorized()
    principal = accounts.authenticate(token)
    if principal is None:
        raise Unauthorized()
    method_arn = event.get("methodArn", "")
    if os.environ.get("STAGE") == "sandbox" and principal.livemode:
        return _policy(principal.key_id, "Deny", method_arn)
    answer = _policy(principal.key_id, "Allow", method_arn)
    answer["context"] = {
        "account_id": principal.account_id,
        "mode": principal.mode,
        "key_id": principal.key_id,
        "plan": principal.plan,
        "api_version": principal.api_version,
    }
    return answer
