"""A unit of work: what one operation wants written, as plain data, and how it commits.

Domain logic writes nothing itself: an operation that changes the table returns a Unit
(its transaction's writes, its counter deltas, the answer's body, what to do once it
committed, and what a failed condition means). Whoever runs the operation decides how
to commit it:

    a single request, or one operation of a batch   `commit`: one transaction of the
        unit's writes and counters, plus the request's idempotency record when it has a
        key (frame/idempotency.py's Attempt adds it: one more write of the transaction)
    an atomic batch                                  batch/domain.py: every operation's
        writes in ONE transaction, their counter deltas summed (`merge_counters`)

So the domain is testable without DynamoDB (tests/unit/test_units.py), and no context
variable steers where writes go.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..core import db, keys
from ..core.errors import ApiError

if TYPE_CHECKING:
    from .idempotency import Attempt, Outcome

CONDITION_FAILED = "ConditionalCheckFailed"
# A transaction DynamoDB cancelled because another one in flight included one of its
# items (TransactionConflict) wrote nothing: it is sent again, up to CONFLICT_ATTEMPTS
# times in all, after a full-jitter backoff (0 to CONFLICT_BACKOFF_S x 2^n, at most
# CONFLICT_BACKOFF_CAP_S): at most ~0.3 s added to a request. Past that the request
# answers 503 service_unavailable, not stored (db.translate): the client retries it with
# the same Idempotency-Key.
CONFLICT_ATTEMPTS = 5
CONFLICT_BACKOFF_S = 0.01
CONFLICT_BACKOFF_CAP_S = 0.15
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Counter:
    """Deltas to counters kept on one item (e.g. an account's resources per status):
    `ADD` each, unconditionally. Several units' deltas to one item sum into one write.
    With `shards`, the deltas go to one of that many shard items of `key` (keys.
    counter_shard), picked at random per write: concurrent writes then rarely include
    the same counter item, and a count is the sum over the item and its shards."""

    key: dict[str, str]
    deltas: dict[str, int]
    shards: int = 0

    def write(self) -> dict[str, Any]:
        """The transaction item that applies the deltas."""
        key = keys.counter_shard(self.key, _random().randrange(self.shards)) if self.shards else self.key
        names = {f"#c{i}": name for i, name in enumerate(self.deltas)}
        vals = {f":c{i}": {"N": str(delta)} for i, delta in enumerate(self.deltas.values())}
        return {
            "Update": {
                "TableName": db.table(),
                "Key": db.to_item(key),
                "UpdateExpression": "ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(self.deltas))),
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": vals,
            }
        }


@dataclass
class Unit:
    """What one operation wants written, and the answer once it is."""

    body: Any  # the answer's body, once committed
    writes: list[dict[str, Any]]  # TransactWriteItems entries (Put, Update, Delete, ConditionCheck)
    counters: list[Counter] = field(default_factory=list)
    after: list[Callable[[], Any]] = field(default_factory=list)  # once committed (never if not)
    # A failed condition on writes[i]: the error that answers it; on any other write:
    # `conflict` (None: the AWS failure as db.translate answers it).
    failures: dict[int, ApiError] = field(default_factory=dict)
    conflict: ApiError | None = None
    # A failed condition on writes[0] (the item the operation planned from changed, or
    # was never read): plan again from that item as it is now (None: not returned; the
    # domain reads it), `attempts` plans in all, before `conflict` answers.
    replan: Callable[[dict[str, Any] | None], Unit] | None = None
    attempts: int = 1
    # Planned on an assumption about writes[0]'s item instead of a read of it (a DELETE
    # that expects a settled resource). An atomic batch, which cannot plan one operation
    # again after its one transaction failed, plans such a unit again from a read first.
    assumed: bool = False

    def items(self) -> list[dict[str, Any]]:
        """The transaction's items: the writes, then one update per counter item."""
        return [*self.writes, *(c.write() for c in self.counters if any(c.deltas.values()))]


def _random() -> Any:
    """The random module, loaded on the first write, not on every cold start's import."""
    import random  # noqa: PLC0415

    return random


class Stale(Exception):
    """writes[0]'s condition failed: the item as it is now (None if not returned)."""

    def __init__(self, item: dict[str, Any] | None) -> None:
        self.item = item


def transact(items: list[dict[str, Any]], sleep: Callable[[float], None] = time.sleep) -> None:
    """One TransactWriteItems of `items`, sent again while DynamoDB cancels it for a
    TransactionConflict (nothing was written then; see CONFLICT_ATTEMPTS). Raises what
    DynamoDB raised otherwise, or the last conflict."""
    for n in range(CONFLICT_ATTEMPTS):
        try:
            db.writer().transact_write_items(
                TransactItems=items,
                # A token per transaction makes botocore's own retries of it idempotent
                # (32 hex characters: DynamoDB takes at most 36). A new one per attempt:
                # a cancelled transaction is a new transaction when sent again.
                ClientRequestToken=uuid.uuid4().hex,
            )
            return
        except Exception as exc:
            if not db.conflicted(exc) or n + 1 == CONFLICT_ATTEMPTS:
                raise
            log.warning("dynamodb transaction conflict, retrying (%d of %d)", n + 1, CONFLICT_ATTEMPTS - 1)
            sleep(_random().uniform(0, min(CONFLICT_BACKOFF_CAP_S, CONFLICT_BACKOFF_S * 2**n)))


def failure(unit: Unit, exc: Exception) -> Exception:
    """What a failed transaction of `unit` means: Stale (writes[0]'s condition, when the
    unit can plan again), the error the unit gives a failed condition, or the AWS
    failure as the client should see it."""
    reasons = db.cancellation_reasons(exc) if db.error_code(exc) == "TransactionCanceledException" else []
    if reasons and reasons[0] == CONDITION_FAILED and unit.replan is not None:
        return Stale(db.cancellation_items(exc)[0])
    for i, reason in enumerate(reasons):
        if reason == CONDITION_FAILED and i in unit.failures:
            return unit.failures[i]
    if CONDITION_FAILED in reasons and unit.conflict is not None:
        return unit.conflict
    return db.translate(exc)


def commit(unit: Unit, answer: Callable[[Any], Outcome], attempt: Attempt | None = None) -> Outcome:
    """Commit `unit` on its own: one transaction of its items, with the request's
    idempotency record when `attempt` holds its key (stored as `answer(body)`, the
    response the request then gives). Plans again while writes[0]'s condition fails,
    up to unit.attempts plans; then unit.conflict answers."""
    attempts = unit.attempts  # in all, however many the plans after this one allow
    for n in range(attempts):
        outcome = answer(unit.body)
        try:
            if attempt is not None:
                attempt.commit(unit.items(), outcome)
            else:
                transact(unit.items())
        except ApiError:
            raise
        except Exception as exc:  # botocore ClientError and transport errors
            err = failure(unit, exc)
            if isinstance(err, Stale):
                if n + 1 < attempts:
                    assert unit.replan is not None
                    unit = unit.replan(err.item)
                    continue
                err = unit.conflict or db.translate(exc)
            raise err from exc
        for action in unit.after:
            action()
        return outcome
    raise AssertionError("unreachable")


def apply(unit: Unit) -> Any:
    """Commit `unit` with no idempotency key and return its body: the domain's
    plan-and-commit helpers for tools and tests (e.g. resources.domain.create)."""
    return commit(unit, lambda body: body)


def merge_counters(counters: list[Counter]) -> list[Counter]:
    """Deltas to the same item summed into one (zero sums dropped), in first-seen order."""
    merged: dict[tuple[Any, ...], dict[str, int]] = {}
    found: dict[tuple[Any, ...], Counter] = {}
    for c in counters:
        ident = (*sorted(c.key.items()), c.shards)
        found.setdefault(ident, c)
        totals = merged.setdefault(ident, {})
        for name, delta in c.deltas.items():
            totals[name] = totals.get(name, 0) + delta
    return [
        Counter(found[i].key, {k: v for k, v in d.items() if v}, found[i].shards)
        for i, d in merged.items() if any(d.values())
    ]
