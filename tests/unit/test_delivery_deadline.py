"""One deadline per webhook delivery attempt, against real receivers on 127.0.0.1.

A receiver that drips its answer (one byte every half second) never trips a socket
timeout, which bounds each read; the attempt's own deadline must end it, record it as a
failed attempt (a timeout, retried on the schedule) for that endpoint only, and let the
rest of the SQS batch through. The deadline also shrinks to the invocation's remaining
time, so the batch is always answered."""

from __future__ import annotations

import json
import socket
import threading
import time
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
    ctx, queue, receivers, monkeypatch  # noqa: F811 - the fixture
):
    monkeypatch.setenv(deliveries.DELIVERY_TIMEOUT_ENV, "1.5")
    endpoints, records = _batch_with(ctx, queue, receivers)
    by = _by_endpoint(records, endpoints)
    # When one batch holds a message for a receiver that drips its answer (the whole
    # answer would take ~40 s) and one for a healthy receiver
    started = time.monotonic()
    result = deliveries.handle_batch(records, remaining_ms=lambda: 60_000)
    elapsed = time.monotonic() - started
    # Then the batch is answered about when the deadline passed, not when the drip ends
    assert 1.4 < elapsed < 4.0
    assert receivers["drip"].bytes_sent < len(ANSWER) // 2
    # And only the dripping receiver's message failed (to be retried on the schedule)
    assert result == {"batchItemFailures": [{"itemIdentifier": by["drip"]["messageId"]}]}
    (dripped,) = _attempts(ctx, by["drip"])
    assert dripped["status"] == "failed" and dripped["http_status"] is None
    assert dripped["error"] == "timed out after 1.5 s"
    assert 1400 <= dripped["duration_ms"] < 3000
    assert dripped["next_attempt_at"] is not None
    assert webhook_endpoints.load(ctx.account_id, ctx.mode, endpoints["drip"]["id"])["failing_since"]
    # And the healthy receiver got its event, signed
    (ok,) = _attempts(ctx, by["healthy"])
    assert ok["status"] == "succeeded" and ok["http_status"] == 200
    (headers, body) = receivers["healthy"].requests[0]
    Webhook(endpoints["healthy"]["secret"]).verify(body, headers)


def test_the_deadline_shrinks_to_the_invocations_remaining_time(ctx, queue, receivers, monkeypatch):  # noqa: F811
    from functions.webhook_delivery.handler import handler

    monkeypatch.setenv(deliveries.DELIVERY_TIMEOUT_ENV, "30")
    endpoints, records = _batch_with(ctx, queue, receivers)
    by = _by_endpoint(records, endpoints)
    # When the invocation has only the margin and 1.2 s left (the delivery timeout says 30 s)
    remaining_ms = int(deliveries.INVOCATION_MARGIN_S * 1000) + 1200
    started = time.monotonic()
    result = handler({"Records": records}, Context("webhook_delivery", remaining_ms=remaining_ms))
    # Then the dripping attempt ends with the invocation's time, and the batch is answered
    assert time.monotonic() - started < 3.5
    assert result == {"batchItemFailures": [{"itemIdentifier": by["drip"]["messageId"]}]}
    (dripped,) = _attempts(ctx, by["drip"])
    assert dripped["error"].startswith("timed out after 1.")
    assert 1000 <= dripped["duration_ms"] < 2500
    assert _attempts(ctx, by["healthy"])[0]["status"] == "succeeded"


def test_an_answer_whose_body_trickles_times_out_and_leaves_no_timer_behind():
    # Headers and status at once, then the body one byte per 0.4 s
    receiver = Receiver(drip_s=0.4, fast=ANSWER.index(b"\r\n\r\n") + 4)
    try:
        target = urlguard.check(receiver.url("/trickle"), urlguard.Policy(frozenset({"http"}), allow_loopback=True))
        started = time.monotonic()
        resp = deliveries.post(target, b"{}", {"Content-Type": "application/json"}, 0.6)
        assert time.monotonic() - started < 1.5
        assert resp.status is None and resp.error == "timed out after 0.6 s"
        # A healthy answer in time is not cut
        healthy = Receiver()
        try:
            ok = deliveries.post(
                urlguard.check(healthy.url("/"), urlguard.Policy(frozenset({"http"}), allow_loopback=True)),
                b"{}", {}, 5.0,
            )
        finally:
            healthy.close()
        assert (ok.status, ok.body, ok.error) == (200, "ok", None)
    finally:
        receiver.close()
    time.sleep(0.05)
    assert not [t for t in threading.enumerate() if isinstance(t, threading.Timer)]
