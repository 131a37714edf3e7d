"""Webhook delivery: one SQS message = one event for one endpoint.

Each attempt loads the event and the endpoint afresh, checks the URL again (SSRF
guard) and connects to the address it vetted, POSTs the event's stored JSON with fresh
signatures (webhooks/signing.py), follows no redirect, and records the attempt. The whole
attempt (connect, TLS, request, answer) has one deadline: DELIVERY_TIMEOUT_S
(WEBHOOK_DELIVERY_TIMEOUT_S), cut to the invocation's remaining time less
INVOCATION_MARGIN_S, so a receiver that drips its answer fails its own attempt (a
timeout, retried on the schedule) and the rest of the batch is still reported. Then:

    2xx                       -> done (the message is deleted)
    410 Gone                  -> the endpoint is disabled (notice event), message dropped
    anything else, or no answer -> retried: the message's visibility timeout is set to
                                 the next delay of the schedule (queues.RETRY_SCHEDULE_S,
                                 +-20 % jitter), or to Retry-After when a 429/502/503/504
                                 asks for longer; after the last attempt the next receive
                                 moves it to the DLQ (redrive maxReceiveCount)
    failing for DISABLE_AFTER_S -> the endpoint is disabled (notice event)

The attempt number is SQS's ApproximateReceiveCount, so a crash of the function itself
also counts as an attempt (and Lambda's own retry after the visibility timeout).
"""

from __future__ import annotations

import email.utils
import http.client
import json
import os
import random
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core import clock, db, ids, keys, table
from ..webhooks import domain as webhook_endpoints, signing, urlguard
from . import domain as events, fairness, queues
from .attempts import ENTITY, PREFIX

if TYPE_CHECKING:
    from ..core.groupcommit import GroupCommit

DELIVERY_TIMEOUT_ENV = "WEBHOOK_DELIVERY_TIMEOUT_S"
DELIVERY_TIMEOUT_S = 15.0  # one attempt, start to end (Stripe's figure too)
# Kept back from the invocation's remaining time: enough to record the attempts,
# re-schedule the failed ones and answer the batch before Lambda's timeout.
INVOCATION_MARGIN_S = 5.0
DISABLE_AFTER_ENV = "WEBHOOK_DISABLE_AFTER_S"
DISABLE_AFTER_S = 5 * 86_400
BACKOFF_STATUSES = {429, 502, 503, 504}
RESPONSE_KEEP = 1000  # characters of the receiver's answer kept in the log
USER_AGENT = "ResourceAPI-Webhooks/1.0 (+https://standardwebhooks.com)"


@dataclass
class Response:
    status: int | None
    duration_ms: int
    body: str = ""
    retry_after: float | None = None
    error: str | None = None
    timed_out: bool = False  # no answer within the deadline, or cut by the account's share
    cut: bool = False  # cut by the account's share of slow attempts (fairness.SlowShare)


# (target, body, headers, seconds the whole attempt may take) -> what happened; never raises
Poster = Callable[[urlguard.Target, bytes, dict[str, str], float], Response]


# --- the deadline's clock ------------------------------------------------------------


class DeadlineClock:
    """What the delivery deadline reads and arms: time.monotonic and a daemon
    threading.Timer. Tests put a manual clock in `deadline_clock` (they move time
    themselves, so no test waits on, or asserts, the wall clock)."""

    @staticmethod
    def monotonic() -> float:
        return time.monotonic()

    @staticmethod
    def timer(seconds: float, fire: Callable[[], None]) -> threading.Timer:
        timer = threading.Timer(seconds, fire)
        timer.daemon = True
        return timer


deadline_clock = DeadlineClock()


# --- HTTP -------------------------------------------------------------------------


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the vetted address, whatever the name resolves to by now."""

    def __init__(self, target: urlguard.Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, target: urlguard.Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        # The handshake after `self.sock` is set, so the deadline's watchdog can cut it too.
        self.sock = self._context.wrap_socket(  # type: ignore[attr-defined]
            sock, server_hostname=self.host, do_handshake_on_connect=False
        )
        self.sock.do_handshake()


class _Deadline:
    """Cuts a connection at its deadline, whatever call is blocked on it.

    A socket timeout bounds one blocking call, not the request: a receiver that sends
    one byte per second never trips it. At the deadline this shuts the socket down
    (the descriptor stays open until the connection's own close), which ends the call
    blocked on it at once: the TLS handshake, the send, or the read. The timer
    is cancelled when the attempt ends, and the lock keeps it off a socket that closed.
    `sock` keeps the socket once the request is sent: an answer with `Connection: close`
    leaves the connection's own `sock` None while its body is still being read."""

    def __init__(self, conn: http.client.HTTPConnection, seconds: float, share: fairness.SlowShare | None = None) -> None:
        self._conn = conn
        self.sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._over = False
        self.fired = False
        self.cut = False  # by the account's share of slow attempts (fairness.SlowShare)
        self._timer = deadline_clock.timer(seconds, self._fire)
        self._share = share
        self._slow: threading.Timer | None = None
        after = fairness.slow_after_s()
        if share is not None and after < seconds:
            self._slow = deadline_clock.timer(after, self._claim)

    def __enter__(self) -> _Deadline:
        self._timer.start()
        if self._slow is not None:
            self._slow.start()
        return self

    def _claim(self) -> None:
        """Slow so far: take one of the account's slow slots, or end the attempt here."""
        with self._lock:
            if self._over:
                return
        try:
            kept = self._share.claim()  # type: ignore[union-attr]
        except Exception:  # noqa: BLE001 - the share's table unreachable: let the attempt run its course
            kept = True
        if not kept:
            self.cut = True
            self._fire()

    def _fire(self) -> None:
        with self._lock:
            if self._over:
                return
            self.fired = True
            sock = self._conn.sock or self.sock
            if sock is not None:
                try:  # the plain socket's shutdown: an SSLSocket's own would unwrap it under the reader
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)
                except OSError:
                    pass

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._over = True
        self._timer.cancel()
        if self._slow is not None:
            self._slow.cancel()


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def delivery_timeout_s() -> float:
    return float(os.environ.get(DELIVERY_TIMEOUT_ENV, DELIVERY_TIMEOUT_S))


def _timed_out(started: float, seconds: float, deadline: _Deadline | None = None) -> Response:
    elapsed = deadline_clock.monotonic() - started
    if deadline is not None and deadline.cut:
        slots = fairness.account_slow_slots()
        return Response(
            None, int(elapsed * 1000), timed_out=True, cut=True,
            error=f"deferred: no answer after {elapsed:.1f} s while the account's {slots} slow delivery slots were in use",
        )
    return Response(None, int(elapsed * 1000), error=f"timed out after {seconds:.1f} s", timed_out=True)


# The account's share of slow attempts for the attempt being posted on this thread (set by deliver).
_share: ContextVar[fairness.SlowShare | None] = ContextVar("webhook_slow_share", default=None)


def post(target: urlguard.Target, body: bytes, headers: dict[str, str], seconds: float) -> Response:
    """POST without following redirects, all of it (connect, TLS, send, the answer)
    within `seconds`. Never raises: whatever the receiver does is this attempt's result."""
    started = deadline_clock.monotonic()
    if seconds <= 0:
        return Response(None, 0, error="not attempted: the invocation had no time left")
    conn_type = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
    conn = conn_type(target, timeout=seconds)
    deadline = _Deadline(conn, seconds, _share.get())
    try:
        with deadline:
            conn.request("POST", target.path, body=body, headers=headers)
            deadline.sock = conn.sock
            resp = conn.getresponse()
            text = resp.read(64 * 1024).decode("utf-8", "replace")
        if deadline.fired or deadline_clock.monotonic() - started > seconds:
            return _timed_out(started, seconds, deadline)
        return Response(
            resp.status,
            int((deadline_clock.monotonic() - started) * 1000),
            body=text[:RESPONSE_KEEP],
            retry_after=_retry_after(resp.getheader("Retry-After")),
        )
    except Exception as exc:  # noqa: BLE001 - a receiver's misbehaviour is a failed attempt, not a crash
        if deadline.fired or isinstance(exc, TimeoutError):
            return _timed_out(started, seconds, deadline)
        return Response(None, int((deadline_clock.monotonic() - started) * 1000), error=f"{type(exc).__name__}: {exc}"[:300])
    finally:
        conn.close()


# --- the schedule ------------------------------------------------------------------


def next_delay(attempt: int, response: Response | None = None, rng: random.Random | None = None) -> float | None:
    """Seconds until the attempt after `attempt` (1-based), or None when the schedule is
    spent."""
    schedule = queues.retry_schedule()
    if attempt > len(schedule):
        return None
    base = schedule[attempt - 1]
    delay = base * (1 + (rng or random).uniform(-queues.JITTER, queues.JITTER))
    if response is not None and response.status in BACKOFF_STATUSES and response.retry_after is not None:
        delay = max(delay, response.retry_after)
    return min(max(delay, 0.0), queues.MAX_VISIBILITY_S - 60)


def disable_after_s() -> float:
    return float(os.environ.get(DISABLE_AFTER_ENV, DISABLE_AFTER_S))


# --- one message -------------------------------------------------------------------


@dataclass
class Outcome:
    ok: bool  # True: delete the message; False: report it failed (retry / DLQ)
    visibility_s: int | None = None


def _record(
    msg: dict[str, Any], endpoint: dict[str, Any], attempt: int, resp: Response, succeeded: bool,
    next_attempt_at: int | None, note: str | None, circuit: fairness.Circuit | None = None, deferred: bool = False,
) -> None:
    now_ms = clock.now_ms()
    attempt_id = ids.new_id(PREFIX, now_ms)
    account_id, mode = msg["account_id"], msg["mode"]
    item = {
        **keys.delivery(account_id, mode, msg["event"], attempt_id),
        **keys.endpoint_delivery_index(account_id, mode, endpoint["id"], attempt_id),
        "entity": ENTITY,
        "id": attempt_id,
        "account_id": account_id,
        "mode": mode,
        "event": msg["event"],
        "webhook_endpoint": endpoint["id"],
        "url": endpoint["url"],
        "created": now_ms // 1000,
        "attempt": attempt,
        "reason": msg.get("reason", "event"),
        "succeeded": succeeded,
        "http_status": resp.status,
        "duration_ms": resp.duration_ms,
        # both: the connection error of a last attempt and that its message goes to the DLQ
        "error": "; ".join(part for part in (resp.error, note) if part) or None,
        "response_body": resp.body or None,
        "next_attempt_at": next_attempt_at,
        # fairness (events/fairness.py): whether this attempt was deferred without a
        # request, and the endpoint's circuit after it (attempts.circuit reads them)
        "deferred": deferred,
        **(circuit.fields() if circuit is not None else {}),
        table.TTL_ATTRIBUTE: now_ms // 1000 + events.RETENTION_S,
    }
    (_bookkeeping.get() or Bookkeeping()).records.submit(db.to_item(item))


# --- a batch's bookkeeping -----------------------------------------------------------


def _put_records(items: list[dict[str, Any]]) -> list[None]:
    db.put_many(items)
    return [None] * len(items)


def _change_visibility(entries: list[tuple[str, int]]) -> list[Exception | None]:
    """ChangeMessageVisibilityBatch for (receipt handle, seconds) entries; an entry SQS
    refused gets its error."""
    resp = queues.client().change_message_visibility_batch(
        QueueUrl=queues.queue_url(),
        Entries=[{"Id": str(i), "ReceiptHandle": handle, "VisibilityTimeout": seconds}
                 for i, (handle, seconds) in enumerate(entries)],
    )
    failed = {f["Id"]: f for f in resp.get("Failed") or []}
    return [
        RuntimeError(f"SQS refused the visibility change: {failed[str(i)].get('Code')}") if str(i) in failed else None
        for i in range(len(entries))
    ]


class Bookkeeping:
    """What the attempts of one batch write when they end, in as few calls as they allow
    (core/groupcommit.py): attempts that end together (a stalled account's are all cut
    at the same second) store their records in one BatchWriteItem and re-schedule their
    messages in one ChangeMessageVisibilityBatch, where each made a PutItem and a
    ChangeMessageVisibility of its own. Each attempt still waits until its record is
    stored (and its message re-scheduled), in that order, and fails alone if its write
    does. One per invocation (`handle_batch`): a container delivers one batch at a time."""

    def __init__(self) -> None:
        from ..core.groupcommit import GroupCommit  # noqa: PLC0415 - off the handler's import path (cold start)

        self.records: GroupCommit[dict[str, Any]] = GroupCommit(_put_records, 25)  # BatchWriteItem's limit
        self.visibility: GroupCommit[tuple[str, int]] = GroupCommit(_change_visibility, 10)  # SQS's batch limit
        self._timeouts: dict[tuple[str, str], GroupCommit[str]] = {}
        self._lock = threading.Lock()

    def timeouts(self, account_id: str, mode: str, state: dict[str, Any]) -> GroupCommit[str]:
        """The account's timeouts of this batch (endpoint ids), counted in one write of
        its breakers when they end together (fairness.after, fairness.add_timeouts):
        a stalled account's attempts are all cut at the same second. `state`: the
        account's state item as the batch read it."""
        from ..core.groupcommit import GroupCommit  # noqa: PLC0415 - imported by __init__ already

        key = (account_id, mode)
        with self._lock:
            if key not in self._timeouts:
                self._timeouts[key] = GroupCommit(
                    lambda endpoint_ids: fairness.add_timeouts(account_id, mode, endpoint_ids, state), 100
                )
            return self._timeouts[key]


# The batch whose attempt runs on this thread (set by handle_batch; deliver alone makes its own).
_bookkeeping: ContextVar[Bookkeeping | None] = ContextVar("webhook_bookkeeping", default=None)
# In a batch: the new failing streak this thread's attempt found, noted once its attempt
# is recorded and its message re-scheduled (so that the batch's attempts that fail
# together meet at those writes, which go out together; webhook_endpoints.mark_failed).
_streaks: ContextVar[list[tuple[dict[str, Any], int]] | None] = ContextVar("webhook_streaks", default=None)


Read = tuple[dict[str, Any] | None, dict[str, Any] | None, fairness.Seen]


def _keys(msg: dict[str, Any]) -> list[dict[str, str]] | None:
    """What an attempt reads: its event, its endpoint, the endpoint's breaker and the
    account's share (None for ids that cannot exist)."""
    account_id, mode, endpoint_id = msg["account_id"], msg["mode"], msg["webhook_endpoint"]
    if not ids.is_valid(msg["event"], events.PREFIX) or not ids.is_valid(endpoint_id, webhook_endpoints.PREFIX):
        return None
    return [
        keys.event(account_id, mode, msg["event"]),
        keys.webhook_endpoint(account_id, mode, endpoint_id),
        *fairness.state_keys(account_id, mode, endpoint_id),
    ]


def _read_batch(msgs: list[dict[str, Any]]) -> list[Read | None]:
    """What every message of a batch reads, in one strongly consistent BatchGetItem (the
    keys they share, such as the account's share, read once): the message's event (None
    once expired), its endpoint and the fairness state it is admitted on. None for a
    message whose ids cannot exist (it reads nothing)."""
    wanted = [_keys(m) for m in msgs]
    unique = list({(k["pk"], k["sk"]): k for ks in wanted if ks for k in ks}.values())
    got = {(k["pk"], k["sk"]): item for k, item in zip(unique, db.get_many(unique) if unique else [])}
    out: list[Read | None] = []
    for msg, ks in zip(msgs, wanted):
        if ks is None:
            out.append(None)
            continue
        event, endpoint, state = (got.get((k["pk"], k["sk"])) for k in ks)
        out.append((events.alive(event), endpoint, fairness.seen_in(state, msg["webhook_endpoint"])))
    return out


def deliver(
    msg: dict[str, Any], attempt: int, poster: Poster = post, deadline: float | None = None, read: Read | None = None
) -> Outcome:
    """One message: POST, record, decide. `deadline` (deadline_clock.monotonic()) is the latest the
    attempt may end by (the invocation's), on top of the delivery timeout. `read`: what
    the batch read for it (`_read_batch`), read here when not given."""
    account_id, mode = msg["account_id"], msg["mode"]
    if read is None:
        (read,) = _read_batch([msg])
    if read is None:
        return Outcome(True)  # ids that cannot exist: nothing to deliver
    event, endpoint, seen = read
    if event is None:
        return Outcome(True)  # expired: nothing left to deliver
    if endpoint is None or endpoint["status"] != webhook_endpoints.ENABLED:
        return Outcome(True)  # deleted or disabled since: deliveries stop
    body = event["body"].encode("utf-8")
    seconds = delivery_timeout_s()
    if deadline is not None:
        seconds = min(seconds, deadline - deadline_clock.monotonic())
    circuit = fairness.admit(account_id, mode, endpoint["id"], max(seconds, 0.0), seen)
    if circuit.defer:
        return _defer(msg, endpoint, attempt, circuit)
    try:
        target = urlguard.check(endpoint["url"])
    except urlguard.UnsafeUrl as exc:
        resp = Response(None, 0, error=f"refused: the URL {exc}")
    else:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            **signing.headers(webhook_endpoints.signing_secrets(endpoint), msg["event"], clock.now_s(), body),
        }
        share = fairness.SlowShare(account_id, mode, seconds)
        token = _share.set(share)
        try:
            resp = poster(target, body, headers, seconds)
        finally:
            _share.reset(token)
            share.release()
    book = _bookkeeping.get()
    together = book.timeouts(account_id, mode, seen.share) if book is not None and resp.timed_out else None
    circuit = fairness.after(account_id, mode, endpoint["id"], circuit, resp.timed_out, together)
    now = clock.now_s()
    if resp.status is not None and 200 <= resp.status < 300:
        _record(msg, endpoint, attempt, resp, True, None, None, circuit)
        webhook_endpoints.mark_succeeded(endpoint)
        return Outcome(True)
    if resp.status is not None and 300 <= resp.status < 400:
        resp.error = resp.error or "redirects are not followed"
    if resp.status == 410:
        _record(msg, endpoint, attempt, resp, False, None, "410 Gone: the endpoint was disabled")
        webhook_endpoints.disable(endpoint, "The endpoint answered 410 Gone.")
        return Outcome(True)
    # A new failing streak is not noted for an attempt the account's share cut while the
    # breaker counts it (it is noted at the endpoint's next failure: its deferral once the
    # circuit opens, at the latest): the cut attempts of a stalled account all end at
    # the same second, and each would write its endpoint.
    note = not (resp.cut and fairness.circuit_timeouts() > 0)
    since = webhook_endpoints.mark_failed(endpoint, now, _streaks.get(), note=note)
    if now - since >= disable_after_s():
        days = (now - since) / 86_400
        _record(msg, endpoint, attempt, resp, False, None, f"failing for {days:.1f} days: the endpoint was disabled")
        webhook_endpoints.disable(endpoint, f"Deliveries failed for {days:.1f} days.")
        return Outcome(True)
    delay = next_delay(attempt, resp)
    if delay is None:
        _record(msg, endpoint, attempt, resp, False, None, "last attempt: the message goes to the dead-letter queue", circuit)
        return Outcome(False, 0)
    if circuit.retry_at is not None:  # the circuit just opened: not before it may close
        delay = min(max(delay, circuit.retry_at - now), queues.MAX_VISIBILITY_S - 60)
    _record(msg, endpoint, attempt, resp, False, now + int(round(delay)), None, circuit)
    return Outcome(False, int(round(delay)))


def _defer(msg: dict[str, Any], endpoint: dict[str, Any], attempt: int, circuit: fairness.Circuit) -> Outcome:
    """The endpoint's circuit is open (or its probe is out, or it timed out last while its
    account holds all its slow slots): no request, no slot held.
    The message is retried on its schedule, not before the circuit may close; the
    receive was an attempt (SQS counts it), recorded as deferred."""
    now = clock.now_s()
    if circuit.share_full:
        why = (
            f"deferred: the endpoint's last {circuit.timeouts} attempt(s) timed out and the account's "
            f"{fairness.account_slow_slots()} slow delivery slots are in use"
        )
    elif circuit.state == fairness.OPEN:
        why = f"deferred: the endpoint's circuit is open after {circuit.timeouts} consecutive timeouts"
    else:
        why = "deferred: another attempt is probing the endpoint (its circuit is half-open)"
    resp = Response(None, 0, error=why)
    since = webhook_endpoints.mark_failed(endpoint, now, _streaks.get())
    if now - since >= disable_after_s():
        days = (now - since) / 86_400
        _record(msg, endpoint, attempt, resp, False, None, f"failing for {days:.1f} days: the endpoint was disabled", circuit, True)
        webhook_endpoints.disable(endpoint, f"Deliveries failed for {days:.1f} days.")
        return Outcome(True)
    delay = next_delay(attempt)
    if delay is None:
        _record(msg, endpoint, attempt, resp, False, None, "last attempt: the message goes to the dead-letter queue", circuit, True)
        return Outcome(False, 0)
    delay = min(max(delay, (circuit.retry_at or now) - now), queues.MAX_VISIBILITY_S - 60)
    _record(msg, endpoint, attempt, resp, False, now + int(round(delay)), None, circuit, True)
    return Outcome(False, int(round(delay)))


def init_clients() -> None:
    """Build the AWS clients deliveries use (DynamoDB; SQS to re-schedule a failed one).

    `handle_batch` calls this before it starts its thread pool: boto3 clients must not be
    created concurrently from its default session (boto/boto3#1592). They go into the
    same per-process caches as ever (`db.client()`, `queues.client()`), so tests and the
    local cloud that `set_client` them, or clear them, are still obeyed."""
    db.client()
    queues.client()


def handle_batch(
    records: Iterable[dict[str, Any]], poster: Poster = post, remaining_ms: Callable[[], int] | None = None
) -> dict[str, Any]:
    """A Lambda SQS batch, delivered concurrently; failed messages are reported (partial
    batch response) after their visibility was set to the next retry's delay.

    `remaining_ms` is the invocation's clock (context.get_remaining_time_in_millis):
    every attempt ends INVOCATION_MARGIN_S before it runs out, so the batch is always
    answered and a slow receiver fails only its own message."""
    records = list(records)
    deadline = deadline_clock.monotonic() + remaining_ms() / 1000 - INVOCATION_MARGIN_S if remaining_ms is not None else None
    init_clients()
    # The batch's reads in one call; should it fail, each message reads its own (and fails alone).
    parsed: dict[str, dict[str, Any]] = {}
    for record in records:
        try:
            msg = json.loads(record["body"])
            if isinstance(msg, dict):
                _keys(msg)  # a message without its fields is left to fail on its own
                parsed[record["messageId"]] = msg
        except Exception:  # noqa: BLE001 - it fails in `one`, reported like any other
            pass
    reads: dict[str, Read | None] = {}
    try:
        if 1 < len(parsed) and 4 * len(parsed) <= 100:
            reads = dict(zip(parsed, _read_batch(list(parsed.values()))))
    except Exception:  # noqa: BLE001 - each message reads again on its own
        reads = {}

    book = Bookkeeping()

    def one(record: dict[str, Any]) -> Outcome:
        streaks: list[tuple[dict[str, Any], int]] = []
        token, noted = _bookkeeping.set(book), _streaks.set(streaks)
        try:
            outcome = _one(record)
        finally:
            _bookkeeping.reset(token)
            _streaks.reset(noted)
        for endpoint, since in streaks:
            try:
                webhook_endpoints.note_failing(endpoint, since)
            except Exception:  # noqa: BLE001 - the endpoint's next failure notes it
                from aws_lambda_powertools import Logger

                Logger(service="resource-api").exception("could not note the failing streak",
                                                         extra={"message_id": record.get("messageId")})
        return outcome

    def _one(record: dict[str, Any]) -> Outcome:
        try:
            msg = json.loads(record["body"])
            attempt = int((record.get("attributes") or {}).get("ApproximateReceiveCount", "1"))
            read = reads.get(record.get("messageId", ""))
            outcome = deliver(msg, attempt, poster, deadline, read)
        except Exception:
            from aws_lambda_powertools import Logger

            Logger(service="resource-api").exception("delivery failed", extra={"message_id": record.get("messageId")})
            return Outcome(False)  # the queue's own visibility timeout re-schedules it
        if not outcome.ok and outcome.visibility_s is not None:
            try:
                book.visibility.submit((record["receiptHandle"], outcome.visibility_s))
            except Exception:
                from aws_lambda_powertools import Logger

                Logger(service="resource-api").exception("could not re-schedule", extra={"message_id": record.get("messageId")})
        return outcome

    with ThreadPoolExecutor(max_workers=max(1, min(len(records), queues.BATCH_SIZE))) as pool:
        outcomes = list(pool.map(one, records))
    return {
        "batchItemFailures": [
            {"itemIdentifier": r["messageId"]} for r, o in zip(records, outcomes) if not o.ok
        ]
    }
