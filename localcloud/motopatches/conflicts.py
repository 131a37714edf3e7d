"""Correctness shim: DynamoDB's transaction conflicts (TransactionConflict), which moto
never raises.

DynamoDB (TransactWriteItems, "Transaction conflict handling"): a TransactWriteItems
that includes an item another ongoing TransactWriteItems includes is cancelled,
TransactionCanceledException with the reason `TransactionConflict` at that item's index
(and `None` at the others); nothing of it is written, and the SDKs do not retry it.
moto runs transactions one at a time (and the local cloud's server serialises every
DynamoDB request, motoserver.Serialized), so two transactions on one item never
overlap there and the local cloud could not show what concurrent writers meet on AWS.

The model. A transaction is *ongoing* from the moment its request reaches the server
(`arrive`, called by motoserver.Serialized before it waits for its turn) until it has
been applied, but for no longer than a transaction takes at DynamoDB (`WINDOW_S`, 50 ms:
DynamoDB commits a TransactWriteItems in about 10-30 ms). The cap matters when the
local server falls behind: a request waiting seconds in its queue is a laptop's CPU
artefact, not a transaction in flight at DynamoDB, and counting the wait made every
write of a busy account conflict (the mix at 167/s answered a third of its deletes 503
after five retries, where DynamoDB, serving them in parallel, would cancel a few).
Two transactions on one item conflict when their intervals overlap; the one applied
second is cancelled, TransactionConflict at each such item's index. Requests of one
client in sequence never overlap (each arrives after the previous was applied);
requests from concurrent clients that reach the server within a transaction's time of
each other do, as they would at DynamoDB. Only committed transactions hold their items
in this model (a cancelled one leaves nothing behind, so two conflicting transactions
never cancel each other both: DynamoDB may cancel both; that is the worst case, and a
retry handles it the same way).

Not modelled: a PutItem/UpdateItem/DeleteItem on an item of an ongoing transaction
(DynamoDB rejects that single write with TransactionConflictException), and
TransactGetItems. In-process moto (no server) stamps no arrival: a transaction then
arrives when it runs, and only truly concurrent threads can overlap.

`LOCAL_TRANSACTION_CONFLICTS=0` turns the check off (to tell a conflict from another
fault while debugging), `LOCAL_TRANSACTION_WINDOW_S` sets the window; docs/localcloud.md.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from .registry import shim

SWITCH_ENV = "LOCAL_TRANSACTION_CONFLICTS"
WINDOW_ENV = "LOCAL_TRANSACTION_WINDOW_S"
WINDOW_S = 0.05  # the longest a transaction is in flight (DynamoDB: about 10-30 ms)
FORGET_AFTER_S = 60.0  # intervals older than this cannot overlap a new one
KEEP_PER_ITEM = 8  # the last intervals kept per item

_local = threading.local()
_lock = threading.Lock()
# item -> (arrived, ended) of the last transactions that committed it, latest last
_committed: dict[tuple[str, str, str], list[tuple[float, float]]] = {}
_counts = {"arrived": 0, "conflicts": 0}  # for tests and diagnostics


def arrive() -> None:
    """The request this thread is about to serve reached the server now (called before
    it waits for the server's DynamoDB lock)."""
    _local.arrived = time.monotonic()
    with _lock:
        _counts["arrived"] += 1


def arrived() -> int:
    """How many DynamoDB requests have reached the server (a test waits on this)."""
    return _counts["arrived"]


def conflicts() -> int:
    """How many transactions were cancelled with TransactionConflict."""
    return _counts["conflicts"]


def enabled() -> bool:
    return os.environ.get(SWITCH_ENV, "1").strip().lower() not in ("0", "false", "off", "no")


def window() -> float:
    try:
        return max(0.0, float(os.environ.get(WINDOW_ENV, WINDOW_S)))
    except ValueError:
        return WINDOW_S


def overlaps(came: float, held: list[tuple[float, float]], width: float) -> bool:
    """Whether a transaction that arrived at `came` (and is applied now, after them) was
    in flight at once with one of the committed intervals `held`: it arrived before one
    ended, and that one arrived before this one's own window closed."""
    return any(came < ended and arrived < came + width for arrived, ended in held)


def _identity(backend: Any, op: dict[str, Any]) -> tuple[str, str, str] | None:
    name = op.get("TableName", "")
    table = backend.tables.get(name)
    raw = op.get("Key") or op.get("Item") or {}
    if table is None or table.hash_key_attr not in raw:
        return None
    range_key = raw.get(table.range_key_attr) if table.range_key_attr else None
    return (name, repr(raw[table.hash_key_attr]), repr(range_key))


@shim("moto.dynamodb.models:DynamoDBBackend.transact_write_items",
      "moto.dynamodb.exceptions:TransactionCanceledException", session="dynamodb")
def transactions_on_one_item_conflict() -> None:
    """DynamoDB: a TransactWriteItems that includes an item another ongoing
    TransactWriteItems includes is cancelled with TransactionConflict (AWS's
    TransactWriteItems troubleshooting: "Transaction conflict handling"); moto runs
    transactions one at a time and never raises it. Here a transaction is cancelled,
    TransactionConflict at each such item's index, when another transaction that
    committed that item was in flight at the same time, each in flight from reaching the
    server until applied and at most a DynamoDB transaction's time
    (localcloud/motopatches/conflicts.py)."""
    from moto.dynamodb.exceptions import TransactionCanceledException
    from moto.dynamodb.models import DynamoDBBackend

    original = DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: Any) -> Any:
        now = time.monotonic()
        came = getattr(_local, "arrived", None)
        _local.arrived = None  # one stamp, one request
        came = now if came is None else came
        width = window()
        idents = [_identity(self, next(iter(entry.values()))) for entry in transact_items]
        if enabled():
            with _lock:
                hit = [i is not None and overlaps(came, _committed.get(i, ()), width) for i in idents]
                if any(hit):
                    _counts["conflicts"] += 1
            if any(hit):
                raise TransactionCanceledException([
                    ("TransactionConflict", "Transaction is ongoing for the item", None) if h else (None, None, None)
                    for h in hit
                ])
        result = original(self, transact_items)
        held = (came, min(time.monotonic(), came + width))
        with _lock:
            for ident in idents:
                if ident is not None:
                    _committed[ident] = [*_committed.get(ident, ())[1 - KEEP_PER_ITEM:], held]
            if len(_committed) > 10_000:
                for key in [k for k, v in _committed.items() if v[-1][1] < held[1] - FORGET_AFTER_S]:
                    del _committed[key]
        return result

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
