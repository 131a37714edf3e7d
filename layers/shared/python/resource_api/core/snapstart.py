"""What a Lambda SnapStart restore must redo (the `snapstart` CDK flag, docs/performance.md).

With SnapStart, Lambda runs a function's init once, snapshots the memory, and starts
every later execution environment from that snapshot: whatever init left in memory is
shared by all of them. What must not be shared, and what the hooks redo:

- random: the `random` module's generator was seeded once, at init; restored copies
  would draw the same delays (the webhook retry jitter) in the same order. Reseeded
  from the OS after a restore. Ids (core/ids.py: `secrets`), idempotency lock tokens
  and client request tokens (`uuid.uuid4`) read the OS's random source on every call,
  so they need nothing; the restore test shows two restored copies make different ones.
- AWS clients and their connections: the per-process clients (DynamoDB, SQS, Step
  Functions) and boto3's default session, which holds the credentials it resolved and
  pooled connections a restored copy must not reuse. Dropped before the snapshot (so
  none is in it) and again after a restore: the next call builds fresh ones.
- caches stamped with a clock: the rate limiter's leases (capacity reserved by the
  container that took them; restored copies would each spend the same lease), the
  event renderer's API versions and the metrics ingestion's checked hours (monotonic
  time stamps from before the snapshot), and the local cloud's clock offset (zero in
  Lambda; reset so a restore never inherits a frozen clock).
- the authorizer keeps nothing in its process but the DynamoDB client (its answers are
  cached by API Gateway, outside the function), which is rebuilt as above.

Only modules already loaded are touched: a hook never imports anything new.

`register()` runs at init when Lambda initialises for SnapStart
(AWS_LAMBDA_INITIALIZATION_TYPE=snap-start; resource_api/__init__.py checks it, so a
function without SnapStart pays one environment lookup). It registers the hooks with
the runtime's `snapshot_restore_py` (shipped in Lambda's Python 3.12+ runtimes, absent
elsewhere: then nothing is registered).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

INITIALIZATION_TYPE_ENV = "AWS_LAMBDA_INITIALIZATION_TYPE"
SNAP_START = "snap-start"


def _set(module: str, **attributes: Any) -> None:
    loaded = sys.modules.get(module)
    if loaded is not None:
        for name, value in attributes.items():
            setattr(loaded, name, value)


def _clear(module: str, *names: str) -> None:
    loaded = sys.modules.get(module)
    for name in names:
        value = getattr(loaded, name, None)
        if value is not None:
            value.clear()


def drop_clients() -> None:
    """Forget every AWS client and boto3's default session (rebuilt on next use)."""
    _set("resource_api.core.db", _client=None)
    _set("resource_api.events.queues", _client=None)
    _set("resource_api.resources.provisioning", _client=None)
    _set("boto3", DEFAULT_SESSION=None)


def reseed() -> None:
    loaded = sys.modules.get("random")
    if loaded is not None:
        loaded.seed()  # from os.urandom


def forget_clock_state() -> None:
    _clear("resource_api.frame.key_limits", "_leases")
    _clear("resource_api.events.domain", "_versions")
    _clear("resource_api.metrics.ingest", "_checked")
    _set("resource_api.core.clock", _offset=0.0, _frozen=None)


BEFORE_SNAPSHOT: list[Callable[[], None]] = [drop_clients]
AFTER_RESTORE: list[Callable[[], None]] = [reseed, drop_clients, forget_clock_state]


def before_snapshot() -> None:
    for hook in BEFORE_SNAPSHOT:
        hook()


def after_restore() -> None:
    for hook in AFTER_RESTORE:
        hook()


def register(runtime: Any = None) -> bool:
    """Register the hooks with the runtime (`snapshot_restore_py`, or `runtime` in
    tests). False when there is no such runtime (not in Lambda)."""
    if runtime is None:
        try:
            import snapshot_restore_py as runtime  # noqa: PLC0415 - Lambda's Python runtime only
        except ImportError:
            return False
    runtime.register_before_snapshot(before_snapshot)
    runtime.register_after_restore(after_restore)
    return True
