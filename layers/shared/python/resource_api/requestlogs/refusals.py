"""The authorizer's request-log lines: requests API Gateway answers itself (401, 403)
after the authorizer refused them, when the refused key belongs to an account.

API Gateway's access log line of such a request has no account (the authorizer gave no
context), so the authorizer, which knows whose key it refused, logs the record itself,
in the frame's line form (capture.line); the access log line is then not recorded
(ingest.py records access lines with an account only). A key nobody has (unknown,
malformed) has no account: nothing is logged. Runs on the refusal path only.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger

from ..core import accounts, clock, db, keys
from ..core.accounts import Principal
from ..core.errors import CODES, error_body
from ..frame import request_log as capture
from .store import normalize_id

log = Logger(service="resource-api")  # the frame's logger: its level is the request line's


def _log(event: dict[str, Any], *, account_id: str, mode: str, key_id: str, last4: str, code: str) -> None:
    rc = event.get("requestContext") or {}
    raw_id = rc.get("requestId") or ""
    now_ms = clock.now_ms()
    record = capture.base(event, normalize_id(raw_id), now_ms)
    spec = CODES[code]
    record.update(
        account_id=account_id, mode=mode, status=spec.status,
        latency_ms=float(max(0, now_ms - int(rc.get("requestTimeEpoch") or now_ms))),
        key_id=key_id, key_last4=last4, api_version=None, idempotency_key=None, idempotent_replayed=False,
        error_type=spec.type, error_code=code, error_param=None,
        # what API Gateway answers: the gateway response's error object (its request id form)
        response_body=json.dumps(error_body(code, request_id=raw_id or None)),
    )
    log.info("request", extra={"status": spec.status, **capture.line(record)})


def refused_key(event: dict[str, Any], secret: str) -> None:
    """A 401 for `secret`: logged for its account if the key exists (revoked, expired).
    Never raises (the 401 is answered whatever happens here)."""
    try:
        mode = accounts.mode_of(secret)
        if mode is None or len(secret) > 255:
            return
        key = db.to_item(keys.api_key(accounts.hash_key(secret)))
        item = db.from_item(db.client().get_item(TableName=db.table(), Key=key).get("Item"))
        if not item or not item.get("account_id"):
            return
        _log(event, account_id=item["account_id"], mode=item.get("mode") or mode, key_id=item.get("id") or "",
             last4=secret[-4:], code="api_key_invalid")
    except Exception:  # noqa: BLE001 - a log line is not worth failing the answer
        log.warning("could not log a refused key's request", exc_info=True)


def denied(event: dict[str, Any], principal: Principal, last4: str) -> None:
    """A 403 (a live key on the sandbox stage): logged for the key's account."""
    try:
        _log(event, account_id=principal.account_id, mode=principal.mode, key_id=principal.key_id, last4=last4,
             code="livemode_not_allowed")
    except Exception:  # noqa: BLE001
        log.warning("could not log a denied request", exc_info=True)
