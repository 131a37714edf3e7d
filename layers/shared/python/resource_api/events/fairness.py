"""Fair delivery: no account's stalled receivers may hold every delivery slot.

A receiver that accepts the connection and never answers holds a slot of the delivery
function (a thread of an invocation, and so the invocation) for the whole attempt
deadline (15 s). Three layers keep one account from stalling every account's webhooks:

1. **SQS fair queue** (queues.send): every message carries the account as its
   MessageGroupId on the standard queue, so when one account's messages pile up in
   flight, SQS hands the other accounts' messages to the next free consumer first.
   It does not bound what one account holds once its messages are received.

2. **A bounded share of slow attempts per account** (SlowShare): an attempt that has had
   no answer after SLOW_AFTER_S (1 s) must take one of its account's (and mode's)
   ACCOUNT_SLOW_SLOTS slots, a conditional write on one DynamoDB item; when they are all
   held, the attempt is cut there and deferred on the retry schedule, and it counts as
   a timeout of its endpoint. Fast answers (nearly all of them) write nothing. So one
   account keeps at most ACCOUNT_SLOW_SLOTS attempts (and so invocations) beyond 1 s,
   whatever it sends; every other slot frees within about a second. A refused claim is
   one write, and answers the container's other claims for that account for
   REFUSED_MEMO_S (the attempts of a stalled batch all ask at the same moment).
   And an endpoint whose last attempt timed out is not even attempted while its
   account holds all its slow slots (admit): it would hold a delivery slot for a
   second only to be cut; it is deferred on the schedule without a request.

3. **A circuit breaker per endpoint** (admit / after), as Svix and Hookdeck have: after
   CIRCUIT_TIMEOUTS consecutive timeouts the circuit opens, and the endpoint's messages
   are deferred without a request (no slot held) until it is due to close; then one
   attempt, the half-open probe, is let through: an answer closes it, another timeout
   opens it again for twice as long (up to CIRCUIT_OPEN_MAX_S). Any answer resets the
   count. A deferred message is retried on the schedule (its next_attempt_at is no
   earlier than the probe), so its three days of retries are kept. Every endpoint's
   breaker is kept in its account's state item, beside the slow slots (three attributes
   per endpoint that timed out, BREAKER_FIELDS), so the timeouts of a batch's attempts
   that end together, whatever endpoints of the account they are, are one write (the
   counts and their time; the open period runs from the last timeout): add_timeouts,
   by the batch's group commit (deliveries.Bookkeeping).

An attempt reads what it is admitted on (its account's state item: the share and the
endpoint's breaker) in the same BatchGetItem as its event and endpoint
(deliveries._read_batch): a deferral costs that read and its share of the batch's
record and visibility writes, nothing more.

Deferrals are recorded as attempts (the receive is one, SQS counts it), with the
circuit's state, so a dashboard can show why and when the next try is.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from ..core import clock, db, keys, table

CIRCUIT_TIMEOUTS_ENV = "WEBHOOK_CIRCUIT_TIMEOUTS"
CIRCUIT_TIMEOUTS = 3  # consecutive timeouts that open an endpoint's circuit (0: no breaker)
CIRCUIT_OPEN_ENV = "WEBHOOK_CIRCUIT_OPEN_S"
CIRCUIT_OPEN_S = 60  # the first open period; doubled by each failed probe
CIRCUIT_OPEN_MAX_S = 3600
SLOW_AFTER_ENV = "WEBHOOK_SLOW_AFTER_S"
SLOW_AFTER_S = 1.0  # an attempt unanswered this long takes one of its account's slow slots
SLOW_SLOTS_ENV = "WEBHOOK_ACCOUNT_SLOW_SLOTS"
ACCOUNT_SLOW_SLOTS = 5  # slow attempts one account and mode may have at once (0: no bound); see slow_slots_for
STATE_TTL_S = 7 * 86_400  # a breaker or share item untouched this long is removed

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"
# One claim at a time per process: DynamoDB checks and writes a claim atomically, moto
# does not (two threads of the local cloud could both pass the size condition).
_claiming = threading.Lock()
REFUSED_MEMO_S = 0.5  # a refused claim answers the process's next ones for this long (SlowShare)
_refused_until: dict[tuple[str, str], float] = {}  # (account, mode) -> monotonic time


def slow_slots_for(concurrency: int) -> int:
    """The default share for a delivery function of `concurrency` invocations: a fifth
    (at least one), so one account can never hold most of them (25 -> 5, locally 4 -> 1);
    ACCOUNT_SLOW_SLOTS when it has no fixed concurrency (0)."""
    return max(1, concurrency // 5) if concurrency > 0 else ACCOUNT_SLOW_SLOTS


def circuit_timeouts() -> int:
    return int(os.environ.get(CIRCUIT_TIMEOUTS_ENV, CIRCUIT_TIMEOUTS))


def circuit_open_s() -> float:
    return float(os.environ.get(CIRCUIT_OPEN_ENV, CIRCUIT_OPEN_S))


def slow_after_s() -> float:
    return float(os.environ.get(SLOW_AFTER_ENV, SLOW_AFTER_S))


def account_slow_slots() -> int:
    return int(os.environ.get(SLOW_SLOTS_ENV, ACCOUNT_SLOW_SLOTS))


# --- the circuit breaker ------------------------------------------------------------


@dataclass
class Circuit:
    """An endpoint's breaker as one attempt saw it."""

    state: str  # CLOSED | OPEN | HALF_OPEN
    timeouts: int = 0  # consecutive, before this attempt
    retry_at: int | None = None  # OPEN: when a probe may go
    defer: bool = False  # True: do not request, defer the message
    share_full: bool = False  # deferred because the account holds all its slow slots (CLOSED)

    def fields(self) -> dict[str, Any]:
        """What an attempt record keeps of it (additive fields of the attempt item)."""
        return {"circuit_state": self.state, "consecutive_timeouts": self.timeouts, "circuit_retry_at": self.retry_at}


@dataclass
class Seen:
    """What an attempt read of its fairness state before it starts, in the same
    BatchGetItem as its event and endpoint (deliveries._read): the endpoint's breaker
    (`circuit`: timeouts, last_timeout_at, probe_until; {} for none) and the account's
    state item (`share`, {} where there is none) it is kept in."""

    circuit: dict[str, Any]
    share: dict[str, Any]


# Every endpoint's breaker is kept in its account's (and mode's) one state item, beside
# the slow slots: three attributes per endpoint that has timed out, named by its id. So
# the timeouts of one batch, whatever endpoints of the account they are, are counted in
# one write (add_timeouts), and the batch reads every breaker with the share.
BREAKER_FIELDS = ("timeouts", "last_timeout_at", "probe_until")
MAX_TRACKED = 64  # endpoints one state item keeps breakers for (an account has at most 16 live ones per mode)


def _attr(field: str, endpoint_id: str) -> str:
    return f"cb_{field}_{endpoint_id}"


def breaker_of(item: dict[str, Any], endpoint_id: str) -> dict[str, Any]:
    """The endpoint's breaker as kept in its account's state item ({} for none)."""
    return {f: item[_attr(f, endpoint_id)] for f in BREAKER_FIELDS if item.get(_attr(f, endpoint_id)) is not None}


def tracked(item: dict[str, Any]) -> dict[str, int]:
    """The endpoints the state item keeps a breaker for -> their last timeout (epoch s)."""
    prefix = "cb_last_timeout_at_"
    return {name[len(prefix):]: int(value) for name, value in item.items() if name.startswith(prefix)}


def state_keys(account_id: str, mode: str, endpoint_id: str) -> list[dict[str, str]]:
    """The keys `Seen` is read from: the account's state item (the endpoint's breaker
    and the share)."""
    return [keys.delivery_share(account_id, mode)]


def seen_in(item: dict[str, Any] | None, endpoint_id: str) -> Seen:
    return Seen(breaker_of(item or {}, endpoint_id), item or {})


def read(account_id: str, mode: str, endpoint_id: str) -> Seen:
    (item,) = db.get_many(state_keys(account_id, mode, endpoint_id))
    return seen_in(item, endpoint_id)


def _open_for(timeouts: int) -> float:
    """How long the circuit stays open after `timeouts` consecutive timeouts."""
    extra = max(0, timeouts - circuit_timeouts())
    return min(circuit_open_s() * 2**extra, CIRCUIT_OPEN_MAX_S)


def _open_until(item: dict[str, Any], timeouts: int) -> int:
    """When an open circuit may let a probe through: its last timeout plus the open
    period its count earns."""
    return int(item.get("last_timeout_at", 0)) + int(_open_for(timeouts))


def share_full(share: dict[str, Any], now_ms: int | None = None) -> bool:
    """Whether the account holds all its slow slots (those not past their deadline)."""
    limit = account_slow_slots()
    if limit <= 0:
        return False
    now_ms = clock.now_ms() if now_ms is None else now_ms
    live = [s for s in share.get("slots") or () if int(str(s).split(":", 1)[0]) >= now_ms]
    return len(live) >= limit


def admit(account_id: str, mode: str, endpoint_id: str, attempt_s: float, seen: Seen | None = None) -> Circuit:
    """Whether this endpoint's next attempt may go now. `attempt_s`: how long it may take
    (a half-open probe holds the endpoint's probe for that long). `seen`: the state as
    the attempt read it (read here when not given).

    Besides the breaker: an endpoint whose last attempt timed out is not attempted while
    its account holds all its slow slots. Unless it answers within SLOW_AFTER_S this time,
    the attempt would be cut there for want of a slot, after holding a delivery slot for
    nothing; it is deferred on the schedule instead, without a request (and without
    counting as a timeout)."""
    limit = circuit_timeouts()
    if limit <= 0:
        return Circuit(CLOSED)
    seen = seen if seen is not None else read(account_id, mode, endpoint_id)
    item = seen.circuit
    timeouts = int(item.get("timeouts", 0))
    if timeouts < limit:
        if timeouts and share_full(seen.share):
            return Circuit(CLOSED, timeouts, defer=True, share_full=True)
        return Circuit(CLOSED, timeouts)
    now = clock.now()
    open_until = _open_until(item, timeouts)
    if now < open_until:
        return Circuit(OPEN, timeouts, open_until, defer=True)
    try:  # due: one attempt probes, the others wait for its answer
        db.client().update_item(
            TableName=db.table(),
            Key=db.to_item(keys.delivery_share(account_id, mode)),
            UpdateExpression="SET #p = :until",
            ConditionExpression="#t >= :limit AND (attribute_not_exists(#p) OR #p < :now)",
            ExpressionAttributeNames={"#p": _attr("probe_until", endpoint_id), "#t": _attr("timeouts", endpoint_id)},
            ExpressionAttributeValues=db.values(until=int(now + attempt_s) + 1, limit=limit, now=int(now)),
        )
    except Exception as exc:
        if db.error_code(exc) != "ConditionalCheckFailedException":
            raise
        return Circuit(HALF_OPEN, timeouts, int(now + _open_for(timeouts)), defer=True)
    return Circuit(HALF_OPEN, timeouts)


def after(
    account_id: str, mode: str, endpoint_id: str, before: Circuit, timed_out: bool, together: Any = None
) -> Circuit:
    """Count the attempt's result: a timeout adds one (and opens the circuit at the
    limit, or again after a failed probe); any answer closes it. Returns the state after.
    One write either way (a timeout's also notes when, which the open period runs from).
    `together`: the batch's group commit of its account's timeouts (deliveries.
    Bookkeeping.timeouts), so that attempts of one account that time out together,
    whatever their endpoints, are counted in one write; without it, this attempt's own."""
    limit = circuit_timeouts()
    if limit <= 0:
        return before
    if not timed_out:
        if before.timeouts or before.state != CLOSED:
            db.client().update_item(
                TableName=db.table(), Key=db.to_item(keys.delivery_share(account_id, mode)),
                UpdateExpression="REMOVE " + ", ".join(f"#{i}" for i in range(len(BREAKER_FIELDS))),
                ExpressionAttributeNames={f"#{i}": _attr(f, endpoint_id) for i, f in enumerate(BREAKER_FIELDS)},
            )
        return Circuit(CLOSED)
    if together is not None:
        timeouts, at = together.submit(endpoint_id)
    else:
        ((timeouts, at),) = add_timeouts(account_id, mode, [endpoint_id])
    if timeouts < limit:
        return Circuit(CLOSED, timeouts)
    return Circuit(OPEN, timeouts, at + int(_open_for(timeouts)))


def add_timeouts(
    account_id: str, mode: str, endpoint_ids: list[str], item: dict[str, Any] | None = None
) -> list[tuple[int, int]]:
    """Count one timeout for each of `endpoint_ids` (an endpoint may come more than once),
    all in one write of the account's state item; for each, in turn, the endpoint's count
    after it and the time noted as its last timeout (an open period runs from it). `item`: the state item as the batch read it, to forget the breakers of
    endpoints that have not timed out for STATE_TTL_S (as the per-endpoint items they
    were kept in before expired), or past the MAX_TRACKED most recent (deleted ones)."""
    counts: dict[str, int] = {}
    for e in endpoint_ids:
        counts[e] = counts.get(e, 0) + 1
    now = int(clock.now())
    names: dict[str, str] = {}
    adds, sets, removes = [], [f"{table.TTL_ATTRIBUTE} = :ttl"], []
    values: dict[str, Any] = {":now": {"N": str(now)}, ":ttl": {"N": str(now + STATE_TTL_S)}}
    for i, (e, n) in enumerate(counts.items()):
        names.update({f"#t{i}": _attr("timeouts", e), f"#l{i}": _attr("last_timeout_at", e), f"#p{i}": _attr("probe_until", e)})
        values[f":n{i}"] = {"N": str(n)}
        adds.append(f"#t{i} :n{i}")
        sets.append(f"#l{i} = :now")
        removes.append(f"#p{i}")
    known = {e: at for e, at in tracked(item or {}).items() if e not in counts}
    recent = sorted(known, key=lambda e: known[e], reverse=True)
    forget = [e for rank, e in enumerate(recent) if known[e] < now - STATE_TTL_S or rank >= MAX_TRACKED - len(counts)]
    for j, e in enumerate(forget):
        for f in BREAKER_FIELDS:
            names[f"#f{j}{f[0]}"] = _attr(f, e)
            removes.append(f"#f{j}{f[0]}")
    resp = db.client().update_item(
        TableName=db.table(),
        Key=db.to_item(keys.delivery_share(account_id, mode)),
        UpdateExpression=f"ADD {', '.join(adds)} SET {', '.join(sets)} REMOVE {', '.join(removes)}",
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
        ReturnValues="UPDATED_NEW",
    )
    got = resp["Attributes"]
    totals = {e: int(got[_attr("timeouts", e)]["N"]) for e in counts}
    out, seen_n = [], {e: 0 for e in counts}
    for e in endpoint_ids:
        seen_n[e] += 1
        out.append((totals[e] - counts[e] + seen_n[e], now))
    return out


# --- the account's share of slow attempts -----------------------------------------------


class SlowShare:
    """One attempt's claim on its account's slow slots: `claim()` when the attempt has
    gone SLOW_AFTER_S without an answer (False: all held, cut the attempt), `release()`
    when it ends. A slot is a member of a string set on one item per account and mode,
    `<expiry ms>:<id>`; one whose attempt died with its container expires with the
    attempt's deadline and is swept by the next claim that finds the set full (the
    refused write returns the set: ReturnValuesOnConditionCheckFailure, no extra read).

    A refusal is remembered by the process (the container) for REFUSED_MEMO_S, unless it
    gives back one of that account's slots itself meanwhile: the attempts of a batch
    that stall together all ask at once, and the first refusal answers the others
    without a write each. At worst an attempt is cut that a slot freed elsewhere in
    that half second could have kept; it is retried on the schedule, and the bound holds."""

    def __init__(self, account_id: str, mode: str, seconds: float) -> None:
        self.account = (account_id, mode)
        self.key = db.to_item(keys.delivery_share(account_id, mode))
        self.slot = f"{int((clock.now() + seconds + 5) * 1000)}:{uuid.uuid4().hex}"
        self.held = False
        self.refused = False

    def claim(self) -> bool:
        limit = account_slow_slots()
        if limit <= 0:
            return True
        for attempt in range(2):  # again only after sweeping slots past their deadline
            with _claiming:  # the remembered refusal is read where it is written: in turn
                if _refused_until.get(self.account, 0.0) > time.monotonic():
                    break
                try:
                    resp = db.client().update_item(
                        TableName=db.table(),
                        Key=self.key,
                        UpdateExpression=f"ADD slots :slot SET {table.TTL_ATTRIBUTE} = :ttl",
                        ConditionExpression="attribute_not_exists(slots) OR size(slots) < :limit",
                        ExpressionAttributeValues={
                            ":slot": {"SS": [self.slot]},
                            **db.values(limit=limit, ttl=clock.now_s() + STATE_TTL_S),
                        },
                        ReturnValues="UPDATED_NEW",
                        ReturnValuesOnConditionCheckFailure="ALL_OLD",
                    )
                except Exception as exc:
                    if db.error_code(exc) != "ConditionalCheckFailedException":
                        raise
                    if attempt == 0 and self._sweep(_refused_item(exc)):
                        continue
                    _refused_until[self.account] = time.monotonic() + REFUSED_MEMO_S
                    break
            self.held = True
            # DynamoDB checks and writes atomically; moto (the local cloud) may let two
            # claims through at once. Then the slots that sort first keep their place.
            held = sorted((resp.get("Attributes") or {}).get("slots", {}).get("SS", [self.slot]))
            if self.slot in held[:limit]:
                return True
            self.release()
            break
        self.refused = True
        return False

    def _sweep(self, item: dict[str, Any] | None) -> bool:
        """Remove the slots whose attempts are past their deadline (of the set the refused
        claim returned; read here if it returned none); True if any were. The caller
        holds `_claiming`."""
        if item is None:
            item = db.client().get_item(TableName=db.table(), Key=self.key, ConsistentRead=True).get("Item") or {}
        now_ms = clock.now_ms()
        stale = [s for s in (item.get("slots") or {}).get("SS", []) if int(s.split(":", 1)[0]) < now_ms]
        if stale:
            db.client().update_item(
                TableName=db.table(), Key=self.key, UpdateExpression="DELETE slots :stale",
                ExpressionAttributeValues={":stale": {"SS": stale}},
            )
        return bool(stale)

    def release(self) -> None:
        if not self.held:
            return
        self.held = False
        with _claiming:
            _refused_until.pop(self.account, None)  # a slot is free: the next claim asks again
            db.client().update_item(
                TableName=db.table(), Key=self.key, UpdateExpression="DELETE slots :slot",
                ExpressionAttributeValues={":slot": {"SS": [self.slot]}},
            )


def _refused_item(exc: Exception) -> dict[str, Any] | None:
    """The item a refused conditional write returned (ReturnValuesOnConditionCheckFailure),
    in DynamoDB's form; None when it returned none."""
    item = getattr(exc, "response", {}).get("Item")
    return item if isinstance(item, dict) else None


def in_flight_slow(account_id: str, mode: str) -> int:
    """How many slow slots the account holds now (tests, the bench)."""
    item = db.client().get_item(
        TableName=db.table(), Key=db.to_item(keys.delivery_share(account_id, mode)), ConsistentRead=True
    ).get("Item") or {}
    return len((item.get("slots") or {}).get("SS", []))

