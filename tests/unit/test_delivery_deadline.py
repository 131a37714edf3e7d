"""One deadline per webhook delivery attempt, against real receivers on 127.0.0.1.

A receiver that drips its answer (one byte every half second) never trips a socket
timeout, which bounds each read; the attempt's own deadline must end it, record it as a
failed attempt (a timeout, retried on the schedule) for that endpoint only, and let the
rest of the SQS batch through. The deadline also shrinks to the invocation's remaining
time, so the batch is always answered.

The deadline's clock is a manual one (`deliveries.deadline_clock`): the test moves time
once the receiver is dripping, so nothing here waits on or asserts the wall clock. How
close to its deadline a real attempt ends is `make bench`'s question (bench/deadlines.py)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator

import pytest
from standardwebhooks import Webhook

from resource_api.events import attempts, deliveries
from resource_api import stream
from resource_api.webhooks import urlguard, domain as webhook_endpoints
from resource_api.events.models import DeliveryListParams
from resource_api.resources.models import ResourceCreate
from resource_api.webhooks.models import WebhookEndpointCreate
from tests.reliability.apigw import Context
from tests.unit.test_webhooks import _sqs_event, queue, stream_records  # noqa: F401 - fixture

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"


class Receiver:
    """A real HTTP receiver: reads each request whole, then writes `ANSWER`, the first
    `fast` bytes at once and the rest one byte per `drip_s` seconds (0: all at once)."""

    def __init__(self, drip_s: float = 0.0, fast: int = 0) -> None:
        self.drip_s, self.fast = drip_s, fast
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.1)
        self.port = self.server.getsockname()[1]
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.paths: list[str] = []  # as the request line had them
        self.bytes_sent = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            head, _, body = data.partition(b"\r\n\r\n")
            request_line, *lines = head.decode("latin-1").split("\r\n")
            self.paths.append(request_line.split(" ")[1])
            headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines)}
            while len(body) < int(headers.get("content-length", 0)):
                body += conn.recv(65536)
            self.requests.append((headers, body))
            try:
                conn.sendall(ANSWER[: self.fast] if self.drip_s else ANSWER)
                self.bytes_sent += self.fast if self.drip_s else len(ANSWER)
                for i in range(self.fast, len(ANSWER) if self.drip_s else 0):
                    if self._stop.wait(self.drip_s):
                        return
                    conn.sendall(ANSWER[i : i + 1])
                    self.bytes_sent += 1
            except OSError:
                return  # the sender hung up: the drip ends here

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.server.close()


class ManualClock:
    """The deadline's clock, moved by the test: `advance` fires the timers it passes."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.lock = threading.Lock()
        self.timers: list[ManualTimer] = []

    def monotonic(self) -> float:
        with self.lock:
            return self.now

    def timer(self, seconds: float, fire) -> ManualTimer:  # noqa: ANN001
        return ManualTimer(self, seconds, fire)

    def armed(self) -> list[ManualTimer]:
        with self.lock:
            return [t for t in self.timers if t.started and not t.cancelled]

    def advance(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds
            due = [t for t in self.timers if t.started and not t.cancelled and t.due <= self.now]
        for t in due:
            t.cancelled = True
            t.fire()


class ManualTimer:
    def __init__(self, clock: ManualClock, seconds: float, fire) -> None:  # noqa: ANN001
        self.clock, self.seconds, self.fire = clock, seconds, fire
        self.started = self.cancelled = False
        self.due = 0.0

    def start(self) -> None:
        with self.clock.lock:
            self.started, self.due = True, self.clock.now + self.seconds
            self.clock.timers.append(self)

    def cancel(self) -> None:
        self.cancelled = True


@pytest.fixture
def manual_clock(monkeypatch) -> ManualClock:
    clock = ManualClock()
    monkeypatch.setattr(deliveries, "deadline_clock", clock)
    return clock


def wait_until(condition, what: str, timeout: float = 30.0):  # noqa: ANN001, ANN201
    """Until `condition()` holds (a final state); the bound only stops a hung test."""
    done = threading.Event()
    for _ in range(int(timeout / 0.01)):
        value = condition()
        if value:
            return value
        done.wait(0.01)
    raise AssertionError(f"never happened: {what}")


def in_background(fn):  # noqa: ANN001, ANN201
    """Run fn() in a thread; the returned `result()` joins it (the bound only stops a hang)."""
    out: dict = {}

    def run() -> None:
        try:
            out["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            out["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()

    def result():  # noqa: ANN202
        thread.join(30)
        assert not thread.is_alive(), "the delivery never ended"
        if "error" in out:
            raise out["error"]
        return out["value"]

    return result


@pytest.fixture
def receivers() -> Iterator[dict[str, Receiver]]:
    made = {"drip": Receiver(drip_s=0.5), "healthy": Receiver()}
    yield made
    for r in made.values():
        r.close()


def _attempts(ctx, record: dict) -> list[dict]:
    """The attempts of this message (its event, to its endpoint)."""
    msg = json.loads(record["body"])
    listed = attempts.list_for_event(ctx, msg["event"], DeliveryListParams())["data"]
    return [a for a in listed if a["webhook_endpoint"] == msg["webhook_endpoint"]]


def _batch_with(ctx, queue, receivers) -> tuple[dict, list[dict]]:  # noqa: F811 - the fixture
    endpoints = {
        name: webhook_endpoints.create(ctx, WebhookEndpointCreate(url=r.url(f"/{name}"), enabled_events=["*"]))
        for name, r in receivers.items()
    }
    from resource_api.resources import domain as resources

    resources.create(ctx, ResourceCreate(name="Deadline", type="staging"))
    stream.handle_batch(stream_records())
    return endpoints, _sqs_event(queue, 2)


def _by_endpoint(records: list[dict], endpoints: dict) -> dict[str, dict]:
    names = {ep["id"]: name for name, ep in endpoints.items()}
    return {names[json.loads(r["body"])["webhook_endpoint"]]: r for r in records}


def test_a_dripping_receiver_fails_its_own_attempt_at_the_deadline_and_the_batch_goes_through(
    ctx, queue, receivers, manual_clock, monkeypatch  # noqa: F811 - the fixture
):
    # (a 30 s delivery timeout is also each socket call's timeout: the drip never trips it)
    monkeypatch.setenv(deliveries.DELIVERY_TIMEOUT_ENV, "30")
    endpoints, records = _batch_with(ctx, queue, receivers)
    by = _by_endpoint(records, endpoints)
    # When one batch holds a message for a receiver that drips its answer (the whole
    # answer would take ~40 s) and one for a healthy receiver
    result = in_background(lambda: deliveries.handle_batch(records, remaining_ms=lambda: 60_000))
    wait_until(lambda: receivers["drip"].requests and _attempts(ctx, by["healthy"]), "the drip began, the healthy one answered")
    # And the attempt's deadline passes while the receiver is still dripping (the other
    # timer armed is fair delivery's: at 1 s an unanswered attempt takes one of its
    # account's slow slots, events/fairness.py; here there is one free, so it goes on)
    assert sorted(t.seconds for t in manual_clock.armed()) == [1.0, 30.0]
    manual_clock.advance(30)
    # Then the batch is answered before the drip ends, and only the dripping receiver's
    # message failed (to be retried on the schedule)
    assert result() == {"batchItemFailures": [{"itemIdentifier": by["drip"]["messageId"]}]}
    assert receivers["drip"].bytes_sent < len(ANSWER) // 2
    (dripped,) = _attempts(ctx, by["drip"])
    assert dripped["status"] == "failed" and dripped["http_status"] is None
    assert dripped["error"] == "timed out after 30.0 s"
    assert dripped["duration_ms"] == 30_000
    assert dripped["next_attempt_at"] is not None
    assert webhook_endpoints.load(ctx.account_id, ctx.mode, endpoints["drip"]["id"])["failing_since"]
    # And the healthy receiver got its event, signed
    (ok,) = _attempts(ctx, by["healthy"])
    assert ok["status"] == "succeeded" and ok["http_status"] == 200
    (headers, body) = receivers["healthy"].requests[0]
    Webhook(endpoints["healthy"]["secret"]).verify(body, headers)
    assert manual_clock.armed() == []  # both attempts' deadlines were disarmed


def test_the_deadline_shrinks_to_the_invocations_remaining_time(ctx, queue, receivers, manual_clock, monkeypatch):  # noqa: F811
    from functions.webhook_delivery.handler import handler

    monkeypatch.setenv(deliveries.DELIVERY_TIMEOUT_ENV, "60")
    endpoints, records = _batch_with(ctx, queue, receivers)
    by = _by_endpoint(records, endpoints)
    # When the invocation has only the margin and 20 s left (the delivery timeout says 60 s)
    remaining_ms = int(deliveries.INVOCATION_MARGIN_S * 1000) + 20_000
    result = in_background(lambda: handler({"Records": records}, Context("webhook_delivery", remaining_ms=remaining_ms)))
    wait_until(lambda: receivers["drip"].requests and _attempts(ctx, by["healthy"]), "the drip began, the healthy one answered")
    # Then the dripping attempt's deadline is the invocation's, not the delivery timeout
    # (beside fair delivery's slow-slot claim at 1 s)
    assert sorted(t.seconds for t in manual_clock.armed()) == [1.0, 20.0]
    manual_clock.advance(20)
    # And it ends there, and the batch is answered
    assert result() == {"batchItemFailures": [{"itemIdentifier": by["drip"]["messageId"]}]}
    (dripped,) = _attempts(ctx, by["drip"])
    assert dripped["error"] == "timed out after 20.0 s"
    assert dripped["duration_ms"] == 20_000
    assert _attempts(ctx, by["healthy"])[0]["status"] == "succeeded"


def test_an_invocation_with_no_time_left_attempts_nothing_and_answers(ctx, queue, receivers, manual_clock):  # noqa: F811
    from functions.webhook_delivery.handler import handler

    endpoints, records = _batch_with(ctx, queue, receivers)
    # When the invocation has no more than the margin left
    remaining_ms = int(deliveries.INVOCATION_MARGIN_S * 1000)
    result = handler({"Records": records}, Context("webhook_delivery", remaining_ms=remaining_ms))
    # Then no receiver is called, both messages are retried, and the attempts say why
    assert sorted(f["itemIdentifier"] for f in result["batchItemFailures"]) == sorted(r["messageId"] for r in records)
    assert receivers["drip"].requests == [] and receivers["healthy"].requests == []
    for record in records:
        (attempt,) = _attempts(ctx, record)
        assert attempt["error"] == "not attempted: the invocation had no time left"


def test_an_answer_whose_body_trickles_times_out_and_leaves_no_timer_behind(manual_clock):
    # Headers and status at once (with `Connection: close`), then the body one byte
    # every 10 minutes: only the deadline can end the read before the receiver closes
    fast = ANSWER.index(b"\r\n\r\n") + 4
    receiver = Receiver(drip_s=600.0, fast=fast)
    policy = urlguard.Policy(frozenset({"http"}), allow_loopback=True)
    try:
        target = urlguard.check(receiver.url("/trickle"), policy)
        result = in_background(lambda: deliveries.post(target, b"{}", {"Content-Type": "application/json"}, 120.0))
        wait_until(lambda: receiver.bytes_sent >= fast, "the status and headers were sent")
        # (120 s is each socket call's timeout too: only the deadline can end the read)
        manual_clock.advance(120)
        resp = result()
        assert resp.status is None and resp.error == "timed out after 120.0 s" and resp.duration_ms == 120_000
        assert receiver.bytes_sent == fast  # cut mid-body, the receiver still dripping
        # A healthy answer in time is not cut, and its deadline is disarmed
        healthy = Receiver()
        try:
            ok = deliveries.post(urlguard.check(healthy.url("/"), policy), b"{}", {}, 5.0)
        finally:
            healthy.close()
        assert (ok.status, ok.body, ok.error) == (200, "ok", None)
        assert manual_clock.armed() == []
    finally:
        receiver.close()


def test_the_real_clock_leaves_no_timer_thread_behind():
    # The shipped clock: a threading.Timer per attempt, cancelled when the attempt ends
    assert isinstance(deliveries.deadline_clock, deliveries.DeadlineClock)
    healthy = Receiver()
    try:
        ok = deliveries.post(
            urlguard.check(healthy.url("/"), urlguard.Policy(frozenset({"http"}), allow_loopback=True)), b"{}", {}, 30.0
        )
    finally:
        healthy.close()
    assert ok.status == 200
    # (a cancelled Timer's thread ends on its own; wait for that, the final state)
    wait_until(lambda: not [t for t in threading.enumerate() if isinstance(t, threading.Timer)], "no Timer thread left")
