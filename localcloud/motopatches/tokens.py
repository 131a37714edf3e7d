"""A correctness shim: TransactWriteItems honours its ClientRequestToken (registry.py).

Its own module so that it merges cleanly beside the other branches' shims."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from .registry import shim

TOKEN_WINDOW_S = 600  # DynamoDB: a token is remembered for 10 minutes


@shim("moto.dynamodb.responses:DynamoHandler.transact_write_items", session="dynamodb")
def transaction_tokens_are_idempotent() -> None:
    """DynamoDB: a TransactWriteItems with a ClientRequestToken that succeeded is, for 10
    minutes, answered again with success and not applied again; the same token with other
    parameters is refused (IdempotentParameterMismatchException). moto ignored the token
    and applied the transaction again. The provisioning state machine relies on it (each
    step's token is `<resource id>-<n>`, docs/provisioning.md): a step that ran again after
    its write (a retry after a lost answer, or a local cloud that resumed an execution
    after a restart) applies once. The tokens live on moto's DynamoDB backend, so they are
    saved with it (localcloud/persistence.py)."""
    from moto.dynamodb.exceptions import DynamodbException
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler.transact_write_items

    def transact_write_items(self: Any) -> Any:
        token = self.body.get("ClientRequestToken")
        if not token:
            return original(self)
        backend = self.dynamodb_backend
        tokens: dict[str, tuple[str, float]] = backend.__dict__.setdefault("client_request_tokens", {})
        digest = hashlib.sha256(json.dumps(self.body.get("TransactItems"), sort_keys=True).encode()).hexdigest()
        now = time.time()
        seen = tokens.get(token)
        if seen is not None and now - seen[1] < TOKEN_WINDOW_S:
            if seen[0] != digest:
                raise DynamodbException(
                    "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException",
                    "Request parameters do not match the previous request with the same client request token",
                )
            from moto.core.responses import ActionResult

            return ActionResult({"ConsumedCapacity": [], "ItemCollectionMetrics": {}})
        result = original(self)
        if len(tokens) > 10_000:  # forget the expired ones now and then
            for key in [k for k, (_, t) in tokens.items() if now - t >= TOKEN_WINDOW_S]:
                del tokens[key]
        tokens[token] = (digest, now)
        return result

    DynamoHandler.transact_write_items = transact_write_items  # type: ignore[method-assign]


def refresh(backend: Any, now: float | None = None) -> None:
    """After a restart: the tokens' window counts from now (the cloud was down meanwhile)."""
    tokens = backend.__dict__.get("client_request_tokens")
    if tokens:
        stamp = time.time() if now is None else now
        for key, (digest, _) in list(tokens.items()):
            tokens[key] = (digest, stamp)
